"""Word (.docx) verbatims: the tables students hand in, or plain paragraphs.

Tables come in a few families — No/Konselor/Konseli/Teknik, Pernyataan Klien/
Respons Konselor/Teknik/Keterampilan, Pembicara/Pernyataan/Teknik, Speaker/
Utterance/Technique — and are found by their header row (fuzzy names, see
``columns``).  Stage headings written as paragraphs between tables, or as a
merged row inside a table, set the stage of the rows that follow.
"""

from __future__ import annotations

import io
import itertools
import re
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from jalin.analysis.errors import InputError

from .columns import field_for
from .common import (
    EXPECTED_PREFIXES,
    RawTurn,
    active_limits,
    check_turn_count,
    check_turn_text,
    clean_timestamp,
    stage_heading,
)
from .text import read_text_turns

if TYPE_CHECKING:  # python-docx is imported lazily: only DOCX input needs it
    from docx.document import Document as DocumentObject
    from docx.table import Table

__all__ = ["EXPECTED_COLUMNS", "DocxTurns", "read_docx_turns"]

EXPECTED_COLUMNS = (
    "No / Konselor / Konseli / Teknik",
    "Pernyataan Klien / Respons Konselor / Teknik",
    "Pembicara / Pernyataan / Teknik",
    "Speaker / Utterance / Technique",
)
_MAX_UNPACKED = 60 * 1024 * 1024  # a small .docx that unpacks to more than this is a zip bomb
_HEADER_ROWS = 3  # the header is within the first rows (a title row may come first)


@dataclass
class DocxTurns:
    turns: list[RawTurn]
    hint: str | None = None


@dataclass
class _Layout:
    header_row: int
    header: list[str]
    fields: list[str | None]
    roles: list[int] = field(default_factory=list)  # counselor/counselee text columns
    speaker: int | None = None
    utterance: int | None = None
    techniques: list[int] = field(default_factory=list)
    time: int | None = None
    stage: int | None = None


def read_docx_turns(data: bytes, source: str) -> DocxTurns:
    document = _open(data, source)
    paragraphs: list[str] = []
    tables_found: list[tuple[int, list[str]]] = []
    turns: list[RawTurn] = []
    stage: str | None = None
    for table_number, block in _blocks(document):
        if isinstance(block, str):
            paragraphs.append(block)
            stage = stage_heading(block) or stage
            continue
        rows = _rows(block)  # read lazily: the utterance limit stops a huge table early
        head = list(itertools.islice(rows, _HEADER_ROWS))
        layout = _layout(head)
        if layout is None:
            tables_found.append((table_number, next((r for r in head if any(r)), [])))
            continue
        stage = _table_turns(itertools.chain(head, rows), layout, source, table_number, stage, turns)
    if turns:
        return DocxTurns(turns)
    paragraph_turns = read_text_turns("\n".join(paragraphs))
    if paragraph_turns.turns:
        return DocxTurns(paragraph_turns.turns, paragraph_turns.hint)
    if tables_found:
        table_number, first_row = tables_found[0]
        found = [cell for cell in first_row if cell] or ["-"]
        raise InputError(
            source, "bad_columns", line=1, table=table_number, found=found, expected=EXPECTED_COLUMNS
        )
    raise InputError(source, "no_dialogue")


def _open(data: bytes, source: str) -> DocumentObject:
    """The python-docx Document, with every way a file can fail turned into an InputError."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = set(archive.namelist())
        unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        raise InputError(source, "not_docx") from None
    if "word/document.xml" not in names:
        raise InputError(source, "not_docx")
    if unpacked > _MAX_UNPACKED:
        raise InputError(
            source, "too_large", size_mb=round(unpacked / 2**20, 1), limit_mb=_MAX_UNPACKED // 2**20
        )
    _check_elements(archive, source)
    import docx  # imported here: only DOCX input needs python-docx

    try:
        return docx.Document(io.BytesIO(data))
    except Exception as exc:  # noqa: BLE001
        # python-docx raises many unrelated types (KeyError, lxml errors, ...) on damaged parts.
        raise InputError(source, "docx_corrupt", detail=type(exc).__name__) from None


# Elements python-docx turns into Python objects; "<w:p" must not match <w:pPr>/<w:proofErr>.
_ELEMENT = re.compile(rb"<w:(?:p|tr|tc|gridCol)[\s>/]")
_GRID_SPAN = re.compile(rb"<w:gridSpan\s+w:val=\"(\d{1,9})\"")
_CHUNK = 1 << 20


def _check_elements(archive: zipfile.ZipFile, source: str) -> None:
    """Count paragraphs, rows and cells by streaming the XML, before python-docx builds its tree.

    A 270 KB file can hold 868k empty paragraphs: python-docx would take a gigabyte
    to load it.  Counting in 1 MB chunks costs a few MB whatever the file holds.
    """
    limit = active_limits().lines
    count, tail = 0, b""
    try:
        with archive.open("word/document.xml") as xml:
            while chunk := xml.read(_CHUNK):
                window = tail + chunk
                # A match lying wholly inside the carried tail was counted with the previous chunk.
                count += sum(1 for m in _ELEMENT.finditer(window) if m.end() > len(tail))
                count += sum(int(m[1]) for m in _GRID_SPAN.finditer(window) if m.end() > len(tail))
                if count > limit:
                    raise InputError(source, "too_many_lines", limit=limit)
                tail = window[-64:]
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error):
        raise InputError(source, "docx_corrupt", detail="zip") from None


def _blocks(document: DocumentObject) -> Iterator[tuple[int, str | Table]]:
    """Paragraph texts and tables in document order, tables numbered from 1."""
    from docx import table as docx_table

    number = 0
    for block in document.iter_inner_content():
        if isinstance(block, docx_table.Table):
            number += 1
            yield number, block
        else:
            yield number, _paragraph_text(block._p)


# python-docx finds each paragraph's runs with an XPath query (~85 µs a paragraph); reading
# the text elements straight from lxml gives the same text about twenty times faster, which
# matters for a document near the element limit.
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_TEXT_TAGS = {f"{_W}t": None, f"{_W}tab": "\t", f"{_W}ptab": "\t", f"{_W}cr": "\n", f"{_W}noBreakHyphen": "-"}
_BREAK = f"{_W}br"
_BREAK_TYPE = f"{_W}type"


def _paragraph_text(paragraph: object) -> str:
    """The text of a ``<w:p>`` element as python-docx's ``Paragraph.text`` gives it."""
    parts: list[str] = []
    for element in paragraph.iter(*_TEXT_TAGS, _BREAK):  # type: ignore[attr-defined]
        tag = element.tag
        if tag == _BREAK:
            # a line break is a newline; page and column breaks are not text
            parts.append("\n" if element.get(_BREAK_TYPE, "textWrapping") == "textWrapping" else "")
        else:
            parts.append(_TEXT_TAGS[tag] or element.text or "")
    return "".join(parts)


