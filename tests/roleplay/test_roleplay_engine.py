"""The simulated counselee behaves as the seeds describe; scripted skilled and poor trainees per scenario."""

from __future__ import annotations

from pathlib import Path

import pytest

from jalin.roleplay.engine import RoleplaySession
from jalin.roleplay.errors import TurnError
from jalin.roleplay.scenario import load_scenarios

SCRIPTS = Path(__file__).with_name("scripts")
SCENARIOS = sorted(load_scenarios())


def _lines(name: str) -> list[str]:
    return [line for line in (SCRIPTS / name).read_text(encoding="utf-8").splitlines() if line.strip()]


def _play(scenario_id: str, lines: list[str], lang: str = "id", seed: int = 0) -> tuple[RoleplaySession, dict]:
    session = RoleplaySession.replay(load_scenarios()[scenario_id], lines, lang=lang, seed=seed)
    return session, session.end()


def test_roleplay_ships_the_scenarios_the_issue_asks_for():
    scenarios = load_scenarios()
    assert len(scenarios) >= 10
    assert {s.setting for s in scenarios.values()} == {"school", "campus", "adult"}
    assert sum(s.is_risk for s in scenarios.values()) >= 1
    assert {s.register for s in scenarios.values()} == {"formal", "slang", "regional"}
    for scenario in scenarios.values():
        assert set(scenario.resistance_kinds) <= {"surface", "reluctant", "defensive"}
        for state in ("surface", "reluctant", "defensive", "warming", "plan"):
            for lang in ("id", "en"):
                assert len(scenario.bank(state, lang)) >= 2, (scenario.id, state, lang)


@pytest.mark.parametrize("lang", ["id", "en"])
@pytest.mark.parametrize("scenario_id", SCENARIOS)
def test_roleplay_skilled_script_uncovers_the_deepest_layer_and_plans(scenario_id, lang):
    _, debrief = _play(scenario_id, _lines(f"{scenario_id}.skilled.{lang}.txt"), lang)
    assert debrief["deepest_uncovered"] is True
    assert debrief["action_plan"] is True
    assert debrief["outcome"] == "breakthrough"
    assert debrief["faults"] == []
    assert all(e["opened_up"] for e in debrief["episodes"])
    assert "evaluation" in debrief["tasks_done"]
    if debrief["risk"] is not None:
        assert debrief["risk"]["disclosed"] and debrief["risk"]["asked_directly"] and debrief["risk"]["passed"]


@pytest.mark.parametrize("lang", ["id", "en"])
@pytest.mark.parametrize("scenario_id", SCENARIOS)
def test_roleplay_poor_script_meets_resistance_and_misses_the_deepest_layer(scenario_id, lang):
    _, debrief = _play(scenario_id, _lines(f"{scenario_id}.poor.{lang}.txt"), lang)
    assert debrief["deepest_uncovered"] is False
    assert debrief["action_plan"] is False
    assert debrief["outcome"] == "stuck"
    assert debrief["episodes"] and not any(e["opened_up"] for e in debrief["episodes"])
    assert {e["kind"] for e in debrief["episodes"]} <= {"defensive", "reluctant", "surface"}
    assert {f["fault"] for f in debrief["faults"]} >= {"must_statement", "judgement"}
    if debrief["risk"] is not None:
        assert debrief["risk"]["passed"] is False and debrief["risk"]["asked_directly"] is False


@pytest.mark.parametrize("lang", ["id", "en"])
def test_roleplay_risk_script_that_never_asks_fails_the_safety_debrief(lang):
    _, debrief = _play("hopelessness_risk", _lines(f"truancy.skilled.{lang}.txt"), lang)
    assert debrief["risk"]["signs_shown"] is True
    assert debrief["risk"]["asked_directly"] is False
    assert debrief["risk"]["passed"] is False
    assert debrief["risk"]["verdict"] == "risk_no_ask"


def test_roleplay_asking_directly_without_trust_gets_a_denial_not_a_disclosure():
    session, debrief = _play("hopelessness_risk", ["Apakah kamu pernah berpikir untuk bunuh diri?"])
    assert session.turns[-1].state == "risk_deny"
    assert debrief["risk"]["asked_directly"] and not debrief["risk"]["disclosed"]


def test_roleplay_same_seed_replays_exactly_and_seeds_choose_variants():
    lines = _lines("truancy.skilled.id.txt")
    first = [t.text for t in _play("truancy", lines, seed=7)[0].turns]
    again = [t.text for t in _play("truancy", lines, seed=7)[0].turns]
    assert first == again
    others = {tuple(t.text for t in _play("truancy", lines, seed=s)[0].turns) for s in range(6)}
    assert len(others) > 1


def test_roleplay_never_repeats_a_counselee_line_verbatim():
    lines = ["Hmm.", "Ya…", "Terus?", "Lalu?"] * 20
    session, _ = _play("homesick", lines)
    said = [t.text for t in session.turns if t.speaker == "counselee"]
    assert len(said) == 80
    assert len(set(said)) == len(said)


