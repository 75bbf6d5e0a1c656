"""``jalin train`` and ``jalin evaluate``: build the shipped model and measure it.

    python -m jalin.analysis.training train [--data PATH ...] [--out PATH] [--seed N] [--backend use|e5]
    python -m jalin.analysis.training evaluate DATA [--model PATH] [--lang id|en] [--json]
    python -m jalin.analysis.training evaluate ANNOMI.csv --cv-annomi [--candidates NAMES] [--tune] [--json]
    python -m jalin.analysis.training evaluate --held-out [DATA ...] [--seed N] [--lang id|en] [--json]

``evaluate`` reads our corpus JSONL (file, folder or glob), any CSV with speaker,text,label
columns, or AnnoMI's CSV (simple or full) directly:
- AnnoMI without ``--cv-annomi`` (b): the shipped (or given) model labels every AnnoMI
  utterance; its fine labels are mapped to AnnoMI's coarse classes and scored.
- AnnoMI with ``--cv-annomi`` (a): the same architecture is trained and tested on AnnoMI
  with 5-fold GroupKFold by video_url (therapist 4-class, client 3-class), using AnnoMI's
  own coarse labels. Hyper-parameters are the defaults chosen on our corpus, or, with
  ``--tune``, chosen by inner GroupKFold on each training part only. ``--candidates`` scores several
  candidates of ``--compare`` (embeddings + head) on the same folds, one table (reported only).
- ``--held-out``: train on the corpus minus the held-out sessions, report on those sessions
  by language (labels, stages, tasks, flags).
Bad arguments or files: one-line message, exit code 2.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from collections.abc import Sequence

import numpy as np

from .annomi import AnnoMIError, annomi_sessions, is_annomi_csv, read_annomi, to_coarse
from .corpus import CorpusError, _expand, group_sessions, held_out_split, load_corpus, load_labelled_csv
from .taxonomy import taxonomy

__all__ = [
    "annomi_folds",
    "annomi_records",
    "calibration_report",
    "classification_report",
    "cv_annomi",
    "cv_annomi_scores",
    "evaluate_main",
    "evaluate_rows",
    "held_out",
    "main",
    "train_main",
]


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of exiting, so callers control the exit code and output."""

    def error(self, message):
        raise UsageError(f"{self.prog}: {message}")


# --- metrics ---------------------------------------------------------------------------
def classification_report(
    y_true: Sequence[str], y_pred: Sequence[str], labels: Sequence[str] | None = None
) -> dict:
    """Per-label precision/recall/F1/support, macro-F1, accuracy, Cohen's kappa and the confusion matrix."""
    from sklearn.metrics import cohen_kappa_score, confusion_matrix, precision_recall_fscore_support

    y_true = [str(y) for y in y_true]
    y_pred = [str(y) for y in y_pred]
    present = sorted(set(y_true) | set(y_pred))
    if labels is None:
        labels = present
    labels = [lab for lab in labels if lab in set(y_true) | set(y_pred)]
    if not y_true:
        return {
            "n": 0,
            "labels": [],
            "per_label": {},
            "macro_f1": None,
            "accuracy": None,
            "kappa": None,
            "confusion": [],
        }
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=0)
    true_labels = [lab for lab in labels if lab in set(y_true)]
    _, _, f_true, _ = precision_recall_fscore_support(y_true, y_pred, labels=true_labels, zero_division=0)
    kappa = cohen_kappa_score(y_true, y_pred) if len(set(y_true) | set(y_pred)) > 1 else 1.0
    return {
        "n": len(y_true),
        "labels": list(labels),
        "per_label": {
            lab: {
                "precision": round(float(p[i]), 4),
                "recall": round(float(r[i]), 4),
                "f1": round(float(f[i]), 4),
                "support": int(s[i]),
            }
            for i, lab in enumerate(labels)
        },
        # macro over the labels that occur in the reference (labels only predicted count as errors elsewhere)
        "macro_f1": round(float(np.mean(f_true)), 4) if len(f_true) else None,
        "accuracy": round(float(np.mean(np.array(y_true) == np.array(y_pred))), 4),
        "kappa": round(float(kappa), 4),
        "confusion": confusion_matrix(y_true, y_pred, labels=labels).tolist(),
    }


def _binary(tp: int, fp: int, fn: int) -> dict:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {
        "precision": round(p, 4),
        "recall": round(r, 4),
        "f1": round(f, 4),
        "support": tp + fn,
        "predicted": tp + fp,
    }


def _set_scores(gold: Sequence[Sequence[str]], pred: Sequence[Sequence[str]], ids: Sequence[str]) -> dict:
    out = {}
    for k in ids:
        tp = sum(1 for g, p in zip(gold, pred) if k in g and k in p)
        fp = sum(1 for g, p in zip(gold, pred) if k not in g and k in p)
        fn = sum(1 for g, p in zip(gold, pred) if k in g and k not in p)
        out[k] = _binary(tp, fp, fn)
    return out


