"""The Jinja environment of :class:`~benech_publish.render.Renderer`: loaders, filters, globals.

Takes: the clinic's templates folder, or ``None``. Gives: the one
``jinja2.Environment`` the writers render through: templates looked up first
in the clinic's folder (each confined to it, :class:`ConfinedLoader`), then in
the packaged ``benech_publish/templates``; ``package/<name>`` is always the
packaged file. Strict undefined values, autoescaping for markup, and every
plain string written into markup given the language's typography.

Only :class:`~benech_publish.render.Renderer` imports this module, when it is
made: loading, ``check`` and a build with nothing to make never import Jinja
(docs/architecture.md, "Imports follow use").
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jinja2
from markupsafe import Markup

from . import i18n, provenance, urls
from . import model as m
from .errors import ConfigError
from .overrides import PACKAGE_TEMPLATES
from .render import inline_html
from .safety import resolve_inside
from .typography import Smartener, smarten


class ConfinedLoader(jinja2.FileSystemLoader):
    """A Jinja loader that refuses a template resolving outside its folder (use time)."""

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        source, filename, uptodate = super().get_source(environment, template)
        folder = next((p for p in self.searchpath if Path(filename).is_relative_to(p)), self.searchpath[0])
        _, problem = resolve_inside(folder, filename)
        if problem:
            raise ConfigError(f"template {template}: {problem}")
        return source, filename, uptodate


def environment(templates: str | Path | None = None) -> jinja2.Environment:
    """The environment, with the clinic's ``templates`` folder first when given."""
    package = jinja2.FileSystemLoader(str(PACKAGE_TEMPLATES))
    # "package/<name>" is always the packaged file (the protections), whatever the overrides.
    loaders: list[jinja2.BaseLoader] = [jinja2.PrefixLoader({"package": package})]
    if templates is not None:
        if not isinstance(templates, (str, os.PathLike)) or not Path(templates).is_dir():
            raise ConfigError(f"templates folder {templates!r} not found")
        loaders.append(ConfinedLoader(str(templates)))
    loaders.append(package)
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=jinja2.select_autoescape(["html", "xhtml", "xml", "opf"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=_finalize,
    )
    env.filters["inline"] = _inline_filter
    env.filters["date"] = _date_filter
    env.filters["href"] = urls.safe_href
    env.filters["shown_url"] = _shown_url
    env.filters["web_href"] = lambda value: urls.safe_href(value, urls.WEB_SCHEMES)
    env.filters["tel_href"] = urls.tel_href
    env.filters["mailto_href"] = urls.mailto_href
    env.globals["plain_text"] = m.plain_text
    env.globals["iter_blocks"] = m.iter_blocks
    env.globals["kind"] = lambda node: type(node).__name__
    env.globals.update(provenance.template_globals())
    return env


@jinja2.pass_context
def _inline_filter(ctx: jinja2.runtime.Context, nodes: Iterable[m.Inline]) -> Markup:
    return inline_html(nodes, ctx.get("id_prefix", ""), ctx.get("link_map") or None, Smartener(ctx.get("lang", "en")))


@jinja2.pass_context
def _shown_url(ctx: jinja2.runtime.Context, url: str) -> str:
    """An address as a leaflet prints it: without ``https://``, and a long one shortened to its
    host (the QR code and the link carry the full address); the web page and the EPUB
    show it whole, and so does the booklet (its print and EPUB text must be the same)."""
    if ctx.get("medium") != "pdf" or not ctx.get("short_urls"):
        return url
    parts = urlsplit(url)
    if not parts.netloc:
        return url
    short = (parts.netloc + parts.path).rstrip("/")
    return short if len(short) <= 40 else parts.netloc


@jinja2.pass_context
def _finalize(ctx: jinja2.runtime.Context, value: Any) -> Any:
    """Every plain string a markup template writes gets the language's typography
    (titles, summaries, labels, alt texts); markup, addresses and stylesheets do not."""
    if type(value) is not str or (ctx.name or "").endswith(".css"):
        return value
    return smarten(value, ctx.get("lang", "en"))


@jinja2.pass_context
def _date_filter(ctx: jinja2.runtime.Context, value: Any) -> str:
    return i18n.format_date(value, ctx.get("lang", "en"))
