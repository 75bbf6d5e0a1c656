"""``jalin analyze``: analyse one transcript, several, or a folder (a supervisor's class).

Exit codes: 0 all inputs analysed; 2 at least one input could not be read (the others
are still reported); 1 the analysis could not run at all (e.g. the model is missing).
Errors are one line per file in the chosen language, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

from .engine import analyze, default_model
from .errors import AnalysisError, InputError, ModelError
from .model import LabelModel, load_model
from .parsers import Limits, parse_file, read_speaker_roles
from .report import summary_table, to_html, to_json, to_markdown, to_text
from .types import AnalysisResult

__all__ = ["FORMATS", "INPUT_EXTENSIONS", "analyze_main", "main"]

FORMATS = ("json", "html", "md", "text")
EXTENSIONS = {"json": ".json", "html": ".html", "md": ".md", "text": ".txt"}
# What a folder scan picks up; reports Jalin wrote (.html, .json) are not transcripts.
INPUT_EXTENSIONS = (".txt", ".docx", ".vtt", ".srt", ".csv", ".tsv", ".jsonl", ".zip")
PROGRESS_MIN_FILES = 2

_MESSAGES = {
    "no_inputs": {"id": "tidak ada berkas transkrip di {path}", "en": "no transcript files in {path}"},
    "not_found": {"id": "berkas atau folder tidak ditemukan", "en": "file or folder not found"},
    "html_needs_out": {
        "id": "untuk format html dengan beberapa berkas, tentukan folder keluaran dengan --out FOLDER",
        "en": "for html with several files, give an output folder with --out DIR",
    },
    "out_is_file": {
        "id": "--out harus berupa folder bila ada beberapa berkas: {path}",
        "en": "--out must be a folder when there are several files: {path}",
    },
    "cannot_write": {"id": "tidak dapat menulis {path}: {reason}", "en": "cannot write {path}: {reason}"},
    "unexpected": {
        "id": "kesalahan tak terduga saat menganalisis ({kind}); laporkan ke pengembang",
        "en": "unexpected error while analysing ({kind}); please report it to the developers",
    },
    "done": {"id": "{ok} dari {total} berkas dianalisis", "en": "{ok} of {total} files analysed"},
    "guessed": {
        "id": "{file}: peran ditebak dari isi percakapan (label tidak menyebutkannya): {roles}. "
        "Bila keliru, ulangi dengan --counselor NAMA atau --speakers BERKAS.",
        "en": "{file}: roles guessed from the talk (the labels do not say): {roles}. "
        "If wrong, run again with --counselor NAME or --speakers FILE.",
    },
    "bad_limit": {"id": "{option} harus bilangan bulat positif", "en": "{option} must be a positive whole number"},
}
_ROLE_NAMES = {
    "id": {"counselor": "konselor", "counselee": "konseli", "other": "lain"},
    "en": {"counselor": "counselor", "counselee": "counselee", "other": "other"},
}


def _msg(key: str, lang: str, **params: object) -> str:
    return _MESSAGES[key][lang].format(**params)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="jalin analyze",
        description="Analyse counseling-session transcripts: technique labels, stage tasks, metrics, feedback.",
    )
    p.add_argument("inputs", nargs="+", metavar="FILE", help="transcript files or folders (.txt .docx .vtt .srt .csv .jsonl)")
    p.add_argument("--format", choices=FORMATS, default="text", help="report format (default: text)")
    p.add_argument("--lang", choices=("id", "en"), default="id", help="report language (default: id)")
    p.add_argument("--out", metavar="PATH", help="output file, or folder for several inputs (one report each + summary)")
    p.add_argument("--counselor", metavar="NAME", help="the counselor's name as written in the transcript")
    p.add_argument("--speakers", metavar="FILE",
                   help="speaker roles, one 'Name = counselor|counselee|other' per line (e.g. 'Speaker 2 = counselor')")
    p.add_argument("--max-utterances", type=int, default=Limits().utterances, metavar="N",
                   help=f"refuse a transcript with more utterances (default: {Limits().utterances})")
    p.add_argument("--max-chars", type=int, default=Limits().utterance_chars, metavar="N",
                   help=f"refuse an utterance with more characters (default: {Limits().utterance_chars})")
    p.add_argument("--model", metavar="PATH", help="model file to use instead of the packaged one")
    return p


def _expand(inputs: Sequence[str], lang: str, errors: list[tuple[str, str]]) -> list[Path]:
    """Files given directly, plus transcripts inside given folders (sorted, not recursive)."""
    files: list[Path] = []
    for raw in inputs:
        path = Path(raw)
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in INPUT_EXTENSIONS
                           and not p.name.startswith(("~$", ".")))
            if not found:
                errors.append((raw, _msg("no_inputs", lang, path=raw)))
            files.extend(found)
        elif path.exists():
            files.append(path)
        else:
            errors.append((raw, _msg("not_found", lang)))
    return list(dict.fromkeys(files))


def _render(result: AnalysisResult, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(to_json(result), ensure_ascii=False, indent=2) + "\n"
    renderers: dict[str, Callable[[AnalysisResult], str]] = {"html": to_html, "md": to_markdown, "text": to_text}
    return renderers[fmt](result)


class _Progress:
    """A plain progress bar on stderr, only on a terminal (logs and pipes stay clean)."""

    def __init__(self, total: int, stream: TextIO) -> None:
        self.total = total
        self.stream = stream
        self.enabled = total >= PROGRESS_MIN_FILES and stream.isatty()

    def show(self, done: int, name: str) -> None:
        if not self.enabled:
            return
        width = 30
        filled = round(width * done / self.total)
        line = f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{self.total} {name[:40]}"
        self.stream.write(line.ljust(80))
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\r" + " " * 80 + "\r")
            self.stream.flush()


def _error_line(path: Path, exc: Exception, lang: str) -> str:
    """One line naming the file (and line) in the report language."""
    if isinstance(exc, InputError):
        text = exc.message(lang)  # already "Berkas 'x', baris 3: ..."
    elif isinstance(exc, AnalysisError):
        text = f"{path.name}: {exc.message(lang)}"
    else:
        text = f"{path.name}: {_msg('unexpected', lang, kind=type(exc).__name__)}"
    return " ".join(text.split())  # one line per file, whatever the message holds


def _write(path: Path, text: str, lang: str, stderr: TextIO) -> bool:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        print(_msg("cannot_write", lang, path=path, reason=exc.strerror or exc), file=stderr)
        return False
    return True


def _load_model(path: str | None) -> LabelModel:
    # The packaged model goes through the engine's cache so a library user and the CLI share it.
    return load_model(path) if path else default_model()


def analyze_main(argv: Sequence[str] | None = None, *, stdout: TextIO | None = None,
                 stderr: TextIO | None = None) -> int:
    """Run ``jalin analyze``; returns the exit code."""
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    args = _parser().parse_args(list(argv) if argv is not None else None)
    try:
        return _analyze(args, stdout, stderr)
    except AnalysisError as exc:  # the model failed to load or predict: nothing can be analysed
        print(exc.message(args.lang), file=stderr)
        return 1
    except Exception as exc:  # the CLI promises one line, never a traceback (JALIN_DEBUG=1 shows it)
        if os.environ.get("JALIN_DEBUG"):
            raise
        print(_msg("unexpected", args.lang, kind=type(exc).__name__), file=stderr)
        return 1


def _analyze(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    lang = args.lang
    failures: list[tuple[str, str]] = []
    files = _expand(args.inputs, lang, failures)
    several = len(files) + len(failures) > 1 or any(Path(i).is_dir() for i in args.inputs)
    out = Path(args.out) if args.out else None
    if several and out is None and args.format == "html":
        print(_msg("html_needs_out", lang), file=stderr)
        return 2
    if several and out is not None and out.exists() and not out.is_dir():
        print(_msg("out_is_file", lang, path=out), file=stderr)
        return 2
    for source, message in failures:
        print(f"{source}: {message}", file=stderr)

    for option, value in (("--max-utterances", args.max_utterances), ("--max-chars", args.max_chars)):
        if value < 1:
            print(_msg("bad_limit", lang, option=option), file=stderr)
            return 2
    args.limits = Limits(utterances=args.max_utterances, utterance_chars=args.max_chars)
    args.roles = None
    if args.speakers:
        try:
            speakers_text = Path(args.speakers).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError):
            print(f"{args.speakers}: {_msg('not_found', lang)}", file=stderr)
            return 2
        args.roles = read_speaker_roles(speakers_text, Path(args.speakers).name)  # InputError: one line, exit 1

    model = _load_model(args.model) if files else None
    results = _run(files, args, model, lang, failures, stderr)
    ok = _emit(results, args, several, out, lang, failures, stdout, stderr)
    if several:
        print(_msg("done", lang, ok=len(results), total=len(results) + len(failures)), file=stderr)
    if not ok:
        return 1
    return 2 if failures else 0


def _run(files: list[Path], args: argparse.Namespace, model: LabelModel | None, lang: str,
         failures: list[tuple[str, str]], stderr: TextIO) -> list[tuple[Path, AnalysisResult]]:
    progress = _Progress(len(files), stderr)
    results: list[tuple[Path, AnalysisResult]] = []
    for i, path in enumerate(files):
        progress.show(i, path.name)
        try:
            transcript = parse_file(path, counselor=args.counselor, roles=args.roles, limits=args.limits)
            if transcript.roles_guessed:
                names = _ROLE_NAMES[lang]
                roles = ", ".join(f"{label} = {names[role]}" for label, role in transcript.speaker_roles.items())
                progress.close()
                print(_msg("guessed", lang, file=path.name, roles=roles), file=stderr)
            results.append((path, analyze(transcript, lang=lang, model=model)))
        except ModelError:
            raise
        except Exception as exc:  # noqa: BLE001 - one bad file must not stop a class's batch; reported below
            line = _error_line(path, exc, lang)
            failures.append((path.name, line))
            progress.close()
            print(line, file=stderr)
    progress.show(len(files), "")
    progress.close()
    return results


def _emit(results: list[tuple[Path, AnalysisResult]], args: argparse.Namespace, several: bool,
          out: Path | None, lang: str, failures: list[tuple[str, str]], stdout: TextIO, stderr: TextIO) -> bool:
    fmt = args.format
    summary_fmt = {"text": "text", "md": "md", "html": "html", "json": "json"}[fmt]
    only = [r for _, r in results]
    if not several:
        if not results:
            return True
        path, result = results[0]
        text = _render(result, fmt)
        if out is None:
            stdout.write(text)
            return True
        into_dir = out.is_dir() or str(args.out).endswith(("/", os.sep))
        target = out / (path.stem + EXTENSIONS[fmt]) if into_dir else out
        return _write(target, text, lang, stderr)
    if out is None:
        if fmt == "json":
            doc = {"reports": [to_json(r) for r in only],
                   "summary": json.loads(summary_table(only, "json", lang=lang, failures=failures))}
            stdout.write(json.dumps(doc, ensure_ascii=False, indent=2) + "\n")
            return True
        stdout.writelines(_render(r, fmt) + "\n" for r in only)
        stdout.write(summary_table(only, summary_fmt, lang=lang, failures=failures))
        return True
    ok = True
    names: set[str] = set()
    links: dict[str, str] = {}
    for path, result in results:
        name = _unique(path.stem, names) + EXTENSIONS[fmt]
        links.setdefault(result.source, name)
        ok &= _write(out / name, _render(result, fmt), lang, stderr)
    summary = summary_table(only, summary_fmt, lang=lang, failures=failures, links=links)
    ok &= _write(out / ("summary" + EXTENSIONS[fmt]), summary, lang, stderr)
    return ok


def _unique(stem: str, taken: set[str]) -> str:
    """Report names per input; "sesi1.txt" and "sesi1.docx" must not overwrite each other."""
    name, n = stem, 2
    while name in taken or name == "summary":
        name = f"{stem}-{n}"
        n += 1
    taken.add(name)
    return name


def main() -> None:
    try:
        code = analyze_main(sys.argv[1:])
    except KeyboardInterrupt:
        code = 130
    sys.exit(code)


if __name__ == "__main__":
    main()
