"""Booklet writer: every condition of one language → a tagged PDF booklet and an EPUB 3.

Takes: the conditions of one language (already filtered and ordered by the
build: drafts only with ``include_drafts``), the site, the language, an
edition, the formats asked for and the build's
:class:`~benech_publish.writers.Context`. Gives::

    write_booklet(conditions, site, "it", edition, {"pdf", "epub"}, ctx)
    # -> Booklet(outputs={"pdf": bytes, "epub": bytes}, starts=[...], pages=N, plan=BookletPlan,
    #            stamp=Stamped)

The booklet is made of :class:`Unit`\\ s, each rendered from one template in
``templates/epub/`` (cover, titlepage, contents, intro, chapter, backmatter),
once with medium ``"pdf"`` and once with medium ``"epub"``:

* PDF: all units in one document (``templates/booklet.xhtml``), section ids
  prefixed ``<condition>-`` so every ``<condition>-<anchor>`` is a named
  destination; CSS ``print.css`` + ``booklet.css`` (contents with page numbers,
  running header with the chapter title); laid out and written by the
  typesetter (shared fonts, tag repairs, deterministic metadata).
* EPUB: one XHTML document per unit (``<condition>.xhtml#<anchor>``), our own
  nav (toc down to every section, landmarks, page-list), CSS ``epub.css``
  (see :mod:`.epub`).

The PDF is always laid out (even for an EPUB-only build): its pagination is
the EPUB's page-list (:mod:`benech_publish.typeset.pagelist`), so the standard
EPUB follows the standard PDF and the large-print EPUB the large-print PDF.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from lxml import etree
from markupsafe import Markup

from .. import __version__, i18n, provenance
from .. import model as m
from ..errors import RenderError
from ..render import XHTML_NS, Edition
from ..safety import image_bytes
from ..typeset import fonts, pagelist
from ..typeset.engine import Layout
from ..typeset.layout import LayoutFinding, check_layout, units_on_pages
from ..typography import smarten
from ..util import digest
from ..xmp import rdf_description, xmp_properties
from . import Context
from . import epub as epubpkg

_CROSS_LINK = re.compile(r"^([a-z0-9][a-z0-9-]*)#([a-z0-9][a-z0-9-]*)$")
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
#: Unit kinds in reading order (``chapter`` once per condition); also reserved condition ids.
UNIT_KINDS = ("cover", "titlepage", "contents", "intro", "chapter", "backmatter")
_RESERVED_IDS = frozenset(k for k in UNIT_KINDS if k != "chapter") | {"nav"}
#: Units laid out as designed pages (never run on, exempt from the near-empty check).
_DESIGNED = frozenset({"cover", "titlepage", "contents"})


class Unit(NamedTuple):
    """One part of the booklet: a front/back matter unit, or a condition's chapter."""

    kind: str  # one of UNIT_KINDS
    condition: m.Condition | None = None

    @property
    def name(self) -> str:
        """The unit's key in both media (``data-unit`` in the templates)."""
        return f"chapter:{self.condition.id}" if self.condition else self.kind

    @property
    def file_name(self) -> str:
        return f"{self.condition.id if self.condition else self.kind}.xhtml"

    @property
    def uid(self) -> str:
        return f"ch-{self.condition.id}" if self.condition else self.kind

    @property
    def template(self) -> str:
        return f"epub/{self.kind}.xhtml"


@dataclass(frozen=True)
class BookletPlan:
    """Everything about one booklet that does not depend on the medium."""

    conditions: tuple[m.Condition, ...]
    site: m.Site
    lang: str
    edition: Edition
    units: tuple[Unit, ...]
    intro_paragraphs: tuple[str, ...]
    published: dt.date | None
    has_drafts: bool
    edition_label: str
    title: str
    pdf_title: str
    description: str

    @property
    def ids(self) -> frozenset[str]:
        return frozenset(c.id for c in self.conditions)


class Identity(NamedTuple):
    """Content-derived identifiers: same content and options → same bytes."""

    pdf_id: str
    epub_id: str
    page_source: str  # metadata (pageBreakSource): names the PDF edition, with its identifier
    page_source_shown: str  # what readers see: the same without the identifier


