"""Staff pages: the catalogue, one condition with its outputs and preview, the problems.

Takes: a request and the builder's current snapshot. Gives: HTML in the
browser's language (English or Italian, :mod:`.labels`) rendered by
the project's Jinja environment (the packaged templates under
``serve/templates``, overridable like every template). The pages work
without JavaScript; ``/static/live.js`` only refreshes them when a build
changes something.

The preview is the built web page itself (``out/html/<lang>/<slug>.html``),
so what staff see is exactly what the build made: its ``<article>`` is
taken out and shown inline, headings one level down under the page's own
``h1``.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import lxml.html
from lxml import etree
from markupsafe import Markup
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from .. import __version__
from .labels import LANGUAGE_NAMES, OUTPUT_LABELS, UI, ui_language
from .state import Entry, OutputFile


def output_label(f: OutputFile | None, lang: str, key: tuple[str, str, str] | None = None) -> str:
    labels = OUTPUT_LABELS.get(lang, OUTPUT_LABELS["en"])
    if key is None:
        assert f is not None
        key = (f.kind, f.format, f.edition)
    return labels.get(key) or OUTPUT_LABELS["en"].get(key) or (f.name if f else "")


def file_size(size: int) -> str:
    return f"{size / 1024:.0f} kB" if size < 1024 * 1024 else f"{size / 1024 / 1024:.1f} MB"


def file_id(path: str) -> str:
    """The id of a file's section on the problems page."""
    return "file-" + re.sub(r"[^A-Za-z0-9]+", "-", path).strip("-")


def render_page(
    request: Request, template: str, *, status_code: int = 200, headers: dict[str, str] | None = None, **context: Any
) -> HTMLResponse:
    """A staff page: the common context (snapshot, status, version) plus ``context``."""
    svc = request.app.state.services
    version, snapshot, status = svc.builder.current()
    lang = ui_language(request.headers.get("accept-language", ""))
    ctx: dict[str, Any] = {
        "lang": lang,
        "T": UI[lang],
        "version": version,
        "snapshot": snapshot,
        "status": status,
        "app_version": __version__,
        "path": request.url.path,
        "today": svc.config.today or dt.date.today(),
        "output_label": output_label,
        "file_size": file_size,
        "language_name": lambda code: LANGUAGE_NAMES.get(code, code),
        "file_id": file_id,
    }
    ctx.update(context)
    if "title_key" in ctx:
        ctx["title"] = UI[lang][ctx["title_key"]]
    html = svc.renderer.render(template, **ctx)
    return HTMLResponse(html, status_code=status_code, headers={"cache-control": "no-cache", **(headers or {})})


async def catalogue(request: Request) -> HTMLResponse:
    return render_page(request, "serve/catalogue.html", title_key="catalogue")


async def condition(request: Request) -> HTMLResponse:
    svc = request.app.state.services
    _, snapshot, _ = svc.builder.current()
    entry: Entry | None = snapshot.entry(request.path_params["lang"], request.path_params["slug"])
    if entry is None:
        raise HTTPException(404)
    page = entry.output("html", "standard")
    preview = preview_html(page) if page is not None else None
    leaflets = [o for o in entry.outputs if o.kind == "leaflet"]
    others = [o for o in entry.outputs if o.kind != "leaflet"]
    return render_page(
        request,
        "serve/condition.html",
        title=entry.title,
        entry=entry,
        preview=preview,
        leaflets=leaflets,
        others=others,
        booklets=snapshot.booklets_in(entry.lang),
        print_file=entry.output("pdf", "standard"),
    )


async def problems(request: Request) -> HTMLResponse:
    return render_page(request, "serve/problems.html", title_key="problems")


def routes() -> list[Route]:
    return [
        Route("/", catalogue),
        Route("/conditions/{lang}/{slug}", condition),
        Route("/problems", problems),
    ]


def preview_html(page: OutputFile) -> Markup | None:
    """The ``<article>`` of a built web page, as HTML with headings one level down."""
    try:
        tree = lxml.html.parse(str(page.path))
    except (OSError, etree.ParserError, etree.XMLSyntaxError):
        return None
    article = tree.find(".//article")
    if article is None:
        return None
    for el in article.iter():
        name = el.tag if isinstance(el.tag, str) else ""
        if len(name) == 2 and name[0] == "h" and name[1] in "12345":
            el.tag = f"h{int(name[1]) + 1}"
    article.tail = None
    return Markup(lxml.html.tostring(article, encoding="unicode"))
