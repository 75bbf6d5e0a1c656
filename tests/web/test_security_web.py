"""Security review #14 (web side): throttling per (username, address), trusted proxies, unaudited reads,
alerts that quoted transcripts, names in URLs, break-glass by administrator-made accounts, job timing."""

import pytest
from django.conf import settings
from django.urls import reverse

from jalin.audit.models import AuditEvent
from tests import factories

pytestmark = pytest.mark.django_db


def _fail_logins(client, username, times, **extra):
    for _ in range(times):
        client.post(reverse("login"), {"username": username, "password": "wrong"}, **extra)


def _logs_in(client, username, **extra) -> bool:
    client.post(reverse("login"), {"username": username, "password": factories.PASSWORD}, **extra)
    logged_in = "_auth_user_id" in client.session
    client.logout()
    return logged_in


# --- item 9: throttling and trusted proxies --------------------------------------------------

def test_one_accounts_failures_do_not_lock_out_colleagues_behind_the_same_address(client, owner, colleague):
    _fail_logins(client, "colleague", settings.LOGIN_FAILURE_LIMIT)
    assert _logs_in(client, "owner")
    assert not _logs_in(client, "colleague")  # the pair itself is locked


def test_failures_count_per_address(client, owner):
    _fail_logins(client, "owner", settings.LOGIN_FAILURE_LIMIT, REMOTE_ADDR="203.0.113.7")
    assert not _logs_in(client, "owner", REMOTE_ADDR="203.0.113.7")
    assert _logs_in(client, "owner", REMOTE_ADDR="198.51.100.20")


def test_forwarded_for_is_ignored_without_a_trusted_proxy(client, owner, settings):
    settings.TRUSTED_PROXIES = ()
    # A client cannot escape the lock by inventing a new X-Forwarded-For each time.
    for n in range(settings.LOGIN_FAILURE_LIMIT):
        _fail_logins(client, "owner", 1, HTTP_X_FORWARDED_FOR=f"192.0.2.{n + 1}")
    assert not _logs_in(client, "owner", HTTP_X_FORWARDED_FOR="192.0.2.99")
    assert set(AuditEvent.objects.filter(action="auth.login_failed").values_list("address", flat=True)) == {
        "127.0.0.1"}


def test_forwarded_for_is_honoured_from_a_trusted_proxy(client, owner, colleague, settings):
    import ipaddress

    settings.TRUSTED_PROXIES = (ipaddress.ip_network("127.0.0.1/32"), ipaddress.ip_network("10.0.0.0/8"))
    # Two users behind the proxy: one's failures lock only that (username, client address) pair.
    _fail_logins(client, "owner", settings.LOGIN_FAILURE_LIMIT, HTTP_X_FORWARDED_FOR="198.51.100.5, 10.1.2.3")
    assert not _logs_in(client, "owner", HTTP_X_FORWARDED_FOR="198.51.100.5")
    assert _logs_in(client, "owner", HTTP_X_FORWARDED_FOR="198.51.100.6")
    addresses = set(AuditEvent.objects.filter(action="auth.login_failed").values_list("address", flat=True))
    assert addresses == {"198.51.100.5"}
    login = AuditEvent.objects.filter(action="auth.login").latest("seq")
    assert login.address == "198.51.100.6"


@pytest.mark.parametrize("header,expected", [
    ("", "127.0.0.1"),
    ("not-an-address", "127.0.0.1"),
    ("198.51.100.1, 198.51.100.2", "198.51.100.2"),  # only the hop our proxy saw is trusted
    ("10.0.0.5", "10.0.0.5"),  # all hops trusted: the first one
])
def test_client_ip_walks_forwarded_for_from_the_proxy(rf, settings, header, expected):
    import ipaddress

    from jalin.core.network import client_ip

    settings.TRUSTED_PROXIES = (ipaddress.ip_network("127.0.0.1/32"), ipaddress.ip_network("10.0.0.0/8"))
    request = rf.get("/", HTTP_X_FORWARDED_FOR=header) if header else rf.get("/")
    assert client_ip(request) == expected


# --- item 11: names never reach URLs ---------------------------------------------------------

@pytest.mark.parametrize("url_name", ["case_list", "counselee_list"])
def test_search_is_posted_and_a_name_in_the_url_is_ignored(client, owner, url_name):
    factories.make_case(owner, counselee=factories.make_counselee(owner, name="Budi Santoso"))
    factories.make_case(owner, counselee=factories.make_counselee(owner, name="Siti Aminah"))
    client.force_login(owner)
    page = client.get(reverse(url_name)).content.decode()
    assert '<form method="post" class="search">' in page and 'method="get"' not in page
    posted = client.post(reverse(url_name), {"q": "budi"}).content.decode()
    assert "Budi Santoso" in posted and "Siti Aminah" not in posted
    in_url = client.get(reverse(url_name), {"q": "budi"}).content.decode()
    assert "Siti Aminah" in in_url and 'value="budi"' not in in_url


# --- item 7: reads and attempts are audited ------------------------------------------------------

def _actions_during(client, url, user) -> list[str]:
    last = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    client.get(url)
    return list(AuditEvent.objects.filter(seq__gt=last, actor=user).values_list("action", flat=True))


@pytest.mark.parametrize("url_name,action", [
    ("case_restricted_note", "case.restricted_note.view"),
    ("case_edit", "case.view"),
])
def test_case_form_pages_are_audited_reads(client, owner, case, url_name, action):
    client.force_login(owner)
    assert action in _actions_during(client, reverse(url_name, args=[case.pk]), owner)