class Booklet(NamedTuple):
    """What :func:`write_booklet` made: bytes per format and layout facts (tests, benchmarks)."""

    outputs: dict[str, bytes]
    starts: list[pagelist.PageStart]
    pages: int
    plan: BookletPlan
    stamp: pagelist.Stamped  # the print booklet's blocks (braille/printpages.py)


def write_booklet(
    conditions: Iterable[m.Condition], site: m.Site, lang: str, edition: Edition, formats: Iterable[str], ctx: Context
) -> Booklet:
    """The booklet of ``conditions`` in ``edition`` as PDF and/or EPUB (see the module docstring)."""
    wanted = set(formats)
    unknown = wanted - {"pdf", "epub"}
    if unknown:
        raise RenderError(f"a booklet is made as pdf and/or epub, not {', '.join(sorted(unknown))}")
    plan = plan_booklet(tuple(conditions), site, lang, edition)
    epub_units = _render_units(plan, "epub", ctx)  # rendered once: identity and EPUB documents
    identity = _identity(plan, epub_units, ctx)

    # Lay out the print booklet (needed for the page-list even without "pdf").
    print_units = _render_units(plan, "pdf", ctx)
    print_root = _parse(
        ctx.renderer.render(
            "booklet.xhtml",
            **_context(
                plan,
                "pdf",
                ctx,
                units=[Markup(u) for u in print_units.values()],
                doc_title=plan.pdf_title,
                description=plan.description,
                created=ctx.created_w3c,
                generator=f"benech-publish {__version__}",
            ),
        )
    )
    _rewrite_cross_links(print_root, plan.ids, "pdf")
    print_stamp = pagelist.stamp(print_root)
    layout = _fit(plan, print_root, ctx)
    starts = pagelist.page_starts(layout.document, print_stamp.texts)

    out: dict[str, bytes] = {}
    if "pdf" in wanted:
        xmp = rdf_description(xmp_properties(provenance.facts(c, site) for c in plan.conditions))
        out["pdf"] = ctx.typesetter.write_pdf(layout, identifier=identity.pdf_id, xmp=xmp)
    if "epub" in wanted:
        out["epub"] = _epub(plan, identity, epub_units, print_stamp, starts, ctx)
    return Booklet(out, starts, layout.page_count, plan, print_stamp)


def _fit(plan: BookletPlan, print_root: Any, ctx: Context) -> Layout:
    """Lay out the print booklet, copy-fitted so no page of running text is near-empty.

    Each unit starts on a new page; for **every** near-empty page the layout
    check finds, the unit after the last one on that page runs on below it
    instead (or, on the last page, the unit that starts there runs on after
    the one before), never for the designed front matter (cover, title page,
    contents). All of one layout's fixes are made at once, in reading order,
    then the booklet is laid out again: a unit that starts a new page is
    paginated the same whatever precedes it, so fixes for different pages do
    not interfere, and a booklet with many short chapters costs two layouts,
    not one per chapter. Deterministic; stops when nothing is near-empty or
    no unit is left to run on.
    """
    where = f"booklet {plan.lang}{plan.edition.suffix}"
    stylesheets = ctx.print_stylesheets(plan.edition, plan.site, plan.lang, ("css/booklet.css",))
    sections = {el.get("data-unit"): el for el in print_root.iter(f"{{{XHTML_NS}}}section") if el.get("data-unit")}
    order = [u.name for u in plan.units]
    flowing = {u.name for u in plan.units if u.kind not in _DESIGNED}
    run_on: list[str] = []
    while True:
        for name, el in sections.items():
            classes = [c for c in (el.get("class") or "").split() if c != "unit-run-on"]
            el.set("class", " ".join(classes + (["unit-run-on"] if name in run_on else [])))
        xhtml = "<!DOCTYPE html>\n" + _serialize(print_root)
        layout = ctx.typesetter.layout(xhtml, stylesheets, hyphenate=plan.edition.hyphenate, where=where)
        findings = check_layout(layout)
        near = [f for f in findings if f.kind == "near-empty"]
        if not near:
            _report(findings, where, ctx)
            return layout
        pages = units_on_pages(layout)
        added: list[str] = []
        for finding in near:
            candidate = _run_on_candidate(pages[finding.page - 1], order, run_on + added)
            if candidate is None or candidate not in flowing:
                ctx.log(f"{where}: {finding} (no better layout found)")
                continue
            added.append(candidate)
            ctx.log(f"{where}: {finding}: '{candidate}' runs on instead of starting a page")
        if not added:
            _report(findings, where, ctx)
            return layout
        run_on.extend(added)


