"""The corpus report (issue #12): what the training corpus covers, its label counts, and near-duplicates.

``jalin corpus report`` prints it (Markdown) or writes it to ``docs/corpus-report.md``;
``jalin corpus report --check`` fails when the committed report is out of date, so the numbers in the
docs are always those of the shipped corpus.

Near-duplicates are found on two levels, by methods fixed here:

- **sessions**: each session's whole text (both speakers, in order) as a TF-IDF vector of character
  3–5-grams within word boundaries (sublinear tf); two sessions whose cosine similarity is at least
  ``SESSION_THRESHOLD`` are near-duplicates (a rewrite with other names, a copied session);
- **utterances**: lines of at least ``MIN_WORDS`` words that occur, after lower-casing and removing
  punctuation, in more than one session (a template line repeated across sessions).

The report also gives each brief's (file prefix's) mean similarity to its nearest session inside the
brief and to its nearest session in another brief: a new brief adds variety when the second is low.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .corpus import CorpusError, group_sessions, load_corpus, shipped_corpus_paths
from .taxonomy import taxonomy

__all__ = ["SESSION_THRESHOLD", "agreement", "corpus_report", "duplicate_lines", "near_duplicate_sessions", "to_markdown"]

SESSION_THRESHOLD = 0.60
MIN_WORDS = 6
_PUNCT = re.compile(r"[^\w\s]+", re.UNICODE)


# Writers describe a session's setting, register and counselor style in their own words; the report
# counts them by keyword (first matching group wins for settings and styles; registers take every tag).
_SETTINGS = (
    ("pesantren / madrasah", r"pesantren|madrasah|santri|\bmts\b|\bma\b|pondok"),
    ("school", r"\bsd\b|\bsmp\b|\bsma\b|\bsmk\b|\bslb\b|sekolah|school|\bkelas\b|\bbk\b|guru"),
    ("health", (r"puskesmas|rumah sakit|hospital|klinik|clinic|hospice|palliative|paliatif|\bvct\b|fertil|"
               r"maternity|\brs\b|psikolog rs")),
    ("campus", r"kampus|campus|universit|mahasiswa|college|\bkkn\b|skripsi|thesis"),
    ("workplace", r"workplace|\beap\b|kantor|pabrik|factory|karyawan|employee|company|perusahaan|kerja|work"),
    ("family", r"family|keluarga|couple|pasangan|marriage|perkawinan|pernikahan|divorce|cerai|parent"),
    ("community", (r"community|komunitas|posyandu|karang taruna|desa|village|gereja|church|masjid|mosque|"
                  r"bencana|disaster|pengungsi|refugee|lpka|rehab|\bbnn\b|uptd|ppa|kader|lapas")),
    ("bureau / private practice", r"bureau|biro|praktik|practice|psikolog"),
    ("online service", r"online|daring|whatsapp|chat|hotline|crisis line"),
)
_REGISTERS = (
    ("formal", r"formal|baku|bapak/ibu|anda"),
    ("teacher–student kamu", r"\bkamu\b|guru–murid|guru-murid"),
    ("slang", r"slang|gue|\blo\b|gaul|jaksel|teen"),
    ("informal / everyday", r"informal|casual|santai|sehari-hari|relaxed|colloquial"),
    ("code-mixed", r"campur kode|code-mix|code mix|mixed|english"),
    ("regional colour", (r"berwarna|logat|colou?red|jawa|sunda|batak|minang|melayu|malay|bugis|makassar|papua|"
                        r"ambon|maluku|manado|betawi|banjar|madura|sasak|aceh|bali|kupang|palembang|medan")),
    ("speech recognition", r"\basr\b|transkrip mesin|speech|tanpa tanda baca"),
    ("chat", r"\bchat\b|singkatan|emoji|whatsapp|texting"),
)
_REGIONS = (
    ("Javanese", r"jawa|javanese|suroboyo|semarang"), ("Sundanese", r"sunda"), ("Batak / Medan", r"batak|medan"),
    ("Minang", r"minang|padang"), ("Malay (Riau, Pontianak, Jambi)", r"melayu|malay|riau|pontianak|jambi"),
    ("Banjar", r"banjar"), ("Bugis / Makassar", r"bugis|makassar"), ("Papuan", r"papua"),
    ("Ambon / Maluku", r"ambon|maluku"), ("Manado", r"manado"), ("Kupang / NTT", r"kupang|ntt"),
    ("Betawi", r"betawi"), ("Madurese", r"madura"), ("Sasak", r"sasak|lombok"), ("Acehnese", r"aceh"),
    ("Balinese", r"bali"), ("Palembang", r"palembang"),
)
_STYLES = (
    ("trainee", r"trainee|beginner|praktikan"), ("textbook", r"textbook"), ("skilled but brief", r"skilled"),
    ("preachy", r"preach"), ("interrogating", r"interrogat"), ("over-talking", r"over.?talk"),
    ("stiff", r"stiff"), ("warm but unstructured", r"warm"), ("self-disclosing", r"themselves|self"),
    ("medical", r"medical"),
)


def _group(text: str | None, groups, default: str = "—") -> str:
    t = (text or "").lower()
    if not t:
        return default
    for name, pattern in groups:
        if re.search(pattern, t):
            return name
    return t if len(t) <= 24 else "other"


def _tags(text: str | None, groups) -> list[str]:
    t = (text or "").lower()
    return [name for name, pattern in groups if re.search(pattern, t)]


def _brief(row: dict) -> str:
    """The brief a session comes from: its file name without the running number ("id_school_03" →
    "id_school", "id_c_014" → "id_c")."""
    where = str(row.get("_where") or "")
    stem = Path(where.split(":")[0]).stem if where else str(row["session"])
    return re.sub(r"[_-]?\d+$", "", stem) or stem


def _session_texts(sessions: dict[str, list[dict]]) -> list[str]:
    return ["\n".join(r["text"] for r in srows) for srows in sessions.values()]


def session_similarity(sessions: dict[str, list[dict]]) -> np.ndarray:
    """Cosine similarity between sessions (character 3–5-gram TF-IDF); the diagonal is set to 0."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = _session_texts(sessions)
    if len(texts) < 2:
        return np.zeros((len(texts), len(texts)))
    X = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, lowercase=True).fit_transform(
        texts
    )
    S = (X @ X.T).toarray()
    np.fill_diagonal(S, 0.0)
    return S


