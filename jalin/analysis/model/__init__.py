"""The labelling model of the session-analysis engine (pure Python; never imports Django).

Given a parsed ``Transcript`` it decides, per utterance, the label, confidence,
alternatives, flags, stage and stage tasks. See docs/analysis-model.md.

Public API::

    model = load_model()                  # the shipped artifact
    labelled = model.predict(transcript)  # list[LabelledUtterance]
    model.version                         # "jalin-2026.12-3+<corpus hash>-r<risk items hash>"
    new = train_model(["corpus/*.jsonl"], random_state=0)
    save_model(new, "out/")

Errors: ``ModelError`` (from ``jalin.analysis.errors``) when an artifact is missing,
corrupt or of an incompatible version.
"""

from .labeller import MODEL_RELEASE, LabelModel, train_model
from .persist import FORMAT_VERSION, ModelError, default_model_path, load_model, save_model

__all__ = [
    "FORMAT_VERSION",
    "MODEL_RELEASE",
    "LabelModel",
    "ModelError",
    "default_model_path",
    "load_model",
    "save_model",
    "train_model",
]
