"""Risk flags (risk_self, risk_others, abuse) on the counselee line that carries the sign.

Built for recall, and for pointing at the right line (issue #11). Per counselee utterance and flag:

1. **phrase**: a *direct* or *indirect* lexicon phrase (``risk.json``) found in the utterance, in its
   lower-cased text or in its canonical word forms (``Lexicon.canonical``: nge-/ng-/ny-/di- forms,
   reduplication, elongation, slang and common typos unified), after near-miss idioms ("mati gaya",
   "this exam killed me") have been removed -> flag;
2. **screening answer**: the counselor asked a *direct* risk-screening question within the last two
   turns ("Pernah terpikir bunuh diri?", or a C-SSRS follow-up such as "Sudah ada rencana?" while that
   flag was raised in the last few utterances) and this line is not a denial and either affirmative
   ("Pernah.", "Iya, Bu.") or more than a bare acknowledgement -> flag; a "yes" to the direct question
   is itself the sign. A generic question ("Kamu biasanya main sama siapa?") never passes a flag on;
3. **weak cue** ("memar", "obat tidur", "revenge") -> flag when the classifier gives the flag at least
   ``weak_threshold``;
4. **classifier** alone -> flag at ``threshold`` (``risk_self`` at ``self_threshold`` when it is set), only
   on lines longer than an acknowledgement and without a near-miss idiom (``threshold > 1`` switches this
   path off).

The classifier (per flag, class-balanced logistic regression) reads the line, the turns *before* it and,
optionally, what the conversation is doing (``conversation_moves``); never the line's position in the
session and never a later turn, so a sign is scored the same whether it comes first, in the middle or last
(a disclosure "at the door", a short excerpt). Its features: the line's embedding and word 1-2-grams
(``ngrams``), the embedding of the turn before it and the mean embedding of the line and the three turns
before it (``context``), the lexicon vector, and the ``MOVE_FEATURES`` (``moves``).

An acknowledgement ("Iya, Bu.", "Oh gitu") is only ever flagged as a screening answer: it never
inherits a flag from the topic of the conversation. Every flag carries its evidence: the phrase, the
screening question, the weak cue or the classifier's probability. Thresholds, ``context`` and the
classifier's C are chosen by grouped cross-validation on the training corpus
(``jalin evaluate --risk-cv``, ``jalin.analysis.risk_eval``). Counselor utterances never carry flags.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .lexicon import lexicon, normalize
from .runtime import DesignRows, LinearHead, Params, freeze
from .tasks import dense_features

__all__ = ["FLAGS", "MOVE_FEATURES", "RiskDetector", "RiskEvidence", "conversation_moves"]

FLAGS = ("risk_self", "risk_others", "abuse")
SCREENING_TURNS = 2  # a screening question counts for the next two turns
# What the line and the counselor turn before it are doing (``conversation_moves``), in this order.
MOVE_FEATURES = (
    *(f"asks_{f}" for f in FLAGS),  # the counselor's turn is a direct screening question for the flag
    "asks_followup",  # ... a C-SSRS follow-up ("Sudah ada rencana?")
    *(f"talks_{f}" for f in FLAGS),  # ... mentions the risk without asking about it (summary, reflection)
    "asks_question",  # ... asks anything
    "asks_open",  # ... an open question ("Apa yang terjadi?")
    "counselor_wraps_up",  # ... a summary, an action plan, a conclusion or the next appointment
    "no_counselor_turn",  # no counselor turn in the last two (the line opens, or follows the counselee's own)
    *(f"raised_{f}" for f in FLAGS),  # a counselee line among the turns before carried a risk phrase
    "line_third_person",  # the line talks about someone else (dia, beliau, he, she, my friend, ...)
    "line_first_person",
    "line_negation",
    "line_denial",
    "line_affirmative",
    "line_near_miss",
    "line_echoes_question",  # a risk phrase of the line repeats the counselor's question
    "line_hypothetical",  # kalau / seandainya / if
)
_WRAP_TASKS = frozenset({"conclusion", "action_plan", "evaluation", "next_appointment", "referral"})
_WRAP_REFLECTIONS = frozenset({"summary"})


@dataclass(frozen=True)
class RiskEvidence:
    """Why a line was flagged. ``basis``: phrase / screening / weak / classifier."""

    flag: str
    basis: str
    detail: str  # the phrase, the screening question, or "p=0.83"

    def as_string(self) -> str:
        return f'{self.flag}:{self.basis}:"{self.detail}"'


class RiskDetector(Params):
    # artifacts saved before the per-flag threshold existed use ``threshold`` for every flag
    self_threshold: float | None = None

    def __init__(
        self,
        C: float = 1.0,
        threshold: float = 0.9,
        weak_threshold: float = 0.3,
        self_threshold: float | None = None,
        context: bool = True,
        moves: bool = False,
        ngrams: bool = True,
        min_positive: int = 5,
        max_iter: int = 500,
        random_state=0,
    ):
        self.C = C
        self.threshold = threshold
        self.weak_threshold = weak_threshold
        self.self_threshold = self_threshold
        self.context = context
        self.moves = moves
        self.ngrams = ngrams
        self.min_positive = min_positive
        self.max_iter = max_iter
        self.random_state = random_state

    def _features(self, X: Sequence[dict]):
        if getattr(self, "feature_set_", "position") == "position":
            # artifacts trained before the position-free detector: position in the session is a feature
            return dense_features(
                X, context=getattr(self, "context", True), position=getattr(self, "use_position", True)
            )
        # Position-free: the line, the turns *before* it and what the conversation is doing. Nothing reads
        # the clock (relative position, index) or a later turn, so a line scores the same whether it comes
        # first, in the middle or last, in a long session or in a short excerpt (docs/analysis-model.md).
        cols = [np.stack([r["emb"] for r in X])]
        if self.context:
            cols += [0.5 * np.stack([r["prev_emb"] for r in X]), 0.5 * np.stack([r["back_emb"] for r in X])]
        cols.append(np.stack([r["lex"] for r in X]))
        if self.moves:
            # (cross-validation computes the moves once and hands them over in the record)
            moves = [r["risk_moves"] if "risk_moves" in r else conversation_moves(r) for r in X]
            cols.append(np.array(moves, dtype=np.float32).reshape(len(X), len(MOVE_FEATURES)))
        dense = np.hstack(cols).astype(np.float32)
        if getattr(self, "vectorizer_", None) is None:
            return dense
        # the words of the line itself (1-2-grams of its plain and canonical forms): they tell risk talk from
        # the distress that fills every session better than the sentence embedding alone
        # (sparse blocks come first in the design matrix; the heads multiply it without scipy)
        words = self.vectorizer_.transform_rows([r["text"] for r in X])
        return DesignRows([words], dense)

    def fit(self, X: Sequence[dict], Y: Sequence[Sequence[str]]):
        """``X``: records (counselee lines are used), ``Y``: the flag list of each record."""
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        idx = [i for i, r in enumerate(X) if r["speaker"] == "counselee"]
        self.models_: dict[str, LinearHead] = {}
        self.feature_set_ = "conversation"
        self.vectorizer_ = None
        if idx and self.ngrams:
            vectorizer = TfidfVectorizer(
                analyzer="word",
                ngram_range=(1, 2),
                min_df=2,
                max_features=20000,
                sublinear_tf=True,
                token_pattern=r"(?u)\b\w[\w'-]*\b",
                preprocessor=risk_text,
                dtype=np.float32,
            )
            try:
                # frozen at once (runtime.FrozenTfidf: the same matrix without scikit-learn), so what is
                # evaluated in memory is what ships
                self.vectorizer_ = freeze(vectorizer.fit([X[i]["text"] for i in idx]))
            except ValueError:  # too few lines for any word to occur twice: embeddings and lexicon only
                self.vectorizer_ = None
        if idx:
            F = self._features([X[i] for i in idx])
            if isinstance(F, DesignRows):
                F = F.to_scipy()
            for flag in FLAGS:
                y = np.array([flag in Y[i] for i in idx])
                if y.sum() >= self.min_positive:
                    self.models_[flag] = freeze(LogisticRegression(
                        C=self.C,
                        class_weight="balanced",
                        max_iter=self.max_iter,
                        random_state=self.random_state,
                    ).fit(F, y))
        self.flags_ = FLAGS
        return self

    def predict_proba(self, X: Sequence[dict]) -> np.ndarray:
        P = np.zeros((len(X), len(FLAGS)))
        idx = [i for i, r in enumerate(X) if r["speaker"] == "counselee"]
        if idx and self.models_:
            F = self._features([X[i] for i in idx])
            for j, flag in enumerate(FLAGS):
                m = self.models_.get(flag)
                if m is not None:
                    P[idx, j] = m.predict_proba(F)[:, 1]
        return P

    def predict(self, X: Sequence[dict]) -> list[tuple[list[str], list[str]]]:
        """Per record: (flags, evidence strings ``flag:basis:"detail"``). ``X`` is one conversation in
        order (the screening rule looks back two turns)."""
        return [
            (flags, [e.as_string() for e in ev])
            for flags, ev in self.decide(X, self.predict_proba(X))
        ]

    def line_facts(self, X: Sequence[dict]) -> list[dict | None]:
        """What the rules need to know about each counselee line that does not depend on thresholds
        (computed once; cross-validation reuses it for every threshold)."""
        lex = lexicon()
        facts: list[dict | None] = []
        for i, r in enumerate(X):
            if r["speaker"] != "counselee":
                # a direct screening question opens the topic for its C-SSRS follow-ups
                asks = lex.screening_flags(r["text"])
                facts.append({"asks": set(asks)} if asks else None)
                continue
            text = r["text"]
            hits = lex.risk_hits(text)
            negated = lex.has_negation(text)
            if hits and negated:
                # "Bunuh diri? Nggak lah, Bu": a denial that echoes the counselor's question is no sign
                asked_texts = [X[k]["text"] for k in range(max(0, i - SCREENING_TURNS), i)
                               if X[k]["speaker"] == "counselor"]
                hits = [h for h in hits if not any(lex.echoes(h.phrase, q) for q in asked_texts)]
            short = lex.is_acknowledgement(text)
            denial = lex.is_denial(text)
            direct, followups = self._screening(X, i, lex)
            facts.append({
                "hits": hits,
                "direct": direct,
                "followups": followups,
                "short": short,
                "answered": lex.is_affirmative(text) or (not short and not denial),
                # a "no" to a screening question is not overruled by the classifier or a weak cue
                "denied": denial and bool(direct or followups),
                "near_miss": bool(lex.near_misses(text)),
            })
        return facts

    def decide(
        self,
        X: Sequence[dict],
        P: np.ndarray,
        *,
        facts: list[dict | None] | None = None,
        threshold: float | None = None,
        weak_threshold: float | None = None,
    ) -> list[tuple[list[str], list[RiskEvidence]]]:
        """The decision rules over classifier probabilities ``P`` (cross-validation reuses ``facts``
        and ``P`` with other thresholds)."""
        lex = lexicon()
        facts = self.line_facts(X) if facts is None else facts
        threshold = self.threshold if threshold is None else threshold
        weak_threshold = self.weak_threshold if weak_threshold is None else weak_threshold
        # the classifier's threshold per flag: risk_self may have its own (its goal is the highest)
        flag_threshold = [
            self.self_threshold if flag == "risk_self" and self.self_threshold is not None else threshold
            for flag in FLAGS
        ]
        out: list[tuple[list[str], list[RiskEvidence]]] = []
        raised: list[tuple[int, set[str]]] = []  # (index, flags raised) for the follow-up rule
        for i, fact in enumerate(facts):
            raised = [(k, f) for k, f in raised if i - k <= lex.screening_window]
            if fact is None or "asks" in fact:
                if fact is not None:
                    raised.append((i, fact["asks"]))
                out.append(([], []))
                continue
            asked = dict(fact["direct"])
            for k, question in fact["followups"]:  # "Sudah ada rencana?" asks about what was raised before it
                for k2, fs in raised:
                    if k2 < k:
                        for flag in fs:
                            asked.setdefault(flag, question)
            flags: list[str] = []
            evidence: list[RiskEvidence] = []
            for j, flag in enumerate(FLAGS):
                strong = [h for h in fact["hits"] if h.flag == flag and h.tier in ("direct", "indirect")]
                weak = [h for h in fact["hits"] if h.flag == flag and h.tier == "weak"]
                if strong:
                    ev = RiskEvidence(flag, "phrase", strong[0].phrase)
                elif flag in asked and fact["answered"]:
                    ev = RiskEvidence(flag, "screening", " ".join(asked[flag].split()))
                elif fact["denied"]:
                    continue
                elif weak and P[i, j] >= weak_threshold:
                    ev = RiskEvidence(flag, "weak", f"{weak[0].phrase} (p={P[i, j]:.2f})")
                elif P[i, j] >= flag_threshold[j] and not fact["short"] and not fact["near_miss"]:
                    ev = RiskEvidence(flag, "classifier", f"p={P[i, j]:.2f}")
                else:
                    continue
                flags.append(flag)
                evidence.append(ev)
            if flags:
                raised.append((i, set(flags)))
            out.append((flags, evidence))
        return out

    @staticmethod
    def _screening(X: Sequence[dict], i: int, lex) -> tuple[dict[str, str], list[tuple[int, str]]]:
        """Direct screening questions in the last two turns: ({flag: question}, [(index, follow-up)])."""
        direct: dict[str, str] = {}
        followups: list[tuple[int, str]] = []
        for k in range(i - 1, max(-1, i - 1 - SCREENING_TURNS), -1):
            r = X[k]
            if r["speaker"] != "counselor":
                if lex.is_denial(r["text"]):
                    break  # the question was already answered "no"
                continue
            for flag in lex.screening_flags(r["text"]):
                direct.setdefault(flag, r["text"])
            if lex.is_followup_question(r["text"]):
                followups.append((k, r["text"]))
        return direct, followups


def risk_text(text: str) -> str:
    """The line as the word n-grams see it: its plain lower-cased form and its canonical word forms
    ("gue pengen ngehajar" also reads "gue pengen hajar"), so slang and spelling variants share n-grams."""
    plain = normalize(text)
    canon = lexicon().canonical(text)
    return plain if canon == plain else f"{plain} | {canon}"


def _last_counselor_turn(before: Sequence[tuple[str, str]]) -> str | None:
    """The counselor turn the line answers: the last one among the two turns before it."""
    for speaker, text in reversed(before[-SCREENING_TURNS:]):
        if speaker == "counselor":
            return text
    return None


def conversation_moves(r: dict) -> list[float]:
    """``MOVE_FEATURES`` of one counselee record: what the counselor's turn before it does (a direct
    screening question, a mention of the risk, a question, wrapping up) and what the line does (about
    someone else, a denial, a near-miss idiom, an echo of the question). They describe the move in the
    conversation, not where it sits in the session."""
    lex = lexicon()
    before = r.get("before", ())
    text = r["text"]
    asked = _last_counselor_turn(before)
    q = asked or ""
    screened = set(lex.screening_flags(q)) if asked else set()
    talked = {h.flag for h in lex.risk_hits(q)} if asked else set()
    refl = set(lex.reflection_cues(q)) if asked else set()
    tasks = set(lex.task_cues(q)) if asked else set()
    kinds = set(lex.question_cues(q)) if asked else set()
    raised = set()
    for speaker, t in before:
        if speaker == "counselee":
            raised |= {h.flag for h in lex.risk_hits(t) if h.tier in ("direct", "indirect")}
    hits = lex.risk_hits(text)
    return [
        *(float(f in screened) for f in FLAGS),
        float(bool(asked) and lex.is_followup_question(q)),
        *(float(f in talked and f not in screened) for f in FLAGS),
        float(bool(asked) and bool(lex._questions(q))),
        float("open" in kinds),
        float(bool(tasks & _WRAP_TASKS or refl & _WRAP_REFLECTIONS)),
        float(asked is None),
        *(float(f in raised) for f in FLAGS),
        float(lex.third_person(text)),
        float(lex.first_person(text)),
        float(lex.has_negation(text)),
        float(lex.is_denial(text)),
        float(lex.is_affirmative(text)),
        float(bool(lex.near_misses(text))),
        float(bool(asked) and any(lex.echoes(h.phrase, q) for h in hits)),
        float(lex.hypothetical(text)),
    ]
