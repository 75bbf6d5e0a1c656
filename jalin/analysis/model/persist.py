"""Saving and loading model artifacts (joblib, compressed) with clear ``ModelError``s.

An artifact is a dict ``{"format": FORMAT_VERSION, "sklearn": "<major.minor>", "version": ...,
"model": LabelModel}``. Loading checks the file exists, unpickles it, and checks the
format version and the scikit-learn version it was built with (a pickle from another
scikit-learn minor release can silently change predictions, so it is refused).
Artifacts are pickles: load only files you trust (the shipped one, or one you trained).
"""

from __future__ import annotations

import os
import pickle
import re
import warnings
import zlib
from importlib import resources
from pathlib import Path

import joblib
import numpy as np
import sklearn

from .labeller import LabelModel
from .lexicon import lexicon_hash

try:  # the engine's error catalog (user-facing messages in id/en)
    from ..errors import ModelError
except ImportError:  # pragma: no cover - only when the engine package is absent

    class ModelError(Exception):  # type: ignore[no-redef]
        def __init__(self, path: str, message_id: str = "model_missing", **params):
            self.path, self.message_id, self.params = str(path), message_id, params
            super().__init__(f"{path}: {message_id} {params}")


__all__ = ["FORMAT_VERSION", "ModelError", "artifact_name", "default_model_path", "load_model", "save_model"]

FORMAT_VERSION = 1
_NAME = re.compile(r"^jalin-labels-.*\.joblib$")


def _models_dir() -> Path:
    return Path(str(resources.files("jalin.analysis").joinpath("data/models")))


def artifact_name(model: LabelModel) -> str:
    """Versioned file name, e.g. ``jalin-labels-2026.11-1+ab12cd34ef.joblib``."""
    return f"jalin-labels-{model.version.removeprefix('jalin-')}.joblib"


def default_model_path() -> Path:
    """The shipped artifact (the newest ``jalin-labels-*.joblib`` by name in data/models)."""
    d = _models_dir()
    found = sorted(p for p in d.glob("jalin-labels-*.joblib") if _NAME.match(p.name)) if d.is_dir() else []
    if not found:
        raise ModelError(str(d / "jalin-labels-*.joblib"), "model_missing")
    return found[-1]


def _sk_minor(v: str) -> str:
    return ".".join(v.split(".")[:2])


def _compact(model: LabelModel) -> None:
    """Store large coefficient matrices as float32 (halves the artifact; predictions unchanged to ~1e-6)."""
    clfs = [
        model.counselor.clf_,
        model.counselee.clf_,
        model.stages.clf_,
        *model.tasks.models_.values(),
        *model.risk.models_.values(),
    ]
    for clf in clfs:
        clf.coef_ = np.ascontiguousarray(clf.coef_, dtype=np.float32)
        clf.intercept_ = np.asarray(clf.intercept_, dtype=np.float32)


def save_model(model: LabelModel, path: str | os.PathLike) -> Path:
    """Write ``model`` to ``path`` (a file, or a folder -> versioned file name inside). Returns the file."""
    if not isinstance(model, LabelModel):
        raise TypeError("save_model expects a LabelModel")
    path = Path(path)
    if path.is_dir():
        path = path / artifact_name(model)
    path.parent.mkdir(parents=True, exist_ok=True)
    _compact(model)
    payload = {
        "format": FORMAT_VERSION,
        "sklearn": _sk_minor(sklearn.__version__),
        "version": model.version,
        "model": model,
    }
    tmp = path.with_name(path.name + ".tmp")
    joblib.dump(payload, tmp, compress=("zlib", 6))
    os.replace(tmp, path)
    return path


def load_model(path: str | os.PathLike | None = None) -> LabelModel:
    """Load a model artifact (default: the shipped one). Raises ``ModelError`` if missing/corrupt/incompatible."""
    p = Path(path) if path is not None else default_model_path()
    if not p.is_file():
        raise ModelError(str(p), "model_missing")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            payload = joblib.load(p)
    except (
        pickle.UnpicklingError,
        EOFError,
        zlib.error,
        ValueError,
        KeyError,
        IndexError,
        TypeError,
        AttributeError,
        ImportError,
        ModuleNotFoundError,
        OSError,
    ) as exc:
        raise ModelError(str(p), "model_corrupt", detail=type(exc).__name__) from None
    if not isinstance(payload, dict) or "model" not in payload or "format" not in payload:
        raise ModelError(str(p), "model_corrupt", detail="not a Jalin model artifact")
    if payload["format"] != FORMAT_VERSION:
        raise ModelError(
            str(p), "model_version", found=f"format {payload['format']}", expected=f"format {FORMAT_VERSION}"
        )
    if payload.get("sklearn") != _sk_minor(sklearn.__version__):
        raise ModelError(
            str(p),
            "model_version",
            found=f"scikit-learn {payload.get('sklearn')}",
            expected=f"scikit-learn {_sk_minor(sklearn.__version__)}",
        )
    model = payload["model"]
    if not isinstance(model, LabelModel):
        raise ModelError(str(p), "model_corrupt", detail="not a LabelModel")
    trained_with = model.meta.get("lexicon_hash")
    if trained_with and trained_with != lexicon_hash():
        warnings.warn(
            f"{p.name} was trained with another version of the lexicon files; retrain with `jalin train`",
            stacklevel=2,
        )
    return model
