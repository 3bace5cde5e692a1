"""A rebuild with nothing to make imports only what it uses (no timing: the modules it loads).

Interpreter start-up and imports are most of a no-op ``benech-publish build``
(docs/performance.md): Jinja, Babel, WeasyPrint, the writers and the PDF audit
are imported where they are used (docs/architecture.md, "Imports follow use"). Both
builds run the real command in a fresh process (``--jobs 1``, so the first
build imports everything in that process); the first build shows that each
module named here is a real name that a build making files does import, the
second that a no-op rebuild of the same folder imports none of them.

And the command's exit: run as ``benech-publish``, ``main()`` freezes the
collector as the process ends (its exit then skips walking every object);
called from Python, it does not.
"""

from __future__ import annotations

import gc
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from benech_publish.cli import main
from conftest import ROOTS

#: Imported by a build that makes files, never by one that has nothing to make.
NOT_FOR_A_NOOP = (
    "jinja2",
    "babel",
    "weasyprint",
    "pydyf",
    "pyphen",
    "ebooklib",
    "pikepdf",
    "fontTools",
    "segno",
    "benech_publish.templating",
    "benech_publish.writers",
    "benech_publish.typeset",
    "benech_publish.audit",
    "benech_publish.braille.document",
    "benech_publish.braille.layout",
)
#: Nor these: the manifest reads the libraries' versions itself.
NEVER = ("importlib.metadata", "email.parser")

RUN = """
import json, sys
from benech_publish.cli import main
try:
    main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def _build(root: Path, out: Path) -> tuple[int, set[str], str]:
    env = dict(os.environ, SOURCE_DATE_EPOCH="1767225600")
    proc = subprocess.run(
        [sys.executable, "-c", RUN, "build", "--content", str(root), "--out", str(out), "--jobs", "1"],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    data = json.loads(proc.stdout.splitlines()[-1])
    return data["code"], set(data["modules"]), proc.stderr


def test_a_noop_rebuild_imports_no_renderer_writer_or_audit(tmp_path):
    root = tmp_path / "content"
    shutil.copytree(ROOTS / "basic", root)
    out = tmp_path / "out"
    code, modules, stderr = _build(root, out)
    assert code == 0, stderr[-2000:]
    assert "done: 0 file(s) written" not in stderr
    assert [name for name in NOT_FOR_A_NOOP if name not in modules] == []  # every name is real
    code, modules, stderr = _build(root, out)
    assert code == 0 and "done: 0 file(s) written" in stderr, stderr[-2000:]
    assert [name for name in NOT_FOR_A_NOOP + NEVER if name in modules] == []


def test_the_command_freezes_the_collector_at_its_end_a_call_from_python_does_not():
    """Run as the command, ``main()`` freezes the collector as the process ends (its exit then
    skips walking every object); called from Python with arguments, it leaves it alone."""
    with pytest.raises(SystemExit):
        main(["--version"])
    assert gc.get_freeze_count() == 0
    script = (
        "import atexit, gc, sys\n"
        "atexit.register(lambda: print('frozen', gc.get_freeze_count() > 0))\n"
        "from benech_publish.cli import main\n"
        "sys.argv = ['benech-publish', '--version']\n"
        "main()\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and proc.stdout.splitlines()[-1] == "frozen True", proc.stdout + proc.stderr
