"""Every way input can be wrong gets an InputError naming where and what was expected."""

from __future__ import annotations

import re
import string

import pytest

from jalin.analysis import parsers
from jalin.analysis.errors import MESSAGES, AnalysisError, InputError, ModelError
from jalin.analysis.parsers import parse_bytes, parse_file, parse_text

# name, file content, message id, line, column, words that must be in the id / en message
CASES = [
    ("kosong.txt", b"", "empty_file", None, None, ("kosong",), ("empty",)),
    ("spasi.txt", b" \n\n\t \n", "empty_file", None, None, ("kosong",), ("empty",)),
    ("sesi.txt", b"\xff\xfe\xfa" * 3 + b"\x81\x8d\x9d" * 50, "encoding", None, None, ("UTF-8",), ("UTF-8",)),
    (
        "gambar.txt",
        b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4,
        "binary",
        None,
        None,
        ("biner", "PNG"),
        ("binary", "PNG"),
    ),
    ("data.txt", b"abc\x00\x01\x02\x03" * 40, "binary", None, None, ("biner",), ("binary",)),
    ("surat.pdf", b"%PDF-1.4 ....", "binary", None, None, ("PDF",), ("PDF",)),
    (
        "lama.doc",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100,
        "legacy_doc",
        None,
        None,
        (".docx",),
        (".docx",),
    ),
    (
        "catatan.txt",
        b"Hari ini saya bertemu Dimas.\nDia bercerita tentang sekolah.\n",
        "no_dialogue",
        None,
        None,
        ("Konselor:", "Konseli:"),
        ("Counselor:", "Client:"),
    ),
    (
        "satu.txt",
        b"Konselor: Halo.\nKonselor: Ada apa?\n",
        "one_speaker",
        None,
        None,
        ("satu pembicara", "Konselor", "konseli"),
        ("only one speaker", "counselee"),
    ),
    ("dua_klien.txt", b"Klien: Halo.\nSiswa: Hai.\n", "same_role", None, None, ("konseli",), ("counselee",)),
    (
        "tiga.txt",
        b"Rina: Halo.\nDimas: Hai.\nSinta: Hai juga.\nRina: Apa?\nDimas: Ya.\nSinta: Ya.\n",
        "too_many_speakers",
        None,
        None,
        ("Rina", "Dimas", "Sinta"),
        ("more than two",),
    ),
    (
        "asing.txt",
        b"K: Halo.\nKI: Hai.\nIbu Dimas: Permisi.\nIbu Dimas: Maaf.\n",
        "unknown_speaker",
        3,
        None,
        ("Ibu Dimas", "Konselor:"),
        ("Ibu Dimas", "Counselor:"),
    ),
    (
        "seri.txt",
        b"Andi: Ya.\nBudi: Ya.\n",
        "ambiguous_speakers",
        None,
        None,
        ("Andi", "Budi", "counselor="),
        ("Andi", "Budi", "counselor="),
    ),
    (
        "d.csv",
        b"Hari,Kegiatan\nSenin,Apel\n",
        "bad_columns",
        None,
        None,
        ("'Hari', 'Kegiatan'", "speaker"),
        ("'Hari', 'Kegiatan'", "utterance"),
    ),
    (
        "d.csv",
        b"speaker,text\nkonselor,Halo\n,Hai\n",
        "unattributed_line",
        3,
        "speaker",
        ("baris 3", "kolom"),
        ("line 3", "column"),
    ),
    (
        "d.csv",
        b"conversation_id,speaker,text\n1,therapist,Hi\n2,client,Hey\n",
        "multiple_conversations",
        None,
        "conversation_id",
        ("2 percakapan",),
        ("2 conversations",),
    ),
    (
        "d.jsonl",
        b'{"speaker": "konselor", "text": "Halo"}\n{"speaker": "konseli", "text": }\n',
        "bad_json",
        2,
        None,
        ("baris 2", "JSON"),
        ("line 2", "JSON"),
    ),
    (
        "d.jsonl",
        b'{"speaker": "konselor", "text": "Halo"}\n[1, 2]\n',
        "bad_json",
        2,
        None,
        ("JSON",),
        ("JSON",),
    ),
    (
        "d.jsonl",
        b'{"who": "konselor", "said": "Halo"}\n',
        "bad_columns",
        None,
        None,
        ("'who', 'said'",),
        ("'who', 'said'",),
    ),
    (
        "d.srt",
        b"1\n00:00:01,000 --> 00:00:02,000\nHalo semuanya.\n",
        "no_dialogue",
        None,
        None,
        ("Konselor",),
        ("Counselor",),
    ),
]


