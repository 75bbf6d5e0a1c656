"""Speed of the REST API in-process (Django test client, no network): per-request time for token
authentication alone (GET /me), a page of 50 cases, one case, and recording a session (a write with its
audit event), on a fresh SQLite (or DATABASE_URL) database with --cases cases.

    python bench/bench_api.py [--cases 500] [--repeat 200]

Prints the median and 95th percentile in milliseconds. Not a load test (see bench/load/ for locust).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from _api_setup import setup_api_bench


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    setup_api_bench("jalin-bench-api-")
    from django.db import connection
    from django.test import Client

    from jalin.api import tokens
    from tests import factories

    org = factories.make_org("Bench")
    owner = factories.make_user(f"bench{time.time_ns()}", org=org)
    counselee = factories.make_counselee(owner)
    cases = [factories.make_case(owner, counselee) for _ in range(args.cases)]
    secret = tokens.create_token(actor=owner, name="bench", scopes=["read", "write"], days=1).secret
    client = Client(headers={"Authorization": f"Bearer {secret}"})

    def timed(label, call):
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            response = call()
            times.append((time.perf_counter() - start) * 1000)
            assert response.status_code < 300, (label, response.status_code, response.content[:200])
        times.sort()
        print(f"{label:<42} median {statistics.median(times):6.2f} ms   p95 {times[int(len(times) * 0.95)]:6.2f} ms")

    print(f"database: {connection.vendor}, {args.cases} cases, {args.repeat} requests each")
    timed("GET /api/v1/me (auth only)", lambda: client.get("/api/v1/me"))
    timed("GET /api/v1/cases (page of 50)", lambda: client.get("/api/v1/cases", {"limit": 50}))
    timed("GET /api/v1/cases/{id}", lambda: client.get(f"/api/v1/cases/{cases[0].pk}"))
    timed("POST /api/v1/cases/{id}/sessions (write)", lambda: client.post(
        f"/api/v1/cases/{cases[1].pk}/sessions", {"start_time": "09:00", "notes_awal": "catatan"},
        content_type="application/json"))


if __name__ == "__main__":
    main()
