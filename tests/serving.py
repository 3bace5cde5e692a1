"""Helpers for the serve tests: a private copy of the project and a server on a free port."""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator
from pathlib import Path

from benech_publish import Options
from benech_publish.serve import ServeConfig, Server
from conftest import PROJECT


def copy_project(dest: Path, built: Path | None = None) -> tuple[Path, Path]:
    """``dest/content`` (a copy of the shipped content, with the project's ``templates/``
    beside it) and ``dest/out`` (a copy of ``built``)."""
    content, out = dest / "content", dest / "out"
    shutil.copytree(PROJECT / "content", content)
    if (PROJECT / "templates").is_dir():
        shutil.copytree(PROJECT / "templates", dest / "templates")
    if built is not None:
        shutil.copytree(built, out)
    else:
        out.mkdir()
    return content, out


@contextlib.contextmanager
def running(content: Path, out: Path, **changes: object) -> Iterator[Server]:
    """A server on 127.0.0.1 and a free port, stopped (after its build) on exit."""
    settings: dict[str, object] = {
        "content_dir": content,
        "out_dir": out,
        "port": 0,
        "watch": False,
        "build_on_start": False,
        "options": Options(include_drafts=True, incremental=True),
    }
    settings.update(changes)
    server = Server(ServeConfig(**settings))  # type: ignore[arg-type]
    server.start()
    try:
        yield server
    finally:
        server.stop()
