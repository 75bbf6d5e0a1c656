"""Noise augmentation (issue #12): deterministic per session, labels untouched, the stated rates, and
no surprises on empty, short or odd text. Invented sentences only."""

from __future__ import annotations

import copy
import random
import re
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jalin.analysis import augment
from jalin.analysis.augment import STYLES, augment_rows, noise_rows, noise_session, noise_text

ID_LINES = [
    "Terima kasih sudah datang, Rani. Saya tahu kamu capek banget minggu ini.",
    "Aku tidak tahu harus bilang apa, teman-teman di sekolah juga gak peduli.",
    "Kalau boleh tahu, apa yang paling berat buat kamu sekarang?",
    "[diam]",
    "Hmm.",
    "Ibuku bilang aku harus lebih rajin, tapi rasanya sudah capek sekali.",
]
EN_LINES = [
    "Thank you for coming in today, Sam. I know this week has been really hard.",
    "I don't know, I'm going to fail anyway because nobody listens to me.",
    "What would you want to be different by next week?",
    "...",
    "Okay.",
]


def _session(sid: str, lang: str, lines: list[str]) -> list[dict]:
    return [
        {
            "session": sid,
            "lang": lang,
            "index": i,
            "speaker": "counselor" if i % 2 == 0 else "counselee",
            "text": t,
            "label": "open_question" if i % 2 == 0 else "surface",
            "flags": ["suicidal_ideation"] if i == 1 else [],
            "stage": ("awal", "inti", "akhir")[min(i // 2, 2)],
            "tasks": ["rapport"] if i == 0 else [],
        }
        for i, t in enumerate(lines)
    ]


def _corpus(n: int = 12) -> list[dict]:
    rows: list[dict] = []
    for s in range(n):
        lang, lines = ("id", ID_LINES) if s % 3 else ("en", EN_LINES)
        rows += _session(f"{lang}-{s:03d}", lang, lines)
    return rows


# --- determinism ------------------------------------------------------------------------------------
def test_same_seed_same_copies_and_a_session_does_not_depend_on_the_others() -> None:
    rows = _corpus()
    a, b = augment_rows(rows, seed=3), augment_rows(rows, seed=3)
    assert a == b
    assert augment_rows(rows, seed=4) != a
    # a subset (the learning curve's 25 %) gets exactly the copies its sessions get in the whole list
    keep = {"id-001", "en-003", "id-007"}
    sub = [r for r in rows if r["session"] in keep]
    assert augment_rows(sub, seed=3) == [r for r in a if r["origin"] in keep]
    # and the order of the sessions in the list does not matter either
    rev = [r for sid in sorted({r["session"] for r in rows}, reverse=True) for r in rows if r["session"] == sid]
    assert sorted(map(repr, augment_rows(rev, seed=3))) == sorted(map(repr, a))


def test_noise_does_not_use_the_global_random_state() -> None:
    rows = _corpus(4)
    random.seed(1)
    a = augment_rows(rows, seed=0)
    random.seed(2)
    assert augment_rows(rows, seed=0) == a


def test_styles_are_drawn_per_session_and_a_whole_session_is_one_style() -> None:
    rows = _corpus(30)
    copies = augment_rows(rows, seed=0)
    styles = {r["session"].rsplit("-", 1)[1] for r in copies}
    assert styles == set(STYLES)
    for sid in {r["session"] for r in copies}:
        style = sid.rsplit("-", 1)[1]
        texts = [r["text"] for r in copies if r["session"] == sid and r["text"] not in ("[diam]", "...")]
        if style == "asr":  # one style: an asr session has no capital and no punctuation anywhere
            assert all(t == t.lower() and not re.search(r"[.,?!]", t) for t in texts)
    assert augment_rows(rows, styles=["typo"], seed=0) and all(
        r["session"].endswith("-typo") for r in augment_rows(rows, styles=["typo"], seed=0)
    )
    two = augment_rows(rows, copies=2, seed=0)
    assert len(two) == 2 * len(rows) and len({r["session"] for r in two}) == 2 * 30
    assert augment_rows(rows, copies=0) == [] and augment_rows(rows, styles=[]) == []
    with pytest.raises(ValueError, match="unknown noise style 'shout'"):
        augment_rows(rows, styles=["shout"])


# --- labels unchanged -------------------------------------------------------------------------------
def test_copies_keep_everything_but_the_text_and_leave_the_originals_alone() -> None:
    rows = _corpus()
    before = copy.deepcopy(rows)
    copies = augment_rows(rows, seed=0)
    assert rows == before  # nothing is changed in place
    assert len(copies) == len(rows)
    originals = {r["session"] for r in rows}
    changed = 0
    for orig, new in zip(rows, copies):
        assert new["session"] not in originals and new["session"].startswith(orig["session"] + "~noise0-")
        assert new["origin"] == orig["session"]
        for key in ("lang", "index", "speaker", "label", "flags", "stage", "tasks"):
            assert new[key] == orig[key]
        assert new["flags"] is not orig["flags"] and new["tasks"] is not orig["tasks"]  # copies, not shared
        changed += new["text"] != orig["text"]
    assert changed > len(rows) / 3


def test_silence_markers_and_empty_texts_are_never_touched() -> None:
    rng = random.Random(0)
    for style in STYLES:
        for text in ("", "   ", "[diam]", "(diam)", "...", "…"):
            for lang in ("id", "en"):
                assert noise_text(text, style, rng, lang) == text
    # a text that the noise would empty keeps its original
    assert noise_text("?!", "asr", rng) == "?!"
    assert noise_text("ok", "asr", rng) == "ok"
    assert all(isinstance(noise_text(t, s, random.Random(i), "id"), str)
               for i, t in enumerate(["a", "Y", "?", "12", "e-", "'"]) for s in STYLES)


def test_noise_rows_names_sessions_by_style() -> None:
    rows = _session("id-001", "id", ID_LINES)
    out = noise_rows(rows, "chat", seed=1)
    assert {r["session"] for r in out} == {"id-001~chat"} and out == noise_rows(rows, "chat", seed=1)
    assert noise_session(rows, "typo", random.Random(0))[0]["session"] == "id-001"
    with pytest.raises(ValueError, match="unknown noise style"):
        noise_text("halo", "shout", random.Random(0))


# --- the stated rates -------------------------------------------------------------------------------
def _words(rng: random.Random, n: int, k: int = 10) -> list[str]:
    letters = "abcdefghijklmnoprstuw"
    return [" ".join("".join(rng.choice(letters) for _ in range(rng.randint(3, 9))) for _ in range(k)) for _ in range(n)]


def test_typo_rate(monkeypatch) -> None:
    monkeypatch.setattr(augment, "TYPO_ELONGATE_P", 0.0)
    texts = _words(random.Random(0), 600)
    rng = random.Random(1)
    changed = total = 0
    for t in texts:
        out = augment.typos(t, rng)
        a, b = t.split(), out.split()
        assert len(a) == len(b)  # a slip never adds or removes a word
        changed += sum(x != y for x, y in zip(a, b))
        total += len(a)
    assert abs(changed / total - augment.TYPO_WORD_P) < 0.015


def test_typo_elongation_rate(monkeypatch) -> None:
    monkeypatch.setattr(augment, "TYPO_WORD_P", 0.0)
    rng = random.Random(2)
    text = "aku capek sama tugas"
    outs = [augment.typos(text, rng) for _ in range(2000)]
    stretched = [o for o in outs if o != text]
    assert all(re.search(r"([aeiou])\1\1", o) for o in stretched)
    assert abs(len(stretched) / len(outs) - augment.TYPO_ELONGATE_P) < 0.03


def test_chat_rates(monkeypatch) -> None:
    monkeypatch.setattr(augment, "CHAT_ELONGATE_P", 0.0)
    keys = [k for k in augment._CHAT_ID if " " not in k and not k.endswith("nya")]  # -nya has its own rate
    rng = random.Random(3)
    changed = total = lower = dropped = 0
    n = 800
    for _ in range(n):
        words = [rng.choice(keys) for _ in range(8)]
        text = words[0].capitalize() + " " + " ".join(words[1:]) + ", " + rng.choice(keys) + "."
        out = augment.chat(text, rng, "id")
        lower += out == out.lower() and out[0] != text[0]
        dropped += not out.endswith(".")
        got = out.lower().replace(",", "").replace(".", "").split()
        assert len(got) == 9
        changed += sum(g != w for g, w in zip(got, words))
        total += len(words)
    assert abs(changed / total - augment.CHAT_WORD_P) < 0.03
    # the first word is capitalised in the input: lower case means the utterance was lowered
    assert abs(lower / n - augment.CHAT_LOWER_P) < 0.05
    assert abs(dropped / n - augment.CHAT_DROP_PUNCT_P) < 0.05


def test_chat_forms_are_real_changes_and_cover_the_issue_list() -> None:
    for table in (augment._CHAT_ID, augment._CHAT_EN, augment._SOUND_ID, augment._SOUND_EN):
        for key, forms in table.items():
            assert forms and all(f != key for f in forms), key
    for key, form in [("yang", "yg"), ("tidak", "gak"), ("banget", "bgt"), ("sudah", "udah"), ("dengan", "dgn"),
                      ("saya", "sy"), ("aku", "aq"), ("kamu", "km"), ("terima kasih", "makasih")]:
        assert form in augment._CHAT_ID[key]
    for key, form in [("you", "u"), ("are", "r"), ("because", "bc"), ("i don't know", "idk"),
                      ("going to", "gonna"), ("want to", "wanna")]:
        assert form in augment._CHAT_EN[key]
    # phrases and case: "Terima kasih" at the start of a sentence, "I don't know" with a curly apostrophe
    outs = {augment.chat("Terima kasih, Bu.", random.Random(i), "id") for i in range(40)}
    assert any(o.lower().startswith(("makasih", "mksh", "makasi", "thx")) for o in outs)
    outs = {augment.chat("I don\u2019t know.", random.Random(i), "en") for i in range(40)}
    assert any(o.lower().startswith(("idk", "dunno")) for o in outs)
    # reduplication with a 2 (Indonesian only)
    assert any("teman2" in augment.chat("teman-teman", random.Random(i), "id") for i in range(10))
    assert all("teman2" not in augment.chat("teman-teman", random.Random(i), "en") for i in range(10))


def test_asr_has_no_case_or_punctuation_and_merges_at_its_rate(monkeypatch) -> None:
    monkeypatch.setattr(augment, "ASR_SOUNDALIKE_P", 0.0)
    texts = _words(random.Random(4), 800, k=11)
    rng = random.Random(5)
    merged = gaps = 0
    for t in texts:
        src = t.capitalize().replace(" ", ", ", 1) + "?"
        out = augment.asr(src, rng, "en")
        assert out == out.lower() and not set(out) & set(string.punctuation)
        merged += len(t.split()) - len(out.split())
        gaps += len(t.split()) - 1
        assert out.replace(" ", "") == t.replace(" ", "")  # merges only: the letters are all there
    assert abs(merged / gaps - augment.ASR_MERGE_P) < 0.01


def test_asr_sound_alike_rate(monkeypatch) -> None:
    monkeypatch.setattr(augment, "ASR_MERGE_P", 0.0)
    keys = list(augment._SOUND_EN)
    rng = random.Random(6)
    changed = total = 0
    for _ in range(500):
        words = [rng.choice(keys) for _ in range(10)]
        out = augment.asr(" ".join(words), rng, "en").split()
        # a sound-alike can be two words ("they're" stays one; none has a space)
        assert len(out) == len(words)
        changed += sum(o != w for o, w in zip(out, words))
        total += len(words)
    assert abs(changed / total - augment.ASR_SOUNDALIKE_P) < 0.02
    # Indonesian talk is heard with both tables, English talk with the English one only
    assert augment.asr("tapi " * 200, random.Random(0), "en") == ("tapi " * 200).strip()
    assert "tadi" in augment.asr("tapi " * 200, random.Random(0), "id")


# --- odd input --------------------------------------------------------------------------------------
ODD = [
    "\u0130stanbul \u0130Y\u0130",  # "İ".lower() is two characters
    "Stra\u00dfe GRO\u00dfE",
    "cafe\u0301 nai\u0308ve",  # combining marks
    "\U0001f62d\U0001f62d capek bgt \U0001f64f\U0001f3fd",
    "\u200bzero\u200dwidth\u2060joiners",
    "\u0645\u0631\u062d\u0628\u0627 \u05e9\u05dc\u05d5\u05dd",  # right-to-left
    "\uff21\uff22\uff23 \uff41\uff42\uff43",  # full-width
    "lone \ud800 surrogate",
    "nul\x00 and\ttab\nnew line\r\n",
    "\u2019\u2019\u2019 '' - -- \u2014",
    "x" * 5000,
    "aku" + "\u0300" * 50,
    "ⅫⅣ ²³ ١٢٣",
]


@pytest.mark.parametrize("text", ODD)
def test_odd_unicode_never_raises(text: str) -> None:
    for style in STYLES:
        for lang in ("id", "en", "xx"):
            for seed in range(5):
                assert isinstance(noise_text(text, style, random.Random(seed), lang), str)


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=80), seed=st.integers(0, 2**32))
def test_any_text_never_raises(text: str, seed: int) -> None:
    for style in STYLES:
        out = noise_text(text, style, random.Random(seed), "id")
        assert isinstance(out, str)
        assert noise_text(text, style, random.Random(seed), "id") == out


def test_every_slip_changes_the_word_even_when_lower_case_is_longer() -> None:
    for word in ("\u0130stanbul", "capek", "AAAb", "\u00dfss", "\u0645\u0631\u062d\u0628\u0627"):
        for seed in range(200):
            out = augment._slip(word, random.Random(seed))
            assert isinstance(out, str) and out != word
