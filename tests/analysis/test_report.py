"""Reports: the JSON schema, the self-contained HTML, Markdown, terminal text and the summary."""

from __future__ import annotations

import csv
import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import ClassVar

import pytest

from jalin.analysis.report import SCHEMA_VERSION, summary_table, to_html, to_json, to_markdown, to_text
from jalin.analysis.report.common import UI
from jalin.analysis.taxonomy import taxonomy
from jalin.analysis.types import AnalysisResult

from .report_sessions import good_id, result_of, risk_en, weak_id
from .schema_check import validate

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "docs" / "analysis-output.schema.json"
STUDENT = {3: "bertanya tertutup", 5: "pertanyaan tertutup", 9: "memberi nasehat", 13: "bertanya terbuka",
           15: "refleksi perasaan", 17: "nasihat", 19: "menyimpulkan", 7: "???"}


@pytest.fixture(scope="module")
def schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text("utf-8"))


@pytest.fixture(scope="module")
def weak() -> AnalysisResult:
    return result_of(weak_id(), "id", "weak.txt", student=STUDENT)


@pytest.fixture(scope="module")
def risk() -> AnalysisResult:
    return result_of(risk_en(), "en", "risk_en.vtt")


@pytest.fixture(scope="module")
def good() -> AnalysisResult:
    return result_of(good_id(), "en", "good.docx")


# --- JSON ---------------------------------------------------------------------------


def test_json_top_level_is_exactly_the_schema(weak: AnalysisResult) -> None:
    data = to_json(weak)
    assert list(data) == ["schema", "language", "source", "model_version", "utterances", "tasks", "metrics",
                          "feedback", "risk", "student_labels"]
    assert data["schema"] == SCHEMA_VERSION == "jalin.analysis/1.2"
    assert data["language"] == "id" and data["source"] == "weak.txt" and data["model_version"] == "fake-1"


def test_json_utterances_are_one_based(weak: AnalysisResult) -> None:
    data = to_json(weak)
    first = data["utterances"][0]
    assert first["index"] == 1
    assert set(first) == {"index", "speaker", "speaker_name", "text", "label", "group", "confidence", "alternatives",
                          "flags", "stage", "tasks", "student_label", "student_label_id", "line",
                          "task_confidence"}
    assert first["alternatives"] == [{"label": "other", "score": 0.1}]
    assert data["utterances"][2]["student_label"] == "bertanya tertutup"
    assert data["utterances"][2]["student_label_id"] == "closed_question"
    rapport = next(t for t in data["tasks"]["done"] if t["id"] == "rapport")
    assert rapport == {"id": "rapport", "stage": "awal", "utterances": [1]}


@pytest.mark.parametrize("name", ["weak", "risk", "good"])
def test_json_validates_against_schema(name: str, schema: dict, request: pytest.FixtureRequest) -> None:
    data = json.loads(json.dumps(to_json(request.getfixturevalue(name)), ensure_ascii=False))
    assert validate(data, schema) == []


def test_schema_checker_catches_errors(weak: AnalysisResult, schema: dict) -> None:
    data = json.loads(json.dumps(to_json(weak)))
    data["utterances"][0]["label"] = "not_a_label"
    data["metrics"]["talk"]["counselor_share"] = 1.5
    del data["risk"]
    data["extra"] = 1
    problems = "\n".join(validate(data, schema))
    for bit in ("not_a_label", "maximum", "missing required 'risk'", "unexpected key 'extra'"):
        assert bit in problems


def test_schema_enums_follow_the_taxonomy(schema: dict) -> None:
    tx = taxonomy()
    labels = schema["$defs"]["utterance"]["properties"]["label"]["enum"]
    assert labels == list(tx.counselor_labels) + list(tx.counselee_labels)
    assert list(schema["$defs"]["metrics"]["properties"]["techniques"]["properties"]) == list(tx.counselor_labels)
    assert schema["$defs"]["metrics"]["properties"]["tasks"]["properties"]["done"]["items"]["enum"] == list(tx.tasks)


def test_json_risk_and_student_labels(risk: AnalysisResult, weak: AnalysisResult) -> None:
    assert to_json(risk)["risk"][0] == {"flag": "risk_self", "utterance": 7,
                                        "text": "Yeah. Honestly sometimes I think everyone would be better off without me.",
                                        "counselor_turn": {"utterance": 6,
                                                           "text": "Sounds like everything feels heavy right now."}}
    assert to_json(risk)["student_labels"] is None
    student = to_json(weak)["student_labels"]
    assert student["labelled"] == 8 and student["mapped"] == 7
    assert student["unmapped"] == [{"utterance": 7, "student_label": "???"}]


# --- HTML ---------------------------------------------------------------------------


