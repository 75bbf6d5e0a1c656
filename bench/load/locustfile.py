"""Load test: counselors with 1–5 s think time, ~20 % writes, against a site seeded with
``jalin manage seed_volume`` (see README.md beside this file). Each simulated counselor logs in first
(the login ramp). At the end it prints, per endpoint, requests, p50/p95/p99 (ms, exact, from every
request) and the error rate, for the whole run and for the steady state (requests started after the
last login was answered), with the machine's load average. Queries per page: bench/load/check.py.

    locust -f bench/load/locustfile.py --headless -u 50 -r 5 -t 5m -H http://127.0.0.1:8000

It talks to `jalin serve` as the TLS proxy in front of it would: plain HTTP with X-Forwarded-Proto: https,
so the production settings (secure cookies, HTTPS redirect, strict CSRF referer) stay as shipped.
"""

from __future__ import annotations

import http.cookiejar
import itertools
import math
import os
import random
import re
import time

from locust import HttpUser, between, events, task

PREFIX = os.environ.get("JALIN_LOAD_PREFIX", "muat")
COUNSELORS = int(os.environ.get("JALIN_LOAD_COUNSELORS", "50"))
PASSWORD = os.environ.get("JALIN_LOAD_PASSWORD", "muatan-uji-Jalin-2026")
_numbers = itertools.cycle(range(1, COUNSELORS + 1))
_CASE = re.compile(r'href="/cases/(\d+)/"')
_SESSION = re.compile(r'href="/sessions/(\d+)/"')
_requests: list[tuple[float, str, float, bool]] = []  # (start, endpoint, ms, failed)
_marks: dict[str, float] = {}


# Secure cookies go back over the plain-HTTP hop, as from the TLS proxy. requests copies the session's
# cookies into a fresh jar with the default policy for every request, so the policy itself is changed
# (in this load-generating process only).
http.cookiejar.DefaultCookiePolicy.return_ok_secure = lambda self, cookie, request: True


class Counselor(HttpUser):
    wait_time = between(1, 5)

    def on_start(self) -> None:
        self.client.headers["X-Forwarded-Proto"] = "https"
        self.origin = "https://" + self.host.split("://", 1)[1]
        self.username = f"{PREFIX}{next(_numbers):03d}"
        self.client.get("/login/", name="login (form)")
        with self.client.post("/login/", name="login", catch_response=True, allow_redirects=False, data={
                "username": self.username, "password": PASSWORD, "csrfmiddlewaretoken": self._csrf()},
                headers={"Referer": self.origin + "/login/"}) as response:
            if response.status_code != 302 or "/login/" in response.headers.get("Location", ""):
                response.failure(f"login of {self.username} failed ({response.status_code})")
        self.client.get("/", name="dashboard")  # where the login leads
        self.cases = sorted(set(_CASE.findall(self.client.get("/cases/", name="case list").text)))
        self.sessions: list[str] = []

    def _csrf(self) -> str:
        return self.client.cookies.get("csrftoken", "")

    @task(4)
    def dashboard(self) -> None:
        self.client.get("/", name="dashboard")

    @task(3)
    def case_list(self) -> None:
        self.client.get("/cases/", name="case list")

    @task(5)
    def case_detail(self) -> None:
        if self.cases:
            page = self.client.get(f"/cases/{random.choice(self.cases)}/", name="case detail")
            self.sessions = _SESSION.findall(page.text) or self.sessions

    @task(3)
    def session_detail(self) -> None:
        if self.sessions:
            self.client.get(f"/sessions/{random.choice(self.sessions)}/", name="session detail")

    @task(4)
    def write_action_step(self) -> None:  # 4 of 19 weights: about 20 % writes
        if not self.cases:
            return
        case = random.choice(self.cases)
        url = f"/cases/{case}/action-steps/new/"
        self.client.get(url, name="action step (form)")
        with self.client.post(url, name="write: action step", catch_response=True, allow_redirects=False,
                              headers={"Referer": self.origin + url}, data={
                                  "csrfmiddlewaretoken": self._csrf(), "description": "Langkah uji muatan",
                                  "owner": "counselee", "due_date": "", "status": "planned"}) as response:
            if response.status_code != 302:
                response.failure(f"write answered {response.status_code}")


@events.request.add_listener
def _remember(request_type, name, response_time, response_length, exception=None, start_time=None, **_kw):
    _requests.append((start_time or time.time() - response_time / 1000, name, response_time, exception is not None))


@events.test_start.add_listener
def _started(**_kwargs) -> None:
    _marks["start"], _marks["load_start"] = time.time(), os.getloadavg()[0]


@events.spawning_complete.add_listener
def _spawned(user_count, **_kwargs) -> None:
    _marks["spawned"] = time.time()


def _percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile of every request (locust's own figures are rounded into buckets)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered), max(1, math.ceil(q * len(ordered)))) - 1]


def _table(title: str, rows: list[tuple[float, str, float, bool]]) -> None:
    print(f"\n{title}")
    print(f"{'endpoint':28} {'requests':>8} {'p50':>6} {'p95':>6} {'p99':>6} {'max':>6} {'errors':>7}")
    names = sorted({r[1] for r in rows})
    for name in [*names, "ALL"]:
        picked = [r for r in rows if name in (r[1], "ALL")]
        times = [r[2] for r in picked]
        errors = sum(r[3] for r in picked) / len(picked) if picked else 0.0
        print(f"{name:28} {len(picked):8d} {_percentile(times, .5):6.0f} {_percentile(times, .95):6.0f} "
              f"{_percentile(times, .99):6.0f} {max(times, default=0):6.0f} {errors:7.2%}")


@events.quitting.add_listener
def print_percentiles(environment, **_kwargs) -> None:
    end = time.time()
    duration = end - _marks.get("start", end)
    logins = [r for r in _requests if r[1] == "login"]
    # Steady state: after every user was spawned and the last login was answered.
    spawned = max([_marks.get("spawned", end), *(r[0] + r[2] / 1000 for r in logins)]) if _marks.get("spawned") \
        else None
    print(f"\nrun: {duration:.0f} s, {len(_requests)} requests ({len(_requests) / max(duration, 1):.1f}/s); "
          f"load average (1 min) at start {_marks.get('load_start', float('nan')):.2f}, at end "
          f"{os.getloadavg()[0]:.2f}, on {os.cpu_count()} cores")
    _table("whole run, login ramp included (ms)", _requests)
    if spawned is not None:
        steady = [r for r in _requests if r[0] >= spawned]
        _table(f"steady state: requests started after the last login was answered ({end - spawned:.0f} s, ms)",
               steady)
    writes = [r for r in _requests if r[1] == "write: action step"]
    print(f"\nwrites answered 302: {sum(not r[3] for r in writes)} of {len(writes)} "
          "(compare with bench/load/check.py's action-step count before and after)")
