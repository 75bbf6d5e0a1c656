"""Load and validate an instrument definition file.

Validation has two passes, and both report every problem with the JSON path where it was found:

1. structure, checked against ``schema.json`` by a small interpreter of the JSON Schema keywords
   that file uses (type, enum, pattern, required, properties, additionalProperties, items,
   minItems, minLength, minimum, maximum, anyOf, $ref) — hand-written so that each message names
   the exact path and reads in Bahasa Indonesia and English;
2. meaning: unique ids, option sets and subscales that exist, critical items that agree with the
   items' conditions, bands that cover the possible totals without gaps or overlaps.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from .model import (
    Band,
    Bilingual,
    ConcernLevel,
    Condition,
    Instrument,
    Item,
    Option,
    ReliableChange,
    Source,
    Subscale,
)

__all__ = ["SCHEMA_PATH", "InstrumentError", "Problem", "load_instrument", "parse_instrument"]

SCHEMA_PATH = Path(__file__).with_name("schema.json")

_JSON_TYPES: dict[str, tuple[str, str]] = {
    "object": ("objek", "an object"),
    "array": ("daftar (array)", "a list (array)"),
    "string": ("teks (string)", "a string"),
    "integer": ("bilangan bulat", "an integer"),
    "number": ("angka", "a number"),
    "boolean": ("true/false", "true/false"),
    "null": ("null", "null"),
}


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a definition: where (JSON path) and what, in both languages."""

    path: str
    id: str
    en: str

    def text(self, lang: str = "en") -> str:
        return f"{self.path}: {self.en if lang == 'en' else self.id}"


class InstrumentError(Exception):
    """A definition file could not be read or is malformed; names the file and each JSON path."""

    def __init__(self, file: str | Path, problems: list[Problem]) -> None:
        self.file = str(file)
        self.problems = list(problems)
        super().__init__(self.message("en"))

    @property
    def path(self) -> str:
        """JSON path of the first problem (the one a person should fix first)."""
        return self.problems[0].path if self.problems else "$"

    def message(self, lang: str = "en") -> str:
        head = "Definisi instrumen tidak valid" if lang != "en" else "Invalid instrument definition"
        body = "; ".join(p.text(lang) for p in self.problems)
        return f"{head} {self.file}: {body}"


# --------------------------------------------------------------------------- structure (schema)

@cache
def _schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def _type_ok(value: Any, name: str) -> bool:
    # bool is an int subclass in Python but never a number in a definition file
    match name:
        case "object":
            return isinstance(value, dict)
        case "array":
            return isinstance(value, list)
        case "string":
            return isinstance(value, str)
        case "integer":
            return isinstance(value, int) and not isinstance(value, bool)
        case "number":
            return isinstance(value, int | float) and not isinstance(value, bool)
        case "boolean":
            return isinstance(value, bool)
        case "null":
            return value is None
    raise ValueError(f"schema.json uses an unknown type {name!r}")


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        ref = node["$ref"]
        if not ref.startswith("#/"):
            raise ValueError(f"schema.json: only local $ref is supported, got {ref!r}")
        target: Any = _schema()
        for part in ref[2:].split("/"):
            target = target[part]
        node = target
    return node


def _types_of(node: dict[str, Any]) -> list[str]:
    node = _resolve(node)
    names = node.get("type", [])
    return names if isinstance(names, list) else [names]


def _type_problem(value: Any, names: list[str], path: str) -> Problem:
    names = list(dict.fromkeys(names))
    shown = json.dumps(value, ensure_ascii=False)
    shown = shown if len(shown) <= 40 else shown[:37] + "..."
    return Problem(path, f"harus {' atau '.join(_JSON_TYPES[n][0] for n in names)}, bukan {shown}",
                   f"must be {' or '.join(_JSON_TYPES[n][1] for n in names)}, not {shown}")


