"""Typography per language, applied once, in the render stage: what the author typed → print.

Takes: a text and its language (and, within running text, the character
before it). Gives: the same text with

* typographic apostrophes: ``L'emispasmo`` → ``L’emispasmo``, ``l'85%`` → ``l’85%``;
* quotation marks per language: English “…” (inner ‘…’), Italian «…» (inner “…”),
  without spaces inside the guillemets (Italian usage; French would add them);
* en dashes in numeric ranges: ``3-6 mesi`` → ``3–6 mesi`` (not in dates such as
  ``2024-09-01``, nor inside words or codes);
* non-breaking spaces where a number and its unit or ``%`` must stay on one line
  (``85 %``, ``5 mg``, ``37 °C``): only where the author put a space.

Source files keep what the author typed; web addresses, e-mail addresses,
code and CSS are never changed. :class:`Smartener` carries the previous
character across the pieces of one paragraph (text, then emphasis, then text),
so a quotation mark opens or closes correctly around inline markup.
"""

from __future__ import annotations

import re
from typing import NamedTuple


class Quotes(NamedTuple):
    open: str
    close: str
    inner_open: str
    inner_close: str


#: Quotation marks per language (base language code); others use the English ones.
QUOTES: dict[str, Quotes] = {
    "en": Quotes("\u201c", "\u201d", "\u2018", "\u2019"),
    "it": Quotes("\u00ab", "\u00bb", "\u201c", "\u201d"),
}
APOSTROPHE = "\u2019"
EN_DASH = "\u2013"
NBSP = "\u00a0"

_APOSTROPHE = re.compile(r"(?<=\w)'(?=\w)|(?<![\w'])'(?=\d\ds?\b)")
_RANGE = re.compile(r"(?<![\w\-\u2013/.,:])(\d{1,4})-(\d{1,4})(?![\w\-/]|[.,]\d)")
_UNIT = re.compile(r"(\d) (%|‰|°C|°F|mg|mcg|µg|g|kg|ml|mL|l|cl|dl|mm|cm|m|km|mmHg|h|min|Gy)(?!\w)")
_ADDRESS = re.compile(r"://|^www\.|^mailto:|^tel:|^[^\s@]+@[^\s@]+\.[a-z]{2,}$|^#|^/", re.I)
_OPENS_AFTER = set(" \t\n\u00a0([{\u2013\u2014/-") | {""}


def quotes_for(lang: str) -> Quotes:
    return QUOTES.get((lang or "en").split("-")[0].lower(), QUOTES["en"])


def looks_like_address(text: str) -> bool:
    """A web or e-mail address, an anchor or a path: never changed."""
    return bool(_ADDRESS.search(text.strip()))


class Smartener:
    """Typography for the pieces of one run of text, in reading order (see the module docstring)."""

    def __init__(self, lang: str, previous: str = ""):
        self.quotes = quotes_for(lang)
        self.previous = previous

    def child(self, lang: str) -> Smartener:
        """The same run continued in another language (a foreign-language span)."""
        return Smartener(lang, self.previous)

    def text(self, text: str) -> str:
        if not text:
            return text
        if looks_like_address(text):
            self.previous = text[-1]
            return text
        if "'" in text:
            text = _APOSTROPHE.sub(APOSTROPHE, text)
        if "-" in text:
            text = _RANGE.sub(rf"\1{EN_DASH}\2", text)
        text = _UNIT.sub(rf"\1{NBSP}\2", text)
        if '"' not in text and "'" not in text:
            self.previous = text[-1]  # no quotation mark to choose (the loop below would copy)
            return text
        out = []
        for ch in text:
            if ch == '"':
                ch = self.quotes.open if self.previous in _OPENS_AFTER else self.quotes.close
            elif ch == "'":
                ch = self.quotes.inner_open if self.previous in _OPENS_AFTER else self.quotes.inner_close
            out.append(ch)
            self.previous = ch
        return "".join(out)

    def skip(self, text: str) -> str:
        """Text that must stay as typed (code): only remembered as the previous character."""
        if text:
            self.previous = text[-1]
        return text


def smarten(text: str, lang: str) -> str:
    """``text`` with the typography of ``lang`` (one piece, nothing before it)."""
    return Smartener(lang).text(text)
