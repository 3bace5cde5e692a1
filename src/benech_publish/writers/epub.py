"""EPUB 3 packaging with ebooklib: documents, our own nav, accessibility metadata, reproducible zip.

Takes: finished XHTML content documents (from :mod:`.booklet`), the nav
document, CSS, images and the facts the accessibility metadata is derived
from. Gives: the bytes of an EPUB 3.3 file.

ebooklib is used for what it does well (manifest, spine, Dublin Core
metadata, the OCF container) and worked around where it does not fit
(measured with ebooklib 0.20):

* its nav generator would treat every element with ``epub:type`` and ``id`` as
  a page, so the navigation document (toc, landmarks, page-list) is ours, added
  as a plain item with the ``nav`` property; no EPUB 2 NCX is written (so the
  spine's ``toc`` attribute ebooklib always sets is removed);
* ``write_epub`` swallows exceptions unless ``raise_exceptions`` is set: it is
  set, and a ``False`` return is turned into an error too;
* reproducibility: the identifier is given (derived from the content),
  ``dcterms:modified`` and the zip entry times are the package's ``modified``
  (the build date the caller passes in), and
  the zip is rewritten with ``mimetype`` first and stored, fixed entry times and
  attributes, entries in ebooklib's (deterministic) order;
* the package gets ``xml:lang`` (ebooklib sets only ``dc:language``).
"""

from __future__ import annotations

import datetime as dt
import io
import os
import uuid
import warnings
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field

from lxml import etree

from .. import i18n
from ..errors import RenderError
from ..safety import IMAGE_TYPES
from ..typeset.pagelist import NAME_FROM_CONTENT

OPF_NS = "http://www.idpf.org/2007/opf"
DC_NS = "http://purl.org/dc/elements/1.1/"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
CONFORMS_TO = "EPUB Accessibility 1.1 - WCAG 2.2 Level AA"


@dataclass(frozen=True)
class Document:
    """One XHTML content document of the spine (or the nav, with ``properties=('nav',)``)."""

    uid: str
    file_name: str
    content: bytes
    properties: tuple[str, ...] = ()
    in_spine: bool = True


@dataclass(frozen=True)
class Resource:
    uid: str
    file_name: str
    media_type: str
    content: bytes


@dataclass(frozen=True)
class Accessibility:
    """What the booklet really offers; the metadata is derived from this, never fixed."""

    lang: str
    has_images: bool  # images that carry information (all have alt text)
    has_page_list: bool
    large_print: bool
    certified_by: str
    page_source: str = ""  # the print edition named as pageBreakSource
    #: Titles of the conditions in the booklet that are not approved (drafts).
    unreviewed: tuple[str, ...] = ()
    #: Problems the build's own checks found in the finished documents (:func:`self_check`).
    problems: tuple[str, ...] = ()

    @property
    def conforms(self) -> bool:
        """Conformance is claimed only for reviewed content that passed the build's checks."""
        return not self.unreviewed and not self.problems

    @property
    def access_modes(self) -> tuple[str, ...]:
        return ("textual", "visual") if self.has_images else ("textual",)

    @property
    def access_modes_sufficient(self) -> tuple[str, ...]:
        # Every image has alt text, so text alone always suffices.
        return ("textual", "textual,visual") if self.has_images else ("textual",)

    @property
    def features(self) -> tuple[str, ...]:
        out = ["structuralNavigation", "tableOfContents", "readingOrder"]
        if self.has_images:
            out.append("alternativeText")
        if self.has_page_list:
            out += ["printPageNumbers", "pageNavigation"]
        out.append("displayTransformability")
        if self.large_print:
            out.append("largePrint")
        return tuple(out)

    def summary(self) -> str:
        L = i18n.labels(self.lang)
        if self.conforms:
            opening = L["a11y_summary_claim"]
        else:
            reasons = []
            if self.unreviewed:
                reasons.append(L["a11y_reason_drafts"].format(titles=", ".join(self.unreviewed)))
            if self.problems:
                reasons.append(L["a11y_reason_checks"].format(problems="; ".join(self.problems)))
            opening = L["a11y_summary_no_claim"].format(reasons="; ".join(reasons))
        parts = [
            opening,
            L["a11y_summary"],
            L["a11y_summary_images"] if self.has_images else L["a11y_summary_no_images"],
        ]
        if self.has_page_list:
            parts.append(L["a11y_summary_pages"].format(source=self.page_source))
        if self.large_print:
            parts.append(L["a11y_summary_large"])
        return " ".join(parts)

    def metas(self) -> list[tuple[str, str, dict[str, str]]]:
        """``(property, value, extra attributes)`` for the OPF, in a stable order."""
        out: list[tuple[str, str, dict[str, str]]] = []
        out += [("schema:accessMode", m, {}) for m in self.access_modes]
        out += [("schema:accessModeSufficient", m, {}) for m in self.access_modes_sufficient]
        out += [("schema:accessibilityFeature", f, {}) for f in self.features]
        out.append(("schema:accessibilityHazard", "none", {}))
        out.append(("schema:accessibilitySummary", self.summary(), {"xml:lang": self.lang}))
        if self.conforms:
            out.append(("dcterms:conformsTo", CONFORMS_TO, {"id": "conformance"}))
        if self.conforms and self.certified_by:
            out.append(("a11y:certifiedBy", self.certified_by, {"refines": "#conformance"}))
        if self.has_page_list and self.page_source:
            out.append(("pageBreakSource", self.page_source, {}))
        return out


