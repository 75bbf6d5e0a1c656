"""Session length and reply times of a chat session, from the message times a chat export keeps.

A reply time is the wait between the end of one speaker's utterance (its last merged
message) and the start of the other speaker's next utterance.  Medians, not means: one
reply the next morning must not make a quick counselor look slow.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from datetime import datetime
from statistics import median
from typing import Any

__all__ = ["chat_timing"]


def chat_timing(utterances: Iterable[Any]) -> dict[str, Any] | None:
    """{"minutes", "counselor_reply_seconds", "counselee_reply_seconds", "longest_wait_minutes"}, or None.

    ``utterances`` are ``Utterance`` objects or their dicts; None when they carry no chat times.
    """
    timed = [(_get(u, "speaker"), _when(u, "sent_at"), _when(u, "sent_until") or _when(u, "sent_at"))
             for u in utterances]
    timed = [(speaker, start, end) for speaker, start, end in timed if start is not None and end is not None]
    if len(timed) < 2:
        return None
    replies: dict[str, list[float]] = {"counselor": [], "counselee": []}
    for (before, _, ended), (speaker, started, _) in itertools.pairwise(timed):
        if speaker != before and speaker in replies and started >= ended:
            replies[speaker].append((started - ended).total_seconds())
    waits = [seconds for values in replies.values() for seconds in values]
    return {
        "minutes": round((timed[-1][2] - timed[0][1]).total_seconds() / 60),
        "counselor_reply_seconds": round(median(replies["counselor"])) if replies["counselor"] else None,
        "counselee_reply_seconds": round(median(replies["counselee"])) if replies["counselee"] else None,
        "longest_wait_minutes": round(max(waits) / 60) if waits else None,
    }


def _get(utterance: Any, name: str) -> Any:
    return utterance.get(name) if isinstance(utterance, Mapping) else getattr(utterance, name, None)


def _when(utterance: Any, name: str) -> datetime | None:
    value = _get(utterance, name)
    try:
        return datetime.fromisoformat(value) if value else None
    except ValueError:
        return None
