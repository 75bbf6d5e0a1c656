"""Second and third opinions on the corpus's risk flags (issue #11), and how they are applied.

The corpus's risk flags were written by the session writers, who often flagged the counselee line *after*
a disclosure and sometimes missed a sign that the line itself carries. The risk items and every frozen
risk set follow the issue's rule instead: a flag sits on the line that carries the sign, or on a "yes" to a
direct screening question. Two annotators who saw neither the corpus labels nor the detector relabelled a
sample of counselee lines blind (docs/risk-corpus-relabel.md); each flag of each line is then decided by
majority over three opinions: the writer's original flag and the two annotators'.

    python bench/risk_relabel.py build KEY.json LINES_DIR   # annotators' files -> docs/data/risk-relabel-votes.jsonl
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
    key = json.loads(Path(key_path).read_text("utf-8"))
    d = Path(lines_dir)
    labels: dict[str, dict[str, list[str]]] = {"a": {}, "b": {}}
    for part in (1, 2):
        for who in ("a", "b"):
            for line in (d / f"labels_p{part}_{who}.jsonl").read_text("utf-8").splitlines():
                if line.strip():
                    rec = json.loads(line)
                    labels[who][rec["uid"]] = [f for f in rec["flags"] if f in FLAGS]
    rows = _corpus_rows()
    VOTES.parent.mkdir(parents=True, exist_ok=True)
    out = []
    for uid in sorted(key):
        k = key[uid]
        if uid not in labels["a"] or uid not in labels["b"]:
            raise SystemExit(f"{uid}: missing from an annotator's file")
        _, _, row = rows[(k["session"], int(k["index"]))]
        orig = list(row.get("flags") or [])
        a, b = labels["a"][uid], labels["b"][uid]
        out.append({
            "session": k["session"], "index": int(k["index"]), "sample": k["why"],
            "original": orig, "a": a, "b": b, "final": majority(orig, a, b),
        })
    out.sort(key=lambda v: (v["session"], v["index"]))
    VOTES.write_text("".join(json.dumps(v, ensure_ascii=False) + "\n" for v in out), "utf-8")
    print(f"{len(out)} votes -> {VOTES.relative_to(ROOT)}")


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

    for sample in ("selected", "control", None):
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
    elif cmd == "apply":
        apply()
    elif cmd == "check":
        sys.exit(check())
    elif cmd == "agreement":
        agreement()
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
