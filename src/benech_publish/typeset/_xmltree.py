"""Prepared XHTML → the element tree WeasyPrint lays out, parsed as XML.

Takes: the XHTML :meth:`~benech_publish.typeset.engine.Typesetter.prepare`
serialises (always well-formed: lxml writes it). Gives: the root element of
an :mod:`xml.etree.ElementTree` tree in the shape WeasyPrint's own HTML parser
(tinyhtml5, with ``namespace_html_elements=False``) builds for the same text:
XHTML elements without a namespace, their tag and attribute names in lower
case (as an HTML5 tokeniser reads them), other elements (inline SVG, MathML) in
theirs; namespace declarations and prefixed attributes are attributes named
as written (``xmlns``, ``xml:lang``, ``epub:type``), except the few an HTML5
parser keeps in their namespaces on SVG and MathML elements.

Why: the document is XHTML, so the XML reading is its reading (EPUB reading
systems parse the same markup as XML), and it is about forty times cheaper:
tinyhtml5, a pure-Python HTML5 tokeniser, took about 3.7 ms of every 125 ms
leaflet; Expat takes 0.1 ms. Where an HTML5 parser would differ on markup of
this form, the rules are followed here: whitespace before ``<head>`` is
dropped, whitespace after ``</body>`` goes to the end of the body, and the
first newline of ``<pre>``, ``<textarea>`` and ``<listing>`` is dropped. Markup
that an HTML5 parser would restructure (a ``<tr>`` straight in a ``<table>``,
a block in a ``<p>``) is not in the XHTML the renderer writes, nor is a
``<style>`` or ``<script>`` element (whose text Expat reads with its character
references resolved, as any XHTML reader does, and an HTML5 parser as raw
text, ``&gt;`` and all); the tests
compare the two trees on every document the shipped content and the test
roots lay out and on generated conditions, and a leaflet's PDF byte for byte.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import cast

from ..errors import RenderError

_XHTML = "{http://www.w3.org/1999/xhtml}"
_PREFIXES = {
    "http://www.w3.org/XML/1998/namespace": "xml",
    "http://www.w3.org/1999/xlink": "xlink",
}
_LEADING_NEWLINE = frozenset({"pre", "textarea", "listing"})
_XMLNS = "{http://www.w3.org/2000/xmlns/}"
#: In foreign content (SVG, MathML) an HTML5 parser keeps these attributes in
#: their namespaces ("adjust foreign attributes"); any other prefixed name is a
#: plain attribute named as written.
_FOREIGN_KEPT = frozenset(
    {
        "xlink:actuate",
        "xlink:arcrole",
        "xlink:href",
        "xlink:role",
        "xlink:show",
        "xlink:title",
        "xlink:type",
        "xml:lang",
        "xml:space",
        "xmlns",
        "xmlns:xlink",
    }
)


def html_tree(source: str) -> ET.Element:
    """The root element of ``source`` in the shape WeasyPrint's HTML parser gives (module docstring).

    :class:`~benech_publish.errors.RenderError` when ``source`` is not well-formed XML.
    """
    parser: ET.XMLPullParser[ET.Element] = ET.XMLPullParser(events=("start-ns", "start"))
    declared: dict[str, str] = {}
    prefixes = dict(_PREFIXES)
    root: ET.Element | None = None
    try:
        parser.feed(source)
        parser.close()
    except ET.ParseError as exc:
        raise RenderError(f"print XHTML is not well-formed: {exc}") from exc
    for event, item in cast(Iterator[tuple[str, object]], parser.read_events()):
        if event == "start-ns":
            prefix, uri = cast(tuple[str, str], item)
            declared["xmlns:" + prefix if prefix else "xmlns"] = uri
            if prefix:
                prefixes.setdefault(uri, prefix)
            continue
        element = cast(ET.Element, item)
        if root is None:
            root = element
        tag = element.tag
        html = tag.startswith(_XHTML)
        if html:
            element.tag = tag = tag[len(_XHTML) :].lower()
            if tag in _LEADING_NEWLINE and element.text and element.text[0] == "\n":
                element.text = element.text[1:] or None
        attrib = element.attrib
        if declared or any(name[0] == "{" or (html and not name.islower()) for name in attrib):
            renamed: dict[str, str] = {}
            for name, value in declared.items():
                if not html and name in _FOREIGN_KEPT:
                    name = _XMLNS + (name.partition(":")[2] or "xmlns")
                renamed[name] = value
            for name, value in attrib.items():
                if name[0] == "{":
                    uri, local = name[1:].split("}", 1)
                    written = f"{prefixes.get(uri, uri)}:{local}"
                    name = name if not html and written in _FOREIGN_KEPT else written
                renamed[name.lower() if html else name] = value
            element.attrib = renamed
            declared = {}
    assert root is not None  # a well-formed document has a root element
    _as_html_parser_places_whitespace(root)
    return root


def _as_html_parser_places_whitespace(root: ET.Element) -> None:
    """Whitespace around ``<head>`` and after ``</body>`` where an HTML5 parser puts it."""
    if root.text is not None and not root.text.strip():
        root.text = None
    body = root.find("body")
    if body is None or body is not root[-1] or not body.tail:
        return
    after, body.tail = body.tail, None
    if len(body):
        last = body[-1]
        last.tail = (last.tail or "") + after
    else:
        body.text = (body.text or "") + after