def _cell_text(cell: object) -> str:
    return "\n".join(_paragraph_text(p) for p in cell._tc.iterchildren(f"{_W}p"))  # type: ignore[attr-defined]


def _rows(table: Table) -> Iterator[list[str]]:
    """Cell texts per row; a horizontally merged cell counts once (in its first column)."""
    for row in table.rows:
        cells: list[str] = []
        previous = None
        for cell in row.cells:
            cells.append("" if cell._tc is previous else _cell_text(cell).strip())
            previous = cell._tc
        yield cells


def _layout(rows: list[list[str]]) -> _Layout | None:
    for index, row in enumerate(rows[:_HEADER_ROWS]):
        if sum(1 for cell in row if cell) < 2:
            continue  # a title row ("Tabel Verbatim") spanning the table, not a header
        fields = [field_for(cell) if cell else None for cell in row]
        layout = _Layout(index, row, fields)
        for column, name in enumerate(fields):
            if name in ("counselor", "counselee"):
                layout.roles.append(column)
            elif name == "technique":
                layout.techniques.append(column)
            elif name == "speaker" and layout.speaker is None:
                layout.speaker = column
            elif name == "utterance" and layout.utterance is None:
                layout.utterance = column
            elif name == "time" and layout.time is None:
                layout.time = column
            elif name == "stage" and layout.stage is None:
                layout.stage = column
        if layout.roles or layout.utterance is not None:
            return layout
    return None


def _table_turns(
    rows: Iterable[list[str]],
    layout: _Layout,
    source: str,
    table: int,
    stage: str | None,
    out: list[RawTurn],
) -> str | None:
    """Append the table's turns to ``out``; return the stage in force after the table."""
    body = itertools.islice(rows, layout.header_row + 1, None)
    for number, row in enumerate(body, start=layout.header_row + 2):
        cells = row + [""] * (len(layout.header) - len(row))
        filled = [cell for cell in cells if cell]
        if not filled or cells[: len(layout.header)] == layout.header:
            continue  # empty row, or the header repeated on a new page
        if len(filled) == 1 and stage_heading(filled[0]):
            stage = stage_heading(filled[0])
            continue
        if layout.stage is not None and cells[layout.stage]:
            stage = (
                stage_heading(f"Tahap {cells[layout.stage]}") or stage_heading(cells[layout.stage]) or stage
            )
        label = " / ".join(cells[c] for c in layout.techniques if c < len(cells) and cells[c]) or None
        stamp = clean_timestamp(cells[layout.time]) if layout.time is not None else None
        row_turns = _row_turns(cells, layout, source, table, number)
        for turn in row_turns:
            turn.line, turn.timestamp, turn.stage_hint = number, stamp, stage
        if label and row_turns:
            # Technique labels describe the counselor's response in the row.
            target = next((t for t in row_turns if t.role == "counselor"), row_turns[-1])
            target.student_label = label
        for turn in row_turns:
            check_turn_text(turn.text, number)
        out.extend(row_turns)
        check_turn_count(len(out), number)
    return stage


def _row_turns(cells: list[str], layout: _Layout, source: str, table: int, number: int) -> list[RawTurn]:
    if layout.roles:
        return [
            RawTurn(label=layout.header[c], text=cells[c], role=layout.fields[c])  # type: ignore[arg-type]
            for c in layout.roles
            if cells[c]
        ]
    assert layout.utterance is not None
    text = cells[layout.utterance]
    if not text:
        return []
    if layout.speaker is not None:
        who = cells[layout.speaker]
        if not who:
            raise InputError(
                source,
                "unattributed_line",
                line=number,
                column=layout.header[layout.speaker],
                table=table,
                expected=EXPECTED_PREFIXES,
            )
        return [RawTurn(label=who, text=text)]
    # No speaker column: the cell itself must start with a prefix ("K: ...").
    turns = read_text_turns(text).turns
    if not turns:
        raise InputError(
            source,
            "unattributed_line",
            line=number,
            column=layout.header[layout.utterance],
            table=table,
            expected=EXPECTED_PREFIXES,
        )
    return turns
