"""The session analysis shows shares as percentages and numbers in the page's language (issue #10, item 5)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from jalin.core.task_worker import run_pending
from jalin.practice import services
from jalin.practice.models import AnalysisJob
from tests.conftest import login

from .conftest import TEXT

pytestmark = pytest.mark.django_db


def test_shares_are_percentages_in_indonesian(client, owner, consented):
    transcript = services.attach_transcript(consented, actor=owner, text=TEXT, filename="sesi.txt")
    run_pending()
    assert transcript.jobs.get().status == AnalysisJob.Status.DONE
    login(client, owner)
    client.cookies["django_language"] = "id"
    page = client.get(reverse("session_detail", args=[consented.pk])).content.decode()
    metrics = re.search(r'<dl class="facts metrics">(.*?)</dl>', page, re.DOTALL).group(1)
    values = re.findall(r"<dd>([^<]*)</dd>", metrics)
    assert any(v.endswith("%") for v in values)
    assert not any(re.fullmatch(r"0[.,]\d{3,}", v) for v in values), values  # no raw 0,6351
    assert not any(re.search(r"\d\.\d", v) for v in values), values  # no decimal point in Indonesian