def _check(value: Any, node: dict[str, Any], path: str) -> list[Problem]:
    """Problems of ``value`` against schema ``node``; the first failing keyword stops deeper checks."""
    node = _resolve(node)
    if "anyOf" in node:
        branches = [_check(value, branch, path) for branch in node["anyOf"]]
        if any(not b for b in branches):
            return []
        deeper = [b for b in branches if any(p.path != path for p in b)]
        if deeper:
            # a branch whose type matched is the shape the author meant: report its problems,
            # not "must be null", which would hide the real mistake
            return min(deeper, key=len)
        names = [n for branch in node["anyOf"] for n in _types_of(branch)]
        return [_type_problem(value, names, path)] if names else branches[0]
    if "type" in node:
        names = node["type"] if isinstance(node["type"], list) else [node["type"]]
        if not any(_type_ok(value, n) for n in names):
            return [_type_problem(value, names, path)]
    problems: list[Problem] = []
    if "enum" in node and value not in node["enum"]:
        allowed = ", ".join(json.dumps(v) for v in node["enum"])
        problems.append(Problem(path, f"nilai {json.dumps(value)} tidak dikenal; yang boleh: {allowed}",
                                f"unknown value {json.dumps(value)}; allowed: {allowed}"))
    if isinstance(value, str):
        problems += _check_string(value, node, path)
    if _type_ok(value, "number"):
        problems += _check_number(value, node, path)
    if isinstance(value, dict):
        problems += _check_object(value, node, path)
    if isinstance(value, list):
        problems += _check_array(value, node, path)
    return problems


def _check_string(value: str, node: dict[str, Any], path: str) -> list[Problem]:
    if len(value) < node.get("minLength", 0):
        return [Problem(path, "tidak boleh kosong", "must not be empty")]
    if "pattern" in node and not re.search(node["pattern"], value):
        return [Problem(path, f"{value!r} tidak sesuai pola {node['pattern']}",
                        f"{value!r} does not match the pattern {node['pattern']}")]
    return []


def _check_number(value: float, node: dict[str, Any], path: str) -> list[Problem]:
    if "minimum" in node and value < node["minimum"]:
        return [Problem(path, f"minimal {node['minimum']}, bukan {value}",
                        f"must be at least {node['minimum']}, not {value}")]
    if "maximum" in node and value > node["maximum"]:
        return [Problem(path, f"maksimal {node['maximum']}, bukan {value}",
                        f"must be at most {node['maximum']}, not {value}")]
    return []


def _check_object(value: dict[str, Any], node: dict[str, Any], path: str) -> list[Problem]:
    problems = [Problem(f"{path}.{key}", "wajib diisi", "is required")
                for key in node.get("required", []) if key not in value]
    props: dict[str, Any] = node.get("properties", {})
    extra = node.get("additionalProperties", True)
    for key, sub in value.items():
        sub_path = f"{path}.{key}"
        if key in props:
            problems += _check(sub, props[key], sub_path)
        elif extra is False:
            allowed = ", ".join(props)
            problems.append(Problem(sub_path, f"kolom tidak dikenal; yang boleh: {allowed}",
                                    f"unknown field; allowed: {allowed}"))
        elif isinstance(extra, dict):
            problems += _check(sub, extra, sub_path)
    return problems


def _check_array(value: list[Any], node: dict[str, Any], path: str) -> list[Problem]:
    if len(value) < node.get("minItems", 0):
        return [Problem(path, f"harus berisi minimal {node['minItems']} unsur",
                        f"must have at least {node['minItems']} entries")]
    problems: list[Problem] = []
    if "items" in node:
        for index, entry in enumerate(value):
            problems += _check(entry, node["items"], f"{path}[{index}]")
    return problems


# --------------------------------------------------------------------------- meaning (cross-checks)

def _duplicates(entries: list[dict[str, Any]], path: str, what: tuple[str, str]) -> list[Problem]:
    seen: set[Any] = set()
    problems = []
    for index, entry in enumerate(entries):
        key = entry.get("id", entry.get("value"))
        if key in seen:
            problems.append(Problem(f"{path}[{index}]", f"{what[0]} {key!r} muncul dua kali",
                                    f"duplicate {what[1]} {key!r}"))
        seen.add(key)
    return problems


