"""Helpers for the tests of the appointment, measure, transcript and review routes."""

from __future__ import annotations

import json

from django.test import Client

ALL_SCOPES = ("read", "write", "transcripts")
API = "/api/v1"


def bearer(user, scopes=ALL_SCOPES) -> str:
    from jalin.api.tokens import create_token

    return create_token(actor=user, name="uji", scopes=list(scopes), days=30).secret


class Api:
    """A test client that speaks to /api/v1 with a token; bodies are JSON unless ``files`` are given."""

    def __init__(self, token: str | None, lang: str = "en"):
        self.client = Client()
        self.headers = {"Accept-Language": lang}
        if token:
            self.headers["Authorization"] = f"Bearer {token}"

    def get(self, path, params=None):
        return self.client.get(API + path, params or {}, headers=self.headers)

    def send(self, method, path, body=None, *, raw: bytes | str | None = None, content_type="application/json"):
        data = raw if raw is not None else json.dumps(body if body is not None else {})
        return self.client.generic(method, API + path, data, content_type=content_type, headers=self.headers)

    def post(self, path, body=None, **kw):
        return self.send("POST", path, body, **kw)

    def patch(self, path, body=None, **kw):
        return self.send("PATCH", path, body, **kw)

    def put(self, path, body=None, **kw):
        return self.send("PUT", path, body, **kw)

    def delete(self, path):
        return self.client.delete(API + path, headers=self.headers)

    def upload(self, path, files: dict, extra: dict | None = None):
        return self.client.post(API + path, {**files, **(extra or {})}, headers=self.headers)


def is_problem(response, status: int) -> dict:
    assert response.status_code == status, (response.status_code, response.content[:500])
    assert response["Content-Type"].startswith("application/problem+json"), response["Content-Type"]
    body = response.json()
    assert body["status"] == status and body["title"] and body["detail"]
    return body
