"""``jalin.analysis`` must never import Django: the CLI and notebooks use it without a
web stack, and a stray import would drag settings and the database into them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = r"""
import sys
import jalin.analysis as a
from jalin.analysis import cli, report  # noqa: F401
assert "django" not in sys.modules, "importing jalin.analysis imported django"
text = "Konselor: Selamat pagi, silakan duduk.\nKonseli: Pagi, Bu.\nKonselor: Apa yang ingin kamu ceritakan?\nKonseli: Nggak tahu, Bu.\n"
result = a.analyze(a.parse_text(text, source="x.txt"), lang="id")
a.to_json(result); a.to_html(result); a.to_markdown(result); a.to_text(result)
report.summary_table([result], "text")
leaked = sorted(m for m in sys.modules if m == "django" or m.startswith("django."))
assert not leaked, leaked
print("ok", len(result.utterances))
"""


def test_analysis_never_imports_django() -> None:
    proc = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, cwd=ROOT, timeout=300, check=False,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ok 4"
