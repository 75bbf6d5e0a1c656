"""Subject export (JSON and HTML, never the restricted note), processing history, and erasure."""

import json
import re

import pytest
from django.db import connection
from django.urls import reverse

from jalin.audit.models import AuditEvent
from jalin.audit.services import verify_chain
from jalin.cases import services as case_services
from jalin.cases.models import Case, Counselee, CounselingSession
from jalin.cases.services import ServiceError
from jalin.core.crypto import encrypted_fields, keyring
from jalin.measures import services as measures
from jalin.privacy import services
from jalin.privacy.export import build_export
from tests import factories
from tests.privacy.helpers import give, request

pytestmark = pytest.mark.django_db

NAME = "Sekar Ayuningtyas"
RESTRICTED = "Catatan-terbatas-RHS-778"
DESCRIPTION = "Deskripsi-kasus-DSK-991"
SESSION_NOTE = "catatan awal rahasia"
ANSWER_TEXT = "Jawaban-terbuka-JWB-313"


@pytest.fixture
def full_case(owner):
    counselee = factories.make_counselee(owner, name=NAME)
    case = factories.make_case(owner, counselee, description=DESCRIPTION)
    case_services.update_case(case, actor=owner, data={"restricted_note": RESTRICTED}, expected_version=None)
    factories.add_session(case, owner)
    factories.add_contract(case, owner)
    measures.record_administration(case, instrument_code="phq9", lang="id", actor=owner,
                                   answers={str(i): 3 for i in range(1, 10)})
    give(counselee, owner, "processing")
    return Case.objects.get(pk=case.pk)


def test_json_export_has_everything_but_the_restricted_note(client, owner, full_case):
    client.force_login(owner)
    response = client.get(reverse("privacy_export", args=[full_case.counselee.pk, "json"]))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode()
    data = json.loads(text)
    assert data["identity"]["name"] == NAME
    assert data["cases"][0]["description"] == DESCRIPTION
    assert "restricted_note" not in data["cases"][0]
    assert RESTRICTED not in text
    assert SESSION_NOTE in text
    assert {"cases.counselingsession", "cases.contractversion", "measures.administration"} <= set(data["records"])
    assert data["consents"][0]["kind"] == "processing"
    actions = {e["action"] for e in data["processing_history"]}
    assert {"counselee.create", "case.create", "session.create"} <= actions
    assert all(set(e) == {"seq", "at", "who", "action", "object_type", "object_id", "case_id"}
               for e in data["processing_history"])


def test_html_export_is_readable_and_has_no_restricted_note(client, owner, full_case):
    client.force_login(owner)
    response = client.get(reverse("privacy_export", args=[full_case.counselee.pk, "html"]) + "?download=1")
    html = response.content.decode()
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    assert NAME in html and DESCRIPTION in html and SESSION_NOTE in html
    assert RESTRICTED not in html
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)  # CSP: no inline script
    assert ' style="' not in html and " onclick=" not in html


def test_export_is_audited_with_ids_only(client, owner, full_case):
    client.force_login(owner)
    client.get(reverse("privacy_export", args=[full_case.counselee.pk, "json"]))
    event = AuditEvent.objects.filter(action="privacy.export").get()
    assert event.counselee_id == full_case.counselee_id and NAME not in json.dumps(event.detail)


def test_export_leaves_out_cases_of_other_counselors(owner, colleague, full_case):
    other = factories.make_case(colleague, full_case.counselee, description="kasus rekan")
    data = build_export(full_case.counselee, user=owner)
    assert [c["id"] for c in data["cases"]] == [full_case.pk]
    assert data["cases_held_by_other_counselors"] == 1
    assert "kasus rekan" not in json.dumps(data)
    assert other.pk not in [c["id"] for c in data["cases"]]


