"""The API's foundation: tokens, authentication, problems, limits, audit, docs."""

from __future__ import annotations

import json
import logging
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from jalin.api import tokens
from jalin.api.models import ApiToken
from jalin.audit.models import AuditEvent
from tests import factories

from .conftest import ApiClient, assert_problem, make_token

pytestmark = pytest.mark.django_db


def test_me_answers_as_the_tokens_user(owner, api_for):
    api = api_for(owner, scopes=("read",))
    response = api.get("/api/v1/me")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["username"] == "owner" and body["role"] == "counselor"
    assert body["token"]["scopes"] == ["read"] and body["token"]["prefix"] == api.token.prefix
    assert api.secret not in response.content.decode()
    assert response["Cache-Control"] == "no-store"


def test_stored_form_is_a_hash(owner):
    token, secret = make_token(owner)
    stored = ApiToken.objects.values().get(pk=token.pk)
    assert secret not in json.dumps(stored, default=str)
    assert stored["digest"] == tokens.digest(secret) and len(stored["digest"]) == 64
    assert secret.startswith(f"jalin_{token.prefix}_") and len(secret) > 50


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer nonsense", "Basic dXNlcjpwYXNz",
                                    "Bearer jalin_000000000000_wrong"])
def test_missing_or_unknown_token_is_401(owner, header):
    client = Client()
    headers = {"Authorization": header} if header else {}
    body = assert_problem(client.get("/api/v1/me", headers=headers), 401, "not_authenticated")
    assert body["instance"] == "/api/v1/me"


def test_wrong_secret_with_a_real_prefix_is_401(owner):
    _token, secret = make_token(owner)
    forged = secret[:-4] + ("AAAA" if not secret.endswith("AAAA") else "BBBB")
    assert_problem(ApiClient(forged).get("/api/v1/me"), 401)


def test_revoked_token_is_refused_on_the_next_request(owner, api_for):
    api = api_for(owner)
    assert api.get("/api/v1/me").status_code == 200
    tokens.revoke_token(api.token, actor=owner)
    assert_problem(api.get("/api/v1/me"), 401, "not_authenticated")


@pytest.mark.parametrize("hour_minute", [(0, 5), (10, 1), (23, 59)])
def test_expired_token_is_refused_on_the_next_request(owner, hour_minute):
    hour, minute = hour_minute
    start = timezone.make_aware(timezone.datetime(2026, 12, 31, hour, minute))  # WIB, a year's end
    with time_machine.travel(start, tick=False) as clock:
        _token, secret = make_token(owner, days=1)
        api = ApiClient(secret)
        assert api.get("/api/v1/me").status_code == 200
        clock.move_to(start + timedelta(days=1) - timedelta(seconds=1))
        assert api.get("/api/v1/me").status_code == 200
        clock.move_to(start + timedelta(days=1))
        assert_problem(api.get("/api/v1/me"), 401)


def test_session_cookie_does_not_authenticate_the_api(owner):
    client = Client()
    client.force_login(owner)
    assert_problem(client.get("/api/v1/me"), 401)
    # and a token request carrying a session of another user still acts as the token's user
    other = factories.make_user("lain", org=owner.organisation)
    _, secret = make_token(other)
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert response.json()["username"] == "lain"


def test_csrf_does_not_apply_to_token_requests(owner):
    client = Client(enforce_csrf_checks=True)
    _, secret = make_token(owner)
    response = client.post("/api/v1/me", data="{}", content_type="application/json",
                           headers={"Authorization": f"Bearer {secret}"})
    body = assert_problem(response, 405, "method_not_allowed")  # reached the API (no CSRF 403)
    assert response["Allow"] == "GET" and "GET" in body["detail"]


def test_admin_who_must_set_up_two_factor_is_refused(org):
    org.require_admin_2fa = True
    org.save()
    admin = factories.make_user("admin2", role="admin", org=org)
    _, secret = make_token(admin, scopes=("read",))
    assert_problem(ApiClient(secret).get("/api/v1/me"), 403, "two_factor_required")
    admin.totp_confirmed = True
    admin.save()
    assert ApiClient(secret).get("/api/v1/me").status_code == 200


