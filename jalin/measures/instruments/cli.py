"""``jalin measures …`` commands: a thin shell over the registry and scoring.

    jalin measures list [--dir DIR]
    jalin measures score phq9 --answers 0,1,2,0,1,2,0,1,0 [--lang id|en]
    jalin measures score laiseg --answers-json answers.json
    echo '{"1": 0, ...}' | jalin measures score gad7 --answers-json -

Output is JSON on stdout. Bad input gives one line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from .loader import InstrumentError
from .registry import UnknownInstrumentError, get_instrument, list_instruments
from .scoring import AnswerError, Answers, score

__all__ = ["measures_main"]

EXIT_USAGE = 2


class _Usage(Exception):
    """A one-line problem with the command's input."""


class _Parser(argparse.ArgumentParser):
    # argparse would print the whole usage and exit; keep it to one line and let us choose the code
    def error(self, message: str) -> NoReturn:
        raise _Usage(message)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="jalin measures", description="Measurement instruments: list and score.")
    parser.add_argument("--dir", help="directory of the organisation's instrument files "
                                      "(default: $JALIN_INSTRUMENTS_DIR)")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    listing = sub.add_parser("list", help="list the instruments", description="Example: jalin measures list --lang en")
    listing.add_argument("--lang", choices=("id", "en"), default="id", help="language of the titles")
    scoring = sub.add_parser("score", help="score one set of answers",
                             description="Example: jalin measures score phq9 --answers 0,1,2,0,1,2,0,1,0")
    scoring.add_argument("instrument", help="instrument code, e.g. phq9, gad7, wai_sr, laiseg")
    given = scoring.add_mutually_exclusive_group(required=True)
    given.add_argument("--answers", help="comma-separated answers in item order, e.g. 0,1,2,3")
    given.add_argument("--answers-json", metavar="FILE", help="JSON file ('-' for stdin): {item id: value} or a list")
    scoring.add_argument("--lang", choices=("id", "en"), default="id", help="language of the definition and labels")
    return parser


def _parse_list(text: str) -> list[int | str]:
    # numbers stay text here; scoring converts them and names the item when one is not a number
    return [part.strip() for part in text.split(",")]


def _read_json(source: str) -> Answers:
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    except OSError as exc:
        raise _Usage(f"cannot read {source}: {exc.strerror}") from exc
    try:
        data: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _Usage(f"{source} is not valid JSON (line {exc.lineno}: {exc.msg})") from exc
    if not isinstance(data, dict | list):
        raise _Usage(f"{source} must hold a JSON object {{item id: value}} or a list")
    return data


def _list(directory: str | None, lang: str) -> dict[str, Any]:
    return {"instruments": [
        {"code": i.code, "title": i.title, "short_title": i.short_title, "languages": list(i.languages),
         "validated": i.validated, "scored": i.scored, "placeholder_wording": i.placeholder_wording,
         "origin": i.origin}
        for i in list_instruments(lang, directory=directory)
    ]}


def _score(args: argparse.Namespace) -> dict[str, Any]:
    instrument = get_instrument(args.instrument, args.lang, directory=args.dir)
    answers = _parse_list(args.answers) if args.answers is not None else _read_json(args.answers_json)
    return score(instrument, answers).to_dict(args.lang)


def _message_lang(argv: list[str]) -> str:
    """The --lang asked for, found before parsing so that parse errors can use it too."""
    for index, word in enumerate(argv):
        if word == "--lang" and argv[index + 1:index + 2] == ["en"] or word == "--lang=en":
            return "en"
    return "id"


def measures_main(argv: Sequence[str] | None = None) -> int:
    """Run ``jalin measures`` with ``argv`` (the words after "measures"); return the exit status."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    lang = _message_lang(args_list)
    try:
        args = _parser().parse_args(args_list)
        result = _list(args.dir, args.lang) if args.command == "list" else _score(args)
    except (AnswerError, InstrumentError, UnknownInstrumentError) as exc:
        print(f"error: {exc.message(lang)}", file=sys.stderr)
        return EXIT_USAGE
    except _Usage as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except SystemExit as exc:  # --help printed its text; report its status instead of exiting the caller
        return int(exc.code or 0)
    json.dump(result, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":  # pragma: no cover - manual use: python -m jalin.measures.instruments.cli
    raise SystemExit(measures_main())