def _run_on_candidate(on_page: list[str], order: list[str], taken: list[str]) -> str | None:
    """The unit to run on for a near-empty page with units ``on_page``: the next unit
    after the page's last one, else (the last page) the unit that starts there."""
    candidate = None
    if on_page and on_page[-1] in order and order.index(on_page[-1]) + 1 < len(order):
        candidate = order[order.index(on_page[-1]) + 1]
    if (candidate is None or candidate in taken) and on_page:
        candidate = on_page[0]
    return None if candidate is None or candidate in taken else candidate


def _report(findings: list[LayoutFinding], where: str, ctx: Context) -> None:
    """Layout findings left after fitting: warnings, or a failed booklet under ``--strict``."""
    if findings:
        message = f"{where}: layout: " + "; ".join(map(str, findings))
        if ctx.options.strict:
            raise RenderError(message)
        ctx.warn(message)


def plan_booklet(conditions: tuple[m.Condition, ...], site: m.Site, lang: str, edition: Edition) -> BookletPlan:
    """The medium-independent plan of a booklet; :class:`RenderError` for an impossible one."""
    if not conditions:
        raise RenderError(f"booklet '{lang}': no condition to put in it")
    for c in conditions:
        if c.id in _RESERVED_IDS:
            raise RenderError(f"{c.location}: condition id '{c.id}' is reserved in the booklet")
    L = i18n.labels(lang)
    intro = site.intro.get(lang) or ""
    paragraphs = tuple(" ".join(p.split()) for p in re.split(r"\n\s*\n", intro) if p.strip())
    dates = [d for c in conditions for d in (c.last_updated, c.reviewed_on) if d]
    units = [Unit("cover"), Unit("titlepage"), Unit("contents")]
    if paragraphs:
        units.append(Unit("intro"))
    units += [Unit("chapter", c) for c in conditions]
    units.append(Unit("backmatter"))
    title = f"{L['booklet_title']} – {site.name}"
    return BookletPlan(
        conditions=conditions,
        site=site,
        lang=lang,
        edition=edition,
        units=tuple(units),
        intro_paragraphs=paragraphs,
        published=max(dates) if dates else None,
        has_drafts=any(c.status == "draft" for c in conditions),
        edition_label=L["large_print"] if edition.is_large else L["standard_print"],
        title=title,
        pdf_title=title + (f" ({L['large_print']})" if edition.is_large else ""),
        description="; ".join(c.title for c in conditions),
    )


def _identity(plan: BookletPlan, epub_units: dict[Unit, str], ctx: Context) -> Identity:
    # The EPUB rendering of every unit and the options that shape the layout.
    key = digest(
        "benech-booklet",
        __version__,
        plan.lang,
        plan.edition.name,
        str(plan.edition.body_pt),
        plan.edition.paper,
        ctx.options.pdf_variant,
        *epub_units.values(),
    )
    pdf_id = digest("pdf", key)[:32]
    shown = i18n.labels(plan.lang)["pdf_edition"].format(
        site=plan.site.name, edition=plan.edition_label.lower(), lang=plan.lang
    )
    return Identity(
        pdf_id,
        epubpkg.identifier_from(digest("epub", key)),
        page_source=f"{shown}, urn:benech:pdf:{pdf_id}",
        page_source_shown=shown,
    )


