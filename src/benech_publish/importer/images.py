"""The images of an imported page: downloaded, or a local placeholder to fill in.

Takes: a draft :class:`~benech_publish.model.Condition` whose figures still
point at web addresses, the content folder and an image :class:`net.Policy`
(or None when images cannot be fetched: a file source, ``--no-fetch-images``,
``--diff``). Gives: the condition with every figure pointing at
``images/<slug>/<name>`` under the content folder, the files saved, and a
review note for every image that still has to be added by hand.

Names: ``<stem>-<hash>.<ext>``: the stem from the address (lower-case ASCII,
digits, hyphens), the hash the first 12 hex digits of the SHA-256 of the
bytes (downloaded) or of the address (placeholder). Two different images
never share a name; the same image found twice is saved once.
Only PNG, JPEG, GIF and WebP files recognised by their bytes are saved.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from .. import model as m
from ..errors import ImportError_
from ..markdown import slugify
from ..util import atomic_write
from . import net

IMAGE_MAX_BYTES = 15 * 1024 * 1024
_MAGIC = ((b"\x89PNG\r\n\x1a\n", ".png"), (b"\xff\xd8\xff", ".jpg"), (b"GIF87a", ".gif"), (b"GIF89a", ".gif"))
_RASTER = (".png", ".jpg", ".jpeg", ".gif", ".webp")


def image_type(data: bytes) -> str:
    """``.png``, ``.jpg``, ``.gif`` or ``.webp`` from the bytes, else ''."""
    ext = next((e for magic, e in _MAGIC if data.startswith(magic)), "")
    if not ext and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        ext = ".webp"
    return ext


def _stem(url: str) -> str:
    stem = slugify(PurePosixPath(unquote(urlsplit(url).path)).stem)[:48].strip("-")
    return "image" if stem in ("", "section") else stem


def image_name(url: str, data: bytes) -> str:
    """The file name for downloaded bytes, or '' when they are not a supported image."""
    ext = image_type(data)
    if not ext:
        return ""
    return f"{_stem(url)}-{hashlib.sha256(data).hexdigest()[:12]}{ext}"


def placeholder_name(url: str) -> str:
    """The file name to add by hand for an image that was not downloaded."""
    ext = PurePosixPath(unquote(urlsplit(url).path)).suffix.lower()
    ext = {".jpeg": ".jpg"}.get(ext, ext) if ext in _RASTER else ".png"
    return f"{_stem(url)}-{hashlib.sha256(url.encode('utf-8')).hexdigest()[:12]}{ext}"


@dataclass
class ImageNotes:
    """What happened to the page's images (for the page's report)."""

    saved: list[Path] = field(default_factory=list)
    review: list[str] = field(default_factory=list)


def localise(
    condition: m.Condition, content_dir: Path, policy: net.Policy | None, *, why_not: str, write: bool = True
) -> tuple[m.Condition, ImageNotes]:
    """Every http(s) figure → a local path; downloads under ``policy`` when given.

    ``why_not`` says why images are not downloaded when ``policy`` is None.
    With ``write`` false nothing is written (``--diff``).
    """
    notes = ImageNotes()
    done: dict[str, str] = {}
    folder = f"images/{condition.slug}"

    def placeholder(url: str, reason: str) -> str:
        rel = f"{folder}/{placeholder_name(url)}"
        notes.review.append(f"image {_short(url)} not downloaded ({reason}): save it as {content_dir / rel}")
        return rel

    def one(fig: m.Figure) -> m.Figure:
        url = fig.src
        if url in done:
            return replace(fig, src=done[url])
        origin = net.origin_of(url)
        if origin is None:  # not http(s): the converter already dropped such images
            return fig
        if policy is None:
            rel = placeholder(url, why_not)
        elif origin not in policy.origins:
            rel = placeholder(
                url, f"it is on {origin}, not on {_allowed(policy)}; list the host with --image-host to allow it"
            )
        else:
            rel, reason = _download(url, policy, content_dir, folder, notes, write)
            if reason:
                rel = placeholder(url, reason)
        done[url] = rel
        return replace(fig, src=rel)

    def blocks(items: tuple[m.Block, ...]) -> tuple[m.Block, ...]:
        out: list[m.Block] = []
        for b in items:
            if isinstance(b, m.Figure):
                b = one(b)
            elif isinstance(b, (m.BulletList, m.NumberedList)):
                b = replace(b, items=tuple(m.ListItem(blocks(i.blocks)) for i in b.items))
            elif isinstance(b, m.Note):
                b = replace(b, blocks=blocks(b.blocks))
            out.append(b)
        return tuple(out)

    def section(s: m.Section) -> m.Section:
        return replace(s, blocks=blocks(s.blocks), subsections=tuple(section(x) for x in s.subsections))

    return replace(condition, sections=tuple(section(s) for s in condition.sections)), notes


def _download(
    url: str, policy: net.Policy, content_dir: Path, folder: str, notes: ImageNotes, write: bool
) -> tuple[str, str]:
    """Download one image → ``(content-relative path, '')`` or ``('', why not)``."""
    try:
        data, _, _ = net.fetch(url, replace(policy, max_bytes=min(policy.max_bytes, IMAGE_MAX_BYTES)), accept="image/*")
    except ImportError_ as exc:
        return "", str(exc).removeprefix(url + ": ")
    name = image_name(url, data)
    if not name:
        return "", "it is not a PNG, JPEG, GIF or WebP file"
    rel = f"{folder}/{name}"
    target = content_dir / rel
    if write and not target.is_file():
        atomic_write(target, data)
        notes.saved.append(target)
    return rel, ""


def _allowed(policy: net.Policy) -> str:
    return ", ".join(sorted(str(o) for o in policy.origins)) or "no site"


def _short(text: str, n: int = 80) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"
