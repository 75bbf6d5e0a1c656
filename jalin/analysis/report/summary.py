"""One table across several sessions (a supervisor's class): one row per file."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from html import escape

from ..taxonomy import taxonomy
from ..types import AnalysisResult
from .common import pct, ratio, ui
from .html import page
from .markdown import md_cell

__all__ = ["SUMMARY_FORMATS", "summary_rows", "summary_table"]

SUMMARY_FORMATS = ("text", "md", "html", "json", "csv")
_COLUMNS = ("sum_utterances", "sum_rq", "sum_open", "sum_feeling", "sum_talk", "sum_stacked", "sum_advice",
            "sum_resistance", "sum_missed", "sum_risk", "sum_agreement", "sum_kappa")


def summary_rows(results: Sequence[AnalysisResult]) -> list[dict]:
    """Plain values per session (shares 0..1), the same numbers as each report's metrics."""
    rows = []
    for r in results:
        m = r.metrics
        episodes = m["resistance_episodes"]
        student = r.student_labels or {}
        rows.append({
            "source": r.source,
            "utterances": m["utterances"],
            "reflection_question_ratio": m["reflection_question_ratio"],
            "open_question_share": m["open_question_share"],
            "feeling_reflection_share": m["feeling_reflection_share"],
            "counselor_talk_share": m["talk"]["counselor_share"],
            "stacked_questions": m["stacked_questions"]["count"],
            "advice_before_exploration": len(m["advice_before_exploration"]["utterances"]),
            "resistance_episodes": len(episodes),
            "resistance_opened": sum(1 for ep in episodes if ep["opened_up"]),
            "tasks_missed": list(r.tasks_missed),
            "risk": sorted({x["flag"] for x in r.risk}),
            "agreement": student.get("agreement"),
            "kappa": student.get("kappa"),
        })
    return rows


def _cells(row: dict, lang: str) -> list[str]:
    tx = taxonomy()
    return [
        row["source"], str(row["utterances"]), ratio(row["reflection_question_ratio"]),
        pct(row["open_question_share"]), pct(row["feeling_reflection_share"]), pct(row["counselor_talk_share"]),
        str(row["stacked_questions"]), str(row["advice_before_exploration"]),
        f"{row['resistance_episodes']} ({row['resistance_opened']})", str(len(row["tasks_missed"])),
        ", ".join(tx.name("flag", f, lang) for f in row["risk"]) or "–", pct(row["agreement"]), ratio(row["kappa"]),
    ]


def summary_table(results: Sequence[AnalysisResult], fmt: str = "text", *, lang: str = "id",
                  failures: Sequence[tuple[str, str]] = (), links: Mapping[str, str] | None = None) -> str:
    """The table in ``fmt`` (text, md, html, json or csv); ``failures`` are (file, message) rows
    for inputs that could not be analysed, so the class list stays complete. ``links`` maps a
    source to its report file (relative), linked from the HTML and Markdown tables."""
    if fmt not in SUMMARY_FORMATS:
        raise ValueError(f"unknown summary format {fmt!r}; expected one of {', '.join(SUMMARY_FORMATS)}")
    lang = lang if lang in ("id", "en") else "id"
    rows = summary_rows(results)
    if fmt == "json":
        return json.dumps({"rows": rows, "failures": [{"source": s, "error": e} for s, e in failures]},
                          ensure_ascii=False, indent=2) + "\n"
    header = [ui("source", lang)] + [ui(c, lang) for c in _COLUMNS]
    body = [_cells(r, lang) for r in rows]
    failed = [[source, ui("failed", lang) + ": " + message] for source, message in failures]
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(body)
        writer.writerows(failed)
        return out.getvalue()
    if fmt == "md":
        lines = [f"| {' | '.join(header)} |", "|" + "---|" * len(header)]
        for cells in body:
            shown = [md_cell(c) for c in cells]
            if links and cells[0] in links:
                shown[0] = f"[{shown[0]}]({links[cells[0]]})"
            lines.append(f"| {' | '.join(shown)} |")
        lines += [f"| {md_cell(s)} | {md_cell(e)} |" + " |" * (len(header) - 2) for s, e in failed]
        return "\n".join(lines) + "\n"
    if fmt == "html":
        head = "".join(f"<th>{escape(h)}</th>" for h in header)
        trs = "".join("<tr>" + _html_source(cells[0], links) + "".join(f"<td>{escape(c)}</td>" for c in cells[1:])
                      + "</tr>" for cells in body)
        trs += "".join(f'<tr><td>{escape(s)}</td><td colspan="{len(header) - 1}" class="missed">{escape(e)}</td></tr>'
                       for s, e in failed)
        title = ui("summary_title", lang)
        return page(title, f"<h1>{escape(title)}</h1><table><tr>{head}</tr>{trs}</table>", lang)
    return _text_table(header, body, failed)


def _html_source(source: str, links: Mapping[str, str] | None) -> str:
    if links and source in links:
        return f'<td><a href="{escape(links[source])}">{escape(source)}</a></td>'
    return f"<td>{escape(source)}</td>"


def _text_table(header: list[str], body: list[list[str]], failed: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in [header, *body]) for i in range(len(header))]
    def line(cells: list[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()
    lines = [line(header), "  ".join("-" * w for w in widths)] + [line(c) for c in body]
    lines += [f"{s}  {e}" for s, e in failed]
    return "\n".join(lines) + "\n"
