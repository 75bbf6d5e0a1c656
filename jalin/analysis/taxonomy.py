"""The label sets of shared/domain/taxonomy.md, loaded once from ``data/taxonomy.json``.

Everything that names a label, flag, stage or stage task takes its ids from here, so
the contract with the taxonomy lives in one data file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

__all__ = ["Taxonomy", "taxonomy"]


@dataclass(frozen=True)
class Taxonomy:
    counselor_labels: tuple[str, ...]
    counselee_labels: tuple[str, ...]
    resistance_labels: tuple[str, ...]
    groups: tuple[str, ...]
    flags: tuple[str, ...]
    stages: tuple[str, ...]
    tasks: tuple[str, ...]
    group_of: dict[str, str]
    task_stage: dict[str, str]
    names: dict[str, dict[str, str]]  # "kind:id" -> {"id": ..., "en": ...}

    def name(self, kind: str, ident: str, lang: str = "id") -> str:
        """Human name of a label/group/flag/stage/task in ``lang`` (``id`` or ``en``)."""
        entry = self.names.get(f"{kind}:{ident}")
        if entry is None:
            return ident
        return entry.get(lang) or entry["en"]

    def labels_for(self, speaker: str) -> tuple[str, ...]:
        return self.counselor_labels if speaker == "counselor" else self.counselee_labels


@lru_cache(maxsize=1)
def taxonomy() -> Taxonomy:
    raw = json.loads(resources.files("jalin.analysis").joinpath("data/taxonomy.json").read_text("utf-8"))
    names: dict[str, dict[str, str]] = {}
    group_of: dict[str, str] = {}
    for kind in ("counselor_labels", "counselee_labels"):
        for item in raw[kind]:
            names[f"label:{item['id']}"] = item["name"]
            group_of[item["id"]] = item["group"]
    for kind, key in (("groups", "group"), ("flags", "flag"), ("stages", "stage"), ("tasks", "task")):
        for item in raw[kind]:
            names[f"{key}:{item['id']}"] = item["name"]
    return Taxonomy(
        counselor_labels=tuple(i["id"] for i in raw["counselor_labels"]),
        counselee_labels=tuple(i["id"] for i in raw["counselee_labels"]),
        resistance_labels=tuple(i["id"] for i in raw["counselee_labels"] if i["group"] == "resistance"),
        groups=tuple(i["id"] for i in raw["groups"]),
        flags=tuple(i["id"] for i in raw["flags"]),
        stages=tuple(i["id"] for i in raw["stages"]),
        tasks=tuple(i["id"] for i in raw["tasks"]),
        group_of=group_of,
        task_stage={i["id"]: i["stage"] for i in raw["tasks"]},
        names=names,
    )
