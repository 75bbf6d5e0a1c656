"""Shared fixtures for the measures tests: shipped definitions as raw dicts, and a clean environment."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from jalin.measures.instruments.registry import DATA_DIR, ENV_VAR


@pytest.fixture(autouse=True)
def _no_org_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    # a developer's own JALIN_INSTRUMENTS_DIR must not change what the tests see
    monkeypatch.delenv(ENV_VAR, raising=False)


@pytest.fixture
def raw_definition() -> Callable[[str], dict[str, Any]]:
    """A fresh, mutable copy of a shipped definition file, e.g. raw_definition("phq9.id")."""
    cache: dict[str, dict[str, Any]] = {}

    def load(name: str) -> dict[str, Any]:
        if name not in cache:
            cache[name] = json.loads((DATA_DIR / f"{name}.json").read_text(encoding="utf-8"))
        return copy.deepcopy(cache[name])

    return load


@pytest.fixture
def write_json(tmp_path: Path) -> Callable[[str, Any], Path]:
    def write(name: str, data: Any) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        return path

    return write
