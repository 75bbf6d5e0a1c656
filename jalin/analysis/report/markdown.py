"""The report as Markdown (for a supervisor's notes, a wiki or a pull request)."""

from __future__ import annotations

from ..taxonomy import taxonomy
from ..types import AnalysisResult
from .common import (
    KIND_ORDER,
    SAFETY_STEPS,
    label_name,
    lang_of,
    metric_rows,
    pct,
    ratio,
    risk_lines,
    stage_spans,
    task_rows,
    ui,
)

__all__ = ["md_cell", "to_markdown"]


def md_cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return " ".join(str(text).split()).replace("|", "\\|")


def _risk(result: AnalysisResult, lang: str) -> list[str]:
    if not result.risk:
        return []
    lines = [f"> **⚠ {ui('risk_title', lang)}**", ">", f"> {ui('risk_lines_intro', lang)}", ">"]
    for k, line in enumerate(risk_lines(result.risk, lang), start=1):
        head = f"> {k}. "
        if line.counselor_number is not None:
            lines.append(f"{head}{ui('risk_counselor_before', lang).format(n=line.counselor_number)}: "
                         f"“{md_cell(line.counselor_text)}”")
            head = ">    → "
        lines.append(f"{head}**{ui('utterance', lang)} {line.number}** ({md_cell(', '.join(line.flags))}): "
                     f"“{md_cell(line.text)}”")
        if line.why:
            lines.append(f">    ({ui('risk_why', lang)}: {md_cell('; '.join(line.why))})")
    lines += [">", f"> **{ui('risk_prompt', lang)}**", ">", f"> **{ui('safety_title', lang)}**", ">"]
    lines += [f"> {k}. {step}" for k, step in enumerate(SAFETY_STEPS[lang], start=1)]
    return lines + [""]


def _feedback(result: AnalysisResult, lang: str) -> list[str]:
    lines = [f"## {ui('feedback', lang)}", ""]
    for kind in KIND_ORDER:
        lines += [f"- **{ui('kind_question' if f.get('certainty') == 'question' else 'kind_' + kind, lang)}:** "
                  f"{f['text']}" for f in result.feedback if f["kind"] == kind]
    return lines + [""]


def _metrics(result: AnalysisResult, lang: str) -> list[str]:
    m, tx = result.metrics, taxonomy()
    lines = [f"## {ui('metrics', lang)}", "", f"| {ui('measure', lang)} | {ui('value', lang)} |", "|---|---|"]
    lines += [f"| {md_cell(k)} | {md_cell(v)} |" for k, v in metric_rows(result)]
    lines += ["", f"### {ui('techniques', lang)}", "", f"| {ui('label', lang)} | {ui('count', lang)} | {ui('share', lang)} |",
              "|---|---:|---:|"]
    lines += [f"| {label_name(k, lang)} | {v['count']} | {pct(v['share'])} |" for k, v in m["techniques"].items() if v["count"]]
    lines += ["", f"### {ui('stages', lang)}", "", (f"| {ui('stage', lang)} | {ui('span', lang)} | {ui('count', lang)} | "
              f"{ui('share', lang)} |"), "|---|---|---:|---:|"]
    for stage, span in m["stages"].items():
        where = f"{span['first']}–{span['last']}" if span["count"] else "–"
        lines.append(f"| {tx.name('stage', stage, lang)} | {where} | {span['count']} | {pct(span['share'])} |")
    return lines + [""]


def _tasks(result: AnalysisResult, lang: str) -> list[str]:
    marks = {"done": "✓", "missed": "✗", "optional": "–"}
    lines = [f"## {ui('tasks', lang)}", "", (f"| {ui('stage', lang)} | {ui('task', lang)} | {ui('status', lang)} | "
             f"{ui('utterances', lang)} |"), "|---|---|---|---|"]
    lines += [f"| {r.stage} | {r.name} | {marks[r.status]} {ui(r.status, lang)} | {', '.join(map(str, r.utterances))} |"
              for r in task_rows(result)]
    return lines + [""]


