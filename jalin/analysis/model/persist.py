"""Saving and loading model artifacts with clear ``ModelError``s.

Format 2: one file ``jalin-labels-<version>.model``, loaded with the C unpickler and without
scikit-learn (a format-1 artifact was a joblib pickle of scikit-learn objects: joblib's
pure-Python unpickler took ~0.45 s and the objects needed scikit-learn imported, another ~0.7 s)::

    b"JALIN-MODEL\\n"                 magic
    uint32 little-endian             length of the header
    header (JSON, UTF-8)             {"format", "numpy", "version", "pickle": [offset, length],
                                      "buffers": [[offset, length], ...], "size", "crc32"}
    body                             zlib-compressed pickle (protocol 5) of
                                     {"version": ..., "model": LabelModel}, then the numpy arrays'
                                     raw bytes (out-of-band buffers, 64-byte aligned, uncompressed:
                                     coefficients barely compress and inflating them cost ~35 ms)

Offsets count from the start of the body; ``crc32`` covers the whole body. The model is made of
``runtime`` objects (numpy arrays inside), never of scikit-learn ones: the unpickler only accepts
classes of ``jalin.analysis.model``, numpy's array reconstruction and a few builtins, and
``save_model`` refuses a model it could not load back. The pickle names numpy 2's internal
modules, so the numpy major version is recorded and checked. Loading checks the file exists,
the magic, the format version, the numpy major version, the size and checksum, then unpickles.
A format-1 artifact gives "model_version" (convert it: ``python -m jalin.analysis.model.convert``).
Artifacts are still pickles: load only files you trust (the shipped one, or one you made).
"""

from __future__ import annotations

import io
import json
import os
import pickle
import pickletools
import struct
import warnings
import zlib
from importlib import import_module, resources
from pathlib import Path

import numpy as np

from .labeller import LabelModel
from .lexicon import lexicon_hash

try:  # the engine's error catalog (user-facing messages in id/en)
    from ..errors import ModelError
except ImportError:  # pragma: no cover - only when the engine package is absent

    class ModelError(Exception):  # type: ignore[no-redef]
        def __init__(self, path: str, message_id: str = "model_missing", **params):
            self.path, self.message_id, self.params = str(path), message_id, params
            super().__init__(f"{path}: {message_id} {params}")


__all__ = [
    "FORMAT_VERSION",
    "SUFFIX",
    "ModelError",
    "artifact_name",
    "artifact_version",
    "default_model_path",
    "dumps_artifact",
    "load_model",
    "save_model",
]

FORMAT_VERSION = 2
SUFFIX = ".model"
MAGIC = b"JALIN-MODEL\n"
_HEADER_LEN = struct.Struct("<I")
_ALIGN = 64
_NUMPY_MAJOR = int(np.__version__.split(".")[0])

# what an artifact's pickle may name besides the classes of jalin.analysis.model
_ALLOWED_GLOBALS = {
    ("builtins", "set"),
    ("builtins", "frozenset"),
    ("builtins", "slice"),
    ("builtins", "complex"),
    ("builtins", "bytearray"),
    ("jalin.analysis.model.lexicon", "normalize"),  # the TF-IDF preprocessor
    ("jalin.analysis.model.risk", "risk_text"),  # the risk detector's word n-grams' preprocessor
    *(
        (f"numpy.{core}.{mod}", name)
        for core in ("_core", "core")
        for mod, name in (
            ("multiarray", "_reconstruct"),
            ("multiarray", "scalar"),
            ("numeric", "_frombuffer"),
        )
    ),
    ("numpy", "dtype"),
    ("numpy", "ndarray"),
}


def _models_dir() -> Path:
    return Path(str(resources.files("jalin.analysis").joinpath("data/models")))


def artifact_name(model: LabelModel) -> str:
    """Versioned file name, e.g. ``jalin-labels-2026.11-1+ab12cd34ef.model``."""
    return f"jalin-labels-{model.version.removeprefix('jalin-')}{SUFFIX}"


def artifact_version(path: str | os.PathLike) -> str:
    """The model version an artifact's file name announces (without opening it)."""
    return "jalin-" + Path(path).name.removeprefix("jalin-labels-").removesuffix(SUFFIX)


def default_model_path() -> Path:
    """The shipped artifact (the newest ``jalin-labels-*.model`` by name in data/models)."""
    d = _models_dir()
    found = sorted(d.glob(f"jalin-labels-*{SUFFIX}")) if d.is_dir() else []
    if not found:
        raise ModelError(str(d / f"jalin-labels-*{SUFFIX}"), "model_missing")
    return found[-1]


# --- writing --------------------------------------------------------------------------------------
def dumps_artifact(model: LabelModel) -> bytes:
    """The artifact's bytes. Raises ``ValueError`` when the model holds something the loader would
    refuse (an unfrozen scikit-learn part, a function from elsewhere)."""
    if not isinstance(model, LabelModel):
        raise TypeError("save_model expects a LabelModel")
    buffers: list[pickle.PickleBuffer] = []
    pickled = pickle.dumps(
        {"version": model.version, "model": model}, protocol=5, buffer_callback=buffers.append
    )
    try:
        _ArtifactUnpickler(io.BytesIO(pickled), buffers=buffers).load()
    except pickle.UnpicklingError as exc:
        raise ValueError(f"the model cannot be saved: {exc}") from None
    body = bytearray(zlib.compress(pickled, 6))
    spans = [[0, len(body)]]
    for buf in buffers:
        raw = buf.raw()
        body += b"\0" * (-len(body) % _ALIGN)
        spans.append([len(body), raw.nbytes])
        body += raw
    header = json.dumps(
        {
            "format": FORMAT_VERSION,
            "numpy": _NUMPY_MAJOR,
            "version": model.version,
            "pickle": spans[0],
            "buffers": spans[1:],
            "size": len(body),
            "crc32": zlib.crc32(body),
        }
    ).encode()
    # spaces after the JSON put the body at a multiple of 64 bytes, so the arrays are aligned in memory
    header += b" " * (-(len(MAGIC) + _HEADER_LEN.size + len(header)) % _ALIGN)
    return MAGIC + _HEADER_LEN.pack(len(header)) + header + bytes(body)


