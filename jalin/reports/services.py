"""What goes into each report, and the PDF renderer.

Builders only read: the caller has opened the case or session through ``jalin.cases.access`` and
records the audit event. ``Case.restricted_note`` is never put into a report context — reports are
printed, filed and handed to heads of school, so they follow the export rule.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.apps import apps
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import get_language

from jalin.cases import stages
from jalin.cases.models import Appointment, Case, CaseEvent, CounselingSession

PDF_CSS = Path(__file__).parent / "static" / "jalin" / "report-pdf.css"


class PdfError(Exception):
    """The PDF library reported an error while laying out a report."""


def report_lang() -> str:
    """Reports are written in the UI language (``id`` by default)."""
    return "en" if (get_language() or "id").startswith("en") else "id"


def initials(name: str) -> str:
    """``"Budi Contoh"`` → ``"B.C."``; a name already given as initials stays short."""
    parts = [p for p in name.replace(".", " ").split() if p]
    return ".".join(p[0].upper() for p in parts) + "." if parts else "—"


# --- case summary -------------------------------------------------------------------------------

@dataclass
class StageRow:
    code: str
    name: str
    entered_on: date | None
    tasks: list[tuple[str, object]]  # (task name, CaseTask or None)


def _stage_dates(case: Case, events: list[CaseEvent]) -> dict[str, date]:
    """When the case (last) entered each stage: opening → awal, stage events → their target."""
    entered: dict[str, date] = {"awal": case.opened_on}
    for event in events:
        if event.kind in (CaseEvent.Kind.STAGE, CaseEvent.Kind.OVERRIDE) and event.to_stage in stages.STAGES:
            entered[event.to_stage] = timezone.localtime(event.at).date()
    return entered


def _measures(case: Case, lang: str) -> dict:
    from jalin.measures.instruments import get_instrument
    from jalin.measures.views import titled_charts

    rows = []
    for a in case.administrations.select_related("session").order_by("administered_at"):
        band = a.result.get("band")
        rows.append({
            "instrument": get_instrument(a.instrument, lang).name,
            "when": a.administered_at,
            "session": a.session.number if a.session else None,
            "total": a.result.get("total"),
            "band": band["label"].get(lang, "") if band and isinstance(band.get("label"), dict) else "",
        })
    # Each chart with its instrument's name as a caption, as on the case page.
    return {"charts": [c for c in titled_charts(case, lang) if c["svg"]], "administrations": rows}


def case_summary_context(case: Case) -> dict:
    lang = report_lang()
    events = list(case.events.select_related("actor"))
    entered = _stage_dates(case, events)
    done = {t.task: t for t in case.tasks.all()}
    stage_rows = [StageRow(s, stages.stage_name(s), entered.get(s) if stages.STAGES.index(s) <=
                           stages.STAGES.index(case.stage) else None,
                           [(stages.task_name(t), done.get(t)) for t in stages.tasks_of(s)])
                  for s in stages.STAGES]
    closed_event = next((e for e in reversed(events) if e.kind == CaseEvent.Kind.CLOSED), None)
    return {
        "case": case,
        "counselee_code": case.counselee.code,
        "counselee_initials": initials(case.counselee.name),
        "lang": lang,
        "stage_rows": stage_rows,
        "closed_on": timezone.localtime(closed_event.at).date() if closed_event and not case.is_open else None,
        "contracts": list(case.contract_versions.all()),
        "sessions": list(case.sessions.all()),
        "steps": list(case.action_steps.all()),
        "follow_ups": list(case.follow_ups.all()),
        "referrals": list(case.referrals.all()),
        "measures": _measures(case, lang),
        "generated_at": timezone.localtime(),
    }


# --- individual counseling session report -------------------------------------------------------

def stored_analysis(session: CounselingSession) -> dict | None:
    """The latest finished transcript analysis of the session (``{"report": to_json(..), "feedback": ..}``).

    ``None`` when ``jalin.practice`` is not installed or the session has no finished analysis. The
    caller has opened ``session`` through ``jalin.cases.access``; transcripts hang off it.
    """
    if not apps.is_installed("jalin.practice"):
        return None
    from jalin.practice.models import AnalysisJob

    job = (AnalysisJob.objects.filter(transcript__session=session, status=AnalysisJob.Status.DONE)
           .order_by("-finished_at", "-id").first())
    if job is None or not isinstance(job.result, dict) or "report" not in job.result:
        return None
    corrections = {c.utterance: c.new_label for c in job.transcript.corrections.all()}
    if not corrections:
        return job.result
    # The counselor's label corrections win over the engine's labels in what is printed.
    report = dict(job.result["report"])
    report["utterances"] = [dict(u, label=corrections.get(u["index"], u["label"])) for u in report["utterances"]]
    return dict(job.result, report=report)


def result_from_json(stored: dict, lang: str):
    """Rebuild an ``AnalysisResult`` from its stored JSON report (inverse of ``report.to_json``)."""
    from jalin.analysis.types import AnalysisResult, LabelledUtterance, TaskHit

    report = stored["report"]
    feedback = stored.get("feedback")
    if isinstance(feedback, dict):  # stored in both languages: the report speaks the UI language
        feedback = feedback.get(lang) or feedback.get(report.get("language", "id")) or []
    utterances = [LabelledUtterance(
        index=u["index"] - 1, speaker=u["speaker"], speaker_name=u.get("speaker_name", ""), text=u["text"],
        label=u["label"], group=u.get("group", ""), confidence=u.get("confidence", 0.0),
        alternatives=[(a["label"], a["score"]) for a in u.get("alternatives", [])], flags=u.get("flags", []),
        stage=u.get("stage", "awal"), tasks=u.get("tasks", []), student_label=u.get("student_label"),
        student_label_id=u.get("student_label_id"), line=u.get("line"),
        task_confidence=u.get("task_confidence")) for u in report["utterances"]]
    tasks = report.get("tasks", {})
    return AnalysisResult(
        source=report.get("source", ""), format=report.get("format", ""), language=lang,
        transcript_language=report.get("language", lang), model_version=report.get("model_version", ""),
        utterances=utterances,
        tasks_done=[TaskHit(t["id"], t["stage"], [i - 1 for i in t["utterances"]]) for t in tasks.get("done", [])],
        tasks_missed=tasks.get("missed", []), metrics=report.get("metrics", {}),
        feedback=feedback if feedback is not None else report.get("feedback", []),
        risk=report.get("risk", []), student_labels=report.get("student_labels"))


def techniques_used(stored: dict) -> list[tuple[str, int]]:
    """Counselor techniques in a stored analysis, most used first: [(name, count)]."""
    from jalin.analysis.taxonomy import taxonomy

    lang = report_lang()
    counts: dict[str, int] = {}
    for u in stored["report"].get("utterances", []):
        if u.get("speaker") == "counselor" and u.get("label"):
            counts[u["label"]] = counts.get(u["label"], 0) + 1
    return [(taxonomy().name("label", label, lang), n)
            for label, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def session_report_context(session: CounselingSession) -> dict:
    case = session.case
    counselee = case.counselee
    organisation = case.counselor.organisation
    analysis = stored_analysis(session)
    after = timezone.make_aware(timezone.datetime.combine(session.date, session.start_time))
    next_appointment = (case.appointments.filter(status=Appointment.Status.SCHEDULED, starts_at__gt=after)
                        .order_by("starts_at").first())
    return {
        "case": case,
        "session": session,
        "lang": report_lang(),
        "counselee_name": counselee.name,
        "counselee_code": counselee.code,
        "counselee_class": counselee.affiliation,
        "school": organisation.name if organisation else "",
        "is_school": bool(organisation and organisation.kind == "school"),
        "techniques": techniques_used(analysis) if analysis is not None else None,
        "steps": [s for s in case.action_steps.all() if s.status in ("planned", "doing")],
        "next_appointment": next_appointment,
        "counselor": case.counselor,
        "generated_at": timezone.localtime(),
    }


# --- PDF ----------------------------------------------------------------------------------------

def _svg_as_image(svg: str) -> str:
    """xhtml2pdf draws SVG only from <img>; charts are inline SVG on screen, so wrap them."""
    if "xmlns=" not in svg[:200]:
        svg = svg.replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" width="640" height="220" ', 1)
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return f'<img class="chart" src="data:image/svg+xml;base64,{data}" width="480" height="165">'


def render_pdf(template: str, context: dict) -> bytes:
    """The report's template laid out as A4 PDF with the PDF stylesheet (no network, no files)."""
    from xhtml2pdf import pisa

    context = dict(context, pdf=True, pdf_css=PDF_CSS.read_text("utf-8"))
    measures = context.get("measures")
    if measures and measures.get("charts"):
        context["measures"] = dict(measures, charts=[dict(c, svg=_svg_as_image(c["svg"])) for c in measures["charts"]])
    html = render_to_string(template, context)
    out = io.BytesIO()
    status = pisa.CreatePDF(html, dest=out, encoding="utf-8", link_callback=lambda uri, rel: "")
    if status.err:
        raise PdfError(f"PDF layout failed for {template} ({status.err} errors)")
    return out.getvalue()