def test_session_and_counselee_edit_referral_and_dashboard_are_audited(client, owner, case):
    from django.utils import timezone

    from jalin.cases import services
    from jalin.cases.models import Referral

    session = factories.add_session(case, owner)
    referral = services.refer_case(Referral(
        case=case, date=timezone.localdate(), receiver_name="Psikolog", receiver_institution="Biro",
        receiver_expertise="klinis", reason="alasan", efforts="upaya", counselee_consent=True,
        guardian_consent=True, head_permission=True), actor=owner, expected_version=None)
    client.force_login(owner)
    assert "session.view" in _actions_during(client, reverse("session_edit", args=[session.pk]), owner)
    assert "counselee.view" in _actions_during(client, reverse("counselee_edit", args=[case.counselee_id]), owner)
    assert "referral.view" in _actions_during(client, reverse("referral_edit", args=[case.pk, referral.pk]), owner)
    assert "dashboard.view" in _actions_during(client, reverse("dashboard"), owner)


def test_a_404_on_a_case_url_is_audited_as_an_attempt_with_ids_only(client, colleague, case):
    client.force_login(colleague)
    response = client.get(reverse("case_detail", args=[case.pk]))
    assert response.status_code == 404
    event = AuditEvent.objects.filter(actor=colleague, action="access.not_found").get()
    assert event.detail == {"url": "case_detail", "case": str(case.pk)}
    assert event.case_id is None  # the attempt does not reveal, in the owner's history, that the case exists


# --- item 4: an administrator cannot read notes through an account they created ---------------

BREAK_GLASS_REASON = "Konseli berisiko, konselor tidak bisa dihubungi"


def _admin_creates(client, admin, username, role="counselor"):
    client.force_login(admin)
    response = client.post(reverse("admin_user_new"), {
        "username": username, "password": "Sandi-panjang-2026!", "role": role, "language": "id"})
    assert response.status_code == 302
    from jalin.accounts.models import User

    return User.objects.get(username=username)


def _break_glass(client, user, case):
    client.force_login(user)
    return client.post(reverse("privacy_break_glass"), {"case_code": case.code, "reason": BREAK_GLASS_REASON})


def test_an_account_an_admin_created_cannot_break_glass_until_a_second_admin_confirms(client, admin_user, case,
                                                                                   org):
    from jalin.cases.models import CaseAccess

    sock = _admin_creates(client, admin_user, "sockpuppet")
    assert sock.needs_confirmation and sock.created_by == admin_user and sock.organisation == org
    response = _break_glass(client, sock, case)
    assert response.status_code == 200 and not CaseAccess.objects.filter(user=sock).exists()
    assert client.get(reverse("case_detail", args=[case.pk])).status_code == 404
    # The creator cannot confirm their own creation...
    client.force_login(admin_user)
    client.post(reverse("admin_user_confirm", args=[sock.pk]))
    sock.refresh_from_db()
    assert sock.confirmed_at is None
    # ...nor through a second administrator account they created themselves.
    second = _admin_creates(client, admin_user, "sockadmin", role="admin")
    client.force_login(second)
    client.post(reverse("admin_user_confirm", args=[sock.pk]))
    sock.refresh_from_db()
    assert sock.confirmed_at is None
    assert _break_glass(client, sock, case).status_code == 200


def test_first_break_glass_of_a_confirmed_admin_created_account_alerts_admins_and_the_counselor(
        client, admin_user, owner, case, org):
    from jalin.measures.models import Alert

    other_admin = factories.make_user("kepala", role="admin", org=org)  # made by the operator (CLI)
    newcomer = _admin_creates(client, admin_user, "newcomer")
    client.force_login(other_admin)
    page = client.get(reverse("admin_users")).content.decode()
    assert reverse("admin_user_confirm", args=[newcomer.pk]) in page
    client.post(reverse("admin_user_confirm", args=[newcomer.pk]))
    newcomer.refresh_from_db()
    assert newcomer.confirmed_by == other_admin and newcomer.confirmed_at is not None
    assert AuditEvent.objects.filter(action="account.confirm", actor=other_admin).exists()
    assert _break_glass(client, newcomer, case).status_code == 302
    # Alert codes are sealed (#14 item 10): compare after decryption, not in SQL.
    [alert] = [a for a in Alert.objects.filter(case=case) if a.code == "break_glass_admin_created"]
    assert alert.severity == "critical" and "orgadmin" in alert.reason_en and "kepala" in alert.reason_en
    client.force_login(owner)
    assert "newcomer" in client.get(reverse("case_detail", args=[case.pk])).content.decode()
    for admin in (admin_user, other_admin):
        client.force_login(admin)
        home = client.get(reverse("dashboard")).content.decode()
        assert 'data-alert="break_glass_admin_created"' in home and "newcomer" in home
        assert case.code not in home  # administrators learn who, not which case
    # only the first access raises the extra alert
    from jalin.cases.models import CaseAccess

    CaseAccess.objects.filter(user=newcomer).update(revoked_at=timezone_now())
    assert _break_glass(client, newcomer, case).status_code == 302
    assert [a.code for a in Alert.objects.all()].count("break_glass_admin_created") == 1


def timezone_now():
    from django.utils import timezone

    return timezone.now()


def test_accounts_made_by_the_operator_break_glass_as_before(client, colleague, case):
    assert not colleague.needs_confirmation
    assert _break_glass(client, colleague, case).status_code == 302
