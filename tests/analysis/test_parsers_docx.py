"""DOCX verbatims, built with python-docx in tmp_path the way students write them."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest

from jalin.analysis.errors import InputError
from jalin.analysis.parsers import parse_bytes, parse_file


def _docx(
    tmp_path: Path,
    rows: list[list[str]] | None = None,
    *,
    before: list[str] = (),
    after: list[str] = (),
    name: str = "verbatim.docx",
) -> Path:
    document = docx.Document()
    for text in before:
        document.add_paragraph(text)
    if rows is not None:
        table = document.add_table(rows=len(rows), cols=len(rows[0]))
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                table.cell(r, c).text = value
    for text in after:
        document.add_paragraph(text)
    path = tmp_path / name
    document.save(path)
    return path


def test_two_role_columns_with_technique(tmp_path):
    rows = [
        ["No", "Konselor", "Konseli", "Teknik"],
        ["1", "Selamat pagi, silakan duduk.", "Pagi, Bu.", "Attending"],
        ["2", "Apa yang ingin kamu ceritakan?", "Saya bingung.", "Bertanya terbuka"],
        ["3", "", "(diam)", ""],
    ]
    transcript = parse_file(_docx(tmp_path, rows, before=["VERBATIM KONSELING", "Nama konseli: Dimas"]))
    assert transcript.format == "docx"
    assert [(u.speaker, u.text) for u in transcript.utterances] == [
        ("counselor", "Selamat pagi, silakan duduk."),
        ("counselee", "Pagi, Bu."),
        ("counselor", "Apa yang ingin kamu ceritakan?"),
        ("counselee", "Saya bingung."),
        ("counselee", "[diam]"),
    ]
    assert [u.student_label for u in transcript.utterances] == [
        "Attending",
        None,
        "Bertanya terbuka",
        None,
        None,
    ]
    assert [u.line for u in transcript.utterances] == [2, 2, 3, 3, 4]
    assert transcript.has_student_labels


def test_counselee_statement_then_counselor_response(tmp_path):
    rows = [
        ["Pernyataan Klien", "Respons Konselor", "Teknik", "Keterampilan"],
        ["Saya malas sekolah, Bu.", "Kedengarannya kamu sedang jenuh.", "Refleksi perasaan", "Empati"],
        ["Iya.", "Sejak kapan kamu merasa begitu?", "Bertanya terbuka", ""],
    ]
    transcript = parse_file(_docx(tmp_path, rows))
    assert [u.speaker for u in transcript.utterances] == ["counselee", "counselor"] * 2
    assert transcript.utterances[1].student_label == "Refleksi perasaan / Empati"
    assert transcript.utterances[0].student_label is None
    assert transcript.utterances[3].student_label == "Bertanya terbuka"


@pytest.mark.parametrize(
    "header",
    [
        ["Pembicara", "Pernyataan", "Teknik"],
        ["Speaker", "Utterance", "Technique"],
        ["  PEMBICARA ", "pernyataan  verbatim", "teknik konseling"],
        ["Peran", "Ucapan", "Label"],
    ],
)
def test_speaker_and_utterance_columns(tmp_path, header):
    rows = [
        header,
        ["K", "Selamat pagi.", "Attending"],
        ["KI", "Pagi.", ""],
        ["Konselor", "Ada apa?", "Open"],
        ["Konseli", "Capek.", ""],
    ]
    transcript = parse_file(_docx(tmp_path, rows))
    assert [u.speaker for u in transcript.utterances] == ["counselor", "counselee"] * 2
    assert transcript.utterances[0].student_label == "Attending"
    assert transcript.utterances[2].speaker_name == "Konselor"


def test_names_in_speaker_column_are_inferred(tmp_path):
    rows = [
        ["Pembicara", "Pernyataan"],
        ["Bu Rina", "Selamat pagi, apa kabar?"],
        ["Dimas", "Baik, Bu."],
        ["Bu Rina", "Ceritakan?"],
        ["Dimas", "Baik."],
    ]
    transcript = parse_file(_docx(tmp_path, rows))
    assert transcript.counselor_name == "Bu Rina"
    assert [u.speaker for u in transcript.utterances] == ["counselor", "counselee"] * 2


def test_utterance_column_with_prefixes_and_title_row(tmp_path):
    rows = [
        ["Tabel Verbatim", "", ""],
        ["No", "Dialog", "Teknik"],
        ["1", "K: Halo, silakan.", "Attending"],
        ["2", "KI: Terima kasih, Bu.", ""],
    ]
    transcript = parse_file(_docx(tmp_path, rows))
    assert [(u.speaker, u.text) for u in transcript.utterances] == [
        ("counselor", "Halo, silakan."),
        ("counselee", "Terima kasih, Bu."),
    ]


def test_stage_rows_and_repeated_header(tmp_path):
    rows = [
        ["No", "Konselor", "Konseli"],
        ["", "Tahap Awal", ""],
        ["1", "Halo.", "Halo."],
        ["No", "Konselor", "Konseli"],
        ["", "TAHAP INTI", ""],
        ["2", "Ceritakan.", "Baik."],
    ]
    transcript = parse_file(_docx(tmp_path, rows))
    assert [u.stage_hint for u in transcript.utterances] == ["awal", "awal", "inti", "inti"]
    assert len(transcript.utterances) == 4


def test_stage_headings_between_tables(tmp_path):
    document = docx.Document()
    for heading, line in (
        ("Tahap Awal", ["Halo.", "Hai."]),
        ("Tahap Akhir", ["Sampai jumpa.", "Terima kasih."]),
    ):
        document.add_paragraph(heading)
        table = document.add_table(rows=2, cols=2)
        for c, value in enumerate(["Konselor", "Konseli"]):
            table.cell(0, c).text = value
            table.cell(1, c).text = line[c]
    path = tmp_path / "dua.docx"
    document.save(path)
    transcript = parse_file(path)
    assert [u.stage_hint for u in transcript.utterances] == ["awal", "awal", "akhir", "akhir"]


def test_paragraph_docx(tmp_path):
    paragraphs = [
        "VERBATIM",
        "Tahap Awal",
        "Konselor: Selamat pagi.",
        "Konseli: Pagi, Bu.",
        "(tersenyum)",
        "Konselor: Ada yang ingin diceritakan?",
    ]
    transcript = parse_file(_docx(tmp_path, before=paragraphs))
    assert [u.text for u in transcript.utterances] == [
        "Selamat pagi.",
        "Pagi, Bu. (tersenyum)",
        "Ada yang ingin diceritakan?",
    ]
    assert transcript.utterances[0].stage_hint == "awal"


def test_identity_table_is_ignored_when_dialogue_follows(tmp_path):
    document = docx.Document()
    info = document.add_table(rows=2, cols=2)
    info.cell(0, 0).text, info.cell(0, 1).text = "Nama", "Dimas"
    info.cell(1, 0).text, info.cell(1, 1).text = "Kelas", "XI"
    document.add_paragraph("K: Halo.")
    document.add_paragraph("KI: Halo, Bu.")
    path = tmp_path / "info.docx"
    document.save(path)
    assert [u.speaker for u in parse_file(path).utterances] == ["counselor", "counselee"]


def test_docx_detected_without_extension(tmp_path):
    path = _docx(tmp_path, [["Konselor", "Konseli"], ["Halo.", "Hai."]])
    transcript = parse_bytes(path.read_bytes(), "upload")
    assert transcript.format == "docx"


def test_unrecognised_table_names_columns(tmp_path):
    path = _docx(tmp_path, [["Hari", "Kegiatan", "Hasil"], ["Senin", "Apel", "Baik"]])
    with pytest.raises(InputError) as info:
        parse_file(path)
    error = info.value
    assert error.message_id == "bad_columns"
    assert "'Hari', 'Kegiatan', 'Hasil'" in error.message("id")
    assert "Konselor" in error.message("id") and "Speaker / Utterance" in error.message("en")
    assert "tabel 1" in error.message("id") and "table 1" in error.message("en")


def test_empty_speaker_cell_names_row_and_column(tmp_path):
    rows = [["Pembicara", "Pernyataan"], ["K", "Halo."], ["", "Hai."]]
    with pytest.raises(InputError) as info:
        parse_file(_docx(tmp_path, rows))
    assert info.value.message_id == "unattributed_line"
    assert info.value.line == 3 and info.value.column == "Pembicara"
    assert "baris 3" in str(info.value) and "kolom 'Pembicara'" in str(info.value)


def test_only_counselor_column_is_one_speaker(tmp_path):
    rows = [["No", "Konselor", "Teknik"], ["1", "Halo.", "Attending"]]
    with pytest.raises(InputError) as info:
        parse_file(_docx(tmp_path, rows))
    assert info.value.message_id == "one_speaker"


def test_empty_docx(tmp_path):
    with pytest.raises(InputError) as info:
        parse_file(_docx(tmp_path))
    assert info.value.message_id == "no_dialogue"


@pytest.mark.parametrize(
    "content", [b"Konselor: Halo\nKonseli: Hai", b"PK\x03\x04 not really a zip", b"\x00\x01\x02"]
)
def test_not_a_docx(tmp_path, content):
    path = tmp_path / "palsu.docx"
    path.write_bytes(content)
    with pytest.raises(InputError) as info:
        parse_file(path)
    assert info.value.message_id == "not_docx"
    assert "palsu.docx" in info.value.message("en") and ".docx" in info.value.message("id")


def test_zip_that_is_not_word(tmp_path):
    import zipfile

    path = tmp_path / "sheet.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    with pytest.raises(InputError) as info:
        parse_file(path)
    assert info.value.message_id == "not_docx"


def test_corrupt_document_part(tmp_path):
    import zipfile

    good = _docx(tmp_path, [["Konselor", "Konseli"], ["Halo.", "Hai."]])
    bad = tmp_path / "rusak.docx"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(bad, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            target.writestr(item, b"<w:document" if item.filename == "word/document.xml" else data)
    with pytest.raises(InputError) as info:
        parse_file(bad)
    assert info.value.message_id == "docx_corrupt"
    assert "rusak.docx" in str(info.value)
