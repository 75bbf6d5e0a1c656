"""Administrators manage accounts and supervision, and never reach counseling content."""

import pytest
from django.urls import reverse

from jalin.accounts.models import SupervisorAssignment, User
from jalin.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_admin_creates_an_account_with_a_strong_password(client, admin_user):
    client.force_login(admin_user)
    url = reverse("admin_user_new")
    weak = client.post(url, {"username": "baru", "role": "counselor", "language": "id", "password": "123"})
    assert "password" in weak.context["form"].errors and not User.objects.filter(username="baru").exists()
    ok = client.post(url, {"username": "baru", "role": "counselor", "language": "id",
                           "password": "sangat-Panjang-77"})
    assert ok.status_code == 302
    created = User.objects.get(username="baru")
    assert created.organisation == admin_user.organisation and created.check_password("sangat-Panjang-77")
    assert AuditEvent.objects.filter(action="account.create", object_id=str(created.pk)).exists()


def test_admin_assigns_and_ends_supervision(client, admin_user, owner, supervisor):
    client.force_login(admin_user)
    client.post(reverse("admin_assignment_new"), {"supervisor": supervisor.pk, "supervisee": owner.pk,
                                                  "programme": "PPL"})
    link = SupervisorAssignment.objects.get(supervisor=supervisor, supervisee=owner)
    again = client.post(reverse("admin_assignment_new"), {"supervisor": supervisor.pk, "supervisee": owner.pk})
    assert again.status_code == 200 and again.context["form"].non_field_errors()
    client.post(reverse("admin_assignment_end", args=[link.pk]))
    link.refresh_from_db()
    assert not link.active


def test_admin_cannot_lock_themselves_out(client, admin_user):
    client.force_login(admin_user)
    response = client.post(reverse("admin_user_edit", args=[admin_user.pk]),
                           {"role": "counselor", "language": "id", "is_active": "on"})
    assert response.status_code == 200
    admin_user.refresh_from_db()
    assert admin_user.role == "admin"


def test_admin_of_another_organisation_sees_nothing(client, owner, outsider):
    outsider.role = "admin"
    outsider.save()
    client.force_login(outsider)
    assert client.get(reverse("admin_user_edit", args=[owner.pk])).status_code == 404
    assert owner.username not in client.get(reverse("admin_users")).content.decode()


@pytest.mark.parametrize("who", ["owner", "supervisor"])
def test_account_pages_are_for_administrators_only(client, request, who):
    client.force_login(request.getfixturevalue(who))
    for name in ("admin_users", "admin_user_new", "admin_assignment_new", "admin_organisation"):
        assert client.get(reverse(name)).status_code == 404


def test_admin_must_enrol_in_two_factor_when_required(client, admin_user):
    org = admin_user.organisation
    org.require_admin_2fa = True
    org.save()
    client.force_login(admin_user)
    response = client.get(reverse("admin_users"))
    assert response.status_code == 302 and response["Location"] == reverse("twofactor_setup")


def test_two_factor_login_flow(client, owner):
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    import pyotp
    import time_machine

    with time_machine.travel(datetime(2026, 3, 2, 10, 1, tzinfo=ZoneInfo("Asia/Jakarta")), tick=False) as clock:
        client.force_login(owner)
        client.get(reverse("twofactor_setup"))
        owner.refresh_from_db()
        code = pyotp.TOTP(owner.totp_pending_secret).now()
        assert client.post(reverse("twofactor_setup"), {"code": "000000" if code != "000000" else "111111"}
                           ).status_code == 200
        client.post(reverse("twofactor_setup"), {"code": code})
        owner.refresh_from_db()
        assert owner.totp_confirmed
        client.logout()
        from tests.factories import PASSWORD
        response = client.post(reverse("login"), {"username": "owner", "password": PASSWORD})
        assert response["Location"] == reverse("login_verify") and "_auth_user_id" not in client.session
        clock.shift(timedelta(seconds=30))  # the enrolment code was used: the next one logs in
        client.post(reverse("login_verify"), {"code": pyotp.TOTP(owner.totp_secret).now()})
        assert client.session["_auth_user_id"] == str(owner.pk)
