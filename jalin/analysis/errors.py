"""Errors of the session-analysis engine, with their user-facing messages.

Every problem a user can cause (a bad file, a transcript we cannot read) is an
``InputError`` whose message names the file, the line or column and what was
expected, in Bahasa Indonesia (default) or English.  The web layer and the CLI
show ``e.message(lang)``; nothing user-caused should ever reach them as a
traceback.  Messages live in one catalog so translators and tests see them all.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = ["LANGUAGES", "MESSAGES", "AnalysisError", "InputError", "ModelError"]

LANGUAGES = ("id", "en")

# message_id -> {lang: template}.  Templates use str.format fields filled from the
# error's params; list params are shown as "'a', 'b'".  Each template says what
# went wrong and what was expected, so the user can fix the file alone.
MESSAGES: dict[str, dict[str, str]] = {
    # --- reading the file ------------------------------------------------------
    "file_not_found": {
        "id": "berkas tidak ditemukan atau tidak dapat dibuka.",
        "en": "the file was not found or cannot be opened.",
    },
    "empty_file": {
        "id": "berkas kosong. Yang diharapkan: transkrip percakapan konselor dan konseli.",
        "en": "the file is empty. Expected: a transcript of a counselor–counselee conversation.",
    },
    "too_large": {
        "id": "berkas terlalu besar ({size_mb} MB). Batasnya {limit_mb} MB; bagi transkrip per sesi.",
        "en": "the file is too large ({size_mb} MB). The limit is {limit_mb} MB; split the transcript by session.",
    },
    "encoding": {
        "id": "teks tidak dapat dibaca (pengodean tidak dikenali). Simpan ulang berkas sebagai teks UTF-8.",
        "en": "the text cannot be read (unknown character encoding). Save the file again as UTF-8 text.",
    },
    "binary": {
        "id": "berkas ini bukan teks melainkan data biner{kind}. "
        "Yang diharapkan: .txt, .docx, .vtt, .srt, .csv atau .jsonl.",
        "en": "this file is binary data{kind}, not text. Expected: .txt, .docx, .vtt, .srt, .csv or .jsonl.",
    },
    "unsupported_format": {
        "id": "format '{fmt}' tidak didukung. Format yang didukung: {expected}.",
        "en": "format '{fmt}' is not supported. Supported formats: {expected}.",
    },
    "legacy_doc": {
        "id": "berkas Word lama (.doc) tidak didukung. Buka di Word lalu simpan sebagai .docx.",
        "en": "old Word files (.doc) are not supported. Open it in Word and save it as .docx.",
    },
    "not_docx": {
        "id": "berkas bernama .docx tetapi isinya bukan dokumen Word (.docx). "
        "Simpan ulang dari Word sebagai .docx, atau unggah sebagai .txt.",
        "en": "the file is named .docx but is not a Word (.docx) document. "
        "Save it again from Word as .docx, or upload it as .txt.",
    },
    "docx_corrupt": {
        "id": "dokumen Word rusak atau tidak lengkap ({detail}). Simpan ulang dari Word sebagai .docx.",
        "en": "the Word document is damaged or incomplete ({detail}). Save it again from Word as .docx.",
    },
    # --- structure -------------------------------------------------------------
    "no_dialogue": {
        "id": "tidak ada baris percakapan yang dikenali. Yang diharapkan: satu ujaran per baris "
        "dengan nama pembicara di depan, misalnya 'Konselor: ...' dan 'Konseli: ...' "
        "(atau 'K:'/'KI:', 'Counselor:'/'Client:', 'Bu Rina:'/'Dimas:').",
        "en": "no conversation lines were recognised. Expected: one utterance per line starting with "
        "the speaker, e.g. 'Counselor: ...' and 'Client: ...' "
        "(or 'Konselor:'/'Konseli:', 'K:'/'KI:', 'Ms Rina:'/'Dimas:').",
    },
    "one_speaker": {
        "id": "hanya ada satu pembicara ({speaker}). Yang diharapkan: ujaran "
        "konselor dan konseli; periksa bahwa setiap baris diawali nama pembicara.",
        "en": "there is only one speaker ({speaker}). Expected: utterances by both the "
        "counselor and the counselee; check that every line starts with the speaker.",
    },
    "too_many_speakers": {
        "id": "ada lebih dari dua pembicara ({speakers}). Yang diharapkan: satu konselor dan satu "
        "konseli (konseling individual); tandai peran setiap pembicara (konselor, konseli atau lain) "
        "bila ada orang lain, misalnya orang tua.",
        "en": "there are more than two speakers ({speakers}). Expected: one counselor and one "
        "counselee (individual counseling); mark each speaker's role (counselor, counselee or other) "
        "when someone else took part, e.g. a parent.",
    },
    "unknown_speaker": {
        "id": "pembicara '{speaker}' tidak dikenali. Yang diharapkan: {expected}.",
        "en": "speaker '{speaker}' is not recognised. Expected: {expected}.",
    },
    "ambiguous_speakers": {
        "id": "tidak dapat menentukan siapa konselor antara {speakers}. "
        "Sebutkan nama konselor (misalnya counselor=\"{first}\") atau tulis 'Konselor:'/'Konseli:'.",
        "en": "cannot tell which of {speakers} is the counselor. "
        "Name the counselor (e.g. counselor=\"{first}\") or write 'Counselor:'/'Client:'.",
    },
    "same_role": {
        "id": "semua pembicara ({speakers}) tampak sebagai {role_id}. Yang diharapkan: satu konselor "
        "dan satu konseli.",
        "en": "all speakers ({speakers}) look like the {role_en}. Expected: one counselor and one counselee.",
    },
    "counselor_not_found": {
        "id": "konselor '{counselor}' tidak ada di transkrip. Pembicara yang ditemukan: {speakers}.",
        "en": "counselor '{counselor}' is not in the transcript. Speakers found: {speakers}.",
    },
    "unattributed_line": {
        "id": "ujaran tanpa pembicara. Yang diharapkan: nama pembicara ({expected}).",
        "en": "utterance without a speaker. Expected: the speaker ({expected}).",
    },
    # --- tables and records ------------------------------------------------------
    "bad_columns": {
        "id": "kolom tidak dikenali. Kolom yang ditemukan: {found}. Yang diharapkan: {expected}.",
        "en": "columns not recognised. Columns found: {found}. Expected: {expected}.",
    },
    "bad_json": {
        "id": "bukan JSON yang sah ({detail}). Yang diharapkan: satu objek JSON per baris, "
        'misalnya {{"speaker": "counselor", "text": "..."}}.',
        "en": "not valid JSON ({detail}). Expected: one JSON object per line, "
        'e.g. {{"speaker": "counselor", "text": "..."}}.',
    },
    "json_too_deep": {
        "id": "JSON bersarang terlalu dalam. Yang diharapkan: satu objek JSON datar per baris, "
        'misalnya {{"speaker": "counselor", "text": "..."}}.',
        "en": "the JSON is nested too deeply. Expected: one flat JSON object per line, "
        'e.g. {{"speaker": "counselor", "text": "..."}}.',
    },
    "bad_csv": {
        "id": "CSV tidak dapat dibaca ({detail}). Yang diharapkan: baris judul kolom lalu satu ujaran "
        "per baris.",
        "en": "the CSV cannot be read ({detail}). Expected: a header row, then one utterance per row.",
    },
    "multiple_conversations": {
        "id": "berkas berisi {count} percakapan. Yang diharapkan: satu sesi per berkas.",
        "en": "the file holds {count} conversations. Expected: one session per file.",
    },
    # --- limits (enforced while reading) ----------------------------------------
    "too_many_utterances": {
        "id": "transkrip terlalu panjang: lebih dari {limit} ujaran. Batasnya {limit} ujaran per transkrip; "
        "bagi transkrip per sesi.",
        "en": "the transcript is too long: more than {limit} utterances. The limit is {limit} utterances per "
        "transcript; split it by session.",
    },
    "utterance_too_long": {
        "id": "ujaran terlalu panjang ({chars} karakter atau lebih). Batasnya {limit} karakter per ujaran; "
        "periksa apakah pemisah baris hilang sehingga banyak ujaran tergabung menjadi satu.",
        "en": "an utterance is too long ({chars} characters or more). The limit is {limit} characters per "
        "utterance; check whether line breaks were lost so that many utterances ran together.",
    },
    "too_many_lines": {
        "id": "berkas terlalu panjang: lebih dari {limit} baris, paragraf atau sel tabel. "
        "Yang diharapkan: transkrip satu sesi konseling.",
        "en": "the file is too long: more than {limit} lines, paragraphs or table cells. "
        "Expected: the transcript of one counseling session.",
    },
    # --- chat exports ------------------------------------------------------------
    "chat_date_style": {
        "id": "tanggal atau jam pesan tidak dikenali. Yang diharapkan: ekspor chat WhatsApp, misalnya "
        "'04/12/26 10.15 - Nama: pesan' atau '[04/12/26 10.15.32] Nama: pesan'.",
        "en": "the message date or time is not recognised. Expected: a WhatsApp chat export, e.g. "
        "'12/4/26, 10:15 AM - Name: message' or '[12/4/26, 10:15:32 AM] Name: message'.",
    },
    "zip_without_chat": {
        "id": "berkas .zip ini tidak berisi chat (berkas .txt). Yang diharapkan: berkas .zip dari "
        "'Ekspor chat' WhatsApp, atau berkas .txt di dalamnya.",
        "en": "this .zip file holds no chat (.txt file). Expected: the .zip made by WhatsApp's "
        "'Export chat', or the .txt file inside it.",
    },
    "zip_corrupt": {
        "id": "berkas .zip rusak atau tidak lengkap. Ekspor ulang chat dari WhatsApp.",
        "en": "the .zip file is damaged or incomplete. Export the chat again from WhatsApp.",
    },
    "zip_too_large": {
        "id": "berkas .zip terlalu besar ({size_mb} MB; batasnya {limit_mb} MB). Ekspor ulang chat dari "
        "WhatsApp dengan pilihan 'Tanpa media'.",
        "en": "the .zip file is too large ({size_mb} MB; the limit is {limit_mb} MB). Export the chat again "
        "from WhatsApp choosing 'Without media'.",
    },
    "speaker_not_found": {
        "id": "pembicara '{speaker}' tidak ada di transkrip. Pembicara yang ditemukan: {speakers}.",
        "en": "speaker '{speaker}' is not in the transcript. Speakers found: {speakers}.",
    },
    "speakers_file": {
        "id": "daftar peran pembicara tidak dapat dibaca ({detail}). Yang diharapkan: satu baris per "
        "pembicara, 'Nama = konselor', 'Nama = konseli' atau 'Nama = lain'.",
        "en": "the speaker role list cannot be read ({detail}). Expected: one line per speaker, "
        "'Name = counselor', 'Name = counselee' or 'Name = other'.",
    },
    # --- model files (raised by the model loader) -------------------------------
    "model_missing": {
        "id": "berkas model tidak ditemukan. Jalankan pelatihan model atau pasang ulang paket.",
        "en": "the model file was not found. Train the model or reinstall the package.",
    },
    "model_corrupt": {
        "id": "berkas model rusak atau tidak dapat dibaca ({detail}). Latih ulang model.",
        "en": "the model file is damaged or unreadable ({detail}). Train the model again.",
    },
    "model_version": {
        "id": "versi model ({found}) tidak cocok dengan versi yang diharapkan ({expected}). Latih ulang model.",
        "en": "the model version ({found}) does not match the expected version ({expected}). "
        "Train the model again.",
    },
}

# Location phrases: "Berkas 'x.txt', baris 3, kolom 'Teknik'".
_LOCATION = {
    "id": {"file": "Berkas '{}'", "table": "tabel {}", "line": "baris {}", "column": "kolom '{}'"},
    "en": {"file": "File '{}'", "table": "table {}", "line": "line {}", "column": "column '{}'"},
}


class _Params(dict):
    """format_map mapping that never raises: an error must always produce its message."""

    def __missing__(self, key: str) -> str:
        return "?"


def _show(value: Any) -> Any:
    if isinstance(value, (list, tuple, set, frozenset)):
        return ", ".join(f"'{v}'" for v in value) or "-"
    return value


class AnalysisError(Exception):
    """Base of every error the analysis engine raises on purpose."""

    message_id: str
    params: dict[str, Any]

    def __init__(self, message_id: str, **params: Any) -> None:
        if message_id not in MESSAGES:
            # A typo in an id is a programming error; catch it where it is made.
            raise ValueError(f"unknown message id {message_id!r}")
        self.message_id = message_id
        self.params = params
        super().__init__(message_id)

    def _detail(self, lang: str) -> str:
        catalog = MESSAGES[self.message_id]
        template = catalog.get(lang) or catalog["id"]
        return template.format_map(_Params({k: _show(v) for k, v in self.params.items()}))

    def _location(self, lang: str) -> Iterable[str]:
        return ()

    def message(self, lang: str = "id") -> str:
        """The full message in ``lang`` ("id" or "en"; anything else falls back to "id")."""
        lang = lang if lang in LANGUAGES else "id"
        location = ", ".join(self._location(lang))
        detail = self._detail(lang)
        return f"{location}: {detail}" if location else detail[:1].upper() + detail[1:]

    def to_dict(self, lang: str = "id") -> dict[str, Any]:
        """JSON-ready form for APIs: stable id, the message, and the parameters."""
        return {"error": self.message_id, "message": self.message(lang), **self._plain_params()}

    def _plain_params(self) -> dict[str, Any]:
        return {k: (list(v) if isinstance(v, (tuple, set, frozenset)) else v) for k, v in self.params.items()}

    def __str__(self) -> str:
        return self.message("id")


class InputError(AnalysisError):
    """The input transcript cannot be read; says where and what was expected."""

    def __init__(
        self,
        source: str,
        message_id: str,
        line: int | None = None,
        column: str | None = None,
        **params: Any,
    ) -> None:
        self.source = source
        self.line = line
        self.column = column
        super().__init__(message_id, **params)

    def _location(self, lang: str) -> Iterable[str]:
        words = _LOCATION[lang]
        yield words["file"].format(self.source)
        if self.params.get("table") is not None:
            yield words["table"].format(self.params["table"])
        if self.line is not None:
            yield words["line"].format(self.line)
        if self.column is not None:
            yield words["column"].format(self.column)

    def to_dict(self, lang: str = "id") -> dict[str, Any]:
        data = super().to_dict(lang)
        data.update(source=self.source, line=self.line, column=self.column)
        return data


class ModelError(AnalysisError):
    """A model file is missing, corrupt or of the wrong version."""

    def __init__(self, path: str, message_id: str = "model_missing", **params: Any) -> None:
        self.path = str(path)
        super().__init__(message_id, **params)

    def _location(self, lang: str) -> Iterable[str]:
        yield _LOCATION[lang]["file"].format(self.path)
