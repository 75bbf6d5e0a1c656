"""Loaded before Django starts: give the test run its own data directory and key file."""

import os
import tempfile

os.environ.setdefault("JALIN_DATA_DIR", tempfile.mkdtemp(prefix="jalin-test-"))
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
