"""`jalin roleplay list | run | replay`: practice with a simulated counselee in the terminal.

No database: the engine and the scenarios are plain Python, so the command starts without Django.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .debrief import debrief_text
from .errors import RoleplayError, ScenarioError, TurnError
from .hints import hint_for
from .scenario import get_scenario, load_scenario, load_scenarios

__all__ = ["roleplay_main"]

_WORDS = {
    "id": {"you": "Anda", "stage": "tahap", "layers": "Lapisan terbuka", "episodes": "Episode resistensi",
           "opened": "terbuka", "closed": "tetap tertutup", "done": "Tugas tahap tercapai",
           "missed": "Tugas tahap terlewat", "risk": "Keselamatan", "asked": "bertanya langsung",
           "plan": "rencana keselamatan", "yes": "ya", "no": "tidak", "none": "tidak ada",
           "run_help": "Ketik ujaran Anda lalu Enter. /petunjuk untuk petunjuk, /selesai untuk mengakhiri."},
    "en": {"you": "You", "stage": "stage", "layers": "Layers uncovered", "episodes": "Resistance episodes",
           "opened": "opened up", "closed": "stayed closed", "done": "Stage tasks done",
           "missed": "Stage tasks missed", "risk": "Safety", "asked": "asked directly",
           "plan": "safety plan", "yes": "yes", "no": "no", "none": "none",
           "run_help": "Type what you say and press Enter. /hint for a hint, /end to finish."},
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="jalin roleplay",
                                     description="Practise with a simulated counselee (a simulation, for training only).")
    sub = parser.add_subparsers(dest="command", required=True)
    p_list = sub.add_parser("list", help="list the scenarios", description="List the scenarios. "
                            "Example: jalin roleplay list --lang en")
    p_list.add_argument("--lang", choices=["id", "en"], default="id")
    p_list.add_argument("--check", metavar="FILE", nargs="*", help="check scenario files against the schema")
    p_run = sub.add_parser("run", help="an interactive session in the terminal",
                           description="Example: jalin roleplay run truancy --lang id --seed 3")
    p_run.add_argument("scenario")
    p_run.add_argument("--lang", choices=["id", "en"], default="id")
    p_run.add_argument("--seed", type=int, default=0)
    p_replay = sub.add_parser("replay", help="replay a trainee's lines from a file, print dialogue and debrief",
                              description="Example: jalin roleplay replay truancy --script lines.txt --format json")
    p_replay.add_argument("scenario")
    p_replay.add_argument("--script", required=True, help="text file, one trainee turn per line")
    p_replay.add_argument("--lang", choices=["id", "en"], default="id")
    p_replay.add_argument("--seed", type=int, default=0)
    p_replay.add_argument("--format", choices=["text", "json"], default="text")
    return parser


def roleplay_main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    lang = args.lang
    try:
        if args.command == "list":
            return _list(args.check, lang)
        if args.command == "run":
            return _run(args.scenario, lang, args.seed)
        return _replay(args.scenario, args.script, lang, args.seed, args.format)
    except RoleplayError as exc:
        print(f"jalin roleplay: {exc.message(lang)}", file=sys.stderr)
        return 2


def _list(files: list[str] | None, lang: str) -> int:
    if files:
        for name in files:
            load_scenario(name)
            print(f"{name}: ok")
        return 0
    for sid, sc in load_scenarios().items():
        risk = " [risiko]" if sc.is_risk and lang == "id" else " [risk]" if sc.is_risk else ""
        print(f"{sid:<20} {sc.title[lang]}{risk}")
    return 0


def _session(scenario_id: str, lang: str, seed: int):
    from .engine import RoleplaySession, warm_labeller

    scenario = get_scenario(scenario_id)
    warm_labeller()
    return RoleplaySession(scenario, lang=lang, seed=seed)


def _run(scenario_id: str, lang: str, seed: int) -> int:
    session = _session(scenario_id, lang, seed)
    sc, w = session.scenario, _WORDS[lang]
    print(f"{sc.title[lang]}\n{sc.persona[lang]}\n{w['run_help']}\n")
    while True:
        try:
            line = input(f"[{w['stage']} {session.state.stage}] {w['you']}: ")
        except EOFError:
            print()
            break
        command = line.strip().lower()
        if command in {"/petunjuk", "/hint"}:
            session.state.hints += 1
            print(f"  ({hint_for(session)})")
            continue
        if command in {"/selesai", "/end"}:
            break
        try:
            reply = session.turn(line)
        except TurnError as exc:
            print(f"  ! {exc.message(lang)}")
            continue
        print(f"{sc.persona_name}: {reply.text}")
        if session.state.ended:
            break
    print()
    print(_debrief_as_text(session.end(), lang))
    return 0


def _replay(scenario_id: str, script: str, lang: str, seed: int, fmt: str) -> int:
    try:
        lines = [line for line in Path(script).read_text(encoding="utf-8").splitlines() if line.strip()]
    except (OSError, UnicodeDecodeError):
        raise ScenarioError("yaml_syntax", file=script, detail="cannot read the file as UTF-8 text") from None
    if not lines:
        raise TurnError("script_empty")
    session = _session(scenario_id, lang, seed)
    for number, line in enumerate(lines, start=1):
        if session.state.ended:
            break
        try:
            session.turn(line)
        except TurnError as exc:
            print(f"{script}:{number}: {exc.message(lang)}", file=sys.stderr)
            return 2
    debrief = session.end()
    if fmt == "json":
        dialogue = [{"speaker": t.speaker, "text": t.text, "label": t.label or None, "stage": t.stage}
                    for t in session.turns]
        print(json.dumps({"dialogue": dialogue, "debrief": debrief}, ensure_ascii=False, indent=2))
        return 0
    w = _WORDS[lang]
    for t in session.turns:
        who = w["you"] if t.speaker == "counselor" else session.scenario.persona_name
        tag = f" [{t.label}]" if t.label else ""
        print(f"{who}{tag}: {t.text}")
    print()
    print(_debrief_as_text(debrief, lang))
    return 0


def _debrief_as_text(d: dict, lang: str) -> str:
    w = _WORDS[lang]
    out = list(debrief_text(d, lang))
    out.append(f"{w['layers']}: " + ", ".join(f"{x['id']} ({w['yes'] if x['uncovered'] else w['no']})"
                                               for x in d["layers"]))
    episodes = [f"{e['kind']} ({w['opened'] if e['opened_up'] else w['closed']}: "
                f"{', '.join(e['met_by']) or w['none']})" for e in d["episodes"]]
    out.append(f"{w['episodes']}: " + ("; ".join(episodes) or w["none"]))
    out.append(f"{w['done']}: " + (", ".join(d["goals_done"]) or w["none"]))
    out.append(f"{w['missed']}: " + (", ".join(d["goals_missed"]) or w["none"]))
    if d.get("risk"):
        r = d["risk"]
        out.append(f"{w['risk']}: {w['asked']} {w['yes'] if r['asked_directly'] else w['no']}; "
                   f"{w['plan']}: {', '.join(r['safety_plan']) or w['none']}")
    return "\n".join(out)
