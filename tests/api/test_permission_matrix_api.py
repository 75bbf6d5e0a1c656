"""API permission matrix for the core routes (me, counselees, cases, sessions); see matrix.py."""

from __future__ import annotations

import pytest

from .matrix import check_route

pytestmark = pytest.mark.django_db

#   anonymous outsider colleague supervisor supervisor_granted admin owner
EXPECTED = {
    ("GET", "/api/v1/me"): "401 200 200 200 200 200 200",
}
BODIES: dict = {}
NO_COUNSELEE_DATA = {("GET", "/api/v1/me")}


@pytest.mark.parametrize(("method", "template"), sorted(EXPECTED))
def test_api_permission_matrix(method, template):
    check_route(method, template, EXPECTED[(method, template)], body=BODIES.get((method, template)),
                no_counselee_data=(method, template) in NO_COUNSELEE_DATA)
