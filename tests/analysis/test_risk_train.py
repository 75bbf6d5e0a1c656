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
    MAX_CONTEXT,
    host_sessions,
    item_groups,
    item_slot,
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


def test_without_hosts_each_item_is_a_short_excerpt_ending_with_its_line(tmp_path) -> None:
    items = load_risk_items([_write(tmp_path / "a.jsonl", [_item(i, f"Baris {i}.", []) for i in range(30)])])
    transcripts = risk_item_transcripts(items, ZeroEmbedder())
    assert all(len(t) == 4 and t[-1]["speaker"] == K and t[-1]["text"] == items[n]["text"]
               for n, t in enumerate(transcripts))
    assert all(t[-1]["index"] == t[-1]["n"] - 1 == 3 for t in transcripts)


def _hosts(n_sessions=5, length=30):
    return {"id": [[(C if i % 2 == 0 else K, f"Sesi {s} giliran {i}.") for i in range(length)]
                   for s in range(n_sessions)]}


def test_items_are_placed_at_the_start_middle_and_end_of_real_sessions(tmp_path) -> None:
    items = load_risk_items([_write(tmp_path / "a.jsonl", [_item(i, f"Baris {i}.", []) for i in range(60)])])
    hosts = _hosts()
    transcripts = risk_item_transcripts(items, ZeroEmbedder(), hosts)
    slots = [item_slot(it) for it in items]
    assert set(slots) == {"start", "middle", "end"} and min(map(slots.count, set(slots))) >= 10
    for it, recs, slot in zip(items, transcripts, slots):
        line = recs[-1]
        # the transcript ends with the line, its context right before it, as written
        assert line["text"] == it["text"] and line["speaker"] == K
        assert [r["text"] for r in recs[-4:-1]] == [t["text"] for t in it["context"]]
        assert line["n"] == 30 + 4  # built on the whole host session
        if slot == "start":
            assert line["index"] == 3 and len(recs) == 4
        elif slot == "middle":
            assert line["index"] == 15 + 3 and 0.4 < line["pos"] < 0.6
        else:
            assert line["index"] == line["n"] - 1  # the session's last line: a disclosure at the door
            assert len(recs) == 1 + MAX_CONTEXT  # the turns before it, for the screening rule to look back
    again = risk_item_transcripts(items, ZeroEmbedder(), hosts)
    assert [r[-1]["index"] for r in again] == [r[-1]["index"] for r in transcripts]  # stable between runs
    assert [r["index"] for r in risk_item_records(items, ZeroEmbedder(), hosts)] == [r[-1]["index"] for r in again]


def test_host_sessions_are_grouped_by_language() -> None:
    rows = [{"session": "a", "lang": "id", "speaker": C, "text": "Halo."},
            {"session": "b", "lang": "en", "speaker": C, "text": "Hi."},
            {"session": "a", "lang": "id", "speaker": K, "text": "Pagi."}]
    assert host_sessions(rows) == {"id": [[(C, "Halo."), (K, "Pagi.")]], "en": [[(C, "Hi.")]]}


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


def test_cross_validation_in_parallel_processes_gives_the_same_results() -> None:
    # two feature settings, each fitted in a worker process of its own: the same probabilities, choices and
    # per-slot readout as fitting them one after the other
    rows, records = _corpus()
    items = [
        {**_item(1, "Aku pengen mati aja, Bu.", ["risk_self"]), "_file": "a"},
        {**_item(2, "Ujiannya kemarin bikin aku mati gaya banget.", []), "_file": "a"},
    ]
    grid = {"C": (0.3, 1.0), "context": (False,), "threshold": (0.5, 1.01), "weak_threshold": (0.3,)}
    emb = ZeroEmbedder()
    one, two = (
        risk_cv(rows, records=records, folds=3, grid=grid, extra_items=items, embedder=emb, jobs=jobs)
        for jobs in (1, 2)
    )
    assert len(one["results"]) == 4
    assert one["results"] == two["results"]
    assert one["chosen"] == two["chosen"] and "by_slot" in one["chosen"]


def test_train_refuses_a_bad_risk_file_before_training(tmp_path, capsys) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "x", "flags": ["nope"], "context": []}\n', encoding="utf-8")
    assert train_main(["--risk-data", str(bad), "--out", str(tmp_path / "m.model")]) == 2
    err = capsys.readouterr().err
    assert "bad.jsonl, line 1: unknown flag(s) nope" in err
    assert not (tmp_path / "m.model").exists()


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


class TextEmbedder:
    """Stands in for the sentence encoder: a fixed pseudo-random vector per text (same text, same vector)."""

    def encode(self, texts):
        import hashlib

        return np.stack([np.random.default_rng(int(hashlib.sha256(t.encode()).hexdigest()[:8], 16))
                         .normal(size=8).astype(np.float32) for t in texts])


def _records_of(lines):
    return build_records([s for s, _ in lines], [t for _, t in lines], TextEmbedder().encode([t for _, t in lines]))


