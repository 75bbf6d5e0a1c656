"""Scoring against hand-computed cases, every band boundary, and answer errors."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jalin.measures.instruments import AnswerError, Instrument, Score, get_instrument, score


def answers_for_total(instrument: Instrument, total: int) -> list[int]:
    """Fill items from the first one up to reach ``total`` (PHQ-9 item 9 stays 0 until 25+)."""
    answers = []
    for item in instrument.items:
        value = min(max(item.allowed_values()), total)
        answers.append(value)
        total -= value
    assert total == 0
    return answers


PHQ9_BOUNDARIES = [(0, "minimal"), (4, "minimal"), (5, "mild"), (9, "mild"), (10, "moderate"), (14, "moderate"),
                   (15, "moderately_severe"), (19, "moderately_severe"), (20, "severe"), (27, "severe")]
GAD7_BOUNDARIES = [(0, "minimal"), (4, "minimal"), (5, "mild"), (9, "mild"), (10, "moderate"), (14, "moderate"),
                   (15, "severe"), (21, "severe")]


@pytest.mark.parametrize("lang", ["id", "en"])
@pytest.mark.parametrize(("total", "band"), PHQ9_BOUNDARIES)
def test_phq9_band_boundaries(lang: str, total: int, band: str) -> None:
    phq = get_instrument("phq9", lang)
    result = score(phq, answers_for_total(phq, total))
    assert (result.total, result.band.id) == (total, band)


@pytest.mark.parametrize("lang", ["id", "en"])
@pytest.mark.parametrize(("total", "band"), GAD7_BOUNDARIES)
def test_gad7_band_boundaries(lang: str, total: int, band: str) -> None:
    gad = get_instrument("gad7", lang)
    result = score(gad, answers_for_total(gad, total))
    assert (result.total, result.band.id) == (total, band)
    assert result.critical == ()


def test_phq9_hand_computed_with_labels_in_both_languages() -> None:
    result = score(get_instrument("phq9", "id"), {"1": 2, "2": 3, "3": 1, "4": 2, "5": 0, "6": 1, "7": 2, "8": 0,
                                                  "9": 0})
    assert result.total == 11
    assert result.to_dict("id")["band"] == {"id": "moderate", "label": "Sedang"}
    assert result.to_dict("en")["band"] == {"id": "moderate", "label": "Moderate"}
    assert result.to_dict()["band"]["label"] == {"id": "Sedang", "en": "Moderate"}
    assert result.subscales == {}


@pytest.mark.parametrize(("item9", "critical"), [(0, False), (1, True), (2, True), (3, True)])
def test_phq9_item9_above_zero_is_critical(item9: int, critical: bool) -> None:
    result = score(get_instrument("phq9", "en"), [0, 0, 0, 0, 0, 0, 0, 0, item9])
    assert bool(result.critical) is critical
    if critical:
        hit = result.critical[0]
        assert (hit.item, hit.value, hit.condition) == ("9", item9, "> 0")
        assert result.to_dict()["critical_items"][0]["item"] == "9"


def test_wai_sr_subscale_means() -> None:
    answers = [5, 4, 3, 2, 1, 5, 4, 3, 2, 1, 5, 4]
    result = score(get_instrument("wai_sr", "id"), answers)
    # Task 1,2,10,12 = 5,4,1,4; Bond 3,5,7,9 = 3,1,4,2; Goal 4,6,8,11 = 2,5,3,5
    assert result.subscales == {"task": 3.5, "bond": 2.5, "goal": 3.75}
    assert result.total == 3.25  # 39 / 12
    assert result.band is None


def test_wai_sr_rejects_zero_and_six() -> None:
    with pytest.raises(AnswerError) as caught:
        score(get_instrument("wai_sr", "en"), [0] + [3] * 10 + [6])
    assert caught.value.items == ["1", "12"]
    assert "from 1 to 5" in caught.value.message("en") and "1–5" in caught.value.message("id")


@pytest.mark.parametrize(("item4", "task"), [(1, 5.0), (5, 3.0), (3, 4.0)])
def test_alliance_form_reverse_scores_item_4(item4: int, task: float) -> None:
    form = get_instrument("alliance_jalin", "en")
    result = score(form, {"1": 5, "2": 4, "3": 5, "4": item4, "5": 5, "6": 5})
    assert result.subscales == {"goal": 4.5, "task": task, "bond": 5.0}
    assert result.total == round((5 + 4 + 5 + (6 - item4) + 5 + 5) / 6, 2)
    assert result.answers["4"] == item4  # the answer as given is kept; only the score is reversed


@pytest.mark.parametrize(("comfort", "band"), [(1, "burdened"), (2, "burdened"), (3, "neutral"), (4, "relieved"),
                                                 (5, "relieved")])
def test_laiseg_scores_only_the_comfort_rating(comfort: int, band: str) -> None:
    laiseg = get_instrument("laiseg", "id")
    result = score(laiseg, {"understanding": "Saya jadi paham pola tidur saya", "comfort": comfort,
                            "action": "Tidur sebelum jam 10"})
    assert (result.total, result.band.id) == (comfort, band)
    assert result.answers["understanding"] == "Saya jadi paham pola tidur saya"


def test_laiseg_text_answers_are_optional_but_comfort_is_not() -> None:
    laiseg = get_instrument("laiseg", "en")
    assert score(laiseg, {"comfort": 4, "understanding": "  "}).total == 4
    with pytest.raises(AnswerError) as caught:
        score(laiseg, {"understanding": "something"})
    assert caught.value.items == ["comfort"] and "missing" in caught.value.message("en")


def test_text_item_rejects_a_number() -> None:
    with pytest.raises(AnswerError, match="item understanding: the answer must be text"):
        score(get_instrument("laiseg", "en"), {"understanding": 3, "comfort": 3})


def test_laijapen_is_not_scored_but_checked() -> None:
    laijapen = get_instrument("laijapen", "id")
    result = score(laijapen, {"carried_out": 1, "source": 1, "further_service": 2, "obstacles": "Waktu"})
    assert (result.total, result.band, result.subscales) == (None, None, {})
    with pytest.raises(AnswerError) as caught:
        score(laijapen, {"carried_out": 1, "source": 1, "further_service": 3})
    assert caught.value.items == ["further_service"]
    assert "0–2" in caught.value.message("id")


def test_missing_items_are_named() -> None:
    with pytest.raises(AnswerError) as caught:
        score(get_instrument("phq9", "id"), {"1": 0, "2": 1})
    assert caught.value.items == ["3", "4", "5", "6", "7", "8", "9"]
    assert caught.value.message("id").endswith("item 3, 4, 5, 6, 7, 8, 9: belum dijawab")
    assert caught.value.message("en").endswith("items 3, 4, 5, 6, 7, 8, 9: missing")


def test_out_of_range_names_item_and_what_is_allowed() -> None:
    with pytest.raises(AnswerError) as caught:
        score(get_instrument("gad7", "en"), [0, 0, 4, 0, 0, 0, -1])
    assert caught.value.items == ["3", "7"]
    message = caught.value.message("en")
    assert "item 3: value 4 is out of range; allowed: 0–3 (0 = Not at all, 3 = Nearly every day)" in message
    # option labels come from the definition's language; the sentence around them from `lang`
    assert "nilai 4 di luar pilihan; yang boleh: 0–3 (0 = Not at all" in caught.value.message("id")


def test_unknown_item_and_wrong_list_length() -> None:
    gad = get_instrument("gad7", "en")
    with pytest.raises(AnswerError, match="item 8: no such item"):
        score(gad, dict.fromkeys(["1", "2", "3", "4", "5", "6", "7", "8"], 0))
    with pytest.raises(AnswerError, match="got 6 answers, expected 7"):
        score(gad, [0] * 6)
    with pytest.raises(AnswerError, match="mapping"):
        score(gad, "0,0,0,0,0,0,0")  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [True, 1.0, "2.0", "dua", [1]])
def test_non_integer_answers_are_rejected(bad: object) -> None:
    with pytest.raises(AnswerError, match="item 1: answer .* is not a whole number"):
        score(get_instrument("gad7", "en"), [bad, 0, 0, 0, 0, 0, 0])


def test_integer_text_from_a_form_is_accepted() -> None:
    assert score(get_instrument("gad7", "en"), ["3", " 2 ", "1", "0", "0", "0", "0"]).total == 6


# --------------------------------------------------------------------------- property-based

CODES = [("phq9", "id"), ("gad7", "en"), ("wai_sr", "id"), ("alliance_jalin", "id"), ("laiseg", "en"),
         ("laijapen", "id")]


@st.composite
def instrument_and_answers(draw: st.DrawFn) -> tuple[Instrument, dict[str, object]]:
    code, lang = draw(st.sampled_from(CODES))
    instrument = get_instrument(code, lang)
    answers: dict[str, object] = {}
    for item in instrument.items:
        if draw(st.integers(0, 9)) == 0:
            continue  # sometimes leave an item out
        if item.type == "text":
            answers[item.id] = draw(st.text(max_size=20))
        else:
            answers[item.id] = draw(st.integers(-2, 7))
    return instrument, answers


@settings(max_examples=300, deadline=None)
@given(instrument_and_answers())
def test_random_answers_give_a_score_or_an_answer_error(case: tuple[Instrument, dict[str, object]]) -> None:
    instrument, answers = case
    try:
        result = score(instrument, answers)  # type: ignore[arg-type]
    except AnswerError as error:
        assert error.problems and all(p.item in answers or p.item in {i.id for i in instrument.items}
                                      for p in error.problems)
        assert error.message("id") != error.message("en")
        return
    assert isinstance(result, Score)
    bounds = instrument.total_range()
    if bounds is None:
        assert result.total is None
    else:
        assert bounds[0] <= result.total <= bounds[1]
        if instrument.bands:
            assert result.band is not None and result.band.contains(result.total)
    for value in result.subscales.values():
        assert 1 <= value <= 5


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 3), min_size=9, max_size=9))
def test_phq9_total_is_the_sum_and_item9_decides_critical(answers: list[int]) -> None:
    result = score(get_instrument("phq9", "en"), answers)
    assert result.total == sum(answers)
    assert bool(result.critical) == (answers[8] > 0)
