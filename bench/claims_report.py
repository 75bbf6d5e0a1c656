"""How often the feedback's task claims are right, with and without the claim rules (issue #12).

    python bench/claims_report.py [DATA ...] [--model PATH]
    (default DATA: the frozen unseen set jalin/analysis/data/eval/unseen/unseen_id.jsonl; reporting only)

For every session the engine's feedback is built twice from the same labelled utterances:
"without rules" (every utterance at confidence 1, every task probability 1 where reported and 0
elsewhere, i.e. the feedback as it was before calibration) and "with rules" (the model's
calibrated confidences and thresholds). It prints, for the task sentences:
- positive claims (``contract_done``, ``warm_opening``, ``structuring_done``, ``closing_done``,
  ``referral_discussed``): cited utterances whose reference has that task / all cited;
- negative claims (``no_contract_time``, ``no_action_plan``, …): claims whose task is really
  absent from the session / all made;
- how many items became questions.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import replace

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

POSITIVE = {"contract_done": ["contract_time"], "warm_opening": ["rapport"], "referral_discussed": ["referral"],
            "structuring_done": ["structuring", "confidentiality"], "closing_done": ["evaluation", "next_appointment"]}
NEGATIVE = {"no_structuring_first": "structuring", "no_confidentiality_first": "confidentiality",
            "no_contract_time": "contract_time", "no_exploration": "exploration", "no_action_plan": "action_plan",
            "no_evaluation": "evaluation", "no_next_appointment": "next_appointment"}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data", nargs="*", default=["jalin/analysis/data/eval/unseen/unseen_id.jsonl"])
    ap.add_argument("--model")
    args = ap.parse_args(argv)

    from jalin.analysis.corpus import group_sessions, load_corpus
    from jalin.analysis.feedback import build_feedback
    from jalin.analysis.metrics import compute_metrics, find_tasks
    from jalin.analysis.model import load_model
    from jalin.analysis.types import Transcript, Utterance

    model = load_model(args.model)
    policy = model.claim_policy
    tally = {mode: {"pos_ok": 0, "pos_n": 0, "neg_ok": 0, "neg_n": 0, "questions": 0, "items": 0}
             for mode in ("without", "with")}
    sessions = group_sessions(load_corpus(args.data))
    for srows in sessions.values():
        t = Transcript([Utterance(index=i, speaker=r["speaker"], text=r["text"],
                                  is_silence=r["text"].strip().lower() in ("[diam]", "(diam)"))
                        for i, r in enumerate(srows)], language=srows[0].get("lang", "id"))
        utts = model.predict(t)
        gold_tasks = [set(r.get("tasks") or []) for r in srows]
        in_session = set().union(*gold_tasks)
        done, missed = find_tasks(utts)
        metrics = compute_metrics(utts)
        plain = [replace(u, confidence=1.0, task_confidence={k: 1.0 for k in u.tasks}) for u in utts]
        for mode, us, pol in (("without", plain, None), ("with", utts, policy)):
            items = build_feedback(us, metrics, done, missed, "en", policy=pol)
            s = tally[mode]
            s["items"] += len(items)
            for item in items:
                if item["certainty"] == "question":
                    s["questions"] += 1
                    continue
                if item["code"] in POSITIVE:
                    for n in item["utterances"]:
                        s["pos_n"] += 1
                        s["pos_ok"] += bool(gold_tasks[n - 1] & set(POSITIVE[item["code"]]))
                elif item["code"] in NEGATIVE:
                    s["neg_n"] += 1
                    s["neg_ok"] += NEGATIVE[item["code"]] not in in_session
    print(f"model {model.version}, {len(sessions)} sessions, policy {policy}")
    for mode, s in tally.items():
        pos = s["pos_ok"] / s["pos_n"] if s["pos_n"] else float("nan")
        neg = s["neg_ok"] / s["neg_n"] if s["neg_n"] else float("nan")
        print(f"{mode:>8} rules: positive task claims right {s['pos_ok']}/{s['pos_n']} ({pos:.2f}), "
              f"negative task claims right {s['neg_ok']}/{s['neg_n']} ({neg:.2f}), "
              f"questions {s['questions']} of {s['items']} items")
    return 0


if __name__ == "__main__":
    sys.exit(main())
