"""What the session page shows of an analysis: built from the stored JSON report, the counselor's
label corrections and (for a review) the supervisor's comments. Pure data for the templates."""

from __future__ import annotations

from jalin.analysis.report.common import SAFETY_STEPS, risk_lines, ui
from jalin.analysis.taxonomy import taxonomy


def current_model_version() -> str:
    """The version of the model a new run would use (read from the artifact's name; no loading)."""
    try:
        from jalin.analysis.model.persist import artifact_version, default_model_path

        return artifact_version(default_model_path())
    except Exception:  # noqa: BLE001 - no model installed: the page still shows stored results
        return ""


def effective_labels(job, corrections) -> dict[int, str]:
    """utterance number -> label after the counselor's latest correction."""
    labels = {u["index"]: u["label"] for u in job.result["report"]["utterances"]}
    for correction in corrections:
        labels[correction.utterance] = correction.new_label
    return labels


def build_report(job, *, lang: str, corrections=(), comments=(), case_tasks=frozenset()) -> dict:
    tax = taxonomy()
    report = job.result["report"]
    corrected = {c.utterance: c for c in corrections}
    labels = effective_labels(job, corrections)
    by_utterance: dict = {}
    for comment in comments:
        by_utterance.setdefault(comment.utterance, []).append(comment)
    disagreements = {d["utterance"] for d in (report.get("student_labels") or {}).get("disagreements", [])}
    rows, previous_stage = [], None
    for u in report["utterances"]:
        number = u["index"]
        label = labels[number]
        group = tax.group_of.get(label, u["group"])
        rows.append({
            "number": number, "speaker": u["speaker"], "speaker_name": u.get("speaker_name", ""),
            "text": u["text"], "label": label, "label_name": tax.name("label", label, lang), "group": group,
            "group_name": tax.name("group", group, lang), "engine_label": u["label"],
            "engine_label_name": tax.name("label", u["label"], lang), "confidence": u.get("confidence"),
            "corrected": number in corrected, "resistance": group == "resistance",
            "flags": [tax.name("flag", f, lang) for f in u.get("flags", [])],
            "stage": u.get("stage", ""), "stage_name": tax.name("stage", u.get("stage", ""), lang),
            "stage_start": u.get("stage") != previous_stage,
            "tasks": [tax.name("task", t, lang) for t in u.get("tasks", [])],
            "student_label": u.get("student_label"), "student_differs": number in disagreements,
            "choices": [(lab, tax.name("label", lab, lang)) for lab in tax.labels_for(u["speaker"])],
            "comments": by_utterance.get(number, []),
        })
        previous_stage = u.get("stage")
    metrics = report["metrics"]
    episodes = metrics.get("resistance_episodes") or []
    key_metrics = [
        ("reflection_question_ratio", metrics.get("reflection_question_ratio")),
        ("open_question_share", metrics.get("open_question_share")),
        ("feeling_reflection_share", metrics.get("feeling_reflection_share")),
        ("counselor_talk_share", (metrics.get("talk") or {}).get("counselor_share")),
        ("resistance_episodes", len(episodes)),
        ("resistance_opened_up", sum(1 for e in episodes if e.get("opened_up"))),
        ("advice_before_exploration", bool((metrics.get("advice_before_exploration") or {}).get("found"))),
        ("stacked_questions", (metrics.get("stacked_questions") or {}).get("count", 0)),
    ]
    # Shares read as percentages, as everywhere else on the page ("64%", not "0,6351").
    key_metrics = [(key, f"{round(value * 100)}%" if key.endswith("_share") and isinstance(value, float) else value)
                   for key, value in key_metrics]
    groups = [(g, tax.name("group", g, lang), (metrics.get("groups") or {}).get(g, {}).get("count", 0))
              for g in tax.groups if g not in ("counselee", "resistance")]
    feedback = (job.result.get("feedback") or {}).get(lang) or report.get("feedback", [])
    tasks_done = report.get("tasks", {}).get("done", [])
    suggestions = [{"id": t["id"], "name": tax.name("task", t["id"], lang), "utterances": t.get("utterances", [])}
                   for t in tasks_done if t["id"] not in case_tasks]
    student = report.get("student_labels")
    if student:
        student = {**student, "rows": [
            {**d, "engine_name": tax.name("label", d["label"], lang),
             "student_name": tax.name("label", d["student_label_id"], lang) if d.get("student_label_id") else ""}
            for d in student.get("disagreements", [])]}
    return {
        "rows": rows,
        "risk": risk_lines(report.get("risk", []), lang),
        "risk_ui": {key: ui(key, lang) for key in ("risk_lines_intro", "risk_why", "risk_prompt", "safety_title")},
        "safety_steps": SAFETY_STEPS[lang if lang in SAFETY_STEPS else "id"],
        "metrics": key_metrics, "groups": groups, "feedback": feedback,
        "tasks_done": [tax.name("task", t["id"], lang) for t in tasks_done],
        "suggestions": suggestions, "student": student,
        "model_version": job.model_version,
    }
