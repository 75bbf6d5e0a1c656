"""Limits enforced while reading: a transcript too long, an utterance too long, a DOCX bomb.

Each case is refused with the file and the line, in both languages, and without
reading the rest of the input (the bench in bench/bench_parse_limits.py measures
the memory and time this costs).
"""

from __future__ import annotations

import io
import json

import pytest

from jalin.analysis.errors import InputError
from jalin.analysis.parsers import Limits, parse_bytes, parse_text

ONE_PAIR = "Konselor: Apa yang ingin kamu ceritakan?\nKonseli: Saya bingung.\n"


def test_transcript_over_the_utterance_limit_names_the_line():
    text = ONE_PAIR * 2501  # 5,002 utterances
    with pytest.raises(InputError) as info:
        parse_text(text, source="panjang.txt")
    assert info.value.message_id == "too_many_utterances"
    assert info.value.line == 5001
    assert "5000 ujaran" in info.value.message("id") and "baris 5001" in info.value.message("id")
    assert "5000 utterances" in info.value.message("en") and "line 5001" in info.value.message("en")


def test_transcript_at_the_limit_is_read():
    transcript = parse_text(ONE_PAIR * 2500)
    assert len(transcript.utterances) == 5000


def test_single_huge_line_is_refused_with_its_line():
    text = ONE_PAIR + "Konseli: " + "a" * 100_000 + "\n"
    with pytest.raises(InputError) as info:
        parse_bytes(text.encode(), "satu-baris.txt")
    assert info.value.message_id == "utterance_too_long"
    assert info.value.line == 3
    assert "10000 karakter" in info.value.message("id") and "line 3" in info.value.message("en")


def test_continuation_lines_count_toward_the_utterance_limit():
    text = ONE_PAIR + "Konseli: mulai\n" + ("kata " * 100 + "\n") * 30
    with pytest.raises(InputError) as info:
        parse_text(text, source="lanjut.txt")
    assert info.value.message_id == "utterance_too_long"
    assert info.value.line == 3  # where the utterance starts


@pytest.mark.parametrize("name", ["sesi.vtt", "sesi.csv", "sesi.jsonl", "chat.txt"])
def test_every_format_counts_utterances(name):
    if name.endswith(".vtt"):
        cues = [f"{i}\n00:00:{i % 60:02d}.000 --> 00:00:{i % 60:02d}.500\n{'Konselor' if i % 2 else 'Konseli'}: "
                f"kata {i}\n" for i in range(1, 30)]
        text = "WEBVTT\n\n" + "\n".join(cues)
    elif name.endswith(".csv"):
        text = "speaker,text\n" + "".join(f"{'konselor' if i % 2 else 'konseli'},kata {i}\n" for i in range(30))
    elif name.endswith(".jsonl"):
        text = "".join(json.dumps({"speaker": "konselor" if i % 2 else "konseli", "text": f"kata {i}"}) + "\n"
                       for i in range(30))
    else:
        text = "".join(f"04/12/26 10.{i:02d} - {'Kak Dina' if i % 2 else 'Rara'}: kata {i}\n" for i in range(30))
    with pytest.raises(InputError) as info:
        parse_bytes(text.encode(), name, limits=Limits(utterances=20))
    assert info.value.message_id == "too_many_utterances"
    assert info.value.line is not None


def test_docx_with_a_huge_number_of_paragraphs_is_refused_before_loading():
    docx = pytest.importorskip("docx")
    document = docx.Document()
    document.add_paragraph("Konselor: Halo.")
    body = document.element.body
    template = body[0]
    from copy import deepcopy

    for _ in range(1_200):
        body.insert(0, deepcopy(template))
    buffer = io.BytesIO()
    document.save(buffer)
    with pytest.raises(InputError) as info:
        parse_bytes(buffer.getvalue(), "bom.docx", limits=Limits(lines=1_000))
    assert info.value.message_id == "too_many_lines"
    assert "1000" in info.value.message("id") and "paragraphs" in info.value.message("en")


def test_deeply_nested_json_is_a_message_not_a_crash():
    text = "[" * 100_000 + "]" * 100_000
    with pytest.raises(InputError) as info:
        parse_bytes(text.encode(), "dalam.json")
    assert info.value.message_id == "json_too_deep"


def test_too_many_lines_without_speakers_is_refused():
    with pytest.raises(InputError) as info:
        parse_text("Konselor: halo\nKonseli: hai\n" + "\n" * 200, limits=Limits(lines=100))
    assert info.value.message_id == "too_many_lines"
    assert info.value.line == 101  # the first line past the limit