# --- evaluation on labelled rows ----------------------------------------------------------
def predict_rows(model, rows: Sequence[dict]) -> list[dict]:
    """Run ``model.predict`` session by session on corpus-like rows; one prediction dict per row."""
    from .types import Transcript, Utterance

    preds: list[dict] = []
    for sid, srows in group_sessions(list(rows)).items():
        t = Transcript(
            [
                Utterance(
                    index=i,
                    speaker=r["speaker"],
                    text=r["text"],
                    is_silence=r["text"].strip().lower() in ("[diam]", "(diam)"),
                )
                for i, r in enumerate(srows)
            ],
            source=str(sid),
        )
        for u in model.predict(t):
            preds.append({"label": u.label, "stage": u.stage, "tasks": u.tasks, "flags": u.flags})
    return preds


def evaluate_rows(model, rows: Sequence[dict], preds: Sequence[dict] | None = None) -> dict:
    """Scores of ``model`` on labelled rows: labels per speaker, and stages/tasks/flags when present."""
    tax = taxonomy()
    rows = list(rows)
    preds = list(preds) if preds is not None else predict_rows(model, rows)
    out: dict = {"n": len(rows), "languages": dict(Counter(r.get("lang", "id") for r in rows))}
    for speaker in ("counselor", "counselee"):
        idx = [i for i, r in enumerate(rows) if r["speaker"] == speaker]
        out[speaker] = classification_report(
            [rows[i]["label"] for i in idx], [preds[i]["label"] for i in idx], tax.labels_for(speaker)
        )
    # coarse groups for the counselor (attending, question, reflection, ...)
    idx = [i for i, r in enumerate(rows) if r["speaker"] == "counselor"]
    out["counselor_groups"] = classification_report(
        [tax.group_of[rows[i]["label"]] for i in idx],
        [tax.group_of[preds[i]["label"]] for i in idx],
        tax.groups,
    )
    with_stage = [i for i, r in enumerate(rows) if r.get("stage")]
    if with_stage:
        out["stage"] = classification_report(
            [rows[i]["stage"] for i in with_stage], [preds[i]["stage"] for i in with_stage], tax.stages
        )
    if any(r.get("tasks") for r in rows):
        out["tasks_utterance"] = _set_scores(
            [r.get("tasks") or [] for r in rows], [p["tasks"] for p in preds], tax.tasks
        )
        # session level: was the task done at all in the session?
        gold_s, pred_s = [], []
        sess = group_sessions(rows)
        pos = 0
        for srows in sess.values():
            n = len(srows)
            gold_s.append({t for r in srows for t in (r.get("tasks") or [])})
            pred_s.append({t for p in preds[pos : pos + n] for t in p["tasks"]})
            pos += n
        out["tasks_session"] = _set_scores(gold_s, pred_s, tax.tasks)
        f1s = [v["f1"] for v in out["tasks_session"].values() if v["support"]]
        out["tasks_session_macro_f1"] = round(float(np.mean(f1s)), 4) if f1s else None
    if any(r.get("flags") for r in rows) or any(p["flags"] for p in preds):
        counselee = [i for i, r in enumerate(rows) if r["speaker"] == "counselee"]
        out["flags"] = _set_scores(
            [rows[i].get("flags") or [] for i in counselee], [preds[i]["flags"] for i in counselee], tax.flags
        )
        anyflag = [bool(rows[i].get("flags")) for i in counselee]
        anypred = [bool(preds[i]["flags"]) for i in counselee]
        out["flags_any"] = _binary(
            sum(a and b for a, b in zip(anyflag, anypred)),
            sum((not a) and b for a, b in zip(anyflag, anypred)),
            sum(a and (not b) for a, b in zip(anyflag, anypred)),
        )
    return out


def calibration_report(model, rows: Sequence[dict], records: Sequence[dict] | None = None) -> dict:
    """Expected calibration error (10 bins, with the reliability table) of ``model`` on labelled
    rows, before (raw classifier probabilities) and after calibration: counselor labels,
    counselee labels (top-label confidence against correctness, rules included) and stage tasks
    (the probability of every task for every utterance against the reference). Also how often
    a claim (confidence at or above the model's claim threshold) is right on these rows."""
    from .model.calibration import expected_calibration_error
    from .model.embed import get_embedder
    from .model.labeller import records_for_rows

    rows = list(rows)
    if records is None:
        records = records_for_rows(rows, get_embedder(model.backend))
    policy = model.claim_policy
    out: dict = {"n_bins": 10, "policy": policy}
    labelled = {cal: model.label_records(records, calibrated=cal) for cal in (False, True)}
    for speaker in ("counselor", "counselee"):
        idx = [i for i, r in enumerate(rows) if r["speaker"] == speaker]
        if not idx:
            continue
        entry: dict = {"n": len(idx)}
        for cal, name in ((False, "before"), (True, "after")):
            conf = [labelled[cal][i][1] for i in idx]
            ok = [labelled[cal][i][0] == rows[i]["label"] for i in idx]
            entry[name] = expected_calibration_error(conf, ok)
        thr = policy["label"][speaker]
        claimed = [i for i in idx if labelled[True][i][1] >= thr]
        entry["claims"] = {
            "threshold": thr,
            "n": len(claimed),
            "share": round(len(claimed) / len(idx), 4),
            "precision": round(float(np.mean([labelled[True][i][0] == rows[i]["label"] for i in claimed])), 4)
            if claimed else None,
        }
        out[speaker] = entry
    if any(r.get("tasks") for r in rows):
        det = model.tasks
        decided, P, Pcal = det.predict_with_confidence(records)
        cols = [j for j, t in enumerate(det.tasks_) if t in getattr(det, "models_", {})]
        gold = np.array([[det.tasks_[j] in (r.get("tasks") or []) for j in cols] for r in rows])
        hit = np.array([[det.tasks_[j] in d for j in cols] for d in decided])
        entry = {"n": int(gold.size), "tasks": [det.tasks_[j] for j in cols]}
        entry["before"] = expected_calibration_error(P[:, cols].ravel(), gold.ravel())
        entry["after"] = expected_calibration_error(Pcal[:, cols].ravel(), gold.ravel())
        # the pairs the detector reports (where a claim could be made): all-pair ECE is dominated by
        # the many utterances that plainly do not do a task
        entry["detected"] = {
            "n": int(hit.sum()),
            "before": expected_calibration_error(P[:, cols][hit], gold[hit]),
            "after": expected_calibration_error(Pcal[:, cols][hit], gold[hit]),
        }
        claimed = hit & (Pcal[:, cols] >= policy["task"])
        entry["claims"] = {
            "threshold": policy["task"],
            "detections": int(hit.sum()),
            "n": int(claimed.sum()),
            "precision_all_detections": round(float(gold[hit].mean()), 4) if hit.any() else None,
            "precision": round(float(gold[claimed].mean()), 4) if claimed.any() else None,
        }
        out["tasks"] = entry
    return out


