"""API tokens in Chromium: create one on the profile page, see it once, revoke it; the API documentation
(Swagger UI from Jalin's own static files) renders offline under the site's Content-Security-Policy."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from .conftest import login, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _me(base: str, secret: str) -> tuple[int, dict]:
    request = urllib.request.Request(f"{base}/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_create_use_and_revoke_a_token(live_server, page, owner):
    base = live_server.url
    login(page, base, owner)
    page.click("header a.api-tokens")
    page.fill("#id_name", "Sistem informasi sekolah")
    page.check("input[name=scopes][value=write]")
    page.fill("#id_days", "30")
    page.click("form.token-new button[type=submit]")
    secret = page.locator("#new-token").inner_text()
    assert secret.startswith("jalin_")
    shot(page, "api-token-created")
    status, me = _me(base, secret)
    assert status == 200 and me["username"] == owner.username
    page.goto(f"{base}/account/tokens/")
    assert secret not in page.content()
    page.click("table.tokens button:has-text('cabut')")
    assert page.locator("table.tokens").inner_text().count("dicabut") == 1
    assert _me(base, secret)[0] == 401


def test_api_docs_render_from_local_assets(live_server, page):
    requested = []
    page.on("request", lambda r: requested.append(r.url))
    page.goto(f"{live_server.url}/api/v1/docs")
    page.wait_for_selector(".opblock", timeout=15_000)
    assert page.locator(".opblock").count() >= 10
    assert "/api/v1/cases/{case_id}/stage" in page.content()
    outside = [u for u in requested if not u.startswith(live_server.url) and not u.startswith("data:")]
    assert outside == [], f"the docs page reached outside Jalin: {outside}"
    shot(page, "api-docs")
