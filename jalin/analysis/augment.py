"""Noise augmentation (issue #12): corpus sessions rewritten the way real transcripts look.

The corpus is written in clean sentences; what counselors and students bring is not. Three styles, each a
function ``style(text, rng, lang="id") -> str`` with ``rng`` a ``random.Random``:

- ``chat``: typed chat (WhatsApp-style). Indonesian abbreviations (yang→yg, tidak→gak/gk/ga, banget→bgt,
  sudah→udah/udh, dengan→dgn, saya→sy, aku→aq, kamu→km/lu, terima kasih→makasih/mksh, teman-teman→teman2,
  -nya→-ny ...) and English ones (you→u, are→r, because→bc, I don't know→idk, going to→gonna ...), often
  all lower case, full stops and commas often left out, apostrophes dropped (I'm→im), now and then one
  word stretched ("capeeek").
- ``typo``: typing slips: a letter replaced by its neighbour on the keyboard, two letters swapped, a letter
  dropped or doubled, and now and then one word stretched.
- ``asr``: speech recognition: all lower case, no punctuation at all, now and then two words run together
  or a word heard as a sound-alike (tapi→tadi, know→no, your→you're).

The rates are the constants below (``tests/analysis/test_augment.py`` measures them). Silence markers
(``[diam]``, ``...``) are never touched, and a text that the noise would leave empty keeps its original.

``noise_session`` rewrites a whole session in one style (so the previous/next-turn features read the same
kind of text); ``augment_rows`` gives every session ``copies`` noised copies under a new session id, the
style and every draw seeded by the seed, the session id and the copy number only (so a session gets the
same copy whatever else is in the list). Labels, stages, tasks and flags are copied unchanged; the copy
carries ``origin`` (the original session id) so cross-validation can keep a session and its copies on one
side of a split.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Callable, Iterable, Sequence

__all__ = [
    "ASR_MERGE_P",
    "ASR_SOUNDALIKE_P",
    "CHAT_DROP_PUNCT_P",
    "CHAT_ELONGATE_P",
    "CHAT_LOWER_P",
    "CHAT_NYA_P",
    "CHAT_WORD_P",
    "STYLES",
    "TYPO_ELONGATE_P",
    "TYPO_WORD_P",
    "asr",
    "augment_rows",
    "chat",
    "noise_rows",
    "noise_session",
    "noise_text",
    "session_rng",
    "typos",
]

# --- rates ------------------------------------------------------------------------------------------
CHAT_WORD_P = 0.8  # a word or phrase with a chat form is written in it
CHAT_LOWER_P = 0.7  # the utterance is typed all in lower case
CHAT_DROP_PUNCT_P = 0.6  # full stops and commas are left out (question and exclamation marks stay)
CHAT_ELONGATE_P = 0.1  # one word of the utterance is stretched ("capeeek")
CHAT_NYA_P = 0.2  # -nya written -ny ("rumahnya" -> "rumahny")
TYPO_WORD_P = 0.1  # a word of three letters or more gets one slip
TYPO_ELONGATE_P = 0.15
ASR_MERGE_P = 0.03  # two neighbouring words run together (per gap between words)
ASR_SOUNDALIKE_P = 0.3  # a word with a sound-alike is heard as it

# --- chat forms (lower case; every form differs from its key) ---------------------------------------
_CHAT_ID: dict[str, tuple[str, ...]] = {
    "terima kasih": ("makasih", "mksh", "makasi", "thx"),
    "yang": ("yg",),
    "tidak": ("gak", "gk", "ga", "nggak", "ngga"),
    "nggak": ("gak", "gk", "ga"),
    "enggak": ("gak", "gk", "nggak"),
    "banget": ("bgt", "bngt"),
    "sudah": ("udah", "udh", "dah"),
    "dengan": ("dgn", "sama"),
    "saya": ("sy", "aku", "gw"),
    "aku": ("aq", "ak", "gue"),
    "kamu": ("km", "lu", "kmu"),
    "anda": ("km", "kamu"),
    "karena": ("karna", "krn", "soalnya"),
    "tapi": ("tp", "tpi"),
    "tetapi": ("tp", "tapi"),
    "juga": ("jg",),
    "bisa": ("bs", "bsa"),
    "sekarang": ("skrg", "skrang"),
    "bagaimana": ("gimana", "gmn"),
    "gimana": ("gmn", "gmna"),
    "kenapa": ("knp", "napa"),
    "mengapa": ("knp", "kenapa"),
    "belum": ("blm", "blom"),
    "lagi": ("lg",),
    "untuk": ("utk", "buat"),
    "saja": ("aja", "aj"),
    "begitu": ("gitu", "gt"),
    "begini": ("gini",),
    "memang": ("emang", "emg"),
    "tahu": ("tau", "tw"),
    "orang": ("org",),
    "sama": ("sm",),
    "dari": ("dr",),
    "kalau": ("kalo", "klo", "kl"),
    "jangan": ("jgn",),
    "seperti": ("kayak", "kyk", "kek"),
    "cuma": ("cm", "cuman"),
    "sebenarnya": ("sebenernya", "sbnrnya"),
    "mungkin": ("mgkn", "mungkn"),
    "bilang": ("blg",),
    "banyak": ("byk", "bnyk"),
    "harus": ("hrs", "kudu"),
    "ingin": ("pengen", "pgn"),
    "pengen": ("pgn", "pngn"),
    "mau": ("mo", "mw"),
    "apa": ("ap",),
    "iya": ("iy", "iyaa", "ya"),
    "ya": ("y", "yaa"),
    "oke": ("ok", "okee", "oce"),
    "benar": ("bener", "bnr"),
    "teman": ("temen", "tmn"),
    "sekolah": ("sklh", "skolah"),
    "pernah": ("prnh", "pernh"),
    "dulu": ("dl", "dlu"),
    "nanti": ("ntar", "nnti", "ntr"),
    "selalu": ("sllu", "slalu"),
    "semua": ("smua", "smw"),
    "sendiri": ("sndiri", "sndr"),
    "bapak": ("pak", "bpk"),
    "ibu": ("bu", "ibuk"),
}
_CHAT_EN: dict[str, tuple[str, ...]] = {
    "i don't know": ("idk", "dunno"),
    "i do not know": ("idk", "dunno"),
    "going to": ("gonna",),
    "want to": ("wanna",),
    "got to": ("gotta",),
    "kind of": ("kinda",),
    "thank you": ("thx", "ty", "thank u"),
    "to be honest": ("tbh",),
    "by the way": ("btw",),
    "oh my god": ("omg",),
    "right now": ("rn",),
    "you": ("u", "ya"),
    "your": ("ur", "yr"),
    "you're": ("ur", "youre"),
    "are": ("r",),
    "because": ("bc", "cuz", "bcs", "coz"),
    "okay": ("ok", "k", "kk"),
    "please": ("pls", "plz"),
    "thanks": ("thx", "thnx"),
    "really": ("rly", "realy"),
    "people": ("ppl",),
    "probably": ("prob", "prolly"),
    "though": ("tho",),
    "with": ("w", "wit"),
    "something": ("smth", "sth"),
    "about": ("abt", "bout"),
    "before": ("b4",),
    "tonight": ("tonite", "2nite"),
    "tomorrow": ("tmrw", "tmr"),
    "what": ("wat", "wut"),
    "yes": ("ya", "yea", "yep"),
    "yeah": ("ya", "yea", "ye"),
    "i'm": ("im", "i m"),
    "don't": ("dont", "dnt"),
    "can't": ("cant", "cnt"),
    "didn't": ("didnt",),
    "it's": ("its",),
    "that's": ("thats",),
    "doesn't": ("doesnt",),
    "won't": ("wont",),
    "isn't": ("isnt",),
    "i've": ("ive",),
    "i'll": ("ill",),
    "mom": ("mum", "ma"),
}

# --- sound-alikes for speech recognition (both directions where both are words) -----------------------
_SOUND_ID: dict[str, tuple[str, ...]] = {
    "tapi": ("tadi",),
    "tadi": ("tapi",),
    "bisa": ("biasa",),
    "biasa": ("bisa",),
    "karena": ("karna",),
    "kalau": ("kalo",),
    "teman": ("temen",),
    "benar": ("bener",),
    "itu": ("situ",),
    "ini": ("ni",),
    "mama": ("mamah",),
    "papa": ("papah",),
    "sekolah": ("sekola",),
    "pernah": ("penah",),
    "mau": ("malu",),
    "malu": ("mau",),
    "sedih": ("sedia",),
    "marah": ("mara",),
    "dia": ("ia",),
    "pikir": ("piker",),
    "ujian": ("ujan",),
    "capek": ("cape",),
    "nggak": ("enggak",),
    "kan": ("ka",),
}
_SOUND_EN: dict[str, tuple[str, ...]] = {
    "their": ("there", "they're"),
    "there": ("their",),
    "your": ("you're",),
    "to": ("too", "two"),
    "too": ("to",),
    "know": ("no",),
    "no": ("know",),
    "right": ("write",),
    "hear": ("here",),
    "here": ("hear",),
    "would": ("wood",),
    "then": ("than",),
    "than": ("then",),
    "its": ("it's",),
    "weather": ("whether",),
    "whether": ("weather",),
    "for": ("four",),
    "feel": ("fill",),
    "week": ("weak",),
    "weak": ("week",),
    "whole": ("hole",),
    "new": ("knew",),
    "knew": ("new",),
    "one": ("won",),
    "mom": ("mum",),
    "sad": ("said",),
    "where": ("wear",),
    "were": ("where",),
    "been": ("bean",),
    "through": ("threw",),
}

# QWERTY neighbours (the layout Indonesian and English keyboards share)
_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
_NEIGHBOURS: dict[str, str] = {}
for _r, _row in enumerate(_ROWS):
    for _c, _ch in enumerate(_row):
        near = [_row[_c - 1] if _c > 0 else "", _row[_c + 1] if _c + 1 < len(_row) else ""]
        for _dr in (-1, 1):
            if 0 <= _r + _dr < len(_ROWS):
                other = _ROWS[_r + _dr]
                near += [other[k] for k in (_c - 1, _c, _c + 1) if 0 <= k < len(other)]
        _NEIGHBOURS[_ch] = "".join(n for n in near if n)

_LETTERS = r"[^\W\d_]"
_WORD = re.compile(rf"{_LETTERS}+(?:['\u2019]{_LETTERS}+)*")
_VOWELS = "aeiou"


def _phrase_pattern(table: dict[str, tuple[str, ...]]) -> re.Pattern[str]:
    keys = sorted(table, key=len, reverse=True)  # longest first: "i don't know" before "don't"
    alts = "|".join(re.escape(k).replace(r"\ ", r"\s+").replace("'", "['\u2019]") for k in keys)
    return re.compile(rf"(?<![\w'\u2019])(?:{alts})(?![\w'\u2019])", re.IGNORECASE)


def _tables(lang: str, id_table: dict, en_table: dict) -> dict[str, tuple[str, ...]]:
    # Indonesian talk mixes in English; English talk does not mix in Indonesian
    return {**en_table, **id_table} if lang == "id" else dict(en_table)


_CHAT = {lang: _tables(lang, _CHAT_ID, _CHAT_EN) for lang in ("id", "en")}
_CHAT_RE = {lang: _phrase_pattern(t) for lang, t in _CHAT.items()}
_SOUND = {lang: _tables(lang, _SOUND_ID, _SOUND_EN) for lang in ("id", "en")}


def _lang(lang: str | None) -> str:
    return "en" if lang == "en" else "id"


def _key(s: str) -> str:
    return " ".join(s.lower().replace("\u2019", "'").split())


def _match_case(src: str, out: str) -> str:
    if len(src) > 1 and src.isupper():
        return out.upper()
    if src[:1].isupper():
        return out[:1].upper() + out[1:]
    return out


def _elongate(text: str, rng: random.Random) -> str:
    """Stretch the last vowel of one word ("capek" -> "capeeek")."""
    words = [m for m in _WORD.finditer(text) if any(c.lower() in _VOWELS for c in m.group())]
    if not words:
        return text
    m = rng.choice(words)
    w = m.group()
    k = max(i for i, c in enumerate(w) if c.lower() in _VOWELS)
    return text[: m.start()] + w[: k + 1] + w[k] * rng.randint(2, 4) + w[k + 1 :] + text[m.end() :]


# --- the three styles -------------------------------------------------------------------------------
def chat(text: str, rng: random.Random, lang: str = "id") -> str:
    """Typed chat: abbreviations, often lower case, full stops and commas often left out."""
    lang = _lang(lang)
    table = _CHAT[lang]

    def sub(m: re.Match) -> str:
        forms = table.get(_key(m.group()))
        if not forms or rng.random() >= CHAT_WORD_P:
            return m.group()
        return _match_case(m.group(), rng.choice(forms))

    out = text
    if lang == "id":  # reduplication written with a 2 ("teman-teman" -> "teman2"), -nya shortened
        out = re.sub(rf"\b({_LETTERS}+)-\1\b", lambda m: m.group(1) + "2" if rng.random() < CHAT_WORD_P else m.group(), out)
        out = re.sub(rf"\b({_LETTERS}{{2,}})nya\b", lambda m: m.group(1) + "ny" if rng.random() < CHAT_NYA_P else m.group(), out)
    out = _CHAT_RE[lang].sub(sub, out)
    if rng.random() < CHAT_ELONGATE_P:
        out = _elongate(out, rng)
    if rng.random() < CHAT_LOWER_P:
        out = out.lower()
    if rng.random() < CHAT_DROP_PUNCT_P:
        out = re.sub(r"\s*[.,;]+(?=\s|$)", "", out).strip()
    return out


def _slip(word: str, rng: random.Random) -> str:
    """One typing slip that always changes ``word`` (three letters or more)."""
    low = [c.lower() for c in word]  # per letter: "İ".lower() is two characters
    kinds = ["key", "drop", "double"]
    pairs = [i for i in range(len(word) - 1) if low[i] != low[i + 1]]
    if pairs:
        kinds.append("swap")
    kind = rng.choice(kinds)
    if kind == "key":
        idx = [i for i, c in enumerate(low) if c in _NEIGHBOURS]
        if not idx:  # letters off the QWERTY layout: drop one instead
            kind = "drop"
        else:
            i = rng.choice(idx)
            new = rng.choice(_NEIGHBOURS[low[i]])
            return word[:i] + (new.upper() if word[i].isupper() else new) + word[i + 1 :]
    if kind == "swap":
        i = rng.choice(pairs)
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind == "drop":
        i = rng.randrange(1, len(word))  # the first letter is rarely the one missed
        return word[:i] + word[i + 1 :]
    i = rng.randrange(len(word))
    return word[: i + 1] + word[i] + word[i + 1 :]


def typos(text: str, rng: random.Random, lang: str = "id") -> str:
    """Typing slips: neighbouring key, swapped, dropped or doubled letters; now and then a stretched word."""
    out = _WORD.sub(lambda m: _slip(m.group(), rng) if len(m.group()) >= 3 and rng.random() < TYPO_WORD_P else m.group(), text)
    if rng.random() < TYPO_ELONGATE_P:
        out = _elongate(out, rng)
    return out


def asr(text: str, rng: random.Random, lang: str = "id") -> str:
    """Speech recognition: lower case, no punctuation, now and then words run together or a sound-alike."""
    table = _SOUND[_lang(lang)]
    # digits are spoken and written back as digits; everything else that is not a word is dropped
    tokens = re.findall(rf"{_WORD.pattern}|\d+", text.lower())
    words = [w.replace("\u2019", "'") for w in tokens]
    out: list[str] = []
    for w in words:
        forms = table.get(w)
        if forms and rng.random() < ASR_SOUNDALIKE_P:
            w = rng.choice(forms)
        if out and rng.random() < ASR_MERGE_P:
            out[-1] += w
        else:
            out.append(w)
    return " ".join(out)


STYLES: dict[str, Callable[..., str]] = {"chat": chat, "typo": typos, "asr": asr}


def _is_silence(text: str) -> bool:
    from .model.lexicon import lexicon

    return lexicon().is_silence(text)


def noise_text(text: str, style: str, rng: random.Random, lang: str = "id") -> str:
    """``text`` in ``style``; silence markers and texts the noise would empty are returned unchanged."""
    if style not in STYLES:
        raise ValueError(f"unknown noise style {style!r} (expected one of {', '.join(STYLES)})")
    if not text or not text.strip() or _is_silence(text):
        return text
    out = STYLES[style](text, rng, lang)
    return out if out.strip() else text


def session_rng(seed: int, session: str, tag: str = "") -> random.Random:
    """A ``random.Random`` that depends only on ``seed``, ``session`` and ``tag`` (not on Python's hash seed)."""
    digest = hashlib.sha256(f"{seed}\x1f{session}\x1f{tag}".encode("utf-8", "surrogatepass")).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def noise_session(rows: Sequence[dict], style: str, rng: random.Random, session: str | None = None) -> list[dict]:
    """Copies of one session's rows, every text in ``style``; ``session``: the copies' session id
    (default: unchanged). Everything but the text (labels, stage, tasks, flags ...) is copied as it is."""
    out = []
    for r in rows:
        new = {k: (list(v) if isinstance(v, list) else v) for k, v in r.items()}
        new["text"] = noise_text(r.get("text") or "", style, rng, r.get("lang", "id"))
        if session is not None:
            new["session"] = session
            new["origin"] = r.get("origin") or r["session"]
        out.append(new)
    return out


def _groups(rows: Iterable[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for r in rows:
        out.setdefault(r["session"], []).append(r)
    return out


def augment_rows(
    rows: Sequence[dict], *, copies: int = 1, styles: Sequence[str] = tuple(STYLES), seed: int = 0
) -> list[dict]:
    """``copies`` noised copies of every session of ``rows`` (only the copies). Copy ``k`` of session ``s`` is
    named ``s~noise{k}-{style}``; its style and its noise depend only on ``seed``, ``s`` and ``k``."""
    styles = list(styles)
    for st in styles:
        if st not in STYLES:
            raise ValueError(f"unknown noise style {st!r} (expected one of {', '.join(STYLES)})")
    if copies <= 0 or not styles:
        return []
    out: list[dict] = []
    for sid, srows in _groups(rows).items():
        for k in range(copies):
            rng = session_rng(seed, sid, f"copy{k}")
            style = rng.choice(styles)
            out += noise_session(srows, style, rng, session=f"{sid}~noise{k}-{style}")
    return out


def noise_rows(rows: Sequence[dict], style: str, *, seed: int = 0) -> list[dict]:
    """Every session of ``rows`` in one ``style`` (the robustness check of ``jalin evaluate --compare``):
    session ``s`` becomes ``s~{style}``, its noise seeded by ``seed``, ``s`` and the style."""
    out: list[dict] = []
    for sid, srows in _groups(rows).items():
        out += noise_session(srows, style, session_rng(seed, sid, style), session=f"{sid}~{style}")
    return out
