"""Risk training items (issue #11): counselee lines in context that train only the risk detector.
All lines are invented; none comes from the frozen evaluation set."""

from __future__ import annotations

import json

import numpy as np
import pytest

from jalin.analysis.corpus import CorpusError
from jalin.analysis.model.features import build_records
from jalin.analysis.risk_eval import risk_cv
from jalin.analysis.risk_train import (
    item_groups,
    load_risk_items,
    risk_item_records,
    risk_item_transcripts,
    risk_items_hash,
)
from jalin.analysis.training import train_main

C, K = "counselor", "counselee"


class ZeroEmbedder:
    """Stands in for the sentence encoder (a library, not our code): every text embeds to zeros."""

    def encode(self, texts):
        return np.zeros((len(texts), 4), np.float32)


def _item(i, text, flags, *, category="x", context=None):
    return {
        "id": f"t-{i:03d}",
        "lang": "id",
        "context": context
        or [{"speaker": C, "text": "Gimana minggu ini?"}, {"speaker": K, "text": "Ya gitu."},
            {"speaker": C, "text": "Terus kamu ngerasain apa?"}],
        "text": text,
        "flags": flags,
        "category": category,
    }


def _write(path, items):
    path.write_text("".join(json.dumps(it, ensure_ascii=False) + "\n" for it in items), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", r"line 2: not valid JSON"),
        ('{"text": "x", "flags": []}', r"line 2: missing field\(s\) context"),
        ('{"text": "x", "flags": ["danger"], "context": []}', r"line 2: unknown flag\(s\) danger"),
        ('{"text": "", "flags": [], "context": []}', r"line 2: 'text' must be a non-empty string"),
        ('{"text": "x", "flags": [], "context": [{"speaker": "teacher", "text": "hi"}]}', r"line 2: each context turn"),
        ('{"id": "t-001", "text": "x", "flags": [], "context": []}', r"line 2: id 't-001' repeats .*line 1"),
        ("[1, 2]", r"line 2: expected a JSON object"),
    ],
)
def test_bad_items_are_refused_with_file_and_line(tmp_path, line, message) -> None:
    f = tmp_path / "items.jsonl"
    f.write_text(json.dumps(_item(1, "Capek.", [])) + "\n" + line + "\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"items\.jsonl, " + message):
        load_risk_items([f])


def test_missing_file_is_named(tmp_path) -> None:
    with pytest.raises(CorpusError, match="missing.jsonl: file not found"):
        load_risk_items([tmp_path / "missing.jsonl"])


def test_sequences_share_a_group_and_other_items_stand_alone(tmp_path) -> None:
    items = load_risk_items([_write(tmp_path / "a.jsonl", [
        _item(1, "Aku capek.", [], category="sequence_1"),
        _item(2, "Pengen ilang aja rasanya.", ["risk_self"], category="sequence_1"),
        _item(3, "Nggak papa kok.", [], category="denial"),
        _item(4, "Dia mukul aku.", ["abuse"], category="sequence_2"),
    ])])
    g = item_groups(items)
    assert g[0] == g[1] and len({g[1], g[2], g[3]}) == 3


def test_the_line_is_placed_mid_session_with_its_context_before_it(tmp_path) -> None:
    items = load_risk_items([_write(tmp_path / "a.jsonl", [_item(i, f"Baris {i}.", []) for i in range(30)])])
    transcripts = risk_item_transcripts(items, ZeroEmbedder())
    assert all(len(t) == 4 and t[-1]["speaker"] == K and t[-1]["text"] == items[n]["text"]
               for n, t in enumerate(transcripts))
    lines = risk_item_records(items, ZeroEmbedder())
    positions = [r["pos"] for r in lines]
    assert all(0.2 <= p <= 0.85 + 1e-9 for p in positions) and len(set(positions)) > 10  # not all at one point
    assert all(r["index"] >= 10 for r in lines)
    assert risk_item_records(items, ZeroEmbedder())[5]["pos"] == positions[5]  # stable between runs


def test_hash_follows_content(tmp_path) -> None:
    a = [_item(1, "Aku capek hidup.", ["risk_self"])]
    b = [_item(1, "Aku capek hidup.", [])]
    assert risk_items_hash(a) == risk_items_hash([dict(a[0])]) and risk_items_hash(a) != risk_items_hash(b)


def _corpus(n_sessions=6):
    rows = []
    for s in range(n_sessions):
        for i, (sp, t) in enumerate([(C, "Halo, gimana kabarnya?"), (K, "Biasa aja, Bu."),
                                      (C, "Ceritain dong minggu ini."), (K, "Ujian banyak banget.")]):
            rows.append({"session": f"c-{s}", "lang": "id", "speaker": sp, "text": t, "flags": []})
    records = []
    for s in range(n_sessions):
        part = [r for r in rows if r["session"] == f"c-{s}"]
        records += build_records([r["speaker"] for r in part], [r["text"] for r in part],
                                 np.zeros((len(part), 4), np.float32))
    return rows, records


def test_cross_validation_scores_each_item_on_its_line_only() -> None:
    rows, records = _corpus()
    items = [
        {**_item(1, "Aku pengen mati aja, Bu.", ["risk_self"]), "_file": "a"},
        {**_item(2, "Ujiannya kemarin bikin aku mati gaya banget.", []), "_file": "a"},
        # the context holds a disclosure, the line is a plain answer to a non-screening question
        {**_item(3, "Iya, Bu.", [], context=[{"speaker": K, "text": "Aku pengen mati aja."},
                                            {"speaker": C, "text": "Kamu biasanya main sama siapa?"}]), "_file": "a"},
    ]
    grid = {"C": (1.0,), "context": (False,), "threshold": (1.01,), "weak_threshold": (0.3,)}
    res = risk_cv(rows, records=records, folds=3, grid=grid, extra_items=items,
                  extra_transcripts=risk_item_transcripts(items, ZeroEmbedder()))
    assert res["extra_items"] == 3
    assert res["lines"] == 12 + 3  # corpus counselee lines + one line per item; context turns not scored
    extra = res["chosen"]["by_source"]["extra"]
    assert extra["lines"] == 3 and extra["risk_lines"] == 1
    assert extra["risk_self"]["recall"]["k"] == 1  # the phrase on the item's line
    assert extra["any"]["precision"]["value"] == 1.0  # the acknowledgement inherits nothing
    assert extra["ack_after_non_screening"] == {"lines": 1, "flagged": 0}
    assert res["chosen"]["by_source"]["corpus"]["lines"] == 12


def test_train_refuses_a_bad_risk_file_before_training(tmp_path, capsys) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "x", "flags": ["nope"], "context": []}\n', encoding="utf-8")
    assert train_main(["--risk-data", str(bad), "--out", str(tmp_path / "m.joblib")]) == 2
    err = capsys.readouterr().err
    assert "bad.jsonl, line 1: unknown flag(s) nope" in err
    assert not (tmp_path / "m.joblib").exists()


