"""Logins cannot starve pages: at most LOGIN_HASH_SLOTS password hashes run at once on the machine, across
threads and processes; a login that finds every slot taken for the whole wait gets a polite 503 with
Retry-After. Against a live server with real concurrent clients and the real argon2id/PBKDF2 hashers."""

from __future__ import annotations

import http.cookiejar
import os
import re
import subprocess
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher, PBKDF2PasswordHasher

from jalin.accounts.hashers import Argon2idHasher, _Bounded
from jalin.accounts.models import User
from tests import factories

JALIN_HASHERS = ["jalin.accounts.hashers.Argon2idHasher", "jalin.accounts.hashers.BoundedPBKDF2Hasher"]


class _Counting:
    """Counts the hashes running at the same moment; sits inside the slot (``_Bounded`` wraps it)."""

    lock = threading.Lock()
    active = peak = calls = 0

    def verify(self, password, encoded):
        with _Counting.lock:
            _Counting.active += 1
            _Counting.calls += 1
            _Counting.peak = max(_Counting.peak, _Counting.active)
        try:
            return super().verify(password, encoded)
        finally:
            with _Counting.lock:
                _Counting.active -= 1


class CountingArgon2(_Bounded, _Counting, Argon2PasswordHasher):
    time_cost, memory_cost, parallelism = 6, 19 * 1024, 1  # slower than production, so that checks overlap


def _login(base: str, username: str, password: str = factories.PASSWORD, lang: str = "id"):
    jar = http.cookiejar.CookieJar()

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
    opener.addheaders = [("Accept-Language", lang)]
    opener.open(f"{base}/login/").read()
    token = next(c.value for c in jar if c.name == "csrftoken")
    body = urllib.parse.urlencode({"username": username, "password": password,
                                   "csrfmiddlewaretoken": token}).encode()
    request = urllib.request.Request(f"{base}/login/", data=body, headers={"Referer": f"{base}/login/"})
    try:
        response = opener.open(request)
        return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read().decode()


@pytest.fixture
def jalin_hashing(settings, tmp_path):
    settings.PASSWORD_HASHERS = JALIN_HASHERS
    settings.LOGIN_HASH_SLOT_DIR = tmp_path / "slots"
    settings.LOGIN_HASH_SLOTS = 1
    return settings


@pytest.mark.parametrize("slots", [1, 2])
@pytest.mark.django_db(transaction=True)
def test_concurrent_logins_never_hash_more_than_the_slots_at_once(live_server, settings, tmp_path, org, slots):
    settings.PASSWORD_HASHERS = ["tests.web.test_login_slots.CountingArgon2"]
    settings.LOGIN_HASH_SLOT_DIR = tmp_path / "slots"
    settings.LOGIN_HASH_SLOTS = slots
    names = [f"serentak{n}" for n in range(6)]
    for name in names:
        factories.make_user(name, org=org)
    _Counting.peak = _Counting.calls = 0
    results: dict[str, int] = {}
    start = threading.Barrier(len(names))

    def one(name):
        start.wait()
        results[name] = _login(live_server.url, name)[0]

    threads = [threading.Thread(target=one, args=(name,)) for name in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert results == {name: 302 for name in names}  # every login went through, none refused
    assert _Counting.calls == len(names)
    assert 1 <= _Counting.peak <= slots


@pytest.mark.django_db(transaction=True)
def test_a_slot_held_by_another_process_makes_a_login_wait_then_answer_503(live_server, jalin_hashing, org):
    jalin_hashing.LOGIN_HASH_WAIT_SECONDS = 0
    factories.make_user("antre", org=org)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "jalin.settings", "JALIN_LOGIN_SLOTS": "1",
           "JALIN_LOGIN_SLOT_DIR": str(jalin_hashing.LOGIN_HASH_SLOT_DIR)}
    holder = subprocess.Popen([sys.executable, "-c", (
        "import django, sys; django.setup()\n"
        "from jalin.accounts.login_slots import hashing_slot\n"
        "with hashing_slot():\n    print('held', flush=True); sys.stdin.read()\n")],
        env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        status, headers, body = _login(live_server.url, "antre")
        assert status == 503
        assert int(headers["Retry-After"]) >= 1
        assert "Coba lagi sebentar lagi" in body and "tunggu beberapa detik" in body
        status, headers, body = _login(live_server.url, "antre", lang="en")
        assert status == 503 and "wait a few seconds and log in again" in body
        assert not User.objects.get(username="antre").last_login  # nothing was changed
    finally:
        holder.communicate("", timeout=30)
    status, headers, _body = _login(live_server.url, "antre")  # the slot is free again
    assert status == 302 and headers["Location"] == "/"


@pytest.mark.django_db(transaction=True)
def test_a_pbkdf2_password_still_works_and_is_upgraded_to_argon2id(live_server, jalin_hashing, org):
    user = factories.make_user("lama", org=org)
    user.password = PBKDF2PasswordHasher().encode(factories.PASSWORD, PBKDF2PasswordHasher().salt(), 1000)
    user.save(update_fields=["password"])
    assert _login(live_server.url, "lama")[0] == 302
    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$")
    assert f"m={Argon2idHasher.memory_cost},t={Argon2idHasher.time_cost},p=1" in user.password
    assert _login(live_server.url, "lama")[0] == 302
    status, _headers, body = _login(live_server.url, "lama", password="salah-sandi-sekali")
    assert status == 200 and re.search(r"errorlist", body)


def test_jalin_settings_hash_with_argon2id_first_and_keep_pbkdf2():
    import jalin.settings as jalin_settings

    assert jalin_settings.PASSWORD_HASHERS[:2] == JALIN_HASHERS
    assert Argon2idHasher.memory_cost >= 19 * 1024 and Argon2idHasher.time_cost >= 2  # OWASP minimum
    assert jalin_settings.LOGIN_HASH_SLOTS == max(1, (os.cpu_count() or 1) - 1) or "JALIN_LOGIN_SLOTS" in os.environ


@pytest.mark.django_db(transaction=True)
def test_an_unusable_slot_folder_still_lets_people_log_in_and_says_why(live_server, jalin_hashing, org, tmp_path,
                                                                         caplog):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    jalin_hashing.LOGIN_HASH_SLOT_DIR = blocker / "slots"  # cannot be created: a file is in the way
    factories.make_user("tanpaslot", org=org)
    with caplog.at_level("WARNING", logger="jalin.accounts.login_slots"):
        assert _login(live_server.url, "tanpaslot")[0] == 302
    assert "JALIN_LOGIN_SLOT_DIR" in caplog.text and "per process" in caplog.text