def _fmt_calibration(cal: dict, title: str = "Calibration") -> str:
    lines = [f"{title} (expected calibration error, {cal['n_bins']} bins; before = raw, after = calibrated)"]
    for key, name in (("counselor", "Counselor labels"), ("counselee", "Counselee labels"), ("tasks", "Stage tasks")):
        e = cal.get(key)
        if not e:
            continue
        c = e["claims"]
        prec = "—" if c["precision"] is None else f"{c['precision']:.3f}"
        lines.append(
            f"  {name} (n={e['n']}): ECE before {e['before']['ece']:.4f}, after {e['after']['ece']:.4f};"
            f" claims at ≥ {c['threshold']:.2f}: {c['n']}, precision {prec}"
        )
        if "detected" in e:
            d = e["detected"]
            lines.append(f"    reported task detections only (n={d['n']}): ECE before {d['before']['ece']:.4f},"
                         f" after {d['after']['ece']:.4f}")
        lines.append(f"    {'bin':<11}{'n before':>9}{'conf':>7}{'acc':>7}   {'n after':>8}{'conf':>7}{'acc':>7}")
        for b0, b1 in zip(e["before"]["bins"], e["after"]["bins"]):
            f = lambda v: "     —" if v is None else f"{v:>6.3f}"
            lines.append(
                f"    {b0['lo']:.1f}–{b0['hi']:.1f}   {b0['n']:>9} {f(b0['confidence'])} {f(b0['accuracy'])}"
                f"   {b1['n']:>8} {f(b1['confidence'])} {f(b1['accuracy'])}"
            )
    return "\n".join(lines) + "\n"


def evaluate_annomi_shipped(model, rows: Sequence[dict]) -> dict:
    """(b): our model's fine labels mapped to AnnoMI's coarse classes, against AnnoMI's labels."""
    from .types import Transcript, Utterance

    gold = {"counselor": [], "counselee": []}
    pred = {"counselor": [], "counselee": []}
    for tid, srows in annomi_sessions(list(rows)).items():
        t = Transcript(
            [Utterance(index=i, speaker=r["speaker"], text=r["text"]) for i, r in enumerate(srows)],
            source=f"annomi-{tid}",
            language="en",
        )
        for r, u in zip(srows, model.predict(t)):
            gold[r["speaker"]].append(r["label"])
            pred[r["speaker"]].append(to_coarse(u.label, r["speaker"]))
    from .annomi import CLIENT_CLASSES, THERAPIST_CLASSES

    return {
        "mode": "shipped model, fine labels mapped to AnnoMI classes",
        "therapist": classification_report(gold["counselor"], pred["counselor"], THERAPIST_CLASSES),
        "client": classification_report(gold["counselee"], pred["counselee"], CLIENT_CLASSES),
    }


def _inner_select(X, y, groups, grid, base: dict, n_splits=3) -> tuple[dict, dict]:
    """Pick the best of ``grid`` (list of param dicts) by GroupKFold macro-F1 on the training part only."""
    from sklearn.metrics import f1_score
    from sklearn.model_selection import GroupKFold

    from .model.estimator import UtteranceClassifier

    scores = {}
    for cand in grid:
        params = {**base, **cand}
        pred = np.empty(len(y), dtype=object)
        for tr, te in GroupKFold(n_splits).split(X, y, groups):
            m = UtteranceClassifier(**params).fit([X[i] for i in tr], y[tr])
            pred[te] = m.predict([X[i] for i in te])
        scores[json.dumps(cand, sort_keys=True)] = f1_score(y, pred.astype(str), average="macro")
    best = max(scores, key=scores.get)
    return {**base, **json.loads(best)}, scores


