"""Transcripts as real tools export them: WhatsApp chats, generic speaker labels, role mapping.

The fixtures in ``data/exports/`` were written by hand after the formats each tool
produces (see ``data/exports/README.md`` for the source of each format).
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from jalin.analysis.errors import InputError
from jalin.analysis.parsers import parse_bytes, parse_file, parse_text, read_speaker_roles
from jalin.analysis.parsers.whatsapp import MERGE_GAP

EXPORTS = Path(__file__).parent / "data" / "exports"


def _said(transcript):
    return [(u.speaker, u.speaker_name, u.timestamp) for u in transcript.utterances]


# (file, format, counselor label, counselee label, utterances, first timestamps, skipped)
CASES = [
    ("whatsapp_android_id.txt", "whatsapp", "Kak Dina", "Rara", 6, ["10:15", "10:17", "10:20"],
     {"system": 1, "media": 1, "deleted": 1}),
    ("whatsapp_android_en_us.txt", "whatsapp", "Ms. Dina", "Rara", 4, ["10:15", "10:17", "12:02"],
     {"system": 1, "media": 1, "deleted": 1}),
    ("whatsapp_iphone_id.txt", "whatsapp", "Kak Dina", "Rara", 5, ["10:15:32", "10:17:05", "10:20:09"],
     {"system": 1, "media": 1}),
    ("whatsapp_iphone_en.txt", "whatsapp", "Dina", "Rara", 4, ["10:15:32", "10:17:05", "13:20:09"],
     {"system": 1, "media": 1}),
    ("zoom_generic_speakers.vtt", "vtt", "Speaker 1", "Speaker 2", 4, ["00:00:03", "00:00:08", "00:00:13"], {}),
    ("asr_pembicara.txt", "text", "Pembicara 1", "Pembicara 2", 4, [None, None, None], {}),
    ("diarization_speaker_00.txt", "text", "SPEAKER_00", "SPEAKER_01", 4, ["00:00:02", "00:00:06", "00:00:11"], {}),
    ("otter_blocks.txt", "text", "Speaker 1", "Speaker 2", 4, ["00:03", "00:10", "00:16"], {}),
    ("meet_transcript.txt", "text", "Dina Pratiwi", "Rara Anindita", 4, ["00:00:00", None, None], {}),
    ("teams_transcript.txt", "text", "Dina Pratiwi", "Rara Anindita", 4, ["00:03", "00:10", "00:16"], {}),
]


@pytest.mark.parametrize(("name", "fmt", "counselor", "counselee", "count", "stamps", "skipped"), CASES)
def test_export_parses_to_expected_speakers_and_times(name, fmt, counselor, counselee, count, stamps, skipped):
    transcript = parse_file(EXPORTS / name)
    assert transcript.format == fmt
    assert len(transcript.utterances) == count
    assert transcript.speaker_roles == {counselor: "counselor", counselee: "counselee"}
    assert transcript.counselor_name == counselor
    assert transcript.roles_guessed  # neither label says the role: the guess is reported
    assert [u.timestamp for u in transcript.utterances[:3]] == stamps
    assert transcript.skipped == skipped
    speakers = [u.speaker for u in transcript.utterances]
    assert speakers[0] == "counselor" and "counselee" in speakers
    for utterance in transcript.utterances:
        # a timestamp is never utterance text
        assert not utterance.text[:8].replace(":", "").isdigit()


def test_whatsapp_android_keeps_emoji_multiline_and_message_times():
    transcript = parse_file(EXPORTS / "whatsapp_android_id.txt")
    first, second = transcript.utterances[0], transcript.utterances[1]
    assert first.text.startswith("Halo Rara, selamat pagi 😊 Sesuai janji kita")  # two messages, one minute
    assert first.sent_at == "2026-12-04T10:15:00" and first.line == 2
    # "Pagi kak" (10.17) and the two-line message (10.18) are one utterance; media is not text
    assert second.text == (
        "Pagi kak Aku lagi bingung soal jurusan kuliah. Orang tuaku maunya kedokteran, aku maunya desain."
    )
    # 10.21 and 10.26 are five minutes apart: two utterances, though the same sender
    assert [u.timestamp for u in transcript.utterances[3:5]] == ["10:21", "10:26"]


def test_whatsapp_iphone_crosses_midnight_with_dates():
    transcript = parse_file(EXPORTS / "whatsapp_iphone_id.txt")
    assert transcript.utterances[-1].sent_at == "2026-12-05T08:02:13"
    assert transcript.utterances[2].text == "Jadi kamu merasa terjepit, ya? Antara keinginanmu dan harapan orang tua."


def test_whatsapp_12_hour_clock_and_edited_marker():
    transcript = parse_file(EXPORTS / "whatsapp_android_en_us.txt")
    assert transcript.utterances[2].sent_at == "2026-12-04T12:02:00"
    assert transcript.utterances[-1].text == "yes exactly"  # "<This message was edited>" dropped


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_whatsapp_zip_reads_the_chat_and_ignores_media():
    chat = (EXPORTS / "whatsapp_iphone_id.txt").read_bytes()
    data = _zip({"00000012-PHOTO-2026-12-04-10-18-11.jpg": b"\xff\xd8\xff" + b"\0" * 100, "_chat.txt": chat})
    from_zip = parse_bytes(data, "WhatsApp Chat - Rara.zip")
    from_txt = parse_bytes(chat, "_chat.txt")
    assert from_zip.format == "whatsapp"
    assert [(u.speaker, u.text, u.sent_at) for u in from_zip.utterances] == [
        (u.speaker, u.text, u.sent_at) for u in from_txt.utterances
    ]


def test_zip_without_chat_is_refused():
    data = _zip({"IMG-20261204-WA0001.jpg": b"\xff\xd8\xff" + b"\0" * 10})
    with pytest.raises(InputError) as info:
        parse_bytes(data, "ekspor.zip")
    assert info.value.message_id == "zip_without_chat"
    assert "WhatsApp" in info.value.message("id") and "Export chat" in info.value.message("en")


def test_damaged_zip_is_refused():
    with pytest.raises(InputError) as info:
        parse_bytes(b"PK\x03\x04" + b"\x00garbage" * 20, "ekspor.zip")
    assert info.value.message_id == "zip_corrupt"


def test_large_zip_asks_for_export_without_media():
    with pytest.raises(InputError) as info:
        parse_bytes(b"PK\x03\x04" + b"\0" * (5 * 2**20 + 1), "WhatsApp Chat.zip")
    assert info.value.message_id == "zip_too_large"
    assert "Tanpa media" in info.value.message("id") and "Without media" in info.value.message("en")


def test_chat_with_one_speaker_is_refused():
    chat = "04/12/26 10.15 - Kak Dina: Halo\n04/12/26 10.30 - Kak Dina: Ada yang bisa dibantu?\n"
    with pytest.raises(InputError) as info:
        parse_text(chat, source="chat.txt")
    assert info.value.message_id == "one_speaker"
    assert "Kak Dina" in info.value.message("en")


def test_chat_with_three_hundred_speakers_is_refused_with_the_role_hint():
    lines = [f"04/12/26 10.{i % 60:02d} - Anggota {i}: halo semua" for i in range(300)]
    with pytest.raises(InputError) as info:
        parse_text("\n".join(lines), source="grup.txt")
    assert info.value.message_id == "too_many_speakers"
    assert "other" in info.value.message("en") and "lain" in info.value.message("id")


def test_chat_in_unknown_date_style_names_the_line():
    chat = "04/12/26 10.15 - Kak Dina: Halo\n13/13/26 10.16 - Rara: Hai\n"
    with pytest.raises(InputError) as info:
        parse_text(chat, source="chat.txt")
    assert info.value.message_id == "chat_date_style"
    assert info.value.line == 2
    assert "baris 2" in info.value.message("id") and "line 2" in info.value.message("en")


@pytest.mark.parametrize(
    ("gap_seconds", "utterances"),
    [(0, 2), (MERGE_GAP.total_seconds(), 2), (MERGE_GAP.total_seconds() + 1, 3)],
)
def test_merge_rule_joins_one_senders_burst_within_the_gap(gap_seconds, utterances):
    from datetime import datetime, timedelta

    start = datetime(2026, 12, 4, 10, 15, 0)
    second = start + timedelta(seconds=gap_seconds)
    chat = (
        f"[{start:%d/%m/%y %H.%M.%S}] Kak Dina: Selamat pagi, apa kabar?\n"
        f"[{second:%d/%m/%y %H.%M.%S}] Kak Dina: Ada yang ingin diceritakan?\n"
        f"[{second + timedelta(minutes=1):%d/%m/%y %H.%M.%S}] Rara: Ada kak\n"
    )
    transcript = parse_text(chat, source="chat.txt")
    assert len(transcript.utterances) == utterances


def test_day_month_order_follows_the_dates_in_the_file():
    # 12/4 and 13/4: only d/m/y fits, so 12/4 is the 12th of April
    chat = "12/04/26 10.15 - Kak Dina: Halo, apa kabar?\n13/04/26 10.16 - Rara: Baik kak\n"
    transcript = parse_text(chat, source="chat.txt")
    assert [u.sent_at[:10] for u in transcript.utterances] == ["2026-04-12", "2026-04-13"]
    # 4/12 and 4/13 with AM/PM: m/d/y
    chat = "4/12/26, 10:15 AM - Dina: Hi, how are you?\n4/13/26, 10:16 AM - Rara: fine\n"
    transcript = parse_text(chat, source="chat.txt")
    assert [u.sent_at[:10] for u in transcript.utterances] == ["2026-04-12", "2026-04-13"]


# --- roles ------------------------------------------------------------------------------
def test_counselor_option_swaps_a_wrong_guess():
    transcript = parse_file(EXPORTS / "zoom_generic_speakers.vtt", counselor="Speaker 2")
    assert transcript.speaker_roles == {"Speaker 1": "counselee", "Speaker 2": "counselor"}
    assert not transcript.roles_guessed


def test_speaker_map_puts_a_parent_in_other(tmp_path):
    text = (EXPORTS / "family_three_speakers.txt").read_text("utf-8")
    with pytest.raises(InputError) as info:
        parse_text(text, source="keluarga.txt")
    assert info.value.message_id == "too_many_speakers"
    roles = read_speaker_roles("Bu Sari = konselor\nRara = konseli\nIbu Rara = lain\n", "peran.txt")
    transcript = parse_text(text, source="keluarga.txt", roles=roles)
    assert [u.speaker_name for u in transcript.utterances] == ["Bu Sari", "Rara", "Bu Sari", "Rara", "Bu Sari"]
    assert [(u.speaker_name, u.line) for u in transcript.others] == [("Ibu Rara", 3), ("Ibu Rara", 6)]
    assert transcript.speaker_roles["Ibu Rara"] == "other"
    # naming the two roles is enough: whoever else speaks is "other"
    transcript = parse_text(text, source="keluarga.txt", roles={"Bu Sari": "counselor", "Rara": "counselee"})
    assert len(transcript.others) == 2


@pytest.mark.parametrize(
    ("content", "line"),
    [("Bu Sari = guru piket\n", 1), ("Bu Sari konselor\n", 1), ('{"Bu Sari": "boss"}', None)],
)
def test_bad_speaker_list_names_the_line(content, line):
    with pytest.raises(InputError) as info:
        read_speaker_roles(content, "peran.txt")
    assert info.value.message_id == "speakers_file"
    assert info.value.line == line


def test_speaker_map_with_an_unknown_name_is_refused():
    text = (EXPORTS / "asr_pembicara.txt").read_text("utf-8")
    with pytest.raises(InputError) as info:
        parse_text(text, roles={"Pembicara 3": "counselor"})
    assert info.value.message_id == "speaker_not_found"
    assert "Pembicara 1" in info.value.message("en")


def _docx_from_paragraphs(paragraphs: list[str]) -> bytes:
    import docx

    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("name", ["teams_transcript.txt", "meet_transcript.txt"])
def test_teams_and_meet_docx_downloads_read_like_their_text(name):
    """Teams and Google Docs write one paragraph per line of the .txt download."""
    text = (EXPORTS / name).read_text("utf-8")
    from_docx = parse_bytes(_docx_from_paragraphs(text.splitlines()), name.replace(".txt", ".docx"))
    from_txt = parse_text(text, source=name)
    assert from_docx.format == "docx"
    assert _said(from_docx) == _said(from_txt)
    assert [u.text for u in from_docx.utterances] == [u.text for u in from_txt.utterances]


def test_docx_table_cell_over_the_character_limit_names_the_row():
    import docx

    document = docx.Document()
    table = document.add_table(rows=3, cols=3)
    for c, value in enumerate(["No", "Konselor", "Konseli"]):
        table.cell(0, c).text = value
    for c, value in enumerate(["1", "Selamat pagi.", "Pagi Bu."]):
        table.cell(1, c).text = value
    for c, value in enumerate(["2", "Apa kabar?", "baik " * 3000]):
        table.cell(2, c).text = value
    buffer = io.BytesIO()
    document.save(buffer)
    with pytest.raises(InputError) as info:
        parse_bytes(buffer.getvalue(), "verbatim.docx")
    assert info.value.message_id == "utterance_too_long"
    assert info.value.line == 3


def test_chat_timing_gives_session_length_and_median_replies():
    from jalin.analysis.timing import chat_timing

    transcript = parse_file(EXPORTS / "whatsapp_android_id.txt")
    # 10.15-10.27; Rara replies 10.15->10.17 (2 min), 10.20->10.21 (1 min); Kak Dina 10.18->10.20, 10.26->10.27
    assert chat_timing(transcript.utterances) == {
        "minutes": 12, "counselor_reply_seconds": 90, "counselee_reply_seconds": 90, "longest_wait_minutes": 2}
    assert chat_timing(parse_file(EXPORTS / "asr_pembicara.txt").utterances) is None
    second = transcript.utterances[1]
    assert (second.sent_at, second.sent_until) == ("2026-12-04T10:17:00", "2026-12-04T10:18:00")


def test_reflections_mark_the_counselor_when_names_do_not():
    text = ("Rara: Aku capek banget.\nDina: Jadi kamu merasa lelah.\nRara: Iya.\n"
            "Dina: Sepertinya kamu ingin istirahat sebentar.\n")
    transcript = parse_text(text, source="chat.txt")
    assert transcript.speaker_roles == {"Rara": "counselee", "Dina": "counselor"}
    assert transcript.roles_guessed


def test_only_the_exact_placeholders_are_skipped():
    chat = ("04/12/26 10.15 - Kak Dina: Halo, apa kabar?\n04/12/26 10.16 - Rara: null\n"
            "04/12/26 10.17 - Rara: nuLL\n04/12/26 10.18 - Kak Dina: Gambar tidak disertakan ya?\n")
    transcript = parse_text(chat, source="chat.txt")
    assert transcript.skipped == {"media": 1}
    assert [u.text for u in transcript.utterances] == ["Halo, apa kabar?", "nuLL", "Gambar tidak disertakan ya?"]
