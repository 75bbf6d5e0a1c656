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
    "canonical_forms",
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


_NEGATION = re.compile(
    r"\b(nggak|tidak|bukan|belum|no|not|never|nope|don't|didn't|haven't|wasn't|isn't)\b"
)
_SENTENCE = re.compile(r"(?<=[.?!])\s+")
# A risk phrase right after a negator ("nggak mau mati", "bukan pengen mati", "nggak sampe pengen mati",
# "I don't want to die") is denied, not said. A phrase that holds its own negator ("nggak mau hidup lagi")
# is not affected: only what comes before the match is read.
_NEGATED_BEFORE = re.compile(
    r"\b(nggak|ngga|enggak|gak|ga|tidak|tak|bukan|ndak|kagak|ora|not|never|don't|dont|didn't|won't)"
    r"(\s+(sampai|sampe|pernah|mau|pengen|ingin|bakal|akan|mungkin|berani|sih|lah|kok))?\W*$"
)
_QUESTION_START = re.compile(
    r"^\W*(apakah|apa (kamu|anda|adik)|pernah|adakah|sudahkah|kamu pernah|kamu masih|anda pernah|seberapa|kapan"
    r"|are you|have you|do you|did you|is (he|she|someone|anyone|your)|does|has (he|she|anyone|someone)"
    r"|how (often|would)|when was|were you)\b"
)
_OPEN_QUESTION = re.compile(
    r"^\W*(\"[^\"]*\"\s*)?(apa yang|apa sih|gimana|bagaimana|kenapa|mengapa|ceritakan|coba ceritakan|what|why|tell me"
    r"|how (do|did|does) (you|it|that) feel)\b|.*\b(maksudnya|what do you mean)\b"
)
_ELONGATION = re.compile(r"([a-z])\1{2,}")
_REDUP_DIGIT = re.compile(r"\b([a-z]{3,})2\b")
_TOKEN = re.compile(r"[a-z0-9\u00c0-\u024f']+(?:-[a-z0-9\u00c0-\u024f']+)*")
# Indonesian active (nasal) prefixes: what the prefix can hide of the root's first letter.
_NASAL = (
    ("menge", ("",)),
    ("meng", ("", "k")),
    ("meny", ("s", "c")),
    ("mem", ("p", "")),
    ("men", ("t", "")),
    ("me", ("",)),
    ("nge", ("",)),
    ("ng", ("", "k")),
    ("ny", ("s", "c")),
    ("m", ("p",)),
    ("n", ("t",)),
)
_ROOT_SUFFIX = ("kan", "in", "an", "i", "")


def _reduce_reduplication(token: str) -> str:
    """'pukul-pukul' -> 'pukul', 'dipukul-pukul' -> 'dipukul', 'pukul-pukulan' -> 'pukulan'."""
    if "-" not in token:
        return token
    a, _, b = token.partition("-")
    if a == b or b.startswith(a):
        return b
    if a.endswith(b):
        return a
    for suffix in ("in", "an", "kan", "i", "nya"):
        if b.endswith(suffix) and a.endswith(b[: -len(suffix)]) and len(b) > len(suffix) + 2:
            return a + suffix
    return token


def canonical_forms(text: str, slang: dict[str, str], roots: frozenset[str]) -> str:
    """The utterance with word-form variants unified (see ``word_forms`` in risk.json)."""
    t = unicodedata.normalize("NFKC", text or "").lower()
    t = t.replace("\u2019", "'").replace("\u2018", "'")
    t = _ELONGATION.sub(r"\1", t)
    t = _REDUP_DIGIT.sub(r"\1", t)
    out: list[str] = []
    pos = 0
    tokens = list(_TOKEN.finditer(t))
    for k, m in enumerate(tokens):
        out.append(t[pos : m.start()])
        pos = m.end()
        tok = _reduce_reduplication(m.group(0))
        tok = slang.get(tok, tok)
        tok = _to_root(tok, roots)
        # a loose "di" before a root verb ("di pukul") is the passive prefix typed apart
        if tok == "di" and k + 1 < len(tokens) and _stem(_reduce_reduplication(tokens[k + 1].group(0)), roots):
            out.append(tok)
            pos = tokens[k + 1].start()  # drop the space: the root follows right after "di"
            continue
        out.append(tok)
    out.append(t[pos:])
    return _SPACE.sub(" ", "".join(out)).strip()


def _stem(token: str, roots: frozenset[str]) -> str | None:
    for suffix in _ROOT_SUFFIX:
        base = token[: -len(suffix)] if suffix else token
        if suffix and not token.endswith(suffix):
            continue
        if base in roots:
            return base
    return None


