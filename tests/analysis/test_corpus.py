"""Corpus loading/validation (clear errors with file and line) and session-grouped splits."""

from __future__ import annotations

import json

import pytest

from jalin.analysis.corpus import (
    CorpusError,
    corpus_hash,
    group_sessions,
    held_out_split,
    load_corpus,
    load_labelled_csv,
    shipped_corpus_paths,
)

GOOD = {
    "session": "s1",
    "lang": "id",
    "setting": "school",
    "register": "kamu",
    "index": 0,
    "speaker": "counselor",
    "text": "Selamat pagi.",
    "label": "opening",
    "flags": [],
    "stage": "awal",
    "tasks": ["rapport"],
}


def _write(tmp_path, rows, name="c.jsonl"):
    p = tmp_path / name
    p.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return p


def test_shipped_corpus_is_valid_and_has_both_languages() -> None:
    rows = load_corpus()
    assert len(rows) > 500
    assert {r["lang"] for r in rows} == {"id", "en"}
    assert shipped_corpus_paths()


@pytest.mark.parametrize(
    "bad,expect",
    [
        ('{"session": "s1", "speaker": "counselor"', "invalid JSON"),
        ({**GOOD, "label": "disclosure"}, "not a counselor label"),
        ({**GOOD, "speaker": "teacher"}, "'speaker' must be counselor or counselee"),
        ({**GOOD, "flags": ["danger"]}, "'flags'"),
        ({**GOOD, "tasks": ["homework"]}, "unknown stage task"),
        ({**GOOD, "stage": "middle"}, "'stage'"),
        ({**GOOD, "lang": "fr"}, "'lang'"),
        ({k: v for k, v in GOOD.items() if k != "text"}, "missing field 'text'"),
    ],
)
def test_invalid_rows_name_file_and_line(tmp_path, bad, expect) -> None:
    p = _write(tmp_path, [GOOD, bad])
    with pytest.raises(CorpusError) as err:
        load_corpus([p])
    assert f"{p}:2" in str(err.value) and expect in str(err.value)


def test_stage_going_back_is_an_error(tmp_path) -> None:
    rows = [{**GOOD, "stage": "inti", "index": 0}, {**GOOD, "stage": "awal", "index": 1}]
    with pytest.raises(CorpusError, match=r":2: stage goes back"):
        load_corpus([_write(tmp_path, rows)])


def test_non_contiguous_session_is_an_error(tmp_path) -> None:
    rows = [GOOD, {**GOOD, "session": "s2"}, GOOD]
    with pytest.raises(CorpusError, match="not contiguous"):
        load_corpus([_write(tmp_path, rows)])


def test_missing_file_and_empty_folder(tmp_path) -> None:
    with pytest.raises(CorpusError, match="file not found"):
        load_corpus([tmp_path / "nope.jsonl"])
    with pytest.raises(CorpusError, match="no \\*.jsonl"):
        load_corpus([tmp_path])


def test_held_out_split_is_by_session_and_stratified_by_language() -> None:
    rows = load_corpus()
    train, test = held_out_split(rows, test_fraction=0.2, seed=0)
    assert len(train) + len(test) == len(rows)
    tr_s, te_s = set(group_sessions(train)), set(group_sessions(test))
    assert not tr_s & te_s
    assert {r["lang"] for r in test} == {"id", "en"}
    assert 0.1 < len(te_s) / (len(tr_s) + len(te_s)) < 0.3
    again = held_out_split(rows, test_fraction=0.2, seed=0)[1]
    assert [r["text"] for r in again] == [r["text"] for r in test]
    other = held_out_split(rows, test_fraction=0.2, seed=1)[1]
    assert set(group_sessions(other)) != te_s


def test_corpus_hash_changes_with_content() -> None:
    rows = load_corpus()
    h = corpus_hash(rows)
    assert h == corpus_hash(list(rows)) and len(h) == 10
    changed = [dict(r) for r in rows]
    changed[0]["label"] = "other" if changed[0]["label"] != "other" else "opening"
    assert corpus_hash(changed) != h


def test_labelled_csv(tmp_path) -> None:
    p = tmp_path / "x.csv"
    p.write_text(
        "speaker,text,label\nKonselor,Apa kabar?,opening\nclient,Baik Bu,neutral\n", encoding="utf-8"
    )
    rows = load_labelled_csv(p)
    assert [r["label"] for r in rows] == ["opening", "neutral"]
    assert [r["speaker"] for r in rows] == ["counselor", "counselee"]
    bad = tmp_path / "bad.csv"
    bad.write_text("who,what\nx,y\n", encoding="utf-8")
    with pytest.raises(CorpusError, match="speaker,text,label"):
        load_labelled_csv(bad)
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("speaker,text,label\ncounselor,Hai,hello\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"wrong.csv:2"):
        load_labelled_csv(wrong)
