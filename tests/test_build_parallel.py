"""Parallel builds: worker processes give the same bytes, and a crashing worker costs one job.

The crash is real: a ``sitecustomize`` module (on the workers' ``PYTHONPATH``
only) makes the leaflet job of one condition call ``os._exit`` inside the
worker process, which breaks the process pool exactly as a segmentation
fault in Pango would.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import textwrap
from pathlib import Path

import pytest

from benech_publish import BuildError, Options, build
from benech_publish.build import MANIFEST_NAME
from conftest import ROOTS

CREATED = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def files(out: Path) -> dict[str, bytes]:
    return {
        p.relative_to(out).as_posix(): p.read_bytes()
        for p in sorted(out.rglob("*"))
        if p.is_file() and p.name != MANIFEST_NAME
    }


def test_two_workers_make_the_same_bytes_as_one_process(tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    events = []
    build(ROOTS / "basic", one, Options(jobs=1), created=CREATED)
    report = build(ROOTS / "basic", two, Options(jobs=2), created=CREATED, on_progress=events.append)
    assert files(one) == files(two) and len(files(one)) == 24  # braille included
    # progress: every job once, counted in finishing order
    assert [e.index for e in events] == list(range(1, len(events) + 1))
    assert {e.total for e in events} == {len(events)} and {e.status for e in events} == {"written"}
    assert sorted(report.written) == sorted(two / k for k in files(two))
    manifest_one = json.loads((one / MANIFEST_NAME).read_text())["outputs"]
    manifest_two = json.loads((two / MANIFEST_NAME).read_text())["outputs"]
    assert {k: v["digest"] for k, v in manifest_one.items()} == {k: v["digest"] for k, v in manifest_two.items()}


CRASH = textwrap.dedent("""
    import os
    from dataclasses import replace

    from benech_publish.build import jobs

    _leaflet = jobs.KINDS["leaflet"].produce

    def _crash(job, formats, site, ctx):
        if job.slug == "alpha" and job.edition == "standard":
            os._exit(7)  # a hard crash: no exception, no cleanup
        return _leaflet(job, formats, site, ctx)

    jobs.KINDS["leaflet"] = replace(jobs.KINDS["leaflet"], produce=_crash)
""")


@pytest.fixture
def crashing_workers(tmp_path, monkeypatch):
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(CRASH)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(hook), os.environ.get("PYTHONPATH", "")]))


def test_a_worker_crash_fails_its_job_only(tmp_path, crashing_workers, monkeypatch):
    root, out = tmp_path / "content", tmp_path / "out"
    shutil.copytree(ROOTS / "basic", root)
    alpha = (root / "en" / "alpha.md").read_text()
    (root / "en" / "beta.md").write_text(alpha.replace("id: alpha", "id: beta"))
    options = Options(jobs=2, formats=("html", "pdf"))
    with pytest.raises(BuildError) as info:
        build(root, out, options, created=CREATED)
    report = info.value.report
    crashed = out / "pdf" / "en" / "alpha.pdf"
    assert [f.output for f in report.failures] == [str(crashed)]
    assert "worker process" in report.failures[0].message and "stopped" in report.failures[0].message
    assert not crashed.exists()
    made = set(files(out))
    assert made == {
        "html/en/alpha.html",
        "html/en/alpha.large.html",
        "html/en/beta.html",
        "html/en/beta.large.html",
        "html/it/alfa.html",
        "html/it/alfa.large.html",
        "pdf/en/alpha.large.pdf",
        "pdf/en/beta.pdf",
        "pdf/en/beta.large.pdf",
        "pdf/it/alfa.pdf",
        "pdf/it/alfa.large.pdf",
        "pdf/en/booklet.pdf",
        "pdf/en/booklet.large.pdf",
        "pdf/it/booklet.pdf",
        "pdf/it/booklet.large.pdf",
    }
    # Without the crash, the next build makes the missing leaflet and nothing else.
    monkeypatch.delenv("PYTHONPATH")
    report = build(root, out, options, created=CREATED)
    assert report.written == [crashed]


def test_typesetting_runs_with_the_build_collector_setting_and_the_caller_keeps_its_own(tmp_path, monkeypatch):
    """The garbage collector's first threshold is raised while a build typesets in this
    process (build/collector.py), and the caller's setting is back afterwards."""
    import gc

    from benech_publish.build.collector import THRESHOLDS
    from benech_publish.typeset.engine import Typesetter

    seen: list[tuple[int, int, int]] = []
    layout = Typesetter.layout

    def recording(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(gc.get_threshold())
        return layout(self, *args, **kwargs)

    monkeypatch.setattr(Typesetter, "layout", recording)
    before = gc.get_threshold()
    assert before != THRESHOLDS
    build(ROOTS / "basic", tmp_path / "out", Options(jobs=1, formats=("pdf",), languages=("en",)), created=CREATED)
    assert seen and set(seen) == {THRESHOLDS}
    assert gc.get_threshold() == before