class _Checker(HTMLParser):
    VOID: ClassVar[set[str]] = {"meta", "br", "img", "hr", "input", "link", "rect", "col"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags.add(tag)
        for name, value in attrs:
            if name in ("src", "href") and value and re.match(r"[a-z][a-z0-9+.-]*:|//", value):
                self.errors.append(f"external reference {name}={value}")
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        self.tags.add(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"unbalanced </{tag}> (open: {self.stack[-3:]})")
        else:
            self.stack.pop()


def _check_html(html: str) -> _Checker:
    checker = _Checker()
    checker.feed(html)
    checker.close()
    return checker


def test_html_is_self_contained_and_balanced(weak: AnalysisResult) -> None:
    html = to_html(weak)
    checker = _check_html(html)
    assert checker.errors == []
    assert checker.stack == []
    assert "<script" not in html and "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in html
    assert "<style>" in html and "@media print" in html
    assert "svg" in checker.tags


def test_html_shows_risk_notice_first(risk: AnalysisResult) -> None:
    html = to_html(risk)
    body = html[html.index("<body>"):]
    assert body.index('class="risk"') < body.index('class="feedback"')
    assert "ATTENTION" in html and "better off without me" in html


def test_html_labels_resistance_stages_and_student(weak: AnalysisResult) -> None:
    html = to_html(weak)
    assert html.count('class="counselee resist"') == 4
    assert "tahap awal: ujaran 1–10" in html and "tahap inti / kerja" in html
    assert "pertanyaan tertutup" in html and "memberi nasihat / saran" in html  # taxonomy names in Indonesian
    assert UI["student"]["id"] in html
    assert UI["kappa"]["id"] in html
    assert 'lang="id"' in html


def test_html_escapes_transcript_text() -> None:
    utts = weak_id()
    utts[1].text = "<script>alert('x')</script> & dll"
    html = to_html(result_of(utts))
    assert "<script>alert" not in html
    assert "&lt;script&gt;" in html


def test_html_in_english(good: AnalysisResult) -> None:
    html = to_html(good)
    assert 'lang="en"' in html
    assert "Counseling session analysis" in html and "reflection of feelings" in html
    assert "Strength" in html
    assert "Agreement with the trainee" not in html  # no trainee labels in this session


# --- Markdown and text ------------------------------------------------------------------


def test_markdown(weak: AnalysisResult, risk: AnalysisResult) -> None:
    md = to_markdown(weak)
    assert md.startswith("# Analisis sesi konseling: weak.txt")
    assert "## Umpan balik" in md and "## Transkrip berlabel" in md
    assert "| 4 | Dimas | Nggak tahu, Bu. | enggan / diam | ⚑ resistensi |" in md
    assert to_markdown(risk).index("> **⚠") < to_markdown(risk).index("## Feedback")


def test_markdown_table_cells_escape_pipes() -> None:
    utts = weak_id()
    utts[1].text = "a | b"
    assert "a \\| b" in to_markdown(result_of(utts))


def test_text(weak: AnalysisResult, risk: AnalysisResult) -> None:
    text = to_text(weak)
    assert "Umpan balik" in text and "[-] " in text and "[+] " in text
    assert all(len(line) <= 100 for line in text.splitlines())
    first_lines = to_text(risk).splitlines()[:5]
    assert any("ATTENTION" in line for line in first_lines)


def test_feedback_strengths_before_improvements_in_every_format(weak: AnalysisResult) -> None:
    text = to_text(weak)
    assert text.index("[+]") < text.index("[-]")
    md = to_markdown(weak)
    assert md.index("**Kekuatan:**") < md.index("**Perlu diperbaiki:**")


# --- summary ------------------------------------------------------------------------------


def test_summary_formats(weak: AnalysisResult, risk: AnalysisResult, good: AnalysisResult) -> None:
    results = [weak, risk, good]
    failures = [("rusak.docx", "Berkas 'rusak.docx': dokumen Word rusak")]
    text = summary_table(results, "text", lang="id", failures=failures)
    assert "weak.txt" in text and "risk_en.vtt" in text and "rusak.docx" in text
    md = summary_table(results, "md", lang="en")
    assert md.count("\n") == 2 + len(results)
    data = json.loads(summary_table(results, "json", failures=failures))
    assert [r["source"] for r in data["rows"]] == ["weak.txt", "risk_en.vtt", "good.docx"]
    assert data["rows"][1]["risk"] == ["risk_self"]
    assert data["rows"][0]["agreement"] == weak.student_labels["agreement"]
    assert data["failures"] == [{"source": "rusak.docx", "error": "Berkas 'rusak.docx': dokumen Word rusak"}]
    rows = list(csv.reader(io.StringIO(summary_table(results, "csv"))))
    assert len(rows) == 1 + len(results)
    html = summary_table(results, "html", lang="en", links={"weak.txt": "weak.html"})
    assert _check_html(html).errors == [] and "Summary of several sessions" in html
    assert '<a href="weak.html">weak.txt</a>' in html
    assert "risk to self" in html  # flag names in the report language
    assert "[weak.txt](weak.md)" in summary_table(results, "md", links={"weak.txt": "weak.md"})


def test_summary_rejects_unknown_format(weak: AnalysisResult) -> None:
    with pytest.raises(ValueError):
        summary_table([weak], "pdf")


def test_ui_strings_complete() -> None:
    for key, entry in UI.items():
        assert entry.get("id") and entry.get("en"), key
        fields = lambda t: set(re.findall(r"\{(\w+)\}", t))
        assert fields(entry["id"]) == fields(entry["en"]), key
