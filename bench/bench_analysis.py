"""Speed of the labelling model: load time, end-to-end time for a 600-utterance session,
utterances/second, and peak memory; and the whole pipeline (text file -> parse -> analyse ->
JSON and HTML), warm in this process and as a fresh `jalin analyze` process.

    OMP_WAIT_POLICY=PASSIVE python bench/bench_analysis.py [--model PATH] [--n 600] [--repeat 3]

The 600-utterance session is built by concatenating corpus sessions (re-indexed). Cold
numbers include loading the sentence encoder from the installed package; warm numbers
are the best of ``--repeat`` runs with every cache (embeddings memo) cleared, so each run
really embeds all utterances. The fresh-process lines are the best of ``--repeat`` runs of
`jalin analyze` (issue #12: at most 2.0 s to HTML on the 2-core machine) and of a bare
``import jalin.analysis.cli``, which also says whether scikit-learn was imported (it must not
be: prediction runs on ``jalin.analysis.model.runtime``).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def build_session(n: int):
    from jalin.analysis.corpus import group_sessions, load_corpus
    from jalin.analysis.types import Transcript, Utterance

    rows = load_corpus()
    utts = []
    for srows in group_sessions(rows).values():
        for r in srows:
            if len(utts) == n:
                break
            utts.append(
                Utterance(
                    index=len(utts),
                    speaker=r["speaker"],
                    text=r["text"],
                    is_silence=r["text"].strip() in ("[diam]", "(diam)"),
                )
            )
        if len(utts) == n:
            break
    return Transcript(utts, source="bench")


def write_session_file(session, path: str) -> None:
    """The bench session as a plain-text verbatim, the way a counselor would hand it in."""
    prefix = {"counselor": "Konselor", "counselee": "Konseli"}
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("\n".join(f"{prefix[u.speaker]}: {u.text}" for u in session.utterances))


def pipeline_seconds(path: str) -> float:
    """Parse the file, analyse it and render both reports, in this (warm) process."""
    from jalin.analysis import analyze, parse_file, to_html, to_json
    from jalin.analysis.model import embed

    embed._shared.clear()  # embed every utterance again, as for a new transcript
    t0 = time.perf_counter()
    result = analyze(parse_file(path), lang="id")
    json.dumps(to_json(result), ensure_ascii=False)
    to_html(result)
    return time.perf_counter() - t0


def fresh_process_seconds(path: str, out_dir: str, fmt: str, repeat: int) -> float:
    """`jalin analyze` as a user runs it: interpreter start, imports, model load, one report (best of ``repeat``)."""
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "jalin", "analyze", path, "--format", fmt, "--out",
                        os.path.join(out_dir, f"bench.{fmt}")], check=True, capture_output=True)
        best = min(best, time.perf_counter() - t0)
    return best


def fresh_import_seconds(repeat: int) -> tuple[float, bool]:
    """A fresh interpreter importing the analysis command (best of ``repeat``), and whether that
    imported scikit-learn."""
    code = "import sys, jalin.analysis.cli; print(int('sklearn' in sys.modules))"
    best, sklearn = float("inf"), False
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
        best = min(best, time.perf_counter() - t0)
        sklearn = out.strip() == "1"
    return best, sklearn


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", help="artifact (default: shipped)")
    ap.add_argument("--n", type=int, default=600)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)

    from jalin.analysis.model import embed, load_model

    session = build_session(args.n)
    n = len(session.utterances)

    t0 = time.perf_counter()
    model = load_model(args.model)
    load_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    model.predict(session)
    cold_s = time.perf_counter() - t0

    warm = []
    for _ in range(args.repeat):
        embed._shared.clear()  # drop memoised embeddings (the encoder itself stays loaded)
        t0 = time.perf_counter()
        model.predict(session)
        warm.append(time.perf_counter() - t0)
    # where the time goes (one warm run)
    embed._shared.clear()
    t0 = time.perf_counter()
    texts = [u.text for u in session.utterances]
    recs = model.records([u.speaker for u in session.utterances], texts)
    t_records = time.perf_counter() - t0
    from jalin.analysis.model.runtime import one_blas_thread

    with one_blas_thread():  # as in LabelModel.predict
        t0 = time.perf_counter()
        model.label_records(recs)
        t_labels = time.perf_counter() - t0
        t0 = time.perf_counter()
        model.stages.predict_session(recs)
        model.tasks.predict(recs)
        model.risk.predict(recs)
        t_rest = time.perf_counter() - t0

    # peak Python heap of one full predict (tracemalloc slows code down, so it is measured separately)
    embed._shared.clear()
    tracemalloc.start()
    model.predict(session)
    _, peak_py = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    best = min(warm)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    size = os.path.getsize(args.model) if args.model else None
    if size is None:
        from jalin.analysis.model import default_model_path

        size = os.path.getsize(default_model_path())
    print(f"model            {model.version} (embeddings: {model.backend})")
    print(f"artifact size    {size / 1e6:.2f} MB")
    print(f"load time        {load_s:.2f} s (artifact only)")
    print(f"session          {n} utterances")
    print(f"cold predict     {cold_s:.2f} s (includes loading the sentence encoder)")
    print(f"warm predict     {best:.2f} s best of {args.repeat} ({', '.join(f'{w:.2f}' for w in warm)})")
    print(
        f"  embeddings+lexicon {t_records:.2f} s, labels {t_labels:.2f} s, stages+tasks+risk {t_rest:.2f} s"
    )
    print(f"throughput       {n / best:.0f} utterances/s warm, {n / cold_s:.0f} utterances/s cold")
    print(f"load + cold 600  {load_s + cold_s:.2f} s end to end")
    print(f"peak memory      {peak_py / 1e6:.0f} MB Python heap (tracemalloc), {rss_mb:.0f} MB max RSS")
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "bench-session.txt")
        write_session_file(session, path)
        pipeline = min(pipeline_seconds(path) for _ in range(args.repeat))
        fresh_html = fresh_process_seconds(path, tmp, "html", args.repeat)
        fresh_json = fresh_process_seconds(path, tmp, "json", args.repeat)
    imports, sklearn = fresh_import_seconds(args.repeat)
    print(f"pipeline         {pipeline:.2f} s warm: parse -> analyse -> JSON + HTML ({n / pipeline:.0f} utterances/s)")
    print(f"fresh process    {fresh_html:.2f} s to HTML, {fresh_json:.2f} s to JSON: one `jalin analyze` run "
          f"(interpreter, imports, model load, report), best of {args.repeat}")
    print(f"fresh imports    {imports:.2f} s `import jalin.analysis.cli` in a new interpreter; "
          f"scikit-learn imported: {'YES' if sklearn else 'no'}")
    print(f"cpu cores        {os.cpu_count()}, load average {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
