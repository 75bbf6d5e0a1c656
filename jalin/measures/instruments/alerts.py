"""Alert rules over a counselee's series of scored administrations of one instrument.

Pure functions: the caller passes the scores oldest first, and the rules judge the latest one in
the light of the earlier ones. Every alert says why it fired, in Bahasa Indonesia and English,
with the numbers it used.

Rules
-----
``critical_item`` (severity ``critical``, act at once)
    a critical item's condition holds in the latest answers, e.g. PHQ-9 item 9 > 0.
``reliable_deterioration`` (``warning``)
    the total worsened by at least ``reliable_change.threshold`` (PHQ-9 6, GAD-7 4) compared with
    **both** references listed in ``reliable_change.compare_to``: the first measurement (baseline,
    catches slow drift) and the previous one (catches a sudden jump). One alert names every
    reference that crossed the threshold.
``alliance_drop`` (``warning``)
    an instrument where higher is better fell from the previous measurement by *more than*
    ``drop_threshold`` (0.5 on the 1–5 alliance means).
``concern_level`` (``warning``)
    the latest total is below (alliance, comfort) or at/above (PHQ-9, GAD-7 ≥ 10) the
    definition's ``concern_level``.
``no_reliable_improvement`` (``review``)
    after N administrations (``no_improvement_after`` in the definition, or the ``sessions``
    argument) the total has not improved reliably since the first one. Following the source
    texts, the counselor reviews the plan with the counselee — continue, change or shorten — or
    refers (alih tangan kasus) when the problem is beyond their competence. Skipped when the first
    score was too close to the best possible score to improve reliably at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from .model import Instrument
from .scoring import Score

__all__ = [
    "Alert",
    "alliance_drop",
    "concern_level",
    "critical_item_alerts",
    "evaluate_alerts",
    "no_reliable_improvement",
    "reliable_deterioration",
]

Severity = Literal["critical", "warning", "review"]

# Differences of rounded means (e.g. 4.0 - 3.5) must compare exactly with thresholds like 0.5.
_PRECISION = 6


@dataclass(frozen=True)
class Alert:
    code: str
    severity: Severity
    reason_id: str
    reason_en: str
    values: dict[str, Any] = field(default_factory=dict)

    def reason(self, lang: str = "en") -> str:
        return self.reason_en if lang == "en" else self.reason_id

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "severity": self.severity, "reason_id": self.reason_id,
                "reason_en": self.reason_en, "values": dict(self.values)}


def _worsening(instrument: Instrument, before: float, after: float) -> float:
    """How much worse ``after`` is than ``before`` (negative when it improved)."""
    change = after - before if instrument.higher_is == "worse" else before - after
    return round(change, _PRECISION)


def _totals(series: Sequence[Score]) -> list[float]:
    return [s.total for s in series if s.total is not None]


def _fmt(value: float) -> str:
    return f"{value:g}"


def critical_item_alerts(instrument: Instrument, latest: Score) -> list[Alert]:
    """One ``critical`` alert per critical item whose condition holds in the latest answers."""
    alerts = []
    for hit in latest.critical:
        values = {"item": hit.item, "answer": hit.value, "condition": hit.condition}
        alerts.append(Alert(
            "critical_item", "critical",
            f"{instrument.name} item {hit.item} dijawab {hit.value} ({hit.condition}): segera bicarakan dengan "
            "konseli hari ini dan lakukan penilaian risiko; jangan tunggu sesi berikutnya.",
            f"{instrument.name} item {hit.item} answered {hit.value} ({hit.condition}): talk with the counselee "
            "today and assess risk; do not wait for the next session.",
            values,
        ))
    return alerts


def reliable_deterioration(instrument: Instrument, series: Sequence[Score]) -> list[Alert]:
    """Total worse by at least the reliable-change threshold than the first and/or previous score."""
    rc, totals = instrument.reliable_change, _totals(series)
    if rc is None or len(totals) < 2:
        return []
    refs = {"first": totals[0], "previous": totals[-2]}
    latest = totals[-1]
    compare_to = list(rc.compare_to)
    if len(totals) == 2 and len(compare_to) == 2:
        compare_to = ["first"]  # with two measurements the first is the previous: report it once
    crossed = [name for name in compare_to if _worsening(instrument, refs[name], latest) >= rc.threshold]
    if not crossed:
        return []
    changes = {name: _worsening(instrument, refs[name], latest) for name in compare_to}
    ref_id = {"first": "pengukuran pertama", "previous": "pengukuran sebelumnya"}
    ref_en = {"first": "the first measurement", "previous": "the previous measurement"}
    detail_id = ", ".join(f"{_fmt(changes[n])} poin lebih buruk dari {ref_id[n]} ({_fmt(refs[n])})" for n in crossed)
    detail_en = ", ".join(f"{_fmt(changes[n])} points worse than {ref_en[n]} ({_fmt(refs[n])})" for n in crossed)
    return [Alert(
        "reliable_deterioration", "warning",
        f"{instrument.name} memburuk secara bermakna: skor {_fmt(latest)}, {detail_id}; "
        f"ambang perubahan bermakna {_fmt(rc.threshold)}.",
        f"{instrument.name} reliably deteriorated: score {_fmt(latest)}, {detail_en}; "
        f"reliable change threshold {_fmt(rc.threshold)}.",
        {"total": latest, "first": refs["first"], "previous": refs["previous"], "threshold": rc.threshold,
         "change_from_first": changes.get("first"), "change_from_previous": changes.get("previous"),
         "compared_to": crossed},
    )]


def alliance_drop(instrument: Instrument, series: Sequence[Score]) -> list[Alert]:
    """A higher-is-better score fell from the previous measurement by more than ``drop_threshold``."""
    totals, threshold = _totals(series), instrument.drop_threshold
    if threshold is None or len(totals) < 2:
        return []
    previous, latest = totals[-2], totals[-1]
    drop = _worsening(instrument, previous, latest)
    if drop <= threshold:
        return []
    return [Alert(
        "alliance_drop", "warning",
        f"{instrument.name} turun dari {_fmt(previous)} ke {_fmt(latest)} (turun {_fmt(drop)}, lebih dari "
        f"{_fmt(threshold)}): bahas hubungan kerja dengan konseli di sesi berikutnya.",
        f"{instrument.name} fell from {_fmt(previous)} to {_fmt(latest)} (down {_fmt(drop)}, more than "
        f"{_fmt(threshold)}): talk about the working relationship with the counselee next session.",
        {"previous": previous, "total": latest, "drop": drop, "threshold": threshold},
    )]


def concern_level(instrument: Instrument, latest: Score) -> list[Alert]:
    """The latest total is beyond the definition's concern level."""
    level = instrument.concern_level
    if level is None or latest.total is None or not level.reached(latest.total):
        return []
    where_id = "di bawah" if level.when == "below" else "sama dengan atau di atas"
    where_en = "below" if level.when == "below" else "at or above"
    return [Alert(
        "concern_level", "warning",
        f"Skor {instrument.name} {_fmt(latest.total)} {where_id} batas perhatian {_fmt(level.value)}.",
        f"{instrument.name} score {_fmt(latest.total)} is {where_en} the concern level {_fmt(level.value)}.",
        {"total": latest.total, "concern_level": level.value, "when": level.when},
    )]


