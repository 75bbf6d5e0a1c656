"""Every operation in the OpenAPI document has a row in one of the API permission-matrix modules."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from jalin.api.api import api

pytestmark = pytest.mark.django_db


def _declared() -> dict:
    rows = {}
    for path in sorted(Path(__file__).parent.glob("test_permission_matrix_api*.py")):
        module = importlib.import_module(f"tests.api.{path.stem}")
        for key in module.EXPECTED:
            assert key not in rows, f"{key} declared twice"
            rows[key] = path.stem
    return rows


def test_every_api_operation_has_an_expectation():
    schema = api.get_openapi_schema()
    operations = {(method.upper(), path) for path, item in schema["paths"].items() for method in item
                  if method in {"get", "post", "put", "patch", "delete"}}
    declared = set(_declared())
    assert operations - declared == set(), "new API operation: add its row to a test_permission_matrix_api*.py"
    assert declared - operations == set(), "API operation gone: remove its row"
