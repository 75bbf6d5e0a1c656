"""Reports of one analysed session (JSON, HTML, Markdown, terminal text) and a summary
table across several sessions."""

from __future__ import annotations

from .html import to_html
from .json_report import SCHEMA_VERSION, to_json
from .markdown import to_markdown
from .summary import SUMMARY_FORMATS, summary_rows, summary_table
from .text import to_text

__all__ = [
           "SCHEMA_VERSION",
           "SUMMARY_FORMATS",
           "summary_rows",
           "summary_table",
           "to_html",
           "to_json",
           "to_markdown",
           "to_text",
]
