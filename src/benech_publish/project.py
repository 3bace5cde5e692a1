"""``init``: a new clinic project from the packaged scaffold.

Takes: a destination folder (absent or empty) and the clinic's name. Gives:
the files of a project that builds with zero errors as it is::

    DIR/README.md                       the two commands
    DIR/content/site.yaml               every field commented
    DIR/content/en/example-condition.md one example condition per language,
    DIR/content/it/condizione-di-esempio.md   marked as an example, status: draft
    DIR/content/images/logo.svg         a neutral placeholder logo
    DIR/templates/README.md             an empty override folder, explained

Nothing is overwritten: a destination that holds anything is refused.
"""

from __future__ import annotations

import json
from pathlib import Path

from .errors import ConfigError
from .util import atomic_write

SCAFFOLD = Path(__file__).parent / "scaffold"


def init_project(dest: str | Path, clinic: str = "Example Clinic") -> list[Path]:
    """Write the scaffold into ``dest``; return the files written (see the module docstring)."""
    dest = Path(dest)
    clinic = " ".join(clinic.split())
    if not clinic:
        raise ConfigError("the clinic's name is empty")
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise ConfigError(f"{dest} exists and is not an empty folder: choose a new folder")
    written: list[Path] = []
    for source in sorted(SCAFFOLD.rglob("*")):
        if not source.is_file():
            continue
        relative = source.relative_to(SCAFFOLD)
        data = source.read_bytes()
        if relative.as_posix() == "content/site.yaml":
            data = data.replace(b"{clinic}", json.dumps(clinic, ensure_ascii=False).encode("utf-8"))
        elif relative.suffix == ".md":
            data = data.replace(b"{clinic}", clinic.encode("utf-8"))
        target = dest / relative
        atomic_write(target, data)
        written.append(target)
    return written
