"""Provenance as PDF XMP metadata, in the vocabularies XMP readers know (Dublin Core).

Takes: :class:`~benech_publish.provenance.Facts` (one for a leaflet; every
chapter's for a booklet). Gives: :class:`XmpProperties` (what goes in) and
:func:`rdf_description` (the ``rdf:Description`` XML the print engine merges
into the XMP packet it writes, see :meth:`benech_publish.typeset.engine.Typesetter.write_pdf`).

What is said, and where (XMP Specification Part 1 and 2, ``dc`` schema):

* ``dc:contributor`` (bag): the authors and the reviewing clinicians
  (``dc:creator`` stays the clinic: the print engine writes it from the title page);
* ``dc:relation`` (bag): each source, as a citation with its address;
* ``dc:source`` : the online version's address;
* ``dc:date`` (seq): the date the text was last updated, and the date it was reviewed.

Review due date and version have no property in the standard XMP schemas;
they are shown on the page and in the web page's JSON-LD. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from lxml import etree

from .provenance import Facts, citation

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
DC = "http://purl.org/dc/elements/1.1/"


@dataclass(frozen=True)
class XmpProperties:
    contributors: tuple[str, ...] = ()
    relations: tuple[str, ...] = ()
    source: str = ""
    dates: tuple[str, ...] = ()  # ISO dates, oldest first

    def __bool__(self) -> bool:
        return bool(self.contributors or self.relations or self.source or self.dates)


def xmp_properties(documents: Iterable[Facts]) -> XmpProperties:
    """The XMP properties of a PDF made of ``documents`` (no duplicates, in reading order)."""
    contributors: list[str] = []
    relations: list[str] = []
    dates: set[str] = set()
    sources: list[str] = []
    for f in documents:
        for name in f.authors + f.reviewers:
            if name not in contributors:
                contributors.append(name)
        for s in f.sources:
            text = citation(s) + (f" {s.link}" if s.link else "")
            if text not in relations:
                relations.append(text)
        dates.update(d.isoformat() for d in (f.last_updated, f.reviewed_on) if d)
        if f.url and f.url not in sources:
            sources.append(f.url)
    return XmpProperties(
        tuple(contributors), tuple(relations), sources[0] if len(sources) == 1 else "", tuple(sorted(dates))
    )


def rdf_description(props: XmpProperties) -> bytes:
    """``props`` as one ``<rdf:Description rdf:about="">`` (empty bytes when there is nothing)."""
    if not props:
        return b""
    nsmap = {"rdf": RDF, "dc": DC}
    desc = etree.Element(f"{{{RDF}}}Description", {f"{{{RDF}}}about": ""}, nsmap=nsmap)

    def container(name: str, kind: str, values: Iterable[str]) -> None:
        holder = etree.SubElement(etree.SubElement(desc, f"{{{DC}}}{name}"), f"{{{RDF}}}{kind}")
        for value in values:
            etree.SubElement(holder, f"{{{RDF}}}li").text = value

    if props.contributors:
        container("contributor", "Bag", props.contributors)
    if props.relations:
        container("relation", "Bag", props.relations)
    if props.source:
        etree.SubElement(desc, f"{{{DC}}}source").text = props.source
    if props.dates:
        container("date", "Seq", props.dates)
    return etree.tostring(desc, encoding="utf-8")


def merge_rdf(rdf: bytes, description: bytes) -> bytes:
    """Insert ``description`` as the last child of the ``rdf:RDF`` document ``rdf``."""
    if not description:
        return rdf
    root = etree.fromstring(rdf)
    if root.tag != f"{{{RDF}}}RDF":
        raise ValueError("the XMP packet has no rdf:RDF root")
    root.append(etree.fromstring(description))
    return etree.tostring(root, encoding="utf-8")
