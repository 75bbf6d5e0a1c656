"""Memory and time of reading and analysing transcripts, and of refusing hostile ones.

    OMP_WAIT_POLICY=PASSIVE python bench/bench_parse_limits.py [--skip-analysis]

Each case runs in a fresh Python process, so the peak RSS printed is that case's own
(interpreter and imports included; the model adds the sentence encoder). Cases:

* analyse 600 and 5,000 utterances (a text transcript built from corpus sessions,
  parsed and analysed, JSON report rendered);
* refuse: a DOCX with 868,000 empty paragraphs, DOCX files with 99,000 dialogue
  paragraphs and with a 9,000-row verbatim table, a 4.9 MB .txt
  (about 50,000 utterances), a single 100,000-character line, a 5,001-utterance
  WhatsApp chat.

Figures are printed, never asserted (speed is not tested in timed tests).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
ROOT = Path(__file__).resolve().parents[1]

_CHILD = r'''
import json, resource, sys, time
sys.path.insert(0, {root!r})
path, mode = sys.argv[1], sys.argv[2]
from jalin.analysis.errors import InputError
from jalin.analysis.parsers import parse_file
start = time.perf_counter()
outcome = ""
try:
    transcript = parse_file(path)
    outcome = f"read {{len(transcript.utterances)}} utterances"
    if mode == "analyse":
        from jalin.analysis import analyze
        from jalin.analysis.report import to_json
        to_json(analyze(transcript, lang="id"))
        outcome += ", analysed"
except InputError as exc:
    outcome = "refused: " + exc.message("en")[:110]
seconds = time.perf_counter() - start
# VmHWM is this process's own peak; ru_maxrss on Linux carries the parent's peak across exec.
try:
    status = open("/proc/self/status").read()
    peak_mb = int(status.split("VmHWM:")[1].split()[0]) / 1024
except (OSError, IndexError):
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({{"seconds": seconds, "peak_mb": peak_mb, "outcome": outcome}}))
'''


def corpus_text(n: int) -> str:
    sys.path.insert(0, str(ROOT))
    from jalin.analysis.corpus import group_sessions, load_corpus

    lines: list[str] = []
    for rows in group_sessions(load_corpus()).values():
        for row in rows:
            if len(lines) == n:
                return "\n".join(lines) + "\n"
            who = "Konselor" if row["speaker"] == "counselor" else "Konseli"
            lines.append(f"{who}: {' '.join(row['text'].split())}")
    return "\n".join(lines) + "\n"


def docx_bomb(path: Path) -> None:
    """868,000 empty paragraphs: deflate squeezes them into a few hundred KB."""
    import zipfile

    import docx

    template = path.with_name("template.docx")
    docx.Document().save(template)
    with zipfile.ZipFile(template) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "word/document.xml":
                data = data.replace(b"<w:body>", b"<w:body>" + b"<w:p/>" * 868_000, 1)
            out.writestr(item, data)
    template.unlink()


def docx_paragraphs(path: Path, count: int) -> None:
    """A verbatim of ``count`` dialogue paragraphs (past the utterance limit when above 5,000)."""
    from copy import deepcopy

    import docx

    document = docx.Document()
    first = document.add_paragraph("Konselor: Apa yang ingin kamu ceritakan hari ini?")._p
    second = document.add_paragraph("Konseli: Saya bingung soal jurusan kuliah.")._p
    body = document.element.body
    for _ in range(count // 2 - 1):
        body.insert(0, deepcopy(second))
        body.insert(0, deepcopy(first))
    document.save(path)


def docx_table(path: Path, rows: int) -> None:
    """A No/Konselor/Konseli/Teknik verbatim table of ``rows`` rows."""
    from copy import deepcopy

    import docx

    document = docx.Document()
    table = document.add_table(rows=2, cols=4)
    for column, value in enumerate(["No", "Konselor", "Konseli", "Teknik"]):
        table.cell(0, column).text = value
    for column, value in enumerate(["1", "Apa yang ingin kamu ceritakan?", "Saya bingung.", "Bertanya"]):
        table.cell(1, column).text = value
    row = table.rows[1]._tr
    for _ in range(rows - 1):
        table._tbl.append(deepcopy(row))
    document.save(path)


def run_case(name: str, path: Path, mode: str) -> None:
    code = _CHILD.format(root=str(ROOT))
    done = subprocess.run([sys.executable, "-c", code, str(path), mode], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        print(f"{name:<42} failed: {done.stderr.strip().splitlines()[-1] if done.stderr else done.returncode}")
        return
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    size_kb = path.stat().st_size / 1024
    print(f"{name:<42} {size_kb:>8.0f} KB {figures['seconds']:>7.2f} s {figures['peak_mb']:>7.0f} MB  "
          f"{figures['outcome']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--skip-analysis", action="store_true", help="only the reading and refusing cases")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        print(f"{'case':<42} {'input':>11} {'time':>9} {'peak RSS':>10}  outcome")
        cases: list[tuple[str, Path, str]] = []
        if not args.skip_analysis:
            for n in (600, 5000):
                path = tmp / f"sesi_{n}.txt"
                path.write_text(corpus_text(n), "utf-8")
                cases.append((f"analyse {n} utterances", path, "analyse"))
        path = tmp / "bom.docx"
        docx_bomb(path)
        cases.append(("DOCX with 868,000 paragraphs", path, "parse"))
        path = tmp / "paragraf.docx"
        docx_paragraphs(path, 99_000)
        cases.append(("DOCX with 99,000 dialogue paragraphs", path, "parse"))
        path = tmp / "tabel.docx"
        docx_table(path, 9_000)
        cases.append(("DOCX verbatim table, 9,000 rows", path, "parse"))
        big = corpus_text(5000)
        path = tmp / "besar.txt"
        content = (big * (int(4.9 * 2**20) // len(big.encode()) + 1)).encode()[: int(4.9 * 2**20)]
        path.write_bytes(content[: content.rfind(b"\n") + 1])
        cases.append(("4.9 MB .txt", path, "parse"))
        path = tmp / "baris.txt"
        path.write_text("Konselor: Halo.\nKonseli: " + "kata " * 20_000 + "\n", "utf-8")
        cases.append(("one 100,000-character line", path, "parse"))
        path = tmp / "chat.txt"
        path.write_text("".join(f"04/12/26 {10 + i // 3600 % 12:02d}.{i // 60 % 60:02d} - "
                                f"{'Kak Dina' if i % 2 else 'Rara'}: pesan {i}\n" for i in range(6000)), "utf-8")
        cases.append(("WhatsApp chat, 6,000 messages", path, "parse"))
        for name, path, mode in cases:
            run_case(name, path, mode)


if __name__ == "__main__":
    main()