@dataclass
class Package:
    identifier: str  # urn:uuid:...
    title: str
    lang: str
    publisher: str
    description: str
    documents: Sequence[Document]
    resources: Sequence[Resource]
    a11y: Accessibility
    modified: dt.datetime  # the build date: dcterms:modified and zip entry times
    date: dt.date | None = None
    extra_dc: list[tuple[str, str]] = field(default_factory=list)
    #: ``(name, MARC relator)``: chapter authors (aut) and reviewers (rev).
    contributors: Sequence[tuple[str, str]] = ()
    #: ``(property, value)`` metas, e.g. ``schema:lastReviewed``, ``dcterms:references``.
    metas: Sequence[tuple[str, str]] = ()


#: Elements whose accessible name comes from their content (no page marker inside).
_NAMED = NAME_FROM_CONTENT
_XHTML = "{http://www.w3.org/1999/xhtml}"


def self_check(documents: Sequence[Document]) -> tuple[str, ...]:
    """The build's own checks of finished content documents; one line per problem, none if all pass.

    Checked: each document parses and has a language and a title; every image
    has an ``alt`` attribute; headings are not empty and do not skip a level
    within a document; no page-break marker is inside an element whose
    accessible name comes from its content (a heading, ``th``, ``dt``, link).
    """
    problems: list[str] = []
    for document in documents:
        name = document.file_name
        try:
            root = etree.fromstring(document.content)
        except etree.XMLSyntaxError as exc:
            problems.append(f"{name}: not well-formed XHTML ({exc})")
            continue
        if not (root.get("lang") or root.get(XML_LANG)):
            problems.append(f"{name}: no language")
        title = root.find(f"{_XHTML}head/{_XHTML}title")
        if title is None or not "".join(title.itertext()).strip():
            problems.append(f"{name}: no title")
        for image in root.iter(f"{_XHTML}img"):
            if image.get("alt") is None:
                problems.append(f"{name}: an image without alt ({image.get('src')})")
        level = 0
        for element in root.iter():
            tag = element.tag if isinstance(element.tag, str) else ""
            local = tag.rsplit("}", 1)[-1]
            if len(local) == 2 and local[0] == "h" and local[1] in "123456":
                if not "".join(element.itertext()).strip():
                    problems.append(f"{name}: an empty {local}")
                if level and int(local[1]) > level + 1:
                    problems.append(f"{name}: {local} after h{level}")
                level = int(local[1])
            if element.get("role") == "doc-pagebreak":
                ancestor = element.getparent()
                while ancestor is not None:
                    parent_tag = ancestor.tag if isinstance(ancestor.tag, str) else ""
                    if parent_tag.rsplit("}", 1)[-1] in _NAMED:
                        problems.append(
                            f"{name}: page marker {element.get('id')} inside {parent_tag.rsplit('}', 1)[-1]}"
                        )
                        break
                    ancestor = ancestor.getparent()
    return tuple(problems)


def identifier_from(key: str) -> str:
    """A ``urn:uuid:`` (version 8, RFC 9562 custom) from a hex content digest."""
    raw = bytearray(bytes.fromhex(key[:32].ljust(32, "0")))
    raw[6] = (raw[6] & 0x0F) | 0x80
    raw[8] = (raw[8] & 0x3F) | 0x80
    return f"urn:uuid:{uuid.UUID(bytes=bytes(raw))}"


