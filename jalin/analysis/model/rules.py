"""Rules that decide a label without the classifier, and the evidence strings for explanations.

- Silence (``[diam]``, ``(diam)``, ``...`` alone): counselor -> ``silence``, counselee -> ``reluctant``.
- A counselor utterance made only of minimal-encourager tokens ("Hmm.", "Terus?", "Mm-hm, go on")
  -> ``minimal_encourager``.
"""

from __future__ import annotations

from .lexicon import lexicon

__all__ = ["evidence_for", "rule_label"]


def rule_label(speaker: str, text: str, is_silence: bool = False) -> tuple[str, str] | None:
    """``(label, evidence)`` when a rule decides the utterance, else ``None``."""
    lex = lexicon()
    if is_silence or lex.is_silence(text):
        return ("silence" if speaker == "counselor" else "reluctant"), "rule:silence"
    if speaker == "counselor" and lex.is_minimal_encourager(text):
        return "minimal_encourager", "rule:minimal_encourager"
    return None


def evidence_for(text: str, speaker: str | None = None) -> list[str]:
    """Lexicon cues that fired on ``text`` (feeling words, reflection leads, question cues, and the cues of
    ``speaker``'s labels)."""
    from ..taxonomy import taxonomy

    lex = lexicon()
    own = set(taxonomy().labels_for(speaker)) if speaker else None
    ev: list[str] = []
    for word, family, level in lex.feelings(text)[:3]:
        ev.append(f"feeling:{word} ({family}, {('low', 'medium', 'high')[level - 1]})")
    ev += [f"lead:{k}" for k in lex.reflection_cues(text)]
    ev += [f"question:{k}" for k in lex.question_cues(text)]
    ev += [f"cue:{k}" for k in lex.label_cues(text) if own is None or k in own]
    for miss in lex.near_misses(text)[:2]:
        ev.append(f'near_miss:"{miss}"')
    return ev
