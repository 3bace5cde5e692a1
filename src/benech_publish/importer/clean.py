"""Parsing and cleaning of a page's HTML before conversion (importer step 1-3).

Takes: the HTML text. Gives: an lxml tree, parsed as a browser does
(tinyhtml5), with only the attributes the converter reads, and with anything
executable and the site's chrome (cover blocks, breadcrumbs, in-page
navigation, repeated category labels, spacers) removed and reported.
Bounded: a page nested deeper than :data:`MAX_DEPTH` elements or with more
than :data:`MAX_ELEMENTS` elements is refused before parsing
(:class:`TooComplex`), so every page answers in seconds.
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urljoin

import lxml.etree as etree
import lxml.html
import tinyhtml5

from .inline import _same_page
from .textutil import _CONTROL, HtmlResult, _short, clean_text

# Removed with everything inside them; reported as dropped.
EXECUTABLE = {
    "script",
    "style",
    "iframe",
    "frame",
    "frameset",
    "object",
    "embed",
    "applet",
    "noscript",
    "template",
    "link",
    "meta",
    "base",
    "svg",
    "math",
    "canvas",
    "form",
    "input",
    "button",
    "select",
    "textarea",
    "option",
    "datalist",
    "dialog",
    "video",
    "audio",
    "source",
    "track",
    "map",
    "area",
    "portal",
    "param",
    "title",
}
HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
CONTAINERS = {
    "div",
    "section",
    "article",
    "main",
    "header",
    "footer",
    "aside",
    "nav",
    "center",
    "body",
    "html",
    "hgroup",
    "address",
    "details",
    "summary",
    "fieldset",
    "legend",
    "figcaption",
    "dl",
    "dt",
    "dd",
    "menu",
    "search",
    "head",
}
BLOCKS = (
    CONTAINERS
    | set(HEADINGS)
    | {
        "p",
        "ul",
        "ol",
        "li",
        "table",
        "figure",
        "blockquote",
        "pre",
        "hr",
        "img",
        "picture",
        "caption",
        "thead",
        "tbody",
        "tfoot",
        "tr",
        "td",
        "th",
    }
)
SAFE_SCHEMES = ("http", "https", "mailto", "tel")
_BREADCRUMB_SEP = re.compile(r"\s*[»›]\s*")
_TAG_RE = re.compile(r"^[a-z][a-z0-9-]*$")
KEPT_ATTRIBUTES = {
    "id",
    "name",
    "class",
    "href",
    "src",
    "data-src",
    "alt",
    "title",
    "lang",
    "start",
    "colspan",
    "rowspan",
    "aria-label",
}


def html_to_text(html: str) -> str:
    """A snippet of HTML (e.g. ``title.rendered``) as plain text."""
    html = _CONTROL.sub("", html or "")
    if not html.strip():
        return ""
    try:
        root = lxml.html.fragment_fromstring(html, create_parent="div")
    except (etree.ParserError, ValueError):
        return clean_text(html)
    for el in root.iter(*EXECUTABLE):
        _drop(el)
    return clean_text(root.text_content())


MAX_DEPTH = 100
MAX_ELEMENTS = 10_000
MAX_CHARS = 5_000_000
# Elements that never stay open (void) or that the parser closes by itself
# when a sibling starts: they add no depth.
_FLAT = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
    "param",
    "keygen",
    "p",
    "li",
    "dt",
    "dd",
    "option",
    "optgroup",
    "tr",
    "td",
    "th",
    "thead",
    "tbody",
    "tfoot",
    "rb",
    "rt",
    "rp",
    "colgroup",
    "caption",
}
_FORMATTING = {"a", "b", "big", "code", "em", "font", "i", "nobr", "s", "small", "strike", "strong", "tt", "u"}
_RAW_TEXT = re.compile(
    r"<(script|style|textarea|title|xmp|noembed|noframes|iframe)\b.*?</\1\s*>|<!--.*?-->", re.S | re.I
)
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)")


class TooComplex(ValueError):
    """A page too deeply nested or too large to convert in a bounded time."""


def check_bounds(html: str) -> None:
    """Raise :class:`TooComplex` for a page the converter would take too long on.

    The HTML5 parser's work grows with depth × size, so both are bounded
    before parsing, by a scan of the tags (an estimate that may only err on
    the deep side).
    """
    if len(html) > MAX_CHARS:
        raise TooComplex(f"the page's HTML is too large ({len(html)} characters; the limit is {MAX_CHARS})")
    stack: list[str] = []  # open elements, as the parser would keep them (roughly)
    formatting = 0  # open formatting elements among them
    count = 0
    for match in _TAG.finditer(_RAW_TEXT.sub("", html)):
        tag = match.group(2).lower()
        if not match.group(1):
            # the element, plus the unclosed formatting elements the parser may copy
            # into it (HTML's "reconstruct the active formatting elements")
            count += 1 + formatting
            if count > MAX_ELEMENTS:
                break
        if tag in _FLAT:
            continue
        if not match.group(1):
            stack.append(tag)
            formatting += tag in _FORMATTING
            if len(stack) > MAX_DEPTH:
                raise TooComplex(f"the page's HTML is nested too deeply (more than {MAX_DEPTH} levels)")
        elif tag in stack:  # an end tag closes its element and those opened inside it
            cut = len(stack) - 1 - stack[::-1].index(tag)
            formatting -= sum(1 for t in stack[cut:] if t in _FORMATTING)
            del stack[cut:]
    if count > MAX_ELEMENTS:
        raise TooComplex(f"the page's HTML has too many elements (more than {MAX_ELEMENTS})")


def _drop(el: etree._Element) -> None:
    """Remove an element and its content, keeping its tail text."""
    parent = el.getparent()
    if parent is None:
        return
    tail = el.tail
    prev = el.getprevious()
    if tail:
        if prev is not None:
            prev.tail = (prev.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(el)


def _classes(el: etree._Element) -> set[str]:
    return set(str(el.get("class") or "").split())


def _text(el: etree._Element) -> str:
    return clean_text(el.text_content())


class Cleaning:
    """Steps 1-3 of the conversion; mixed into :class:`.html2model.Converter`."""

    title: str
    page_url: str
    result: HtmlResult
    nav_labels: dict[str, str]
    category_texts: set[str]
    html: str
    handlers: int

    def _parse(self) -> etree._Element | None:
        """Parse as a browser does (HTML5 rules, via tinyhtml5), into an lxml tree.

        Only the attributes the converter reads are copied; event-handler
        attributes are counted (for the report) and never copied.
        """
        if not self.html.strip():
            self.result.review.append("the page has no content")
            return None
        check_bounds(self.html)
        document = tinyhtml5.parse(self.html, namespace_html_elements=False)
        root = lxml.html.html_parser.makeelement("div")
        self._copy(document, root)
        if self.handlers:
            self.result.dropped.append(f"event-handler attribute(s) (onclick, ...) ×{self.handlers}")
        return root

    def _copy(self, source, target: etree._Element, depth: int = 0) -> None:
        """Copy the children of an ElementTree node under an lxml element.

        Below :data:`MAX_DEPTH` levels (the parser can nest deeper than the
        source says, rebuilding formatting) only the text is kept.
        """
        target.text = (target.text or "") + _CONTROL.sub("", source.text or "") or None
        if depth >= MAX_DEPTH:
            text = "".join(source.itertext()) if hasattr(source, "itertext") else ""
            target.text = (target.text or "") + " " + _CONTROL.sub("", text)
            return
        last = None
        for child in source:
            if not isinstance(child.tag, str):  # comment or processing instruction
                self._append_text(target, last, child.tail)
                continue
            tag = child.tag.rsplit("}", 1)[-1].lower()
            if not _TAG_RE.match(tag):
                tag = "span"
            el = lxml.html.html_parser.makeelement(tag)
            for key, value in child.attrib.items():
                key = str(key).rsplit("}", 1)[-1].lower()
                if key.startswith("on"):
                    self.handlers += 1
                elif key in KEPT_ATTRIBUTES:
                    el.set(key, _CONTROL.sub("", str(value)))
            target.append(el)
            self._copy(child, el, depth + 1)
            el.tail = _CONTROL.sub("", child.tail or "") or None
            last = el

    @staticmethod
    def _append_text(target: etree._Element, last: etree._Element | None, text: str | None) -> None:
        text = _CONTROL.sub("", text or "")
        if not text:
            return
        if last is None:
            target.text = (target.text or "") + text
        else:
            last.tail = (last.tail or "") + text

    # ------------------------------------------------------------------ safety
    def _remove_executable(self, root: etree._Element) -> None:
        counts: dict[str, int] = {}
        for el in list(root.iter()):
            if not isinstance(el.tag, str):  # comments, processing instructions
                _drop(el)
                continue
            tag = el.tag.lower()
            if tag in EXECUTABLE:
                counts[tag] = counts.get(tag, 0) + 1
                _drop(el)
        for tag, n in sorted(counts.items()):
            what = {
                "script": "script (executable code)",
                "style": "style sheet",
                "iframe": "embedded frame (iframe)",
                "object": "embedded object",
                "embed": "embedded plug-in content",
                "form": "form",
            }.get(tag, f"<{tag}> element")
            self.result.dropped.append(f"{what}{f' ×{n}' if n > 1 else ''}")

    # ------------------------------------------------------------------ chrome
    def _remove_chrome(self, root: etree._Element) -> None:
        r = self.result
        for el in list(root.iter()):
            if el.getparent() is None and el is not root:
                continue  # already removed with an ancestor
            classes = _classes(el)
            if classes & {"wp-block-cover", "wp-block-cover-image"}:
                text = _text(el)
                if text:
                    self.category_texts.add(text.casefold())
                images = [img.get("src", "") for img in el.iter("img")]
                bg = f", background image {images[0].rsplit('/', 1)[-1]}" if images else ""
                r.dropped.append(f'cover block "{_short(text)}"{bg}' if text else f"cover block{bg}")
                _drop(el)
            elif classes & {"wp-block-spacer"} or el.tag == "hr":
                _drop(el)
        spacers = 0  # counted below as empty blocks
        for el in list(root.iter()):
            if not self._attached(el, root):
                continue
            if self._is_breadcrumbs(el):
                text = _text(el)
                parts = [p for p in _BREADCRUMB_SEP.split(text) if p]
                for part in parts[:-1]:
                    self.category_texts.add(part.casefold())
                r.dropped.append(f'breadcrumbs "{_short(" » ".join(parts), 80)}"')
                _drop(el)
        for el in list(root.iter()):
            if not self._attached(el, root) or el is root:
                continue
            links = self._nav_links(el)
            if links:
                for href, label in links:
                    self.nav_labels.setdefault(href, label)
                r.dropped.append("in-page navigation (" + ", ".join(label for _, label in links) + ")")
                _drop(el)
        for el in list(root.iter("p", "div", "span", "h1", "h2", "h3", "h4", "h5", "h6")):
            if not self._attached(el, root):
                continue
            text = _text(el)
            if (
                text
                and text.casefold() in self.category_texts
                and not any(child.tag in BLOCKS for child in el.iter() if child is not el)
            ):
                if el.tag in HEADINGS and text.casefold() == clean_text(self.title).casefold():
                    continue  # the page title itself
                r.dropped.append(f'repeated category label "{_short(text)}"')
                _drop(el)
        for el in list(root.iter()):
            if self._attached(el, root) and el.tag in ("p", "div") and self._is_empty(el):
                spacers += 1
                _drop(el)
        if spacers:
            r.dropped.append(f"empty spacer block(s) ×{spacers}")

    @staticmethod
    def _attached(el: etree._Element, root: etree._Element) -> bool:
        node = el
        while node is not None:
            if node is root:
                return True
            node = node.getparent()
        return False

    @staticmethod
    def _is_empty(el: etree._Element) -> bool:
        if _text(el):
            return False
        return not any(child.tag in ("img", "picture", "br", "hr", "table") for child in el.iter())

    def _is_breadcrumbs(self, el: etree._Element) -> bool:
        if not isinstance(el.tag, str):
            return False
        marker = " ".join(
            [str(el.get("class") or ""), str(el.get("id") or ""), str(el.get("aria-label") or "")]
        ).lower()
        if "breadcrumb" in marker:
            return True
        if el.tag not in ("p", "nav", "div", "ol", "ul"):
            return False
        text = _text(el)
        parts = [p for p in _BREADCRUMB_SEP.split(text) if p]
        if len(parts) < 2 or not re.search(r"[»›]", text) or text.endswith((".", "!", "?")):
            return False
        if any(len(p.split()) > 8 for p in parts):
            return False
        links = [a for a in el.iter("a") if a.get("href")]
        if not links or any(str(a.get("href")).startswith("#") for a in links):
            return False
        return not any(
            child.tag in ("p", "h1", "h2", "h3", "ul", "ol", "table") for child in el.iter() if child is not el
        ) or el.tag in ("ol", "ul")

    def _fragment(self, href: str) -> str:
        """The anchor of an in-page link (``#x`` or this page's address + ``#x``), else ''."""
        href = href.strip()
        if href.startswith("#"):
            return unquote(href[1:])
        if "#" in href and self.page_url:
            base, frag = href.split("#", 1)
            if base and _same_page(urljoin(self.page_url, base), self.page_url):
                return unquote(frag)
        return ""

    def _nav_links(self, el: etree._Element) -> list[tuple[str, str]]:
        """In-page navigation: a container whose only text is ≥2 links to anchors of this page."""
        if el.tag not in CONTAINERS | {"ul", "ol", "p"}:
            return []
        classes = _classes(el)
        links = [a for a in el.iter("a") if a.get("href")]
        pairs = [(self._fragment(str(a.get("href"))), _text(a)) for a in links]
        if not pairs or any(not frag for frag, _ in pairs):
            return []
        marked = bool(classes & {"ancore", "wp-block-table-of-contents", "toc", "ez-toc-container"})
        if len(pairs) < 2 and not marked:
            return []
        link_text = "".join(label for _, label in pairs).replace(" ", "")
        if _text(el).replace(" ", "") != link_text:
            return []
        return [(frag, label) for frag, label in pairs if label]
