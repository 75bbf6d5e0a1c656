"""Recognise table/record column names, in Indonesian and English, fuzzily.

Students name verbatim columns every way imaginable ("Respon Konselor",
"PERNYATAAN  KLIEN", "Teknik Konseling", "Keterampilan"), so names are normalised
(case, spacing, punctuation) and matched by key words, with a typo-tolerant
fallback.  The order of the checks matters: "Keterampilan Konselor" is a
technique column even though it names the counselor.
"""

from __future__ import annotations

import difflib
import re

__all__ = ["FIELDS", "field_for"]

# field -> key words (normalised).  Checked in this order.
FIELDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("number", ("no", "nomor", "nomer", "number", "num", "#", "urutan", "index", "idx")),
    (
        "technique",
        (
            "teknik",
            "technique",
            "techniques",
            "keterampilan",
            "ketrampilan",
            "skill",
            "skills",
            "label",
            "labels",
            "kode",
            "code",
            "jenis respons",
            "jenis respon",
            "strategi",
        ),
    ),
    ("time", ("waktu", "time", "timestamp", "menit", "jam", "start", "start time")),
    ("stage", ("tahap", "tahapan", "stage", "fase", "phase")),
    (
        "counselor",
        (
            "konselor",
            "counselor",
            "counsellor",
            "therapist",
            "terapis",
            "guru bk",
            "gbk",
            "konselor k",
            "respons konselor",
        ),
    ),
    ("counselee", ("konseli", "klien", "client", "counselee", "siswa", "patient", "pasien", "ki")),
    (
        "speaker",
        (
            "pembicara",
            "speaker",
            "penutur",
            "peran",
            "role",
            "interlocutor",
            "siapa",
            "who",
            "tokoh",
            "subjek",
            "speaker role",
        ),
    ),
    (
        "utterance",
        (
            "pernyataan",
            "ucapan",
            "utterance",
            "utterance text",
            "utterance_text",
            "text",
            "teks",
            "dialog",
            "dialogue",
            "verbatim",
            "percakapan",
            "isi",
            "kalimat",
            "respons",
            "respon",
            "response",
            "statement",
            "tanggapan",
            "content",
            "transcript",
            "transkrip",
        ),
    ),
    (
        "note",
        (
            "keterangan",
            "catatan",
            "komentar",
            "analisis",
            "note",
            "notes",
            "comment",
            "nonverbal",
            "non verbal",
            "analysis",
            "alasan",
        ),
    ),
)
# Single words that decide the field wherever they appear in a longer name.
_DECISIVE = (
    (
        "technique",
        {"teknik", "technique", "techniques", "keterampilan", "ketrampilan", "skill", "skills", "label"},
    ),
    ("counselor", {"konselor", "counselor", "counsellor", "therapist", "terapis"}),
    ("counselee", {"konseli", "klien", "client", "counselee", "siswa", "patient", "pasien"}),
    ("speaker", {"pembicara", "speaker", "interlocutor", "penutur"}),
    ("utterance", {"pernyataan", "ucapan", "utterance", "text", "teks", "dialog", "percakapan", "verbatim"}),
    ("time", {"waktu", "timestamp"}),
    ("stage", {"tahap", "stage"}),
)


def _normalise(name: str) -> str:
    name = name.replace("_", " ").lower()
    return " ".join(re.sub(r"[^\w#]+", " ", name).split())


def field_for(name: str) -> str | None:
    """The field a column header stands for, or None if it is not recognised."""
    key = _normalise(name)
    if not key:
        return None
    for field, words in FIELDS:
        if key in words:
            return field
    tokens = key.split()
    for field, words in _DECISIVE:
        if any(token in words for token in tokens):
            return field
    # Typos ("konseor", "pernyatan"): closest known word, strictly.
    vocabulary = {word: field for field, words in FIELDS for word in words if len(word) >= 5}
    for token in tokens:
        close = difflib.get_close_matches(token, vocabulary, n=1, cutoff=0.85)
        if close:
            return vocabulary[close[0]]
    return None