def _context(plan: BookletPlan, medium: str, ctx: Context, **extra: Any) -> dict[str, Any]:
    href: Callable[..., str]
    unit_href: Callable[[str], str]
    asset_url: Callable[[str], str]
    if medium == "pdf":

        def href(cid: str, anchor: str = "") -> str:
            return f"#{cid}-{anchor}" if anchor else f"#{cid}"

        def unit_href(name: str) -> str:
            return f"#{name}"

        asset_url = ctx.asset_url
    else:

        def href(cid: str, anchor: str = "") -> str:
            return f"{cid}.xhtml#{anchor}" if anchor else f"{cid}.xhtml"

        def unit_href(name: str) -> str:
            return f"{name}.xhtml"

        asset_url = _epub_path
    context = ctx.renderer.base_context(
        plan.site,
        plan.lang,
        plan.edition,
        medium,
        ctx.options,
        conditions=plan.conditions,
        href=href,
        unit_href=unit_href,
        asset_url=asset_url,
        intro_paragraphs=list(plan.intro_paragraphs),
        published=plan.published,
        has_drafts=plan.has_drafts,
        edition_label=plan.edition_label,
        font_family=fonts.FAMILY,
    )
    context.update(extra)
    return context


def _render_units(plan: BookletPlan, medium: str, ctx: Context) -> dict[Unit, str]:
    """Every unit's XHTML fragment in ``medium``, in reading order."""
    out: dict[Unit, str] = {}
    for unit in plan.units:
        extra: dict[str, Any] = {}
        if unit.condition is not None:
            extra = {"condition": unit.condition, "id_prefix": f"{unit.condition.id}-" if medium == "pdf" else ""}
        out[unit] = ctx.renderer.render(unit.template, **_context(plan, medium, ctx, **extra))
    return out


# --------------------------------------------------------------------------- EPUB


def _unit_title(unit: Unit, L: Mapping[str, str]) -> str:
    if unit.condition is not None:
        draft = f" ({L['draft_short']})" if unit.condition.status == "draft" else ""
        return unit.condition.title + draft
    return {
        "cover": L["cover"],
        "titlepage": L["title_page"],
        "contents": L["contents"],
        "intro": L["introduction"],
        "backmatter": L["back_matter"],
    }[unit.kind]


def _epub(
    plan: BookletPlan,
    identity: Identity,
    units: dict[Unit, str],
    print_stamp: pagelist.Stamped,
    starts: list[pagelist.PageStart],
    ctx: Context,
) -> bytes:
    L = i18n.labels(plan.lang)
    site = plan.site
    roots: dict[Unit, Any] = {}
    for unit, fragment in units.items():
        title = _unit_title(unit, L)
        after = ""
        if unit.kind == "titlepage":
            after = Markup('<p class="print-source">{}</p>').format(
                smarten(L["print_source"].format(title=identity.page_source_shown), plan.lang)
            )
        doc = ctx.renderer.render(
            "epub/document.xhtml",
            **_context(plan, "epub", ctx, body=Markup(fragment), after=after, doc_title=f"{title} – {site.name}"),
        )
        root = _parse(doc)
        _rewrite_cross_links(root, plan.ids, "epub")
        roots[unit] = root

    # Same blocks as print, then the page-break markers where print pages begin.
    stamped = pagelist.Stamped({}, {})
    for root in roots.values():
        s = pagelist.stamp(root)
        stamped.blocks.update(s.blocks)
        stamped.texts.update(s.texts)
    pagelist.check_same_text(print_stamp.texts, stamped.texts, {u.name: r for u, r in roots.items()})
    by_name = {u.name: u for u in roots}
    placed = pagelist.insert_markers(stamped, starts)
    pages = [{"label": str(page), "href": f"{by_name[name].file_name}#page-{page}"} for page, name in placed]

    documents: list[epubpkg.Document] = []
    for unit, root in roots.items():
        pagelist.unstamp(root)
        documents.append(epubpkg.Document(uid=unit.uid, file_name=unit.file_name, content=_xml_bytes(root)))

    toc: list[dict[str, Any]] = []
    first_body: Unit | None = None
    for unit in plan.units:
        if unit.kind == "intro" or unit.condition is not None:
            first_body = first_body or unit
            children = _section_entries(unit.condition.sections, unit.file_name) if unit.condition is not None else []
            toc.append({"label": _unit_title(unit, L), "href": unit.file_name, "children": children})
    toc.append({"label": L["back_matter"], "href": "backmatter.xhtml", "children": []})
    assert first_body is not None  # plan_booklet refuses a booklet without conditions
    landmarks = [
        {"type": "cover", "label": L["cover"], "href": "cover.xhtml"},
        {"type": "toc", "label": L["contents"], "href": "contents.xhtml"},
        {"type": "bodymatter", "label": L["start_of_content"], "href": first_body.file_name},
    ]
    nav = ctx.renderer.render(
        "epub/nav.xhtml", **_context(plan, "epub", ctx, toc=toc, landmarks=landmarks, pages=pages)
    )
    documents.append(
        epubpkg.Document(
            uid="nav", file_name="nav.xhtml", content=_xml_bytes(_parse(nav)), properties=("nav",), in_spine=False
        )
    )

    css = "\n".join(ctx.renderer.stylesheets(["css/epub.css"], **_context(plan, "epub", ctx)))
    resources = [epubpkg.Resource("css", "css/booklet.css", "text/css", css.encode("utf-8"))]
    for i, src in enumerate(_images(plan)):
        resources.append(
            epubpkg.Resource(f"img{i + 1}", _epub_path(src), epubpkg.media_type(src), image_bytes(ctx.root, src))
        )  # confined, SVG sanitised

    edition = plan.edition
    a11y = epubpkg.Accessibility(
        lang=plan.lang,
        has_images=any(not f.decorative for c in plan.conditions for f in c.figures),
        has_page_list=bool(pages),
        large_print=edition.is_large,
        certified_by=site.certified_by or site.name,
        page_source=identity.page_source,
        unreviewed=tuple(c.title for c in plan.conditions if c.status != "approved"),
        problems=epubpkg.self_check([d for d in documents if d.in_spine]),
    )
    meta = provenance.book_metadata(provenance.facts(c, site) for c in plan.conditions)
    package = epubpkg.Package(
        identifier=identity.epub_id,
        title=plan.title + (f" ({L['large_print']})" if edition.is_large else ""),
        lang=plan.lang,
        publisher=site.name,
        description=plan.description,
        documents=documents,
        resources=resources,
        a11y=a11y,
        modified=ctx.created,
        date=plan.published,
        contributors=meta.contributors,
        metas=meta.metas,
    )
    return epubpkg.write(package)


