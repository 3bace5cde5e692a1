"""QR codes that open a leaflet's online page.

Takes: a URL, a language (for the alt text) and the site colours. Gives: a
:class:`QrImage` -- an SVG ``data:`` URI (vector, so it prints sharp at any
size and adds ~2 KB to a PDF) and its alt text, from the ``qr_alt`` label
("QR code: online version of this leaflet"): it says what the code is, not the
address, which the closing panel prints (and a screen reader reads) right
after it. Ready for ``mx.closing_panel(condition, qr=...)``.

Dark modules use the site's text colour on its background colour: the
contrast check already guarantees 7:1 for that pair, well above what
scanners need. Error correction is level M (15 %) with the standard 4-module
quiet zone.
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass
from functools import lru_cache
from io import BytesIO

import segno

from . import i18n
from .model import Colours


@dataclass(frozen=True)
class QrImage:
    src: str  # data:image/svg+xml URI
    alt: str
    url: str


def qr_for(url: str, lang: str, colours: Colours | None = None) -> QrImage:
    """The QR image of ``url`` with alt text in ``lang``."""
    colours = colours or Colours()
    return QrImage(
        src=svg_data_uri(url, colours.text, colours.background),
        alt=i18n.labels(lang)["qr_alt"].format(url=url),
        url=url,
    )


@lru_cache(maxsize=256)
def svg_data_uri(url: str, dark: str = "#000000", light: str = "#ffffff") -> str:
    """The QR code of ``url`` as an SVG data URI (one user unit per module, with a viewBox)."""
    code = segno.make(url, error="m", micro=False)
    out = BytesIO()
    code.save(
        out,
        kind="svg",
        dark=dark,
        light=light,
        border=4,
        scale=1,
        unit="mm",
        xmldecl=False,
        svgclass=None,
        lineclass=None,
    )
    return "data:image/svg+xml;charset=utf-8," + urllib.parse.quote(out.getvalue().decode("ascii"), safe="/=:;,'")
