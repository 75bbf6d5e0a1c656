"""Score one administration of an instrument.

Answers are given by item id (``{"1": 0, "2": 3, ...}``) or as a list in the definition's item
order. Every problem with the answers is collected into one :class:`AnswerError`, so a form can
show them all at once.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .model import Band, Instrument, Item

__all__ = ["AnswerError", "AnswerProblem", "Answers", "CriticalHit", "Score", "normalise_answers", "score"]

Answers = Mapping[str, int | str | None] | Sequence[int | str | None]

# Decimal integers as they come from a web form or a CLI ("2", "-1"); no floats, no "2.0".
_INT_TEXT = re.compile(r"^[+-]?\d+$")
MEAN_DECIMALS = 2


@dataclass(frozen=True)
class AnswerProblem:
    """One answer problem: which item, what went wrong, and what the item allows."""

    item: str | None
    id: str
    en: str
    missing: bool = False
    allowed_id: str | None = None
    allowed_en: str | None = None

    def text(self, lang: str = "en") -> str:
        prefix = "" if self.item is None else f"item {self.item}: "
        body = self.en if lang == "en" else self.id
        allowed = self.allowed_en if lang == "en" else self.allowed_id
        if allowed and not self.missing:
            body += ("; allowed: " if lang == "en" else "; yang boleh: ") + allowed
        return prefix + body


class AnswerError(ValueError):
    """Answers are incomplete, unknown or out of range; ``problems`` lists each, in both languages."""

    def __init__(self, instrument: str, problems: list[AnswerProblem]) -> None:
        self.instrument = instrument
        self.problems = list(problems)
        super().__init__(self.message("en"))

    @property
    def items(self) -> list[str]:
        return [p.item for p in self.problems if p.item is not None]

    def message(self, lang: str = "en") -> str:
        head = "Jawaban tidak valid untuk" if lang != "en" else "Invalid answers for"
        parts = [p.text(lang) for p in self.problems if not p.missing]
        missing = [p.item for p in self.problems if p.missing and p.item is not None]
        if missing:
            # one clause for all missing items keeps a half-filled form's message readable
            word = ("item " if lang != "en" else ("item " if len(missing) == 1 else "items "))
            verb = "belum dijawab" if lang != "en" else "missing"
            parts.append(f"{word}{', '.join(missing)}: {verb}")
        return f"{head} {self.instrument}: " + "; ".join(parts)


@dataclass(frozen=True)
class CriticalHit:
    """A critical item whose answer met its condition (e.g. PHQ-9 item 9 > 0)."""

    item: str
    value: int
    condition: str
    text: str


@dataclass(frozen=True)
class Score:
    instrument: str
    version: str
    language: str
    total: float | int | None
    subscales: dict[str, float | int]
    band: Band | None
    critical: tuple[CriticalHit, ...]
    answers: dict[str, int | str] = field(repr=False)        # normalised, as given (before reversal)
    higher_is: str | None = None

    def band_dict(self, lang: str | None = None) -> dict[str, Any] | None:
        if self.band is None:
            return None
        label: Any = {"id": self.band.label.id, "en": self.band.label.en} if lang is None else self.band.label.get(lang)
        return {"id": self.band.id, "label": label}

    def to_dict(self, lang: str | None = None) -> dict[str, Any]:
        """JSON-ready summary: total, subscales, band (label in ``lang`` or both) and critical items."""
        return {
            "instrument": self.instrument,
            "version": self.version,
            "language": self.language,
            "total": self.total,
            "subscales": dict(self.subscales),
            "band": self.band_dict(lang),
            "critical_items": [
                {"item": c.item, "value": c.value, "condition": c.condition, "text": c.text} for c in self.critical
            ],
        }


# --------------------------------------------------------------------------- answer checks

def _allowed(item: Item) -> tuple[str, str]:
    """What an item accepts, in Bahasa Indonesia and English."""
    if item.type == "text":
        return "teks", "text"
    if item.type == "int":
        return f"bilangan bulat {item.min}–{item.max}", f"a whole number from {item.min} to {item.max}"
    values = [o.value for o in item.options]
    if values == list(range(min(values), max(values) + 1)):
        first, last = item.options[0], item.options[-1]
        short = f"{first.value}–{last.value} ({first.value} = {first.label}, {last.value} = {last.label})"
        return short, short
    listing = ", ".join(f"{o.value} ({o.label})" for o in item.options)
    return listing, listing


def _problem(item: Item, id_text: str, en_text: str, *, missing: bool = False) -> AnswerProblem:
    allowed_id, allowed_en = _allowed(item)
    return AnswerProblem(item.id, id_text, en_text, missing, allowed_id, allowed_en)


def _shown(value: Any) -> str:
    # error messages may reach logs; never echo more than a short fragment of what was typed
    text = repr(value)
    return text if len(text) <= 20 else text[:17] + "..."


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _check_value(item: Item, value: Any) -> tuple[int | str | None, AnswerProblem | None]:
    """The normalised value of one answer, or the problem with it."""
    if item.type == "text":
        if not isinstance(value, str):
            return None, _problem(item, f"jawaban harus teks, bukan {_shown(value)}",
                                  f"the answer must be text, not {_shown(value)}")
        return value.strip(), None
    number: int
    if isinstance(value, bool) or not isinstance(value, int | str):
        return None, _problem(item, f"jawaban {_shown(value)} bukan bilangan bulat",
                                  f"answer {_shown(value)} is not a whole number")
    if isinstance(value, str):
        if not _INT_TEXT.match(value.strip()):
            return None, _problem(item, f"jawaban {_shown(value)} bukan bilangan bulat",
                                  f"answer {_shown(value)} is not a whole number")
        number = int(value.strip())
    else:
        number = value
    if number not in item.allowed_values():
        return None, _problem(item, f"nilai {number} di luar pilihan", f"value {number} is out of range")
    return number, None


def _as_mapping(instrument: Instrument, answers: Answers) -> tuple[dict[str, Any], list[AnswerProblem]]:
    if isinstance(answers, Mapping):
        return {str(k): v for k, v in answers.items()}, []
    if isinstance(answers, str | bytes) or not isinstance(answers, Sequence):
        return {}, [AnswerProblem(None, "jawaban harus berupa objek {id item: nilai} atau daftar",
                                  "answers must be a mapping {item id: value} or a list")]
    expected = len(instrument.items)
    if len(answers) != expected:
        return {}, [AnswerProblem(None, f"ada {len(answers)} jawaban, seharusnya {expected} (satu per item, sesuai urutan)",
                                  f"got {len(answers)} answers, expected {expected} (one per item, in order)")]
    return {item.id: value for item, value in zip(instrument.items, answers, strict=True)}, []


def normalise_answers(instrument: Instrument, answers: Answers) -> dict[str, int | str]:
    """Check answers against the definition; return ``{item id: int or text}`` without blanks.

    Raises :class:`AnswerError` naming every missing, unknown or out-of-range answer.
    """
    given, problems = _as_mapping(instrument, answers)
    if problems:
        # the shape is wrong, so per-item messages would only repeat the same problem
        raise AnswerError(instrument.name, problems)
    known = {item.id for item in instrument.items}
    for key in given:
        if key not in known:
            problems.append(AnswerProblem(key, "item tidak ada di instrumen ini", "no such item in this instrument"))
    clean: dict[str, int | str] = {}
    for item in instrument.items:
        value = given.get(item.id)
        if _is_blank(value):
            if item.required:
                problems.append(_problem(item, "belum dijawab", "is missing", missing=True))
            continue
        normalised, problem = _check_value(item, value)
        if problem:
            problems.append(problem)
        elif normalised is not None and normalised != "":
            clean[item.id] = normalised
    if problems:
        raise AnswerError(instrument.name, problems)
    return clean


# --------------------------------------------------------------------------- scoring

def _scored_value(item: Item, value: int) -> int:
    # reverse scoring mirrors the answer within the item's own range, e.g. 1..5 -> 5..1
    if item.reverse and item.min is not None and item.max is not None:
        return item.min + item.max - value
    return value


def _aggregate(values: list[int], method: str) -> float | int:
    if method == "mean":
        return round(sum(values) / len(values), MEAN_DECIMALS)
    return sum(values)


def _band(instrument: Instrument, total: float | None) -> Band | None:
    if total is None:
        return None
    return next((b for b in instrument.bands if b.contains(total)), None)


def _critical(instrument: Instrument, answers: dict[str, int | str]) -> tuple[CriticalHit, ...]:
    hits = []
    for item_id in instrument.critical_items:
        item = instrument.item(item_id)
        value = answers.get(item_id)
        # critical conditions apply to the raw answer as the counselee gave it, never the reversed one
        if item and item.critical and isinstance(value, int) and item.critical.holds(value):
            hits.append(CriticalHit(item.id, value, str(item.critical), item.text))
    return tuple(hits)


def score(instrument: Instrument, answers: Answers) -> Score:
    """Score one administration: total, subscales, band and critical items.

    Text items are kept but not scored. Raises :class:`AnswerError` for missing, unknown or
    out-of-range answers.
    """
    clean = normalise_answers(instrument, answers)
    scored = {item.id: _scored_value(item, value) for item in instrument.scored_items
              if isinstance(value := clean.get(item.id), int)}
    total: float | int | None = None
    if instrument.method != "none" and scored:
        total = _aggregate(list(scored.values()), instrument.method)
    subscales = {
        sub.id: _aggregate([scored[i] for i in sub.items if i in scored], sub.method)
        for sub in instrument.subscales if any(i in scored for i in sub.items)
    }
    return Score(
        instrument=instrument.code, version=instrument.version, language=instrument.language,
        total=total, subscales=subscales, band=_band(instrument, total),
        critical=_critical(instrument, clean), answers=clean, higher_is=instrument.higher_is,
    )