def annomi_records(rows: Sequence[dict], embedder) -> dict:
    """AnnoMI rows -> feature records (embedded with ``embedder``), labels, video groups and speakers."""
    from .model.features import build_records

    recs, ys, groups, spk = [], [], [], []
    for srows in annomi_sessions(list(rows)).values():
        texts = [r["text"] for r in srows]
        recs += build_records([r["speaker"] for r in srows], texts, embedder.encode(texts))
        ys += [r["label"] for r in srows]
        groups += [r["video_url"] for r in srows]
        spk += [r["speaker"] for r in srows]
    return {"records": recs, "labels": np.array(ys), "groups": np.array(groups), "speakers": np.array(spk)}


_ANNOMI_SPEAKERS = (("counselor", "therapist"), ("counselee", "client"))


def annomi_folds(data: dict, folds: int = 5) -> dict[str, list[tuple[np.ndarray, np.ndarray]]]:
    """GroupKFold by video_url for each speaker: ``{"therapist": [(train, test), ...], "client": [...]}``.

    Indices are positions among that speaker's rows. The folds depend only on the labels and the
    videos, never on the embeddings, so every candidate is scored on exactly these folds."""
    from sklearn.model_selection import GroupKFold

    out = {}
    for speaker, name in _ANNOMI_SPEAKERS:
        idx = np.where(data["speakers"] == speaker)[0]
        y, g = data["labels"][idx], data["groups"][idx]
        out[name] = list(GroupKFold(folds).split(np.zeros(len(y)), y, g))
    return out


def annomi_fold_sizes(data: dict, splits: dict) -> dict[str, list[dict]]:
    """Per speaker and test fold: how many videos and utterances it holds."""
    out = {}
    for speaker, name in _ANNOMI_SPEAKERS:
        g = data["groups"][data["speakers"] == speaker]
        out[name] = [{"videos": len(set(g[te])), "utterances": len(te)} for _, te in splits[name]]
    return out


def cv_annomi_scores(
    data: dict,
    splits: dict,
    *,
    head: str = "lr",
    tune: bool = False,
    random_state: int = 0,
    log=None,
) -> dict:
    """Fit ``UtteranceClassifier`` (shipped settings, ``head``) on each training part of ``splits``,
    predict its test part; per speaker: the classification report and the C used in each fold."""
    from .annomi import CLIENT_CLASSES, THERAPIST_CLASSES
    from .model.estimator import UtteranceClassifier
    from .model.labeller import DEFAULT_PARAMS

    grid = [{"C": c} for c in (0.3, 1.0, 3.0)]
    classes = {"therapist": THERAPIST_CLASSES, "client": CLIENT_CLASSES}
    out = {}
    for speaker, name in _ANNOMI_SPEAKERS:
        idx = np.where(data["speakers"] == speaker)[0]
        X = [data["records"][i] for i in idx]
        y, g = data["labels"][idx], data["groups"][idx]
        pred = np.empty(len(y), dtype=object)
        chosen = []
        for k, (tr, te) in enumerate(splits[name]):
            base = {**DEFAULT_PARAMS[speaker], "head": head, "random_state": random_state}
            if tune:
                params, _ = _inner_select([X[i] for i in tr], y[tr], g[tr], grid, base)
            else:
                params = base
            chosen.append(params.get("C"))
            m = UtteranceClassifier(**params).fit([X[i] for i in tr], y[tr])
            pred[te] = m.predict([X[i] for i in te])
            if log:
                log(f"  {name} fold {k + 1}/{len(splits[name])} done (C={params.get('C')})")
        out[name] = classification_report(list(y), list(pred.astype(str)), classes[name])
        out[name]["C_per_fold"] = chosen
    return out


def cv_annomi(
    rows: Sequence[dict],
    *,
    backend: str = "use",
    folds: int = 5,
    tune: bool = False,
    cache_dir: str | None = None,
    random_state: int = 0,
    log=None,
    head: str = "lr",
) -> dict:
    """(a): the same classifier architecture trained and tested on AnnoMI, GroupKFold by video_url.

    One embedding backend and head; ``compare.annomi_cv`` scores several candidates on the same folds."""
    from .model.embed import Embedder

    emb = Embedder(backend, cache_dir=cache_dir)
    data = annomi_records(rows, emb)
    if cache_dir:
        emb.save_cache()
    splits = annomi_folds(data, folds)
    out = {
        "mode": f"{folds}-fold GroupKFold by video_url, AnnoMI coarse labels",
        "backend": backend,
        "head": head,
        "tuned": tune,
        "fold_sizes": annomi_fold_sizes(data, splits),
    }
    out.update(cv_annomi_scores(data, splits, head=head, tune=tune, random_state=random_state, log=log))
    return out


