"""Lexicons (data files in ``jalin/analysis/data/lexicon``) compiled into matchers.

Every phrase list lives in a JSON file so counselors can read and extend it; this
module only compiles them and offers small pure functions over one utterance.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np

__all__ = [
    "FEELING_FAMILIES",
    "INTENSITY",
    "Lexicon",
    "RiskHit",
    "lexicon",
    "normalize",
]

FEELING_FAMILIES = ("senang", "sedih", "marah", "takut", "malu", "bingung", "lelah")
INTENSITY = {"low": 1, "medium": 2, "high": 3}
FLAGS = ("risk_self", "risk_others", "abuse")
TIERS = ("direct", "indirect", "weak")

_SQUEEZE = re.compile(r"(\w)\1{2,}")
_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"[a-z\u00c0-\u024f]+(?:[-'][a-z\u00c0-\u024f]+)*")
_ID_SUFFIX = re.compile(r"(nya|ku|mu|lah|kah|pun)$")


def lexicon_hash() -> str:
    """Short hash of all lexicon files: a model is trained with one lexicon and should be retrained
    (``jalin train``) when the lexicon changes, because lexicon cues are model features."""
    import hashlib

    root = resources.files("jalin.analysis").joinpath("data/lexicon")
    h = hashlib.sha256()
    for name in sorted(p.name for p in root.iterdir() if p.name.endswith(".json")):
        h.update(name.encode())
        h.update(root.joinpath(name).read_bytes())
    return h.hexdigest()[:10]


def _read(name: str) -> dict:
    text = resources.files("jalin.analysis").joinpath(f"data/lexicon/{name}").read_text("utf-8")
    return json.loads(text)


def normalize(text: str) -> str:
    """Lower-case, unify quotes, squeeze letters repeated 3+ times ("hmmmm" -> "hmm"), collapse spaces."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    text = _SQUEEZE.sub(r"\1\1", text)
    return _SPACE.sub(" ", text).strip()


@dataclass(frozen=True)
class RiskHit:
    flag: str
    tier: str  # direct / indirect / weak
    phrase: str  # the matched text


def _compile(patterns: list[str]) -> re.Pattern | None:
    if not patterns:
        return None
    return re.compile("|".join(f"(?:{p})" for p in patterns))