def _resistance(result: AnalysisResult, lang: str) -> list[str]:
    episodes = result.metrics["resistance_episodes"]
    if not episodes:
        return []
    lines = [f"## {ui('resistance', lang)}", "", (f"| {ui('utterances', lang)} | {ui('signs', lang)} | "
             f"{ui('response', lang)} | {ui('opened', lang)} |"), "|---|---|---|---|"]
    for ep in episodes:
        signs = ", ".join(label_name(s, lang) for s in ep["signs"])
        nxt = ", ".join(f"{r['utterance']}: {label_name(r['label'], lang)}" for r in ep["counselor_next"])
        opened = f"{ui('yes', lang)} ({ep['opened_at']})" if ep["opened_up"] else ui("no", lang)
        lines.append(f"| {ep['start']}–{ep['end']} | {signs} | {nxt} | {opened} |")
    return lines + [""]


def _student(result: AnalysisResult, lang: str) -> list[str]:
    s = result.student_labels
    if not s:
        return []
    lines = [f"## {ui('student', lang)}", "",
             f"- {ui('student_labelled', lang)}: {s['labelled']}; {ui('student_mapped', lang)}: {s['mapped']}",
             (f"- {ui('agreement', lang)}: {pct(s['agreement'])} ({s['agreements']} / {s['mapped']}); "
              f"{ui('kappa', lang)}: {ratio(s['kappa'])}"), ""]
    if s["disagreements"]:
        lines += [f"| {ui('no_col', lang)} | {ui('student_label', lang)} | {ui('engine_label', lang)} |", "|---:|---|---|"]
        lines += [f"| {d['utterance']} | {md_cell(d['student_label'])} → {label_name(d['student_label_id'], lang)} | "
                  f"{label_name(d['label'], lang)} |" for d in s["disagreements"]]
        lines.append("")
    if s["unmapped"]:
        listed = "; ".join(f"{u['utterance']}: “{md_cell(u['student_label'])}”" for u in s["unmapped"])
        lines += [f"{ui('unmapped', lang)}: {listed}", ""]
    return lines


def _transcript(result: AnalysisResult, lang: str) -> list[str]:
    tx = taxonomy()
    resistance = set(tx.resistance_labels)
    lines = [f"## {ui('transcript', lang)}", ""]
    starts = {first: (stage, first, last) for stage, first, last in stage_spans(result)}
    header = [(f"| {ui('no_col', lang)} | {ui('speaker', lang)} | {ui('text', lang)} | {ui('label', lang)} | "
               f"{ui('notes', lang)} |"), "|---:|---|---|---|---|"]
    for u in result.utterances:
        n = u.index + 1
        if n in starts:
            stage, first, last = starts[n]
            if n != 1:
                lines.append("")
            lines += [f"**{ui('stage_band', lang).format(stage=tx.name('stage', stage, lang), first=first, last=last)}**",
                      "", *header]
        notes = []
        if u.label in resistance:
            notes.append(f"⚑ {ui('resistance_mark', lang)}")
        notes += [f"⚠ {tx.name('flag', f, lang)}" for f in u.flags]
        notes += [f"✓ {tx.name('task', t, lang)}" for t in u.tasks if t in tx.task_stage]
        lines.append(f"| {n} | {md_cell(u.speaker_name or ui(u.speaker, lang))} | {md_cell(u.text)} | "
                     f"{label_name(u.label, lang)} | {md_cell('; '.join(notes))} |")
    return lines + [""]


def to_markdown(result: AnalysisResult) -> str:
    lang = lang_of(result)
    lines = [f"# {ui('title', lang)}: {result.source}", "",
             f"{ui('model', lang)}: {result.model_version} · {ui('utterances', lang)}: {len(result.utterances)}", ""]
    for part in (_risk, _feedback, _metrics, _tasks, _resistance, _student, _transcript):
        lines += part(result, lang)
    lines.append(f"_{ui('disclaimer', lang)}_")
    return "\n".join(lines) + "\n"
