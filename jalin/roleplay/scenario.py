"""Scenarios as data: YAML files in ``scenarios/``, checked against a schema, loaded once.

A scenario is a simulated counselee: persona, presenting problem, the deeper problem in layers, a
resistance profile (the three signs of resistance in the seeds: surface, reluctant, defensive), what
opens and what closes them, the stage goals a good session reaches, and banks of lines for each state.
Lines the scenario does not give come from ``scenarios/_generic.yaml`` for the persona's register.
Every error names the file, the line and the field (``ScenarioError``). See docs/scenario-authoring.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from jalin.analysis.taxonomy import taxonomy

from .errors import ScenarioError

__all__ = [
    "FAULTS", "LANGS", "OPENER_MOVES", "RESISTANCE_KINDS", "STATES", "Scenario",
    "get_scenario", "load_scenario", "load_scenarios", "scenario_dir",
]

LANGS = ("id", "en")
RESISTANCE_KINDS = ("surface", "reluctant", "defensive")
SETTINGS = ("school", "campus", "adult")
REGISTERS = ("formal", "slang", "regional")
# Trainee moves the engine recognises beyond the taxonomy's response labels (see engine.py).
OPENER_MOVES = ("confidentiality", "topic_shift", "level_change", "patience")
FAULTS = ("premature_advice", "must_statement", "judgement", "stacked_questions",
          "early_confrontation", "self_disclosure_takes_stage")
# Banks of counselee lines, by state; a scenario may add its own variants to any of them.
STATES = ("greeting", "surface", "reluctant", "defensive", "warming", "plan", "evaluation",
          "closing", "referral", "after_fault", "confused")
REQUIRED_OWN_STATES = ("plan",)
# The Stanley–Brown safety plan, as in the domain brief.
SAFETY_ELEMENTS = ("warning", "coping", "people", "professional", "means")


def _counselor_labels() -> tuple[str, ...]:
    return taxonomy().counselor_labels


def _task_ids() -> tuple[str, ...]:
    return tuple(taxonomy().tasks)


@dataclass(frozen=True)
class Layer:
    id: str
    trust: float
    text: dict[str, tuple[str, ...]]
    risk: bool = False


@dataclass(frozen=True)
class RiskProfile:
    trust: float
    hint: dict[str, tuple[str, ...]]        # hopelessness said before the disclosure
    answer: dict[str, tuple[str, ...]]      # answer to the direct question, once trust is there
    deny: dict[str, tuple[str, ...]]        # answer to the direct question asked with no trust yet
    safety: dict[str, dict[str, tuple[str, ...]]]  # element -> replies while the safety plan is made


@dataclass(frozen=True)
class Scenario:
    id: str
    version: int
    setting: str
    title: dict[str, str]
    persona_name: str
    age: int
    register: str
    persona: dict[str, str]
    presenting: dict[str, str]
    layers: tuple[Layer, ...]
    resistance_kinds: tuple[str, ...]
    resistance_level: int
    resistance_start: str
    opens: tuple[str, ...]
    closes: tuple[str, ...]
    goals: tuple[str, ...]
    lines: dict[str, dict[str, tuple[str, ...]]]
    risk: RiskProfile | None = None
    source: str = ""
    meta: dict[str, Any] = field(default_factory=dict)

    def bank(self, state: str, lang: str) -> tuple[str, ...]:
        return self.lines.get(state, {}).get(lang, ())

    @property
    def is_risk(self) -> bool:
        return self.risk is not None


def scenario_dir() -> Path:
    return Path(__file__).with_name("scenarios")


# --- YAML with line numbers -------------------------------------------------------------------------
class _Node:
    """A plain value with the line where it starts in the file (1-based)."""

    __slots__ = ("line", "value")

    def __init__(self, value: Any, line: int):
        self.value, self.line = value, line


def _wrap(node: yaml.Node) -> _Node:
    line = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        return _Node({str(k.value): (_wrap(v), k.start_mark.line + 1) for k, v in node.value}, line)
    if isinstance(node, yaml.SequenceNode):
        return _Node([_wrap(v) for v in node.value], line)
    return _Node(_scalar(node), line)


_INT = re.compile(r"^[-+]?\d+$")
_FLOAT = re.compile(r"^[-+]?(\d+\.\d*|\.\d+|\d+)$")


def _scalar(node: yaml.ScalarNode) -> Any:
    value = node.value
    if node.style in ("'", '"', "|", ">"):
        return value
    low = value.lower()
    if low in ("true", "yes"):
        return True
    if low in ("false", "no"):
        return False
    if low in ("null", "~", ""):
        return None
    if _INT.match(value):
        return int(value)
    if _FLOAT.match(value):
        return float(value)
    return value


class _Reader:
    """Walks the wrapped tree and raises ScenarioError with file, line and dotted field path."""

    def __init__(self, file: str):
        self.file = file

    def fail(self, message_id: str, node_line: int | None, path: str, **params) -> None:
        raise ScenarioError(message_id, file=self.file, line=node_line, field=path, **params)

    def mapping(self, node: _Node, path: str, required: tuple[str, ...], optional: tuple[str, ...] = ()) -> dict:
        if not isinstance(node.value, dict):
            self.fail("not_mapping", node.line, path)
        for key, (_, key_line) in node.value.items():
            if key not in required and key not in optional:
                self.fail("unknown_field", key_line, _join(path, key), name=key,
                          expected=list(required + optional))
        for key in required:
            if key not in node.value:
                self.fail("missing_field", node.line, _join(path, key), name=key)
        return {k: v for k, (v, _) in node.value.items()}

    def text(self, node: _Node, path: str) -> str:
        if not isinstance(node.value, str) or not node.value.strip():
            self.fail("wrong_type", node.line, path, expected="text")
        return node.value.strip()

    def number(self, node: _Node, path: str, low: float, high: float, integer: bool = False) -> float:
        ok = isinstance(node.value, int) if integer else isinstance(node.value, (int, float))
        if not ok or isinstance(node.value, bool):
            self.fail("wrong_type", node.line, path, expected="integer" if integer else "number")
        if not low <= node.value <= high:
            self.fail("out_of_range", node.line, path, value=node.value, low=low, high=high)
        return node.value

    def choice(self, node: _Node, path: str, choices: tuple[str, ...], message_id: str = "bad_choice") -> str:
        value = self.text(node, path)
        if value not in choices:
            self.fail(message_id, node.line, path, value=value, expected=list(choices))
        return value

    def items(self, node: _Node, path: str, minimum: int = 1) -> list[_Node]:
        if not isinstance(node.value, list):
            self.fail("wrong_type", node.line, path, expected="list")
        if len(node.value) < minimum:
            self.fail("too_few", node.line, path, minimum=minimum)
        return node.value

    def bilingual(self, node: _Node, path: str) -> dict[str, str]:
        data = self.mapping(node, path, LANGS)
        return {lang: self.text(data[lang], f"{path}.{lang}") for lang in LANGS}

    def variants(self, node: _Node, path: str, minimum: int = 2) -> dict[str, tuple[str, ...]]:
        data = self.mapping(node, path, LANGS)
        return {lang: tuple(self.text(item, f"{path}.{lang}[{i}]")
                            for i, item in enumerate(self.items(data[lang], f"{path}.{lang}", minimum)))
                for lang in LANGS}


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _parse(path: Path) -> _Node:
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError("yaml_syntax", file=name, detail=type(exc).__name__) from None
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or "syntax"
        raise ScenarioError("yaml_syntax", file=name, line=mark.line + 1 if mark else None,
                            detail=problem) from None
    if root is None:
        raise ScenarioError("not_mapping", file=name, line=1)
    return _wrap(root)


def _moves(r: _Reader, node: _Node, path: str, allowed: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(r.choice(item, f"{path}[{i}]", allowed, "unknown_label")
                 for i, item in enumerate(r.items(node, path)))


def read_generic(path: Path | None = None) -> dict[str, dict[str, dict[str, tuple[str, ...]]]]:
    """The generic line banks: register -> state -> lang -> variants."""
    path = path or scenario_dir() / "_generic.yaml"
    r = _Reader(str(path))
    data = r.mapping(_parse(path), "", ("formal", "slang"))
    out = {}
    for register, node in data.items():
        states = r.mapping(node, register, STATES)
        out[register] = {s: r.variants(states[s], f"{register}.{s}") for s in STATES}
    return out


def load_scenario(path: str | Path, *, generic: dict | None = None) -> Scenario:
    """Read and check one scenario file; raises ScenarioError naming file, line and field."""
    path = Path(path)
    r = _Reader(str(path))
    root = _parse(path)
    top = r.mapping(root, "", ("id", "version", "setting", "title", "persona", "presenting_problem", "layers",
                               "resistance", "opens", "closes", "goals", "lines"), ("risk", "notes"))
    scenario_id = r.text(top["id"], "id")
    if not re.fullmatch(r"[a-z][a-z0-9_]*", scenario_id) or scenario_id != path.stem:
        r.fail("id_mismatch", top["id"].line, "id", value=scenario_id, expected=path.stem)
    version = int(r.number(top["version"], "version", 1, 10_000, integer=True))
    setting = r.choice(top["setting"], "setting", SETTINGS)
    title = r.bilingual(top["title"], "title")
    persona = r.mapping(top["persona"], "persona", ("name", "age", "register", "description"))
    name = r.text(persona["name"], "persona.name")
    age = int(r.number(persona["age"], "persona.age", 6, 100, integer=True))
    register = r.choice(persona["register"], "persona.register", REGISTERS)
    description = r.bilingual(persona["description"], "persona.description")
    presenting = r.bilingual(top["presenting_problem"], "presenting_problem")

    layers, seen = [], set()
    for i, node in enumerate(r.items(top["layers"], "layers", 2)):
        p = f"layers[{i}]"
        data = r.mapping(node, p, ("id", "trust", "text"), ("risk",))
        layer_id = r.text(data["id"], f"{p}.id")
        if layer_id in seen:
            r.fail("duplicate_id", data["id"].line, f"{p}.id", value=layer_id)
        seen.add(layer_id)
        is_risk = bool(data["risk"].value) if "risk" in data else False
        layers.append(Layer(layer_id, float(r.number(data["trust"], f"{p}.trust", 0, 10)),
                            r.variants(data["text"], f"{p}.text"), is_risk))

    res = r.mapping(top["resistance"], "resistance", ("kinds", "level", "start"))
    kinds = _moves(r, res["kinds"], "resistance.kinds", RESISTANCE_KINDS)
    level = int(r.number(res["level"], "resistance.level", 1, 5, integer=True))
    start = r.choice(res["start"], "resistance.start", kinds)

    labels = _counselor_labels()
    opens = _moves(r, top["opens"], "opens", labels + OPENER_MOVES)
    closes = _moves(r, top["closes"], "closes", labels + FAULTS)
    goals = _moves(r, top["goals"], "goals", _task_ids())

    own = r.mapping(top["lines"], "lines", REQUIRED_OWN_STATES, tuple(s for s in STATES if s not in REQUIRED_OWN_STATES))
    generic = generic if generic is not None else _generic()
    base = generic["slang" if register == "slang" else "formal"]
    lines = {}
    for state in STATES:
        mine = r.variants(own[state], f"lines.{state}", 1) if state in own else {lang: () for lang in LANGS}
        lines[state] = {lang: mine[lang] + tuple(v for v in base[state][lang] if v not in mine[lang])
                        for lang in LANGS}

    risk = None
    if "risk" in top:
        rk = r.mapping(top["risk"], "risk", ("trust", "hint", "answer", "deny", "safety"))
        elements = r.mapping(rk["safety"], "risk.safety", SAFETY_ELEMENTS)
        safety = {e: r.variants(elements[e], f"risk.safety.{e}", 1) for e in SAFETY_ELEMENTS}
        risk = RiskProfile(float(r.number(rk["trust"], "risk.trust", 0, 10)),
                           *(r.variants(rk[k], f"risk.{k}") for k in ("hint", "answer", "deny")), safety)
        if not any(layer.risk for layer in layers):
            r.fail("missing_field", top["layers"].line, "layers[].risk", name="risk: true")
    return Scenario(scenario_id, version, setting, title, name, age, register, description, presenting,
                    tuple(layers), kinds, level, start, opens, closes, goals, lines, risk, source=path.name)


@lru_cache(maxsize=1)
def _generic() -> dict:
    return read_generic()


@lru_cache(maxsize=1)
def load_scenarios() -> dict[str, Scenario]:
    """Every shipped scenario by id, in file-name order (checked once per process)."""
    return {p.stem: load_scenario(p) for p in sorted(scenario_dir().glob("*.yaml")) if not p.name.startswith("_")}


def get_scenario(scenario_id: str) -> Scenario:
    scenarios = load_scenarios()
    if scenario_id not in scenarios:
        raise ScenarioError("unknown_scenario", file="scenarios", value=scenario_id, expected=list(scenarios))
    return scenarios[scenario_id]
