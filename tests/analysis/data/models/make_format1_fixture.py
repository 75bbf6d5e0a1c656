"""Writes format1-tiny.joblib: a format-1 artifact (joblib, scikit-learn objects inside) made by the
code of the last commit that wrote that format, for the conversion tests. Run it with that code:

    git archive 780fe1a jalin | tar -x -C /tmp/format1
    cp jalin/analysis/data/lexicon/*.json /tmp/format1/jalin/analysis/data/lexicon/   # today's lexicon
    PYTHONPATH=/tmp/format1 python tests/analysis/data/models/make_format1_fixture.py

The lexicon files are today's so that the fixture's lexicon features fit the code that converts it
(test_model_convert.py fails, with this advice, when the lexicon changes again).

A tiny model: 3 sessions per language of the shipped corpus (and the shipped risk training items),
seed 0.
"""

import json
import sys
import tempfile
from pathlib import Path

import jalin
from jalin.analysis.corpus import group_sessions, load_corpus
from jalin.analysis.model import persist, save_model, train_model

if persist.FORMAT_VERSION != 1:
    sys.exit(f"run this with the format-1 code (PYTHONPATH), not {jalin.__file__}")
rows, counts = [], {"id": 0, "en": 0}
for srows in group_sessions(load_corpus()).values():
    lang = srows[0]["lang"]
    if counts[lang] < 3:
        counts[lang] += 1
        rows += srows
with tempfile.TemporaryDirectory() as tmp:
    corpus = Path(tmp) / "tiny.jsonl"
    corpus.write_text(
        "".join(json.dumps({k: v for k, v in r.items() if not k.startswith("_")}, ensure_ascii=False) + "\n"
                for r in rows),
        encoding="utf-8",
    )
    model = train_model([str(corpus)], random_state=0)
out = save_model(model, Path(__file__).with_name("format1-tiny.joblib"))
print(f"wrote {out} ({out.stat().st_size / 1e6:.2f} MB), {model.version}")
