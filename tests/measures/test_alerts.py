"""Alert rules at their boundaries."""

from __future__ import annotations

import pytest

from jalin.measures.instruments import Alert, Instrument, Score, evaluate_alerts, get_instrument, score
from jalin.measures.instruments.alerts import (
    alliance_drop,
    concern_level,
    critical_item_alerts,
    no_reliable_improvement,
    reliable_deterioration,
)


def by_total(instrument: Instrument, total: int) -> Score:
    """A score with this sum total, item 9 of the PHQ-9 kept at 0 (no critical alert)."""
    answers = []
    for item in instrument.items:
        value = min(max(item.allowed_values()), total) if item.id not in instrument.critical_items else 0
        answers.append(value)
        total -= value
    assert total == 0
    return score(instrument, answers)


def series(code: str, totals: list[int]) -> tuple[Instrument, list[Score]]:
    instrument = get_instrument(code, "en")
    return instrument, [by_total(instrument, t) for t in totals]


def codes(alerts: list[Alert]) -> list[str]:
    return [a.code for a in alerts]


# --------------------------------------------------------------------------- reliable deterioration

@pytest.mark.parametrize(("code", "start", "rise", "fires"), [
    ("phq9", 3, 5, False), ("phq9", 3, 6, True), ("gad7", 2, 3, False), ("gad7", 2, 4, True),
])
def test_reliable_deterioration_boundary(code: str, start: int, rise: int, fires: bool) -> None:
    instrument, scores = series(code, [start, start + rise])
    alerts = reliable_deterioration(instrument, scores)
    assert bool(alerts) is fires
    if fires:
        alert = alerts[0]
        assert alert.severity == "warning" and alert.values["compared_to"] == ["first"]
        assert alert.values["change_from_first"] == rise
        assert f"{rise} points worse than the first measurement ({start})" in alert.reason_en
        assert f"{rise} poin lebih buruk dari pengukuran pertama ({start})" in alert.reason_id


def test_deterioration_from_the_previous_measurement_only() -> None:
    instrument, scores = series("phq9", [8, 2, 8])  # back to baseline, but 6 up on the last session
    alert = reliable_deterioration(instrument, scores)[0]
    assert alert.values["compared_to"] == ["previous"]
    assert (alert.values["change_from_first"], alert.values["change_from_previous"]) == (0, 6)


def test_slow_drift_from_the_first_measurement() -> None:
    instrument, scores = series("gad7", [3, 5, 7])  # +2 each time, +4 from baseline
    alert = reliable_deterioration(instrument, scores)[0]
    assert alert.values["compared_to"] == ["first"]
    assert alert.values["change_from_previous"] == 2


def test_improvement_is_not_deterioration() -> None:
    instrument, scores = series("phq9", [20, 10])
    assert reliable_deterioration(instrument, scores) == []


def test_one_measurement_has_nothing_to_compare() -> None:
    instrument, scores = series("phq9", [22])
    assert reliable_deterioration(instrument, scores) == []
    assert no_reliable_improvement(instrument, scores, sessions=1) == []


# --------------------------------------------------------------------------- critical items

def test_critical_item_alert_comes_first_and_at_once() -> None:
    phq = get_instrument("phq9", "id")
    alerts = evaluate_alerts(phq, [score(phq, [0, 0, 0, 0, 0, 0, 0, 0, 1])])
    assert codes(alerts) == ["critical_item"]
    alert = alerts[0]
    assert alert.severity == "critical" and alert.values == {"item": "9", "answer": 1, "condition": "> 0"}
    assert "item 9" in alert.reason_id and "penilaian risiko" in alert.reason_id
    assert "assess risk" in alert.reason_en and alert.reason("en") == alert.reason_en


def test_item9_zero_gives_no_critical_alert() -> None:
    phq = get_instrument("phq9", "en")
    assert critical_item_alerts(phq, score(phq, [3, 3, 3, 3, 3, 3, 3, 3, 0])) == []


def test_critical_alert_ranks_before_the_others() -> None:
    phq = get_instrument("phq9", "en")
    scores = [by_total(phq, 2), score(phq, [3, 3, 3, 0, 0, 0, 0, 0, 2])]
    assert codes(evaluate_alerts(phq, scores)) == ["critical_item", "reliable_deterioration", "concern_level"]


# --------------------------------------------------------------------------- alliance

def wai(mean_times_12: int) -> Score:
    """A WAI-SR score whose item sum is ``mean_times_12`` (mean = sum / 12)."""
    values, remaining = [], mean_times_12 - 12
    for _ in range(12):
        extra = min(4, remaining)
        values.append(1 + extra)
        remaining -= extra
    return score(get_instrument("wai_sr", "en"), values)


@pytest.mark.parametrize(("before", "after", "fires"), [
    (48, 42, False),  # 4.0 -> 3.5: down exactly 0.5, the threshold is "more than 0.5"
    (48, 41, True),   # 4.0 -> 3.42: down 0.58
    (48, 48, False),
    (42, 48, False),  # rising is good news
])
def test_alliance_drop_boundary(before: int, after: int, fires: bool) -> None:
    instrument = get_instrument("wai_sr", "en")
    alerts = alliance_drop(instrument, [wai(before), wai(after)])
    assert bool(alerts) is fires
    if fires:
        assert alerts[0].values == {"previous": 4.0, "total": 3.42, "drop": 0.58, "threshold": 0.5}
        assert "fell from 4 to 3.42" in alerts[0].reason_en and "turun dari 4 ke 3.42" in alerts[0].reason_id


