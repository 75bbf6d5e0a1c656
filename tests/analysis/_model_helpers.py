"""Shared helpers for the labelling-model tests: build Transcripts and tiny corpora directly."""

from __future__ import annotations

import json
from pathlib import Path

from jalin.analysis.corpus import group_sessions, load_corpus, shipped_corpus_paths
from jalin.analysis.types import Transcript, Utterance

SESSION_ID = [
    ("counselor", "Selamat pagi, Dinda. Silakan duduk, santai saja."),
    ("counselee", "Pagi, Bu."),
    (
        "counselor",
        (
            "Sebelum mulai, yang kita bicarakan di sini rahasia, kecuali kalau ada bahaya untukmu atau "
            "orang lain. Kita punya sekitar 30 menit."
        ),
    ),
    ("counselee", "Iya, Bu."),
    ("counselor", "Apa yang ingin kamu ceritakan hari ini?"),
    ("counselee", "Aku capek hidup, Bu. Kadang pengen menghilang aja."),
    ("counselor", "Kedengarannya kamu sangat lelah dan putus asa."),
    ("counselee", "[diam]"),
    ("counselor", "Hmm..."),
    ("counselee", "Capek banget sama tugas, mati gaya juga di kelas."),
    ("counselor", "Coba ceritakan, sejak kapan kamu merasa seperti itu?"),
    ("counselee", "Sejak semester ini, nilai turun terus, Mama marah-marah."),
    ("counselor", "Jadi sejauh ini ada dua hal: nilai yang turun dan Mama yang sering marah."),
    ("counselee", "Iya, betul."),
    ("counselor", "Langkah kecil apa yang mau kamu coba minggu ini?"),
    ("counselee", "Aku mau coba ngomong sama Mama hari Sabtu."),
    ("counselor", "Kita ketemu lagi Kamis depan jam 10, bagaimana?"),
    ("counselee", "Oke Bu, makasih."),
]


def transcript(lines=SESSION_ID, **kw) -> Transcript:
    return Transcript(
        [
            Utterance(index=i, speaker=s, text=t, is_silence=t == "[diam]", line=i + 1)
            for i, (s, t) in enumerate(lines)
        ],
        **kw,
    )


def small_corpus(tmp_path: Path, per_lang: int = 6, skip: int = 0) -> tuple[Path, list[dict]]:
    """Write ``per_lang`` sessions per language from the shipped corpus to one JSONL file."""
    rows = load_corpus(shipped_corpus_paths())
    chosen: list[dict] = []
    counts = {"id": 0, "en": 0}
    skipped = {"id": 0, "en": 0}
    for srows in group_sessions(rows).values():
        lang = srows[0]["lang"]
        if skipped[lang] < skip:
            skipped[lang] += 1
            continue
        if counts[lang] < per_lang:
            counts[lang] += 1
            chosen += srows
    path = tmp_path / "tiny.jsonl"
    with open(path, "w", encoding="utf-8") as fh:
        fh.writelines(
            json.dumps({k: v for k, v in r.items() if not k.startswith("_")}, ensure_ascii=False) + "\n"
            for r in chosen
        )
    return path, chosen


def small_risk_items(tmp_path: Path, per_file: int = 25) -> list[str]:
    """The first ``per_file`` items of each shipped risk training file, as one file: training on all 2,500+
    of them embeds some 10,000 texts, which a test of the training mechanics does not need."""
    from jalin.analysis.risk_train import shipped_risk_train_paths

    path = tmp_path / "risk_items.jsonl"
    with open(path, "w", encoding="utf-8") as fh:
        for shipped in shipped_risk_train_paths():
            fh.writelines(Path(shipped).read_text("utf-8").splitlines(keepends=True)[:per_file])
    return [str(path)]