def _images(plan: BookletPlan) -> list[str]:
    seen: list[str] = []
    if plan.site.logo:
        seen.append(plan.site.logo.src)
    for c in plan.conditions:
        for f in c.figures:
            if f.src not in seen:
                seen.append(f.src)
    return seen


# --------------------------------------------------------------------------- helpers


def _epub_path(src: str) -> str:
    clean = src.replace("\\", "/").lstrip("/")
    if ".." in clean.split("/") or ":" in clean:
        raise RenderError(f"image {src!r} must be a path inside the content folder")
    return clean


def _section_entries(sections: Iterable[m.Section], file_name: str) -> list[dict[str, Any]]:
    return [
        {"label": s.label, "href": f"{file_name}#{s.anchor}", "children": _section_entries(s.subsections, file_name)}
        for s in sections
    ]


def _parse(xhtml: str) -> Any:
    try:
        parser = etree.XMLParser(remove_blank_text=False, resolve_entities=False)
        return etree.fromstring(xhtml.encode("utf-8"), parser)
    except etree.XMLSyntaxError as exc:
        raise RenderError(f"booklet XHTML is not well-formed: {exc}") from exc


def _serialize(root: Any) -> str:
    for el in root.iter():
        if isinstance(el.tag, str) and el.text is None and len(el) == 0 and pagelist.local(el.tag) not in _VOID:
            el.text = ""
    return etree.tostring(root, encoding="unicode")


def _xml_bytes(root: Any) -> bytes:
    _serialize(root)
    return etree.tostring(root.getroottree(), encoding="utf-8", xml_declaration=True, doctype="<!DOCTYPE html>")


def _rewrite_cross_links(root: Any, ids: frozenset[str], medium: str) -> None:
    """``other-condition#anchor`` links → the booklet's own target (PDF id or EPUB file)."""
    for a in root.iter(f"{{{XHTML_NS}}}a"):
        match = _CROSS_LINK.match(a.get("href", ""))
        if match and match.group(1) in ids:
            cid, anchor = match.groups()
            a.set("href", f"#{cid}-{anchor}" if medium == "pdf" else f"{cid}.xhtml#{anchor}")