def _item_options(raw: dict[str, Any], item: dict[str, Any], path: str) -> tuple[list[dict], list[Problem]]:
    options = item.get("options")
    if isinstance(options, str):
        sets = raw.get("option_sets", {})
        if options not in sets:
            known = ", ".join(sets) or "-"
            return [], [Problem(f"{path}.options", f"kumpulan opsi {options!r} tidak ada di option_sets ({known})",
                                f"option set {options!r} is not in option_sets ({known})")]
        return sets[options], []
    return options or [], []


def _check_item(raw: dict[str, Any], item: dict[str, Any], path: str, subscales: set[str]) -> list[Problem]:
    problems: list[Problem] = []
    kind = item["type"]
    if kind == "choice":
        if "options" not in item:
            problems.append(Problem(f"{path}.options", "item pilihan wajib punya opsi",
                                    "a choice item needs options"))
        options, found = _item_options(raw, item, path)
        problems += found + _duplicates(options, f"{path}.options", ("nilai opsi", "option value"))
        values = sorted(o["value"] for o in options)
        if item.get("reverse") and values and values != list(range(values[0], values[-1] + 1)):
            # reversal mirrors min..max; with gaps (1, 2, 5) a mirrored answer may not be an option
            problems.append(Problem(f"{path}.reverse", "item terbalik butuh nilai opsi yang berurutan tanpa celah",
                                    "a reverse-scored item needs consecutive option values without gaps"))
    elif "options" in item:
        problems.append(Problem(f"{path}.options", f"hanya item 'choice' yang punya opsi (tipe ini {kind!r})",
                                f"only 'choice' items have options (this one is {kind!r})"))
    if kind == "int":
        for key in ("min", "max"):
            if key not in item:
                problems.append(Problem(f"{path}.{key}", "item angka wajib punya min dan max",
                                        "an int item needs min and max"))
        if "min" in item and "max" in item and item["min"] >= item["max"]:
            problems.append(Problem(f"{path}.max", f"max ({item['max']}) harus lebih besar dari min ({item['min']})",
                                    f"max ({item['max']}) must be greater than min ({item['min']})"))
    if kind == "text":
        for key in ("reverse", "subscale", "critical"):
            if item.get(key):
                problems.append(Problem(f"{path}.{key}", "item teks tidak diskor, jadi tidak boleh punya ini",
                                        "a text item is not scored, so it cannot have this"))
    sub = item.get("subscale")
    if sub and sub not in subscales:
        problems.append(Problem(f"{path}.subscale", f"subskala {sub!r} tidak dideklarasikan di subscales",
                                f"subscale {sub!r} is not declared in subscales"))
    return problems


def _check_items(raw: dict[str, Any]) -> list[Problem]:
    subscales = {s["id"] for s in raw["subscales"]}
    problems = _duplicates(raw["items"], "$.items", ("id item", "item id"))
    for index, item in enumerate(raw["items"]):
        problems += _check_item(raw, item, f"$.items[{index}]", subscales)
    for index, sub in enumerate(raw["subscales"]):
        if not any(i.get("subscale") == sub["id"] for i in raw["items"]):
            problems.append(Problem(f"$.subscales[{index}]", f"subskala {sub['id']!r} tidak punya item",
                                    f"subscale {sub['id']!r} has no items"))
    return problems + _duplicates(raw["subscales"], "$.subscales", ("id subskala", "subscale id"))


def _check_critical(raw: dict[str, Any]) -> list[Problem]:
    problems: list[Problem] = []
    by_id = {i["id"]: i for i in raw["items"]}
    listed = raw["critical_items"]
    for index, item_id in enumerate(listed):
        item = by_id.get(item_id)
        if item is None:
            problems.append(Problem(f"$.critical_items[{index}]", f"item {item_id!r} tidak ada",
                                    f"item {item_id!r} does not exist"))
        elif not item.get("critical"):
            problems.append(Problem(f"$.critical_items[{index}]",
                                    f"item {item_id!r} tidak punya kondisi 'critical'",
                                    f"item {item_id!r} has no 'critical' condition"))
    for index, item in enumerate(raw["items"]):
        if item.get("critical") and item["id"] not in listed:
            problems.append(Problem(f"$.items[{index}].critical",
                                    f"item {item['id']!r} punya kondisi kritis tetapi tidak ada di critical_items",
                                    f"item {item['id']!r} has a critical condition but is not in critical_items"))
    return problems


