"""One term per concept: the catalogue and the user-facing data files use docs/glossary.md's words only."""

from __future__ import annotations

import gettext
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GLOSSARY = ROOT / "docs" / "glossary.md"
CATALOGUE = ROOT / "jalin" / "locale" / "id" / "LC_MESSAGES" / "django.mo"
DATA_FILES = [ROOT / "jalin" / "cases" / "data" / "guidance.json", ROOT / "jalin" / "analysis" / "data" / "feedback.json",
              ROOT / "jalin" / "analysis" / "data" / "taxonomy.json"]


def glossary() -> list[tuple[str, str, list[str]]]:
    """(concept, Indonesian term, avoided words) for each row of the glossary table."""
    rows = []
    for line in GLOSSARY.read_text("utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 4 or cells[0] in ("concept", "---") or set(cells[0]) <= {"-"}:
            continue
        rows.append((cells[0], cells[1], [w.strip() for w in cells[3].split(",") if w.strip()]))
    return rows


def indonesian_texts() -> dict[str, str]:
    """Where each Indonesian text lives → the text: catalogue translations and the data files' "id" texts."""
    with CATALOGUE.open("rb") as handle:
        catalog = gettext.GNUTranslations(handle)._catalog
    texts = {f"django.po: {key!r}"[:120]: value for key, value in catalog.items() if key}

    def walk(node, where):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "id" and isinstance(value, str):
                    texts[where] = value
                else:
                    walk(value, f"{where}.{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{where}[{index}]")

    for path in DATA_FILES:
        walk(json.loads(path.read_text("utf-8")), path.name)
    return texts


def uses(word: str, text: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text, re.IGNORECASE) is not None


def test_the_glossary_has_the_concepts_the_issue_named():
    concepts = {indonesian: avoid for _c, indonesian, avoid in glossary()}
    assert concepts["resistensi"] == ["resistansi"]
    assert concepts["ujaran"] == ["ucapan"]
    assert concepts["pertanyaan bertumpuk"] == ["pertanyaan beruntun"]


@pytest.mark.parametrize("concept, term, avoid", glossary(), ids=[row[0] for row in glossary()])
def test_the_catalogue_uses_one_term_per_concept(concept, term, avoid):
    offending = {where: text for where, text in indonesian_texts().items() if any(uses(w, text) for w in avoid)}
    assert not offending, f"{concept}: write '{term}', not {avoid}: {offending}"


def test_the_check_can_fail():
    assert uses("resistansi", "Episode resistansi") and not uses("resistansi", "resistensi")
