"""Speed of the API's transcript, appointment and measure routes in-process (Django test client, no network):
the upload answer (store encrypted + queue: the 202 a client waits for), polling a queued job, reading a done
job with its analysis, a page of 50 appointments and a page of 50 measures, on a fresh SQLite (or
DATABASE_URL) database.

    python bench/bench_api_resources.py [--repeat 100] [--utterances 200]

Prints the median and 95th percentile in milliseconds. The analysis itself runs in the worker and is
measured by bench/ scripts of the engine, not here.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from _api_setup import setup_api_bench


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=100)
    parser.add_argument("--utterances", type=int, default=200, help="lines in the uploaded transcript")
    args = parser.parse_args()
    setup_api_bench("jalin-bench-api-res-")
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from jalin.api import tokens
    from jalin.cases import services as case_services
    from jalin.cases.models import Appointment
    from jalin.core.task_worker import run_pending
    from jalin.measures import services as measure_services
    from tests import factories
    from tests.practice.conftest import give_recording_consent

    org = factories.make_org("Bench")
    owner = factories.make_user(f"bench{time.time_ns()}", org=org)
    case = factories.make_case(owner)
    session = factories.add_session(case, owner)
    give_recording_consent(case.counselee, owner)
    for day in range(60):
        case_services.save_appointment(Appointment(case=case, starts_at=timezone.now() + timedelta(days=day + 1)),
                                       actor=owner)
        measure_services.record_administration(case, instrument_code="phq9", lang="id", actor=owner,
                                               answers={str(i): day % 4 for i in range(1, 10)})
    secret = tokens.create_token(actor=owner, name="bench", scopes=["read", "write", "transcripts"], days=1).secret
    client = Client(headers={"Authorization": f"Bearer {secret}"})
    lines = ["Konselor: Apa yang ingin kamu ceritakan hari ini?", "Konseli: Saya bingung bu, nilai saya turun."]
    text = "\n".join(lines[i % 2] for i in range(args.utterances)).encode()

    def upload():
        return client.post(f"/api/v1/sessions/{session.pk}/transcripts",
                           {"file": SimpleUploadedFile("sesi.txt", text, "text/plain")})

    def timed(label, call, expect=200):
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            response = call()
            times.append((time.perf_counter() - start) * 1000)
            assert response.status_code == expect, (label, response.status_code, response.content[:200])
        times.sort()
        print(f"{label:<52} median {statistics.median(times):7.2f} ms   p95 {times[int(len(times) * 0.95)]:7.2f} ms")

    print(f"database: {connection.vendor}; transcript of {args.utterances} lines ({len(text)} bytes); "
          f"{args.repeat} requests each")
    timed("POST /sessions/{id}/transcripts (202: store + queue)", upload, 202)
    queued = upload().json()["job"]["id"]
    timed("GET /analysis-jobs/{id} (queued: status only)", lambda: client.get(f"/api/v1/analysis-jobs/{queued}"))
    done = upload().json()["job"]["id"]
    while client.get(f"/api/v1/analysis-jobs/{done}").json()["status"] != "done":
        run_pending()
    timed("GET /analysis-jobs/{id} (done: with the analysis)", lambda: client.get(f"/api/v1/analysis-jobs/{done}"))
    timed("GET /cases/{id}/appointments (page of 50)",
          lambda: client.get(f"/api/v1/cases/{case.pk}/appointments"))
    timed("GET /cases/{id}/measures (page of 50)", lambda: client.get(f"/api/v1/cases/{case.pk}/measures"))


if __name__ == "__main__":
    main()
