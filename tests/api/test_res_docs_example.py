"""The httpx client example of docs/api.md runs as written against Jalin (through httpx's WSGI transport):
it creates a counselee, a case and a session, uploads a transcript, waits for the analysis and prints the
risk flags. Only the host, the token and the clock are replaced: ``time.sleep`` runs the task worker."""

from __future__ import annotations

import contextlib
import io
import re
import time
from pathlib import Path

import pytest

from tests.practice.conftest import TEXT, give_recording_consent

from .res_helpers import bearer

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"


def _example() -> str:
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index("## A Python client (httpx)"):]
    return re.search(r"```python\n(.*?)```", section, re.DOTALL).group(1)


@pytest.fixture
def wsgi_httpx(monkeypatch, settings):
    httpx = pytest.importorskip("httpx")
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    from jalin.core.task_worker import run_pending
    from jalin.wsgi import application

    settings.ALLOWED_HOSTS = ["bk.example.sch.id"]
    settings.API_RATE_LIMIT = "100000/m"
    transport = httpx.WSGITransport(app=application)
    real_client = httpx.Client
    monkeypatch.setattr(httpx, "Client", lambda *a, **kw: real_client(*a, transport=transport, **kw))
    monkeypatch.setattr(time, "sleep", lambda seconds: run_pending())  # waiting = the worker's turn
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.django_db
def test_the_client_example_runs_as_written(owner, wsgi_httpx, tmp_path, monkeypatch):
    from jalin.cases.models import Counselee

    code = _example()
    assert 'TOKEN = "jalin_..."' in code and "# 3. Upload" in code
    code = code.replace('TOKEN = "jalin_..."', f'TOKEN = "{bearer(owner)}"')
    before_upload, upload_on = code.split("# 3. Upload", 1)
    (tmp_path / "session-1.txt").write_text(TEXT, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": "jalin_api_example"}
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(before_upload, "docs/api.md", "exec"), namespace)  # noqa: S102 - our own documentation
        # The example says so: recording consent is on record before a transcript is attached (on the web).
        give_recording_consent(Counselee.objects.get(pk=namespace["counselee"]["id"]), owner)
        exec(compile("# 3. Upload" + upload_on, "docs/api.md", "exec"), namespace)  # noqa: S102
    assert namespace["job"]["status"] == "done"
    assert "utterance 4: risk_self" in printed.getvalue(), printed.getvalue()
