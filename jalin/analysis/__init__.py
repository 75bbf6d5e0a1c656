"""Session analysis: from a counseling transcript to labels, metrics, feedback and reports.

Pure Python on top of numpy and scipy.sparse (scikit-learn only to train a model); it never
imports Django, so the command line, notebooks and the web app (which wraps it) share one engine.

    from jalin.analysis import parse_file, analyze, to_html
    result = analyze(parse_file("sesi.docx"), lang="id")
    open("sesi.html", "w").write(to_html(result))
"""

from __future__ import annotations

from .engine import analyze
from .errors import AnalysisError, InputError, ModelError
from .model import load_model
from .parsers import parse_file, parse_text
from .report import SCHEMA_VERSION, to_html, to_json, to_markdown, to_text
from .types import AnalysisResult, LabelledUtterance, Transcript, Utterance

__all__ = [
    "SCHEMA_VERSION",
    "AnalysisError",
    "AnalysisResult",
    "InputError",
    "LabelledUtterance",
    "ModelError",
    "Transcript",
    "Utterance",
    "analyze",
    "load_model",
    "parse_file",
    "parse_text",
    "to_html",
    "to_json",
    "to_markdown",
    "to_text",
]