def held_out(
    rows: Sequence[dict],
    *,
    seed: int = 0,
    test_fraction: float = 0.2,
    backend: str = "use",
    cache_dir: str | None = None,
    lang: str | None = None,
) -> dict:
    """Train on the corpus minus held-out sessions; report on the held-out sessions, by language."""
    from .model.embed import Embedder
    from .model.labeller import fit_label_model, records_for_rows

    train, test = held_out_split(list(rows), test_fraction=test_fraction, seed=seed)
    emb = Embedder(backend, cache_dir=cache_dir)
    records = records_for_rows(train, emb)
    # calibration and claim thresholds are fitted inside, on the training sessions only
    model = fit_label_model(train, records=records, backend=backend, random_state=seed)
    test_records = records_for_rows(test, emb)
    if cache_dir:
        emb.save_cache()
    preds = predict_rows(model, test)
    out = {
        "mode": f"held-out sessions (test_fraction={test_fraction}, seed={seed})",
        "train_sessions": len(group_sessions(train)),
        "test_sessions": len(group_sessions(test)),
        "train_rows": len(train),
        "test_rows": len(test),
        "by_language": {},
    }
    for lg in ("id", "en"):
        if lang and lg != lang:
            continue
        idx = [i for i, r in enumerate(test) if r.get("lang", "id") == lg]
        if idx:
            out["by_language"][lg] = evaluate_rows(model, [test[i] for i in idx], [preds[i] for i in idx])
    if not lang:
        out["all"] = evaluate_rows(model, test, preds)
    keep = [i for i, r in enumerate(test) if not lang or r.get("lang", "id") == lang]
    out["calibration"] = calibration_report(model, [test[i] for i in keep], [test_records[i] for i in keep])
    out["calibration_fit"] = model.meta.get("calibration")
    # majority baseline (per speaker) for reference
    base = {}
    for speaker in ("counselor", "counselee"):
        maj = Counter(r["label"] for r in train if r["speaker"] == speaker).most_common(1)[0][0]
        gold = [r["label"] for r in test if r["speaker"] == speaker and (not lang or r.get("lang") == lang)]
        base[speaker] = classification_report(gold, [maj] * len(gold))["macro_f1"]
    out["majority_baseline_macro_f1"] = base
    return out


# --- printing -----------------------------------------------------------------------------------
def _fmt_report(title: str, rep: dict, show_confusion: bool = True) -> str:
    if not rep or not rep.get("n"):
        return f"{title}: no utterances\n"
    lines = [
        f"{title}  (n={rep['n']})",
        f"  macro-F1 {rep['macro_f1']:.3f}   accuracy {rep['accuracy']:.3f}   Cohen's kappa {rep['kappa']:.3f}",
        f"  {'label':<24}{'prec':>7}{'recall':>8}{'F1':>7}{'n':>6}",
    ]
    for lab, m in rep["per_label"].items():
        lines.append(f"  {lab:<24}{m['precision']:>7.3f}{m['recall']:>8.3f}{m['f1']:>7.3f}{m['support']:>6}")
    if show_confusion and rep.get("confusion"):
        labs = rep["labels"]
        short = [lab[:6] for lab in labs]
        lines.append("  confusion (rows = reference, columns = predicted):")
        lines.append("  " + " " * 24 + "".join(f"{s:>7}" for s in short))
        for lab, row in zip(labs, rep["confusion"]):
            lines.append(f"  {lab:<24}" + "".join(f"{v:>7}" for v in row))
    return "\n".join(lines) + "\n"


def _fmt_sets(title: str, scores: dict) -> str:
    lines = [title, f"  {'id':<24}{'prec':>7}{'recall':>8}{'F1':>7}{'n':>6}{'pred':>6}"]
    for k, m in scores.items():
        if m["support"] or m["predicted"]:
            lines.append(
                f"  {k:<24}{m['precision']:>7.3f}{m['recall']:>8.3f}{m['f1']:>7.3f}"
                f"{m['support']:>6}{m['predicted']:>6}"
            )
    return "\n".join(lines) + "\n"


def _fmt_eval(res: dict, header: str = "") -> str:
    parts = [header] if header else []
    parts.append(_fmt_report("Counselor labels", res["counselor"]))
    parts.append(_fmt_report("Counselor groups", res["counselor_groups"], show_confusion=False))
    parts.append(_fmt_report("Counselee labels", res["counselee"]))
    if "stage" in res:
        parts.append(_fmt_report("Stages", res["stage"]))
    if "tasks_session" in res:
        parts.append(
            _fmt_sets(
                f"Stage tasks per session (macro-F1 {res['tasks_session_macro_f1']})", res["tasks_session"]
            )
        )
        parts.append(_fmt_sets("Stage tasks per utterance", res["tasks_utterance"]))
    if "flags" in res:
        parts.append(_fmt_sets("Flags (counselee utterances)", res["flags"]))
    return "\n".join(parts)


def _print(obj, as_json: bool, text: str) -> None:
    if as_json:
        print(json.dumps(obj, indent=1, ensure_ascii=False))
    else:
        print(text)


# --- commands -------------------------------------------------------------------------------------
def _train_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="jalin train",
        description="Train the utterance-labelling model on a labelled corpus.",
        epilog="example: jalin train --data jalin/analysis/data/corpus --out /tmp/model.model --seed 0",
    )
    p.add_argument(
        "--data",
        action="append",
        metavar="PATH",
        help="corpus JSONL file, folder or glob (repeatable; default: the shipped corpus)",
    )
    p.add_argument(
        "--out",
        metavar="PATH",
        help="artifact file or folder (default: the package's data/models, replacing the old artifact)",
    )
    p.add_argument(
        "--risk-data",
        action="append",
        metavar="PATH",
        help="risk training items (JSONL, counselee lines in context) for the risk detector only "
        "(repeatable; default: the shipped data/risk_train; 'none': no items)",
    )
    p.add_argument("--seed", type=int, default=0, help="random_state (default 0)")
    p.add_argument(
        "--backend", choices=("use", "e5", "use+e5"), default="use", help="sentence embeddings (default use)"
    )
    p.add_argument("--cache-dir", metavar="DIR", help="cache embeddings here between runs (optional)")
    return p