def no_reliable_improvement(instrument: Instrument, series: Sequence[Score], *,
                            sessions: int | None = None) -> list[Alert]:
    """After N measurements the total has not improved by the reliable-change threshold since the first."""
    rc, totals = instrument.reliable_change, _totals(series)
    n = sessions if sessions is not None else instrument.no_improvement_after
    # improvement needs a later measurement to compare with the first, whatever N says
    if rc is None or n is None or len(totals) < max(n, 2):
        return []
    first, latest = totals[0], totals[-1]
    best = _best_possible(instrument)
    if best is not None and abs(first - best) < rc.threshold:
        return []  # a near-best baseline cannot improve reliably; an alert would only be noise
    improvement = -_worsening(instrument, first, latest)
    if improvement >= rc.threshold:
        return []
    return [Alert(
        "no_reliable_improvement", "review",
        f"Setelah {len(totals)} pengukuran, {instrument.name} belum membaik secara bermakna "
        f"({_fmt(first)} → {_fmt(latest)}; perlu membaik {_fmt(rc.threshold)} poin). Tinjau rencana bersama "
        "konseli (lanjutkan, ubah, atau persingkat) atau pertimbangkan alih tangan kasus.",
        f"After {len(totals)} measurements {instrument.name} has not reliably improved "
        f"({_fmt(first)} → {_fmt(latest)}; needs {_fmt(rc.threshold)} points). Review the plan with the counselee "
        "(continue, change or shorten) or consider a referral.",
        {"first": first, "total": latest, "improvement": improvement, "threshold": rc.threshold,
         "sessions": len(totals), "after": n},
    )]


def _best_possible(instrument: Instrument) -> float | None:
    bounds = instrument.total_range()
    if bounds is None:
        return None
    return bounds[0] if instrument.higher_is == "worse" else bounds[1]


def evaluate_alerts(instrument: Instrument, series: Sequence[Score], *,
                    no_improvement_after: int | None = None) -> list[Alert]:
    """All alerts for the latest score in ``series`` (oldest first), critical ones first."""
    if not series:
        return []
    wrong = sorted({s.instrument for s in series if s.instrument != instrument.code})
    if wrong:
        raise ValueError(f"scores of {', '.join(wrong)} passed for instrument {instrument.code}")
    latest = series[-1]
    return (
        critical_item_alerts(instrument, latest)
        + reliable_deterioration(instrument, series)
        + alliance_drop(instrument, series)
        + concern_level(instrument, latest)
        + no_reliable_improvement(instrument, series, sessions=no_improvement_after)
    )
