"""The keyed audit chain, its checkpoints outside the database and the PostgreSQL append-only trigger
(security review #14, item 5)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from jalin.audit.models import AuditEvent, AuditHead
from jalin.audit.services import checkpoint, mark_keyed, record, verify_anchors, verify_chain
from jalin.core.crypto import keyring
from tests import factories

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def as_table_owner():
    """A cursor that can change audit rows the way an attacker holding the table owner's rights could:
    on PostgreSQL triggers are switched off for the test's transaction (superuser; rolled back after)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        yield cursor
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = DEFAULT")


def _events(owner, case, client, n=6):
    client.force_login(owner)
    for _ in range(n):
        client.get(reverse("case_detail", args=[case.pk]))


def _sha256_rechain(cursor, *, relabel_keyed_as_unkeyed: bool) -> None:
    """What a database writer without the audit key can do: recompute every hash with plain SHA-256."""
    from jalin.audit import services

    prev = services.GENESIS
    for event in AuditEvent.objects.order_by("seq"):
        if relabel_keyed_as_unkeyed:
            event.chain = services.UNKEYED
        message = (prev + services._canonical(event)).encode()
        digest = hashlib.sha256(message).hexdigest()
        cursor.execute("UPDATE audit_auditevent SET prev_hash=%s, hash=%s, chain=%s WHERE id=%s",
                       [prev, digest, event.chain, event.pk])
        prev = digest
    count = AuditEvent.objects.count()
    cursor.execute("UPDATE audit_audithead SET last_seq=%s, last_hash=%s WHERE id=1", [count, prev])


def test_new_events_are_keyed_and_verify_reports_head_and_count(owner, case, client):
    _events(owner, case, client)
    report = verify_chain()
    assert report.ok and report.keyed and report.unkeyed == 0
    last = AuditEvent.objects.order_by("-seq").first()
    assert report.checked == AuditEvent.objects.count() and report.head_hash == last.hash
    assert set(AuditEvent.objects.values_list("chain", flat=True)) == {2}


@pytest.mark.parametrize("relabel", [True, False], ids=["rechained-as-sha256", "sha256-under-keyed-label"])
def test_deleting_events_and_rechaining_with_sha256_is_detected(owner, case, client, relabel):
    _events(owner, case, client)
    victims = list(AuditEvent.objects.filter(action="case.view").order_by("seq").values_list("seq", flat=True))[:3]
    with as_table_owner() as cursor:
        cursor.execute(f"DELETE FROM audit_auditevent WHERE seq IN ({','.join(map(str, victims))})")
        # renumber to close the gap, then re-hash everything
        for new_seq, pk in enumerate(AuditEvent.objects.order_by("seq").values_list("pk", flat=True), start=1):
            cursor.execute("UPDATE audit_auditevent SET seq=%s WHERE id=%s", [-new_seq, pk])
        cursor.execute("UPDATE audit_auditevent SET seq=-seq")
        _sha256_rechain(cursor, relabel_keyed_as_unkeyed=relabel)
    report = verify_chain()
    assert not report.ok, "a chain rewritten without the audit key must not verify"


def test_an_old_unkeyed_chain_still_verifies_and_is_keyed_from_then_on(request, client, monkeypatch):
    monkeypatch.setattr(type(keyring), "audit_key", property(lambda self: None))  # as before the audit key
    owner, case = request.getfixturevalue("owner"), request.getfixturevalue("case")
    _events(owner, case, client, n=3)
    legacy = verify_chain()
    assert legacy.ok and not legacy.keyed and legacy.warnings
    assert set(AuditEvent.objects.values_list("chain", flat=True)) == {1}
    monkeypatch.undo()
    report = verify_chain()  # key configured, head still unkeyed: refused until a keyed event follows
    assert not report.ok and "not keyed" in report.problem
    mark_keyed()
    report = verify_chain()
    assert report.ok and report.keyed and report.unkeyed == legacy.checked


