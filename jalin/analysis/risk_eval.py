"""Measuring the risk detector honestly (issue #11): ``jalin evaluate --risk-cv`` and ``--risk``.

- ``risk_cv``: grouped cross-validation (GroupKFold by session) on the *training part* of the
  held-out split. It searches the detector's settings (classifier C, neighbour context, classifier
  threshold, weak-cue threshold) and picks, by a rule fixed in advance (``choose``), the setting with
  the highest mean recall over the three flags among those whose precision (any flag on a counselee
  line) is at least ``MIN_PRECISION``. The shipped defaults (``DEFAULT_PARAMS["risk"]``) are its
  choice; the held-out sessions and the frozen evaluation set are never used to choose anything.
- ``risk_held_out``: the detector trained with the shipped settings on the training part, scored on
  the held-out sessions.
- ``risk_frozen``: the shipped model on the frozen evaluation set
  (``jalin/analysis/data/eval/risk/``, docs/risk-evaluation-set.md): each item's context and line
  form one short transcript and the flags of its last utterance are compared with the item's.

Every score is a count with a 95 % Wilson interval. ``ack_flags`` counts flags on acknowledgements
(at most four words, no flag in the reference) whose counselor turn is not a risk-screening question:
the goal is zero.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from importlib import resources
from itertools import product
from pathlib import Path

import numpy as np

from .corpus import CorpusError, group_sessions, held_out_split

__all__ = [
    "FLAGS",
    "MIN_PRECISION",
    "choose",
    "load_risk_eval",
    "risk_cv",
    "risk_frozen",
    "risk_held_out",
    "score_flags",
    "wilson",
]

FLAGS = ("risk_self", "risk_others", "abuse")
MIN_PRECISION = 0.70
# The search of ``jalin evaluate --risk-cv`` (every combination; thresholds and the weak-cue threshold cost
# nothing, each C x feature switch is one 5-fold fit). The classifier reads no position in any of them.
GRID = {
    "C": (0.3, 1.0, 3.0),
    "context": (False, True),  # the embeddings of the turn before and of the window before the line
    "moves": (False, True),  # what the counselor's turn and the line are doing (risk.MOVE_FEATURES)
    "ngrams": (False, True),  # word 1-2-grams of the line
    "threshold": (0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1.01),  # 1.01: never alone
    "weak_threshold": (0.3, 0.5, 0.7),
    # risk_self's own classifier threshold (None: ``threshold``); added after the fifth frozen set had found
    # risk_self alone short of its goal (0.95, the others' 0.90): the precision the floor allows may buy more
    # recall on risk_self than on the other flags. Only values below ``threshold`` are tried.
    "self_threshold": (None, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6),
}
# a grid that leaves a switch out has it off (and risk_self shares the others' threshold)
GRID_DEFAULTS = {"moves": (False,), "ngrams": (False,), "self_threshold": (None,)}
POSITIONS = ("first third", "middle third", "last third")


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float] | None:
    """95 % Wilson score interval for k successes out of n (None when n is 0)."""
    if n == 0:
        return None
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (round(max(0.0, centre - half), 4), round(min(1.0, centre + half), 4))


def _rate(k: int, n: int) -> dict:
    return {"value": round(k / n, 4) if n else None, "k": k, "n": n, "ci95": wilson(k, n)}


def score_flags(gold: Sequence[Sequence[str]], pred: Sequence[Sequence[str]], acks: Sequence[bool]) -> dict:
    """Recall and precision per flag and for 'any flag' (counts + Wilson intervals), and the flags
    on acknowledgements after a non-screening question (``acks`` marks those lines)."""
    out: dict = {}
    for flag in FLAGS:
        tp = sum(1 for g, p in zip(gold, pred) if flag in g and flag in p)
        fn = sum(1 for g, p in zip(gold, pred) if flag in g and flag not in p)
        fp = sum(1 for g, p in zip(gold, pred) if flag not in g and flag in p)
        out[flag] = {"recall": _rate(tp, tp + fn), "precision": _rate(tp, tp + fp)}
    tp = sum(1 for g, p in zip(gold, pred) if g and p)
    fn = sum(1 for g, p in zip(gold, pred) if g and not p)
    fp = sum(1 for g, p in zip(gold, pred) if not g and p)
    out["any"] = {"recall": _rate(tp, tp + fn), "precision": _rate(tp, tp + fp)}
    out["lines"] = len(gold)
    out["risk_lines"] = sum(1 for g in gold if g)
    out["ack_after_non_screening"] = {
        "lines": sum(acks),
        "flagged": sum(1 for a, p in zip(acks, pred) if a and p),
    }
    return out


def _ack_marks(speakers: Sequence[str], texts: Sequence[str], gold: Sequence[Sequence[str]]) -> list[bool]:
    """Acknowledgements with no reference flag whose last counselor turn screens for no risk."""
    from .model.lexicon import lexicon

    lex = lexicon()
    marks = []
    for i, (s, t) in enumerate(zip(speakers, texts)):
        ok = s == "counselee" and not gold[i] and lex.is_acknowledgement(t)
        if ok:
            prev = next((texts[k] for k in range(i - 1, -1, -1) if speakers[k] == "counselor"), "")
            ok = not lex.screening_flags(prev) and not lex.is_followup_question(prev)
        marks.append(ok)
    return marks


def position_bucket(record: dict) -> list[str]:
    """Where a line sits in its transcript: its third of the session, and "last line" when it ends it."""
    pos = float(record.get("pos", 0.0))
    out = [POSITIONS[min(int(pos * 3), 2)]]
    if record.get("index", 0) == record.get("n", 0) - 1:
        out.append("last line")
    return out


def by_position(records: Sequence[dict], gold, pred, source) -> dict:
    """Recall (any flag) of the risk lines in each position bucket, all lines and per source, and the
    flags on corpus lines without a reference flag (false alarms in real sessions) per bucket."""
    out: dict = {}
    for bucket in (*POSITIONS, "last line"):
        idx = [i for i, r in enumerate(records) if bucket in position_bucket(r)]
        risk = [i for i in idx if gold[i]]
        entry = {"recall": _rate(sum(1 for i in risk if pred[i]), len(risk))}
        for src in sorted(set(source)):
            r_src = [i for i in risk if source[i] == src]
            entry[f"recall_{src}"] = _rate(sum(1 for i in r_src if pred[i]), len(r_src))
        clean = [i for i in idx if source[i] == "corpus" and not gold[i]]
        entry["corpus_false_alarms"] = {"flagged": sum(1 for i in clean if pred[i]), "lines": len(clean)}
        out[bucket] = entry
    return out


def _slot_readout(params: dict, moved, moved_facts, moved_P, items) -> dict:
    """The same item lines scored at the start, in the middle and at the end of their host session
    (cross-validated: each by the detector of the fold that did not train on it): recall per slot and the
    share of lines whose flags are the same at all three."""
    from .model.risk import RiskDetector

    det = RiskDetector(**params)
    key = tuple(params[k] for k in ("C", "context", "moves", "ngrams"))
    flags: dict[str, list[list[str]]] = {}
    for slot, ts in moved.items():
        flags[slot] = [
            det.decide(t, moved_P[key][slot][j], facts=moved_facts[slot][j])[-1][0] for j, t in enumerate(ts)
        ]
    gold = [list(it["flags"]) for it in items]
    out: dict = {}
    for slot, pred in flags.items():
        s = score_flags(gold, pred, [False] * len(gold))
        out[slot] = {"any": s["any"]["recall"], **{f: s[f]["recall"] for f in FLAGS}}
    same = sum(1 for j in range(len(items)) if len({tuple(sorted(flags[s][j])) for s in flags}) == 1)
    out["same_flags_at_every_slot"] = _rate(same, len(items))
    return out


# --- cross-validation on the training part ------------------------------------------------------
def choose(results: Sequence[dict]) -> dict:
    """The rule fixed before searching (issue #11, position-free detector, written down before its grid
    was run): among settings whose precision (any flag) on the corpus session lines is at least
    MIN_PRECISION **and** that flag no acknowledgement after a non-screening question, the highest mean
    recall over the three flags; ties (to four decimals) by that precision. If none qualifies: the
    highest precision, then recall.

    Recall counts every line. Precision is taken on the corpus sessions when risk training items are in
    the folds: about 60 % of the items carry a flag against about 3 % of the lines of a real session,
    so precision over both would promise far fewer false alarms than a counselor would meet."""
    def mean_recall(r: dict) -> float:
        vals = [r["scores"][f]["recall"]["value"] or 0.0 for f in FLAGS]
        return float(np.mean(vals))

    def precision(r: dict) -> float:
        scores = r.get("by_source", {}).get("corpus", r["scores"])
        return scores["any"]["precision"]["value"] or 0.0

    def acks_flagged(r: dict) -> int:
        return int(r["scores"].get("ack_after_non_screening", {}).get("flagged", 0))

    ok = [r for r in results if precision(r) >= MIN_PRECISION and acks_flagged(r) == 0]
    if ok:
        return max(ok, key=lambda r: (round(mean_recall(r), 4), precision(r)))
    return max(results, key=lambda r: (precision(r), mean_recall(r)))


def risk_cv(
    rows: Sequence[dict],
    *,
    records: Sequence[dict] | None = None,
    embedder=None,
    folds: int = 5,
    seed: int = 0,
    grid: dict | None = None,
    log: Callable[[str], None] | None = None,
    extra_items: Sequence[dict] = (),
    extra_transcripts: Sequence[Sequence[dict]] | None = None,
    predictions: bool = False,
    jobs: int = 1,
) -> dict:
    """GroupKFold (by session) over ``rows`` (the training part), every setting of ``grid``.

    ``extra_items`` (risk training items, ``jalin.analysis.risk_train``) join the folds as their own
    groups; each is scored and trained on its line only, with its context in front of it.
    ``predictions``: each result also carries, per corpus counselee line, its out-of-fold flags and the
    highest of its three classifier probabilities (``bench/risk_relabel.py region`` reads them).
    ``jobs``: feature settings fitted and scored in parallel processes (the results are the same)."""
    from sklearn.model_selection import GroupKFold

    from .model.labeller import records_for_rows
    from .model.risk import RiskDetector, conversation_moves
    from .risk_train import SLOTS, host_sessions, item_groups, risk_item_transcripts

    grid = {**GRID_DEFAULTS, **dict(GRID if grid is None else grid)}
    rows = list(rows)
    extra_items = list(extra_items)
    if records is None or (extra_items and extra_transcripts is None):
        from .model.embed import Embedder

        embedder = embedder or Embedder("use")
    if records is None:
        records = records_for_rows(rows, embedder)
    records = list(records)
    moved: dict[str, list[list[dict]]] = {}
    if extra_items and extra_transcripts is None:
        # every item inside a corpus session of the training part: at its start, middle or end
        hosts = host_sessions(rows)
        extra_transcripts = risk_item_transcripts(extra_items, embedder, hosts)
        # and, to measure position robustness, every item at each of the three slots (scored, never trained)
        moved = {slot: risk_item_transcripts(extra_items, embedder, hosts, slot=slot) for slot in SLOTS}
    sessions = list(group_sessions(rows))
    if len(sessions) < folds:
        raise CorpusError(f"risk cross-validation needs at least {folds} sessions, got {len(sessions)}")
    # One flat list of records: the corpus sessions, then each extra item's transcript (its line last).
    bounds = []
    pos = 0
    for srows in group_sessions(rows).values():
        bounds.append((pos, pos + len(srows)))
        pos += len(srows)
    groups = [r["session"] for r in rows]
    gold = [list(r.get("flags") or []) for r in rows]
    scored = [r["speaker"] == "counselee" for r in rows]
    source = ["corpus"] * len(rows)
    for it, g, recs in zip(extra_items, item_groups(extra_items), extra_transcripts or ()):
        n = len(recs)
        bounds.append((pos, pos + n))
        pos += n
        records += list(recs)
        groups += [g] * n
        gold += [[] for _ in range(n - 1)] + [list(it["flags"])]
        scored += [False] * (n - 1) + [True]
        source += ["extra"] * n
    speakers = [r["speaker"] for r in records]
    texts = [r["text"] for r in records]
    groups_arr = np.array(groups)
    acks_all = _ack_marks(speakers, texts, gold)
    counselee = [i for i in range(len(records)) if scored[i]]
    # the conversation moves of a line do not depend on the settings: computed once, carried by the record
    def with_moves(recs: Sequence[dict]) -> list[dict]:
        return [{**r, "risk_moves": conversation_moves(r)} if r["speaker"] == "counselee" else r for r in recs]

    records = with_moves(records)
    # facts per session do not depend on the settings: compute once
    facts = [None] * len(records)
    probe = RiskDetector()
    for a, b in bounds:
        facts[a:b] = probe.line_facts(records[a:b])
    moved = {slot: [with_moves(t) for t in ts] for slot, ts in moved.items()}
    moved_facts = {slot: [probe.line_facts(t) for t in ts] for slot, ts in moved.items()}
    item_group = item_groups(extra_items)
    moved_P: dict[tuple, dict[str, list[np.ndarray]]] = {}
    results = []
    settings = [
        {"C": C, "context": context, "moves": moves, "ngrams": ngrams}
        for C, context, moves, ngrams in product(grid["C"], grid["context"], grid["moves"], grid["ngrams"])
    ]
    splits = [
        ([i for i in tr if scored[i]], te)  # an item's context turns carry no reference flags
        for tr, te in GroupKFold(n_splits=folds).split(np.zeros(len(records)), groups=groups_arr)
    ]
    oof_args = (records, gold, splits, groups_arr, moved, item_group, seed)
    score_args = {
        "grid": grid, "records": records, "bounds": bounds, "facts": facts, "gold": gold,
        "counselee": counselee, "source": source, "acks": acks_all, "rows": rows,
        "predictions": predictions, "by_source": bool(extra_items),
    }
    if jobs > 1 and len(settings) > 1:
        # each feature setting (its folds and its thresholds) in a worker process of its own
        from joblib import Parallel, delayed

        done = Parallel(n_jobs=jobs)(delayed(_cv_setting)(f, oof_args, score_args) for f in settings)
    else:
        done = (_cv_setting(f, oof_args, score_args) for f in settings)
    for features, (slot_P, setting_results) in zip(settings, done):
        if moved:
            moved_P[tuple(features.values())] = slot_P
        results += setting_results
        if log:
            log(f"  {features}: {folds} folds, {len(setting_results)} threshold settings")
    best = choose(results)
    if moved:
        best["by_slot"] = _slot_readout(best["params"], moved, moved_facts, moved_P, extra_items)
    return {
        "mode": f"GroupKFold by session, {folds} folds, on the training part (held-out split seed {seed})",
        "sessions": len(sessions),
        "extra_items": len(extra_items),
        "lines": len(counselee),
        "rule": f"highest mean recall over {', '.join(FLAGS)} with precision (any flag) >= {MIN_PRECISION}"
        + (" on the corpus sessions (realistic prevalence)" if extra_items else ""),
        "results": results,
        "chosen": best,
    }


def _cv_setting(features: dict, oof_args: tuple, score_args: dict) -> tuple[dict, list[dict]]:
    """One feature setting of ``risk_cv``: (P per slot of each moved item, a result per threshold setting)."""
    P, slot_P = _out_of_fold(features, *oof_args)
    return slot_P, _score_thresholds(features, P, **score_args)


def _score_thresholds(
    features, P, *, grid, records, bounds, facts, gold, counselee, source, acks, rows, predictions, by_source
) -> list[dict]:
    """The decision rules at every threshold setting of ``grid`` over one feature setting's out-of-fold
    probabilities ``P``, scored on the counselee lines."""
    from .model.risk import RiskDetector

    # what does not depend on the thresholds, taken out once for the whole loop
    gold_c, acks_c = [gold[i] for i in counselee], [acks[i] for i in counselee]
    records_c, source_c = [records[i] for i in counselee], [source[i] for i in counselee]
    by_src = {src: [i for i in counselee if source[i] == src] for src in ("corpus", "extra")}
    out = []
    for threshold, weak, own in product(grid["threshold"], grid["weak_threshold"], grid["self_threshold"]):
        if own is not None and own >= threshold:
            continue  # the same as no threshold of its own, or stricter than the others
        det = RiskDetector(**features, threshold=threshold, weak_threshold=weak, self_threshold=own)
        pred: list[list[str]] = [[] for _ in records]
        for a, b in bounds:
            for i, (flags, _) in enumerate(det.decide(records[a:b], P[a:b], facts=facts[a:b])):
                pred[a + i] = flags
        pred_c = [pred[i] for i in counselee]
        scores = score_flags(gold_c, pred_c, acks_c)
        sources = {
            src: score_flags([gold[i] for i in idx], [pred[i] for i in idx], [acks[i] for i in idx])
            for src, idx in by_src.items() if idx and by_source
        }
        oof = None
        if predictions:
            oof = [
                {"session": rows[i]["session"], "index": int(rows[i]["index"]), "flags": pred[i],
                 "p": round(float(P[i].max()), 4)}
                for i in by_src["corpus"]
            ]
        out.append(
            {
                **({"predictions": oof} if predictions else {}),
                "params": {**features, "threshold": threshold, "weak_threshold": weak, "self_threshold": own},
                "scores": scores,
                **({"by_source": sources} if sources else {}),
                "by_position": by_position(records_c, gold_c, pred_c, source_c),
            }
        )
    return out


def _out_of_fold(features, records, gold, splits, groups_arr, moved, item_group, seed):
    """Out-of-fold classifier probabilities of one feature setting: (P over ``records``, P per slot of
    each moved item)."""
    from .model.risk import RiskDetector

    P = np.zeros((len(records), len(FLAGS)))
    slot_P = {slot: [None] * len(ts) for slot, ts in moved.items()}
    for tr, te in splits:
        det = RiskDetector(**features, random_state=seed).fit([records[i] for i in tr], [gold[i] for i in tr])
        P[te] = det.predict_proba([records[i] for i in te])
        held = set(groups_arr[te])
        for slot, ts in moved.items():
            js = [j for j, g in enumerate(item_group) if g in held]
            flat = det.predict_proba([r for j in js for r in ts[j]])  # one batch per slot
            at = 0
            for j in js:
                slot_P[slot][j] = flat[at : at + len(ts[j])]
                at += len(ts[j])
    return P, slot_P


# --- held-out sessions and the frozen set ----------------------------------------------------------
def risk_held_out(
    rows: Sequence[dict],
    *,
    seed: int = 0,
    test_fraction: float = 0.2,
    embedder=None,
    params: dict | None = None,
    extra_items: Sequence[dict] = (),
) -> dict:
    """The risk detector trained (shipped settings) on the training part and the risk training items,
    scored on the held-out sessions."""
    from .model.embed import Embedder
    from .model.labeller import DEFAULT_PARAMS, records_for_rows
    from .model.risk import RiskDetector
    from .risk_train import host_sessions, risk_item_records

    train, test = held_out_split(list(rows), test_fraction=test_fraction, seed=seed)
    emb = embedder or Embedder("use")
    settings = dict(DEFAULT_PARAMS["risk"] if params is None else params)
    extra_items = list(extra_items)
    det = RiskDetector(random_state=seed, **settings).fit(
        records_for_rows(train, emb) + risk_item_records(extra_items, emb, host_sessions(train)),
        [r.get("flags") or [] for r in train] + [it["flags"] for it in extra_items],
    )
    out = {
        "mode": f"held-out sessions (test_fraction={test_fraction}, seed={seed})",
        "extra_items": len(extra_items),
        "params": settings,
        "train_sessions": len(group_sessions(train)),
        "test_sessions": len(group_sessions(test)),
        "by_language": {},
    }
    gold_all, pred_all, ack_all = [], [], []
    per_lang: dict[str, tuple[list, list, list]] = {}
    for srows in group_sessions(test).values():
        recs = records_for_rows(srows, emb)
        pred = [flags for flags, _ in det.predict(recs)]
        gold = [list(r.get("flags") or []) for r in srows]
        acks = _ack_marks([r["speaker"] for r in srows], [r["text"] for r in srows], gold)
        idx = [i for i, r in enumerate(srows) if r["speaker"] == "counselee"]
        g, p, a = per_lang.setdefault(srows[0].get("lang", "id"), ([], [], []))
        for i in idx:
            g.append(gold[i])
            p.append(pred[i])
            a.append(acks[i])
            gold_all.append(gold[i])
            pred_all.append(pred[i])
            ack_all.append(acks[i])
    for lang, (g, p, a) in sorted(per_lang.items()):
        out["by_language"][lang] = score_flags(g, p, a)
    out["all"] = score_flags(gold_all, pred_all, ack_all)
    return out


# v3 to v8 (docs/risk-evaluation-set.md) place each line in a short excerpt, after a long stretch of a
# session or in its closing, and say so in each item's "position"; they are scored by position as well.
FROZEN_SETS = {
    "v1": "data/eval/risk",
    "v2": "data/eval/risk_v2",
    "v3": "data/eval/risk_v3",
    "v4": "data/eval/risk_v4",
    "v5": "data/eval/risk_v5",
    "v6": "data/eval/risk_v6",
    "v7": "data/eval/risk_v7",
    "v8": "data/eval/risk_v8",
}


def _eval_dir(name: str = "v1") -> Path:
    return Path(str(resources.files("jalin.analysis").joinpath(FROZEN_SETS[name])))


def load_risk_eval(paths: Sequence[str] | None = None, *, frozen: str = "v1") -> list[dict]:
    """Items of a frozen risk evaluation set (default: the first, both files), validated."""
    files = [Path(p) for p in paths] if paths else sorted(_eval_dir(frozen).glob("risk_eval_*.jsonl"))
    if not files:
        raise CorpusError("no risk evaluation files found")
    items = []
    for f in files:
        if not f.is_file():
            raise CorpusError(f"{f}: file not found")
        for n, line in enumerate(f.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError as exc:
                raise CorpusError(f"{f}, line {n}: not valid JSON ({exc.msg})") from None
            missing = {"text", "flags", "context"} - set(item) if isinstance(item, dict) else {"object"}
            if missing:
                raise CorpusError(f"{f}, line {n}: missing field(s) {', '.join(sorted(missing))}")
            bad = set(item["flags"]) - set(FLAGS)
            if bad:
                raise CorpusError(f"{f}, line {n}: unknown flag(s) {', '.join(sorted(bad))}")
            for turn in item["context"]:
                if turn.get("speaker") not in ("counselor", "counselee") or not isinstance(turn.get("text"), str):
                    raise CorpusError(f"{f}, line {n}: each context turn needs speaker and text")
            items.append(item)
    return items


def risk_frozen(model, items: Sequence[dict]) -> dict:
    """The model on frozen items: flags of each item's line, given its context."""
    from .types import Transcript, Utterance

    by_lang: dict[str, tuple[list, list, list]] = {}
    by_pos: dict[str, tuple[list, list, list]] = {}
    for item in items:
        turns = [*item["context"], {"speaker": "counselee", "text": item["text"]}]
        t = Transcript([Utterance(index=i, speaker=u["speaker"], text=u["text"]) for i, u in enumerate(turns)])
        last = model.predict(t)[-1]
        gold = list(item["flags"])
        acks = _ack_marks([u["speaker"] for u in turns], [u["text"] for u in turns], [[]] * (len(turns) - 1) + [gold])
        groups = [by_lang.setdefault(item.get("lang", "id"), ([], [], []))]
        if item.get("position"):
            groups.append(by_pos.setdefault(item["position"], ([], [], [])))
        for g, p, a in groups:
            g.append(gold)
            p.append(list(last.flags))
            a.append(acks[-1])
    out = {"mode": "frozen risk evaluation set", "by_language": {}}
    if by_pos:
        out["by_position"] = {pos: score_flags(*gpa) for pos, gpa in sorted(by_pos.items())}
    allg, allp, alla = [], [], []
    for lang, (g, p, a) in sorted(by_lang.items()):
        out["by_language"][lang] = score_flags(g, p, a)
        allg += g
        allp += p
        alla += a
    out["all"] = score_flags(allg, allp, alla)
    return out


