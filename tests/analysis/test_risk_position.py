"""The shipped model flags a risk line the same wherever it sits in a transcript (issue #11: a sign the
counselor can rely on, whether it comes first, in the middle, last in a long session or "at the door" after
the counselor has closed). Every line is invented; none comes from a frozen evaluation set or the
risk training items."""

from __future__ import annotations

import pytest

from jalin.analysis.model import LabelModel, load_model

from ._model_helpers import transcript

C, K = "counselor", "counselee"

SESSION = [
    (C, "Selamat siang, Raka. Silakan duduk."),
    (K, "Siang, Bu."),
    (C, "Yang kita obrolkan di sini rahasia, kecuali ada bahaya buat kamu atau orang lain."),
    (K, "Iya, Bu."),
    (C, "Apa yang mau kamu ceritakan hari ini?"),
    (K, "Soal tugas kelompok, Bu. Temen-temen pada nggak ngerjain."),
    (C, "Kedengarannya kamu kesal karena kerjanya jadi numpuk di kamu."),
    (K, "Iya, Bu, saya yang ngerjain semuanya."),
    (C, "Sudah coba ngomong ke mereka?"),
    (K, "Belum, takut dibilang sok ngatur."),
    (C, "Langkah kecil apa yang mau kamu coba minggu ini?"),
    (K, "Mungkin bikin pembagian tugas di grup."),
    (C, "Baik, kita cukupkan dulu ya. Kita ketemu lagi Kamis depan."),
    (K, "Iya, Bu, makasih."),
]

# (counselor turn, counselee line, flag, evidence basis): one exchange per path of the detector
EXCHANGES = [
    # the classifier alone: no lexicon phrase in the line
    ("Terus, gimana minggu ini?", "Kadang aku berdiri lama di pinggir rel, mikir gimana kalau aku maju selangkah aja.",
     "risk_self", "classifier"),
    ("And how has this week been?", "I keep thinking everyone would be fine if I just wasn't around anymore.",
     "risk_self", "classifier"),
    # a lexicon phrase
    ("Boleh cerita soal rumah?", "Paman sering masuk kamarku malam-malam, terus aku disuruh diam.",
     "abuse", "phrase"),
    # a "yes" to a direct screening question
    ("Apakah kamu pernah berpikir untuk mengakhiri hidup?", "Pernah, Bu.", "risk_self", "screening"),
]


@pytest.fixture(scope="module")
def model() -> LabelModel:
    return load_model()


def _placed(exchange: list[tuple[str, str]], where: str) -> list[tuple[str, str]]:
    if where == "first":
        return exchange + SESSION
    if where == "middle":
        return SESSION[:8] + exchange + SESSION[8:]
    return SESSION + exchange  # after the counselor has closed: "oh iya Bu, satu lagi ..."


def _line(model: LabelModel, lines: list[tuple[str, str]], text: str):
    out = model.predict(transcript(lines))
    return next(u for u in out if u.text == text)


@pytest.mark.parametrize(("question", "line", "flag", "basis"), EXCHANGES)
def test_a_risk_line_gets_the_same_flag_first_middle_or_last(model, question, line, flag, basis) -> None:
    exchange = [(C, question), (K, line)]
    seen = {}
    for where in ("first", "middle", "last"):
        u = _line(model, _placed(exchange, where), line)
        assert u.flags == [flag], where
        assert any(e.startswith(f"flag:{flag}:{basis}:") for e in u.evidence), (where, u.evidence)
        seen[where] = [e.split(":")[:3] for e in u.evidence if e.startswith("flag:")]
    # the same flags on the same grounds (a classifier's probability moves only with the turns just before
    # the line, which differ here; where the line sits does not enter: tests/analysis/test_risk_train.py)
    assert seen["first"] == seen["middle"] == seen["last"]


def test_the_line_as_the_very_first_utterance_or_in_a_short_excerpt(model) -> None:
    line = "Kadang aku berdiri lama di pinggir rel, mikir gimana kalau aku maju selangkah aja."
    assert _line(model, [(K, line)] + SESSION, line).flags == ["risk_self"]
    assert _line(model, [(C, "Gimana kabarmu?"), (K, line)], line).flags == ["risk_self"]


@pytest.mark.parametrize("where", ["first", "middle", "last"])
def test_acknowledgements_after_a_non_screening_question_stay_unflagged(model, where) -> None:
    exchange = [
        (C, "Terus, gimana minggu ini?"),
        (K, "Kadang aku berdiri lama di pinggir rel, mikir gimana kalau aku maju selangkah aja."),
        (C, "Kamu biasanya pulang sekolah naik apa?"),
        (K, "Iya, Bu."),
        (C, "Sama siapa biasanya?"),
        (K, "Oh, sama temen, Bu."),
    ]
    out = model.predict(transcript(_placed(exchange, where)))
    by_text = {u.text: u for u in out}
    assert by_text[exchange[1][1]].flags == ["risk_self"]  # the line that carries the sign
    assert by_text["Iya, Bu."].flags == [] and by_text["Oh, sama temen, Bu."].flags == []


@pytest.mark.parametrize(("question", "line", "flag", "basis"), EXCHANGES)
def test_what_follows_the_line_and_where_the_session_ends_change_nothing(model, question, line, flag, basis) -> None:
    # the same turns before the line; then the session goes on for six turns, or it ends with the line
    before = SESSION[:8] + [(C, question), (K, line)]
    goes_on = _line(model, before + SESSION[8:], line)
    ends = _line(model, before, line)
    assert goes_on.flags == ends.flags == [flag]
    assert [e for e in goes_on.evidence if e.startswith("flag:")] == [e for e in ends.evidence if e.startswith("flag:")]
