"""The session engine (jalin/core/sessions.py): saving an existing session is one UPDATE outside any
transaction, creating one is Django's own code, and a session deleted meanwhile is reported as Django does."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from jalin.core.sessions import SessionStore
from tests.conftest import login

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_site_uses_it():
    assert settings.SESSION_ENGINE == "jalin.core.sessions"


def test_saving_an_existing_session_is_one_update_without_a_transaction():
    store = SessionStore()
    store["n"] = 1
    store.create()
    key = store.session_key
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() + timedelta(minutes=1))
    store = SessionStore(key)
    store["n"] = 2
    with CaptureQueriesContext(connection) as queries:
        store.save()
    statements = [q["sql"].split()[0] for q in queries.captured_queries]
    # SQLite would show BEGIN here (Django executes it); on PostgreSQL the driver sends it unseen, so the
    # connection's autocommit is checked as well.
    assert statements == ["UPDATE"], statements
    assert connection.get_autocommit()
    assert SessionStore(key)["n"] == 2
    # the expiry moves on with the save, as with Django's own save
    assert Session.objects.get(session_key=key).expire_date > timezone.now() + timedelta(hours=1)


def test_a_session_deleted_meanwhile_is_an_update_error_and_is_not_recreated():
    store = SessionStore()
    store.create()
    key = store.session_key
    store = SessionStore(key)
    assert store.get("n") is None  # loaded at the start of the request
    Session.objects.filter(session_key=key).delete()  # logged out in another tab
    store["n"] = 3
    with pytest.raises(UpdateError):
        store.save()
    assert not Session.objects.filter(session_key=key).exists()


def test_pages_keep_working_with_it(client, owner):
    login(client, owner)  # creates the session (Django's create path)
    assert client.get(reverse("case_list")).status_code == 200  # writes the last-seen time: the update path
    stored = SessionStore(client.session.session_key).load()
    assert stored["jalin_last_seen"] > 0
