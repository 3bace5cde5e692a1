"""The clinic's template overrides: a ``templates/`` folder over the packaged templates.

Takes: the content folder and, optionally, an explicit override folder.
Gives:

* :func:`override_folder` -- the folder in effect: the explicit one, else
  ``templates/`` beside ``content/`` when it exists, else none;
* :func:`check_overrides` -- diagnostics for the folder: a file that overrides
  nothing (misspelt: the closest packaged name is suggested), an attempt to
  override the edition protections, and declarations in an override
  stylesheet that the protections undo or that escape the contrast check;
* :func:`packaged_templates`, :func:`copy_template` -- what can be overridden,
  and a copy of one packaged file into the folder, for editing.

Lookup order (see :class:`~benech_publish.render.Renderer`): the override
folder first, then the packaged templates. ``css/protect.css`` (large-print
and clear-print protections) is always the packaged one and is applied after
every other stylesheet, so an override cannot switch it off.
"""

from __future__ import annotations

import difflib
import re
import shutil
from pathlib import Path

from . import model as m
from .errors import ConfigError, Diagnostic, Location, Severity
from .safety import resolve_inside

PACKAGE_TEMPLATES = Path(__file__).parent / "templates"
#: The stylesheet every medium applies last; never taken from an override folder.
PROTECTED = "css/protect.css"
#: The empty stylesheet hook for a clinic's own additions (applied before the protections).
CLINIC_CSS = "css/clinic.css"
#: Files an override folder may hold besides templates (notes for editors).
_IGNORED = re.compile(r"^(readme(\.\w+)?|\.gitkeep|\.keep)$", re.I)
#: Clear print's smallest text and large print's smallest body, in points.
MIN_STANDARD_PT = 12.0
MIN_LARGE_PT = 16.0
_LENGTH = re.compile(r"^(-?\d+(?:\.\d+)?)(pt|px|mm|cm|in|pc)$")
_TO_PT = {"pt": 1.0, "px": 0.75, "mm": 72 / 25.4, "cm": 72 / 2.54, "in": 72.0, "pc": 12.0}
_COLOUR = re.compile(
    r"#[0-9a-fA-F]{3,8}\b|\b(?:rgba?|hsla?)\(|\b(?:black|white|gray|grey|red|blue|"
    r"green|yellow|orange|purple|navy|silver|maroon)\b"
)
_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)


def packaged_templates() -> tuple[str, ...]:
    """Every packaged template and stylesheet, as names relative to the template root."""
    return tuple(
        sorted(p.relative_to(PACKAGE_TEMPLATES).as_posix() for p in PACKAGE_TEMPLATES.rglob("*") if p.is_file())
    )


def override_folder(content_dir: str | Path, explicit: str | Path | None = None) -> Path | None:
    """The override folder in effect: ``explicit``, else ``templates/`` beside the content folder."""
    if explicit is not None:
        return Path(explicit)
    beside = Path(content_dir).resolve().parent / "templates"
    return beside if beside.is_dir() else None


def _override_files(folder: Path) -> list[str]:
    return sorted(
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file()
        and not _IGNORED.match(p.name)
        and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    )


def check_overrides(folder: str | Path | None, colours: m.Colours | None = None) -> list[Diagnostic]:
    """Warnings (``file:line``) about the override folder; see the module docstring.
    A file that is a link to outside the folder is an error."""
    if folder is None:
        return []
    folder = Path(folder)
    packaged = packaged_templates()
    out: list[Diagnostic] = []
    for name in _override_files(folder):
        where = Location((folder / name).as_posix())
        _, outside = resolve_inside(folder, folder / name)  # the one confinement rule
        if outside:
            out.append(Diagnostic(where, f"{outside}: templates are read only from their folder", code="outside"))
        elif name == PROTECTED:
            out.append(
                Diagnostic(
                    where,
                    f"{name} cannot be overridden: the edition protections "
                    "(large print, clear print) always apply; this file is ignored",
                    Severity.WARNING,
                    "override-protected",
                )
            )
        elif name not in packaged:
            close = difflib.get_close_matches(name, packaged, n=1, cutoff=0.5)
            hint = f" (did you mean {close[0]}?)" if close else ""
            out.append(
                Diagnostic(
                    where,
                    f"{name} overrides nothing: no packaged template has that name{hint}",
                    Severity.WARNING,
                    "override-unknown",
                )
            )
        elif name.endswith(".css"):
            out.extend(_lint_css(folder / name, colours))
    return out


def _lint_css(path: Path, colours: m.Colours | None) -> list[Diagnostic]:
    """Declarations in an override stylesheet that the protections undo or that escape checks."""
    allowed = (
        {c.lower() for c in (colours.primary, colours.text, colours.background, colours.accent, colours.muted)}
        if colours
        else set()
    )
    out: list[Diagnostic] = []
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return [Diagnostic(Location(path.as_posix()), f"cannot read: {exc}", Severity.WARNING, "override-unreadable")]
    for number, line in enumerate(text.splitlines(), 1):
        plain = _JINJA.sub("", line)
        where = Location(path.as_posix(), number)
        for prop, value in re.findall(r"([a-z-]+)\s*:\s*([^;{}]+)", plain, re.I):
            prop, value = prop.lower(), value.strip().lower()
            message = _declaration_problem(prop, value, allowed)
            if message:
                out.append(Diagnostic(where, message, Severity.WARNING, "override-protection"))
    return out


def _declaration_problem(prop: str, value: str, allowed_colours: set[str]) -> str:
    if prop == "font-style" and value.split()[0] in ("italic", "oblique"):
        return "'font-style: italic' is undone in large print (no italics there); use weight or colour to stress text"
    if prop == "text-align" and value.startswith("justify"):
        return "'text-align: justify' makes uneven word spacing: clear print is left-aligned"
    if prop == "font-size":
        match = _LENGTH.match(value.replace("!important", "").strip())
        if match:
            size = float(match[1]) * _TO_PT[match[2]]
            if size < MIN_STANDARD_PT:
                return (
                    f"'font-size: {value}' is {size:.1f} pt, below clear print's "
                    f"{MIN_STANDARD_PT:g} pt (and large print's {MIN_LARGE_PT:g} pt): "
                    "use sizes relative to the body (em, %)"
                )
    if prop in ("color", "background", "background-color", "border", "border-color", "border-top", "border-bottom"):
        for found in _COLOUR.findall(value):
            if found.lower() not in allowed_colours:
                return (
                    f"colour {found!r} is not one of site.yaml's colours, so its contrast "
                    "is not checked: use {{ colours.primary }} and the other site colours"
                )
    return ""


def copy_template(name: str, folder: str | Path) -> Path:
    """Copy packaged template ``name`` into ``folder`` for editing; refuse to overwrite."""
    packaged = packaged_templates()
    if name not in packaged or name == PROTECTED:
        close = difflib.get_close_matches(name, packaged, n=1, cutoff=0.5)
        hint = f" (did you mean {close[0]}?)" if close else ""
        reason = "cannot be overridden" if name == PROTECTED else "is not a packaged template"
        raise ConfigError(f"{name} {reason}{hint}; 'benech-publish templates list' shows them")
    target = Path(folder) / name
    if target.exists():
        raise ConfigError(f"{target} exists already: edit it, or delete it to copy again")
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(PACKAGE_TEMPLATES / name, target)
    return target
