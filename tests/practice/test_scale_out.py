"""Scale-out as docs/operations.md describes it: two `jalin serve` processes (production mode, gunicorn)
and three `jalin worker` processes on one PostgreSQL. 100 transcripts are uploaded over HTTP, half to
each server (half as files, half pasted); every one is analysed exactly once by one of the workers, and
the audit chain written by all five processes at once verifies."""

from __future__ import annotations

import http.cookiejar
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from jalin.audit.services import verify_chain
from jalin.practice.models import AnalysisJob, Transcript
from tests import factories

from .conftest import TEXT, give_recording_consent

UPLOADS = 100
CASES = 10

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(os.environ.get("DATABASE_URL", "").split(":", 1)[0] not in {"postgres", "postgresql"},
                       reason="scale-out (several servers and workers) is the PostgreSQL set-up of "
                              "docs/operations.md; SQLite is the one-server embedded default, and its "
                              "several-workers case is tested in test_multi_worker.py"),
]


def _database_url() -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _BehindTlsProxy(http.cookiejar.DefaultCookiePolicy):
    """The client talks plain HTTP to gunicorn as the TLS proxy does, so Secure cookies go back too."""

    def return_ok_secure(self, cookie, request):
        return True


class Browser:
    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar(policy=_BehindTlsProxy())

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect)
        # What the TLS proxy in front of `jalin serve` adds (SECURE_PROXY_SSL_HEADER).
        self.opener.addheaders = [("X-Forwarded-Proto", "https"), ("Accept-Language", "id")]

    def _csrf(self) -> str:
        return next(c.value for c in self.jar if c.name == "csrftoken")

    def open(self, path: str, data: bytes | None = None, headers: dict | None = None) -> tuple[int, str]:
        origin = "https://" + self.base.split("://", 1)[1]
        request = urllib.request.Request(self.base + path, data=data,
                                         headers={"Referer": origin + path, **(headers or {})})
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()

    def login(self, username: str) -> None:
        self.open("/login/")
        status, _ = self.open("/login/", urllib.parse.urlencode({
            "username": username, "password": factories.PASSWORD, "csrfmiddlewaretoken": self._csrf()}).encode())
        assert status == 302, f"login at {self.base} answered {status}"

    def upload(self, session_id: int, text: str, as_file: bool) -> int:
        path = f"/sessions/{session_id}/transcript/"
        if not as_file:
            return self.open(path, urllib.parse.urlencode({"text": text,
                                                           "csrfmiddlewaretoken": self._csrf()}).encode())[0]
        boundary = uuid.uuid4().hex
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrfmiddlewaretoken\"\r\n\r\n"
                f"{self._csrf()}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
                f"filename=\"sesi.txt\"\r\nContent-Type: text/plain\r\n\r\n{text}\r\n--{boundary}--\r\n")
        return self.open(path, body.encode(), {"Content-Type": f"multipart/form-data; boundary={boundary}"})[0]


def _wait_until_up(base: str, process: subprocess.Popen, deadline: float) -> None:
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"jalin serve exited with {process.returncode}: {process.stderr.read()[-2000:]}")
        try:
            urllib.request.urlopen(urllib.request.Request(base + "/login/", headers={"X-Forwarded-Proto": "https"}),
                                   timeout=5).read()
            return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.3)
    raise AssertionError(f"jalin serve at {base} did not answer")


def _stop(processes) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def test_two_servers_and_three_workers_analyse_100_uploads_each_exactly_once(org, settings, tmp_path):
    # The servers run Jalin's real hashers, so the account's password is set with them.
    from jalin import settings as jalin_settings

    settings.PASSWORD_HASHERS = jalin_settings.PASSWORD_HASHERS
    owner = factories.make_user("skala", org=org)
    sessions = []
    for n in range(CASES):
        case = factories.make_case(owner, factories.make_counselee(owner, name=f"Konseli Skala {n}"))
        give_recording_consent(case.counselee, owner)
        sessions += [factories.add_session(case, owner, days_ago=1 + s).pk for s in range(UPLOADS // CASES)]

    # DJANGO_ALLOW_ASYNC_UNSAFE is set by the browser tests in this process; `jalin serve`'s deploy check
    # refuses it, as it should in production
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update(DATABASE_URL=_database_url(), JALIN_LOG_LEVEL="WARNING", SECRET_KEY=secrets.token_urlsafe(50),
               ALLOWED_HOSTS="127.0.0.1", JALIN_STATIC_ROOT=str(tmp_path / "static"),
               JALIN_LOGIN_SLOT_DIR=str(tmp_path / "slots"))
    ports = [_free_port(), _free_port()]
    bases = [f"http://127.0.0.1:{port}" for port in ports]
    servers = [subprocess.Popen([sys.executable, "-m", "jalin", "serve", "--bind", f"127.0.0.1:{port}",
                                 "--workers", "1", "--threads", "4"], env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True) for port in ports]
    workers = []
    try:
        deadline = time.monotonic() + 120
        for base, server in zip(bases, servers, strict=True):
            _wait_until_up(base, server, deadline)
        workers = [subprocess.Popen([sys.executable, "-m", "jalin", "worker", "--poll", "0.2"], env=env,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
                   for _ in range(3)]
        browsers = [Browser(base) for base in bases]
        for browser in browsers:
            browser.login("skala")

        def upload(n: int) -> int:
            return browsers[n % 2].upload(sessions[n], TEXT, as_file=n % 4 < 2)

        with ThreadPoolExecutor(max_workers=4) as pool:  # uploads arrive while the workers already analyse
            answers = list(pool.map(upload, range(UPLOADS)))
        assert answers == [302] * UPLOADS

        deadline = time.monotonic() + 600
        while time.monotonic() < deadline and AnalysisJob.objects.exclude(status="done").exists():
            assert all(w.poll() is None for w in workers), "a worker died"
            time.sleep(0.5)
        jobs = list(AnalysisJob.objects.values("transcript__session_id", "status", "attempts", "worker"))
        assert sorted(job["transcript__session_id"] for job in jobs) == sorted(sessions)  # one job per upload
        assert Transcript.objects.count() == UPLOADS
        assert {job["status"] for job in jobs} == {"done"}
        assert [job for job in jobs if job["attempts"] != 1] == []  # each analysed exactly once
        assert AnalysisJob.objects.filter(result__isnull=True).count() == 0
        pids = {str(w.pid) for w in workers}
        ran_on = {m.group(1) for job in jobs if (m := re.search(r":(\d+):", job["worker"]))}
        assert ran_on and ran_on <= pids, (ran_on, pids)
        for base, browser in zip(bases, browsers, strict=True):  # both servers show the results
            status, _page = browser.open(f"/sessions/{sessions[0]}/")
            assert status == 200, base
    finally:
        _stop(workers + servers)
    report = verify_chain()  # five processes appended to the audit chain at once
    assert report.ok, report.problem
