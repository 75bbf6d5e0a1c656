"""Errors of the role-play engine with their messages in Bahasa Indonesia and English.

A scenario file that does not follow the schema raises ``ScenarioError`` naming the file, the line and
the field; a trainee turn the engine cannot take raises ``TurnError``. Both carry a message id and
parameters, so the web page and the CLI show ``error.message(lang)`` and nothing else.
"""

from __future__ import annotations

from typing import Any

__all__ = ["MESSAGES", "RoleplayError", "ScenarioError", "TurnError"]

MESSAGES: dict[str, dict[str, str]] = {
    # --- scenario files -----------------------------------------------------------------------------
    "yaml_syntax": {
        "id": "berkas skenario bukan YAML yang sah ({detail}).",
        "en": "the scenario file is not valid YAML ({detail}).",
    },
    "not_mapping": {
        "id": "yang diharapkan di sini: pemetaan 'kunci: nilai'.",
        "en": "expected a 'key: value' mapping here.",
    },
    "missing_field": {
        "id": "kolom wajib '{name}' tidak ada.",
        "en": "the required field '{name}' is missing.",
    },
    "unknown_field": {
        "id": "kolom '{name}' tidak dikenal. Kolom yang boleh: {expected}.",
        "en": "unknown field '{name}'. Allowed fields: {expected}.",
    },
    "wrong_type": {
        "id": "tipe salah: yang diharapkan {expected}.",
        "en": "wrong type: expected {expected}.",
    },
    "bad_choice": {
        "id": "nilai '{value}' tidak dikenal. Pilihan: {expected}.",
        "en": "unknown value '{value}'. Choices: {expected}.",
    },
    "unknown_label": {
        "id": "id label '{value}' tidak dikenal. Id yang sah: {expected}.",
        "en": "unknown label id '{value}'. Valid ids: {expected}.",
    },
    "too_few": {
        "id": "terlalu sedikit: paling sedikit {minimum}.",
        "en": "too few: at least {minimum}.",
    },
    "out_of_range": {
        "id": "nilai {value} di luar rentang {low}–{high}.",
        "en": "the value {value} is outside the range {low}–{high}.",
    },
    "id_mismatch": {
        "id": "id '{value}' harus sama dengan nama berkas '{expected}'.",
        "en": "the id '{value}' must be the same as the file name '{expected}'.",
    },
    "duplicate_id": {
        "id": "id '{value}' dipakai dua kali.",
        "en": "the id '{value}' is used twice.",
    },
    "unknown_scenario": {
        "id": "skenario '{value}' tidak ada. Skenario yang tersedia: {expected}.",
        "en": "there is no scenario '{value}'. Available scenarios: {expected}.",
    },
    # --- trainee turns ------------------------------------------------------------------------------
    "turn_empty": {
        "id": "ujaran kosong. Tulis apa yang Anda katakan kepada konseli.",
        "en": "the turn is empty. Write what you say to the counselee.",
    },
    "turn_too_long": {
        "id": "ujaran terlalu panjang ({length} karakter; batasnya {limit}). Dalam sesi, bicaralah singkat "
        "dan beri konseli giliran.",
        "en": "the turn is too long ({length} characters; the limit is {limit}). In a session, speak briefly "
        "and give the counselee a turn.",
    },
    "turn_html": {
        "id": "ujaran berisi kode HTML ({tag}). Tulis teks biasa, seperti yang Anda ucapkan.",
        "en": "the turn contains HTML code ({tag}). Write plain text, as you would say it.",
    },
    "turn_not_indonesian": {
        "id": "ujaran ini tampaknya berbahasa Inggris, sedangkan latihan ini berbahasa Indonesia. "
        "Tulis dalam Bahasa Indonesia.",
        "en": "this turn seems to be in English, but this practice session is in Indonesian. "
        "Write in Indonesian.",
    },
    "turn_not_english": {
        "id": "ujaran ini tampaknya berbahasa Indonesia, sedangkan latihan ini berbahasa Inggris. "
        "Tulis dalam bahasa Inggris.",
        "en": "this turn seems to be in Indonesian, but this practice session is in English. Write in English.",
    },
    "session_over": {
        "id": "sesi latihan ini sudah selesai; mulai sesi baru untuk berlatih lagi.",
        "en": "this practice session has ended; start a new one to practise again.",
    },
    "script_empty": {
        "id": "berkas naskah tidak berisi ujaran (satu ujaran per baris).",
        "en": "the script file holds no turns (one turn per line).",
    },
}


def _fmt(value: Any) -> Any:
    if isinstance(value, (list, tuple, set)):
        return ", ".join(f"'{v}'" for v in value)
    return value


class RoleplayError(Exception):
    """Base class; ``message(lang)`` is what a user sees."""

    def __init__(self, message_id: str, **params: Any):
        self.message_id = message_id
        self.params = params
        super().__init__(self.message("en"))

    def detail(self, lang: str = "id") -> str:
        template = MESSAGES[self.message_id].get(lang) or MESSAGES[self.message_id]["en"]
        return template.format(**{k: _fmt(v) for k, v in self.params.items()})

    def message(self, lang: str = "id") -> str:
        return self.detail(lang)


class ScenarioError(RoleplayError):
    """A scenario file broke the schema: the message starts with file, line and field."""

    def __init__(self, message_id: str, *, file: str, line: int | None = None, field: str = "", **params: Any):
        self.file, self.line, self.field = file, line, field
        super().__init__(message_id, **params)

    def message(self, lang: str = "id") -> str:
        where = self.file + (f":{self.line}" if self.line else "")
        field_word = {"id": "kolom", "en": "field"}.get(lang, "field")
        prefix = f"{where}: {field_word} '{self.field}': " if self.field else f"{where}: "
        return prefix + self.detail(lang)


class TurnError(RoleplayError):
    """A trainee turn the engine does not take (empty, too long, HTML, another language)."""