def train_main(argv: Sequence[str] | None = None) -> int:
    """``jalin train``; returns the exit code (0 ok, 2 bad arguments or corpus)."""
    from .model import save_model, train_model
    from .model.persist import _models_dir

    try:
        args = _train_parser().parse_args(list(argv) if argv is not None else None)
        if args.out is not None and os.path.isdir(args.out) is False and args.out.endswith(os.sep):
            os.makedirs(args.out, exist_ok=True)
        t0 = time.perf_counter()
        risk_paths = None
        if args.risk_data:
            risk_paths = [] if args.risk_data == ["none"] else _expand(args.risk_data)
        model = train_model(
            args.data, random_state=args.seed, backend=args.backend, cache_dir=args.cache_dir, risk_paths=risk_paths
        )
    except UsageError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except CorpusError as exc:
        print(f"jalin train: {exc}", file=sys.stderr)
        return 2
    default_out = args.out is None
    out = args.out or str(_models_dir())
    try:
        path = save_model(model, out)
    except OSError as exc:
        print(f"jalin train: cannot write {out}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    if default_out:  # keep exactly one shipped artifact (and no format-1 .joblib one)
        for old in [*_models_dir().glob("jalin-labels-*.model"), *_models_dir().glob("jalin-labels-*.joblib")]:
            if old.resolve() != path.resolve():
                old.unlink()
    size = os.path.getsize(path) / 1e6
    print(
        f"trained {model.version} on {model.meta['n_rows']} utterances ({model.meta['n_sessions']} sessions"
        f", {model.meta.get('risk_train_items', 0)} risk training items) "
        f"in {time.perf_counter() - t0:.0f} s"
    )
    print(f"wrote {path} ({size:.1f} MB)")
    return 0


def _eval_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="jalin evaluate",
        description="Score a model on labelled data (corpus JSONL, CSV with speaker,text,label, or AnnoMI CSV).",
        epilog="examples: jalin evaluate corpus/ --lang id; jalin evaluate AnnoMI-simple.csv --cv-annomi "
        "--candidates use-lr,use-mlp; "
        "jalin evaluate --held-out",
    )
    p.add_argument("data", nargs="*", metavar="DATA", help="labelled JSONL/CSV file(s), folder or glob")
    p.add_argument("--model", metavar="PATH", help="model artifact (default: the shipped model)")
    p.add_argument(
        "--cv-annomi",
        action="store_true",
        help="AnnoMI: train and test the same architecture with 5-fold GroupKFold by video_url",
    )
    p.add_argument(
        "--tune",
        action="store_true",
        help="with --cv-annomi: choose C (the MLP's alpha is 1e-3/C) by inner CV on each training part",
    )
    p.add_argument(
        "--held-out",
        action="store_true",
        help="train on the corpus minus held-out sessions, report on them by language",
    )
    p.add_argument(
        "--risk",
        action="store_true",
        help="risk flags: recall and precision with 95%% Wilson intervals on the frozen risk evaluation set "
        "(DATA: other risk evaluation files) and on the held-out sessions",
    )
    p.add_argument(
        "--risk-cv",
        action="store_true",
        help="risk flags: grouped cross-validation on the training part that chooses the detector's settings",
    )
    p.add_argument(
        "--compare",
        action="store_true",
        help="train every candidate model (embeddings x head, noise augmentation) on 25/50/100 %% of the training "
        "sessions and score it on the held-out sessions, the frozen unseen set and (a diagnostic) the held-out "
        "sessions noised (DATA: the corpus; default shipped)",
    )
    p.add_argument(
        "--candidates",
        metavar="NAMES",
        help="with --compare (default: all) or --cv-annomi (default: the shipped use-lr): comma-separated "
        "candidates, each embeddings + head (use-lr, use-mlp, e5-lr, use+e5-lr)",
    )
    p.add_argument("--lang", choices=("id", "en"), help="only sessions in this language")
    p.add_argument("--seed", type=int, default=0, help="split seed / random_state for --held-out (default 0)")
    p.add_argument("--folds", type=int, default=5, help="folds for --cv-annomi (default 5)")
    p.add_argument(
        "--backend",
        choices=("use", "e5"),
        help="embeddings for --held-out/--risk and for --cv-annomi without --candidates (default use)",
    )
    p.add_argument("--cache-dir", metavar="DIR", help="cache embeddings here between runs (optional)")
    p.add_argument(
        "--jobs", type=int, default=1, metavar="N",
        help="with --risk-cv: fit and score the feature settings in N processes (default 1; the same results)",
    )
    p.add_argument("--json", action="store_true", help="print JSON instead of tables")
    return p


