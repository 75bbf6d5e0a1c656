"""Per-turn latency of the simulated counselee: label the trainee turn with the analysis model (warm),
update the state, choose the reply. Prints the median and the 95th percentile.

    OMP_WAIT_POLICY=PASSIVE python bench/bench_roleplay.py [--sessions 3] [--threads 2]

Every scripted trainee file in tests/roleplay/scripts is played; before each turn the embedding memo
is cleared, so every turn embeds its text as a first-time turn would. The model is loaded and warmed
once first (as the web app does when a practice session starts), and that start-up is printed apart.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=1, help="times each script is played")
    parser.add_argument("--threads", type=int, default=2, help="CPU threads for numpy/BLAS (2 = the target)")
    args = parser.parse_args()
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(args.threads)

    from jalin.analysis.model import embed
    from jalin.roleplay.engine import RoleplaySession, warm_labeller
    from jalin.roleplay.scenario import load_scenarios

    start = time.perf_counter()
    warm_labeller()
    warm = time.perf_counter() - start
    scenarios = load_scenarios()
    scripts = sorted(Path(__file__).parents[1].joinpath("tests", "roleplay", "scripts").glob("*.txt"))
    latencies: list[float] = []
    for _ in range(args.sessions):
        for script in scripts:
            scenario_id, _kind, lang, _ = script.name.split(".")
            session = RoleplaySession(scenarios[scenario_id], lang=lang, seed=len(latencies))
            for line in script.read_text(encoding="utf-8").splitlines():
                if not line.strip() or session.state.ended:
                    continue
                for embedder in embed._shared.values():
                    embedder._memo.clear()
                t0 = time.perf_counter()
                session.turn(line)
                latencies.append((time.perf_counter() - t0) * 1000)
    latencies.sort()
    p95 = latencies[min(len(latencies) - 1, round(0.95 * (len(latencies) - 1)))]
    print(f"model load + warm-up   {warm:.2f} s (once per process)")
    print(f"turns                  {len(latencies)} from {len(scripts)} scripts, {args.threads} threads")
    print(f"per-turn latency       median {statistics.median(latencies):.1f} ms, p95 {p95:.1f} ms, "
          f"max {latencies[-1]:.1f} ms")


if __name__ == "__main__":
    main()
