"""Model → semantic XHTML, through one Jinja environment.

Takes: a :class:`~benech_publish.model.Condition` (or the whole content for a
booklet), the site, an edition and a target medium. Gives: XHTML strings
(well-formed XML, ``lang`` on ``<html>``, one ``h1``, a ``section`` per
section carrying its anchor id) and the CSS that goes with them. The PDF and
EPUB writers consume this; the ``html`` format writes it as a web page.

Templates are looked up first in the clinic's ``templates/`` folder (when
given; see :mod:`benech_publish.overrides`), then in the packaged
``benech_publish/templates`` (Pelican-style ``ChoiceLoader``), so a clinic can
override one file without copying all (the environment, its loaders and
filters: :mod:`.templating`, imported when a :class:`Renderer` is made, so a
build with nothing to make never imports Jinja). Every medium's CSS ends with the
clinic's ``css/clinic.css`` and then the packaged ``css/protect.css``
(:meth:`Renderer.stylesheets`), which no override can replace.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from markupsafe import Markup, escape

from . import i18n, urls
from . import model as m
from .contrast import dark_colours
from .errors import ConfigError, RenderError
from .options import DEFAULT_OPTIONS, EDITIONS, Options
from .overrides import CLINIC_CSS, PROTECTED
from .typography import Smartener

if TYPE_CHECKING:  # Jinja is imported when a Renderer is made (see templating.py)
    import jinja2

XHTML_NS = "http://www.w3.org/1999/xhtml"


def inline_html(
    nodes: Iterable[m.Inline],
    id_prefix: str = "",
    link_map: dict[str, str] | None = None,
    smart: Smartener | None = None,
) -> Markup:
    """Inline nodes → XHTML. ``#anchor`` links become ``#<id_prefix><anchor>``
    (or ``link_map[anchor]`` when given, e.g. ``chapter.xhtml#anchor``).

    ``smart`` (the paragraph's :class:`~benech_publish.typography.Smartener`)
    applies the language's typography to the text; code and addresses stay as typed.
    """
    out: list[str] = []

    def children(node: m.Emphasis | m.Strong | m.Span | m.Abbr | m.Link, inner: Smartener | None = smart) -> Markup:
        return inline_html(node.children, id_prefix, link_map, inner)

    for node in nodes:
        if isinstance(node, m.Text):
            out.append(str(escape(smart.text(node.text) if smart else node.text)))
        elif isinstance(node, m.Code):
            out.append(f"<code>{escape(smart.skip(node.text) if smart else node.text)}</code>")
        elif isinstance(node, m.LineBreak):
            out.append("<br/>")
        elif isinstance(node, m.Emphasis):
            out.append(f"<em>{children(node)}</em>")
        elif isinstance(node, m.Strong):
            out.append(f"<strong>{children(node)}</strong>")
        elif isinstance(node, m.Span):
            lang = escape(node.lang)
            inner = smart.child(node.lang) if smart else None
            out.append(f'<span lang="{lang}" xml:lang="{lang}">{children(node, inner)}</span>')
            if smart and inner:
                smart.previous = inner.previous
        elif isinstance(node, m.Abbr):
            out.append(f'<abbr title="{escape(node.title)}">{children(node)}</abbr>')
        elif isinstance(node, m.Link):
            href = node.href
            if href.startswith("#"):
                anchor = href[1:]
                href = (link_map or {}).get(anchor, f"#{id_prefix}{anchor}")
            else:
                href = urls.safe_href(href)
            title = f' title="{escape(node.title)}"' if node.title else ""
            out.append(f'<a href="{escape(href)}"{title}>{children(node)}</a>')
        else:  # pragma: no cover - exhaustive over model.Inline
            raise RenderError(f"unknown inline node {node!r}")
    return Markup("".join(out))


@dataclass(frozen=True)
class Edition:
    """What differs between the standard and the large-print edition."""

    name: str  # "standard" | "large"
    body_pt: float
    hyphenate: bool
    paper: str

    @property
    def is_large(self) -> bool:
        return self.name == "large"

    @property
    def suffix(self) -> str:
        """File-name suffix: ``''`` or ``'.large'``."""
        return ".large" if self.is_large else ""


def edition(name: str, options: Options = DEFAULT_OPTIONS) -> Edition:
    """The edition called ``name`` (``standard`` or ``large``) under ``options``."""
    if not isinstance(name, str) or name not in EDITIONS:
        raise ConfigError(f"unknown edition {name!r}: choose from {', '.join(EDITIONS)}")
    if not isinstance(options, Options):
        raise ConfigError(f"options must be an Options, not {type(options).__name__}")
    large = name == "large"
    return Edition(
        name=name, body_pt=options.body_pt(name), hyphenate=not large, paper="A4" if large else options.paper
    )


class Renderer:
    """One Jinja environment shared by every writer. Thread-safe for reading."""

    def __init__(self, templates: str | Path | None = None):
        from .templating import environment  # Jinja is imported here, when something is rendered

        self.env: jinja2.Environment = environment(templates)
        #: :func:`dark_colours` per site colours (computed once, not per document).
        self._dark: dict[m.Colours, m.Colours] = {}

    def render(self, name: str, **context: Any) -> str:
        """Render template ``name``; a publication's markup is checked by
        :func:`urls.check_markup` before it is returned (no script, event handler or
        unsafe address leaves here)."""
        import jinja2

        try:
            text = self.env.get_template(name).render(**context)
        except jinja2.TemplateError as exc:
            lineno = getattr(exc, "lineno", None)
            where = f"{getattr(exc, 'filename', None) or name}:{lineno}" if lineno else name
            raise RenderError(f"template {where}: {exc}") from exc
        # Publications only: serve/ is the staff web app (our own scripts, never published).
        if name.endswith((".xhtml", ".html")) and not name.startswith("serve/"):
            urls.check_markup(text, name)
        return text

    def base_context(
        self, site: m.Site, lang: str, ed: Edition, medium: str, options: Options = DEFAULT_OPTIONS, **extra: Any
    ) -> dict[str, Any]:
        """What every template may use: ``site``, ``lang``, ``L`` (labels), ``edition``, ``medium``."""
        ctx: dict[str, Any] = {
            "site": site,
            "lang": lang,
            "L": i18n.labels(lang),
            "edition": ed,
            "medium": medium,  # "html" | "pdf" | "epub"
            "options": options,
            "colours": site.colours,
            "dark": self._dark_colours(site.colours),  # the web page's dark-scheme colours
            "id_prefix": "",
            "link_map": {},
            "stylesheets": (),
            "inline_css": "",
            "asset_url": lambda src: src,  # writers map content paths to output URLs
            "t": lambda values: site.text(values, lang),
        }
        ctx.update(extra)
        return ctx

    def _dark_colours(self, colours: m.Colours) -> m.Colours:
        dark = self._dark.get(colours)
        if dark is None:
            dark = self._dark[colours] = dark_colours(colours)
        return dark

    def stylesheets(self, names: Iterable[str], **context: Any) -> list[str]:
        """CSS texts of ``names``, then the clinic's ``css/clinic.css``, then the
        packaged ``css/protect.css`` (edition protections), which comes last so
        no override can undo it."""
        return [self.render(name, **context) for name in (*names, CLINIC_CSS)] + [
            self.render(f"package/{PROTECTED}", **context)
        ]

    def condition_page(
        self, condition: m.Condition, site: m.Site, ed: Edition, options: Options = DEFAULT_OPTIONS, **extra: Any
    ) -> str:
        """A condition as a standalone accessible web page (the ``html`` format)."""
        css = "\n".join(
            self.stylesheets(["css/web.css"], **self.base_context(site, condition.lang, ed, "html", options))
        )
        ctx = self.base_context(
            site, condition.lang, ed, "html", options, condition=condition, inline_css=Markup(css), **extra
        )
        return self.render("page.xhtml", **ctx)
