"""A bounded number of password hashes at once, across all server processes on this machine.

A password check costs tens to hundreds of milliseconds of CPU. Without a bound, a burst of logins (the
start of a school day) takes every core and every page waits behind them. At most ``LOGIN_HASH_SLOTS``
hashes run at once (default: one per core minus one, at least one); the others wait up to
``LOGIN_HASH_WAIT_SECONDS`` for a slot and then get a polite "try again in a moment" (HTTP 503 with
Retry-After, see ``jalin.core.middleware.LoginBusyMiddleware``).

The slots are ``flock`` locks on small files in the data folder, so they hold across gunicorn's worker
processes and threads; a process that dies releases its lock with it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from pathlib import Path

from django.conf import settings

try:
    import fcntl
except ImportError:  # pragma: no cover - not a server platform Jalin supports; bound per process instead
    fcntl = None


class LoginBusy(Exception):
    """Every hashing slot stayed taken for the whole wait."""

    def __init__(self, retry_after: int) -> None:
        super().__init__("all password hashing slots are busy")
        self.retry_after = retry_after


logger = logging.getLogger(__name__)
_usable: dict[str, bool] = {}  # slot folder -> whether it could be used
_held = threading.local()  # re-entrant per thread: PBKDF2's verify() calls encode()
_local_lock = threading.Lock()
_local_semaphores: dict[int, threading.BoundedSemaphore] = {}


def slot_count() -> int:
    return max(1, int(settings.LOGIN_HASH_SLOTS))


def _slot_dir() -> Path:
    folder = Path(settings.LOGIN_HASH_SLOT_DIR)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def _try_files(count: int) -> int | None:
    folder = _slot_dir()
    for n in range(count):
        fd = os.open(folder / f"slot-{n}", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        return fd
    return None


@contextlib.contextmanager
def hashing_slot():
    """Hold one of the machine's hashing slots for the duration of the block (or raise LoginBusy)."""
    if getattr(_held, "depth", 0):
        _held.depth += 1
        try:
            yield
        finally:
            _held.depth -= 1
        return
    with _acquire():
        _held.depth = 1
        try:
            yield
        finally:
            _held.depth = 0


def _files_usable() -> bool:
    """Whether the slot folder can be used; if not (read-only data folder), say so once and bound per process."""
    folder = str(settings.LOGIN_HASH_SLOT_DIR)
    if folder not in _usable:
        try:
            os.close(os.open(_slot_dir() / "slot-0", os.O_RDWR | os.O_CREAT, 0o600))
            _usable[folder] = True
        except OSError as exc:
            logger.warning("login slots: cannot use %s (%s); bounding password hashing per process instead "
                           "(set JALIN_LOGIN_SLOT_DIR to a writable local folder)", folder, exc.strerror)
            _usable[folder] = False
    return _usable[folder]


@contextlib.contextmanager
def _acquire():
    count, wait = slot_count(), float(settings.LOGIN_HASH_WAIT_SECONDS)
    deadline = time.monotonic() + wait
    if fcntl is None or not _files_usable():
        with _local_lock:
            semaphore = _local_semaphores.setdefault(count, threading.BoundedSemaphore(count))
        if not semaphore.acquire(timeout=wait):
            raise LoginBusy(max(1, round(min(wait, 5))))
        try:
            yield
        finally:
            semaphore.release()
        return
    pause = 0.002  # polling stays cheap (one open and flock per slot); short pauses keep the slot busy
    while (fd := _try_files(count)) is None:
        if time.monotonic() >= deadline:
            raise LoginBusy(max(1, round(min(wait, 5))))
        time.sleep(pause)
        pause = min(pause * 2, 0.01)
    try:
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the flock
