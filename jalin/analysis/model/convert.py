"""Convert a format-1 artifact (joblib, scikit-learn objects inside) to the current format, without
retraining::

    python -m jalin.analysis.model.convert OLD.joblib [--out FILE_OR_FOLDER] [--check N]

Loads the old artifact with joblib and scikit-learn (needed here only; the scikit-learn minor
release must be the one it was saved with, as the old loader required), replaces every fitted
scikit-learn part by its ``runtime`` equivalent (``freeze_model``), and writes the new artifact
(default: next to the old one, versioned name). ``--check N`` (default 20, 0 to skip) then labels
the first N sessions of the shipped corpus with both and refuses to keep the new file if any
label, stage, task, flag or evidence differs. Delete the old file yourself afterwards.
"""

from __future__ import annotations

import argparse
import copy
import os
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path

from .labeller import LabelModel
from .persist import ModelError, save_model
from .runtime import freeze

__all__ = ["compare_predictions", "convert", "freeze_model", "load_format1", "main"]


def load_format1(path: str | os.PathLike) -> LabelModel:
    """A format-1 artifact's model, as saved (scikit-learn parts). Raises ``ModelError`` as ``load_model``."""
    import joblib
    import sklearn

    p = Path(path)
    if not p.is_file():
        raise ModelError(str(p), "model_missing")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            payload = joblib.load(p)
    except Exception as exc:  # noqa: BLE001 - whatever a damaged pickle raises
        raise ModelError(str(p), "model_corrupt", detail=type(exc).__name__) from None
    if not isinstance(payload, dict) or "model" not in payload or payload.get("format") != 1:
        raise ModelError(str(p), "model_corrupt", detail="not a format-1 Jalin model artifact")
    minor = ".".join(sklearn.__version__.split(".")[:2])
    if payload.get("sklearn") != minor:
        raise ModelError(
            str(p), "model_version", found=f"scikit-learn {payload.get('sklearn')}", expected=f"scikit-learn {minor}"
        )
    if not isinstance(payload["model"], LabelModel):
        raise ModelError(str(p), "model_corrupt", detail="not a LabelModel")
    return payload["model"]


def _strip_sklearn_state(est) -> None:
    # BaseEstimator pickled its scikit-learn version with each estimator; our estimators don't
    vars(est).pop("_sklearn_version", None)


def freeze_model(model: LabelModel) -> LabelModel:
    """Replace, in place, every fitted scikit-learn part of ``model`` by its runtime equivalent."""
    for clf in (model.counselor, model.counselee):
        _strip_sklearn_state(clf)
        clf.clf_ = freeze(clf.clf_)
        feat = clf.featurizer_
        _strip_sklearn_state(feat)
        for name in ("word_", "char_", "ctx_prev_", "ctx_next_"):
            if hasattr(feat, name):
                setattr(feat, name, freeze(getattr(feat, name)))
    for est in (model.stages, model.tasks, model.risk):
        _strip_sklearn_state(est)
    model.stages.clf_ = freeze(model.stages.clf_)
    model.tasks.models_ = {k: freeze(v) for k, v in model.tasks.models_.items()}
    model.risk.models_ = {k: freeze(v) for k, v in model.risk.models_.items()}
    return model


ROUNDING_STEP = 1e-4  # confidences are rounded to 4 decimals


def _close(a: float | None, b: float | None, floor: float = 0.0) -> bool:
    """Equal to within one rounding step; a missing value (below ``floor``) matches one at the floor."""
    if a is None or b is None:
        return (a if b is None else b) < floor + 1.5 * ROUNDING_STEP
    return abs(a - b) < 1.5 * ROUNDING_STEP


def compare_predictions(old: LabelModel, new: LabelModel, transcripts) -> list[str]:
    """Where ``new`` labels any of ``transcripts`` differently from ``old`` (empty when identical):
    label, stage, tasks, flags and evidence exactly; confidences to within one rounding step (the
    binary heads' sigmoid may differ from scipy's in the last bit of a float32)."""
    from .labeller import TASK_CONFIDENCE_FLOOR

    diffs = []
    for t in transcripts:
        for a, b in zip(old.predict(t), new.predict(t), strict=True):
            changed = [f for f in ("label", "group", "stage", "tasks", "flags", "evidence") if getattr(a, f) != getattr(b, f)]
            if not _close(a.confidence, b.confidence):
                changed.append("confidence")
            if [x for x, _ in a.alternatives] != [x for x, _ in b.alternatives] or not all(
                _close(p, q) for (_, p), (_, q) in zip(a.alternatives, b.alternatives)
            ):
                changed.append("alternatives")
            tc_a, tc_b = a.task_confidence, b.task_confidence
            if not all(_close(tc_a.get(k), tc_b.get(k), TASK_CONFIDENCE_FLOOR) for k in set(tc_a) | set(tc_b)):
                changed.append("task_confidence")
            if changed:
                diffs.append(f"{t.source} #{a.index}: {', '.join(changed)}")
    return diffs


def corpus_transcripts(n: int | None = None):
    """The first ``n`` sessions of the shipped corpus as transcripts (all when ``n`` is None)."""
    from ..corpus import group_sessions, load_corpus
    from ..types import Transcript, Utterance

    out = []
    for sid, rows in group_sessions(load_corpus()).items():
        if n is not None and len(out) >= n:
            break
        utts = [
            Utterance(index=i, speaker=r["speaker"], text=r["text"], is_silence=r["text"].strip() in ("[diam]", "(diam)"))
            for i, r in enumerate(rows)
        ]
        out.append(Transcript(utts, source=str(sid)))
    return out


def convert(old_path: str | os.PathLike, out: str | os.PathLike | None = None, *, check: int = 20) -> Path:
    """Write the current-format artifact of the format-1 artifact ``old_path``; returns its path."""
    old = load_format1(old_path)
    new = freeze_model(copy.deepcopy(old))
    target = out if out is not None else Path(old_path).parent
    if check:
        diffs = compare_predictions(old, new, corpus_transcripts(check))
        if diffs:
            raise ValueError(f"the converted model predicts differently ({len(diffs)} utterances), e.g. {diffs[:3]}")
    return save_model(new, target)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m jalin.analysis.model.convert",
        description="Convert a format-1 (joblib) model artifact to the current format without retraining.",
    )
    ap.add_argument("old", metavar="OLD.joblib", help="the format-1 artifact")
    ap.add_argument("--out", metavar="PATH", help="file or folder for the new artifact (default: next to OLD)")
    ap.add_argument(
        "--check", type=int, default=20, metavar="N",
        help="compare predictions on the first N corpus sessions (default 20; 0: no check)",
    )
    args = ap.parse_args(list(argv) if argv is not None else None)
    try:
        path = convert(args.old, args.out, check=args.check)
    except ModelError as exc:
        print(f"convert: {exc.message('en')}", file=sys.stderr)
        return 2
    except (ValueError, OSError) as exc:
        print(f"convert: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB)" + (f"; same predictions on {args.check} corpus sessions" if args.check else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
