"""A write interrupted mid-transaction leaves no partial record: by an exception, or by SIGKILL."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from jalin.audit.models import AuditEvent
from jalin.audit.services import verify_chain
from jalin.cases import services
from jalin.cases.models import Case, CaseEvent, CounselingSession
from jalin.privacy import services as privacy
from jalin.privacy.models import Consent
from tests import factories

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_exception_after_the_first_row_leaves_nothing(owner, monkeypatch):
    counselee = factories.make_counselee(owner)
    events_before = AuditEvent.objects.count()

    def crash(*args, **kwargs):
        raise RuntimeError("crash after the case row was written")

    monkeypatch.setattr(services, "_event", crash)  # open_case writes the case, then its event
    with pytest.raises(RuntimeError):
        services.open_case(actor=owner, counselee=counselee, data={"area": "pribadi", "came_via": "self"})
    assert not Case.objects.exists() and not CaseEvent.objects.exists()
    assert AuditEvent.objects.count() == events_before
    assert verify_chain().ok


@pytest.mark.django_db
def test_exception_in_the_audit_write_rolls_back_the_session(owner, case, monkeypatch):
    def crash(*args, **kwargs):
        raise RuntimeError("audit store unavailable")

    version_before = Case.objects.get(pk=case.pk).version
    monkeypatch.setattr(services, "record", crash)
    with pytest.raises(RuntimeError):
        factories.add_session(case, owner)
    assert not CounselingSession.objects.exists()
    assert Case.objects.get(pk=case.pk).version == version_before


@pytest.mark.django_db
def test_withdrawal_interrupted_keeps_the_consent_standing(owner, case, monkeypatch):
    from django.utils import timezone

    consent = privacy.record_consent(case.counselee, actor=owner, data={
        "kind": "processing", "given_on": timezone.localdate(), "method": "verbal"})

    def crash(*args, **kwargs):
        raise RuntimeError("crash")

    monkeypatch.setattr(privacy, "record", crash)
    with pytest.raises(RuntimeError):
        privacy.withdraw_consent(consent, actor=owner, withdrawn_on=timezone.localdate(), reason="x")
    assert Consent.objects.get(pk=consent.pk).withdrawn_on is None


CHILD = textwrap.dedent("""
    import sys, time
    import django
    django.setup()
    from django.db import transaction
    from jalin.accounts.models import Organisation, User
    from jalin.cases import services
    org = Organisation.objects.create(name="Org", require_admin_2fa=False)
    user = User.objects.create(username="killed", organisation=org)
    with transaction.atomic():
        for n in range(5):
            counselee = services.create_counselee(actor=user, data={"name": f"Nama {n}"})
            services.open_case(actor=user, counselee=counselee, data={"area": "pribadi", "came_via": "self"})
        print("MIDDLE", flush=True)
        time.sleep(60)  # killed here, with five counselees and five cases written but not committed
""")


def test_sigkill_in_the_middle_of_a_multi_row_write(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "JALIN_DATA_DIR"}}
    env.update(JALIN_DATA_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="jalin.settings", PYTHONPATH=str(ROOT))
    subprocess.run([sys.executable, "-m", "jalin", "manage", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True,
                   timeout=300)
    child = subprocess.Popen([sys.executable, "-c", CHILD], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    try:
        line = child.stdout.readline()
        assert line.strip() == "MIDDLE", child.stderr.read()
        time.sleep(0.2)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    database = sqlite3.connect(tmp_path / "jalin.sqlite3")
    try:
        assert database.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert database.execute("SELECT COUNT(*) FROM accounts_user WHERE username='killed'").fetchone()[0] == 1
        for table in ("cases_counselee", "cases_case", "cases_caseevent", "audit_auditevent"):
            assert database.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] == 0, table
        head = database.execute("SELECT last_seq FROM audit_audithead").fetchall()
        assert head in ([], [(0,)])
    finally:
        database.close()
