"""Diagnostic for the risk detector (docs/analysis-model.md, Risk flags): how much does the position of a
line alone change its flags on the frozen risk sets?

The frozen-set runner puts each line last in a four-turn transcript. This script scores every frozen set
twice with the shipped model: as run, and with every utterance's position moved to the middle of a
session (relative position 0.5, index 20). It is a diagnostic: nothing in the detector is chosen from it.

    python bench/risk_position_diagnostic.py
"""

from __future__ import annotations

from jalin.analysis.model import labeller, load_model
from jalin.analysis.risk_eval import FROZEN_SETS, load_risk_eval, risk_frozen


def main() -> None:
    build = labeller.build_records

    def mid_session(speakers, texts, embeddings):
        return [{**r, "pos": 0.5, "index": 20} for r in build(speakers, texts, embeddings)]

    model = load_model()
    print(f"model {model.version}")
    for name in FROZEN_SETS:
        items = load_risk_eval(frozen=name)
        rows = []
        for label, builder in (("as run (line last)", build), ("line mid-session", mid_session)):
            labeller.build_records = builder
            try:
                any_flag = risk_frozen(model, items)["all"]["any"]
            finally:
                labeller.build_records = build
            rows.append(f"  {label:<20} recall {any_flag['recall']['value']:.3f} ({any_flag['recall']['k']}/"
                        f"{any_flag['recall']['n']})  precision {any_flag['precision']['value']:.3f}")
        print(f"frozen set {name}:")
        print("\n".join(rows))


if __name__ == "__main__":
    main()