def test_the_choice_takes_precision_at_a_real_sessions_prevalence() -> None:
    from jalin.analysis.risk_eval import choose

    def result(recall, precision_all, precision_corpus):
        scores = {**{f: {"recall": {"value": recall}} for f in ("risk_self", "risk_others", "abuse")},
                  "any": {"precision": {"value": precision_all}}}
        corpus = {"any": {"precision": {"value": precision_corpus}}}
        return {"scores": scores, "by_source": {"corpus": corpus, "extra": scores}}

    # the items' high share of risk lines makes a: 0.74 overall, but in sessions 41 % of its flags are false
    a, b = result(0.92, 0.74, 0.59), result(0.84, 0.87, 0.78)
    assert choose([a, b]) is b


def test_the_position_of_a_line_is_a_feature_that_can_be_switched_off() -> None:
    # use_position=False: a disclosure made at the door ("oh, satu lagi, Bu...") scores as one in the middle
    from jalin.analysis.model.risk import RiskDetector

    rng = np.random.default_rng(1)
    texts = [f"baris {i}" for i in range(40)]
    speakers = [K if i % 2 else C for i in range(40)]
    recs = build_records(speakers, texts, rng.normal(size=(40, 4)).astype(np.float32))
    flags = [["risk_self"] if i % 4 == 1 else [] for i in range(40)]
    det = RiskDetector(min_positive=2, use_position=False).fit(recs, flags)
    line = recs[21]
    moved = [{**line, "pos": p, "index": ix} for p, ix in ((0.0, 1), (0.5, 20), (1.0, 39))]
    P = det.predict_proba(moved)
    assert np.allclose(P, P[0])
    with_position = RiskDetector(min_positive=2, use_position=True).fit(recs, flags)
    assert not np.allclose(with_position.predict_proba(moved), with_position.predict_proba(moved)[0])


def test_the_choice_refuses_a_setting_that_flags_an_acknowledgement() -> None:
    from jalin.analysis.risk_eval import choose

    def result(recall, precision, acks_flagged):
        scores = {**{f: {"recall": {"value": recall}} for f in ("risk_self", "risk_others", "abuse")},
                  "any": {"precision": {"value": precision}},
                  "ack_after_non_screening": {"lines": 10, "flagged": acks_flagged}}
        return {"scores": scores, "by_source": {"corpus": scores}}

    loud, quiet = result(0.95, 0.80, 1), result(0.85, 0.75, 0)
    assert choose([loud, quiet]) is quiet