# --- printing ----------------------------------------------------------------------------------------
def _fmt_rate(r: dict) -> str:
    if r["value"] is None:
        return f"{'–':>6} (0/0)"
    lo, hi = r["ci95"]
    return f"{r['value']:.3f} [{lo:.2f}–{hi:.2f}] ({r['k']}/{r['n']})"


def format_scores(title: str, s: dict) -> str:
    lines = [
        f"{title}: {s['lines']} counselee lines, {s['risk_lines']} with a flag",
        f"  {'flag':<12}{'recall [95% CI] (k/n)':<34}{'precision [95% CI] (k/n)'}",
    ]
    for flag in (*FLAGS, "any"):
        lines.append(f"  {flag:<12}{_fmt_rate(s[flag]['recall']):<34}{_fmt_rate(s[flag]['precision'])}")
    ack = s["ack_after_non_screening"]
    lines.append(f"  flags on acknowledgements after a non-screening question: {ack['flagged']} of {ack['lines']}")
    return "\n".join(lines) + "\n"


def format_position(bp: dict) -> str:
    def short(r: dict) -> str:
        return f"{r['value']:.3f} ({r['k']}/{r['n']})" if r["value"] is not None else "– (0/0)"

    head = f"  {'position':<14}{'recall, all lines':<30}{'corpus lines':<26}{'risk training items':<26}"
    lines = [head + "false alarms (corpus)"]
    for bucket, e in bp.items():
        fa = e["corpus_false_alarms"]
        lines.append(
            f"  {bucket:<14}{short(e['recall']):<30}{short(e.get('recall_corpus', e['recall'])):<26}"
            f"{short(e['recall_extra']) if 'recall_extra' in e else '':<26}{fa['flagged']} of {fa['lines']}"
        )
    return "\n".join(lines) + "\n"


