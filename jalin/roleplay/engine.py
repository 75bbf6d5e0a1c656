"""The simulated counselee: a state updated after every trainee turn, and the next line from its banks.

State: trust (0–10), resistance kind and level (0–5), layers disclosed, stage, turns, risk disclosed.
Each trainee turn is labelled by the same labeller as ``jalin.analysis`` (loaded once, warm) and read
for cues (``cues.py``). What follows is the seeds' account of the relationship (shared/seeds/001, 004):

* what the scenario lists under ``opens`` (reflection of feeling, open questions, acceptance,
  structuring and confidentiality, patience with silence) raises trust and lowers resistance;
* what it lists under ``closes`` (premature advice, "kamu harus", stacked closed questions, judgement,
  confrontation before rapport, self-disclosure that takes the stage) lowers trust and raises
  resistance, turning the counselee defensive, reluctant or surface;
* while the counselee resists, the handling strategies lower resistance: shifting the topic,
  motivating, changing the level of talk (choices, a scale), and for defensiveness restating role,
  confidentiality and voluntariness; a referral ends the session with its own debrief;
* a layer of the deeper problem is told only when resistance is low and trust reaches the layer's
  threshold, and only in answer to an exploring response.

Randomness only chooses among a state's variants, from ``random.Random(seed)``: the same scenario, seed
and trainee turns give the same session. No counselee line is repeated verbatim in a session.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import Any

from .cues import clean_turn, find_cues, safety_elements
from .errors import TurnError
from .scenario import Scenario

__all__ = ["EXPLORING", "Labeller", "RoleplaySession", "Turn", "model_labeller", "warm_labeller"]

# (speakers, texts) of a short window -> the label of the last utterance.
Labeller = Callable[[Sequence[str], Sequence[str]], str]

# Responses that invite the counselee to say more: a layer is told only in answer to one of these.
EXPLORING = frozenset({"open_question", "reflection_feeling", "reflection_experience", "paraphrase",
                       "clarification", "summary", "minimal_encourager", "silence", "affirmation",
                       "interpretation", "directing"})
_OPENER_WEIGHT = {"reflection_feeling": 1.5, "reflection_experience": 1.2, "open_question": 1.0,
                  "affirmation": 1.0, "structuring": 1.0, "paraphrase": 0.8, "summary": 0.8,
                  "minimal_encourager": 0.5, "silence": 0.5, "clarification": 0.5, "opening": 1.0,
                  "confidentiality": 1.0, "patience": 0.5, "topic_shift": 0.5, "level_change": 0.5}
# The resistance sign a fault turns the counselee to (seeds 001: formal/surface, silent, defensive).
_FAULT_KIND = {"premature_advice": "defensive", "must_statement": "defensive", "judgement": "defensive",
               "early_confrontation": "defensive", "stacked_questions": "reluctant",
               "self_disclosure_takes_stage": "surface"}
# Counselee replies that show the resistance gave way (a greeting or a denial does not).
_OPENED_STATES = frozenset({"warming", "plan", "evaluation", "closing", "risk_hint", "risk_answer", "risk_safety"})
RESISTANT_AT = 2          # resistance level from which the counselee answers with resistance
RAPPORT_TRUST = 5.0       # below this, confrontation closes the counselee
_FILLERS = {"id": ("Hmm… ", "Ya… ", "Gimana ya… ", "Eh… ", "Emm, "),
            "en": ("Hmm… ", "Well… ", "I mean… ", "Uh… ", "Erm, ")}


def model_labeller(speakers: Sequence[str], texts: Sequence[str]) -> str:
    """Label the last utterance with the packaged ``jalin.analysis`` model (window as context)."""
    from jalin.analysis.types import Transcript, Utterance

    model = _model()
    utterances = [Utterance(i, s, t, is_silence=t.strip() in {"[diam]", "(diam)", "...", "…", "[silence]"})
                  for i, (s, t) in enumerate(zip(speakers, texts, strict=True))]
    return model.predict(Transcript(utterances))[-1].label


@lru_cache(maxsize=1)
def _model():
    from jalin.analysis.engine import default_model

    return default_model()


@lru_cache(maxsize=1)
def warm_labeller() -> None:
    """Load the model and run it once per process, so the first trainee turn is as fast as the others."""
    model_labeller(["counselee", "counselor"], ["Nggak tahu.", "Bagaimana perasaanmu hari ini?"])


@dataclass
class Turn:
    speaker: str                 # "counselor" (the trainee) or "counselee" (the simulation)
    text: str
    label: str = ""              # trainee turns: the labeller's label
    cues: list[str] = field(default_factory=list)
    faults: list[str] = field(default_factory=list)
    strategies: list[str] = field(default_factory=list)
    state: str = ""              # counselee turns: the bank the line came from
    stage: str = "awal"
    trust: float = 0.0
    resistance: int = 0


@dataclass
class State:
    trust: float = 0.0
    kind: str = ""
    level: int = 0
    disclosed: int = 0
    stage: str = "awal"
    turns: int = 0
    risk_disclosed: bool = False
    risk_hinted: bool = False
    asked_directly: bool = False
    asked_before_trust: bool = False  # asked about suicide before the counselee trusted the trainee
    safety: list[str] = field(default_factory=list)
    tasks: dict[str, int] = field(default_factory=dict)      # task id -> trainee turn number
    laiseg: list[str] = field(default_factory=list)
    faults: list[dict] = field(default_factory=list)
    episodes: list[dict] = field(default_factory=list)
    layer_turns: dict[str, int] = field(default_factory=dict)
    hints: int = 0
    ended: bool = False
    ended_by: str = ""           # "trainee", "referral"


class RoleplaySession:
    """One practice session with the scenario's counselee; ``turn`` takes a trainee line, returns a reply."""

    def __init__(self, scenario: Scenario, *, lang: str = "id", seed: int = 0, labeller: Labeller | None = None):
        self.scenario = scenario
        self.lang = lang if lang in ("id", "en") else "id"
        self.seed = int(seed)
        self.labeller = labeller or model_labeller
        self.rng = random.Random(self.seed)
        self.state = State(kind=scenario.resistance_start, level=scenario.resistance_level)
        self.turns: list[Turn] = []
        self.used: set[str] = set()

    # --- replay ---------------------------------------------------------------------------------------
    @classmethod
    def replay(cls, scenario: Scenario, lines: Sequence[str], *, lang: str = "id", seed: int = 0,
               labeller: Labeller | None = None, hints: int = 0, end: bool = False) -> RoleplaySession:
        session = cls(scenario, lang=lang, seed=seed, labeller=labeller)
        for line in lines:
            if session.state.ended:
                break
            session.turn(line)
        session.state.hints = hints
        if end and not session.state.ended:
            session.end()
        return session

    @property
    def trainee_lines(self) -> list[str]:
        return [t.text for t in self.turns if t.speaker == "counselor"]

    # --- one turn -------------------------------------------------------------------------------------
    def turn(self, text: str) -> Turn:
        """Take one trainee turn and return the counselee's reply; raises TurnError for bad input."""
        if self.state.ended:
            raise TurnError("session_over")
        text = clean_turn(text, self.lang)
        s = self.state
        previous = next((t.text for t in reversed(self.turns) if t.speaker == "counselee"), "")
        window_speakers = (["counselee"] if previous else []) + ["counselor"]
        window_texts = ([previous] if previous else []) + [text]
        # Label first: if the labeller fails, the session is exactly as it was before the turn.
        label = self.labeller(window_speakers, window_texts)
        s.turns += 1
        cues = find_cues(text)
        trainee = Turn("counselor", text, label=label, cues=sorted(cues), stage=s.stage)
        was_resistant = s.level >= RESISTANT_AT
        faults = self._faults(label, cues)
        trainee.faults = faults
        trainee.strategies = self._apply(label, cues, faults, was_resistant)
        self._record_tasks(label, cues)
        state, line = self._reply(label, cues, faults)
        self._track_episode(trainee, state, was_resistant)
        trainee.trust, trainee.resistance = round(s.trust, 2), s.level
        self.turns.append(trainee)
        reply = Turn("counselee", line, state=state, stage=s.stage, trust=round(s.trust, 2), resistance=s.level)
        self.turns.append(reply)
        return reply

    def _faults(self, label: str, cues: set[str]) -> list[str]:
        s, found = self.state, []
        if label == "advice" and s.disclosed < len(self.scenario.layers):
            found.append("premature_advice")
        if "must_statement" in cues:
            found.append("must_statement")
        if "judgement" in cues:
            found.append("judgement")
        if "stacked_questions" in cues and label in {"closed_question", "open_question", "clarification"}:
            found.append("stacked_questions")
        if label == "confrontation" and s.trust < RAPPORT_TRUST:
            found.append("early_confrontation")
        if label == "self_disclosure":
            found.append("self_disclosure_takes_stage")
        return found

    def _apply(self, label: str, cues: set[str], faults: list[str], was_resistant: bool) -> list[str]:
        """Update trust and resistance; return the handling strategies the turn used."""
        s, sc = self.state, self.scenario
        if faults:
            # Every fault hurts; those the scenario lists under ``closes`` (or whose label it lists) hurt
            # this counselee most.
            severe = any(f in sc.closes for f in faults) or label in sc.closes
            s.trust -= (2.0 if severe else 1.0) * len(faults)
            s.level = min(5, max(s.level, RESISTANT_AT) + (2 if severe else 1))
            kind = _FAULT_KIND[faults[0]]
            s.kind = kind if kind in sc.resistance_kinds or not sc.resistance_kinds else sc.resistance_kinds[0]
            for fault in faults:
                s.faults.append({"turn": s.turns, "fault": fault})
            s.trust = max(0.0, s.trust)
            return []
        moves = {label} | {c for c in cues if c in ("confidentiality", "topic_shift", "level_change")}
        if "greeting" in cues:
            moves.add("opening")
        if label in ("silence", "minimal_encourager") and s.kind == "reluctant":
            moves.add("patience")
        # A first greeting always warms; after that only what this counselee responds to (``opens``).
        gained = sum(_OPENER_WEIGHT.get(m, 1.0) for m in moves
                     if m in sc.opens or (m == "opening" and "rapport" not in s.tasks))
        strategies: list[str] = []
        if was_resistant:
            # The seeds' handling strategies (001): shift the topic, motivate, lower or raise the level of
            # talk; for defensiveness (domain brief) restate role, confidentiality and voluntariness.
            if "topic_shift" in cues or label == "directing":
                strategies.append("topic_shift")
            if label == "affirmation" or "motivate" in cues:
                strategies.append("motivate")
            if "level_change" in cues:
                strategies.append("level_change")
            if s.kind == "defensive" and (label == "structuring" or {"confidentiality", "voluntariness"} & cues):
                strategies.append("restate_role")
            if s.kind == "reluctant" and label in ("silence", "minimal_encourager"):
                strategies.append("patience")
            if label in ("reflection_feeling", "reflection_experience"):
                strategies.append("reflection")
        drop = 0
        if any(m in sc.opens for m in moves):
            drop += 1
        drop += len(strategies)
        if "level_change" in strategies and s.kind == "reluctant":
            drop += 1
        if "restate_role" in strategies:
            drop += 1
        s.level = max(0, s.level - drop)
        s.trust = min(10.0, s.trust + min(gained, 2.0) + 0.3 * len(strategies))
        return strategies

    def _record_tasks(self, label: str, cues: set[str]) -> None:
        s = self.state
        done = s.tasks.setdefault
        if "greeting" in cues or label == "opening":
            done("rapport", s.turns)
        if label == "structuring" or {"contract_time", "contract_task", "voluntariness"} & cues:
            done("structuring", s.turns)
        for task in ("confidentiality", "contract_time", "contract_task", "alternatives", "next_appointment"):
            if task in cues:
                done(task, s.turns)
        if "referral" in cues:
            done("referral", s.turns)
        if s.disclosed >= 2 and (label == "summary" or "summary" in cues):
            done("reassessment" if s.stage == "inti" else "conclusion", s.turns)
        for part in ("understanding", "comfort", "action"):
            if f"laiseg_{part}" in cues and part not in s.laiseg and s.disclosed >= 1:
                s.laiseg.append(part)
        if len(s.laiseg) >= 2:
            done("evaluation", s.turns)

    def _reply(self, label: str, cues: set[str], faults: list[str]) -> tuple[str, str]:
        s, sc = self.state, self.scenario
        if sc.risk and s.risk_disclosed and safety_elements(cues) and "suicide_question" not in cues:
            new = [e for e in sorted(safety_elements(cues)) if e not in s.safety]
            s.safety.extend(new)
            element = (new or sorted(safety_elements(cues)))[0]
            return "risk_safety", self._pick(sc.risk.safety[element][self.lang])
        if "referral" in cues:
            s.ended, s.ended_by = True, "referral"
            return "referral", self._line("referral")
        if sc.risk and "suicide_question" in cues:
            s.asked_directly = True
            if s.trust >= sc.risk.trust - 2 or s.risk_hinted:
                s.risk_disclosed = True
                self._disclose_risk_layer()
                return "risk_answer", self._pick(sc.risk.answer[self.lang])
            s.asked_before_trust = True
            return "risk_deny", self._pick(sc.risk.deny[self.lang])
        if faults:
            # The first fault gets a reaction to it ("Kok langsung disuruh…"), later ones the resistance.
            state = "after_fault" if len(s.faults) == len(faults) else s.kind
            return state, self._line(state)
        if s.level >= RESISTANT_AT:
            return s.kind, self._line(s.kind)
        deepest = s.disclosed >= len(sc.layers)
        if s.stage == "akhir" and "action_plan" in s.tasks and "next_appointment" in cues:
            return "closing", self._line("closing")
        if s.stage == "akhir" and {"laiseg_understanding", "laiseg_comfort", "laiseg_action"} & cues:
            return "evaluation", self._line("evaluation")
        if s.disclosed >= 1 and (label == "planning" or "plan" in cues) and (deepest or s.stage != "awal"):
            s.tasks.setdefault("action_plan", s.turns)
            s.stage = "akhir"
            return "plan", self._line("plan")
        if s.stage == "akhir" and ("next_appointment" in cues or "greeting" in cues):
            return "closing", self._line("closing")
        if label in EXPLORING or "summary" in cues:
            nxt = sc.layers[s.disclosed] if not deepest else None
            if nxt is not None and s.trust >= nxt.trust and not (nxt.risk and not s.risk_hinted and sc.risk):
                return self._disclose_next()
            if sc.risk and nxt is not None and nxt.risk and s.trust >= sc.risk.trust - 1 and not s.risk_hinted:
                s.risk_hinted = True
                return "risk_hint", self._pick(sc.risk.hint[self.lang])
            if nxt is not None and nxt.risk and s.risk_hinted and s.trust >= sc.risk.trust:
                return self._disclose_next()
        if s.turns == 1 or ("greeting" in cues and "rapport" not in s.tasks):
            return "greeting", self._line("greeting")
        if label == "other" and not cues:
            return "confused", self._line("confused")
        if label in ("structuring", "information", "other", "closed_question") and s.trust < 3:
            return "greeting", self._line("greeting")
        return "warming", self._line("warming")

    def _disclose_next(self) -> tuple[str, str]:
        s, sc = self.state, self.scenario
        layer = sc.layers[s.disclosed]
        s.disclosed += 1
        s.layer_turns[layer.id] = s.turns
        if layer.risk:
            s.risk_disclosed = True
        if s.disclosed == 1:
            s.tasks.setdefault("problem_definition", s.turns)
            if s.stage == "awal":
                s.stage = "inti"
        if s.disclosed >= 2:
            s.tasks.setdefault("exploration", s.turns)
        return f"layer:{layer.id}", self._pick(layer.text[self.lang])

    def _disclose_risk_layer(self) -> None:
        s, sc = self.state, self.scenario
        for i, layer in enumerate(sc.layers):
            if layer.risk and layer.id not in s.layer_turns:
                # Asking directly opens the risk layer and everything the counselee held above it.
                for earlier in sc.layers[s.disclosed:i + 1]:
                    s.layer_turns.setdefault(earlier.id, s.turns)
                s.disclosed = max(s.disclosed, i + 1)
                s.stage = "inti" if s.stage == "awal" else s.stage
                s.tasks.setdefault("problem_definition", s.turns)
                s.tasks.setdefault("exploration", s.turns)

    def _track_episode(self, trainee: Turn, reply_state: str, was_resistant: bool) -> None:
        s = self.state
        if reply_state == "after_fault":
            reply_state = s.kind
        resistant = reply_state in ("surface", "reluctant", "defensive")
        open_episode = s.episodes[-1] if s.episodes and s.episodes[-1]["end_turn"] is None else None
        if open_episode is not None:
            open_episode["responses"].append({"turn": s.turns, "label": trainee.label,
                                              "strategies": trainee.strategies, "faults": trainee.faults})
            if reply_state == "referral":
                open_episode["end_turn"] = s.turns
            elif not resistant and (reply_state.startswith("layer:") or reply_state in _OPENED_STATES):
                open_episode["end_turn"] = s.turns
                open_episode["opened_up"] = True
            elif reply_state != open_episode["kind"]:
                open_episode["end_turn"] = s.turns
                open_episode["opened_up"] = False
                open_episode = None
        if resistant and open_episode is None:
            s.episodes.append({"kind": reply_state, "start_turn": s.turns, "end_turn": None, "opened_up": False,
                               "cause": trainee.faults[:1] or ["initial" if s.turns <= 2 else "level"],
                               "responses": []})

    # --- choosing a line ------------------------------------------------------------------------------
    def _line(self, state: str) -> str:
        return self._pick(self.scenario.bank(state, self.lang) or self.scenario.bank("warming", self.lang))

    def _pick(self, variants: Sequence[str]) -> str:
        """A variant not yet said in this session; when all were said, one with a filler in front."""
        fresh = [v for v in variants if v not in self.used]
        if fresh:
            line = self.rng.choice(fresh)
        else:
            candidates = [f + v[0].lower() + v[1:] for f in _FILLERS[self.lang] for v in variants]
            fresh = [c for c in candidates if c not in self.used]
            line = self.rng.choice(fresh) if fresh else f"{self.rng.choice(variants)} ({len(self.used)})"
        self.used.add(line)
        return line

    # --- the end --------------------------------------------------------------------------------------
    def end(self) -> dict[str, Any]:
        """End the session (if still running) and return its debrief."""
        if not self.state.ended:
            self.state.ended, self.state.ended_by = True, "trainee"
        for episode in self.state.episodes:
            if episode["end_turn"] is None:
                episode["end_turn"] = self.state.turns
        from .debrief import build_debrief

        return build_debrief(self)

    def snapshot(self) -> dict[str, Any]:
        return {"state": asdict(self.state), "turns": [asdict(t) for t in self.turns]}

    def to_dict(self) -> dict[str, Any]:
        """Everything needed to carry on exactly where the session is (JSON-ready)."""
        version, internal, gauss = self.rng.getstate()
        return {"scenario": self.scenario.id, "lang": self.lang, "seed": self.seed, **self.snapshot(),
                "used": sorted(self.used), "rng": [version, list(internal), gauss]}

    @classmethod
    def from_dict(cls, scenario: Scenario, data: dict[str, Any], *, labeller: Labeller | None = None
                  ) -> RoleplaySession:
        session = cls(scenario, lang=data["lang"], seed=data["seed"], labeller=labeller)
        session.state = State(**data["state"])
        session.turns = [Turn(**t) for t in data["turns"]]
        session.used = set(data["used"])
        version, internal, gauss = data["rng"]
        session.rng.setstate((version, tuple(internal), gauss))
        return session
