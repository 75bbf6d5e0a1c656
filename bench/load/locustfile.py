"""Load test: counselors with 1–5 s think time, ~20 % writes, against a site seeded with
``jalin manage seed_volume`` (see README.md beside this file). At the end it prints, per endpoint,
requests, p50/p95/p99 (ms) and the error rate. Queries per page are asserted in
tests/web/test_query_counts.py, not here.

    locust -f bench/load/locustfile.py --headless -u 50 -r 5 -t 5m -H http://127.0.0.1:8000
"""

from __future__ import annotations

import itertools
import os
import random
import re

from locust import HttpUser, between, events, task

PREFIX = os.environ.get("JALIN_LOAD_PREFIX", "muat")
COUNSELORS = int(os.environ.get("JALIN_LOAD_COUNSELORS", "50"))
PASSWORD = os.environ.get("JALIN_LOAD_PASSWORD", "muatan-uji-Jalin-2026")
_numbers = itertools.cycle(range(1, COUNSELORS + 1))
_CASE = re.compile(r'href="/cases/(\d+)/"')
_SESSION = re.compile(r'href="/sessions/(\d+)/"')


class Counselor(HttpUser):
    wait_time = between(1, 5)

    def on_start(self) -> None:
        self.username = f"{PREFIX}{next(_numbers):03d}"
        self.client.get("/login/", name="login (form)")
        response = self.client.post("/login/", name="login", data={
            "username": self.username, "password": PASSWORD, "csrfmiddlewaretoken": self._csrf()},
            headers={"Referer": self.host + "/login/"})
        if "/login/" in response.url:
            response.failure(f"login of {self.username} failed")
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
                              headers={"Referer": self.host + url}, data={
                                  "csrfmiddlewaretoken": self._csrf(), "description": "Langkah uji muatan",
                                  "owner": "counselee", "due_date": "", "status": "planned"}) as response:
            if response.status_code != 302:
                response.failure(f"write answered {response.status_code}")


@events.quitting.add_listener
def print_percentiles(environment, **_kwargs) -> None:
    stats = environment.stats
    print(f"\n{'endpoint':28} {'requests':>8} {'p50':>6} {'p95':>6} {'p99':>6} {'errors':>7}")
    for entry in sorted(stats.entries.values(), key=lambda e: e.name):
        errors = entry.num_failures / entry.num_requests if entry.num_requests else 0.0
        print(f"{entry.name:28} {entry.num_requests:8d} {entry.get_response_time_percentile(0.5):6.0f} "
              f"{entry.get_response_time_percentile(0.95):6.0f} {entry.get_response_time_percentile(0.99):6.0f} "
              f"{errors:7.2%}")
    total = stats.total
    errors = total.num_failures / total.num_requests if total.num_requests else 0.0
    print(f"{'ALL':28} {total.num_requests:8d} {total.get_response_time_percentile(0.5):6.0f} "
          f"{total.get_response_time_percentile(0.95):6.0f} {total.get_response_time_percentile(0.99):6.0f} "
          f"{errors:7.2%}")
