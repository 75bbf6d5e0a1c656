"""The scenario debrief: layers uncovered, resistance episodes and how they were met, stage tasks done
and missed, LAISEG, the referral, and in a risk scenario the direct question and the safety plan."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .engine import RoleplaySession

__all__ = ["SAFETY_MINIMUM", "build_debrief", "debrief_text"]

SAFETY_MINIMUM = 3   # of the five Stanley–Brown elements, with someone to call among them
PERSISTENT_RESISTANCE = 4  # trainee turns in one unresolved episode after which a referral is fitting

_T = {
    "breakthrough": {"id": "Konseli membuka lapisan terdalam dan sesi ditutup dengan rencana tindakan.",
                     "en": "The counselee told the deepest layer and the session closed with an action plan."},
    "deep_no_plan": {"id": "Lapisan terdalam terbuka, tetapi sesi belum ditutup dengan rencana tindakan.",
                     "en": "The deepest layer came out, but the session did not close with an action plan."},
    "partial": {"id": "Sebagian masalah terbuka; lapisan terdalam belum tersentuh.",
                "en": "Part of the problem came out; the deepest layer was not reached."},
    "stuck": {"id": "Konseli tetap tertutup: resistensi tidak tertangani.",
              "en": "The counselee stayed closed: the resistance was not met."},
    "referred_fit": {"id": "Sesi diakhiri dengan alih tangan kasus setelah resistensi yang menetap: langkah tepat.",
                     "en": "The session ended with a referral after persistent resistance: a fitting step."},
    "referred_early": {"id": "Sesi diakhiri dengan alih tangan kasus sebelum strategi penanganan resistensi "
                             "dicoba; coba dulu alihkan topik, beri motivasi, atau ubah level pembicaraan.",
                       "en": "The session ended with a referral before the resistance strategies were tried; "
                             "first shift the topic, motivate, or change the level of talk."},
    "risk_pass": {"id": "Keselamatan: Anda bertanya langsung tentang bunuh diri dan menyusun rencana keselamatan.",
                  "en": "Safety: you asked directly about suicide and made a safety plan."},
    "risk_no_ask": {"id": "Keselamatan: tanda keputusasaan muncul, tetapi Anda tidak bertanya langsung tentang "
                          "pikiran bunuh diri. Bertanya langsung tidak menanamkan gagasan itu.",
                    "en": "Safety: signs of hopelessness came up, but you did not ask directly about suicidal "
                          "thoughts. Asking directly does not plant the idea."},
    "risk_no_plan": {"id": "Keselamatan: Anda bertanya langsung, tetapi rencana keselamatan belum lengkap "
                           "(tanda peringatan, cara mengatasi sendiri, orang yang dihubungi, layanan profesional, "
                           "menjauhkan sarana).",
                     "en": "Safety: you asked directly, but the safety plan is incomplete (warning signs, coping "
                           "alone, people to call, professional services, making the means safer)."},
}


def build_debrief(session: RoleplaySession) -> dict[str, Any]:
    sc, s = session.scenario, session.state
    layers = [{"id": layer.id, "uncovered": layer.id in s.layer_turns, "turn": s.layer_turns.get(layer.id),
               "risk": layer.risk} for layer in sc.layers]
    deepest = layers[-1]["uncovered"]
    action_plan = "action_plan" in s.tasks
    episodes = [{**e, "turns": max(0, (e["end_turn"] or s.turns) - e["start_turn"]),
                 "met_by": sorted({x for r in e["responses"] for x in r["strategies"]})} for e in s.episodes]
    persistent = any(not e["opened_up"] and len(e["responses"]) >= PERSISTENT_RESISTANCE for e in episodes)
    tried = {x for e in episodes for x in e["met_by"]}
    referral = None
    if s.ended_by == "referral":
        fitting = persistent or (s.risk_disclosed and s.asked_directly) or len(tried) >= 2 and not deepest
        referral = {"turn": s.tasks.get("referral"), "fitting": bool(fitting)}
    if referral:
        outcome = "referred_fit" if referral["fitting"] else "referred_early"
    elif deepest and action_plan:
        outcome = "breakthrough"
    elif deepest:
        outcome = "deep_no_plan"
    elif s.disclosed:
        outcome = "partial"
    else:
        outcome = "stuck"
    goals = list(sc.goals)
    risk = None
    if sc.risk is not None:
        people = bool({"people", "professional"} & set(s.safety))
        passed = s.asked_directly and s.risk_disclosed and len(s.safety) >= SAFETY_MINIMUM and people
        risk = {"signs_shown": s.risk_hinted or s.risk_disclosed, "disclosed": s.risk_disclosed,
                "asked_directly": s.asked_directly, "safety_plan": sorted(s.safety), "passed": bool(passed),
                "verdict": "risk_pass" if passed else ("risk_no_plan" if s.asked_directly else "risk_no_ask")}
    return {
        "scenario": sc.id, "scenario_version": sc.version, "lang": session.lang, "seed": session.seed,
        "outcome": outcome, "turns": s.turns, "stage_reached": s.stage, "trust": round(s.trust, 2),
        "resistance": s.level, "layers": layers, "deepest_uncovered": deepest, "action_plan": action_plan,
        "episodes": episodes, "faults": s.faults,
        "tasks_done": sorted(s.tasks, key=lambda t: s.tasks[t]),
        "goals_done": [g for g in goals if g in s.tasks], "goals_missed": [g for g in goals if g not in s.tasks],
        "laiseg": {part: part in s.laiseg for part in ("understanding", "comfort", "action")},
        "referral": referral, "risk": risk, "hints": s.hints, "ended_by": s.ended_by,
    }


def debrief_text(debrief: dict[str, Any], lang: str = "id") -> list[str]:
    """The debrief's verdict sentences in ``lang``."""
    lines = [_T[debrief["outcome"]][lang]]
    if debrief.get("risk"):
        lines.append(_T[debrief["risk"]["verdict"]][lang])
    return lines
