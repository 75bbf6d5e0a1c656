"""Stage sequence step: monotone decoding and stage hints."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from jalin.analysis.model.features import build_records
from jalin.analysis.model.stages import STAGES, StageSequencer, monotone_decode


@settings(max_examples=200, deadline=None)
@given(
    arrays(np.float64, st.tuples(st.integers(1, 40), st.just(3)), elements=st.floats(-8, 0)), st.floats(0, 5)
)
def test_decoded_path_never_goes_back(scores, penalty) -> None:
    path = monotone_decode(scores, penalty)
    assert len(path) == len(scores)
    assert all(a <= b for a, b in itertools.pairwise(path))


def test_decoder_is_optimal_on_a_small_case() -> None:
    rng = np.random.default_rng(0)
    for _ in range(20):
        s = np.log(rng.dirichlet([1, 1, 1], size=6))

        def score(p, s=s):
            return sum(s[i, k] for i, k in enumerate(p)) - 1.0 * sum(a != b for a, b in itertools.pairwise(p))

        best = max((p for p in itertools.product(range(3), repeat=6) if list(p) == sorted(p)), key=score)
        got = monotone_decode(s, 1.0)
        assert abs(score(got) - score(best)) < 1e-9


def test_noisy_scores_become_one_clean_sequence() -> None:
    # per-utterance argmax flips back and forth; the decoder keeps the order awal -> inti -> akhir
    raw = np.log(
        np.array(
            [
                [0.9, 0.1, 0],
                [0.6, 0.4, 0],
                [0.3, 0.7, 0],
                [0.55, 0.45, 0],
                [0.2, 0.8, 0],
                [0.1, 0.5, 0.4],
                [0.1, 0.3, 0.6],
                [0.1, 0.6, 0.3],
                [0, 0.2, 0.8],
            ]
        )
        + 1e-6
    )
    path = [STAGES[k] for k in monotone_decode(raw, 1.0)]
    assert path == ["awal", "awal", "inti", "inti", "inti", "inti", "akhir", "akhir", "akhir"]


def _session(n: int):
    texts = [f"ucapan {i}" for i in range(n)]
    speakers = ["counselor" if i % 2 == 0 else "counselee" for i in range(n)]
    rng = np.random.default_rng(n)
    E = rng.normal(size=(n, 8)).astype(np.float32)
    return build_records(speakers, texts, E)


def test_sequencer_learns_position_and_stays_monotone() -> None:
    X, y = [], []
    for n in (20, 30, 40, 25):
        recs = _session(n)
        X += recs
        y += [STAGES[min(int(3 * i / n), 2)] for i in range(n)]
    seq = StageSequencer(random_state=0).fit(X, y)
    assert seq.C == 1.0 and hasattr(seq, "clf_")
    stages = seq.predict_session(_session(33))
    order = [STAGES.index(s) for s in stages]
    assert order == sorted(order)
    assert stages[0] == "awal" and stages[-1] == "akhir"


def test_stage_hints_from_headings_are_honoured() -> None:
    X = _session(30)
    seq = StageSequencer(random_state=0).fit(X, [STAGES[min(int(3 * i / 30), 2)] for i in range(30)])
    hints = [None] * 12
    hints[2] = "inti"
    stages = seq.predict_session(_session(12), hints)
    assert stages[2] == "inti"
    assert all(s != "awal" for s in stages[2:])
