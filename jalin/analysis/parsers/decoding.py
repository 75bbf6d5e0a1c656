"""Bytes to text, and recognising what kind of file we were given.

Uploads come from Word on Windows (cp1252, UTF-16 with BOM), phones and meeting
software (UTF-8 with or without BOM).  We try the encodings that can be decided
safely and refuse the rest with a message, rather than guessing into mojibake.
"""

from __future__ import annotations

import codecs
import unicodedata

from jalin.analysis.errors import InputError

__all__ = ["binary_kind", "decode"]

# Magic numbers of files people upload by mistake, so the message can say what it was.
_MAGIC = (
    (b"%PDF", "PDF"),
    (b"\x89PNG", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"GIF8", "GIF"),
    (b"\xd0\xcf\x11\xe0", "Microsoft Office 97-2003"),
    (b"PK\x03\x04", "ZIP"),
    (b"Rar!", "RAR"),
    (b"\x1f\x8b", "GZIP"),
    (b"7z\xbc\xaf", "7Z"),
    (b"ID3", "MP3"),
    (b"OggS", "OGG"),
    (b"RIFF", "RIFF (WAV/AVI)"),
    (b"\x00\x00\x00", "MP4/binary"),
)
_MAX_CONTROL_RATIO = 0.01  # share of control characters above which "text" is really binary


def binary_kind(data: bytes) -> str | None:
    """A name for a known binary signature, or None."""
    return next((name for magic, name in _MAGIC if data.startswith(magic)), None)


def decode(data: bytes, source: str) -> str:
    """Decode uploaded text or raise InputError (binary or undecidable encoding)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _checked(_try(data, "utf-16"), source, data)
    if data.startswith(codecs.BOM_UTF8):
        return _checked(_try(data, "utf-8-sig"), source, data)
    kind = binary_kind(data)
    if kind is not None:
        raise InputError(source, "binary", kind=f" ({kind})")
    if b"\x00" in data:
        # UTF-16 without a BOM (ASCII text every other byte) is still common from
        # some Windows tools; anything else with NUL bytes is binary.
        if _looks_utf16le(data):
            return _checked(_try(data, "utf-16-le"), source, data)
        raise InputError(source, "binary", kind="")
    text = _try(data, "utf-8")
    if text is None:
        # cp1252 decodes almost any byte string, so accept it only when the result
        # reads like text; random bytes fail the control/letter checks below.
        text = _try(data, "cp1252")
        if text is None or not _reads_like_text(text):
            raise InputError(source, "encoding")
    return _checked(text, source, data)


def _try(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def _looks_utf16le(data: bytes) -> bool:
    odd = data[1::2]
    return len(data) % 2 == 0 and odd.count(0) >= 0.4 * len(odd)


def _control_ratio(text: str) -> float:
    controls = sum(
        1 for ch in text if unicodedata.category(ch) in ("Cc", "Cs", "Co", "Cn") and ch not in "\t\n\r\f"
    )
    return controls / max(len(text), 1)


def _reads_like_text(text: str) -> bool:
    letters = sum(ch.isalpha() or ch.isspace() for ch in text)
    return _control_ratio(text) <= _MAX_CONTROL_RATIO and letters >= 0.7 * len(text)


def _checked(text: str | None, source: str, data: bytes) -> str:
    if text is None:
        raise InputError(source, "encoding")
    if _control_ratio(text) > _MAX_CONTROL_RATIO:
        raise InputError(source, "binary", kind="")
    return text
