"""Measures in a case: giving a measure, the one-time link lifecycle, alerts and access."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from jalin.measures import services
from jalin.measures.models import Administration, Alert, MeasureLink

pytestmark = pytest.mark.django_db

PHQ9_MILD = {f"item_{i}": "1" for i in range(1, 10)} | {"item_9": "0"}


def _link(case, owner, **kw):
    return services.create_link(case, actor=owner, instrument_code="phq9", lang=kw.pop("lang", "id"), **kw)


def test_give_in_session_scores_and_stores_encrypted(client, owner, case):
    client.force_login(owner)
    url = reverse("measure_give", args=[case.pk]) + "?instrument=phq9&language=id"
    assert client.post(url, PHQ9_MILD).status_code == 302
    administration = Administration.objects.get()
    assert administration.result["total"] == 8 and administration.result["band"]["id"] == "mild"
    from django.db import connection
    with connection.cursor() as cursor:
        cursor.execute("SELECT result, answers FROM measures_administration")
        raw = " ".join(cursor.fetchone())
    assert "mild" not in raw and "jenc1:" in raw


def test_incomplete_answers_name_the_items_and_store_nothing(client, owner, case):
    client.force_login(owner)
    url = reverse("measure_give", args=[case.pk]) + "?instrument=phq9&language=en"
    response = client.post(url, {"item_1": "1", "item_2": "7"})
    form = response.context["form"]
    assert "item_2" in form.errors and "item_9" in form.errors
    assert not Administration.objects.exists() and not Alert.objects.exists()


def test_item_nine_raises_a_critical_alert_at_once(owner, case):
    answers = {str(i): 0 for i in range(1, 10)} | {"9": 1}
    services.record_administration(case, instrument_code="phq9", lang="id", answers=answers, actor=owner)
    alert = Alert.objects.get(case=case)
    assert alert.severity == "critical" and alert.acknowledged_at is None
    assert "9" in alert.reason_en


@pytest.mark.parametrize("rise,alerts", [(5, 0), (6, 1)])
def test_reliable_deterioration_boundary(owner, case, rise, alerts):
    first = {str(i): 0 for i in range(1, 10)}
    second = dict(first)
    for i in range(1, rise + 1):
        second[str((i - 1) % 8 + 1)] = second[str((i - 1) % 8 + 1)] + 1
    services.record_administration(case, instrument_code="phq9", lang="id", answers=first, actor=owner)
    services.record_administration(case, instrument_code="phq9", lang="id", answers=second, actor=owner)
    assert Alert.objects.filter(case=case, severity__in=["warning", "critical"]).exclude(
        code__startswith="critical").count() == alerts


def test_alert_stays_until_acknowledged_with_a_note(client, owner, case):
    services.record_administration(case, instrument_code="phq9", lang="id",
                                   answers={str(i): 0 for i in range(1, 9)} | {"9": 2}, actor=owner)
    alert = Alert.objects.get()
    client.force_login(owner)
    assert f'data-alert="{alert.code}"' in client.get(reverse("dashboard")).content.decode() or \
        alert.case.code in client.get(reverse("dashboard")).content.decode()
    client.post(reverse("alert_acknowledge", args=[case.pk, alert.pk]), {"note": ""})
    assert Alert.objects.get().acknowledged_at is None
    client.post(reverse("alert_acknowledge", args=[case.pk, alert.pk]), {"note": "Sudah ditelepon, aman"})
    alert.refresh_from_db()
    assert alert.acknowledged_at and alert.acknowledged_by == owner and alert.acknowledgement


def test_link_lifecycle(client, owner, case):
    link, token = _link(case, owner, lang="en")
    url = reverse("measure_link", args=[token])
    page = client.get(url)
    body = page.content.decode()
    assert page.status_code == 200 and "Budi" not in body and case.code not in body
    assert "Little interest" in body or "interest" in body.lower()  # English wording for an English link
    assert client.post(url, {"item_1": "1"}).status_code == 200  # incomplete: shown again, nothing stored
    assert not Administration.objects.exists()
    assert client.post(url, PHQ9_MILD).status_code == 200
    assert Administration.objects.get().mode == "link"
    again = client.post(url, PHQ9_MILD)
    assert again.status_code == 410 and Administration.objects.count() == 1
    link.refresh_from_db()
    assert link.used_at is not None and len(link.token_hash) == 64 and token not in link.token_hash


def test_expired_and_unknown_links_say_so(client, owner, case):
    link, token = _link(case, owner)
    MeasureLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    expired = client.get(reverse("measure_link", args=[token]))
    assert expired.status_code == 410 and "kedaluwarsa" in expired.content.decode().lower() or \
        "expired" in expired.content.decode().lower()
    assert client.get(reverse("measure_link", args=["not-a-token"])).status_code == 404


def test_link_validity_is_bounded(owner, case):
    from jalin.cases.services import ServiceError
    with pytest.raises(ServiceError):
        _link(case, owner, hours=24 * 30)
    assert not MeasureLink.objects.exists()


@pytest.mark.parametrize("who", ["colleague", "outsider", "supervisor", "admin_user"])
def test_measures_follow_case_access(client, request, owner, case, who):
    services.record_administration(case, instrument_code="gad7", lang="id", answers=[0] * 7, actor=owner)
    administration = Administration.objects.get()
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("measure_give", args=[case.pk]) + "?instrument=gad7&language=id").status_code == 404
    assert client.get(reverse("measure_fhir", args=[case.pk, administration.pk])).status_code == 404
    assert client.post(reverse("measure_send_link", args=[case.pk]),
                       {"instrument": "gad7", "language": "id"}).status_code == 404
    assert not MeasureLink.objects.exists()


def test_fhir_export(client, owner, case):
    services.record_administration(case, instrument_code="gad7", lang="en", answers=[1] * 7, actor=owner)
    client.force_login(owner)
    response = client.get(reverse("measure_fhir", args=[case.pk, Administration.objects.get().pk]))
    data = response.json()
    assert data["resourceType"] == "QuestionnaireResponse" and "69737-5" in data["questionnaire"]
    assert len(data["item"]) == 8  # seven items and the LOINC total score


def test_case_page_shows_chart_with_bands(client, owner, case):
    for answers in ([2] * 7, [1] * 7):
        services.record_administration(case, instrument_code="gad7", lang="id", answers=answers, actor=owner)
    client.force_login(owner)
    body = client.get(reverse("case_detail", args=[case.pk])).content.decode()
    assert '<svg class="chart"' in body and body.count("<circle") >= 2
