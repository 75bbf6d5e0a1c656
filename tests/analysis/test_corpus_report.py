"""The corpus report (issue #12): kept up to date, and its near-duplicate methods catch what they claim.
All sessions here are invented."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jalin.analysis.corpus import group_sessions, load_corpus
from jalin.analysis.corpus_report import (
    corpus_report,
    duplicate_lines,
    main,
    near_duplicate_sessions,
    to_markdown,
)

ROOT = Path(__file__).resolve().parents[2]


def test_the_committed_report_is_the_shipped_corpus_report() -> None:
    assert main(["report", "--check", str(ROOT / "docs" / "corpus-report.md")]) == 0


def test_the_shipped_corpus_has_no_near_duplicate_sessions() -> None:
    rep = corpus_report(load_corpus())
    assert rep["near_duplicates"]["session_pairs"] == []
    assert rep["sessions"] == len(group_sessions(load_corpus()))


SESSION_A = [
    ("counselor", "opening", "Selamat siang, Dimas. Silakan duduk, anggap saja ruang sendiri."),
    ("counselee", "neutral", "Iya, Bu, terima kasih."),
    ("counselor", "open_question", "Apa yang membuat kamu datang ke ruang BK hari ini?"),
    ("counselee", "disclosure", "Saya bingung mau lanjut ke SMK atau SMA, orang tua maunya SMA."),
    ("counselor", "reflection_feeling", "Kamu merasa bimbang karena pilihanmu berbeda dengan harapan orang tua."),
    ("counselee", "disclosure", "Iya, saya sebenarnya suka otomotif dari kecil, sering bantu bengkel paman."),
]
SESSION_B = [
    ("counselor", "opening", "Halo Sinta, masuk aja. Mau minum dulu?"),
    ("counselee", "neutral", "Nggak usah, Kak."),
    ("counselor", "open_question", "Ceritain dong, minggu ini gimana di asrama?"),
    ("counselee", "disclosure", "Kangen rumah terus, tiap malam nangis, temen sekamar juga cuek."),
    ("counselor", "paraphrase", "Jadi malam-malam di asrama terasa paling berat buat kamu."),
    ("counselee", "reluctant", "Ya gitu deh."),
]


def _write(path: Path, session: str, lines) -> None:
    path.write_text(
        "".join(
            json.dumps({"session": session, "lang": "id", "index": i, "speaker": sp, "label": lab, "text": t},
                       ensure_ascii=False) + "\n"
            for i, (sp, lab, t) in enumerate(lines)
        ),
        encoding="utf-8",
    )


def test_a_renamed_copy_is_a_near_duplicate_and_a_different_session_is_not(tmp_path) -> None:
    _write(tmp_path / "x_001.jsonl", "x-001", SESSION_A)
    renamed = [(sp, lab, t.replace("Dimas", "Bagas").replace("paman", "om")) for sp, lab, t in SESSION_A]
    _write(tmp_path / "x_002.jsonl", "x-002", renamed)
    _write(tmp_path / "y_001.jsonl", "y-001", SESSION_B)
    rows = load_corpus([str(tmp_path)])
    pairs = near_duplicate_sessions(group_sessions(rows))
    assert [(a, b) for a, b, _ in pairs] == [("x-001", "x-002")]
    lines = duplicate_lines(rows)
    assert any(sessions == ["x-001", "x-002"] for _, sessions in lines)
    assert not any("y-001" in sessions for _, sessions in lines)
    rep = corpus_report(rows)
    assert set(rep["briefs"]) == {"x", "y"} and rep["briefs"]["x"]["sessions"] == 2
    assert rep["labels"]["counselor"]["open_question"] == 3 and rep["labels"]["counselee"]["reluctant"] == 1
    assert "`x-001` and `x-002`" in to_markdown(rep)


def test_cli_errors_and_out_of_date_report(tmp_path, capsys) -> None:
    assert main(["report", "--data", str(tmp_path / "nothing.jsonl")]) == 2
    assert "nothing.jsonl: file not found" in capsys.readouterr().err
    _write(tmp_path / "x_001.jsonl", "x-001", SESSION_A)
    stale = tmp_path / "report.md"
    stale.write_text("# old\n", encoding="utf-8")
    assert main(["report", "--data", str(tmp_path / "x_001.jsonl"), "--check", str(stale)]) == 1
    assert "out of date" in capsys.readouterr().err
    assert main(["report", "--data", str(tmp_path / "x_001.jsonl"), "--out", str(stale)]) == 0
    assert main(["report", "--data", str(tmp_path / "x_001.jsonl"), "--check", str(stale)]) == 0


def test_agreement_counts_what_two_annotators_share() -> None:
    from jalin.analysis.corpus import CorpusError
    from jalin.analysis.corpus_report import agreement

    def row(i, sp, label, stage="awal", tasks=(), flags=()):
        return {"session": "a", "index": i, "speaker": sp, "text": f"t{i}", "label": label, "stage": stage,
                "tasks": list(tasks), "flags": list(flags)}

    first = [row(0, "counselor", "opening", tasks=["rapport"]), row(1, "counselee", "reluctant"),
             row(2, "counselor", "open_question"), row(3, "counselee", "disclosure", flags=["abuse"])]
    second = [row(0, "counselor", "opening", tasks=["rapport"]), row(1, "counselee", "defensive"),
              row(2, "counselor", "closed_question", stage="inti"), row(3, "counselee", "disclosure")]
    res = agreement(first, second)
    assert res["counselor"]["accuracy"] == 0.5 and res["counselee"]["accuracy"] == 0.5
    assert res["resistance_agreement"] == 1.0  # reluctant vs defensive: both resistance
    assert res["stage_accuracy"] == 0.75
    assert res["flag_lines"] == {"first": 1, "second": 0, "both": 0}
    assert res["tasks_session_macro_f1"] == 1.0
    with pytest.raises(CorpusError, match="same utterances"):
        agreement(first, second[:3])


def test_the_shipped_second_annotation_covers_corpus_sessions() -> None:
    from jalin.analysis.corpus_report import shipped_agreement

    res = shipped_agreement()
    assert res["sessions"] == 20 and res["utterances"] > 500