@pytest.fixture(scope="module")
def trained_detector():
    from jalin.analysis.model.risk import RiskDetector

    # invented sessions: risk lines after a question, plain lines elsewhere; every feature switch on
    rng = np.random.default_rng(3)
    risky = ["Aku pengen ngilang aja dari dunia ini.", "Kadang kepikiran nyayat tangan lagi.",
             "Rasanya nggak ada gunanya aku hidup.", "Aku udah nulis surat buat Mama, biar dia nggak bingung."]
    plain = ["Ujiannya susah banget.", "Aku main sama Rina.", "Mama masak sayur.", "Besok ada les.",
             "Iya, Bu.", "Capek sama tugas.", "Aku suka gambar.", "Nggak tahu, Bu."]
    recs, flags = [], []
    for s in range(12):
        lines = []
        for i in range(20):
            if i % 2 == 0:
                lines.append((C, "Terus gimana?" if i % 4 else "Coba ceritakan lagi."))
            else:
                lines.append((K, risky[(s + i) % 4] if i in (7, 13) else plain[rng.integers(len(plain))]))
        recs += _records_of(lines)
        flags += [["risk_self"] if sp == K and t in risky else [] for sp, t in lines]
    return RiskDetector(min_positive=2, context=True, moves=True, ngrams=True).fit(recs, flags)


def test_a_line_scores_the_same_first_middle_or_last_in_a_session(trained_detector) -> None:
    # the classifier reads the line and the turns before it, never its position or a later turn: put the
    # same exchange at the start, in the middle and at the very end of a session ("oh iya Bu, satu lagi")
    exchange = [(C, "Ada lagi yang mau kamu ceritain?"), (K, "Nggak ada, Bu."), (C, "Coba ceritakan lagi."),
                (K, "Kadang kepikiran nyayat tangan lagi.")]
    filler = [(C if i % 2 == 0 else K, f"Obrolan biasa nomor {i}.") for i in range(24)]
    closing = [(C, "Baik, kita cukupkan dulu ya. Sampai ketemu Kamis."), (K, "Iya, Bu, makasih.")]
    placed = {
        "start": exchange + filler + closing,
        "middle": filler[:12] + exchange + filler[12:] + closing,
        "end": filler + closing + exchange,  # after the counselor has closed: a disclosure at the door
    }
    probs, flags = {}, {}
    for where, lines in placed.items():
        recs = _records_of(lines)
        at = next(i for i, (_, t) in enumerate(lines) if t == exchange[-1][1])
        probs[where] = trained_detector.predict_proba(recs)[at]
        flags[where] = trained_detector.predict(recs)[at][0]
        assert recs[at]["pos"] != 0.5 or where == "middle"
    assert probs["start"][0] > 0.5  # the line is a risk line to this detector
    assert np.allclose(probs["start"], probs["middle"]) and np.allclose(probs["start"], probs["end"])
    assert flags["start"] == flags["middle"] == flags["end"]
    # the clock itself is no feature: moving the record's position changes nothing
    line = _records_of(placed["middle"])[12 + 3]
    moved = [{**line, "pos": p, "index": ix, "n": n} for p, ix, n in ((0.0, 0, 4), (0.5, 20, 41), (1.0, 40, 41))]
    P = trained_detector.predict_proba(moved)
    assert np.allclose(P, P[0])


def test_an_artifact_from_before_reads_the_position_as_it_was_trained() -> None:
    from sklearn.linear_model import LogisticRegression

    from jalin.analysis.model.risk import RiskDetector
    from jalin.analysis.model.tasks import dense_features

    rng = np.random.default_rng(1)
    texts = [f"baris {i}" for i in range(40)]
    speakers = [K if i % 2 else C for i in range(40)]
    recs = build_records(speakers, texts, rng.normal(size=(40, 4)).astype(np.float32))
    y = np.array([i % 4 == 1 for i in range(40) if speakers[i] == K])
    # as unpickled from an artifact trained before the position-free detector: no feature_set_, and a
    # classifier fitted on the position block
    old = RiskDetector(min_positive=2)
    old.models_ = {"risk_self": LogisticRegression().fit(
        dense_features([r for r in recs if r["speaker"] == K], context=True, position=True), y)}
    line = recs[21]
    moved = [{**line, "pos": p, "index": ix} for p, ix in ((0.0, 1), (0.5, 20), (1.0, 39))]
    P = old.predict_proba(moved)
    assert not np.allclose(P, P[0])  # it still predicts, with the position it was trained on


def test_the_choice_refuses_a_setting_that_flags_an_acknowledgement() -> None:
    from jalin.analysis.risk_eval import choose

    def result(recall, precision, acks_flagged):
        scores = {**{f: {"recall": {"value": recall}} for f in ("risk_self", "risk_others", "abuse")},
                  "any": {"precision": {"value": precision}},
                  "ack_after_non_screening": {"lines": 10, "flagged": acks_flagged}}
        return {"scores": scores, "by_source": {"corpus": scores}}

    loud, quiet = result(0.95, 0.80, 1), result(0.85, 0.75, 0)
    assert choose([loud, quiet]) is quiet