def test_inactive_account_is_401(owner):
    _, secret = make_token(owner)
    owner.is_active = False
    owner.save()
    assert_problem(ApiClient(secret).get("/api/v1/me"), 401)


def test_scope_is_checked(owner):
    _, secret = make_token(owner, scopes=("write",))
    body = assert_problem(ApiClient(secret).get("/api/v1/me"), 403, "insufficient_scope")
    assert body["required_scopes"] == ["read"]


def test_problem_in_the_callers_language(owner):
    id_body = assert_problem(ApiClient(None, lang="id").get("/api/v1/me"), 401)
    en_body = assert_problem(ApiClient(None, lang="en").get("/api/v1/me"), 401)
    assert en_body["title"] == "Not authenticated"
    assert id_body["title"] != en_body["title"]
    default = Client().get("/api/v1/me")  # no Accept-Language: Indonesian
    assert default.json()["title"] == id_body["title"]


def test_unknown_api_url_is_a_problem_404(owner, api_for):
    assert_problem(api_for(owner).get("/api/v1/nothing-here"), 404, "not_found")
    assert_problem(Client().get("/api/v2/me"), 404, "not_found")


def test_last_use_is_recorded(owner, api_for):
    api = api_for(owner)
    assert ApiToken.objects.get(pk=api.token.pk).last_used_at is None
    api.get("/api/v1/me")
    assert ApiToken.objects.get(pk=api.token.pk).last_used_at is not None


def test_rate_limit_answers_429_with_retry_after(owner, api_for, settings):
    from django.core.cache import cache

    cache.clear()
    settings.API_RATE_LIMIT = "3/m"
    api = api_for(owner)
    other = api_for(owner)
    for _ in range(3):
        assert api.get("/api/v1/me").status_code == 200
    response = api.get("/api/v1/me")
    assert_problem(response, 429, "rate_limited")
    assert 1 <= int(response["Retry-After"]) <= 60
    assert other.get("/api/v1/me").status_code == 200  # per token
    cache.clear()


def test_token_never_in_logs_or_audit(owner, caplog):
    caplog.set_level(logging.DEBUG)
    token, secret = make_token(owner)
    api = ApiClient(secret)
    api.get("/api/v1/me")
    api.get("/api/v1/nothing")
    api.post("/api/v1/me", raw="{bad")
    tokens.revoke_token(token, actor=owner)
    api.get("/api/v1/me")
    secret_part = secret.rsplit("_", 1)[1]
    assert secret_part not in caplog.text
    for event in AuditEvent.objects.all():
        assert secret_part not in json.dumps(event.detail) + event.object_id + event.actor_label
    actions = list(AuditEvent.objects.filter(object_type="api.apitoken").values_list("action", flat=True))
    assert actions == ["api_token.create", "api_token.revoke"]


def test_token_creation_is_validated(owner):
    with pytest.raises(tokens.TokenError) as err:
        tokens.create_token(actor=owner, name="x", scopes=["read"], days=366)
    assert err.value.field == "days"
    with pytest.raises(tokens.TokenError) as err:
        tokens.create_token(actor=owner, name="x", scopes=["admin"], days=30)
    assert err.value.field == "scopes"
    with pytest.raises(tokens.TokenError) as err:
        tokens.create_token(actor=owner, name=" ", scopes=["read"], days=30)
    assert err.value.field == "name"
    assert not ApiToken.objects.exists()


def test_openapi_document_is_3_1_and_documents_problems(owner):
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    doc = response.json()
    assert doc["openapi"].startswith("3.1")
    me = doc["paths"]["/api/v1/me"]["get"]
    assert "401" in me["responses"] and "Problem" in doc["components"]["schemas"]
    assert doc["components"]["securitySchemes"]["TokenAuth"]["scheme"] == "bearer"


def test_docs_page_uses_local_assets_only():
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower() and "https://" not in html
    assert Client().get("/static/ninja/swagger-ui-bundle.js").status_code == 200
