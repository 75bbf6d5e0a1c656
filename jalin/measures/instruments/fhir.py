"""Export one administration as a FHIR R4 QuestionnaireResponse (plain JSON-ready dict).

PHQ-9 and GAD-7 follow LOINC's own FHIR Questionnaires (http://loinc.org/q/44249-1 and
http://loinc.org/q/69737-5): item linkIds are "/<item LOINC code>" and answers are LOINC answer
codes, so the response validates against them; the total is added as the calculated LOINC total
item. Items without a LOINC code use the definition's item id as linkId.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from .model import Instrument, Item, Option
from .scoring import Answers, normalise_answers, score

__all__ = ["OPTION_SYSTEM", "ORDINAL_EXTENSION", "questionnaire_response"]

# R4 name of the extension that carries an answer option's score ("itemWeight" in R5).
ORDINAL_EXTENSION = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
# Code system for Jalin's own answer options, which have no LOINC answer code.
OPTION_SYSTEM = "urn:jalin:instrument:{code}:options"
STATUSES = ("in-progress", "completed", "amended", "entered-in-error", "stopped")


def _link_id(item: Item) -> str:
    return f"/{item.loinc}" if item.loinc else item.id


def _questionnaire(instrument: Instrument) -> str:
    if instrument.fhir_questionnaire:
        return instrument.fhir_questionnaire
    # a canonical reference with its version, as FHIR allows ("url|version")
    return f"urn:jalin:questionnaire:{instrument.code}|{instrument.version}"


def _coding(instrument: Instrument, option: Option) -> dict[str, Any]:
    return {
        "extension": [{"url": ORDINAL_EXTENSION, "valueDecimal": option.value}],
        "system": option.system or OPTION_SYSTEM.format(code=instrument.code),
        "code": option.code or str(option.value),
        "display": option.label,
    }


def _answer(instrument: Instrument, item: Item, value: int | str) -> dict[str, Any]:
    if isinstance(value, str):
        return {"valueString": value}
    option = item.option(value)
    if option is not None:
        return {"valueCoding": _coding(instrument, option)}
    return {"valueInteger": value}


def _authored(authored: datetime | date | str) -> str:
    if isinstance(authored, datetime):
        # FHIR dateTime with a time needs a zone; a naive time would be read in the wrong one
        if authored.tzinfo is None or authored.utcoffset() is None:
            raise ValueError("authored must be timezone-aware")
        return authored.isoformat()
    if isinstance(authored, date):
        return authored.isoformat()
    return authored


def questionnaire_response(instrument: Instrument, answers: Answers, *, subject_ref: str,
                           authored: datetime | date | str, status: str = "completed") -> dict[str, Any]:
    """A FHIR R4 QuestionnaireResponse for one administration.

    ``answers`` are checked like :func:`scoring.score` does (raising ``AnswerError``); blank
    optional text answers are left out. ``subject_ref`` is a FHIR reference such as
    ``"Patient/123"`` — pass an id, never a name, because exports leave the system.
    """
    if status not in STATUSES:
        raise ValueError(f"status must be one of {', '.join(STATUSES)}")
    clean = normalise_answers(instrument, answers)
    items = [
        {"linkId": _link_id(item), "text": item.text, "answer": [_answer(instrument, item, clean[item.id])]}
        for item in instrument.items if item.id in clean
    ]
    if instrument.total_loinc and instrument.method == "sum":
        total = score(instrument, clean).total
        items.append({"linkId": f"/{instrument.total_loinc}", "answer": [{"valueInteger": total}]})
    resource: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": _questionnaire(instrument),
        "status": status,
        "subject": {"reference": subject_ref},
        "authored": _authored(authored),
        "item": items,
    }
    if instrument.language != "*":
        resource["language"] = instrument.language
    if instrument.loinc:
        # QuestionnaireResponse has no code element in R4; the panel code goes in meta.tag
        resource["meta"] = {"tag": [{"system": "http://loinc.org", "code": instrument.loinc,
                                     "display": instrument.name}]}
    return resource
