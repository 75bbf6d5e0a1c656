"""FHIR R4 QuestionnaireResponse export."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone

import pytest

from jalin.measures.instruments import AnswerError, get_instrument, questionnaire_response
from jalin.measures.instruments.fhir import ORDINAL_EXTENSION

WIB = timezone(timedelta(hours=7))
AUTHORED = datetime(2026, 3, 2, 9, 30, tzinfo=WIB)


def export(code: str, lang: str, answers: object, **kwargs: object) -> dict:
    return questionnaire_response(get_instrument(code, lang), answers, subject_ref="Patient/c-17",  # type: ignore[arg-type]
                                  authored=kwargs.pop("authored", AUTHORED), **kwargs)  # type: ignore[arg-type]


def test_phq9_follows_the_loinc_questionnaire() -> None:
    resource = export("phq9", "id", [0, 1, 2, 3, 0, 1, 2, 3, 1])
    assert resource["resourceType"] == "QuestionnaireResponse"
    assert resource["questionnaire"] == "http://loinc.org/q/44249-1"
    assert resource["meta"]["tag"][0] == {"system": "http://loinc.org", "code": "44249-1", "display": "PHQ-9"}
    assert resource["status"] == "completed" and resource["language"] == "id"
    assert resource["subject"] == {"reference": "Patient/c-17"}
    assert resource["authored"] == "2026-03-02T09:30:00+07:00"
    link_ids = [item["linkId"] for item in resource["item"]]
    assert link_ids == ["/44250-9", "/44255-8", "/44259-0", "/44254-1", "/44251-7", "/44258-2", "/44252-5",
                        "/44253-3", "/44260-8", "/44261-6"]
    item9 = resource["item"][8]["answer"][0]["valueCoding"]
    assert item9["system"] == "http://loinc.org" and item9["code"] == "LA6569-3"
    assert item9["display"] == "Beberapa hari"
    assert item9["extension"] == [{"url": ORDINAL_EXTENSION, "valueDecimal": 1}]
    assert resource["item"][-1]["answer"] == [{"valueInteger": 13}]  # total score item
    json.dumps(resource)  # plain JSON


def test_gad7_panel_and_total() -> None:
    resource = export("gad7", "en", [3, 3, 3, 3, 3, 3, 3])
    assert resource["questionnaire"] == "http://loinc.org/q/69737-5"
    assert resource["meta"]["tag"][0]["code"] == "69737-5"
    assert resource["item"][0]["linkId"] == "/69725-0"
    assert resource["item"][0]["answer"][0]["valueCoding"]["code"] == "LA6571-9"
    assert resource["item"][-1] == {"linkId": "/70274-6", "answer": [{"valueInteger": 21}]}


def test_int_items_export_as_value_integer() -> None:
    resource = export("wai_sr", "id", [5, 4, 3, 2, 1, 5, 4, 3, 2, 1, 5, 4])
    assert resource["questionnaire"] == "urn:jalin:questionnaire:wai_sr|1.0"
    assert "language" not in resource and "meta" not in resource
    assert resource["item"][0] == {"linkId": "1", "text": "WAI-SR item 1 (load licensed wording)",
                                   "answer": [{"valueInteger": 5}]}
    assert len(resource["item"]) == 12  # no total item: WAI-SR has no LOINC total


def test_text_answers_are_value_string_and_blank_ones_are_left_out() -> None:
    resource = export("laiseg", "id", {"understanding": "Saya paham", "comfort": 4, "action": " "})
    by_link = {item["linkId"]: item for item in resource["item"]}
    assert set(by_link) == {"understanding", "comfort"}
    assert by_link["understanding"]["answer"] == [{"valueString": "Saya paham"}]
    coding = by_link["comfort"]["answer"][0]["valueCoding"]
    assert coding["system"] == "urn:jalin:instrument:laiseg:options"
    assert (coding["code"], coding["display"]) == ("4", "Cukup lega")
    assert coding["extension"][0]["valueDecimal"] == 4


def test_status_and_date_only_authored() -> None:
    resource = export("gad7", "en", [0] * 7, status="in-progress", authored=date(2026, 3, 2))
    assert resource["status"] == "in-progress" and resource["authored"] == "2026-03-02"


def test_naive_datetime_and_unknown_status_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        export("gad7", "en", [0] * 7, authored=datetime(2026, 3, 2, 9, 30))
    with pytest.raises(ValueError, match="status"):
        export("gad7", "en", [0] * 7, status="done")


def test_invalid_answers_are_not_exported() -> None:
    with pytest.raises(AnswerError, match="item 7"):
        export("gad7", "en", [0, 0, 0, 0, 0, 0, 9])