def near_duplicate_sessions(
    sessions: dict[str, list[dict]], S: np.ndarray | None = None, threshold: float = SESSION_THRESHOLD
) -> list[tuple[str, str, float]]:
    """Pairs of sessions at or above ``threshold`` similarity, most similar first."""
    S = session_similarity(sessions) if S is None else S
    names = list(sessions)
    i, j = np.where(np.triu(S, k=1) >= threshold)
    pairs = [(names[a], names[b], round(float(S[a, b]), 3)) for a, b in zip(i, j)]
    return sorted(pairs, key=lambda p: -p[2])


def _norm(text: str) -> str:
    return " ".join(_PUNCT.sub(" ", text.lower()).split())


def duplicate_lines(rows: Sequence[dict], min_words: int = MIN_WORDS) -> list[tuple[str, list[str]]]:
    """Lines of at least ``min_words`` words found (normalised) in more than one session."""
    where: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        n = _norm(r["text"])
        if len(n.split()) >= min_words:
            where[n].add(r["session"])
    return sorted(((t, sorted(s)) for t, s in where.items() if len(s) > 1), key=lambda x: (-len(x[1]), x[0]))


def corpus_report(rows: Sequence[dict]) -> dict:
    """Counts and diversity of a corpus (rows as from ``load_corpus``)."""
    rows = list(rows)
    sessions = group_sessions(rows)
    tax = taxonomy()
    first = {name: srows[0] for name, srows in sessions.items()}

    def by_session(key: str, groups=None) -> dict[str, int]:
        values = (_group(r.get(key), groups) if groups else str(r.get(key) or "—") for r in first.values())
        return dict(Counter(values).most_common())

    def tagged(key: str, groups, lang: str | None = None) -> dict[str, int]:
        c = Counter(t for r in first.values() if lang in (None, r.get("lang", "id")) for t in _tags(r.get(key), groups))
        return dict(c.most_common())

    lengths = np.array([len(s) for s in sessions.values()]) if sessions else np.zeros(1)
    words = np.array([len(r["text"].split()) for r in rows if r["speaker"] == "counselee"] or [0])
    S = session_similarity(sessions)
    names = list(sessions)
    briefs = [_brief(first[n]) for n in names]
    per_brief: dict[str, dict] = {}
    for b in sorted(set(briefs)):
        idx = [k for k, x in enumerate(briefs) if x == b]
        other = [k for k, x in enumerate(briefs) if x != b]
        inside = [S[k, [m for m in idx if m != k]].max() for k in idx if len(idx) > 1]
        across = [S[k, other].max() for k in idx] if other else []
        per_brief[b] = {
            "sessions": len(idx),
            "utterances": sum(len(sessions[names[k]]) for k in idx),
            "nearest_inside": round(float(np.mean(inside)), 3) if inside else None,
            "nearest_other_brief": round(float(np.mean(across)), 3) if across else None,
        }
    labels = {
        sp: {lab: sum(1 for r in rows if r["speaker"] == sp and r["label"] == lab) for lab in tax.labels_for(sp)}
        for sp in ("counselor", "counselee")
    }
    return {
        "sessions": len(sessions),
        "utterances": len(rows),
        "languages": dict(Counter(r.get("lang", "id") for r in first.values()).most_common()),
        "settings": by_session("setting", _SETTINGS),
        "registers": tagged("register", _REGISTERS),
        "regional_colours": tagged("register", _REGIONS, "id"),
        "channels": by_session("channel"),
        "counselor_styles": by_session("counselor_style", _STYLES),
        "briefs": per_brief,
        "session_length": {
            "min": int(lengths.min()),
            "median": float(np.median(lengths)),
            "max": int(lengths.max()),
        },
        "counselee_words": {
            "median": float(np.median(words)),
            "one_word_share": round(float(np.mean(words <= 1)), 3),
            "over_40_words_share": round(float(np.mean(words > 40)), 3),
        },
        "labels": labels,
        "flags": {f: sum(1 for r in rows if f in (r.get("flags") or [])) for f in tax.flags},
        "stages": {s: sum(1 for r in rows if r.get("stage") == s) for s in tax.stages},
        "tasks": {t: sum(1 for r in rows if t in (r.get("tasks") or [])) for t in tax.tasks},
        "near_duplicates": {
            "method": (
                f"sessions: cosine of character 3–5-gram TF-IDF (sublinear tf) over the whole session text, "
                f">= {SESSION_THRESHOLD}; lines: >= {MIN_WORDS} words, equal after lower-casing and removing "
                f"punctuation, in more than one session"
            ),
            "session_pairs": near_duplicate_sessions(sessions, S),
            "repeated_lines": [{"text_words": len(t.split()), "sessions": s} for t, s in duplicate_lines(rows)],
            "max_similarity": round(float(S.max()), 3) if S.size else 0.0,
        },
    }