def _to_root(token: str, roots: frozenset[str]) -> str:
    """'ngehajar' -> 'hajar', 'nusuk' -> 'tusuk', 'nyiksain' -> 'siksa'; other tokens unchanged."""
    if len(token) < 4 or " " in token or token.startswith(("di", "ke", "ter", "ber")):
        return token
    for prefix, restore in _NASAL:
        if not token.startswith(prefix):
            continue
        rest = token[len(prefix) :]
        for first in restore:
            root = _stem(first + rest, roots)
            if root is not None and len(root) >= 4:
                return root
    return token


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
        forms = risk.get("word_forms", {})
        self._slang: dict[str, str] = {k.lower(): v.lower() for k, v in forms.get("slang", {}).items()}
        self._roots = frozenset(r.lower() for r in forms.get("roots", []))
        # The lexicon features and the risk rules ask about the same utterance several times; a small
        # bounded cache keeps the word-form work from multiplying (pure functions of the text).
        self._canonical_cached = lru_cache(maxsize=1024)(
            lambda text: canonical_forms(text, self._slang, self._roots)
        )
        self._risk_hits_cached = lru_cache(maxsize=1024)(self._risk_hits_uncached)
        scr = risk["screening"]
        self.screening_window = int(scr["window"])
        self._screen_q = {f: _compile(p) for f, p in scr["question"].items()}
        self._screen_follow = _compile(scr["followup"])
        self.acknowledgement_max_tokens = int(scr.get("acknowledgement_max_tokens", 4))
        self._affirm = re.compile(scr["affirmative"])
        self._deny = re.compile(scr["negative"])
        moves = risk.get("moves", {})
        self._moves = {
            k: re.compile(r"(?<![\w'])(?:" + "|".join(re.escape(w.lower()) for w in moves[k]) + r")(?![\w'])")
            if moves.get(k) else None
            for k in ("third_person", "first_person", "hypothetical")
        }

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

    def _questions(self, text: str) -> list[str]:
        """The sentences of ``text`` that ask something: end in '?' or open like a question (speech
        recognition drops question marks). A summary or a remark that mentions risk asks nothing."""
        out = []
        for sentence in _SENTENCE.split(normalize(text)):
            sentence = sentence.strip()
            if sentence and (sentence.endswith("?") or _QUESTION_START.match(sentence)):
                out.append(sentence)
        return out

    def screening_flags(self, text: str) -> list[str]:
        """Flags a counselor utterance asks about directly ("Pernah terpikir bunuh diri?" -> ["risk_self"])."""
        found: list[str] = []
        for q in self._questions(text):
            if _OPEN_QUESTION.match(q):  # "Apa yang terjadi sebelum kamu melukai diri?" asks no yes/no
                continue
            forms = (q, self.canonical(q))
            found += [f for f, rx in self._screen_q.items()
                      if f not in found and rx is not None and any(rx.search(t) for t in forms)]
        return found

    def is_followup_question(self, text: str) -> bool:
        """A C-SSRS-style follow-up ("Sudah ada rencana?", "Obatnya masih ada?", "How often?")."""
        return self._screen_follow is not None and any(self._screen_follow.search(q) for q in self._questions(text))

    def is_affirmative(self, text: str) -> bool:
        """Starts like a 'yes' answer ("Pernah.", "Masih, Bu.", "Yes, sometimes") and not like a denial."""
        t = normalize(text)
        return bool(self._affirm.search(t)) and not self._deny.search(t)

    def canonical(self, text: str) -> str:
        """``text`` with word-form variants unified ("gue pengen ngehajar" -> "gue pengen hajar")."""
        return self._canonical_cached(text)

    def has_negation(self, text: str) -> bool:
        return bool(_NEGATION.search(self.canonical(text)))

    def echoes(self, phrase: str, question: str) -> bool:
        """The risk phrase repeats the words of ``question`` (the counselee echoes it)."""
        words = [w for w in _WORD.findall(phrase) if len(w) > 3]
        q = f"{normalize(question)} {self.canonical(question)}"
        return bool(words) and all(w in q for w in words)

    def is_denial(self, text: str) -> bool:
        """A 'no' answer: a sentence starts with a denial ("Nggak, Bu.", "Bunuh diri? Nggak lah.",
        "No, never.") and the first sentence is not a 'yes'."""
        sentences = [x.strip() for x in _SENTENCE.split(normalize(text)) if x.strip()]
        if not sentences or self._affirm.search(sentences[0]):
            return False
        return any(self._deny.search(x) for x in sentences)

    def risk_hits(self, text: str) -> list[RiskHit]:
        """Risk phrases in ``text`` after removing the near-miss idioms (exclusions), searched in the
        lower-cased text and in its canonical word forms (a hit in either counts)."""
        return list(self._risk_hits_cached(text))

    def _risk_hits_uncached(self, text: str) -> tuple[RiskHit, ...]:
        forms = [normalize(text)]
        canon = self.canonical(text)
        if canon != forms[0]:
            forms.append(canon)
        if self._exclusions is not None:
            forms = [self._exclusions.sub(" \u2205 ", t) for t in forms]
        hits: list[RiskHit] = []
        for (flag, tier), rx in self._risk.items():
            if rx is None:
                continue
            for t in forms:
                m = next((m for m in rx.finditer(t) if not _NEGATED_BEFORE.search(t[: m.start()])), None)
                if m:
                    hits.append(RiskHit(flag, tier, m.group(0).strip()))
                    break
        return tuple(hits)

    def _move(self, kind: str, text: str) -> bool:
        rx = self._moves[kind]
        return rx is not None and any(rx.search(t) for t in (normalize(text), self.canonical(text)))

    def third_person(self, text: str) -> bool:
        """The line talks about someone else ("dia", "beliau", "my friend"; ``risk.json`` moves)."""
        return self._move("third_person", text)

    def first_person(self, text: str) -> bool:
        """The line talks about the speaker ("aku", "saya", "gue", "I")."""
        return self._move("first_person", text)

    def hypothetical(self, text: str) -> bool:
        """The line supposes ("kalau", "seandainya", "if")."""
        return self._move("hypothetical", text)

    def is_acknowledgement(self, text: str) -> bool:
        """A short reply that carries no content of its own ("Iya, Bu.", "Oh gitu", "Iya, Bu, di kamar.")."""
        toks = self._tokens(text)
        return len(toks) <= self.acknowledgement_max_tokens

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