def save_model(model: LabelModel, path: str | os.PathLike) -> Path:
    """Write ``model`` to ``path`` (a file, or a folder -> versioned file name inside; a path ending in
    a separator is a folder). Returns the file."""
    data = dumps_artifact(model)
    folder = str(path).endswith(("/", os.sep))
    path = Path(path)
    if folder or path.is_dir():
        path = path / artifact_name(model)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return path


# --- reading --------------------------------------------------------------------------------------
class _ArtifactUnpickler(pickle.Unpickler):
    """The C unpickler, limited to what a model artifact holds (see ``_ALLOWED_GLOBALS``)."""

    def find_class(self, module: str, name: str):
        if (module, name) in _ALLOWED_GLOBALS:
            return super().find_class(module, name)
        if module.startswith("jalin.analysis.model.") and "." not in name:
            obj = getattr(import_module(module), name, None)
            if isinstance(obj, type) and obj.__module__ == module:
                return obj
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed in a model artifact")


def _format1_version(data: bytes | bytearray) -> int | None:
    """The format number of a format-1 (joblib) artifact, read from the first opcodes of its pickle
    (never unpickled); None when the bytes are not one."""
    try:
        if data[:1] == b"\x78":  # joblib's zlib compression
            head = zlib.decompressobj().decompress(bytes(data[:65536]), 4096)
        elif data[:1] == b"\x80":  # an uncompressed pickle
            head = bytes(data[:4096])
        else:
            return None
        values = []
        for op, arg, _ in pickletools.genops(io.BytesIO(head)):
            if op.name in ("SHORT_BINUNICODE", "BINUNICODE", "UNICODE", "BININT1", "BININT2", "BININT", "INT"):
                values.append(arg)
            if len(values) == 2 or op.name == "STOP":
                break
    except (zlib.error, ValueError, EOFError, UnicodeDecodeError):
        return None
    if len(values) == 2 and values[0] == "format" and isinstance(values[1], int):
        return values[1]
    return None


def _read_artifact(p: Path) -> dict:
    with open(p, "rb") as fh:
        head = fh.read(65536)
        if not head.startswith(MAGIC):
            old = _format1_version(head)
            if old is not None:
                raise ModelError(
                    str(p), "model_version", found=f"format {old} (joblib)", expected=f"format {FORMAT_VERSION}"
                )
            raise ModelError(str(p), "model_corrupt", detail="not a Jalin model artifact")
        # one writable buffer for the whole file: the arrays are views into it (no copies)
        data = bytearray(os.fstat(fh.fileno()).st_size)
        fh.seek(0)
        if fh.readinto(data) != len(data):
            raise ModelError(str(p), "model_corrupt", detail="truncated")
    start = len(MAGIC) + _HEADER_LEN.size
    try:
        (hlen,) = _HEADER_LEN.unpack_from(data, len(MAGIC))
        header = json.loads(bytes(data[start : start + hlen]).decode("utf-8"))
        fmt = header["format"]
    except (struct.error, ValueError, KeyError, TypeError):
        raise ModelError(str(p), "model_corrupt", detail="header") from None
    if fmt != FORMAT_VERSION:
        raise ModelError(str(p), "model_version", found=f"format {fmt}", expected=f"format {FORMAT_VERSION}")
    if header.get("numpy") != _NUMPY_MAJOR:
        raise ModelError(
            str(p), "model_version", found=f"numpy {header.get('numpy')}", expected=f"numpy {_NUMPY_MAJOR}"
        )
    body = memoryview(data)[start + hlen :]
    try:
        if len(body) != header["size"]:
            raise ModelError(str(p), "model_corrupt", detail="truncated" if len(body) < header["size"] else "size")
        if zlib.crc32(body) != header["crc32"]:
            raise ModelError(str(p), "model_corrupt", detail="checksum")
        (po, pn), spans = header["pickle"], header["buffers"]
        buffers = [body[o : o + n] for o, n in spans]
        if any(len(b) != n for b, (_, n) in zip(buffers, spans)):
            raise ModelError(str(p), "model_corrupt", detail="buffers")
        payload = _ArtifactUnpickler(io.BytesIO(zlib.decompress(body[po : po + pn])), buffers=buffers).load()
    except ModelError:
        raise
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
        MemoryError,
        struct.error,
    ) as exc:
        raise ModelError(str(p), "model_corrupt", detail=type(exc).__name__) from None
    if not isinstance(payload, dict) or "model" not in payload:
        raise ModelError(str(p), "model_corrupt", detail="not a Jalin model artifact")
    return payload


def load_model(path: str | os.PathLike | None = None) -> LabelModel:
    """Load a model artifact (default: the shipped one). Raises ``ModelError`` if missing/corrupt/incompatible."""
    p = Path(path) if path is not None else default_model_path()
    if not p.is_file():
        raise ModelError(str(p), "model_missing")
    try:
        payload = _read_artifact(p)
    except OSError as exc:
        raise ModelError(str(p), "model_corrupt", detail=type(exc).__name__) from None
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
