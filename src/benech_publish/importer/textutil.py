"""Small text helpers and the conversion result shared by the importer's HTML modules.

Takes: strings. Gives: clean text, short quotes for the report, language codes.
Pure: no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .. import model as m

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff\ud800-\udfff]")
_WS = re.compile(r"\s+")
_LANG_RE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


@dataclass
class HtmlResult:
    """What the HTML gave: sections, and notes for the import summary."""

    sections: tuple[m.Section, ...] = ()
    title_from_h1: str = ""
    dropped: list[str] = field(default_factory=list)
    repaired: list[str] = field(default_factory=list)
    review: list[str] = field(default_factory=list)


def clean_text(text: str) -> str:
    """Entities are already text: drop control characters, collapse whitespace."""
    return _WS.sub(" ", _CONTROL.sub("", text)).strip()


def _short(text: str, n: int = 60) -> str:
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


def _lang_code(value: str) -> str:
    value = value.strip().replace("_", "-")
    return value.split("-")[0].lower() if value else ""