class Lexicon:
    """All lexicons, compiled once (see ``lexicon()``)."""

    def __init__(self) -> None:
        feelings = _read("feelings.json")
        self.feeling_words: dict[str, tuple[str, int]] = {}
        for lang in ("id", "en"):
            for family, levels in feelings[lang].items():
                for level, words in levels.items():
                    for w in words:
                        self.feeling_words.setdefault(w.lower(), (family, INTENSITY[level]))
        for w, (family, level) in feelings["informal"].items():
            self.feeling_words.setdefault(w.lower(), (family, INTENSITY[level]))
        self._feeling_multi = sorted((w for w in self.feeling_words if " " in w), key=len, reverse=True)

        leads = _read("reflection_leads.json")
        self.reflection_kinds = tuple(leads["id"].keys())
        self._reflection = {
            k: _compile(leads["id"][k] + leads["en"].get(k, [])) for k in self.reflection_kinds
        }

        qw = _read("question_words.json")
        self.question_kinds = tuple(qw["id"].keys())
        self._question = {k: _compile(qw["id"][k] + qw["en"].get(k, [])) for k in self.question_kinds}

        cues = _read("cues.json")
        self.label_cue_names = tuple(cues["labels"].keys())
        self._label_cues = {k: _compile(v) for k, v in cues["labels"].items()}
        self.task_cue_names = tuple(cues["tasks"].keys())
        self._task_cues = {k: _compile(v) for k, v in cues["tasks"].items()}

        enc = _read("encouragers.json")
        self._silence_set = {normalize(s) for s in enc["silence"]}
        self._silence_re = re.compile(enc["silence_regex"])
        self._minimal = {normalize(s) for s in enc["minimal"]}
        self._minimal_max = int(enc["max_tokens"])
        self._neutral = {normalize(s) for s in enc["counselee_neutral"]}

        risk = _read("risk.json")
        self._risk: dict[tuple[str, str], re.Pattern | None] = {}
        for flag in FLAGS:
            for tier in TIERS:
                pats = risk[flag]["id"].get(tier, []) + risk[flag]["en"].get(tier, [])
                self._risk[(flag, tier)] = _compile(pats)
        self._exclusions = _compile(risk["exclusions"]["id"] + risk["exclusions"]["en"])
        scr = risk["screening"]
        self.screening_window = int(scr["window"])
        self._screen_q = {f: _compile(p) for f, p in scr["question"].items()}
        self._screen_follow = _compile(scr["followup"])
        self._affirm = re.compile(scr["affirmative"])
        self._deny = re.compile(scr["negative"])

    # --- single-utterance predicates ---------------------------------------------
    def is_silence(self, text: str) -> bool:
        t = normalize(text)
        return not t or t in self._silence_set or bool(self._silence_re.match(t))

    def _tokens(self, text: str) -> list[str]:
        return _WORD.findall(normalize(text))

    def is_minimal_encourager(self, text: str) -> bool:
        """The whole utterance is a short run of encourager tokens ("Hmm.", "Terus?", "Mm-hm, go on")."""
        if self.is_silence(text):
            return False
        toks = self._tokens(text)
        return (
            0 < len(toks) <= self._minimal_max
            and all(t in self._minimal for t in toks)
            and not (len(toks) == 1 and toks[0] in {"i", "on", "and", "so", "see", "dan", "go"})
        )

    def is_pure_acknowledgement(self, text: str) -> bool:
        toks = self._tokens(text)
        return 0 < len(toks) <= 3 and all(t in self._neutral for t in toks)

    def feelings(self, text: str) -> list[tuple[str, str, int]]:
        """Feeling words found: (word, family, intensity 1-3)."""
        t = normalize(text)
        found: list[tuple[str, str, int]] = []
        for phrase in self._feeling_multi:
            if phrase in t and re.search(rf"\b{re.escape(phrase)}\b", t):
                fam, lvl = self.feeling_words[phrase]
                found.append((phrase, fam, lvl))
                t = t.replace(phrase, " ")
        for tok in _WORD.findall(t):
            hit = self.feeling_words.get(tok)
            if hit is None and len(tok) > 5:
                stem = _ID_SUFFIX.sub("", tok)
                hit = self.feeling_words.get(stem)
                if hit is None and stem.startswith("ke") and stem.endswith("an"):
                    hit = self.feeling_words.get(stem[2:-2])
                if hit is None and stem.startswith("ter"):
                    hit = self.feeling_words.get(stem[3:])
            if hit is not None:
                found.append((tok, hit[0], hit[1]))
        return found

    def reflection_cues(self, text: str) -> list[str]:
        t = normalize(text)
        return [k for k, rx in self._reflection.items() if rx is not None and rx.search(t)]

    def question_cues(self, text: str) -> list[str]:
        t = normalize(text)
        return [k for k, rx in self._question.items() if rx is not None and rx.search(t)]

    def label_cues(self, text: str) -> list[str]:
        t = normalize(text)
        return [k for k, rx in self._label_cues.items() if rx is not None and rx.search(t)]

    def task_cues(self, text: str) -> list[str]:
        t = normalize(text)
        return [k for k, rx in self._task_cues.items() if rx is not None and rx.search(t)]

    def near_misses(self, text: str) -> list[str]:
        """Near-miss idioms in ``text`` ("mati gaya", "this exam killed me") that look like risk talk but are not."""
        if self._exclusions is None:
            return []
        return [m.group(0).strip() for m in self._exclusions.finditer(normalize(text))]

    def screening_flags(self, text: str) -> list[str]:
        """Flags a counselor utterance screens for ("Pernah terpikir bunuh diri?" -> ["risk_self"])."""
        t = normalize(text)
        return [f for f, rx in self._screen_q.items() if rx is not None and rx.search(t)]

    def is_followup_question(self, text: str) -> bool:
        return self._screen_follow is not None and bool(self._screen_follow.search(normalize(text)))

    def is_affirmative(self, text: str) -> bool:
        """Starts like a 'yes' answer ("Pernah.", "Masih, Bu.", "Yes, sometimes") and not like a denial."""
        t = normalize(text)
        return bool(self._affirm.search(t)) and not self._deny.search(t)

    def risk_hits(self, text: str) -> list[RiskHit]:
        """Risk phrases in ``text`` after removing the near-miss idioms (exclusions)."""
        t = normalize(text)
        if self._exclusions is not None:
            t = self._exclusions.sub(" \u2205 ", t)
        hits: list[RiskHit] = []
        for (flag, tier), rx in self._risk.items():
            if rx is None:
                continue
            m = rx.search(t)
            if m:
                hits.append(RiskHit(flag, tier, m.group(0).strip()))
        return hits

    # --- numeric features -----------------------------------------------------------
    @property
    def feature_names(self) -> list[str]:
        names = [
            "len_log",
            "n_q",
            "ends_q",
            "is_silence",
            "is_minimal",
            "is_ack",
            "has_feeling",
            "feeling_max",
            "second_person",
            "first_person",
        ]
        names += [f"fam_{f}" for f in FEELING_FAMILIES]
        names += [f"refl_{k}" for k in self.reflection_kinds]
        names += [f"q_{k}" for k in self.question_kinds]
        names += [f"cue_{k}" for k in self.label_cue_names]
        names += [f"task_{k}" for k in self.task_cue_names]
        names += [f"risk_{f}_{t}" for f in FLAGS for t in TIERS]
        return names

    def features(self, text: str) -> np.ndarray:
        """Dense lexicon/rule feature vector for one utterance (fixed order, see ``feature_names``)."""
        t = normalize(text)
        toks = _WORD.findall(t)
        feel = self.feelings(text)
        v: list[float] = [
            np.log1p(len(toks)) / 4.0,
            min(t.count("?"), 3) / 3.0,
            float(t.endswith("?")),
            float(self.is_silence(text)),
            float(self.is_minimal_encourager(text)),
            float(self.is_pure_acknowledgement(text)),
            float(bool(feel)),
            max((lvl for _, _, lvl in feel), default=0) / 3.0,
            float(
                bool(
                    set(toks) & {"kamu", "anda", "kau", "lo", "lu", "elo", "you", "your", "you're", "dirimu"}
                )
            ),
            float(bool(set(toks) & {"aku", "saya", "gue", "gw", "gua", "i", "i'm", "my", "me"})),
        ]
        fams = {f for _, f, _ in feel}
        v += [float(f in fams) for f in FEELING_FAMILIES]
        refl = set(self.reflection_cues(text))
        v += [float(k in refl) for k in self.reflection_kinds]
        q = set(self.question_cues(text))
        v += [float(k in q) for k in self.question_kinds]
        lc = set(self.label_cues(text))
        v += [float(k in lc) for k in self.label_cue_names]
        tc = set(self.task_cues(text))
        v += [float(k in tc) for k in self.task_cue_names]
        rh = {(h.flag, h.tier) for h in self.risk_hits(text)}
        v += [float((f, tier) in rh) for f in FLAGS for tier in TIERS]
        return np.asarray(v, dtype=np.float32)


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    """The compiled lexicons (loaded once per process)."""
    return Lexicon()