def test_alliance_drop_compares_with_the_previous_session_only() -> None:
    instrument = get_instrument("wai_sr", "en")
    # 4.5 -> 4.17 -> 3.83: never more than 0.5 between sessions, though 0.67 below the first
    assert alliance_drop(instrument, [wai(54), wai(50), wai(46)]) == []


def test_jalin_form_drop_with_reverse_item() -> None:
    form = get_instrument("alliance_jalin", "id")
    good = score(form, {"1": 5, "2": 5, "3": 5, "4": 1, "5": 5, "6": 5})   # mean 5.0
    worse = score(form, {"1": 5, "2": 5, "3": 5, "4": 4, "5": 5, "6": 5})  # item 4 reversed: 2 -> mean 4.5
    worst = score(form, {"1": 5, "2": 5, "3": 4, "4": 4, "5": 5, "6": 5})  # mean 4.33
    assert alliance_drop(form, [good, worse]) == []
    assert codes(alliance_drop(form, [good, worst])) == ["alliance_drop"]


@pytest.mark.parametrize(("item_sum", "fires"), [(36, False), (35, True)])  # mean 3.0 vs 2.92, level "below 3"
def test_alliance_below_concern_level(item_sum: int, fires: bool) -> None:
    instrument = get_instrument("wai_sr", "en")
    alerts = concern_level(instrument, wai(item_sum))
    assert bool(alerts) is fires
    if fires:
        assert alerts[0].values == {"total": 2.92, "concern_level": 3, "when": "below"}
        assert "below the concern level 3" in alerts[0].reason_en


@pytest.mark.parametrize(("total", "fires"), [(9, False), (10, True)])
def test_phq9_concern_level_at_or_above_10(total: int, fires: bool) -> None:
    instrument, scores = series("phq9", [total])
    assert bool(concern_level(instrument, scores[0])) is fires


def test_laiseg_burdened_counselee_is_a_concern() -> None:
    laiseg = get_instrument("laiseg", "id")
    assert codes(evaluate_alerts(laiseg, [score(laiseg, {"comfort": 2})])) == ["concern_level"]
    assert evaluate_alerts(laiseg, [score(laiseg, {"comfort": 3})]) == []


# --------------------------------------------------------------------------- no reliable improvement

@pytest.mark.parametrize(("totals", "fires"), [
    ([15, 14, 13, 12, 11, 10], True),   # 5 better after 6 sessions: not reliable
    ([15, 14, 13, 12, 11, 9], False),   # 6 better: reliable improvement
    ([15, 15, 15, 15, 15], False),      # only 5 sessions so far
    ([15, 15, 15, 15, 15, 15, 15], True),
])
def test_no_reliable_improvement_after_six_phq9_sessions(totals: list[int], fires: bool) -> None:
    instrument, scores = series("phq9", totals)
    alerts = no_reliable_improvement(instrument, scores)
    assert bool(alerts) is fires
    if fires:
        alert = alerts[0]
        assert alert.severity == "review"
        assert "referral" in alert.reason_en and "alih tangan kasus" in alert.reason_id
        assert alert.values["after"] == 6 and alert.values["sessions"] == len(totals)


def test_session_count_can_be_given_by_the_caller() -> None:
    instrument, scores = series("gad7", [12, 11, 10])
    assert no_reliable_improvement(instrument, scores) == []
    assert codes(no_reliable_improvement(instrument, scores, sessions=3)) == ["no_reliable_improvement"]
    assert "no_reliable_improvement" in codes(evaluate_alerts(instrument, scores, no_improvement_after=3))


def test_low_baseline_cannot_improve_reliably_so_no_alert() -> None:
    instrument, scores = series("phq9", [5, 5, 5, 5, 5, 5])  # at most 5 points to gain, threshold 6
    assert no_reliable_improvement(instrument, scores) == []


# --------------------------------------------------------------------------- general

def test_every_alert_explains_itself_in_both_languages() -> None:
    instrument, scores = series("phq9", [12, 12, 12, 12, 12, 18])
    alerts = evaluate_alerts(instrument, scores)
    assert codes(alerts) == ["reliable_deterioration", "concern_level", "no_reliable_improvement"]
    for alert in alerts:
        data = alert.to_dict()
        assert set(data) == {"code", "severity", "reason_id", "reason_en", "values"}
        assert data["reason_id"] != data["reason_en"] and "18" in data["reason_en"] and "18" in data["reason_id"]


def test_quiet_series_has_no_alerts_and_unscored_forms_never_alert() -> None:
    instrument, scores = series("gad7", [3, 2])
    assert evaluate_alerts(instrument, scores) == []
    assert evaluate_alerts(instrument, []) == []
    laijapen = get_instrument("laijapen", "en")
    answers = {"carried_out": 0, "source": 1, "further_service": 2}
    assert evaluate_alerts(laijapen, [score(laijapen, answers)] * 8) == []


def test_scores_of_another_instrument_are_refused() -> None:
    _, scores = series("phq9", [3])
    with pytest.raises(ValueError, match="phq9"):
        evaluate_alerts(get_instrument("gad7", "en"), scores)
