"""Find instrument definitions: the ones shipped with Jalin and an organisation's own files.

An organisation puts its files (e.g. a licensed ``wai_sr.id.json``, or a checked Indonesian
PHQ-9 wording) in a directory named by ``JALIN_INSTRUMENTS_DIR`` or passed as ``directory``.
They go through the same validator. A file with the same code and language as a shipped one
replaces it, but only if it keeps the shipped scoring (items, answer values, reverse flags,
subscales, method, bands): wording may change, scoring may not, so scores stay comparable.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from .loader import InstrumentError, Problem, load_instrument
from .model import Instrument

__all__ = [
    "DATA_DIR",
    "ENV_VAR",
    "InstrumentInfo",
    "UnknownInstrumentError",
    "get_instrument",
    "list_instruments",
    "load_directory",
]

ENV_VAR = "JALIN_INSTRUMENTS_DIR"
DATA_DIR = Path(__file__).with_name("data")
ANY_LANGUAGE = "*"

Key = tuple[str, str]  # (code, language)


class UnknownInstrumentError(LookupError):
    """No definition for this code (and language); the message lists what exists."""

    def __init__(self, code: str, lang: str, available: list[str]) -> None:
        self.code, self.lang, self.available = code, lang, available
        super().__init__(self.message("en"))

    def message(self, lang: str = "en") -> str:
        known = ", ".join(self.available) or "-"
        if lang == "en":
            return f"Unknown instrument {self.code!r} (language {self.lang!r}); available: {known}"
        return f"Instrumen {self.code!r} (bahasa {self.lang!r}) tidak dikenal; yang tersedia: {known}"


@dataclass(frozen=True)
class InstrumentInfo:
    code: str
    title: str
    short_title: str
    languages: tuple[str, ...]
    validated: bool
    scored: bool
    placeholder_wording: bool
    origin: str                   # "jalin" (shipped) or "organisation"


def load_directory(directory: str | Path) -> dict[Key, Instrument]:
    """Load and validate every ``*.json`` definition in a directory."""
    directory = Path(directory)
    if not directory.is_dir():
        raise InstrumentError(directory, [Problem("$", "direktori instrumen tidak ada",
                                                  "the instruments directory does not exist")])
    found: dict[Key, Instrument] = {}
    for path in sorted(directory.glob("*.json")):
        instrument = load_instrument(path)
        key = (instrument.code, instrument.language)
        if key in found:
            raise InstrumentError(path, [Problem("$.code", f"{key[0]}/{key[1]} sudah didefinisikan di {found[key].path}",
                                                 f"{key[0]}/{key[1]} is already defined in {found[key].path}")])
        found[key] = instrument
    return found


@cache
def _shipped() -> dict[Key, Instrument]:
    return load_directory(DATA_DIR)


@cache
def _organisation(directory: str, stamp: tuple[tuple[str, int], ...]) -> dict[Key, Instrument]:
    # `stamp` (names and modification times) is part of the cache key, so edited files are re-read
    loaded = load_directory(directory)
    for instrument in loaded.values():
        _check_compatible(instrument, _shipped())
    return loaded


def _stamp(directory: Path) -> tuple[tuple[str, int], ...]:
    return tuple((p.name, p.stat().st_mtime_ns) for p in sorted(directory.glob("*.json")))


def _org_dir(directory: str | Path | None) -> Path | None:
    chosen = directory if directory is not None else os.environ.get(ENV_VAR) or None
    return Path(chosen) if chosen else None


def _all(directory: str | Path | None) -> tuple[dict[Key, Instrument], set[Key]]:
    """Every definition, organisation files over shipped ones, and which keys came from the organisation."""
    merged = dict(_shipped())
    org_dir = _org_dir(directory)
    if org_dir is None:
        return merged, set()
    if not org_dir.is_dir():
        raise InstrumentError(org_dir, [Problem("$", "direktori instrumen tidak ada",
                                                "the instruments directory does not exist")])
    org = _organisation(str(org_dir.resolve()), _stamp(org_dir))
    merged.update(org)
    return merged, set(org)


# --------------------------------------------------------------------------- scoring compatibility

def _scoring_shape(instrument: Instrument) -> dict[str, Any]:
    """What must not change when an organisation re-words a shipped instrument."""
    return {
        "items": [(i.id, i.type, i.allowed_values(), i.reverse, i.subscale, str(i.critical)) for i in instrument.items],
        "subscales": [(s.id, s.method) for s in instrument.subscales],
        "scoring.method": instrument.method,
        "scoring.higher_is": instrument.higher_is,
        "bands": [(b.id, b.min, b.max) for b in instrument.bands],
    }


def _check_compatible(instrument: Instrument, shipped: dict[Key, Instrument]) -> None:
    base = shipped.get((instrument.code, instrument.language)) or shipped.get((instrument.code, ANY_LANGUAGE))
    if base is None:
        base = next((i for (code, _), i in shipped.items() if code == instrument.code), None)
    if base is None:
        return  # a new instrument of the organisation's own
    ours, theirs = _scoring_shape(base), _scoring_shape(instrument)
    if not base.bands:
        # scoring-only definitions (WAI-SR) have no bands; an organisation may add its own
        theirs["bands"] = ours["bands"]
    problems = [
        Problem(f"$.{key}", f"berbeda dari skoring {base.code} bawaan Jalin ({base.path.name if base.path else ''}); "
                            "hanya kata-kata yang boleh diganti",
                f"differs from Jalin's shipped {base.code} scoring ({base.path.name if base.path else ''}); "
                "only the wording may change")
        for key in ours if ours[key] != theirs[key]
    ]
    if problems:
        raise InstrumentError(instrument.path or instrument.code, problems)


# --------------------------------------------------------------------------- public look-ups

def _code_spellings(code: str) -> list[str]:
    """Codes as people type them: "PHQ9", "PHQ-9" and "WAI-SR" find phq9 and wai_sr."""
    lowered = code.strip().lower()
    return list(dict.fromkeys([code, lowered, lowered.replace("-", "_"), lowered.replace("-", "")]))


def get_instrument(code: str, lang: str = "id", *, directory: str | Path | None = None) -> Instrument:
    """The definition for ``code`` in ``lang`` ("id" or "en"); falls back to a scoring-only "*" file."""
    everything, _ = _all(directory)
    for candidate in _code_spellings(code):
        for key in ((candidate, lang), (candidate, ANY_LANGUAGE)):
            if key in everything:
                return everything[key]
    available = sorted({f"{c}.{lng}" for c, lng in everything})
    raise UnknownInstrumentError(code, lang, available)


def list_instruments(lang: str = "id", *, directory: str | Path | None = None) -> list[InstrumentInfo]:
    """One entry per instrument code, with the languages it is available in; titles in ``lang``."""
    everything, org_keys = _all(directory)
    infos = []
    for code in sorted({c for c, _ in everything}):
        keys = sorted(k for k in everything if k[0] == code)
        main = everything.get((code, lang)) or everything.get((code, "id")) or everything[keys[0]]
        infos.append(InstrumentInfo(
            code=code, title=main.title, short_title=main.name,
            languages=tuple(lang for _, lang in keys), validated=main.validated,
            scored=main.method != "none", placeholder_wording=all(everything[k].placeholder_wording for k in keys),
            origin="organisation" if any(k in org_keys for k in keys) else "jalin",
        ))
    return infos