def _table(title: str, counts: dict, total: int | None = None) -> list[str]:
    out = [f"| {title} | count |" + (" share |" if total else ""), "|---|---|" + ("---|" if total else "")]
    for k, v in counts.items():
        out.append(f"| {k} | {v} |" + (f" {v / total:.1%} |" if total else ""))
    return out + [""]


def to_markdown(rep: dict) -> str:
    """The report as Markdown (docs/corpus-report.md)."""
    n = rep["sessions"]
    lines = [
        "# Corpus report",
        "",
        ("Generated by `jalin corpus report --out docs/corpus-report.md` from the shipped corpus "
        "(`jalin/analysis/data/corpus`); `jalin corpus report --check` (run by the tests) fails when "
        "this file is out of date. Do not edit it by hand."),
        "",
        (f"**{n} sessions, {rep['utterances']} utterances.** Session length: "
        f"{rep['session_length']['min']}–{rep['session_length']['max']} utterances "
        f"(median {rep['session_length']['median']:g}). Counselee turns: median "
        f"{rep['counselee_words']['median']:g} words, {rep['counselee_words']['one_word_share']:.1%} of one word, "
        f"{rep['counselee_words']['over_40_words_share']:.1%} over 40 words."),
        "",
        "## Coverage",
        "",
    ]
    lines += _table("language", rep["languages"], n)
    lines += _table("setting", rep["settings"], n)
    lines += [
        ("Setting, register and counselor style are the writers' own words, counted by keyword "
        "(`jalin/analysis/corpus_report.py`); a session can carry several register tags."),
        "",
    ]
    lines += _table("register tag", rep["registers"], n)
    lines += _table("regional colour (Indonesian sessions)", rep["regional_colours"], n)
    lines += _table("channel", rep["channels"], n)
    lines += _table("counselor style", rep["counselor_styles"], n)
    lines += [
        "## Briefs",
        "",
        ("A brief is a separately written part of the corpus (its file-name prefix). *Nearest inside*: the "
        "mean, over its sessions, of the similarity to the most similar session of the same brief; *nearest "
        "in another brief*: the same against every other brief. Similarity: the session-level method below."),
        "",
        "| brief | sessions | utterances | nearest inside | nearest in another brief |",
        "|---|---|---|---|---|",
    ]
    for b, v in rep["briefs"].items():
        lines.append(
            f"| {b} | {v['sessions']} | {v['utterances']} | {v['nearest_inside'] if v['nearest_inside'] is not None else '—'}"
            f" | {v['nearest_other_brief'] if v['nearest_other_brief'] is not None else '—'} |"
        )
    lines += ["", "## Labels", ""]
    lines += _table("counselor label", rep["labels"]["counselor"])
    lines += _table("counselee label", rep["labels"]["counselee"])
    lines += _table("flag", rep["flags"])
    lines += _table("stage", rep["stages"])
    lines += _table("stage task", rep["tasks"])
    nd = rep["near_duplicates"]
    lines += [
        "## Near-duplicates",
        "",
        f"Method: {nd['method']}.",
        "",
        (f"Highest similarity between two sessions: {nd['max_similarity']}. Session pairs at or above the "
        f"threshold: {len(nd['session_pairs'])}. Repeated lines: {len(nd['repeated_lines'])}."),
        "",
    ]
    for a, b, s in nd["session_pairs"]:
        lines.append(f"- sessions `{a}` and `{b}`: {s}")
    for d in nd["repeated_lines"]:
        lines.append(f"- a line of {d['text_words']} words in sessions {', '.join(f'`{s}`' for s in d['sessions'])}")
    return "\n".join(lines).rstrip() + "\n"


