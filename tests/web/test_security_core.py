"""Encryption at rest, the audit chain, login throttling and headers."""


import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse

from jalin.audit.models import AppendOnlyError, AuditEvent
from jalin.audit.services import verify_chain
from jalin.cases.models import Case, Counselee
from tests import factories
from tests.web.test_audit_keyed import as_table_owner

pytestmark = pytest.mark.django_db

SECRET = "Rahasia-konseli-XYZ-123"


def _raw_dump() -> str:
    """Everything in the database as text, read without the ORM."""
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            chunks.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(chunks)


def test_no_plaintext_in_the_database(owner):
    counselee = factories.make_counselee(owner, name=SECRET)
    case = factories.make_case(owner, counselee, description=SECRET)
    factories.add_session(case, owner)
    dump = _raw_dump()
    assert SECRET not in dump and "catatan awal rahasia" not in dump
    assert "jenc1:" in dump
    assert Counselee.objects.get(pk=counselee.pk).name == SECRET  # and it reads back


def test_no_plaintext_in_the_sqlite_file(owner, transactional_db):
    if connection.vendor != "sqlite":
        pytest.skip("file check is for SQLite")
    factories.make_case(owner, factories.make_counselee(owner, name=SECRET))
    name = connection.settings_dict["NAME"]
    if name == ":memory:" or "mode=memory" in str(name):
        pytest.skip("in-memory test database")
    with open(name, "rb") as fh:
        assert SECRET.encode() not in fh.read()


def test_ciphertext_moved_to_another_column_does_not_decrypt(owner):
    from jalin.core.crypto import DecryptionError

    case = factories.make_case(owner, description=SECRET)
    with connection.cursor() as cursor:
        cursor.execute("SELECT description FROM cases_case WHERE id=%s", [case.pk])
        sealed = cursor.fetchone()[0]
        cursor.execute("UPDATE cases_case SET conclusions=%s WHERE id=%s", [sealed, case.pk])
    with pytest.raises(DecryptionError):
        Case.objects.get(pk=case.pk)


def test_key_rotation_reencrypts_and_keeps_data(owner, settings, tmp_path):
    from jalin.core import keys
    from jalin.core.crypto import keyring, new_key, write_key_file

    settings.ENCRYPTION_KEY_FILE = tmp_path / "keys.json"
    settings.ENCRYPTION_KEYS = []
    write_key_file(settings.ENCRYPTION_KEY_FILE, [new_key()])
    keyring.load()
    case = factories.make_case(owner, description=SECRET)
    old = keyring.primary_id
    keys.rotate()
    assert keyring.primary_id != old
    assert set(keys._raw_key_ids()) == {keyring.primary_id}
    assert Case.objects.get(pk=case.pk).description == SECRET
    keys.retire()
    assert len(__import__("json").loads(settings.ENCRYPTION_KEY_FILE.read_text())["keys"]) == 1
    assert Case.objects.get(pk=case.pk).description == SECRET


def test_audit_records_reads_without_content(client, owner, case):
    client.force_login(owner)
    client.get(reverse("case_detail", args=[case.pk]))
    event = AuditEvent.objects.filter(action="case.view").last()
    assert event.actor == owner and event.case_id == case.pk and event.address == "127.0.0.1"
    assert "Budi" not in repr(AuditEvent.objects.values_list("detail", "object_id"))


def test_audit_chain_detects_tampering(client, owner, case):
    client.force_login(owner)
    client.get(reverse("case_detail", args=[case.pk]))
    assert verify_chain().ok
    event = AuditEvent.objects.order_by("seq")[1]
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with as_table_owner() as cursor:  # on PostgreSQL a trigger refuses this unless disabled by the owner
        cursor.execute("UPDATE audit_auditevent SET action='case.list' WHERE seq=%s", [event.seq])
    report = verify_chain()
    assert not report.ok and report.first_bad_seq == event.seq


def test_audit_chain_detects_deletion_at_the_end(owner, case):
    last = AuditEvent.objects.order_by("-seq").first()
    with as_table_owner() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE seq=%s", [last.seq])
    assert not verify_chain().ok


def test_login_is_throttled(client, owner):
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "owner", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "owner", "password": factories.PASSWORD})
    assert response.status_code == 200 and "_auth_user_id" not in client.session


def test_security_headers_and_csp(client, owner, case):
    client.force_login(owner)
    response = client.get(reverse("case_detail", args=[case.pk]))
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY" and response["Cache-Control"] == "no-store"
    assert " style=" not in response.content.decode() and "<script>" not in response.content.decode()


def test_inactivity_logs_out(client, owner, settings):
    import time

    client.force_login(owner)
    assert client.get(reverse("dashboard")).status_code == 200
    session = client.session
    session["jalin_last_seen"] = int(time.time()) - settings.SESSION_INACTIVITY_SECONDS - 5
    session.save()
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_default_password_hasher_is_strong():
    import jalin.settings as jalin_settings

    assert jalin_settings.PASSWORD_HASHERS[0] == "jalin.accounts.hashers.Argon2idHasher"
    assert "PBKDF2" in jalin_settings.PASSWORD_HASHERS[1]  # older passwords still work (and are upgraded)
