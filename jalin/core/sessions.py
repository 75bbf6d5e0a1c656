"""Database sessions (Django's ``db`` engine) whose save is a single UPDATE.

Django wraps the save of an existing session in a transaction: BEGIN, UPDATE, COMMIT, three round trips
to PostgreSQL for what one UPDATE does atomically on its own. A session is saved when the inactivity
check records the last request (at most once a minute) and when a message is added or shown, so this is
paid on about one request in ten under load. Creating a session (login, ``cycle_key``) is Django's own
code, unchanged; failures are reported as Django reports them (``UpdateError`` for an update).
"""

from __future__ import annotations

from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db import DatabaseError, router


class SessionStore(DatabaseSessionStore):
    def save(self, must_create: bool = False) -> None:
        if must_create or self.session_key is None:
            return super().save(must_create=must_create)
        obj = self.create_model_instance(self._get_session(no_load=False))
        using = router.db_for_write(self.model, instance=obj)
        try:
            updated = self.model.objects.using(using).filter(session_key=obj.session_key).update(
                session_data=obj.session_data, expire_date=obj.expire_date)
        except DatabaseError:
            raise UpdateError from None
        if not updated:  # deleted meanwhile (logged out elsewhere): as Django's forced update reports it
            raise UpdateError
        return None