def test_an_unkeyed_event_after_keyed_ones_is_a_rewrite(owner, case, client):
    _events(owner, case, client, n=3)
    target = AuditEvent.objects.order_by("-seq")[1]
    with as_table_owner() as cursor:
        cursor.execute("UPDATE audit_auditevent SET chain=1 WHERE id=%s", [target.pk])
    report = verify_chain()
    assert not report.ok and report.first_bad_seq == target.seq


def test_checkpoints_catch_a_truncated_tail(owner, case, client):
    _events(owner, case, client, n=4)
    anchor = json.dumps(checkpoint())
    assert verify_anchors([anchor]) == (1, "")
    last = AuditEvent.objects.order_by("-seq").first()
    with as_table_owner() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE seq=%s", [last.seq])
        previous = AuditEvent.objects.order_by("-seq").first()
        cursor.execute("UPDATE audit_audithead SET last_seq=%s, last_hash=%s WHERE id=1",
                       [previous.seq, previous.hash])
    assert verify_chain().ok  # the chain alone cannot tell a shortened history from a shorter one
    checked, problem = verify_anchors([anchor])
    assert checked == 0 and "truncated" in problem


def test_a_forged_checkpoint_is_refused(owner, case, client):
    _events(owner, case, client, n=2)
    anchor = checkpoint()
    anchor["seq"] = 1
    checked, problem = verify_anchors([json.dumps(anchor)])
    assert checked == 0 and "signature" in problem
    assert "not a Jalin checkpoint" in verify_anchors(["{nonsense"])[1]


@pytest.mark.skipif(os.environ.get("DATABASE_URL", "").startswith("postgres") is False,
                    reason="the append-only trigger is PostgreSQL's")
def test_postgresql_refuses_update_and_delete_of_audit_rows(owner, case, client):
    _events(owner, case, client, n=2)
    event = AuditEvent.objects.order_by("seq").first()
    for sql in ("UPDATE audit_auditevent SET action='x' WHERE id=%s", "DELETE FROM audit_auditevent WHERE id=%s"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [event.pk])
    # an account deleted later only loses its link: the event and its hash stay
    leaver = factories.make_user("leaver", org=owner.organisation)
    record("account.test", actor=leaver)
    leaver.delete()
    assert AuditEvent.objects.get(action="account.test").actor_id is None
    assert verify_chain().ok


def test_erasure_leaves_the_keyed_chain_intact(owner, case):
    from jalin.privacy import services
    from tests.privacy.helpers import request

    dsr = request(case.counselee, owner, kind="erasure")
    services.erase_counselee(dsr, actor=owner, mode="delete")
    assert verify_chain().ok and AuditHead.objects.get().last_seq == AuditEvent.objects.count()


def test_cli_anchor_and_verify(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}}
    env.update(JALIN_DATA_DIR=str(tmp_path / "data"))

    def jalin(*args):
        return subprocess.run([sys.executable, "-m", "jalin", *args], capture_output=True, text=True, env=env,
                              cwd=ROOT, timeout=300, check=False)

    assert jalin("migrate", "-v", "0").returncode == 0
    assert jalin("keys", "create").returncode == 0  # writes an audited, keyed event
    anchors = tmp_path / "anchors.log"
    made = jalin("audit", "anchor", "--out", str(anchors))
    assert made.returncode == 0, made.stderr
    assert oct(anchors.stat().st_mode)[-3:] == "600"
    verified = jalin("audit", "verify", "--anchors", str(anchors))
    assert verified.returncode == 0, verified.stderr
    head = json.loads(anchors.read_text().splitlines()[0])
    assert f"head {head['hash']}" in verified.stdout and "1 checkpoints" in verified.stdout
    assert "audit chain intact: " in verified.stdout and " events" in verified.stdout
    nowhere = jalin("audit", "anchor")
    assert nowhere.returncode != 0 and "--out" in nowhere.stderr
