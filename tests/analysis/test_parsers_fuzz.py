"""Whatever is uploaded, the readers return a two-sided transcript or raise InputError."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jalin.analysis.errors import InputError
from jalin.analysis.parsers import parse_bytes, parse_text
from jalin.analysis.parsers.language import detect_language

NAMES = [
    "sesi.txt",
    "sesi.docx",
    "sesi.vtt",
    "sesi.srt",
    "sesi.csv",
    "sesi.jsonl",
    "sesi.json",
    "chat.zip",
    "upload",
    "x.doc",
]
PIECES = st.sampled_from(
    [
        "K:",
        "KI:",
        "Konselor:",
        "Konseli:",
        "Bu Rina:",
        "Dimas:",
        "T:",
        "C:",
        "Cl:",
        "1.",
        "12)",
        "[00:01:23]",
        "(10.15)",
        "Tahap Awal",
        "TAHAP INTI",
        "[diam]",
        "...",
        "…",
        "(menunduk)",
        "WEBVTT",
        "-->",
        "<v Rina>",
        "00:00:01.000 --> 00:00:02.000",
        "speaker,text",
        ",",
        ";",
        "\t",
        "{",
        "}",
        '"',
        "Nama:",
        "\n",
        "\n\n",
        "apa kabar?",
        "saya nggak tahu",
        "hello",
        " ",
        "PK\x03\x04",
        ":",
    ]
)
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _check(call) -> None:  # type: ignore[no-untyped-def]
    try:
        transcript = call()
    except InputError as error:
        assert error.message("id") and error.message("en")
        return
    speakers = {u.speaker for u in transcript.utterances}
    assert speakers == {"counselor", "counselee"}
    assert transcript.language in ("id", "en")
    assert [u.index for u in transcript.utterances] == list(range(len(transcript.utterances)))
    assert all(u.text.strip() for u in transcript.utterances)


@SETTINGS
@given(st.binary(max_size=2000), st.sampled_from(NAMES))
def test_random_bytes(data, name):
    _check(lambda: parse_bytes(data, name))


@SETTINGS
@given(st.lists(PIECES, max_size=60).map("".join), st.sampled_from(NAMES))
def test_transcript_like_bytes(text, name):
    _check(lambda: parse_bytes(text.encode("utf-8"), name))


@SETTINGS
@given(st.text(max_size=1000))
def test_random_text(text):
    _check(lambda: parse_text(text))


@SETTINGS
@given(
    st.lists(
        st.tuples(st.sampled_from(["K", "KI", "Rina", "Dimas"]), st.text(min_size=1, max_size=40)),
        max_size=20,
    ),
    st.sampled_from(["utf-8", "utf-16", "cp1252"]),
)
def test_random_dialogues(turns, encoding):
    text = "\n".join(f"{who}: {said}" for who, said in turns)
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        return
    _check(lambda: parse_bytes(data, "dialog.txt"))


@given(st.lists(st.text(max_size=50), max_size=10))
def test_detect_language_always_answers(texts):
    assert detect_language(texts) in ("id", "en")
