"""The one confinement rule for every file the content refers to, and safe image bytes.

Takes: a folder (the content root, a templates folder) and a path found in it
or a reference written in the content (``images/logo.svg``,
``../images/scan.png``). Gives: the resolved path, or a plain-language problem.

The rule: a reference is a relative path (not an address, not absolute);
resolved, **symbolic links included**, it must stay inside its folder and
name a regular file. The loader applies it at validation time (a problem is a
diagnostic at ``file:line``); the writers apply it again at use time through
:func:`image_bytes` / :func:`image_data_uri` (a problem fails that output),
so a file changed or swapped for a link between ``check`` and ``build`` still
cannot leak. Images are checked by type, and SVGs are passed through the
allowlist of :mod:`.svg` before any output embeds them.
"""

from __future__ import annotations

import base64
import re
import unicodedata
from pathlib import Path

from . import svg
from .errors import RenderError

#: Image types every output can carry (EPUB core media types), by extension.
IMAGE_TYPES = {
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
}
MAX_IMAGE_BYTES = 20 * 1024 * 1024
_ADDRESS_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:|^//|^\\\\")


def resolve_inside(folder: str | Path, path: str | Path) -> tuple[Path | None, str]:
    """``(resolved path, "")`` when ``path`` resolves (links followed) inside ``folder``."""
    try:
        base = Path(folder).resolve()
        target = Path(path).resolve()
    except (OSError, RuntimeError) as exc:  # a link loop, an unreadable folder
        return None, f"'{path}' cannot be resolved ({getattr(exc, 'strerror', None) or exc})"
    if not target.is_relative_to(base):
        how = "a link to a file" if Path(path).is_symlink() or _via_link(folder, path) else "a file"
        return None, f"'{_shown(path, folder)}' is {how} outside the folder {Path(folder)}"
    return target, ""


def _via_link(folder: str | Path, path: str | Path) -> bool:
    p = Path(path)
    for parent in [p, *p.parents]:
        if parent == Path(folder):
            break
        if parent.is_symlink():
            return True
    return False


def _shown(path: str | Path, folder: str | Path) -> str:
    try:
        return Path(path).relative_to(folder).as_posix()
    except ValueError:
        return str(path)


def resolve_reference(
    folder: str | Path, ref: str, *, base: str | Path | None = None, what: str = "file"
) -> tuple[Path | None, str]:
    """A reference written in the content, relative to ``base`` (default: ``folder``).

    Gives ``(resolved path, "")`` for a regular file inside ``folder``;
    ``(resolved path, problem)`` for a path inside it that is missing or not a
    regular file; ``(None, problem)`` for anything that leaves it.
    """
    if not isinstance(ref, str) or not ref.strip():
        return None, f"{what} reference is empty"
    if any(unicodedata.category(ch) in ("Cc", "Zl", "Zp") for ch in ref):
        return None, f"{what} {ref!a} contains control characters"
    if _ADDRESS_RE.match(ref):
        return None, (f"{what} '{ref}' must be a file inside the content folder, not an address")
    if Path(ref).is_absolute() or ref.startswith(("/", "\\")):
        return None, f"{what} '{ref}' must be a path relative to the content, not an absolute path"
    target, problem = resolve_inside(folder, Path(base if base is not None else folder) / ref)
    if problem:
        return None, f"{what} '{ref}' is outside the content folder" + (
            " (through a symbolic link)" if "link" in problem else ""
        )
    assert target is not None
    if not target.exists():  # inside, but missing: the path is still given back (for reports)
        return target, f"{what} file '{ref}' not found"
    if not target.is_file():
        return target, f"{what} '{ref}' is not a regular file"
    return target, ""


def image_problem(path: Path, ref: str, what: str = "image") -> str:
    """Why an image file that exists cannot be published (type, size, unsafe SVG), or ``""``."""
    suffix = path.suffix.lower()
    if suffix not in IMAGE_TYPES:
        return f"{what} '{ref}' has an unsupported type '{suffix or '(none)'}': use SVG, PNG, JPEG, GIF or WebP"
    try:
        size = path.stat().st_size
        if size > MAX_IMAGE_BYTES:
            return f"{what} '{ref}' is larger than {MAX_IMAGE_BYTES // (1024 * 1024)} MB"
        if suffix == ".svg":
            svg.sanitize(path.read_bytes())
    except svg.SvgProblem as exc:
        return f"{what} '{ref}' is refused: {exc}"
    except OSError as exc:
        return f"{what} '{ref}' cannot be read ({exc.strerror})"
    return ""


def check_image(root: str | Path, ref: str, *, base: str | Path | None = None, what: str = "image") -> tuple[str, str]:
    """Validation time: ``(path relative to root, "")`` or ``(ref, problem)``."""
    target, problem = resolve_reference(root, ref, base=base, what=what)
    if target is None:
        return ref, problem
    rel = target.relative_to(Path(root).resolve()).as_posix()
    return rel, problem or image_problem(target, ref, what)


def image_bytes(root: str | Path, src: str) -> bytes:
    """Use time: the bytes an output may embed for ``src`` (SVG sanitised); RenderError otherwise."""
    target, problem = resolve_reference(root, src, what="image")
    if target is not None and not problem:
        problem = image_problem(target, src)
    if problem:
        raise RenderError(problem)
    assert target is not None
    data = target.read_bytes()
    if target.suffix.lower() == ".svg":
        try:
            data = svg.sanitize(data)
        except svg.SvgProblem as exc:  # changed since it was checked
            raise RenderError(f"image '{src}' is refused: {exc}") from None
    return data


def media_type(src: str) -> str:
    return IMAGE_TYPES.get(Path(src).suffix.lower(), "application/octet-stream")


def image_data_uri(root: str | Path, src: str) -> str:
    """:func:`image_bytes` as a ``data:`` URL (no ``file:`` URL ever reaches an output)."""
    encoded = base64.b64encode(image_bytes(root, src)).decode("ascii")
    return f"data:{media_type(src)};base64,{encoded}"


def check_templates(folder: str | Path) -> str:
    """``""`` when every file under a templates folder stays inside it, else the first problem."""
    base = Path(folder)
    for path in sorted(base.rglob("*")):
        _, problem = resolve_inside(base, path)
        if problem:
            return f"templates: {problem}"
    return ""