def _resistance_after(scenario_id: str, lines: list[str]) -> int:
    session = RoleplaySession.replay(load_scenarios()[scenario_id], lines, seed=0)
    return session.state.level


@pytest.mark.parametrize(("strategy", "turn"), [
    ("topic_shift", "Ngomong-ngomong, apa hobi kamu di luar sekolah?"),
    ("motivate", "Saya menghargai keberanianmu datang ke sini hari ini."),
    ("level_change", "Dari skala 1 sampai 10, seberapa berat minggu ini buatmu?"),
])
def test_roleplay_handling_strategies_lower_resistance(strategy, turn):
    # Dimas starts defensive; a judgement makes it worse, then each of the seeds' strategies lowers it.
    start = ["Itu karena kamu malas saja."]
    before = _resistance_after("truancy", start)
    session = RoleplaySession.replay(load_scenarios()["truancy"], [*start, turn], seed=0)
    assert session.state.level < before
    assert strategy in session.turns[-2].strategies
    arguing = _resistance_after("truancy", [*start, "Kamu harus mengakui kesalahanmu."])
    assert arguing >= before


def test_roleplay_referral_after_persistent_resistance_is_fitting_and_ends_the_session():
    lines = ["Kenapa kamu di sini?", "Apakah kamu sudah mengerti?", "Baik.", "Oke.", "Hmm, begitu.",
             "Saya akan merujuk kamu ke konselor lain yang mungkin lebih cocok."]
    session, debrief = _play("truancy", lines)
    assert session.state.ended and debrief["ended_by"] == "referral"
    assert debrief["referral"]["fitting"] is True and debrief["outcome"] == "referred_fit"
    with pytest.raises(TurnError):
        session.turn("Halo lagi.")


def test_roleplay_referral_before_trying_anything_is_early():
    _, debrief = _play("truancy", ["Saya akan merujuk kamu ke psikolog saja."])
    assert debrief["outcome"] == "referred_early" and debrief["referral"]["fitting"] is False


def test_roleplay_stages_move_forward_with_the_session():
    session = RoleplaySession(load_scenarios()["exam_anxiety"], seed=0)
    stages = []
    for line in _lines("exam_anxiety.skilled.id.txt"):
        session.turn(line)
        stages.append(session.state.stage)
    assert stages[0] == "awal" and "inti" in stages and stages[-1] == "akhir"
    order = {"awal": 0, "inti": 1, "akhir": 2}
    assert [order[s] for s in stages] == sorted(order[s] for s in stages)


@pytest.mark.parametrize(("text", "message_id"), [
    ("", "turn_empty"),
    ("   \n ", "turn_empty"),
    ("a" * 2001, "turn_too_long"),
    ("<script>alert(1)</script> halo", "turn_html"),
    ("&lt;b&gt;halo&lt;/b&gt;", "turn_html"),
    ("What are you going to do about this problem with your friends?", "turn_not_indonesian"),
])
def test_roleplay_bad_turns_get_a_message_and_leave_the_state_untouched(text, message_id):
    session = RoleplaySession(load_scenarios()["truancy"], seed=0)
    session.turn("Selamat pagi Dimas.")
    before = session.snapshot()
    with pytest.raises(TurnError) as caught:
        session.turn(text)
    assert caught.value.message_id == message_id
    assert caught.value.message("id") and caught.value.message("en")
    assert session.snapshot() == before


def test_roleplay_english_session_refuses_an_indonesian_turn_but_takes_code_mixing():
    session = RoleplaySession(load_scenarios()["truancy"], lang="en", seed=0)
    with pytest.raises(TurnError) as caught:
        session.turn("Bagaimana perasaan kamu dengan keadaan ini sekarang?")
    assert caught.value.message_id == "turn_not_english"
    id_session = RoleplaySession(load_scenarios()["truancy"], lang="id", seed=0)
    id_session.turn("Sepertinya kamu merasa insecure ya sama teman-teman.")
    assert len(id_session.turns) == 2


def test_roleplay_session_saved_and_restored_mid_way_carries_on_exactly():
    import json

    lines = _lines("divorce.skilled.id.txt")
    whole = _play("divorce", lines, seed=3)[0]
    first = RoleplaySession.replay(load_scenarios()["divorce"], lines[:5], seed=3)
    restored = RoleplaySession.from_dict(load_scenarios()["divorce"], json.loads(json.dumps(first.to_dict())))
    for line in lines[5:]:
        restored.turn(line)
    assert [t.text for t in restored.turns] == [t.text for t in whole.turns]
    assert restored.end() == whole.end()


def test_roleplay_a_failing_labeller_leaves_the_session_as_it_was():
    def broken(speakers, texts):
        raise RuntimeError("model unavailable")

    session = RoleplaySession(load_scenarios()["truancy"], seed=0)
    session.turn("Selamat pagi Dimas.")
    before = session.snapshot()
    session.labeller = broken
    with pytest.raises(RuntimeError):
        session.turn("Bagaimana kabarmu?")
    assert session.snapshot() == before
