"""Loaded with ``-p tests.env_plugin`` (pyproject addopts), before pytest-django reads the settings:
each test run gets its own data directory (SQLite test database, key file, demo secret)."""

import os
import tempfile

os.environ.setdefault("JALIN_DATA_DIR", tempfile.mkdtemp(prefix="jalin-test-"))
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