def _check_bands(raw: dict[str, Any], total_range: tuple[float, float] | None) -> list[Problem]:
    bands = raw["bands"]
    problems = _duplicates(bands, "$.bands", ("id pita skor", "band id"))
    if total_range is None:
        if bands:
            problems.append(Problem("$.bands", "instrumen tanpa skor total tidak boleh punya pita skor",
                                    "an instrument without a total cannot have bands"))
        return problems
    low, high = total_range
    for index, band in enumerate(bands):
        path = f"$.bands[{index}]"
        if band["min"] > band["max"]:
            problems.append(Problem(f"{path}.max", f"max {band['max']} lebih kecil dari min {band['min']}",
                                    f"max {band['max']} is below min {band['min']}"))
        if band["min"] < low or band["max"] > high:
            problems.append(Problem(path, f"di luar rentang skor {low:g}–{high:g}",
                                    f"outside the possible score range {low:g}–{high:g}"))
        if index and band["min"] <= bands[index - 1]["max"]:
            problems.append(Problem(f"{path}.min", f"tumpang tindih dengan pita sebelumnya (max {bands[index - 1]['max']})",
                                    f"overlaps the previous band (max {bands[index - 1]['max']})"))
    if raw["scoring"]["method"] == "sum" and bands and not problems:
        problems += _check_band_coverage(bands, low, high)
    return problems


def _check_band_coverage(bands: list[dict[str, Any]], low: float, high: float) -> list[Problem]:
    # sum totals are whole numbers, so bands must tile low..high exactly: every total gets one band
    problems = []
    if bands[0]["min"] != low:
        problems.append(Problem("$.bands[0].min", f"harus mulai dari skor terendah {low:g}",
                                f"must start at the lowest possible total {low:g}"))
    for index in range(1, len(bands)):
        if bands[index]["min"] != bands[index - 1]["max"] + 1:
            problems.append(Problem(f"$.bands[{index}].min",
                                    f"ada celah: pita sebelumnya berakhir di {bands[index - 1]['max']}",
                                    f"gap: the previous band ends at {bands[index - 1]['max']}"))
    if bands[-1]["max"] != high:
        problems.append(Problem(f"$.bands[{len(bands) - 1}].max", f"harus berakhir di skor tertinggi {high:g}",
                                f"must end at the highest possible total {high:g}"))
    return problems


def _check_scoring(raw: dict[str, Any]) -> list[Problem]:
    problems: list[Problem] = []
    method = raw["scoring"]["method"]
    scored = [i for i in raw["items"] if i["type"] != "text"]
    if method != "none" and not scored:
        problems.append(Problem("$.scoring.method", "tidak ada item yang diskor",
                                "no item is scored"))
    if method != "none" and "higher_is" not in raw["scoring"]:
        problems.append(Problem("$.scoring.higher_is", "wajib diisi bila instrumen diskor ('worse' atau 'better')",
                                "is required when the instrument is scored ('worse' or 'better')"))
    needs_total = {"reliable_change": raw["reliable_change"], "concern_level": raw["concern_level"],
                   "drop_threshold": raw.get("drop_threshold"), "no_improvement_after": raw.get("no_improvement_after")}
    for key, value in needs_total.items():
        if value is not None and method == "none":
            problems.append(Problem(f"$.{key}", "butuh skor total, tetapi scoring.method = 'none'",
                                    "needs a total score, but scoring.method is 'none'"))
    if raw.get("drop_threshold") is not None and raw["scoring"].get("higher_is") != "better":
        problems.append(Problem("$.drop_threshold", "hanya untuk instrumen dengan higher_is = 'better'",
                                "only for instruments where higher_is is 'better'"))
    if raw.get("no_improvement_after") is not None and raw["reliable_change"] is None:
        problems.append(Problem("$.no_improvement_after", "butuh reliable_change untuk menilai perbaikan",
                                "needs reliable_change to judge improvement"))
    return problems


