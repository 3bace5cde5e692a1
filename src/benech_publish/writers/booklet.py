"""Booklet writer: every condition of one language → a tagged PDF booklet and an EPUB 3.

Takes: the conditions of one language (already filtered and ordered by the
build: drafts only with ``include_drafts``), the site, an edition, and the
shared :class:`~benech_publish.writers.pdf.PdfWriter`. Gives::

    {"pdf": bytes, "epub": bytes}   # the formats asked for

The booklet is made of *units*, each rendered from one template in
``templates/epub/`` (cover, titlepage, contents, intro, chapter, backmatter)
with medium ``"pdf"`` and again with medium ``"epub"``:

* PDF: all units in one document (``templates/booklet.xhtml``), section ids
  prefixed ``<condition>-`` so every ``<condition>-<anchor>`` is a named
  destination; CSS ``print.css`` + ``booklet.css`` (contents with page numbers,
  running header with the chapter title); tagged and finished by the
  ``PdfWriter`` (shared fonts, tag repairs, deterministic metadata).
* EPUB: one XHTML document per unit (``<condition>.xhtml#<anchor>``), our own
  nav (toc down to every section, landmarks, page-list), CSS ``epub.css``.

The PDF is always laid out (even for an EPUB-only build): its pagination is
the EPUB's page-list (:mod:`benech_publish.pagelist`), so the standard EPUB
follows the standard PDF and the large-print EPUB the large-print PDF.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any, Iterable

from lxml import etree
from markupsafe import Markup

from .. import __version__, i18n, pagelist, provenance
from .. import model as m
from ..errors import RenderError
from ..options import Options
from ..render import XHTML_NS, Edition, Renderer
from ..util import digest, source_date
from . import epub as epubpkg

_CROSS_LINK = re.compile(r"^([a-z0-9][a-z0-9-]*)#([a-z0-9][a-z0-9-]*)$")
_RESERVED_FILES = {"cover", "titlepage", "contents", "intro", "backmatter", "nav"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
         "source", "track", "wbr"}


class BookletWriter:
    """Makes booklets; one per build, sharing the renderer and the PDF writer."""

    def __init__(self, renderer: Renderer, options: Options, content_root: str | Path,
                 pdf_writer: Any):
        self.renderer = renderer
        self.options = options
        self.root = Path(content_root).resolve()
        self.pdf = pdf_writer
        #: The last build's page starts and layout facts (for tests and benchmarks).
        self.last: dict[str, Any] = {}

    # ------------------------------------------------------------------ public

    def build(self, conditions: Iterable[m.Condition], site: m.Site, lang: str, edition: Edition,
              formats: set[str] | frozenset[str] | Iterable[str]) -> dict[str, bytes]:
        formats = set(formats)
        unknown = formats - {"pdf", "epub"}
        if unknown:
            raise ValueError(f"a booklet is made as pdf and/or epub, not {', '.join(sorted(unknown))}")
        conditions = tuple(conditions)
        if not conditions:
            raise RenderError(f"booklet '{lang}': no condition to put in it")
        for c in conditions:
            if c.id in _RESERVED_FILES:
                raise RenderError(f"{c.location}: condition id '{c.id}' is reserved in the booklet")
        plan = self._plan(conditions, site, lang, edition)

        # Lay out the print booklet (needed for the page-list even without "pdf").
        print_units = self._units(plan, "pdf")
        print_root = _parse(self.renderer.render("booklet.xhtml", **self._ctx(
            plan, "pdf", units=[Markup(u) for _, u in print_units],
            doc_title=plan["pdf_title"], description=plan["description"],
            created=_w3c(source_date()), generator=f"benech-publish {__version__}")))
        _rewrite_cross_links(print_root, plan["ids"], "pdf")
        print_stamp = pagelist.stamp(print_root)
        print_xhtml = "<!DOCTYPE html>\n" + _serialize(print_root)
        stylesheets = self._print_stylesheets(edition, site, lang)
        document = self.pdf.render_document(print_xhtml, edition, stylesheets=stylesheets,
                                            where=f"booklet {lang}{edition.suffix}")
        starts = pagelist.page_starts(document, print_stamp.texts)
        self.last = {"starts": starts, "pages": len(document.pages), "plan": plan}

        out: dict[str, bytes] = {}
        if "pdf" in formats:
            out["pdf"] = self.pdf.to_pdf(document, identifier=plan["pdf_id"])
        if "epub" in formats:
            out["epub"] = self._epub(plan, print_stamp, starts)
        return out

    # ------------------------------------------------------------------ plan

    def _plan(self, conditions: tuple[m.Condition, ...], site: m.Site, lang: str,
              edition: Edition) -> dict[str, Any]:
        L = i18n.labels(lang)
        intro = site.intro.get(lang) or ""
        paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", intro) if p.strip()]
        dates = [d for c in conditions for d in (c.last_updated, c.reviewed_on) if d]
        edition_label = L["large_print"] if edition.is_large else L["standard_print"]
        plan: dict[str, Any] = {
            "conditions": conditions, "site": site, "lang": lang, "edition": edition,
            "ids": {c.id for c in conditions},
            "intro_paragraphs": paragraphs,
            "published": max(dates) if dates else None,
            "has_drafts": any(c.status == "draft" for c in conditions),
            "edition_label": edition_label,
            "title": f"{L['booklet_title']} – {site.name}",
        }
        plan["pdf_title"] = (plan["title"] + (f" ({L['large_print']})" if edition.is_large else ""))
        plan["description"] = "; ".join(c.title for c in conditions)
        # Content-derived identity: the EPUB rendering of every unit and the options
        # that shape the layout. Same content → same identifiers → same bytes.
        key = digest("benech-booklet", __version__, lang, edition.name, str(edition.body_pt),
                     edition.paper, self.options.pdf_variant,
                     *[u for _, u in self._units(plan, "epub")])
        plan["key"] = key
        plan["pdf_id"] = digest("pdf", key)[:32]
        plan["epub_id"] = epubpkg.identifier_from(digest("epub", key))
        plan["page_source"] = L["pdf_edition"].format(
            site=site.name, edition=edition_label.lower(), lang=lang,
            identifier=f"urn:benech:pdf:{plan['pdf_id']}")
        return plan

    def _ctx(self, plan: dict[str, Any], medium: str, **extra: Any) -> dict[str, Any]:
        if medium == "pdf":
            def href(cid: str, anchor: str = "") -> str:
                return f"#{cid}-{anchor}" if anchor else f"#{cid}"

            def unit_href(name: str) -> str:
                return f"#{name}"
            asset_url = self.pdf.asset_url
        else:
            def href(cid: str, anchor: str = "") -> str:
                return f"{cid}.xhtml#{anchor}" if anchor else f"{cid}.xhtml"

            def unit_href(name: str) -> str:
                return f"{name}.xhtml"

            def asset_url(src: str) -> str:
                return _epub_path(src)
        from .. import fonts

        ctx = self.renderer.base_context(
            plan["site"], plan["lang"], plan["edition"], medium, self.options,
            conditions=plan["conditions"], href=href, unit_href=unit_href, asset_url=asset_url,
            intro_paragraphs=plan["intro_paragraphs"], published=plan["published"],
            has_drafts=plan["has_drafts"], edition_label=plan["edition_label"],
            font_family=fonts.FAMILY)
        ctx.update(extra)
        return ctx

    def _units(self, plan: dict[str, Any], medium: str) -> list[tuple[str, str]]:
        """``(unit name, XHTML fragment)`` for every unit, in reading order."""
        units = [("cover", self.renderer.render("epub/cover.xhtml", **self._ctx(plan, medium))),
                 ("titlepage", self.renderer.render("epub/titlepage.xhtml", **self._ctx(plan, medium))),
                 ("contents", self.renderer.render("epub/contents.xhtml", **self._ctx(plan, medium)))]
        if plan["intro_paragraphs"]:
            units.append(("intro", self.renderer.render("epub/intro.xhtml", **self._ctx(plan, medium))))
        for c in plan["conditions"]:
            ctx = self._ctx(plan, medium, condition=c,
                            id_prefix=f"{c.id}-" if medium == "pdf" else "")
            units.append((f"chapter:{c.id}", self.renderer.render("epub/chapter.xhtml", **ctx)))
        units.append(("backmatter", self.renderer.render("epub/backmatter.xhtml",
                                                         **self._ctx(plan, medium))))
        return units

    def _print_stylesheets(self, edition: Edition, site: m.Site, lang: str) -> list[str]:
        base = list(self.pdf.stylesheets(edition, site, lang=lang))
        from .. import fonts
        from .pdf import page_of_css

        ctx = self.renderer.base_context(site, lang, edition, "pdf", self.options,
                                         font_family=fonts.FAMILY,
                                         page_of_css=page_of_css(i18n.labels(lang)["page_of"]))
        return base + [self.renderer.render("css/booklet.css", **ctx)]

    # ------------------------------------------------------------------ EPUB

    def _epub(self, plan: dict[str, Any], print_stamp: pagelist.Stamped,
              starts: list[pagelist.PageStart]) -> bytes:
        L = i18n.labels(plan["lang"])
        lang, edition, site = plan["lang"], plan["edition"], plan["site"]
        files: dict[str, str] = {}
        roots: dict[str, Any] = {}
        titles: dict[str, str] = {}
        for name, fragment in self._units(plan, "epub"):
            file_name = _unit_file(name)
            files[name] = file_name
            if name.startswith("chapter:"):
                cond = next(c for c in plan["conditions"] if c.id == name.split(":", 1)[1])
                title = cond.title + (f" ({L['draft_short']})" if cond.status == "draft" else "")
            else:
                title = {"cover": L["cover"], "titlepage": L["title_page"], "contents": L["contents"],
                         "intro": L["introduction"], "backmatter": L["back_matter"]}[name]
            titles[name] = title
            after = ""
            if name == "titlepage":
                after = Markup('<p class="print-source">{}</p>').format(
                    L["print_source"].format(title=plan["page_source"]))
            doc = self.renderer.render("epub/document.xhtml", **self._ctx(
                plan, "epub", body=Markup(fragment), after=after,
                doc_title=f"{title} – {site.name}"))
            root = _parse(doc)
            _rewrite_cross_links(root, plan["ids"], "epub")
            roots[name] = root

        # Same blocks as print, then the page-break markers where print pages begin.
        stamped = pagelist.Stamped({}, {})
        for root in roots.values():
            s = pagelist.stamp(root)
            stamped.blocks.update(s.blocks)
            stamped.texts.update(s.texts)
        pagelist.check_same_text(print_stamp.texts, stamped.texts, roots)
        placed = pagelist.insert_markers(stamped, starts)
        pages = [{"label": str(page), "href": f"{files[unit]}#page-{page}"} for page, unit in placed]

        documents: list[epubpkg.Document] = []
        for name, root in roots.items():
            pagelist.unstamp(root)
            documents.append(epubpkg.Document(
                uid=_uid(name), file_name=files[name], content=_xml_bytes(root)))

        toc = []
        if "intro" in files:
            toc.append({"label": L["introduction"], "href": files["intro"], "children": []})
        for c in plan["conditions"]:
            label = c.title + (f" ({L['draft_short']})" if c.status == "draft" else "")
            toc.append({"label": label, "href": files[f"chapter:{c.id}"],
                        "children": _section_entries(c.sections, files[f"chapter:{c.id}"])})
        toc.append({"label": L["back_matter"], "href": files["backmatter"], "children": []})
        body_start = files.get("intro") or files[f"chapter:{plan['conditions'][0].id}"]
        landmarks = [{"type": "cover", "label": L["cover"], "href": files["cover"]},
                     {"type": "toc", "label": L["contents"], "href": files["contents"]},
                     {"type": "bodymatter", "label": L["start_of_content"], "href": body_start}]
        nav = self.renderer.render("epub/nav.xhtml", **self._ctx(
            plan, "epub", toc=toc, landmarks=landmarks, pages=pages))
        documents.append(epubpkg.Document(uid="nav", file_name="nav.xhtml",
                                          content=_xml_bytes(_parse(nav)),
                                          properties=("nav",), in_spine=False))

        css = self.renderer.render("css/epub.css", **self._ctx(plan, "epub"))
        resources = [epubpkg.Resource("css", "css/booklet.css", "text/css", css.encode("utf-8"))]
        for i, src in enumerate(self._images(plan)):
            path = (self.root / src).resolve()
            if not path.is_relative_to(self.root) or not path.is_file():
                raise RenderError(f"image {src!r} not found under {self.root}")
            resources.append(epubpkg.Resource(f"img{i + 1}", _epub_path(src),
                                              epubpkg.media_type(src), path.read_bytes()))

        a11y = epubpkg.Accessibility(
            lang=lang,
            has_images=any(not f.decorative for c in plan["conditions"] for f in c.figures),
            has_page_list=bool(pages), large_print=edition.is_large,
            certified_by=site.certified_by or site.name, page_source=plan["page_source"])
        meta = provenance.book_metadata(provenance.facts(c, site) for c in plan["conditions"])
        package = epubpkg.Package(
            identifier=plan["epub_id"],
            title=plan["title"] + (f" ({L['large_print']})" if edition.is_large else ""),
            lang=lang, publisher=site.name, description=plan["description"],
            documents=documents, resources=resources, a11y=a11y, date=plan["published"],
            contributors=meta.contributors, metas=meta.metas)
        return epubpkg.write(package)

    def _images(self, plan: dict[str, Any]) -> list[str]:
        seen: list[str] = []
        site = plan["site"]
        if site.logo:
            seen.append(site.logo.src)
        for c in plan["conditions"]:
            for f in c.figures:
                if f.src not in seen:
                    seen.append(f.src)
        return seen


# --------------------------------------------------------------------------- helpers


def _unit_file(name: str) -> str:
    return f"{name.split(':', 1)[1]}.xhtml" if name.startswith("chapter:") else f"{name}.xhtml"


def _uid(name: str) -> str:
    return "ch-" + name.split(":", 1)[1] if name.startswith("chapter:") else name


def _epub_path(src: str) -> str:
    clean = src.replace("\\", "/").lstrip("/")
    if ".." in clean.split("/") or ":" in clean:
        raise RenderError(f"image {src!r} must be a path inside the content folder")
    return clean


def _section_entries(sections: Iterable[m.Section], file_name: str) -> list[dict[str, Any]]:
    return [{"label": s.label, "href": f"{file_name}#{s.anchor}",
             "children": _section_entries(s.subsections, file_name)} for s in sections]


def _parse(xhtml: str) -> Any:
    try:
        parser = etree.XMLParser(remove_blank_text=False, resolve_entities=False)
        return etree.fromstring(xhtml.encode("utf-8"), parser)
    except etree.XMLSyntaxError as exc:
        raise RenderError(f"booklet XHTML is not well-formed: {exc}") from exc


def _serialize(root: Any) -> str:
    for el in root.iter():
        if (isinstance(el.tag, str) and el.text is None and len(el) == 0
                and pagelist.local(el.tag) not in _VOID):
            el.text = ""
    return etree.tostring(root, encoding="unicode")


def _xml_bytes(root: Any) -> bytes:
    _serialize(root)
    return etree.tostring(root.getroottree(), encoding="utf-8", xml_declaration=True,
                          doctype="<!DOCTYPE html>")


def _rewrite_cross_links(root: Any, ids: set[str], medium: str) -> None:
    """``other-condition#anchor`` links → the booklet's own target (PDF id or EPUB file)."""
    for a in root.iter(f"{{{XHTML_NS}}}a"):
        match = _CROSS_LINK.match(a.get("href", ""))
        if match and match.group(1) in ids:
            cid, anchor = match.groups()
            a.set("href", f"#{cid}-{anchor}" if medium == "pdf" else f"{cid}.xhtml#{anchor}")


def _w3c(when: dt.datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")