def agreement(first: Sequence[dict], second: Sequence[dict]) -> dict:
    """Agreement of two annotators on the same utterances (aligned lists of corpus rows)."""
    from sklearn.metrics import cohen_kappa_score

    from .training import _set_scores, classification_report

    if len(first) != len(second) or any(a["text"] != b["text"] for a, b in zip(first, second)):
        raise CorpusError("the two annotations do not cover the same utterances in the same order")
    tax = taxonomy()
    out: dict = {"utterances": len(first), "sessions": len(group_sessions(list(first)))}
    for sp in ("counselor", "counselee"):
        idx = [i for i, r in enumerate(first) if r["speaker"] == sp]
        a, b = [first[i]["label"] for i in idx], [second[i]["label"] for i in idx]
        rep = classification_report(a, b, tax.labels_for(sp))
        out[sp] = {
            "n": len(idx),
            "macro_f1": rep["macro_f1"],
            "accuracy": round(float(np.mean([x == y for x, y in zip(a, b)])), 4) if idx else None,
            "kappa": round(float(cohen_kappa_score(a, b)), 4) if len(set(a) | set(b)) > 1 else None,
        }
    resist = {"surface", "reluctant", "defensive"}
    cle = [i for i, r in enumerate(first) if r["speaker"] == "counselee"]
    out["resistance_agreement"] = (
        round(float(np.mean([(first[i]["label"] in resist) == (second[i]["label"] in resist) for i in cle])), 4)
        if cle else None
    )
    staged = [i for i, r in enumerate(first) if r.get("stage") and second[i].get("stage")]
    out["stage_accuracy"] = round(float(np.mean([first[i]["stage"] == second[i]["stage"] for i in staged])), 4)
    ga, gb = [], []
    for sid in group_sessions(list(first)):
        ga.append({t for r in first if r["session"] == sid for t in (r.get("tasks") or [])})
        gb.append({t for r, q in zip(first, second) if r["session"] == sid for t in (q.get("tasks") or [])})
    scores = _set_scores(ga, gb, tax.tasks)
    f1s = [v["f1"] for v in scores.values() if v["support"]]
    out["tasks_session_macro_f1"] = round(float(np.mean(f1s)), 4) if f1s else None
    fa = [bool(first[i].get("flags")) for i in cle]
    fb = [bool(second[i].get("flags")) for i in cle]
    out["flag_lines"] = {"first": sum(fa), "second": sum(fb), "both": sum(x and y for x, y in zip(fa, fb))}
    return out