# --------------------------------------------------------------------------- building objects

def _options(raw: dict[str, Any], item: dict[str, Any]) -> tuple[Option, ...]:
    options, _ = _item_options(raw, item, "")
    return tuple(Option(o["value"], o["label"], o.get("code"), o.get("system")) for o in options)


def _build_item(raw: dict[str, Any], item: dict[str, Any]) -> Item:
    options = _options(raw, item) if item["type"] == "choice" else ()
    values = [o.value for o in options]
    critical = item.get("critical")
    return Item(
        id=item["id"], text=item["text"], type=item["type"], options=options,
        min=item.get("min", min(values) if values else None),
        max=item.get("max", max(values) if values else None),
        reverse=item.get("reverse", False), subscale=item.get("subscale"),
        critical=Condition(critical["op"], critical["value"]) if critical else None,
        # text answers are free comments, so they are optional unless the file says otherwise
        required=item.get("required", item["type"] != "text"),
        loinc=item.get("loinc"),
    )


def _build(raw: dict[str, Any], path: Path | None) -> Instrument:
    items = tuple(_build_item(raw, i) for i in raw["items"])
    subscales = tuple(
        Subscale(s["id"], Bilingual(**s["label"]), s["method"], tuple(i.id for i in items if i.subscale == s["id"]))
        for s in raw["subscales"]
    )
    rc, cl = raw["reliable_change"], raw["concern_level"]
    return Instrument(
        code=raw["code"], version=raw["version"], language=raw["language"], title=raw["title"],
        instructions=raw["instructions"], period=raw["period"], validated=raw["validated"],
        source=Source(**raw["source"]), items=items, subscales=subscales,
        method=raw["scoring"]["method"], higher_is=raw["scoring"].get("higher_is"),
        bands=tuple(Band(b["id"], b["min"], b["max"], Bilingual(**b["label"])) for b in raw["bands"]),
        critical_items=tuple(raw["critical_items"]),
        reliable_change=ReliableChange(rc["threshold"], tuple(rc["compare_to"]), rc.get("reference")) if rc else None,
        concern_level=ConcernLevel(cl["value"], cl["when"], cl.get("note")) if cl else None,
        short_title=raw.get("short_title"), note=raw.get("note"),
        placeholder_wording=raw.get("placeholder_wording", False),
        drop_threshold=raw.get("drop_threshold"), no_improvement_after=raw.get("no_improvement_after"),
        loinc=raw.get("loinc"), total_loinc=raw.get("total_loinc"),
        fhir_questionnaire=raw.get("fhir_questionnaire"), path=path,
    )


# --------------------------------------------------------------------------- public entry points

def validate(raw: Any) -> list[Problem]:
    """Every problem in a parsed definition; an empty list means it is valid."""
    problems = _check(raw, _schema(), "$")
    if problems:
        # meaning checks assume the structure is right; report structure first
        return problems
    problems = _check_items(raw) + _check_critical(raw) + _check_scoring(raw)
    if problems:
        return problems
    instrument = _build(raw, None)
    return _check_bands(raw, instrument.total_range())


def parse_instrument(raw: Any, *, file: str | Path = "<data>") -> Instrument:
    """Validate an already-parsed definition and build the :class:`Instrument`."""
    problems = validate(raw)
    if problems:
        raise InstrumentError(file, problems)
    return _build(raw, Path(file) if not str(file).startswith("<") else None)


def load_instrument(path: str | Path) -> Instrument:
    """Read, validate and build one definition file; raise :class:`InstrumentError` if malformed."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InstrumentError(path, [Problem("$", f"berkas tidak bisa dibaca: {exc.strerror}",
                                             f"cannot read the file: {exc.strerror}")]) from exc
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InstrumentError(path, [Problem(
            "$", f"bukan JSON yang sah (baris {exc.lineno}, kolom {exc.colno}: {exc.msg})",
            f"not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})")]) from exc
    return parse_instrument(raw, file=path)
