"""Loaded with ``-p tests.env_plugin`` (pyproject addopts), before pytest-django reads the settings:
each test run gets its own data directory (SQLite test database, key file, demo secret). Under
pytest-xdist each worker gets its own as well, and its own Redis task-queue prefix, so that two
workers never share a key file, a database file or a queue."""

import os
import tempfile

_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if _worker and os.environ.get("JALIN_TEST_DATA_DIR_OWNED") == "1":
    # Inherited from the controller process, which made it for itself: make this worker's own.
    os.environ["JALIN_DATA_DIR"] = tempfile.mkdtemp(prefix=f"jalin-test-{_worker}-")
elif "JALIN_DATA_DIR" not in os.environ:
    os.environ["JALIN_DATA_DIR"] = tempfile.mkdtemp(prefix="jalin-test-")
    os.environ["JALIN_TEST_DATA_DIR_OWNED"] = "1"
if _worker and "JALIN_TASKS_REDIS_PREFIX" in os.environ:
    os.environ["JALIN_TASKS_REDIS_PREFIX"] += f"_{_worker}"
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