def shipped_agreement() -> dict:
    """The second annotator's blind labels (data/eval/agreement) against the corpus's first labels."""
    from importlib import resources

    root = Path(str(resources.files("jalin.analysis").joinpath("data/eval/agreement")))
    pairs = [line.split() for line in (root / "sessions.txt").read_text("utf-8").splitlines() if line.strip()]
    corpus = group_sessions(load_corpus(shipped_corpus_paths()))
    first, second = [], []
    for blind, sid in pairs:
        if sid not in corpus:
            raise CorpusError(f"{root / 'sessions.txt'}: session {sid} is not in the corpus")
        first += corpus[sid]
        second += load_corpus([str(root / f"{blind}.jsonl")])
    return agreement(first, second)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="jalin corpus", description="Facts about the training corpus.")
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser("report", help="counts, diversity and near-duplicates of the corpus (Markdown)")
    r.add_argument("--data", action="append", metavar="PATH", help="corpus file/folder/glob (default: shipped)")
    r.add_argument("--out", metavar="FILE", help="write the report here instead of printing it")
    r.add_argument("--check", metavar="FILE", help="exit 1 when FILE differs from the report")
    sub.add_parser("agreement", help="the second annotator's blind labels against the corpus (data/eval/agreement)")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """``jalin corpus report``; 0 ok, 1 out of date (--check), 2 bad arguments or corpus."""
    try:
        args = _parser().parse_args(list(argv) if argv is not None else None)
    except SystemExit as exc:
        return int(exc.code or 0)
    if args.command == "agreement":
        try:
            res = shipped_agreement()
        except CorpusError as exc:
            print(f"jalin corpus: {exc}", file=sys.stderr)
            return 2
        print(json.dumps(res, indent=2))
        return 0
    try:
        rows = load_corpus(args.data or shipped_corpus_paths())
    except CorpusError as exc:
        print(f"jalin corpus: {exc}", file=sys.stderr)
        return 2
    text = to_markdown(corpus_report(rows))
    if args.check:
        path = Path(args.check)
        current = path.read_text(encoding="utf-8") if path.is_file() else ""
        if current != text:
            print(f"jalin corpus: {path} is out of date; run: jalin corpus report --out {path}", file=sys.stderr)
            return 1
        return 0
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
        print(f"wrote {args.out}")
    else:
        sys.stdout.write(text)
    return 0
