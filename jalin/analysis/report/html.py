"""One self-contained, printable HTML report (inline CSS and SVG, no scripts, no network)."""

from __future__ import annotations

from html import escape
from string import Template

from ..taxonomy import taxonomy
from ..types import AnalysisResult, LabelledUtterance
from .common import (
    GROUP_COLORS,
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
from .svg import bar_chart, stacked_bar

__all__ = ["page", "to_html"]

STAGE_COLORS = {"awal": "#e3eefa", "inti": "#e6f4ea", "akhir": "#fdf0dc"}

CSS = """
:root { --ink:#1d2327; --muted:#5b6770; --line:#d8dee3; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink);
       margin: 0 auto; max-width: 1100px; padding: 24px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 2px solid var(--line); }
.meta { color: var(--muted); margin: 0 0 12px; }
.risk { border: 3px solid #b3261e; background: #fdecea; padding: 12px 16px; border-radius: 6px; margin: 12px 0; }
.risk h2 { color: #b3261e; border: 0; margin: 0 0 6px; }
.risk-before, .risk-why { color: #444; font-size: 0.92em; }
.risk-lines li { margin-bottom: 6px; }
.feedback li { margin: 6px 0; padding: 6px 10px; border-left: 5px solid var(--line); list-style: none; background: #fafbfc; }
.feedback ul { padding: 0; }
.feedback li.question { font-style: italic; border-left-style: dashed; }
.k-risk { border-color: #b3261e !important; background: #fdecea !important; }
.k-strength { border-color: #1e7b34 !important; } .k-improve { border-color: #c77700 !important; }
.k-info { border-color: #5b6770 !important; }
.kind { font-weight: 600; margin-right: 6px; }
table { border-collapse: collapse; width: 100%; margin: 6px 0; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 6px; text-align: left; vertical-align: top; }
th { background: #f1f4f6; font-weight: 600; }
td.num { text-align: right; white-space: nowrap; color: var(--muted); }
.chip { display: inline-block; padding: 1px 7px; border-radius: 9px; font-size: 12px; white-space: nowrap;
        border: 1px solid rgba(0,0,0,.15); }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(440px, 1fr)); gap: 8px 24px; }
.stage-row td { font-weight: 600; color: var(--ink); border-top: 2px solid var(--line); }
tr.counselee td.text { color: #38444c; }
tr.resist td.text { border-left: 4px solid #D55E00; }
.mark { color: #D55E00; font-size: 12px; font-weight: 600; }
.flag { color: #b3261e; font-weight: 700; font-size: 12px; }
tr.flagged td { background: #fdecea !important; }
.done { color: #1e7b34; } .missed { color: #b3261e; } .optional { color: var(--muted); }
.legend span { margin-right: 10px; font-size: 12px; }
.small { font-size: 12px; color: var(--muted); }
footer { margin-top: 32px; color: var(--muted); font-size: 12px; }
@media print {
  body { max-width: none; padding: 0; font-size: 10pt; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  h2 { break-after: avoid; } tr, li, .risk, svg { break-inside: avoid; }
  .grid { display: block; }
  @page { size: A4; margin: 14mm; }
}
"""

PAGE = Template(
    """<!DOCTYPE html>
<html lang="$lang">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>$title</title>
<style>$css</style>
</head>
<body>
$body
</body>
</html>
"""
)


def page(title: str, body: str, lang: str) -> str:
    """A complete HTML document around ``body`` (also used for the multi-file summary)."""
    return PAGE.substitute(lang=escape(lang), title=escape(title), css=CSS, body=body)


def _chip(label: str, group: str, lang: str) -> str:
    colour = GROUP_COLORS.get(group, "#999999")
    return f'<span class="chip" style="background:{colour}33;border-color:{colour}">{escape(label_name(label, lang))}</span>'


def _header(result: AnalysisResult, lang: str) -> str:
    meta = (f"{ui('source', lang)}: <strong>{escape(result.source)}</strong> · {ui('model', lang)}: "
            f"{escape(result.model_version)} · {ui('utterances', lang)}: {len(result.utterances)}")
    return f"<header><h1>{ui('title', lang)}</h1><p class=\"meta\">{meta}</p></header>"


def _risk(result: AnalysisResult, lang: str) -> str:
    if not result.risk:
        return ""
    items = []
    for line in risk_lines(result.risk, lang):
        before = ""
        if line.counselor_number is not None:
            before = (f'<div class="risk-before">{escape(ui("risk_counselor_before", lang).format(n=line.counselor_number))}: '
                      f"“{escape(line.counselor_text)}”</div>")
        why = (f'<div class="risk-why">{ui("risk_why", lang)}: {escape("; ".join(line.why))}</div>'
               if line.why else "")
        items.append(f'<li>{before}<div><strong>{ui("utterance", lang)} {line.number}</strong> '
                     f"({escape(', '.join(line.flags))}): “{escape(line.text)}”</div>{why}</li>")
    steps = "".join(f"<li>{escape(step)}</li>" for step in SAFETY_STEPS[lang])
    return (f'<section class="risk" role="alert"><h2>⚠ {ui("risk_title", lang)}</h2>'
            f"<p>{ui('risk_lines_intro', lang)}</p><ol class=\"risk-lines\">{''.join(items)}</ol>"
            f"<p><strong>{ui('risk_prompt', lang)}</strong></p>"
            f"<h3>{ui('safety_title', lang)}</h3><ol class=\"safety-steps\">{steps}</ol></section>")


def _feedback(result: AnalysisResult, lang: str) -> str:
    items = sorted(result.feedback, key=lambda f: KIND_ORDER.index(f["kind"]) if f["kind"] in KIND_ORDER else 9)
    lis = "".join(
        f'<li class="k-{escape(f["kind"])}{" question" if f.get("certainty") == "question" else ""}" '
        f'data-code="{escape(f["code"])}" data-certainty="{escape(f.get("certainty", "claim"))}"><span class="kind">'
        f'{ui("kind_question" if f.get("certainty") == "question" else "kind_" + f["kind"], lang)}</span>'
        f'{escape(f["text"])}</li>'
        for f in items
    )
    return f'<section class="feedback"><h2>{ui("feedback", lang)}</h2><ul>{lis}</ul></section>'


def _metrics(result: AnalysisResult, lang: str) -> str:
    m, tx = result.metrics, taxonomy()
    rows = "".join(f"<tr><td>{escape(k)}</td><td>{escape(v)}</td></tr>" for k, v in metric_rows(result))
    table = f"<table><tr><th>{ui('measure', lang)}</th><th>{ui('value', lang)}</th></tr>{rows}</table>"
    tech = [(label_name(k, lang), v["count"], f"{v['count']} ({pct(v['share'])})", GROUP_COLORS[tx.group_of[k]])
            for k, v in m["techniques"].items() if v["count"]]
    groups = [(tx.name("group", k, lang), v["count"], f"{v['count']} ({pct(v['share'])})", GROUP_COLORS.get(k, "#999"))
              for k, v in m["groups"].items()]
    counselee = [(label_name(k, lang), v["count"], f"{v['count']} ({pct(v['share'])})",
                  GROUP_COLORS[tx.group_of[k]]) for k, v in m["counselee_labels"].items()]
    talk = m["talk"]
    talk_bar = stacked_bar(
        [(ui("counselor", lang), talk["counselor_share"] or 0, "#9ecae1"),
         (ui("counselee", lang), talk["counselee_share"] or 0, "#dddddd")],
        title=ui("talk", lang),
    )
    stage_bar = stacked_bar(
        [(tx.name("stage", s, lang), span["share"] or 0, _stage_bar_colour(s)) for s, span in m["stages"].items()],
        title=ui("stages", lang),
    )
    return (
        f'<section><h2>{ui("metrics", lang)}</h2><div class="grid"><div>{table}</div><div>'
        f'<h3 class="small">{ui("talk", lang)}</h3>{talk_bar}<h3 class="small">{ui("stages", lang)}</h3>{stage_bar}'
        f'<h3 class="small">{ui("groups", lang)}</h3>{bar_chart(groups, title=ui("groups", lang))}</div>'
        f'<div><h3 class="small">{ui("techniques", lang)}</h3>{bar_chart(tech, title=ui("techniques", lang))}</div>'
        f'<div><h3 class="small">{ui("counselee_labels", lang)}</h3>'
        f'{bar_chart(counselee, title=ui("counselee_labels", lang))}</div></div></section>'
    )


def _stage_bar_colour(stage: str) -> str:
    return {"awal": "#9ec5ee", "inti": "#9fd3ad", "akhir": "#f3c98b"}.get(stage, "#ccc")


def _tasks(result: AnalysisResult, lang: str) -> str:
    marks = {"done": "✓", "missed": "✗", "optional": "–"}
    rows = "".join(
        f'<tr><td>{escape(r.stage)}</td><td>{escape(r.name)}</td><td class="{r.status}">{marks[r.status]} '
        f'{ui(r.status, lang)}</td><td>{", ".join(map(str, r.utterances))}</td></tr>'
        for r in task_rows(result)
    )
    return (f'<section><h2>{ui("tasks", lang)}</h2><table><tr><th>{ui("stage", lang)}</th><th>{ui("task", lang)}</th>'
            f'<th>{ui("status", lang)}</th><th>{ui("utterances", lang)}</th></tr>{rows}</table></section>')


def _resistance(result: AnalysisResult, lang: str) -> str:
    episodes = result.metrics["resistance_episodes"]
    if not episodes:
        return ""
    rows = "".join(
        f"<tr><td>{ep['start']}–{ep['end']}</td><td>{escape(', '.join(label_name(s, lang) for s in ep['signs']))}</td>"
        f"<td>{escape(', '.join(f'{r['utterance']}: {label_name(r['label'], lang)}' for r in ep['counselor_next']))}</td>"
        f"<td>{ui('yes', lang) + ' (' + str(ep['opened_at']) + ')' if ep['opened_up'] else ui('no', lang)}</td></tr>"
        for ep in episodes
    )
    return (f'<section><h2>{ui("resistance", lang)}</h2><table><tr><th>{ui("utterances", lang)}</th>'
            f'<th>{ui("signs", lang)}</th><th>{ui("response", lang)}</th><th>{ui("opened", lang)}</th></tr>'
            f"{rows}</table></section>")


def _student(result: AnalysisResult, lang: str) -> str:
    s = result.student_labels
    if not s:
        return ""
    summary = (f"<table><tr><td>{ui('student_labelled', lang)}</td><td>{s['labelled']}</td></tr>"
               f"<tr><td>{ui('student_mapped', lang)}</td><td>{s['mapped']}</td></tr>"
               f"<tr><td>{ui('agreement', lang)}</td><td>{pct(s['agreement'])} ({s['agreements']} / {s['mapped']})</td></tr>"
               f"<tr><td>{ui('kappa', lang)}</td><td>{ratio(s['kappa'])}</td></tr></table>")
    rows = "".join(
        f"<tr><td class=\"num\">{d['utterance']}</td><td>{escape(d['student_label'])} → "
        f"{escape(label_name(d['student_label_id'], lang))}</td><td>{escape(label_name(d['label'], lang))}</td></tr>"
        for d in s["disagreements"]
    )
    table = (f"<h3 class=\"small\">{ui('disagreements', lang)}</h3><table><tr><th>{ui('no_col', lang)}</th>"
             f"<th>{ui('student_label', lang)}</th><th>{ui('engine_label', lang)}</th></tr>{rows}</table>") if rows else ""
    unmapped = ""
    if s["unmapped"]:
        listed = "; ".join(f"{u['utterance']}: “{escape(u['student_label'])}”" for u in s["unmapped"])
        unmapped = f"<p class=\"small\">{ui('unmapped', lang)}: {listed}</p>"
    return f'<section><h2>{ui("student", lang)}</h2>{summary}{table}{unmapped}</section>'


def _row(u: LabelledUtterance, lang: str, resistance: set[str], show_student: bool) -> str:
    tx = taxonomy()
    classes = [u.speaker]
    notes = []
    if u.label in resistance:
        classes.append("resist")
        notes.append(f'<span class="mark">⚑ {ui("resistance_mark", lang)}</span>')
    if u.flags:
        classes.append("flagged")
        notes.extend(f'<span class="flag">⚠ {escape(tx.name("flag", f, lang))}</span>' for f in u.flags)
    notes.extend(f'<span class="small">✓ {escape(tx.name("task", t, lang))}</span>' for t in u.tasks if t in tx.task_stage)
    alts = ", ".join(f"{label_name(a, lang)} {round(s * 100)}%" for a, s in u.alternatives[:2])
    title = f' title="{escape(ui("alternatives", lang))}: {escape(alts)}"' if alts else ""
    student = ""
    if show_student:
        student = f"<td>{escape(u.student_label or '')}</td>"
    stage_colour = STAGE_COLORS.get(u.stage, "#fff")
    return (f'<tr class="{" ".join(classes)}"><td class="num" style="background:{stage_colour}">{u.index + 1}</td>'
            f"<td>{escape(u.speaker_name or ui(u.speaker, lang))}</td><td class=\"text\">{escape(u.text)}</td>"
            f"<td{title}>{_chip(u.label, u.group, lang)}</td><td class=\"num\">{round(u.confidence * 100)}%</td>"
            f"{student}<td>{'<br>'.join(notes)}</td></tr>")


def _transcript(result: AnalysisResult, lang: str) -> str:
    tx = taxonomy()
    resistance = set(tx.resistance_labels)
    show_student = any(u.student_label for u in result.utterances)
    cols = 7 if show_student else 6
    head = (f"<tr><th>{ui('no_col', lang)}</th><th>{ui('speaker', lang)}</th><th>{ui('text', lang)}</th>"
            f"<th>{ui('label', lang)}</th><th>{ui('confidence', lang)}</th>"
            + (f"<th>{ui('student_label', lang)}</th>" if show_student else "") + f"<th>{ui('notes', lang)}</th></tr>")
    by_start = {first: (stage, first, last) for stage, first, last in stage_spans(result)}
    body = []
    for u in result.utterances:
        n = u.index + 1
        if n in by_start:
            stage, first, last = by_start[n]
            band = ui("stage_band", lang).format(stage=tx.name("stage", stage, lang), first=first, last=last)
            body.append(f'<tr class="stage-row"><td colspan="{cols}" style="background:{STAGE_COLORS.get(stage, "#eee")}">'
                        f"{escape(band)}</td></tr>")
        body.append(_row(u, lang, resistance, show_student))
    legend = "".join(
        f'<span><span class="chip" style="background:{c}33;border-color:{c}">{escape(tx.name("group", g, lang))}</span></span>'
        for g, c in GROUP_COLORS.items()
    )
    return (f'<section><h2>{ui("transcript", lang)}</h2><p class="legend">{legend}</p>'
            f"<table>{head}{''.join(body)}</table></section>")


def to_html(result: AnalysisResult) -> str:
    """The full report as one HTML document in the result's language."""
    lang = lang_of(result)
    body = "".join([
        _header(result, lang),
        _risk(result, lang),
        _feedback(result, lang),
        _metrics(result, lang),
        _tasks(result, lang),
        _resistance(result, lang),
        _student(result, lang),
        _transcript(result, lang),
        f"<footer>{ui('disclaimer', lang)}</footer>",
    ])
    return page(f"{ui('title', lang)} — {result.source}", body, lang)
