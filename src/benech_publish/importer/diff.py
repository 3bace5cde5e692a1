"""``import --diff``: what changed on the site, section by section.

Takes: the existing content file and the Markdown a new import would write.
Gives: a unified diff per part that changed (the front matter, then each
``## `` section, matched by its anchor, else its heading), in the order of
the new text; sections only in the existing file come last. Empty when
nothing changed. Pure apart from reading the existing file.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path

_SECTION = re.compile(r"^## (.*?)(?:\s*\{#([a-z0-9-]+)[^}]*\})?\s*$")


def _parts(text: str) -> list[tuple[str, str, list[str]]]:
    """``(key, title, lines)`` for the front matter and each level-2 section."""
    parts: list[tuple[str, str, list[str]]] = [("", "front matter", [])]
    for line in text.splitlines():
        match = _SECTION.match(line)
        if match:
            key = match.group(2) or match.group(1).strip().lower()
            parts.append((key, f"## {match.group(1).strip()}", []))
        parts[-1][2].append(line)
    return parts


def markdown_diff(existing: Path, new_text: str) -> str:
    """The per-section unified diff of ``existing`` (may be missing) against ``new_text``."""
    try:
        old_text = existing.read_text(encoding="utf-8")
    except FileNotFoundError:
        old_text = ""
    except (OSError, UnicodeDecodeError) as exc:
        old_text = f"(the existing file cannot be read: {exc})\n"
    if old_text == new_text:
        return ""
    old = {key: (title, lines) for key, title, lines in _parts(old_text)}
    out: list[str] = []
    seen: set[str] = set()
    for key, title, lines in _parts(new_text):
        seen.add(key)
        before = old.get(key, (title, []))[1]
        out += _one(existing, title, before, lines)
    for key, (title, lines) in old.items():
        if key not in seen:
            out += _one(existing, title, lines, [])
    return "\n".join(out) + ("\n" if out else "")


def _one(path: Path, title: str, before: list[str], after: list[str]) -> list[str]:
    if before == after:
        return []
    return list(
        difflib.unified_diff(before, after, fromfile=f"{path} ({title})", tofile=f"site ({title})", lineterm="")
    )