def write(package: Package) -> bytes:
    """The EPUB of ``package`` as bytes: the same package (build date included) gives the same bytes."""
    from ebooklib import epub

    book = epub.EpubBook()
    # ebooklib adds an EPUB 2 generator meta naming itself; keep the package clean.
    book.metadata = {}
    book.set_identifier(package.identifier)
    book.set_title(package.title)
    book.set_language(package.lang)
    book.add_author(package.publisher)
    book.add_metadata("DC", "publisher", package.publisher)
    if package.description:
        book.add_metadata("DC", "description", package.description)
    if package.date:
        book.add_metadata("DC", "date", package.date.isoformat())
    for name, value in package.extra_dc:
        book.add_metadata("DC", name, value)
    for i, (name, role) in enumerate(package.contributors, 1):
        book.add_metadata("DC", "contributor", name, {"id": f"contributor{i}"})
        book.add_metadata(
            None, "meta", role, {"refines": f"#contributor{i}", "property": "role", "scheme": "marc:relators"}
        )
    for prop, value in package.metas:
        book.add_metadata(None, "meta", value, {"property": prop})
    for prop, value, attrs in package.a11y.metas():
        others = {"property": prop}
        others.update({k: v for k, v in attrs.items() if k != "xml:lang"})
        book.add_metadata(None, "meta", value, others)

    spine = []
    for doc in package.documents:
        item = epub.EpubItem(
            uid=doc.uid, file_name=doc.file_name, media_type="application/xhtml+xml", content=doc.content
        )
        item.properties = list(doc.properties)
        book.add_item(item)
        if doc.in_spine:
            spine.append(item)
    for res in package.resources:
        book.add_item(
            epub.EpubItem(uid=res.uid, file_name=res.file_name, media_type=res.media_type, content=res.content)
        )
    book.spine = spine

    buffer = io.BytesIO()
    modified = package.modified.astimezone(dt.UTC).replace(tzinfo=None)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ok = epub.write_epub(
                buffer,
                book,
                {
                    "raise_exceptions": True,
                    "mtime": modified,
                    "epub2_guide": False,
                    "epub3_landmark": False,
                    "epub3_pages": False,
                },
            )
    except Exception as exc:  # ebooklib raises bare exceptions of many kinds
        raise RenderError(f"EPUB packaging failed in ebooklib: {type(exc).__name__}: {exc}") from exc
    if ok is False:
        raise RenderError("EPUB packaging failed in ebooklib (write_epub returned False)")
    return _finish(buffer.getvalue(), package)


def _finish(data: bytes, package: Package) -> bytes:
    """Fix up the OPF and rewrite the zip deterministically."""
    entries: list[tuple[str, bytes]] = []
    with zipfile.ZipFile(io.BytesIO(data)) as src:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename.endswith(".opf"):
                content = _fix_opf(content, package)
            entries.append((info.filename, content))
    return deterministic_zip(entries, package.modified)


def _fix_opf(content: bytes, package: Package) -> bytes:
    root = etree.fromstring(content)
    root.set(XML_LANG, package.lang)
    spine = root.find(f"{{{OPF_NS}}}spine")
    if spine is not None and "toc" in spine.attrib:
        del spine.attrib["toc"]  # no NCX: the nav document is the table of contents
    metadata = root.find(f"{{{OPF_NS}}}metadata")
    for meta in metadata.findall(f"{{{OPF_NS}}}meta"):
        if meta.get("property") == "schema:accessibilitySummary":
            meta.set(XML_LANG, package.lang)
    return etree.tostring(root, encoding="utf-8", xml_declaration=True, pretty_print=True)


def zip_time(when: dt.datetime) -> tuple[int, int, int, int, int, int]:
    """Entry time for every member: the build date ``when`` (UTC), at least 1980."""
    when = when.astimezone(dt.UTC)
    if when.year < 1980:
        return (1980, 1, 1, 0, 0, 0)
    return (when.year, when.month, when.day, when.hour, when.minute, when.second - when.second % 2)


def deterministic_zip(entries: Sequence[tuple[str, bytes]], when: dt.datetime) -> bytes:
    """An OCF zip: ``mimetype`` first and stored, then the entries, all with fixed metadata."""
    stamp = zip_time(when)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:

        def add(name: str, content: bytes, compress: int) -> None:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = compress
            info.create_system = 3
            info.external_attr = 0o644 << 16
            zf.writestr(info, content, compress_type=compress, compresslevel=9)

        add("mimetype", b"application/epub+zip", zipfile.ZIP_STORED)
        for name, content in entries:
            if name != "mimetype":
                add(name, content, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def media_type(file_name: str) -> str:
    ext = os.path.splitext(file_name)[1].lower()
    if ext not in IMAGE_TYPES:
        raise RenderError(f"image {file_name}: format not supported in EPUB (use SVG, PNG, JPEG, GIF or WebP)")
    return IMAGE_TYPES[ext]