def evaluate_main(argv: Sequence[str] | None = None) -> int:
    """``jalin evaluate``; returns the exit code (0 ok, 1 model problem, 2 bad arguments or data)."""
    from .model import ModelError, load_model

    try:
        args = _eval_parser().parse_args(list(argv) if argv is not None else None)
        if args.folds < 2:
            raise UsageError("jalin evaluate: --folds must be at least 2")
        if args.jobs < 1:
            raise UsageError("jalin evaluate: --jobs must be at least 1")
        if sum(map(bool, (args.compare, args.risk or args.risk_cv, args.held_out, args.cv_annomi))) > 1:
            raise UsageError("jalin evaluate: --compare, --risk, --held-out and --cv-annomi cannot be combined")
        if args.candidates is not None and not (args.compare or args.cv_annomi):
            raise UsageError("jalin evaluate: --candidates needs --compare or --cv-annomi")
        if args.cv_annomi and args.candidates is not None and args.backend is not None:
            raise UsageError(
                "jalin evaluate: with --candidates the embeddings are part of each name (e.g. e5-lr); "
                "leave out --backend"
            )
        if args.cv_annomi:
            # without --candidates: the shipped head on --backend's embeddings, as before --candidates
            names = _candidate_names(args.candidates, f"{args.backend or 'use'}-lr")
        args.backend = args.backend or "use"
        if args.compare:
            return _compare_main(args)
        if args.risk or args.risk_cv:
            if sum(map(bool, (args.risk, args.risk_cv, args.held_out, args.cv_annomi))) > 1:
                raise UsageError("jalin evaluate: --risk, --risk-cv, --held-out and --cv-annomi cannot be combined")
            return _risk_main(args)
        if args.held_out:
            if args.cv_annomi:
                raise UsageError("jalin evaluate: --held-out and --cv-annomi cannot be combined")
            rows = load_corpus(args.data or None)
            res = held_out(
                rows, seed=args.seed, backend=args.backend, cache_dir=args.cache_dir, lang=args.lang
            )
            text = [
                (
                    f"{res['mode']}: trained on {res['train_sessions']} sessions ({res['train_rows']} utterances), "
                    f"tested on {res['test_sessions']} sessions ({res['test_rows']} utterances)"
                ),
                f"majority baseline macro-F1: {res['majority_baseline_macro_f1']}\n",
            ]
            for lg, r in res["by_language"].items():
                text.append(_fmt_eval(r, f"===== language: {lg} ====="))
            text.append(_fmt_calibration(res["calibration"], "Calibration on the held-out sessions"))
            _print(res, args.json, "\n".join(text))
            return 0
        if not args.data:
            raise UsageError("jalin evaluate: give DATA (a labelled JSONL/CSV or AnnoMI CSV) or --held-out")
        annomi = [
            d for d in args.data if d.lower().endswith(".csv") and os.path.isfile(d) and is_annomi_csv(d)
        ]
        if annomi:
            if len(args.data) > 1:
                raise UsageError("jalin evaluate: give one AnnoMI CSV at a time")
            rows = read_annomi(annomi[0])
            if args.cv_annomi:
                return _cv_annomi_main(args, rows, names)
            model = load_model(args.model)
            res = evaluate_annomi_shipped(model, rows)
            res["model_version"] = model.version
            text = (
                f"AnnoMI: {res['mode']}\n"
                + _fmt_report("Therapist (4 classes)", res["therapist"])
                + "\n"
                + _fmt_report("Client (3 classes)", res["client"])
            )
            _print(res, args.json, text)
            return 0
        if args.cv_annomi:
            raise UsageError(
                "jalin evaluate: --cv-annomi needs AnnoMI's CSV (AnnoMI-simple.csv or AnnoMI-full.csv)"
            )
        rows = []
        jsonl = []
        for d in args.data:
            if d.lower().endswith((".csv", ".tsv")):
                if not os.path.isfile(d):
                    raise CorpusError(f"{d}: file not found")
                rows += load_labelled_csv(d)
            else:
                jsonl.append(d)
        if jsonl:
            rows += load_corpus(jsonl)
        if args.lang:
            rows = [r for r in rows if r.get("lang", "id") == args.lang]
            if not rows:
                raise UsageError(f"jalin evaluate: no utterances in language {args.lang!r}")
        model = load_model(args.model)
        res = evaluate_rows(model, rows)
        res["model_version"] = model.version
        res["calibration"] = calibration_report(model, rows)
        _print(res, args.json, _fmt_eval(res, f"model {model.version} on {len(rows)} utterances")
               + "\n" + _fmt_calibration(res["calibration"]))
        return 0
    except UsageError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except (CorpusError, AnnoMIError) as exc:
        print(f"jalin evaluate: {exc}", file=sys.stderr)
        return 2
    except ModelError as exc:
        msg = exc.message("en") if hasattr(exc, "message") else str(exc)
        print(f"jalin evaluate: {msg}", file=sys.stderr)
        return 1


def _candidate_names(spec: str | None, default: str) -> list[str]:
    """``--candidates`` as a list (order kept, repeats dropped); a bad name is a usage error."""
    from .compare import CANDIDATES

    given = spec if spec is not None else default
    names = list(dict.fromkeys(n.strip() for n in given.split(",") if n.strip()))
    unknown = [n for n in names if n not in CANDIDATES]
    if unknown or not names:
        raise UsageError(
            f"jalin evaluate: unknown candidate(s) {', '.join(unknown) if unknown else '(none given)'} "
            f"(allowed: {', '.join(CANDIDATES)})"
        )
    return names


