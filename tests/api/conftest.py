"""API test helpers: a token for a user, and a client that sends it (``Authorization: Bearer``)."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from jalin.api import tokens


@pytest.fixture(autouse=True)
def _fresh_rate_limit_counts():
    """Rate-limit counts live in the (local-memory) cache: none carried from one test to the next."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def make_token(user, *, scopes=("read", "write"), days=30, name="uji"):
    """A fresh token through the service; returns (ApiToken, secret string)."""
    new = tokens.create_token(actor=user, name=name, scopes=list(scopes), days=days)
    return new.token, new.secret


class ApiClient:
    """Django's test client with a bearer token, JSON bodies and an ``Accept-Language``."""

    def __init__(self, secret: str | None, *, lang: str = "en"):
        self.client = Client()
        self.headers = {"Accept-Language": lang}
        if secret:
            self.headers["Authorization"] = f"Bearer {secret}"

    def _send(self, method, path, body=None, *, content_type="application/json", raw=None, headers=None):
        data = raw if raw is not None else (json.dumps(body) if body is not None else "")
        return getattr(self.client, method)(path, data=data, content_type=content_type,
                                            headers={**self.headers, **(headers or {})})

    def get(self, path, params=None, headers=None):
        return self.client.get(path, params or {}, headers={**self.headers, **(headers or {})})

    def post(self, path, body=None, **kw):
        return self._send("post", path, body, **kw)

    def patch(self, path, body=None, **kw):
        return self._send("patch", path, body, **kw)

    def put(self, path, body=None, **kw):
        return self._send("put", path, body, **kw)

    def delete(self, path, **kw):
        return self._send("delete", path, None, **kw)


@pytest.fixture
def api_for():
    """``api_for(user, scopes=(...), lang="en")`` -> ApiClient acting as the user with a new token."""

    def build(user, *, scopes=("read", "write"), lang="en", days=30):
        token, secret = make_token(user, scopes=scopes, days=days)
        client = ApiClient(secret, lang=lang)
        client.token, client.secret = token, secret
        return client

    return build


def assert_problem(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, (response.status_code, response.content[:500])
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status and body["type"].startswith("urn:jalin:problem:")
    assert body["title"] and body["detail"]
    if code is not None:
        assert body["code"] == code, body
    return body
