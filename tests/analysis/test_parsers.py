"""Transcript readers: every format and prefix style, read from real files."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from jalin.analysis import parsers
from jalin.analysis.parsers import parse_bytes, parse_file, parse_text
from jalin.analysis.types import Transcript

DATA = Path(__file__).parent / "data"

# (counselor prefix, counselee prefix) as trainees and meeting tools write them.
PREFIX_STYLES = [
    ("Konselor", "Konseli"),
    ("K", "KI"),
    ("K", "Ki"),
    ("Ko", "Ki"),
    ("Kr", "Kl"),
    ("Counselor", "Client"),
    ("Counsellor", "Client"),
    ("Therapist", "Client"),
    ("T", "C"),
    ("Co", "Cl"),
    ("C", "Cl"),
    ("Guru BK", "Siswa"),
    ("Konselor", "Klien"),
    ("Bu Rina", "Dimas"),
    ("Pak Budi", "Sinta"),
    ("KONSELOR", "KONSELI"),
    ("**Konselor**", "**Konseli**"),
]

DIALOGUE = [
    ("co", "Selamat pagi, silakan duduk. Apa yang ingin kamu bicarakan?"),
    ("cl", "Pagi, Bu. Saya bingung soal nilai."),
    ("co", "Bingung seperti apa?"),
    ("cl", "Nilai saya turun terus."),
    ("cl", "Orang tua saya marah."),
    ("co", "Kedengarannya kamu sedang tertekan."),
]


def _write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def _dialogue(co: str, cl: str) -> str:
    return "\n".join(f"{co if who == 'co' else cl}: {text}" for who, text in DIALOGUE) + "\n"


def _speakers(transcript: Transcript) -> list[str]:
    return [u.speaker for u in transcript.utterances]


EXPECTED_SPEAKERS = ["counselor" if who == "co" else "counselee" for who, _ in DIALOGUE]


# --- public API ------------------------------------------------------------------


def test_public_api_is_exported():
    assert set(parsers.__all__) >= {"parse_file", "parse_bytes", "parse_text", "detect_language"}
    for name in parsers.__all__:
        assert hasattr(parsers, name)


def test_parsers_do_not_import_django():
    code = (
        "import sys; import jalin.analysis.parsers, jalin.analysis.errors; "
        "sys.exit(1 if any(m == 'django' or m.startswith('django.') for m in sys.modules) else 0)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


# --- plain text --------------------------------------------------------------------


@pytest.mark.parametrize(("co", "cl"), PREFIX_STYLES)
def test_text_prefix_styles(tmp_path, co, cl):
    transcript = parse_file(_write(tmp_path, "sesi.txt", _dialogue(co, cl)))
    assert _speakers(transcript) == EXPECTED_SPEAKERS
    assert transcript.format == "text"
    assert transcript.language == "id"
    assert transcript.utterances[3].text == "Nilai saya turun terus."
    assert [u.index for u in transcript.utterances] == list(range(len(DIALOGUE)))
    assert [u.line for u in transcript.utterances] == list(range(1, len(DIALOGUE) + 1))
    # consecutive lines by the same speaker stay separate utterances
    assert transcript.utterances[4].text == "Orang tua saya marah."


@pytest.mark.parametrize(("co", "cl"), [("K1", "KI1"), ("Ko1", "Ki1"), ("K-1", "KI-1")])
def test_verbatim_numbered_prefixes(tmp_path, co, cl):
    lines = []
    for number, (who, text) in enumerate(DIALOGUE, start=1):
        prefix = (co if who == "co" else cl).replace("1", str(number))
        lines.append(f"{prefix}: {text}")
    transcript = parse_file(_write(tmp_path, "v.txt", "\n".join(lines)))
    assert _speakers(transcript) == EXPECTED_SPEAKERS
    assert transcript.utterances[0].speaker_name.startswith(co[:1])


@pytest.mark.parametrize(
    "numbering",
    [
        "{n}. {p}: {t}",
        "{n}) {p}: {t}",
        "{n} {p}: {t}",
        "[00:00:{n:02d}] {p}: {t}",
        "00:00:{n:02d} - {p}: {t}",
        "(10.{n:02d}) {p}: {t}",
        "{n}. [00:00:{n:02d}] {p}: {t}",
        "{p}: [00:00:{n:02d}] {t}",
    ],
)
def test_numbers_and_timestamps_are_not_text(tmp_path, numbering):
    lines = [
        numbering.format(n=n, p="Konselor" if who == "co" else "Konseli", t=text)
        for n, (who, text) in enumerate(DIALOGUE, start=1)
    ]
    transcript = parse_file(_write(tmp_path, "n.txt", "\n".join(lines)))
    assert _speakers(transcript) == EXPECTED_SPEAKERS
    assert [u.text for u in transcript.utterances] == [text for _, text in DIALOGUE]
    if "00:" in numbering or "10." in numbering:
        assert all(u.timestamp for u in transcript.utterances)
        assert transcript.utterances[1].timestamp in ("00:00:02", "10:02")
    else:
        assert all(u.timestamp is None for u in transcript.utterances)


def test_full_verbatim_fixture():
    transcript = parse_file(DATA / "verbatim_bk.txt")
    utterances = transcript.utterances
    assert len(utterances) == 14  # header block skipped, continuation merged
    assert utterances[0].text == "Selamat pagi, Dimas. Silakan duduk."
    assert utterances[0].line == 8
    assert transcript.counselor_name == "Bu Rina"
    assert [u.stage_hint for u in utterances[:7]] == ["awal"] * 7
    assert {u.stage_hint for u in utterances[7:11]} == {"inti"}
    assert {u.stage_hint for u in utterances[11:]} == {"akhir"}
    assert utterances[5].is_silence and utterances[5].text == "[diam]"
    assert utterances[8].text.endswith("(konseli menunduk, memainkan jari)")
    assert "[diam]" not in utterances[8].text and not utterances[8].is_silence
    assert transcript.language == "id"


@pytest.mark.parametrize(
    "heading,stage",
    [
        ("Tahap Awal", "awal"),
        ("TAHAP INTI", "inti"),
        ("Tahap Akhir", "akhir"),
        ("Initial stage", "awal"),
        ("Working stage", "inti"),
        ("Final stage", "akhir"),
        ("A. Tahap Awal", "awal"),
        ("II. Tahap Kerja", "inti"),
        ("Tahap Inti / Kerja", "inti"),
        ("Tahap awal (membangun hubungan)", "awal"),
        ("## Tahap Akhir", "akhir"),
        ("**TAHAP AKHIR**", "akhir"),
        ("Tahap Awal:", "awal"),
    ],
)
def test_stage_headings(heading, stage):
    transcript = parse_text(f"K: Halo.\nKI: Halo, Bu.\n{heading}\nK: Ceritakan.\nKI: Baik.")
    assert [u.stage_hint for u in transcript.utterances] == [None, None, stage, stage]
    assert all(heading.strip("#* :") not in u.text for u in transcript.utterances)


@pytest.mark.parametrize(
    "silence",
    ["[diam]", "(diam)", "(silence)", "[silence]", "...", "…", "(diam 5 detik)", "[Diam]", "......"],
)
def test_silences_are_normalised(silence):
    transcript = parse_text(f"Konselor: Bagaimana perasaanmu?\nKonseli: {silence}\nKonselor: Tidak apa-apa.")
    middle = transcript.utterances[1]
    assert middle.is_silence and middle.text == "[diam]" and middle.speaker == "counselee"
    assert not transcript.utterances[0].is_silence


def test_ellipsis_inside_text_is_not_silence():
    transcript = parse_text("K: Lalu...?\nKI: Ya... begitu.")
    assert not any(u.is_silence for u in transcript.utterances)
    assert transcript.utterances[1].text == "Ya... begitu."


def test_continuation_lines_and_blank_lines():
    transcript = parse_text("Konselor: Coba ceritakan\n\nlebih lanjut.\nKonseli: Saya\nbingung.\n\n")
    assert [u.text for u in transcript.utterances] == ["Coba ceritakan lebih lanjut.", "Saya bingung."]


def test_stray_label_inside_text_continues_the_utterance():
    transcript = parse_text("K: Apa yang terjadi?\nKI: Begini.\nIntinya: saya capek.\nK: Capek ya.")
    assert len(transcript.utterances) == 3
    assert transcript.utterances[1].text == "Begini. Intinya: saya capek."


def test_header_role_lines_are_not_utterances():
    text = "VERBATIM\nKonselor: Bu Rina\nKonseli: Dimas\nTanggal: 1 Mei\n\nBu Rina: Selamat pagi.\nDimas: Pagi Bu."
    transcript = parse_text(text)
    assert [u.speaker_name for u in transcript.utterances] == ["Bu Rina", "Dimas"]
    assert transcript.counselor_name == "Bu Rina"


def test_first_line_that_looks_like_a_name_is_still_dialogue():
    transcript = parse_text("Konseli: Pagi Bu\nKonselor: Pagi, silakan duduk.")
    assert _speakers(transcript) == ["counselee", "counselor"]


# --- who is the counselor? -----------------------------------------------------------

NAME_CASES = [
    # greets first, asks questions
    (
        "Rina: Selamat pagi Dimas, apa kabar?\nDimas: Baik.\nRina: Apa yang ingin kamu ceritakan?\nDimas: Tugas.",
        "Rina",
    ),
    # counselee speaks first but the counselor has the honorific and asks
    (
        "Dimas: Permisi.\nBu Rina: Silakan masuk. Ada apa?\nDimas: Saya mau cerita.\nBu Rina: Ceritakan saja.",
        "Bu Rina",
    ),
    # addressed as "Bu" by the other, talks about confidentiality
    (
        (
            "Sinta: Saya takut cerita.\nRina: Semua yang kamu ceritakan di sesi konseling ini rahasia.\n"
            "Sinta: Benar, Bu?\nRina: Benar."
        ),
        "Rina",
    ),
    (
        (
            "Kak Nisa: Hai, apa kabar? Ada yang mau diceritakan?\nBayu: Lagi galau aja kak.\n"
            "Kak Nisa: Galau kenapa?\nBayu: Putus."
        ),
        "Kak Nisa",
    ),
    (
        (
            "Alex: Good morning, what brings you here today?\nJordan: My teacher sent me.\n"
            "Alex: How do you feel about that?\nJordan: Annoyed."
        ),
        "Alex",
    ),
]


@pytest.mark.parametrize(("text", "counselor"), NAME_CASES)
def test_counselor_inferred_from_cues(text, counselor):
    transcript = parse_text(text)
    assert transcript.counselor_name == counselor
    for u in transcript.utterances:
        assert (u.speaker == "counselor") == (u.speaker_name == counselor)


@pytest.mark.parametrize("given", ["Dimas", "dimas", "DIMAS"])
def test_counselor_can_be_named(given):
    text = "Rina: Selamat pagi, apa kabar?\nDimas: Baik, Bu.\nRina: Ceritakan?\nDimas: Baik."
    transcript = parse_text(text, counselor=given)
    assert [u.speaker for u in transcript.utterances] == ["counselee", "counselor", "counselee", "counselor"]
    assert transcript.counselor_name == given


def test_counselor_name_matches_without_honorific():
    transcript = parse_text("Bu Rina: Halo.\nDimas: Halo.", counselor="Rina")
    assert _speakers(transcript) == ["counselor", "counselee"]


def test_role_prefix_with_one_named_speaker():
    transcript = parse_text("Dimas: Permisi, Bu.\nKonselor: Silakan masuk.\nDimas: Terima kasih.")
    assert _speakers(transcript) == ["counselee", "counselor", "counselee"]


def test_counselor_name_with_role_prefixes_is_kept():
    transcript = parse_text("K: Halo.\nKI: Halo.", counselor="Bu Rina")
    assert transcript.counselor_name == "Bu Rina"
    assert _speakers(transcript) == ["counselor", "counselee"]


def test_names_from_english_fixture():
    transcript = parse_file(DATA / "names_en.txt")
    assert transcript.counselor_name == "Ms Carter"
    assert transcript.language == "en"
    assert transcript.utterances[-1].is_silence
    assert len(transcript.utterances) == 8


# --- captions ---------------------------------------------------------------------------


def test_vtt_voice_tags():
    transcript = parse_file(DATA / "meeting.vtt")
    assert transcript.format == "vtt"
    assert [u.speaker for u in transcript.utterances] == ["counselor", "counselee", "counselee", "counselor"]
    assert [u.timestamp for u in transcript.utterances] == ["00:00:01", "00:00:04", "00:00:06", "00:00:09"]
    assert transcript.utterances[2].text == "Tapi agak capek."
    assert transcript.counselor_name == "Rina Wulandari"


def test_srt_name_colon():
    transcript = parse_file(DATA / "zoom.srt")
    assert transcript.format == "srt"
    assert [u.speaker for u in transcript.utterances] == ["counselor", "counselee", "counselee", "counselor"]
    assert transcript.utterances[1].text == "Sore, Pak."
    assert transcript.utterances[3].timestamp == "00:00:08"


def test_vtt_without_hours_and_zoom_style(tmp_path):
    content = (
        "WEBVTT\n\n00:01.000 --> 00:03.000\nBu Rina: Halo Dimas, apa kabar?\n\n"
        "00:03.500 --> 00:05.000\nDimas: Baik Bu.\n\n00:05.500 --> 00:07.000\nsaya baik saja.\n"
    )
    transcript = parse_file(_write(tmp_path, "zoom.vtt", content))
    assert [u.text for u in transcript.utterances] == ["Halo Dimas, apa kabar?", "Baik Bu. saya baik saja."]
    assert transcript.utterances[0].timestamp == "00:00:01"


def test_vtt_saved_as_txt_is_sniffed(tmp_path):
    content = (DATA / "meeting.vtt").read_text(encoding="utf-8")
    transcript = parse_file(_write(tmp_path, "rekaman.txt", content))
    assert transcript.format == "vtt"


# --- records ------------------------------------------------------------------------------


def test_csv_dataset():
    transcript = parse_file(DATA / "dataset.csv")
    assert transcript.format == "csv"
    assert _speakers(transcript) == ["counselor", "counselee", "counselor", "counselee"]
    assert transcript.utterances[0].student_label == "open_question"
    assert transcript.utterances[1].student_label is None
    assert transcript.utterances[3].is_silence
    assert transcript.utterances[1].line == 3
    assert transcript.language == "en"


def test_jsonl_dataset():
    transcript = parse_file(DATA / "dataset.jsonl")
    assert transcript.format == "jsonl"
    assert _speakers(transcript) == ["counselor", "counselee", "counselor", "counselee"]
    assert transcript.utterances[2].student_label == "refleksi perasaan"
    assert transcript.utterances[2].line == 4
    assert transcript.has_student_labels


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_csv_delimiters_and_column_names(tmp_path, delimiter):
    rows = [
        ["Speaker", "Utterance", "Technique"],
        ["Konselor", "Apa kabar?", "bertanya terbuka"],
        ["Konseli", "Baik, Bu.", ""],
    ]
    content = "\n".join(delimiter.join(row) for row in rows)
    transcript = parse_file(_write(tmp_path, "d.csv", content))
    assert _speakers(transcript) == ["counselor", "counselee"]
    assert transcript.utterances[0].student_label == "bertanya terbuka"


def test_json_array(tmp_path):
    content = '[{"interlocutor": "therapist", "utterance": "Hi there."}, {"interlocutor": "client", "utterance": "Hi."}]'
    transcript = parse_file(_write(tmp_path, "d.json", content))
    assert _speakers(transcript) == ["counselor", "counselee"]


def test_pasted_csv_is_sniffed():
    transcript = parse_text("speaker,text\ncounselor,Hello.\nclient,Hi.\n")
    assert transcript.format == "csv"


# --- encodings -------------------------------------------------------------------------------

ENCODED = "Konselor: Selamat pagi, Andrés — apa kabar?\nKonseli: Baik, Bu. Café tadi ramai.\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "cp1252"])
def test_encodings(tmp_path, encoding):
    transcript = parse_file(_write(tmp_path, "e.txt", ENCODED.encode(encoding)))
    assert transcript.utterances[0].text == "Selamat pagi, Andrés — apa kabar?"
    assert transcript.utterances[1].text == "Baik, Bu. Café tadi ramai."


def test_parse_bytes_and_windows_newlines():
    transcript = parse_bytes(b"K: Halo.\r\nKI: Halo.\r\n", "upload/sesi.txt")
    assert transcript.source == "sesi.txt"
    assert [u.text for u in transcript.utterances] == ["Halo.", "Halo."]


def test_format_override():
    transcript = parse_bytes(b"speaker;text\nK;Halo\nKI;Hai", "data.dat", fmt="csv")
    assert transcript.format == "csv"


def test_csv_stage_and_time_columns(tmp_path):
    content = "tahap,waktu,pembicara,pernyataan\nawal,00:00:05,K,Halo.\nawal,00:00:09,KI,Hai.\nkerja,0:01:10,K,Ceritakan.\n"
    transcript = parse_file(_write(tmp_path, "s.csv", content))
    assert [u.stage_hint for u in transcript.utterances] == ["awal", "awal", "inti"]
    assert [u.timestamp for u in transcript.utterances] == ["00:00:05", "00:00:09", "00:01:10"]


@pytest.mark.parametrize(
    ("text", "names", "texts"),
    [
        ("Konselor : Halo Dimas.\nKONSELI : Halo Bu.", ["Konselor", "KONSELI"], ["Halo Dimas.", "Halo Bu."]),
        ("K：Halo.\nKI：Hai.", ["K", "KI"], ["Halo.", "Hai."]),
        ("- K: Halo.\n- KI: Hai.", ["K", "KI"], ["Halo.", "Hai."]),
        (
            "Konselor (K): Halo.\nKonseli (Dimas): Hai.",
            ["Konselor (K)", "Konseli (Dimas)"],
            ["Halo.", "Hai."],
        ),
        ("Counselor Jane: Hi.\nStudent Tom: Fine.", ["Counselor Jane", "Student Tom"], ["Hi.", "Fine."]),
        ("K: Lihat https://contoh.id ya.\nKI: Oke.", ["K", "KI"], ["Lihat https://contoh.id ya.", "Oke."]),
        ("K: Kita mulai jam 10:30 ya.\nKI: Baik.", ["K", "KI"], ["Kita mulai jam 10:30 ya.", "Baik."]),
        ("VERBATIM\nDialog:\nK: Halo\nKI: Hai", ["K", "KI"], ["Halo", "Hai"]),
    ],
)
def test_written_variants(text, names, texts):
    transcript = parse_text(text)
    assert [u.speaker_name for u in transcript.utterances] == names
    assert [u.text for u in transcript.utterances] == texts
    assert _speakers(transcript) == ["counselor", "counselee"]


def test_identity_lines_naming_roles_give_the_counselor():
    text = "Nama Konselor: Bu Rina\nNama Konseli: Dimas\n\nDimas: Permisi.\nBu Rina: Silakan duduk."
    transcript = parse_text(text)
    assert [u.speaker_name for u in transcript.utterances] == ["Dimas", "Bu Rina"]
    assert _speakers(transcript) == ["counselee", "counselor"]
    assert transcript.counselor_name == "Bu Rina"


def test_teams_vtt_with_role_in_name(tmp_path):
    content = (
        "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v Rina Wulandari (Guru BK)>Halo.\n\n"
        "00:00:03.000 --> 00:00:04.000\n<v Dimas Pratama>Hai.\n"
    )
    transcript = parse_file(_write(tmp_path, "teams.vtt", content))
    assert _speakers(transcript) == ["counselor", "counselee"]
