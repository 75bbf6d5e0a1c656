"""Token management on the profile page, with Django's test client (no browser)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from jalin.api.models import ApiToken
from tests import factories

from .conftest import ApiClient, assert_problem, make_token

pytestmark = pytest.mark.django_db


def _client(user, lang="en") -> Client:
    client = Client(headers={"Accept-Language": lang})
    client.force_login(user)
    return client


def _create(client, **fields) -> tuple[int, str]:
    body = {"name": "Dapodik sync", "scopes": ["read", "write"], "days": "90", **fields}
    response = client.post("/account/tokens/", body)
    html = response.content.decode()
    found = re.search(r'<code id="new-token">([^<]+)</code>', html)
    return response.status_code, found.group(1) if found else ""


def test_create_shows_the_token_once_and_it_works(owner):
    client = _client(owner)
    status, secret = _create(client)
    assert status == 200 and secret.startswith("jalin_")
    token = ApiToken.objects.get(user=owner)
    assert token.scopes == ["read", "write"] and token.name == "Dapodik sync"
    listing = client.get("/account/tokens/").content.decode()
    assert secret not in listing and f"jalin_{token.prefix}_" in listing and "Dapodik sync" in listing
    assert "never" in listing  # last use
    assert ApiClient(secret).get("/api/v1/me").status_code == 200
    assert "never" not in client.get("/account/tokens/").content.decode().split("<tbody>")[1].split("</tbody>")[0]


@pytest.mark.parametrize(("fields", "error"), [
    ({"days": "366"}, "365"), ({"days": "0"}, "1"), ({"scopes": []}, "required"), ({"name": ""}, "required"),
    ({"scopes": ["root"]}, "root"),
])
def test_bad_input_is_named_and_nothing_is_created(owner, fields, error):
    status, secret = _create(_client(owner), **fields)
    assert status == 200 and not secret
    assert not ApiToken.objects.exists()


def test_revoke_refuses_the_token_on_the_next_request(owner):
    token, secret = make_token(owner)
    api = ApiClient(secret)
    assert api.get("/api/v1/me").status_code == 200
    response = _client(owner).post(f"/account/tokens/{token.pk}/revoke/")
    assert response.status_code == 302
    assert_problem(api.get("/api/v1/me"), 401)
    assert "revoked" in _client(owner).get("/account/tokens/").content.decode()


def test_colleagues_cannot_see_or_revoke_each_others_tokens(owner, colleague, outsider):
    token, secret = make_token(owner)
    assert token.prefix not in _client(colleague).get("/account/tokens/").content.decode()
    for other in (colleague, outsider):
        assert _client(other).post(f"/account/tokens/{token.pk}/revoke/").status_code == 404
    assert ApiClient(secret).get("/api/v1/me").status_code == 200


def test_organisation_admin_sees_and_revokes_members_tokens(owner, admin_user):
    token, secret = make_token(owner, name="Sistem jadwal")
    foreign_org_admin = factories.make_user("adminlain", role="admin", org=factories.make_org("Biro Lain"))
    page = _client(admin_user).get("/account/tokens/").content.decode()
    assert "Tokens of your organisation" in page and "Sistem jadwal" in page and "owner" in page
    assert "Sistem jadwal" not in _client(foreign_org_admin).get("/account/tokens/").content.decode()
    assert _client(foreign_org_admin).post(f"/account/tokens/{token.pk}/revoke/").status_code == 404
    assert _client(admin_user).post(f"/account/tokens/{token.pk}/revoke/").status_code == 302
    revoked = ApiToken.objects.get(pk=token.pk)
    assert revoked.revoked_at is not None and revoked.revoked_by == admin_user
    assert_problem(ApiClient(secret).get("/api/v1/me"), 401)


def test_page_is_indonesian_by_default(owner):
    client = Client()
    client.force_login(owner)
    html = client.get("/account/tokens/").content.decode()
    assert "Token API" in html and "Buat token" in html
