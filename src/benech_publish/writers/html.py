"""Web page writer: a condition → one self-contained, accessible web page.

Takes: a condition, the site, an edition and the build's
:class:`~benech_publish.writers.Context` (renderer, options, content root for
images). Gives: UTF-8 bytes of an XHTML5 page with its CSS inline and images
as ``data:`` URIs, so the file can be mailed or uploaded on its own.
"""

from __future__ import annotations

from ..model import Condition, Site
from ..render import Edition
from . import Context


def write_page(condition: Condition, site: Site, edition: Edition, ctx: Context) -> bytes:
    html = ctx.renderer.condition_page(condition, site, edition, ctx.options, asset_url=ctx.asset_url)
    return html.encode("utf-8")