@pytest.mark.parametrize(
    ("name", "content", "message_id", "line", "column", "words_id", "words_en"),
    CASES,
    ids=[f"{c[2]}-{c[0]}" for c in CASES],
)
def test_bad_input(tmp_path, name, content, message_id, line, column, words_id, words_en):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputError) as info:
        parse_file(path)
    error = info.value
    assert error.message_id == message_id
    assert error.line == line and error.column == column
    assert error.source == name
    indonesian, english = error.message("id"), error.message("en")
    assert str(error) == indonesian == error.message()
    assert indonesian.startswith(f"Berkas '{name}'") and english.startswith(f"File '{name}'")
    if line is not None:
        assert f"baris {line}" in indonesian and f"line {line}" in english
    for word in words_id:
        assert word in indonesian
    for word in words_en:
        assert word in english
    assert "{" not in indonesian.replace('{"', "") and "?" not in re.findall(r"'\?'", indonesian)


def test_size_limit_for_files_and_bytes(tmp_path, monkeypatch):
    monkeypatch.setattr(parsers, "MAX_BYTES", 100)
    path = tmp_path / "besar.txt"
    path.write_text("K: Halo.\nKI: Hai.\n" * 20)
    for call in (
        lambda: parse_file(path),
        lambda: parse_bytes(path.read_bytes(), "besar.txt"),
        lambda: parse_text(path.read_text(), source="besar.txt"),
    ):
        with pytest.raises(InputError) as info:
            call()
        assert info.value.message_id == "too_large"
        assert "Batasnya 0 MB" in str(info.value) or "MB" in str(info.value)
        assert "besar.txt" in info.value.message("en")


def test_default_limit_is_five_megabytes():
    assert parsers.MAX_BYTES == 5 * 1024 * 1024
    with pytest.raises(InputError) as info:
        parse_bytes(b"K: a\n" * (parsers.MAX_BYTES // 5 + 1), "besar.txt")
    assert "5 MB" in info.value.message("id") and "5 MB" in info.value.message("en")


def test_missing_file(tmp_path):
    with pytest.raises(InputError) as info:
        parse_file(tmp_path / "tidak_ada.txt")
    assert info.value.message_id == "file_not_found"
    assert "tidak_ada.txt" in str(info.value)


def test_unknown_format_override():
    with pytest.raises(InputError) as info:
        parse_bytes(b"K: Halo\nKI: Hai", "a.txt", fmt="pdf")
    assert info.value.message_id == "unsupported_format"
    assert "'pdf'" in info.value.message("en") and "'docx'" in info.value.message("id")


def test_counselor_not_found():
    with pytest.raises(InputError) as info:
        parse_text("Rina: Halo.\nDimas: Hai.", counselor="Budi")
    error = info.value
    assert error.message_id == "counselor_not_found"
    assert "'Budi'" in error.message("id") and "'Rina', 'Dimas'" in error.message("en")


def test_unattributed_docx_style_line_errors_instead_of_guessing():
    with pytest.raises(InputError) as info:
        parse_text("speaker,text\nK,Halo\n,Hai\n", source="tempel.csv")
    assert info.value.line == 3


def test_empty_text():
    with pytest.raises(InputError) as info:
        parse_text("   \n", source="form")
    assert info.value.message("en").startswith("File 'form'")


def test_to_dict_is_json_ready():
    import json

    error = InputError("a.csv", "bad_columns", line=1, column=None, found=("x", "y"), expected=["speaker"])
    data = error.to_dict("en")
    assert data["error"] == "bad_columns" and data["source"] == "a.csv" and data["line"] == 1
    assert data["found"] == ["x", "y"]
    json.dumps(data)


# --- the catalog itself ---------------------------------------------------------------


def test_catalog_has_both_languages_and_same_fields():
    fields = string.Formatter()
    for message_id, texts in MESSAGES.items():
        assert set(texts) == {"id", "en"}, message_id
        names = {lang: {f for _, f, _, _ in fields.parse(text) if f} for lang, text in texts.items()}
        assert names["id"] - {"role_id"} == names["en"] - {"role_en"}, message_id


def test_unknown_message_id_is_a_programming_error():
    with pytest.raises(ValueError):
        InputError("a.txt", "no_such_message")


def test_missing_param_never_breaks_the_message():
    message = InputError("a.txt", "unknown_speaker").message("en")
    assert message.startswith("File 'a.txt': speaker '?'")


def test_unknown_language_falls_back_to_indonesian():
    error = InputError("a.txt", "empty_file")
    assert error.message("fr") == error.message("id")


def test_model_error():
    error = ModelError("/models/jalin.joblib", "model_corrupt", detail="EOFError")
    assert isinstance(error, AnalysisError) and not isinstance(error, InputError)
    assert error.message("en").startswith("File '/models/jalin.joblib'") and "EOFError" in error.message("en")
    assert "rusak" in str(error)
    assert ModelError("m.joblib").message_id == "model_missing"
    assert "(1)" in ModelError("m", "model_version", found=1, expected=2).message("en")


def test_input_error_is_an_analysis_error():
    assert issubclass(InputError, AnalysisError) and issubclass(AnalysisError, Exception)