def format_cv(res: dict) -> str:
    extra = f" + {res['extra_items']} risk training items" if res.get("extra_items") else ""
    lines = [
        f"{res['mode']}: {res['sessions']} sessions{extra}, {res['lines']} counselee lines",
        f"rule: {res['rule']}",
    ]
    lines.append(
        f"  {'C':>4} {'ctx':>5} {'moves':>5} {'ngr':>5} {'thr':>5} {'weak':>5} {'self':>5}  {'R self':>7}{'R oth':>7}"
        f"{'R abuse':>8}{'P any':>7}{'R any':>7}{'acks':>6}{'P corpus':>9}"
    )
    for r in res["results"]:
        p, s = r["params"], r["scores"]
        lines.append(
            f"  {p['C']:>4} {p['context']!s:>5} {p.get('moves', False)!s:>5} {p.get('ngrams', False)!s:>5} "
            f"{p['threshold']:>5} {p['weak_threshold']:>5} {p.get('self_threshold') or '-'!s:>5}  "
            + "".join(f"{(s[f]['recall']['value'] or 0):>{w}.3f}" for f, w in zip(FLAGS, (7, 7, 8)))
            + f"{(s['any']['precision']['value'] or 0):>7.3f}{(s['any']['recall']['value'] or 0):>7.3f}"
            + f"{s['ack_after_non_screening']['flagged']:>6}"
            + (f"{(r['by_source']['corpus']['any']['precision']['value'] or 0):>9.3f}" if "by_source" in r else "")
        )
    lines.append(f"chosen: {res['chosen']['params']}")
    lines.append(format_scores("chosen setting, cross-validated", res["chosen"]["scores"]))
    for src, sc in res["chosen"].get("by_source", {}).items():
        name = "corpus sessions" if src == "corpus" else "risk training items"
        lines.append(format_scores(f"chosen setting, cross-validated, {name} only", sc))
    if "by_slot" in res["chosen"]:
        bs = res["chosen"]["by_slot"]
        lines.append("chosen setting, cross-validated: every risk training item scored at each slot of its host session")
        for slot in ("start", "middle", "end"):
            r = bs[slot]["any"]
            lines.append(f"  {slot:<8} recall (any flag) {r['value']:.3f} ({r['k']}/{r['n']})  "
                         + "  ".join(f"{f} {bs[slot][f]['value']:.3f}" for f in FLAGS))
        same = bs["same_flags_at_every_slot"]
        lines.append(f"  same flags at start, middle and end: {same['value']:.3f} ({same['k']}/{same['n']})\n")
    if "by_position" in res["chosen"]:
        lines.append("chosen setting, cross-validated recall (any flag) by the line's position in its session:")
        lines.append(format_position(res["chosen"]["by_position"]))
    return "\n".join(lines)