def _cv_annomi_main(args, rows: list[dict], names: list[str]) -> int:
    """``--cv-annomi [--candidates NAMES]``: every candidate on the same AnnoMI folds (reported only)."""
    from .compare import annomi_cv, format_annomi_cv

    log = (lambda m: print(m, file=sys.stderr)) if not args.json else None
    res = annomi_cv(
        rows,
        candidates=names,
        folds=args.folds,
        tune=args.tune,
        cache_dir=args.cache_dir,
        random_state=args.seed,
        log=log,
    )
    text = format_annomi_cv(res)
    if len(names) == 1:
        # one candidate: its full reports, as --cv-annomi printed before --candidates (JSON keys kept too)
        one = res["candidates"][names[0]]
        res.update(backend=one["config"]["backend"], head=one["config"]["head"])
        res.update(therapist=one["therapist"], client=one["client"])
        text += (
            "\n" + _fmt_report("Therapist (4 classes)", one["therapist"])
            + "\n" + _fmt_report("Client (3 classes)", one["client"])
        )
    _print(res, args.json, text)
    return 0


def _compare_main(args) -> int:
    """``--compare`` (issue #12); errors propagate to ``evaluate_main``."""
    from importlib import resources

    from .compare import CANDIDATES, compare, format_compare

    names = _candidate_names(args.candidates, ",".join(CANDIDATES))
    rows = load_corpus(args.data or None)
    frozen = load_corpus([str(resources.files("jalin.analysis").joinpath("data/eval/unseen"))])
    if args.lang:
        rows = [r for r in rows if r.get("lang", "id") == args.lang]
        frozen = [r for r in frozen if r.get("lang", "id") == args.lang]
    log = (lambda m: print(m, file=sys.stderr)) if not args.json else None
    res = compare(rows, frozen, candidates=names, seed=args.seed, cache_dir=args.cache_dir, log=log)
    _print(res, args.json, format_compare(res))
    return 0


def _risk_main(args) -> int:
    """``--risk-cv`` / ``--risk`` (issue #11); errors propagate to ``evaluate_main``."""
    from .model import load_model
    from .model.embed import Embedder
    from .risk_eval import (
        FROZEN_SETS,
        format_cv,
        format_scores,
        load_risk_eval,
        risk_cv,
        risk_frozen,
        risk_held_out,
    )
    from .risk_train import load_risk_items, shipped_risk_train_paths

    emb = Embedder(args.backend, cache_dir=args.cache_dir)
    if args.risk_cv:
        rows = load_corpus(args.data or None)
        train, _ = held_out_split(rows, seed=args.seed)
        if args.lang:
            train = [r for r in train if r.get("lang", "id") == args.lang]
        extra = load_risk_items(shipped_risk_train_paths())
        if args.lang:
            extra = [it for it in extra if it.get("lang", "id") == args.lang]
        log = (lambda m: print(m, file=sys.stderr)) if not args.json else None
        res = risk_cv(train, embedder=emb, folds=args.folds, seed=args.seed, log=log, extra_items=extra,
                      jobs=args.jobs)
        if args.cache_dir:
            emb.save_cache()
        _print(res, args.json, format_cv(res))
        return 0
    sets = {"data": load_risk_eval(args.data)} if args.data else {
        name: load_risk_eval(frozen=name) for name in FROZEN_SETS
    }
    if args.lang:
        sets = {k: [i for i in v if i.get("lang", "id") == args.lang] for k, v in sets.items()}
        if not any(sets.values()):
            raise UsageError(f"jalin evaluate: no risk evaluation items in language {args.lang!r}")
    model = load_model(args.model)
    frozen = {name: risk_frozen(model, items) for name, items in sets.items() if items}
    rows = load_corpus(None)
    if args.lang:
        rows = [r for r in rows if r.get("lang", "id") == args.lang]
    extra = load_risk_items(shipped_risk_train_paths())
    if args.lang:
        extra = [it for it in extra if it.get("lang", "id") == args.lang]
    held = risk_held_out(rows, seed=args.seed, embedder=emb, extra_items=extra)
    if args.cache_dir:
        emb.save_cache()
    res = {"model_version": model.version, "frozen": frozen, "held_out": held}
    text = [f"model {model.version}"]
    for name, fr in frozen.items():
        title = "given risk evaluation files" if name == "data" else f"frozen risk evaluation set {name}"
        text.append(f"===== {title} =====")
        for lang, s in fr["by_language"].items():
            text.append(format_scores(f"language {lang}", s))
        for pos, s in fr.get("by_position", {}).items():
            text.append(format_scores(f"position {pos}", s))
        text.append(format_scores("all", fr["all"]))
    text.append(
        f"===== {held['mode']}: detector trained on {held['train_sessions']} sessions"
        f" and {held['extra_items']} risk training items, "
        f"tested on {held['test_sessions']} ====="
    )
    for lang, s in held["by_language"].items():
        text.append(format_scores(f"language {lang}", s))
    text.append(format_scores("all", held["all"]))
    _print(res, args.json, "\n".join(text))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in ("train", "evaluate"):
        print("usage: python -m jalin.analysis.training {train,evaluate} ...", file=sys.stderr)
        return 2
    return (train_main if argv[0] == "train" else evaluate_main)(argv[1:])


if __name__ == "__main__":
    sys.exit(main())
