"""HTML writer: a condition → one self-contained, accessible web page.

Takes: a condition, the site, an edition, the content root (for images).
Gives: UTF-8 bytes of an XHTML5 page with its CSS inline and images as
``data:`` URIs, so the file can be mailed or uploaded on its own. Images
(the logo included) go through :func:`~benech_publish.safety.image_data_uri`:
confined to the content folder, SVGs sanitised.
"""

from __future__ import annotations

from pathlib import Path

from ..model import Condition, Site
from ..options import Options
from ..render import Edition, Renderer
from ..safety import image_data_uri


def write_page(condition: Condition, site: Site, edition: Edition, renderer: Renderer,
               options: Options, content_root: Path) -> bytes:
    root = Path(content_root)
    html = renderer.condition_page(condition, site, edition, options,
                                   asset_url=lambda src: image_data_uri(root, src))
    return html.encode("utf-8")
