"""The second factor resists guessing and replay, shows its secret only while enrolling, and needs the
password to be set up again or switched off (security review #14, item 3). Clock-dependent, so every
test runs under a frozen clock at several Jakarta hours."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pyotp
import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from jalin.audit.models import AuditEvent
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db
JAKARTA = ZoneInfo("Asia/Jakarta")
MOMENTS = [datetime(2026, 3, 2, 0, 5, tzinfo=JAKARTA), datetime(2026, 3, 2, 9, 59, 50, tzinfo=JAKARTA),
           datetime(2026, 3, 2, 10, 1, tzinfo=JAKARTA), datetime(2026, 12, 31, 23, 59, 45, tzinfo=JAKARTA)]


@pytest.fixture(params=MOMENTS, ids=lambda m: m.strftime("%m-%d_%H%M"))
def clock(request):
    with time_machine.travel(request.param, tick=False) as traveller:
        yield traveller


@pytest.fixture
def enrolled(owner):
    """An account enrolled the way accounts were before this change: a confirmed secret, nothing else."""
    owner.totp_secret = pyotp.random_base32()
    owner.totp_confirmed = True
    owner.save()
    return owner


def _code(secret: str, shift_steps: int = 0) -> str:
    return pyotp.TOTP(secret).at(timezone.now() + timedelta(seconds=30 * shift_steps))


def _wrong(secret: str) -> str:
    near = {_code(secret, s) for s in (-1, 0, 1)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in near)


def _password_step(client, user):
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("login_verify")


def _logged_in(client, user) -> bool:
    return client.session.get("_auth_user_id") == str(user.pk)


def test_an_existing_enrolment_keeps_working(client, enrolled, clock):
    _password_step(client, enrolled)
    client.post(reverse("login_verify"), {"code": _code(enrolled.totp_secret)})
    assert _logged_in(client, enrolled)


def test_wrong_codes_lock_the_second_factor(client, enrolled, clock):
    _password_step(client, enrolled)
    for _ in range(settings.TOTP_FAILURE_LIMIT):
        response = client.post(reverse("login_verify"), {"code": _wrong(enrolled.totp_secret)})
    assert response.status_code == 200 and not _logged_in(client, enrolled)
    assert client.post(reverse("login_verify"), {"code": _code(enrolled.totp_secret)})["Location"] == reverse("login")
    _password_step(client, enrolled)  # the password again: the factor itself is still locked
    response = client.post(reverse("login_verify"), {"code": _code(enrolled.totp_secret)})
    assert response.status_code == 200 and not _logged_in(client, enrolled)
    assert AuditEvent.objects.filter(action="auth.2fa_locked").count() == 1
    clock.shift(timedelta(seconds=settings.TOTP_LOCKOUT_SECONDS + 1))
    _password_step(client, enrolled)
    client.post(reverse("login_verify"), {"code": _code(enrolled.totp_secret)})
    assert _logged_in(client, enrolled)


def test_many_fast_guesses_do_not_find_the_code(client, enrolled, clock):
    _password_step(client, enrolled)
    valid = {_code(enrolled.totp_secret, s) for s in (-1, 0, 1)}
    guesses = [f"{n:06d}" for n in range(310) if f"{n:06d}" not in valid][:300]
    for guess in guesses:  # wrong ones only: the point is that guessing stops after a few
        client.post(reverse("login_verify"), {"code": guess})
        if "jalin_2fa_pending" not in client.session:
            _password_step(client, enrolled)
    assert not _logged_in(client, enrolled)
    if "jalin_2fa_pending" not in client.session:
        _password_step(client, enrolled)
    client.post(reverse("login_verify"), {"code": _code(enrolled.totp_secret)})  # the right code, still locked
    assert not _logged_in(client, enrolled)
    assert AuditEvent.objects.filter(action="auth.2fa_locked").count() == 1


def test_a_used_code_is_refused_within_its_window(client, enrolled, clock):
    code = _code(enrolled.totp_secret)
    _password_step(client, enrolled)
    client.post(reverse("login_verify"), {"code": code})
    assert _logged_in(client, enrolled)
    client.logout()
    _password_step(client, enrolled)
    response = client.post(reverse("login_verify"), {"code": code})
    assert response.status_code == 200 and not _logged_in(client, enrolled)
    assert AuditEvent.objects.filter(action="auth.2fa_failed", detail__outcome="replayed").exists()
    clock.shift(timedelta(seconds=30))
    client.post(reverse("login_verify"), {"code": _code(enrolled.totp_secret)})
    assert _logged_in(client, enrolled)


def test_the_secret_is_shown_only_while_enrolling(client, owner, clock):
    client.force_login(owner)
    page = client.get(reverse("twofactor_setup"))
    owner.refresh_from_db()
    secret = owner.totp_pending_secret
    assert secret and secret in page.content.decode() and page["Cache-Control"] == "no-store"
    wrong = client.post(reverse("twofactor_setup"), {"action": "confirm", "code": _wrong(secret)})
    assert wrong.status_code == 200 and secret in wrong.content.decode()
    client.post(reverse("twofactor_setup"), {"action": "confirm", "code": _code(secret)})
    owner.refresh_from_db()
    assert owner.totp_confirmed and owner.totp_secret == secret and not owner.totp_pending_secret
    again = client.get(reverse("twofactor_setup")).content.decode()
    assert secret not in again and 'name="password"' in again


def test_setting_up_again_needs_the_password(client, enrolled, clock):
    client.force_login(enrolled)
    old = enrolled.totp_secret
    refused = client.post(reverse("twofactor_setup"), {"action": "reenrol", "password": "not-the-password"})
    enrolled.refresh_from_db()
    assert refused.status_code == 200 and not enrolled.totp_pending_secret and old not in refused.content.decode()
    page = client.post(reverse("twofactor_setup"), {"action": "reenrol", "password": PASSWORD})
    enrolled.refresh_from_db()
    new = enrolled.totp_pending_secret
    assert new and new != old and new in page.content.decode() and old not in page.content.decode()
    assert enrolled.totp_secret == old and enrolled.totp_confirmed  # the old device works until confirmed
    clock.shift(timedelta(seconds=30))
    client.post(reverse("twofactor_setup"), {"action": "confirm", "code": _code(new)})
    enrolled.refresh_from_db()
    assert enrolled.totp_secret == new and not enrolled.totp_pending_secret


def test_switching_off_needs_the_password(client, enrolled, clock):
    client.force_login(enrolled)
    client.post(reverse("twofactor_setup"), {"action": "disable", "password": "not-the-password"})
    enrolled.refresh_from_db()
    assert enrolled.totp_confirmed
    client.post(reverse("twofactor_setup"), {"action": "disable", "password": PASSWORD})
    enrolled.refresh_from_db()
    assert not enrolled.totp_confirmed and not enrolled.totp_secret
    assert AuditEvent.objects.filter(action="auth.2fa_disabled", actor=enrolled).exists()


def test_wrong_passwords_on_the_settings_page_count_towards_the_lockout(client, enrolled, clock):
    client.force_login(enrolled)
    for _ in range(settings.TOTP_FAILURE_LIMIT):
        client.post(reverse("twofactor_setup"), {"action": "disable", "password": "guess"})
    client.post(reverse("twofactor_setup"), {"action": "disable", "password": PASSWORD})
    enrolled.refresh_from_db()
    assert enrolled.totp_confirmed and enrolled.totp_locked_until is not None


def test_an_administrator_cannot_switch_off_a_required_second_factor(client, admin_user, clock):
    org = admin_user.organisation
    org.require_admin_2fa = True
    org.save()
    admin_user.totp_secret, admin_user.totp_confirmed = pyotp.random_base32(), True
    admin_user.save()
    client.force_login(admin_user)
    response = client.post(reverse("twofactor_setup"), {"action": "disable", "password": PASSWORD})
    admin_user.refresh_from_db()
    assert response.status_code == 200 and admin_user.totp_confirmed
