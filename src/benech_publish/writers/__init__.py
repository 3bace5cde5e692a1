"""Writers: model + edition → bytes, one module per output (web page, leaflet, booklet).

Every writer has one shape: model objects (a condition, or a language's
conditions), the site and an :class:`~benech_publish.render.Edition`, plus the
build's :class:`Context`, in; bytes per format out. Writing files (atomically)
is the build's job::

    ctx = Context(Renderer(), options, content_root, created)
    write_page(condition, site, edition, ctx)            # -> bytes (XHTML)
    write_leaflet(condition, site, edition, ctx)         # -> bytes (PDF)
    write_booklet(conditions, site, lang, edition, {"pdf", "epub"}, ctx)  # -> {"pdf": ..., "epub": ...}

Print goes through :mod:`benech_publish.typeset` (the only code that touches
WeasyPrint), created lazily on the first print job, so ``check`` and web-only
builds never import WeasyPrint.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from .. import model as m
from ..i18n import labels
from ..options import Options
from ..render import Edition, Renderer
from ..safety import image_data_uri, resolve_reference
from ..typeset import fonts
from ..typeset.engine import Typesetter, page_of_css


class Context:
    """What every writer needs besides the model; one per build (or per worker process).

    ``created`` is the build date (from ``SOURCE_DATE_EPOCH`` when the caller
    read it, else now), passed in once: writers never read the environment.
    """

    def __init__(self, renderer: Renderer, options: Options, content_root: str | Path, created: dt.datetime):
        self.renderer = renderer
        self.options = options
        self.root = Path(content_root).resolve()
        self.created = created.astimezone(dt.UTC).replace(microsecond=0)
        self._typesetter: Typesetter | None = None
        self._print_css: dict[tuple[Edition, m.Colours, str, tuple[str, ...]], list[str]] = {}
        #: ``data:`` URLs made by :meth:`asset_url`, by reference and the file's identity.
        self._asset_urls: dict[tuple[str, Path, int, int, int, int], str] = {}

    @property
    def typesetter(self) -> Typesetter:
        """The print engine, created on first use (imports and checks WeasyPrint)."""
        if self._typesetter is None:
            self._typesetter = Typesetter(self.root, pdf_variant=self.options.pdf_variant)
        return self._typesetter

    @property
    def notices(self) -> list[str]:
        """Plain-language warnings the print engine collected (none before any print job)."""
        return list(self._typesetter.notices) if self._typesetter is not None else []

    def warn(self, message: str) -> None:
        """A plain-language warning for the build report (each once)."""
        if message not in self.typesetter.notices:
            self.typesetter.notices.append(message)

    @property
    def logged(self) -> list[str]:
        """What the writers decided (none before any print job)."""
        return list(self._typesetter.log) if self._typesetter is not None else []

    def log(self, message: str) -> None:
        """Record what the writers decided (copy-fitting), shown by ``build --verbose``."""
        self.typesetter.log.append(message)

    @property
    def created_w3c(self) -> str:
        """The build date as a W3C datetime (UTC) for ``dcterms.*`` metas."""
        return self.created.strftime("%Y-%m-%dT%H:%M:%SZ")

    def asset_url(self, src: str) -> str:
        """A content-relative path (``images/logo.svg``) as a ``data:`` URL: confined to
        the content folder, SVGs sanitised (see :func:`safety.image_data_uri`). A ``file:``
        URL would also put the checkout's path into the bytes, breaking reproducibility.

        The reference is resolved (and confined) on every use; the URL of a file seen
        before, unchanged (same device, inode, modification time and size), is reused
        instead of reading, checking and encoding it again (the logo of every leaflet)."""
        target, problem = resolve_reference(self.root, src, what="image")
        if target is None or problem:
            return image_data_uri(self.root, src)  # raises the plain-language problem
        try:
            info = target.stat()
        except OSError:  # gone since it was resolved
            return image_data_uri(self.root, src)
        key = (src, target, info.st_dev, info.st_ino, info.st_mtime_ns, info.st_size)
        url = self._asset_urls.get(key)
        if url is None:
            url = self._asset_urls[key] = image_data_uri(self.root, src)
        return url

    def print_stylesheets(self, edition: Edition, site: m.Site, lang: str, extra: tuple[str, ...] = ()) -> list[str]:
        """CSS texts of a print document: fonts, ``css/print.css``, ``extra`` templates, then
        the clinic's additions and the edition protections (:meth:`Renderer.stylesheets`).

        Every colour comes from ``site.colours`` (so the build's contrast check
        covers it); ``lang`` localizes the running footer ("Page N of M"). The
        same arguments return equal texts (the typesetter caches parsed CSS by text).
        """
        key = (edition, site.colours, lang.split("-")[0], extra)
        css = self._print_css.get(key)
        if css is None:
            ctx = self.renderer.base_context(
                site,
                lang,
                edition,
                "pdf",
                self.options,
                font_family=fonts.FAMILY,
                page_of_css=page_of_css(labels(lang)["page_of"]),
            )
            css = [fonts.font_css(), *self.renderer.stylesheets(("css/print.css", *extra), **ctx)]
            self._print_css[key] = css
        return css
