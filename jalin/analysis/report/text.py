"""The report as plain text for a terminal (no colours, so it also pipes into files)."""

from __future__ import annotations

import textwrap

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

__all__ = ["to_text"]

WIDTH = 100
_MARK = {"risk": "[!]", "strength": "[+]", "improve": "[-]", "info": "[i]"}


def _wrap(text: str, indent: str, first: str = "") -> list[str]:
    return textwrap.wrap(text, WIDTH, initial_indent=first or indent, subsequent_indent=indent) or [first.rstrip()]


def _heading(title: str) -> list[str]:
    return ["", title, "=" * len(title)]


def _risk(result: AnalysisResult, lang: str) -> list[str]:
    if not result.risk:
        return []
    bar = "!" * WIDTH
    lines = [bar, f"!!! {ui('risk_title', lang)}"]
    lines += _wrap(ui("risk_lines_intro", lang), "!!! ", "!!! ")
    for line in risk_lines(result.risk, lang):
        if line.counselor_number is not None:
            lines += _wrap(f"{ui('risk_counselor_before', lang).format(n=line.counselor_number)}: "
                           f"\"{line.counselor_text}\"", "!!!     ", "!!!  - ")
            lines += _wrap(f"{ui('utterance', lang)} {line.number} ({', '.join(line.flags)}): \"{line.text}\"",
                           "!!!       ", "!!!    > ")
        else:
            lines += _wrap(f"{ui('utterance', lang)} {line.number} ({', '.join(line.flags)}): \"{line.text}\"",
                           "!!!     ", "!!!  - ")
        if line.why:
            lines += _wrap(f"{ui('risk_why', lang)}: {'; '.join(line.why)}", "!!!       ", "!!!      ")
    lines += _wrap(ui("risk_prompt", lang), "!!! ", "!!! ")
    lines.append(f"!!! {ui('safety_title', lang)}:")
    for k, step in enumerate(SAFETY_STEPS[lang], start=1):
        lines += _wrap(step, "!!!     ", f"!!!  {k}. ")
    return lines + [bar]


def _feedback(result: AnalysisResult, lang: str) -> list[str]:
    lines = _heading(ui("feedback", lang))
    for kind in KIND_ORDER:
        for f in result.feedback:
            if f["kind"] == kind:
                mark = "[?]" if f.get("certainty") == "question" else _MARK[kind]
                lines += _wrap(f["text"], "    ", f"{mark} ")
    return lines


def _metrics(result: AnalysisResult, lang: str) -> list[str]:
    rows = metric_rows(result)
    width = max(len(k) for k, _ in rows)
    lines = _heading(ui("metrics", lang)) + [f"{k.ljust(width)}  {v}" for k, v in rows]
    tech = [(label_name(k, lang), v) for k, v in result.metrics["techniques"].items() if v["count"]]
    if tech:
        lines += ["", ui("techniques", lang) + ":"]
        name_w = max(len(n) for n, _ in tech)
        top = max(v["count"] for _, v in tech)
        for name, v in tech:
            bar = "#" * max(1, round(v["count"] / top * 30))
            lines.append(f"  {name.ljust(name_w)}  {bar} {v['count']} ({pct(v['share'])})")
    return lines


def _tasks(result: AnalysisResult, lang: str) -> list[str]:
    marks = {"done": "[x]", "missed": "[ ]", "optional": "[-]"}
    lines = _heading(ui("tasks", lang))
    for r in task_rows(result):
        where = f" ({ui('at', lang)} {', '.join(map(str, r.utterances))})" if r.utterances else ""
        lines.append(f"{marks[r.status]} {r.stage}: {r.name} - {ui(r.status, lang)}{where}")
    return lines


def _resistance(result: AnalysisResult, lang: str) -> list[str]:
    episodes = result.metrics["resistance_episodes"]
    if not episodes:
        return []
    lines = _heading(ui("resistance", lang))
    for ep in episodes:
        signs = ", ".join(label_name(s, lang) for s in ep["signs"])
        nxt = ", ".join(f"{r['utterance']} {label_name(r['label'], lang)}" for r in ep["counselor_next"]) or "-"
        opened = f"{ui('yes', lang)} ({ep['opened_at']})" if ep["opened_up"] else ui("no", lang)
        lines += _wrap(f"{ep['start']}-{ep['end']}: {signs}; {ui('response', lang)}: {nxt}; {ui('opened', lang)}: {opened}",
                       "    ", "  - ")
    return lines


def _student(result: AnalysisResult, lang: str) -> list[str]:
    s = result.student_labels
    if not s:
        return []
    lines = _heading(ui("student", lang)) + [
        f"{ui('student_labelled', lang)}: {s['labelled']}, {ui('student_mapped', lang)}: {s['mapped']}",
        (f"{ui('agreement', lang)}: {pct(s['agreement'])} ({s['agreements']}/{s['mapped']}), "
         f"{ui('kappa', lang)}: {ratio(s['kappa'])}"),
    ]
    for d in s["disagreements"]:
        lines.append(f"  {d['utterance']:>4}  {d['student_label']} -> {label_name(d['student_label_id'], lang)}  /  "
                     f"{ui('engine_label', lang)}: {label_name(d['label'], lang)}")
    if s["unmapped"]:
        lines += _wrap("; ".join(f"{u['utterance']}: \"{u['student_label']}\"" for u in s["unmapped"]), "    ",
                       f"{ui('unmapped', lang)}: ")
    return lines


def _transcript(result: AnalysisResult, lang: str) -> list[str]:
    tx = taxonomy()
    resistance = set(tx.resistance_labels)
    starts = {first: (stage, first, last) for stage, first, last in stage_spans(result)}
    lines = _heading(ui("transcript", lang))
    for u in result.utterances:
        n = u.index + 1
        if n in starts:
            stage, first, last = starts[n]
            lines += ["", "-- " + ui("stage_band", lang).format(stage=tx.name("stage", stage, lang), first=first, last=last)]
        marks = ("! " if u.flags else "") + ("# " if u.label in resistance else "")
        who = (u.speaker_name or ui(u.speaker, lang))[:12]
        head = f"{n:>4} {who}: [{label_name(u.label, lang)}] {marks}"
        lines += _wrap(u.text, " " * 7, head)
    return lines


def to_text(result: AnalysisResult) -> str:
    lang = lang_of(result)
    lines = [f"{ui('title', lang)}: {result.source}",
             f"{ui('model', lang)}: {result.model_version} | {ui('utterances', lang)}: {len(result.utterances)}"]
    for part in (_risk, _feedback, _metrics, _tasks, _resistance, _student, _transcript):
        lines += part(result, lang)
    lines += ["", *_wrap(ui("disclaimer", lang), "")]
    return "\n".join(lines) + "\n"
