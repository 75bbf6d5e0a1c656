"""Immutable objects built from a validated instrument definition file."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

__all__ = [
    "Band",
    "Bilingual",
    "ConcernLevel",
    "Condition",
    "Instrument",
    "Item",
    "Option",
    "ReliableChange",
    "Source",
    "Subscale",
]

ItemType = Literal["int", "choice", "text"]
Method = Literal["sum", "mean", "none"]


@dataclass(frozen=True)
class Bilingual:
    """A label in Bahasa Indonesia and English; every band and subscale carries both."""

    id: str
    en: str

    def get(self, lang: str) -> str:
        return self.en if lang == "en" else self.id


@dataclass(frozen=True)
class Option:
    value: int
    label: str
    code: str | None = None        # e.g. LOINC answer code LA6568-5
    system: str | None = None      # e.g. http://loinc.org


@dataclass(frozen=True)
class Condition:
    """A critical-item condition such as `> 0`."""

    op: str
    value: int

    def holds(self, answer: int) -> bool:
        match self.op:
            case ">":
                return answer > self.value
            case ">=":
                return answer >= self.value
            case "==":
                return answer == self.value
            case "<=":
                return answer <= self.value
            case "<":
                return answer < self.value
        raise ValueError(f"unknown operator {self.op!r}")  # the loader never lets one through

    def __str__(self) -> str:
        return f"{self.op} {self.value}"


@dataclass(frozen=True)
class Item:
    id: str
    text: str
    type: ItemType
    options: tuple[Option, ...] = ()
    min: int | None = None         # int items: allowed range; choice items: derived from option values
    max: int | None = None
    reverse: bool = False
    subscale: str | None = None
    critical: Condition | None = None
    required: bool = True
    loinc: str | None = None

    @property
    def scored(self) -> bool:
        return self.type != "text"

    def allowed_values(self) -> tuple[int, ...]:
        if self.type == "choice":
            return tuple(o.value for o in self.options)
        if self.type == "int" and self.min is not None and self.max is not None:
            return tuple(range(self.min, self.max + 1))
        return ()

    def option(self, value: int) -> Option | None:
        return next((o for o in self.options if o.value == value), None)


@dataclass(frozen=True)
class Subscale:
    id: str
    label: Bilingual
    method: Literal["sum", "mean"]
    items: tuple[str, ...]


@dataclass(frozen=True)
class Band:
    id: str
    min: float
    max: float
    label: Bilingual

    def contains(self, value: float) -> bool:
        return self.min <= value <= self.max


@dataclass(frozen=True)
class ReliableChange:
    threshold: float
    compare_to: tuple[Literal["first", "previous"], ...]
    reference: str | None = None


@dataclass(frozen=True)
class ConcernLevel:
    value: float
    when: Literal["below", "at_or_above"]
    note: str | None = None

    def reached(self, score: float) -> bool:
        return score < self.value if self.when == "below" else score >= self.value


@dataclass(frozen=True)
class Source:
    wording: str
    licence: str
    citation: str | None = None
    scoring_reference: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class Instrument:
    code: str
    version: str
    language: str
    title: str
    instructions: str
    period: str | None
    validated: bool
    source: Source
    items: tuple[Item, ...]
    subscales: tuple[Subscale, ...]
    method: Method
    higher_is: Literal["worse", "better"] | None
    bands: tuple[Band, ...]
    critical_items: tuple[str, ...]
    reliable_change: ReliableChange | None
    concern_level: ConcernLevel | None
    short_title: str | None = None
    note: str | None = None
    placeholder_wording: bool = False
    drop_threshold: float | None = None
    no_improvement_after: int | None = None
    loinc: str | None = None
    total_loinc: str | None = None
    fhir_questionnaire: str | None = None
    path: Path | None = field(default=None, compare=False)

    @property
    def name(self) -> str:
        return self.short_title or self.title

    def item(self, item_id: str) -> Item | None:
        return next((i for i in self.items if i.id == item_id), None)

    @property
    def scored_items(self) -> tuple[Item, ...]:
        return tuple(i for i in self.items if i.scored)

    def total_range(self) -> tuple[float, float] | None:
        """Lowest and highest possible total; None when the instrument has no total."""
        scored = self.scored_items
        if self.method == "none" or not scored:
            return None
        lows = [min(i.allowed_values()) for i in scored]
        highs = [max(i.allowed_values()) for i in scored]
        if self.method == "sum":
            return float(sum(lows)), float(sum(highs))
        return float(min(lows)), float(max(highs))
