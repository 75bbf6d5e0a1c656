"""A counselor uploads a WhatsApp chat export on a session, confirms who is the counselor, and sees the
analysis with the confirmed roles (issue #17)."""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path

import pytest

from tests import factories

from .conftest import login, shot
from .test_practice_flow import _consent, worker  # noqa: F401 - the worker fixture is used by name

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHAT = Path(__file__).resolve().parents[1] / "analysis" / "data" / "exports" / "whatsapp_android_id.txt"


def _export_zip(tmp_path: Path) -> Path:
    path = tmp_path / "WhatsApp Chat dengan Rara.zip"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("WhatsApp Chat dengan Rara.txt", CHAT.read_bytes())
    path.write_bytes(buffer.getvalue())
    return path


def test_whatsapp_upload_confirm_counselor_and_see_analysis(live_server, new_page, owner, worker, tmp_path):  # noqa: F811
    from jalin.practice.models import AnalysisJob, CaseSpeakerRoles

    case = factories.make_case(owner)
    session = factories.add_session(case, owner)
    _consent(case.counselee, owner)
    base = live_server.url

    page = new_page()
    login(page, base, owner)
    page.goto(f"{base}/sessions/{session.pk}/")
    upload = page.locator(f"form[action='/sessions/{session.pk}/transcript/']")
    upload.locator("input[name=file]").set_input_files(str(_export_zip(tmp_path)))
    upload.locator("button[type=submit]").click()

    # the page says the roles were guessed and shows each speaker with their first lines
    speakers = page.locator("#speakers")
    speakers.wait_for(timeout=30_000)
    assert "guessed" in (speakers.get_attribute("class") or "")
    rows = speakers.locator("tbody tr")
    assert rows.count() == 2
    assert "Kak Dina" in rows.nth(0).inner_text() and "Halo Rara" in rows.nth(0).inner_text()
    assert rows.nth(0).locator("select").input_value() == "counselor"
    shot(page, "whatsapp-speakers")

    # the counselor confirms the guess (Kak Dina is the counselor)
    speakers.locator("button[type=submit]").click()
    page.wait_for_selector(".messages, #speakers", timeout=30_000)
    # wait for the analysis queued by the confirmation (not the first one), then look at the page
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        latest = AnalysisJob.objects.filter(transcript__session=session).order_by("-pk").first()
        if latest.requested_by_id == owner.pk and AnalysisJob.objects.filter(
                transcript__session=session).count() == 2 and not latest.is_active:
            break
        time.sleep(0.5)
    page.goto(f"{base}/sessions/{session.pk}/")
    page.wait_for_selector("ol.transcript li.utt, #job-status .error", timeout=60_000)
    failed = page.locator("#job-status .error")
    assert failed.count() == 0, f"the analysis failed: {failed.first.inner_text()}"
    page.wait_for_selector("ol.transcript li.utt.counselor", timeout=60_000)
    first = page.locator("ol.transcript li.utt").first
    assert "Kak Dina" in first.locator(".who").inner_text()
    assert "counselor" in (first.get_attribute("class") or "")
    assert page.locator("#speakers.guessed").count() == 0  # confirmed: no longer a guess
    shot(page, "whatsapp-analysis")

    assert CaseSpeakerRoles.objects.get(case=case).roles == {"Kak Dina": "counselor", "Rara": "counselee"}
    latest = AnalysisJob.objects.filter(transcript__session=session).order_by("-pk").first()
    assert latest.status == AnalysisJob.Status.DONE