def test_processing_history_page(client, owner, colleague, full_case):
    client.force_login(owner)
    page = client.get(reverse("privacy_history", args=[full_case.counselee.pk])).content.decode()
    assert "session.create" in page and "owner" in page
    client.force_login(colleague)
    assert client.get(reverse("privacy_history", args=[full_case.counselee.pk])).status_code == 404


def _decrypted_content() -> str:
    """Every encrypted column of every row, read raw from the tables and decrypted, plus all plain rows."""
    chunks = []
    with connection.cursor() as cursor:
        for model, names in encrypted_fields():
            columns = [model._meta.get_field(n) for n in names]
            cursor.execute("SELECT {} FROM {}".format(", ".join(connection.ops.quote_name(c.column)
                                                                 for c in columns),
                                                      connection.ops.quote_name(model._meta.db_table)))
            for row in cursor.fetchall():
                for field, value in zip(columns, row, strict=True):
                    if value:
                        chunks.append(keyring.decrypt(value, field.aad))
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            chunks.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(chunks)


SECRETS = [NAME, "Sekar", DESCRIPTION, RESTRICTED, SESSION_NOTE, "0800-1111", "Wali Contoh", "X IPA 1",
           "mendengar"]


@pytest.mark.parametrize("mode", ["delete", "anonymise"])
def test_erasure_leaves_no_counselee_content_in_the_raw_database(owner, full_case, mode):
    assert NAME in _decrypted_content()  # the check can see content when it is there
    dsr = request(full_case.counselee, owner, kind="erasure", details=f"hapus data {NAME}")
    services.erase_counselee(dsr, actor=owner, mode=mode)
    content = _decrypted_content()
    for secret in SECRETS:
        assert secret not in content, secret
    counselee = Counselee.objects.get(pk=full_case.counselee_id)
    assert counselee.anonymised_at is not None and counselee.name == f"[{counselee.code}]"
    assert Case.objects.filter(pk=full_case.pk).exists() is (mode == "anonymise")
    if mode == "anonymise":
        assert CounselingSession.objects.filter(case=full_case).count() == 1
        assert full_case.administrations.get().result["total"] == 27
    assert verify_chain().ok
    erase_event = AuditEvent.objects.get(action="dsr.erase")
    assert set(erase_event.detail) == {"mode", "cases", "transcripts"}


def test_erasure_is_one_transaction(owner, full_case, monkeypatch):
    dsr = request(full_case.counselee, owner, kind="erasure")

    def boom(*args, **kwargs):
        raise RuntimeError("crash in the middle of the erasure")

    monkeypatch.setattr(services, "_empty_encrypted", boom)  # after the results were stripped
    with pytest.raises(RuntimeError):
        services.erase_counselee(dsr, actor=owner, mode="anonymise")
    assert Case.objects.get(pk=full_case.pk).description == DESCRIPTION
    assert Counselee.objects.get(pk=full_case.counselee_id).name == NAME
    assert not AuditEvent.objects.filter(action="dsr.erase").exists()
    assert verify_chain().ok


def test_erasure_refused_when_another_counselor_holds_a_case(owner, colleague, full_case):
    factories.make_case(colleague, full_case.counselee)
    dsr = request(full_case.counselee, owner, kind="erasure")
    with pytest.raises(ServiceError):
        services.erase_counselee(dsr, actor=owner, mode="delete")
    assert Counselee.objects.get(pk=full_case.counselee_id).name == NAME


def test_erasure_through_the_web(client, owner, full_case):
    dsr = request(full_case.counselee, owner, kind="erasure")
    client.force_login(owner)
    response = client.post(reverse("privacy_request_erase", args=[dsr.pk]), {"mode": "delete"})
    assert response.status_code == 200 and "confirm" in response.context["form"].errors
    response = client.post(reverse("privacy_request_erase", args=[dsr.pk]), {"mode": "delete", "confirm": "on"})
    assert response.status_code == 302
    assert not Case.objects.exists()
    dsr.refresh_from_db()
    assert dsr.status == "completed"
