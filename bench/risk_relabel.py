"""Second and third opinions on the corpus's risk flags (issue #11), and how they are applied.

The corpus's risk flags were written by the session writers, who often flagged the counselee line *after*
a disclosure and sometimes missed a sign that the line itself carries. The risk items and every frozen
risk set follow the issue's rule instead: a flag sits on the line that carries the sign, or on a "yes" to a
direct screening question. Two annotators who saw neither the corpus labels nor the detector relabelled a
sample of counselee lines blind (docs/risk-corpus-relabel.md); each flag of each line is then decided by
majority over three opinions: the writer's original flag and the two annotators'.

    python bench/risk_relabel.py build KEY.json LINES_DIR   # annotators' files -> docs/data/risk-relabel-votes.jsonl
    python bench/risk_relabel.py region OUT_DIR [--round N] [--cache-dir DIR]   # lines to annotate, blind
                                                            # (the key goes to OUT_DIR-key.json)
    python bench/risk_relabel.py apply                      # votes -> corpus files (flags only)
    python bench/risk_relabel.py check                      # exit 1 if a voted corpus line differs from its vote
    python bench/risk_relabel.py agreement                  # agreement between the three opinions
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VOTES = ROOT / "docs" / "data" / "risk-relabel-votes.jsonl"
CORPUS = ROOT / "jalin" / "analysis" / "data" / "corpus"
FLAGS = ("risk_self", "risk_others", "abuse")


def majority(*opinions: list[str]) -> list[str]:
    """Per flag: kept when at least two of the three opinions give it."""
    return [f for f in FLAGS if sum(f in o for o in opinions) >= 2]


def _corpus_rows() -> dict[tuple[str, int], tuple[Path, int, dict]]:
    out = {}
    for f in sorted(CORPUS.glob("*.jsonl")):
        for n, line in enumerate(f.read_text("utf-8").splitlines()):
            row = json.loads(line)
            out[(row["session"], int(row["index"]))] = (f, n, row)
    return out


def build(key_path: str, lines_dir: str) -> None:
    """Votes for the lines of ``key_path`` from the annotators' ``labels_p<part>_{a,b}.jsonl``; lines voted
    in an earlier round keep their votes (a round never re-votes a line)."""
    key = json.loads(Path(key_path).read_text("utf-8"))
    d = Path(lines_dir)
    labels: dict[str, dict[str, list[str]]] = {"a": {}, "b": {}}
    for who in ("a", "b"):
        files = sorted(d.glob(f"labels_p*_{who}.jsonl"))
        if not files:
            raise SystemExit(f"{d}: no labels_p<part>_{who}.jsonl")
        for path in files:
            for n, line in enumerate(path.read_text("utf-8").splitlines(), 1):
                if line.strip():
                    try:
                        rec = json.loads(line)
                        labels[who][rec["uid"]] = [f for f in rec["flags"] if f in FLAGS]
                    except (ValueError, KeyError, TypeError) as exc:
                        raise SystemExit(f"{path}, line {n}: not a {{uid, flags}} object ({exc})") from exc
    rows = _corpus_rows()
    VOTES.parent.mkdir(parents=True, exist_ok=True)
    earlier = _votes() if VOTES.exists() else []
    voted = {(v["session"], v["index"]) for v in earlier}
    out = list(earlier)
    for uid in sorted(key):
        k = key[uid]
        if uid not in labels["a"] or uid not in labels["b"]:
            raise SystemExit(f"{uid}: missing from an annotator's file")
        if (k["session"], int(k["index"])) in voted:
            raise SystemExit(f"{uid}: {k['session']} #{k['index']} was voted in an earlier round")
        _, _, row = rows[(k["session"], int(k["index"]))]
        orig = list(row.get("flags") or [])
        a, b = labels["a"][uid], labels["b"][uid]
        out.append({
            "session": k["session"], "index": int(k["index"]), "sample": k["why"],
            "original": orig, "a": a, "b": b, "final": majority(orig, a, b),
        })
    out.sort(key=lambda v: (v["session"], v["index"]))
    VOTES.write_text("".join(json.dumps(v, ensure_ascii=False) + "\n" for v in out), "utf-8")
    print(f"{len(out) - len(earlier)} new votes, {len(out)} in all -> {VOTES}")


# Round 2 (decided before any line was annotated): the training-part lines that the cross-validated detector
# with the shipped features flags at the grid's loosest setting, or gives a classifier probability of at
# least REGION_P, while the corpus gives them no flag: the lines whose labels decide the precision floor of
# `jalin evaluate --risk-cv`. Mixed, in random order, with a random control sample of the other unvoted
# training-part lines, so that the annotators cannot tell which is which.
# Round 3 (decided the same way, before any of its lines was annotated): the same rule with the detector
# trained with round 2's votes and the training items G and H (model 2026.12-4); lines voted in rounds 1-2
# are left out.
REGION_P = 0.4
REGION_SETTING = {"threshold": 0.5, "weak_threshold": 0.3}
CONTROL_2 = 150
SEEDS = {2: 20261205, 3: 20261206}  # one per round, fixed before the round's selection was run
CONTEXT_TURNS = 4


def region(out_dir: str, cache_dir: str | None = None, round_no: int = 2) -> None:
    import random

    from jalin.analysis import risk_eval
    from jalin.analysis.corpus import held_out_split, load_corpus
    from jalin.analysis.model.embed import Embedder
    from jalin.analysis.model.labeller import DEFAULT_PARAMS
    from jalin.analysis.risk_train import load_risk_items, shipped_risk_train_paths

    train, _ = held_out_split(load_corpus(None), seed=0)
    shipped = DEFAULT_PARAMS["risk"]
    grid = {k: (shipped[k],) for k in ("C", "context", "moves", "ngrams")}
    grid.update({k: (v,) for k, v in REGION_SETTING.items()})
    emb = Embedder("use", cache_dir=cache_dir)
    res = risk_eval.risk_cv(train, embedder=emb, grid=grid, extra_items=load_risk_items(shipped_risk_train_paths()),
                            predictions=True)
    if cache_dir:
        emb.save_cache()
    voted = {(v["session"], v["index"]) for v in _votes()}
    rows = {(r["session"], int(r["index"])): r for r in train}
    pool = [p for p in res["chosen"]["predictions"]
            if (p["session"], p["index"]) not in voted and not rows[(p["session"], p["index"])].get("flags")]
    picked = [p for p in pool if p["flags"] or p["p"] >= REGION_P]
    rest = sorted((p["session"], p["index"]) for p in pool if not (p["flags"] or p["p"] >= REGION_P))
    rng = random.Random(SEEDS[round_no])
    lines = [((p["session"], p["index"]), "region") for p in picked]
    lines += [(k, "control") for k in rng.sample(rest, min(CONTROL_2, len(rest)))]
    rng.shuffle(lines)
    by_session: dict[str, list[dict]] = {}
    for r in train:
        by_session.setdefault(r["session"], []).append(r)
    d = Path(out_dir)
    d.mkdir(parents=True, exist_ok=True)
    key, items = {}, []
    for n, ((sid, idx), why) in enumerate(lines, 1):
        uid = f"r{round_no}-{n:04d}"
        key[uid] = {"session": sid, "index": idx, "why": f"{why} (round {round_no})"}
        srows = sorted(by_session[sid], key=lambda r: int(r["index"]))
        before = [r for r in srows if int(r["index"]) < idx][-CONTEXT_TURNS:]
        items.append({"uid": uid, "lang": rows[(sid, idx)].get("lang", "id"),
                      "context": [{"speaker": r["speaker"], "text": r["text"]} for r in before],
                      "text": rows[(sid, idx)]["text"]})
    # the key (which line is region, which control) goes beside the folder the annotators are given, not in it
    key_path = d.with_name(d.name + "-key.json")
    key_path.write_text(json.dumps(key, ensure_ascii=False, indent=1), "utf-8")
    (d / "lines_p1.jsonl").write_text("".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items), "utf-8")
    print(f"{len(picked)} region lines (of {len(pool)} unvoted unflagged training-part lines) "
          f"+ {len(lines) - len(picked)} control -> {d} (key: {key_path})")


def _votes() -> list[dict]:
    return [json.loads(line) for line in VOTES.read_text("utf-8").splitlines() if line.strip()]


def apply() -> None:
    votes = {(v["session"], v["index"]): v["final"] for v in _votes()}
    rows = _corpus_rows()
    by_file: dict[Path, dict[int, list[str]]] = {}
    for key, final in votes.items():
        f, n, row = rows[key]
        if list(row.get("flags") or []) != final:
            by_file.setdefault(f, {})[n] = final
    for f, changes in by_file.items():
        lines = f.read_text("utf-8").splitlines()
        for n, final in changes.items():
            row = json.loads(lines[n])
            row["flags"] = final
            lines[n] = json.dumps(row, ensure_ascii=False)
        tmp = f.with_suffix(".tmp")
        tmp.write_text("\n".join(lines) + "\n", "utf-8")
        tmp.replace(f)
    print(f"{sum(len(c) for c in by_file.values())} lines changed in {len(by_file)} files")


def check() -> int:
    rows = _corpus_rows()
    bad = [v for v in _votes() if list(rows[(v["session"], v["index"])][2].get("flags") or []) != v["final"]]
    for v in bad[:20]:
        print(f"{v['session']} #{v['index']}: corpus differs from the vote {v['final']}")
    return 1 if bad else 0


def agreement() -> None:
    votes = _votes()

    def kappa(x: list[bool], y: list[bool]) -> float:
        n = len(x)
        po = sum(a == b for a, b in zip(x, y)) / n
        px, py = sum(x) / n, sum(y) / n
        pe = px * py + (1 - px) * (1 - py)
        return (po - pe) / (1 - pe) if pe < 1 else 1.0

    # round 1 ("selected" first, then its control), then each later round in order
    samples = sorted({v["sample"] for v in votes},
                     key=lambda s: (s.split("(round ")[-1] if "(round " in s else "", s != "selected", s))
    for sample in (*samples, None):
        vs = [v for v in votes if sample is None or v["sample"] == sample]
        anyf = {w: [bool(v[w]) for v in vs] for w in ("original", "a", "b", "final")}
        print(f"== {sample or 'all'}: {len(vs)} lines; lines with a flag: "
              + ", ".join(f"{w} {sum(anyf[w])}" for w in anyf))
        for x, y in (("a", "b"), ("original", "a"), ("original", "b")):
            agree = sum(p == q for p, q in zip(anyf[x], anyf[y]))
            print(f"   any flag {x} vs {y}: {agree}/{len(vs)} agree, kappa {kappa(anyf[x], anyf[y]):.2f}")
        moves = Counter((bool(v["original"]), bool(v["final"])) for v in vs)
        print(f"   flagged -> unflagged {moves[(True, False)]}, unflagged -> flagged {moves[(False, True)]}, "
              f"flag kind changed {sum(1 for v in vs if v['original'] and v['final'] and v['original'] != v['final'])}")


if __name__ == "__main__":
    cmd = sys.argv[1] if len(sys.argv) > 1 else ""
    if cmd == "build" and len(sys.argv) == 4:
        build(sys.argv[2], sys.argv[3])
    elif cmd == "region" and len(sys.argv) >= 3:
        import argparse

        ap = argparse.ArgumentParser(prog="risk_relabel.py region")
        ap.add_argument("out_dir")
        ap.add_argument("--round", type=int, choices=sorted(SEEDS), default=2)
        ap.add_argument("--cache-dir")
        a = ap.parse_args(sys.argv[2:])
        region(a.out_dir, a.cache_dir, a.round)
    elif cmd == "apply":
        apply()
    elif cmd == "check":
        sys.exit(check())
    elif cmd == "agreement":
        agreement()
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
