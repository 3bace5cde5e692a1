"""WordPress page HTML → sections and blocks of the content model.

Takes: the ``content.rendered`` HTML of a page, its title, address and
language. Gives: :class:`HtmlResult`: the sections (``model.Section``), the
figures found, and plain-language notes of what was dropped, repaired or
needs a person's review. Pure: no I/O, no printing.

Steps, in order:

1. **Parse** with lxml's HTML parser (never fails on tag soup); control
   characters are removed first, entities become text.
2. **Remove anything executable or interactive**: script, style, iframe,
   object, embed, forms, SVG, ... with their content.
3. **Remove site chrome**: cover blocks, breadcrumbs, in-page navigation
   (whose link labels are kept as the sections' navigation labels),
   repeated category labels (a cover's text or a breadcrumb step repeated
   in the page), spacers and separators.
4. **Convert** what is left by a whitelist: headings, paragraphs, lists,
   tables, figures and inline text (strong, emphasis, code, links,
   abbreviations, foreign-language spans). Every class, style and other
   attribute is dropped; only http(s)/mailto/tel and in-page links survive.
5. **Repair**: the page title (``h1``) is not a section, but its ``id``
   anchors the first section; bold-only paragraphs that introduce content
   become subsection headings; skipped heading levels are closed up;
   anchors are made valid and unique; images keep their alt text (an image
   without alt is kept and reported).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from urllib.parse import quote, unquote, urljoin, urlsplit, urlunsplit

import lxml.etree as etree
import lxml.html

from .. import model as m
from ..i18n import labels
from ..markdown import ANCHOR_RE, slugify

# Removed with everything inside them; reported as dropped.
EXECUTABLE = {"script", "style", "iframe", "frame", "frameset", "object", "embed", "applet",
              "noscript", "template", "link", "meta", "base", "svg", "math", "canvas",
              "form", "input", "button", "select", "textarea", "option", "datalist", "dialog",
              "video", "audio", "source", "track", "map", "area", "portal", "param", "title"}
HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
CONTAINERS = {"div", "section", "article", "main", "header", "footer", "aside", "nav", "center",
              "body", "html", "hgroup", "address", "details", "summary", "fieldset", "legend",
              "figcaption", "dl", "dt", "dd", "menu", "search", "head"}
BLOCKS = CONTAINERS | set(HEADINGS) | {"p", "ul", "ol", "li", "table", "figure", "blockquote",
                                       "pre", "hr", "img", "picture", "caption", "thead",
                                       "tbody", "tfoot", "tr", "td", "th"}
SAFE_SCHEMES = ("http", "https", "mailto", "tel")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff\ud800-\udfff]")
_WS = re.compile(r"\s+")
_BREADCRUMB_SEP = re.compile(r"\s*[»›]\s*")
_LANG_RE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
MAX_LEVEL = 6
_TAG_RE = re.compile(r"^[a-z][a-z0-9-]*$")
KEPT_ATTRIBUTES = {"id", "name", "class", "href", "src", "data-src", "alt", "title", "lang",
                   "start", "colspan", "rowspan", "aria-label"}


@dataclass
class HtmlResult:
    """What the HTML gave: sections, and notes for the import summary."""

    sections: tuple[m.Section, ...] = ()
    title_from_h1: str = ""
    dropped: list[str] = field(default_factory=list)
    repaired: list[str] = field(default_factory=list)
    review: list[str] = field(default_factory=list)


def clean_text(text: str) -> str:
    """Entities are already text: drop control characters, collapse whitespace."""
    return _WS.sub(" ", _CONTROL.sub("", text)).strip()


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


def _short(text: str, n: int = 60) -> str:
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


def _lang_code(value: str) -> str:
    value = value.strip().replace("_", "-")
    return value.split("-")[0].lower() if value else ""


# --------------------------------------------------------------------------- converter


@dataclass
class _Heading:
    src_level: float
    text: str
    ids: tuple[str, ...]
    note: str = ""  # how the heading came to be (repairs)


class Converter:
    """One page's conversion; see the module docstring for the steps."""

    def __init__(self, html: str, *, title: str, page_url: str, lang: str):
        self.title = title
        self.page_url = page_url
        self.lang = lang
        self.result = HtmlResult()
        self.nav_labels: dict[str, str] = {}
        self.category_texts: set[str] = set()
        self.html = _CONTROL.sub("", html or "")
        self.handlers = 0

    # ------------------------------------------------------------------ driver
    def run(self) -> HtmlResult:
        root = self._parse()
        if root is not None:
            self._remove_executable(root)
            self._remove_chrome(root)
            events: list[object] = []
            self._flow(root, events, top=True)
            self._build(events)
        return self.result

    def _parse(self) -> etree._Element | None:
        """Parse as a browser does (HTML5 rules, via tinyhtml5), into an lxml tree.

        Only the attributes the converter reads are copied; event-handler
        attributes are counted (for the report) and never copied.
        """
        if not self.html.strip():
            self.result.review.append("the page has no content")
            return None
        try:
            import tinyhtml5
        except ModuleNotFoundError:  # pragma: no cover - WeasyPrint brings tinyhtml5
            try:
                return lxml.html.fragment_fromstring(self.html, create_parent="div")
            except (etree.ParserError, ValueError) as exc:
                self.result.review.append(f"the page's HTML could not be read: {exc}")
                return None
        document = tinyhtml5.parse(self.html, namespace_html_elements=False)
        root = lxml.html.html_parser.makeelement("div")
        self._copy(document, root)
        if self.handlers:
            self.result.dropped.append(f"event-handler attribute(s) (onclick, ...) ×{self.handlers}")
        return root

    def _copy(self, source, target: etree._Element) -> None:
        """Copy the children of an ElementTree node under an lxml element."""
        target.text = (target.text or "") + _CONTROL.sub("", source.text or "") or None
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
            self._copy(child, el)
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
            what = {"script": "script (executable code)", "style": "style sheet",
                    "iframe": "embedded frame (iframe)", "object": "embedded object",
                    "embed": "embedded plug-in content", "form": "form"}.get(tag, f"<{tag}> element")
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
                r.dropped.append(f"cover block \"{_short(text)}\"{bg}" if text else f"cover block{bg}")
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
                r.dropped.append(f"breadcrumbs \"{_short(' » '.join(parts), 80)}\"")
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
            if text and text.casefold() in self.category_texts and not any(
                    child.tag in BLOCKS for child in el.iter() if child is not el):
                if el.tag in HEADINGS and text.casefold() == clean_text(self.title).casefold():
                    continue  # the page title itself
                r.dropped.append(f"repeated category label \"{_short(text)}\"")
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
        marker = " ".join([str(el.get("class") or ""), str(el.get("id") or ""),
                           str(el.get("aria-label") or "")]).lower()
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
        return not any(child.tag in ("p", "h1", "h2", "h3", "ul", "ol", "table")
                       for child in el.iter() if child is not el) or el.tag in ("ol", "ul")

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

    # ------------------------------------------------------------------ conversion
    def _flow(self, el: etree._Element, out: list[object], *, top: bool) -> None:
        """Children of a container → events (``_Heading`` only when ``top``) and blocks."""
        run: list[m.Inline] = []
        hoisted: list[m.Block] = []

        def flush() -> None:
            inlines = normalize(tuple(run))
            if inlines:
                out.append(m.Paragraph(inlines))
            out.extend(hoisted)
            run.clear()
            hoisted.clear()

        if el.text:
            run.append(m.Text(el.text))
        for child in el:
            tag = child.tag.lower() if isinstance(child.tag, str) else ""
            if tag in BLOCKS:
                flush()
                self._block(child, tag, out, top=top)
            elif tag:
                run.extend(self._inline(child, hoisted))
            if child.tail:
                run.append(m.Text(child.tail))
        flush()

    def _block(self, el: etree._Element, tag: str, out: list[object], *, top: bool) -> None:
        r = self.result
        if tag in HEADINGS:
            text = clean_text(m.plain_text(normalize(tuple(self._inline_children(el, [])))))
            ids = tuple(str(x.get("id") or x.get("name") or "") for x in el.iter()
                        if isinstance(x.tag, str) and (x.get("id") or (x.tag == "a" and x.get("name"))))
            if not text:
                if ids:
                    r.review.append(f"empty heading with anchor #{ids[0]} dropped")
                return
            text = self._defuse(text)
            if top:
                out.append(_Heading(HEADINGS[tag], text, ids))
            else:
                out.append(m.Paragraph((m.Strong((m.Text(text),)),)))
                r.repaired.append(f"heading \"{_short(text)}\" inside a list, table or quote "
                                  "kept as bold text")
        elif tag == "p":
            hoisted: list[m.Block] = []
            inlines = normalize(tuple(self._inline_children(el, hoisted)))
            if inlines:
                out.append(m.Paragraph(inlines))
            out.extend(hoisted)
        elif tag in ("ul", "ol"):
            items = []
            for li in el:
                if not isinstance(li.tag, str):
                    continue
                blocks: list[object] = []
                if li.tag == "li":
                    self._flow(li, blocks, top=False)
                else:
                    self._block(li, li.tag.lower(), blocks, top=False)
                items.append(m.ListItem(tuple(b for b in blocks if not isinstance(b, _Heading))))
            items = [i for i in items if i.blocks]
            if not items:
                return
            if tag == "ol":
                try:
                    start = int(str(el.get("start") or "1"))
                except ValueError:
                    start = 1
                out.append(m.NumberedList(tuple(items), max(0, min(start, 999_999_000))))
            else:
                out.append(m.BulletList(tuple(items)))
        elif tag == "table":
            table, captions = self._table(el)
            out.extend(captions)
            if table is not None:
                out.append(table)
        elif tag in ("img", "picture"):
            fig = self._image(el if tag == "img" else next(el.iter("img"), None))
            if fig is not None:
                out.append(fig)
        elif tag == "figure":
            self._figure(el, out, top=top)
        elif tag == "blockquote":
            inner: list[object] = []
            self._flow(el, inner, top=False)
            if inner:
                r.repaired.append("block quote imported as plain paragraphs")
            out.extend(inner)
        elif tag == "pre":
            text = clean_text(el.text_content())
            if text:
                out.append(m.Paragraph((m.Text(text),)))
                r.review.append(f"preformatted text \"{_short(text)}\" imported as a paragraph")
        elif tag == "hr":
            return
        elif tag in ("li", "dt", "dd", "tr", "td", "th", "thead", "tbody", "tfoot", "caption"):
            self._flow(el, out, top=False)
        else:  # containers
            self._flow(el, out, top=top)

    def _defuse(self, heading: str) -> str:
        """Heading text is written as is (Markdown headings are plain text here): a '<'
        that another Markdown tool could read as the start of HTML becomes '‹'."""
        safe = re.sub(r"<(?=[A-Za-z/!?])", "‹", heading)
        if safe != heading:
            safe = safe.replace(">", "›")
            self.result.repaired.append(f"heading \"{_short(heading)}\" looked like HTML: "
                                        f"written as \"{_short(safe)}\"")
        return safe

    def _figure(self, el: etree._Element, out: list[object], *, top: bool) -> None:
        imgs = [img for img in el.iter("img")]
        caption_el = next(el.iter("figcaption"), None)
        caption = clean_text(caption_el.text_content()) if caption_el is not None else ""
        if caption_el is not None:
            _drop(caption_el)
        if len(imgs) == 1 and not [t for t in el.iter("table", "ul", "ol", "p") if True]:
            fig = self._image(imgs[0])
            if fig is not None:
                out.append(replace(fig, caption=(m.Text(caption),) if caption else ()))
            elif caption:
                out.append(m.Paragraph((m.Text(caption),)))
            return
        self._flow(el, out, top=top)
        if caption:
            out.append(m.Paragraph((m.Text(caption),)))

    def _image(self, img: etree._Element | None) -> m.Figure | None:
        if img is None:
            return None
        r = self.result
        raw = str(img.get("src") or img.get("data-src") or "").strip()
        alt_attr = img.get("alt")
        alt = clean_text(str(alt_attr or ""))
        src = self._safe_url(raw, images=True)
        label = f"\"{_short(alt)}\" " if alt else ""
        if not src:
            r.dropped.append(f"image {label}({_short(raw, 80) or 'no address'}): only http(s) "
                             "images can be imported")
            if alt:
                r.review.append(f"image \"{_short(alt)}\" was dropped (unsupported address "
                                f"{_short(raw, 60)}): add it again as a file under content/images")
            return None
        src = _encode_url(src)
        if not alt:
            why = "no alt attribute" if alt_attr is None else "empty alt text"
            r.review.append(f"image {src.rsplit('/', 1)[-1]} has {why}: write its alt text, or "
                            "mark it {.decorative} if it adds no information")
        return m.Figure(src=src, alt=alt)

    def _table(self, el: etree._Element) -> tuple[m.Table | None, list[m.Block]]:
        r = self.result
        extra: list[m.Block] = []
        caption = next((c for c in el.iter("caption")), None)
        if caption is not None:
            text = clean_text(caption.text_content())
            if text:
                extra.append(m.Paragraph((m.Text(text),)))
                r.repaired.append(f"table caption \"{_short(text)}\" placed above the table")
        rows: list[tuple[bool, tuple[m.Cell, ...], bool]] = []  # (in_thead, cells, all_th)
        spans = False
        for tr in el.iter("tr"):
            cells = []
            for cell in tr:
                if not isinstance(cell.tag, str) or cell.tag not in ("td", "th"):
                    continue
                if cell.get("colspan") or cell.get("rowspan"):
                    spans = True
                inlines = normalize(tuple(
                    m.Text(" ") if isinstance(x, m.LineBreak) else x
                    for x in self._inline_children(cell, [], flatten_blocks=True)))
                cells.append(m.Cell(_no_breaks(inlines), header=cell.tag == "th"))
            in_head = any(a.tag == "thead" for a in tr.iterancestors())
            if cells:
                rows.append((in_head, tuple(cells), all(c.header for c in cells)))
        if spans:
            r.review.append("a table had merged cells: check its layout")
        if not rows:
            return None, extra
        width = max(len(cells) for _, cells, _ in rows)

        def pad(cells: tuple[m.Cell, ...]) -> tuple[m.Cell, ...]:
            return tuple(replace(c, header=False) for c in cells) + (m.Cell(()),) * (width - len(cells))

        head_rows = [cells for in_head, cells, _ in rows if in_head]
        body_rows = [cells for in_head, cells, _ in rows if not in_head]
        if not head_rows:
            if rows[0][2]:
                head_rows, body_rows = [rows[0][1]], [c for _, c, _ in rows[1:]]
            else:
                head_rows, body_rows = [rows[0][1]], [c for _, c, _ in rows[1:]]
                r.review.append("a table had no header row: its first row was made the header")
        if len(head_rows) > 1:
            body_rows = head_rows[1:] + body_rows
            r.repaired.append("a table's extra header rows were moved into its body")
        if any(c.header for row in body_rows for c in row):
            r.review.append("a table had row headers: they are now ordinary cells")
        head = (tuple(replace(c, header=True) for c in pad(head_rows[0])),)
        return m.Table(head, tuple(pad(row) for row in body_rows)), extra

    # ------------------------------------------------------------------ inline
    def _inline_children(self, el: etree._Element, hoisted: list[m.Block], *,
                         flatten_blocks: bool = False) -> list[m.Inline]:
        out: list[m.Inline] = []
        if el.text:
            out.append(m.Text(el.text))
        for child in el:
            out.extend(self._inline(child, hoisted, flatten_blocks=flatten_blocks))
            if child.tail:
                out.append(m.Text(child.tail))
        return out

    def _inline(self, el: etree._Element, hoisted: list[m.Block], *,
                flatten_blocks: bool = False) -> list[m.Inline]:
        if not isinstance(el.tag, str):
            return []
        tag = el.tag.lower()
        r = self.result
        kids = lambda: tuple(self._inline_children(el, hoisted, flatten_blocks=flatten_blocks))  # noqa: E731
        if tag == "br":
            return [m.LineBreak()]
        if tag in ("img", "picture"):
            img = el if tag == "img" else next(el.iter("img"), None)
            if flatten_blocks:
                alt = clean_text(str(img.get("alt") or "")) if img is not None else ""
                r.dropped.append(f"image in a table cell ({_short(alt) or 'no alt text'})")
                return [m.Text(alt)] if alt else []
            fig = self._image(img)
            if fig is not None:
                hoisted.append(fig)
                r.repaired.append(f"image {fig.src.rsplit('/', 1)[-1]} inside text moved after "
                                  "its paragraph")
            return []
        if tag in ("strong", "b"):
            return [m.Strong(kids())]
        if tag in ("em", "i", "cite", "dfn", "var"):
            return [m.Emphasis(kids())]
        if tag in ("code", "kbd", "samp", "tt"):
            text = clean_text(el.text_content())
            return [m.Code(text)] if text else []
        if tag == "a":
            return self._link(el, kids())
        if tag in ("abbr", "acronym"):
            title = clean_text(str(el.get("title") or "")).replace('"', "'").replace("\\", "/")
            return [m.Abbr(title, kids())] if title else list(kids())
        if tag == "q":
            return [m.Text("“"), *kids(), m.Text("”")]
        lang = _lang_code(str(el.get("lang") or el.get("{http://www.w3.org/XML/1998/namespace}lang") or ""))
        if lang and _LANG_RE.match(lang) and lang != self.lang:
            return [m.Span(lang, kids())]
        if tag in BLOCKS:  # a block inside inline content: keep its text, separated
            return [m.Text(" "), *kids(), m.Text(" ")]
        return list(kids())  # span, u, mark, small, sup, sub, font, ...: text only

    def _link(self, el: etree._Element, children: tuple[m.Inline, ...]) -> list[m.Inline]:
        href = str(el.get("href") or "").strip()
        if not href:
            return list(children)
        frag = self._fragment(href)
        if frag:
            return [m.Link("#" + frag, children)]
        url = self._safe_url(href)
        if not url:
            self.result.dropped.append(f"link \"{_short(clean_text(m.plain_text(children)))}\" to "
                                       f"{_short(href, 60)} (unsafe or unsupported address; "
                                       "its text is kept)")
            return list(children)
        title = clean_text(str(el.get("title") or ""))
        return [m.Link(_encode_url(url), children, title)]

    def _safe_url(self, href: str, *, images: bool = False) -> str:
        """An absolute http(s) (links also mailto:/tel:) address, or '' for anything else."""
        # as browsers do: drop tabs and newlines anywhere, spaces at the ends
        href = re.sub(r"[\t\n\r]", "", _CONTROL.sub("", href)).strip(" \f")
        if not href:
            return ""
        scheme = urlsplit(href).scheme.lower() if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", href) else ""
        if scheme:
            allowed = ("http", "https") if images else SAFE_SCHEMES
            return href if scheme in allowed else ""
        if not self.page_url:
            return ""
        absolute = urljoin(self.page_url, href)
        return absolute if urlsplit(absolute).scheme in ("http", "https") else ""

    # ------------------------------------------------------------------ structure
    def _build(self, events: list[object]) -> None:
        r = self.result
        events = self._promote_bold_paragraphs(events)
        title_key = clean_text(self.title).casefold()
        title_index = None
        for i, ev in enumerate(events):
            if isinstance(ev, _Heading) and ev.src_level == 1:
                if ev.text.casefold() == title_key or title_index is None and not any(
                        isinstance(e, _Heading) for e in events[:i]):
                    title_index = i
                    break
        first_ids: tuple[str, ...] = ()
        if title_index is not None:
            title_ev = events.pop(title_index)
            assert isinstance(title_ev, _Heading)
            r.title_from_h1 = title_ev.text
            first_ids = title_ev.ids

        # The leading blocks (before the first heading) form the first section.
        nodes: list[dict] = []
        stack: list[dict] = []
        used: set[str] = set()
        id_map: dict[str, str] = {}

        def anchor_for(ids: tuple[str, ...], text: str) -> tuple[str, str]:
            original = next((i for i in ids if i), "")
            base = original.lower() if ANCHOR_RE.match(original.lower()) else ""
            if original and not base:
                base = slugify(original)
                r.repaired.append(f"anchor #{original} renamed #{base}")
            if not base:
                base = slugify(text)
            anchor, n = base, 2
            while anchor in used:
                anchor, n = f"{base}-{n}", n + 1
            used.add(anchor)
            for i in ids:
                if i:
                    id_map.setdefault(i, anchor)
            return anchor, original

        def label_for(original: str, heading: str) -> str:
            label = self.nav_labels.get(original, "") if original else ""
            return label if label and label != heading else ""

        leading: list[m.Block] = []
        while events and not isinstance(events[0], _Heading):
            leading.append(events.pop(0))  # type: ignore[arg-type]
        if leading:
            original = next((i for i in first_ids if i), "")
            heading = self.nav_labels.get(original, "") if original else ""
            if not heading:
                heading = labels(self.lang).get("introduction", "Introduction")
                r.review.append(f"the text before the first heading was put in a section "
                                f"named \"{heading}\": check the heading")
            else:
                r.repaired.append(f"first section named \"{heading}\" after the page's "
                                  "in-page navigation")
            anchor, _ = anchor_for(first_ids, heading)
            nodes.append({"level": 2, "src": 1.5, "anchor": anchor, "heading": heading,
                          "label": "", "blocks": leading, "children": []})
        elif first_ids and any(first_ids):
            r.review.append(f"anchor #{first_ids[0]} on the page title has no text under it; dropped")

        for ev in events:
            if not isinstance(ev, _Heading):
                if stack:
                    stack[-1]["blocks"].append(ev)
                else:  # pragma: no cover - leading blocks were consumed above
                    nodes[-1]["blocks"].append(ev)
                continue
            src = ev.src_level
            if src == 1:
                src = 2
                r.repaired.append(f"extra top-level heading \"{_short(ev.text)}\" (h1) made a section")
            while stack and stack[-1]["src"] >= src:
                stack.pop()
            parent_level = stack[-1]["level"] if stack else 1
            parent_src = stack[-1]["src"] if stack else 1
            level = min(parent_level + 1, MAX_LEVEL)
            if src == int(src) and src > int(parent_src) + 1:
                r.repaired.append(f"heading \"{_short(ev.text)}\" (h{int(src)}) skipped a level: "
                                  f"made level {level}")
            if ev.note:
                r.repaired.append(ev.note)
            anchor, original = anchor_for(ev.ids, ev.text)
            node = {"level": level, "src": src, "anchor": anchor, "heading": ev.text,
                    "label": label_for(original, ev.text), "blocks": [], "children": []}
            if level == MAX_LEVEL and stack and stack[-1]["level"] == MAX_LEVEL:
                stack.pop()
            (stack[-1]["children"] if stack else nodes).append(node)
            stack.append(node)

        for frag, label in self.nav_labels.items():
            if frag not in id_map:
                r.review.append(f"in-page navigation link #{frag} (\"{_short(label)}\") "
                                "points to no heading")

        def freeze(node: dict) -> m.Section:
            blocks = tuple(_markdown_safe(_fix_links(b, id_map, used, r), r)
                           for b in node["blocks"])
            return m.Section(anchor=node["anchor"], heading=node["heading"], level=node["level"],
                             blocks=blocks, subsections=tuple(freeze(c) for c in node["children"]),
                             nav_label=node["label"])

        r.sections = tuple(freeze(n) for n in nodes)

    def _promote_bold_paragraphs(self, events: list[object]) -> list[object]:
        out: list[object] = []
        current_src = 1.0
        for i, ev in enumerate(events):
            if isinstance(ev, _Heading):
                current_src = ev.src_level
                out.append(ev)
                continue
            following = events[i + 1] if i + 1 < len(events) else None
            text = _bold_only(ev)
            if text and following is not None and not isinstance(following, _Heading):
                text = self._defuse(text)
                level_src = int(current_src) + 0.5
                out.append(_Heading(level_src, text, (), note=f"bold paragraph \"{_short(text)}\" "
                                    "made a subsection heading"))
            else:
                out.append(ev)
        return out


def _bold_only(block: object) -> str:
    """The text of a short paragraph that is all bold and reads like a heading, else ''."""
    if not isinstance(block, m.Paragraph):
        return ""
    inlines = [n for n in block.inlines if not (isinstance(n, m.Text) and not n.text.strip())]
    if not inlines or not isinstance(inlines[0], m.Strong):
        return ""
    rest = inlines[1:]
    if rest and not (len(rest) == 1 and isinstance(rest[0], m.Text) and rest[0].text.strip() == ":"):
        return ""
    text = clean_text(m.plain_text(inlines[0].children)).rstrip(":").strip()
    if not text or len(text) > 120 or text.endswith((".", "!", "?", ";", ",")):
        return ""
    return text


def _fix_links(block: m.Block, id_map: dict[str, str], anchors: set[str], r: HtmlResult) -> m.Block:
    """In-page links point at the final anchors; links to a missing anchor become text."""

    def fix(nodes: tuple[m.Inline, ...]) -> tuple[m.Inline, ...]:
        out: list[m.Inline] = []
        for node in nodes:
            if isinstance(node, m.Link):
                kids = fix(node.children)
                if node.href.startswith("#"):
                    target = id_map.get(node.href[1:], node.href[1:])
                    if target not in anchors:
                        r.dropped.append(f"link \"{_short(m.plain_text(kids))}\" to {node.href} "
                                         "(no such anchor on the page; its text is kept)")
                        out.extend(kids)
                        continue
                    node = replace(node, href="#" + target)
                out.append(replace(node, children=kids))
            elif isinstance(node, (m.Strong, m.Emphasis, m.Span, m.Abbr)):
                out.append(replace(node, children=fix(node.children)))
            else:
                out.append(node)
        return normalize(tuple(out))

    if isinstance(block, m.Paragraph):
        return replace(block, inlines=fix(block.inlines))
    if isinstance(block, (m.BulletList, m.NumberedList)):
        return replace(block, items=tuple(
            m.ListItem(tuple(_fix_links(b, id_map, anchors, r) for b in item.blocks))
            for item in block.items))
    if isinstance(block, m.Table):
        return replace(block, head=tuple(tuple(replace(c, inlines=fix(c.inlines)) for c in row)
                                         for row in block.head),
                       body=tuple(tuple(replace(c, inlines=fix(c.inlines)) for c in row)
                                  for row in block.body))
    if isinstance(block, m.Note):
        return replace(block, blocks=tuple(_fix_links(b, id_map, anchors, r) for b in block.blocks))
    return block


def _reparse(nodes: tuple[m.Inline, ...]) -> tuple[m.Inline, ...] | None:
    """The inline run Markdown gives back for ``nodes`` as the writer writes them."""
    from ..errors import Location
    from ..markdown import parse_body
    from .markdown_out import blocks_md, relative_src

    text = "\n".join(blocks_md((m.Paragraph(nodes),), relative_src))
    sections, _ = parse_body("## x {#x}\n\n" + text + "\n", Location("<import>"), 1)
    blocks = sections[0].blocks if sections else ()
    if len(blocks) != 1 or not isinstance(blocks[0], m.Paragraph):
        return None
    return blocks[0].inlines


def _strip_formatting(nodes: tuple[m.Inline, ...]) -> tuple[m.Inline, ...]:
    out: list[m.Inline] = []
    for node in nodes:
        if isinstance(node, (m.Strong, m.Emphasis)):
            out.extend(_strip_formatting(node.children))
        elif isinstance(node, (m.Link, m.Span, m.Abbr)):
            out.append(replace(node, children=_strip_formatting(node.children)))
        else:
            out.append(node)
    return normalize(tuple(out))


def _safe_run(nodes: tuple[m.Inline, ...], r: HtmlResult) -> tuple[m.Inline, ...]:
    """``nodes``, or a simpler run, that Markdown reads back unchanged."""
    if not nodes or _reparse(nodes) == nodes:
        return nodes
    simpler = _strip_formatting(nodes)
    if simpler != nodes and _reparse(simpler) == simpler:
        r.repaired.append(f"bold/italic dropped in \"{_short(m.plain_text(nodes))}\": Markdown "
                          "could not express it exactly")
        return simpler
    plain = normalize((m.Text(m.plain_text(nodes)),))
    r.review.append(f"formatting and links dropped in \"{_short(m.plain_text(nodes))}\": "
                    "Markdown could not express them exactly")
    return plain


def _markdown_safe(block: m.Block, r: HtmlResult) -> m.Block:
    if isinstance(block, m.Paragraph):
        return replace(block, inlines=_safe_run(block.inlines, r))
    if isinstance(block, (m.BulletList, m.NumberedList)):
        return replace(block, items=tuple(m.ListItem(tuple(_markdown_safe(b, r) for b in i.blocks))
                                          for i in block.items))
    if isinstance(block, m.Table):
        def row(cells):
            return tuple(replace(c, inlines=_safe_run(c.inlines, r)) for c in cells)
        return replace(block, head=tuple(row(x) for x in block.head),
                       body=tuple(row(x) for x in block.body))
    if isinstance(block, m.Note):
        return replace(block, blocks=tuple(_markdown_safe(b, r) for b in block.blocks))
    return block


# --------------------------------------------------------------------------- inline normalisation


def _same_page(a: str, b: str) -> bool:
    pa, pb = urlsplit(a), urlsplit(b)
    host = lambda h: (h or "").lower().removeprefix("www.")  # noqa: E731
    return host(pa.netloc) == host(pb.netloc) and pa.path.rstrip("/") == pb.path.rstrip("/")


def _encode_url(url: str) -> str:
    """Percent-encode what Markdown link syntax cannot carry (spaces, brackets, quotes, ...)."""
    parts = urlsplit(url)
    safe = "/:@!$&'*+,;=%-._~"
    return urlunsplit((parts.scheme, parts.netloc.replace(" ", ""), quote(parts.path, safe=safe),
                       quote(parts.query, safe=safe + "?"), quote(parts.fragment, safe=safe + "?")))


def _no_breaks(nodes: tuple[m.Inline, ...]) -> tuple[m.Inline, ...]:
    """Table cells hold one line: line breaks become spaces."""
    out: list[m.Inline] = []
    for node in nodes:
        if isinstance(node, m.LineBreak):
            out.append(m.Text(" "))
        elif isinstance(node, m.Code) and "|" in node.text:  # a pipe would split the cell
            out.append(m.Text(node.text))
        elif isinstance(node, (m.Strong, m.Emphasis, m.Link, m.Span, m.Abbr)):
            out.append(replace(node, children=_no_breaks(node.children)))
        else:
            out.append(node)
    return normalize(tuple(out))


def normalize(nodes: tuple[m.Inline, ...]) -> tuple[m.Inline, ...]:
    """Tidy an inline run so that it survives Markdown unchanged.

    Whitespace is collapsed and trimmed (also next to line breaks), spaces at
    the edges of bold/emphasis move outside it, empty formatting disappears,
    bold inside bold (and emphasis inside emphasis) is flattened, and
    adjacent text is merged.
    """
    flat = _flatten(nodes, inside=())
    # collapse whitespace across node boundaries
    out: list[m.Inline] = []
    for node in flat:
        if isinstance(node, m.Text):
            text = _WS.sub(" ", _CONTROL.sub("", node.text))
            if out and isinstance(out[-1], m.Text):
                out[-1] = m.Text(out[-1].text + text)
                out[-1] = m.Text(_WS.sub(" ", out[-1].text))
            elif text:
                out.append(m.Text(text))
        else:
            out.append(node)
    out = [n for n in out if not (isinstance(n, m.Text) and not n.text)]
    # trim at the ends and around line breaks; drop leading/trailing/double line breaks
    cleaned: list[m.Inline] = []
    for n in out:
        if isinstance(n, m.LineBreak):
            if not cleaned or isinstance(cleaned[-1], m.LineBreak):
                continue
        cleaned.append(n)
    while cleaned and isinstance(cleaned[-1], m.LineBreak):
        cleaned.pop()
    for i, n in enumerate(cleaned):
        if not isinstance(n, m.Text):
            continue
        text = n.text
        if i == 0 or isinstance(cleaned[i - 1], m.LineBreak):
            text = text.lstrip(" ")
        if i == len(cleaned) - 1 or isinstance(cleaned[i + 1], m.LineBreak):
            text = text.rstrip(" ")
        cleaned[i] = m.Text(text)
    cleaned = [n for n in cleaned if not (isinstance(n, m.Text) and not n.text)]
    # a line break must sit between text: drop ones at the edges after trimming
    while cleaned and isinstance(cleaned[0], m.LineBreak):
        cleaned.pop(0)
    while cleaned and isinstance(cleaned[-1], m.LineBreak):
        cleaned.pop()
    result = _edge_spaces(tuple(cleaned))
    while True:  # removing empty formatting can leave line breaks at the edges
        again = _trim_breaks(result)
        if again == result:
            return result
        result = again


def _trim_breaks(nodes: tuple[m.Inline, ...]) -> tuple[m.Inline, ...]:
    out: list[m.Inline] = []
    for n in nodes:
        if isinstance(n, m.LineBreak) and (not out or isinstance(out[-1], m.LineBreak)):
            continue
        if isinstance(n, m.Text) and out and isinstance(out[-1], m.Text):
            out[-1] = m.Text(_WS.sub(" ", out[-1].text + n.text))
            continue
        out.append(n)
    while out and isinstance(out[-1], m.LineBreak):
        out.pop()
    for i, n in enumerate(out):
        if isinstance(n, m.Text):
            text = n.text
            if i == 0 or isinstance(out[i - 1], m.LineBreak):
                text = text.lstrip(" ")
            if i == len(out) - 1 or isinstance(out[i + 1], m.LineBreak):
                text = text.rstrip(" ")
            out[i] = m.Text(text)
    return tuple(n for n in out if not (isinstance(n, m.Text) and not n.text))


def _flatten(nodes: tuple[m.Inline, ...], inside: tuple[type, ...]) -> list[m.Inline]:
    out: list[m.Inline] = []
    for node in nodes:
        if isinstance(node, (m.Strong, m.Emphasis)):
            kids = _flatten(node.children, inside + (type(node),))
            if type(node) in inside or isinstance(node, m.Strong) and m.Link in inside:
                out.extend(kids)
            else:
                out.append(replace(node, children=tuple(kids)))
        elif isinstance(node, m.Link):
            if m.Link in inside:  # nested links: keep the text
                out.extend(_flatten(node.children, inside))
            else:
                out.append(replace(node, children=tuple(_flatten(node.children, inside + (m.Link,)))))
        elif isinstance(node, (m.Span, m.Abbr)):
            out.append(replace(node, children=tuple(_flatten(node.children, inside + (m.Link,)))))
        elif isinstance(node, m.Code):
            text = _WS.sub(" ", _CONTROL.sub("", node.text)).strip()
            if text:
                out.append(m.Code(text))
        else:
            out.append(node)
    return out


def _edge_spaces(nodes: tuple[m.Inline, ...]) -> tuple[m.Inline, ...]:
    """Recursively normalise children and move edge spaces out of containers."""
    out: list[m.Inline] = []

    def push_text(text: str) -> None:
        if not text:
            return
        if out and isinstance(out[-1], m.Text):
            merged = _WS.sub(" ", out[-1].text + text)
            out[-1] = m.Text(merged)
        else:
            out.append(m.Text(text))

    for node in nodes:
        if isinstance(node, (m.Strong, m.Emphasis, m.Link, m.Span, m.Abbr)):
            raw = _inner_normalize(node.children)
            lead = " " if raw and isinstance(raw[0], m.Text) and raw[0].text.startswith(" ") else ""
            trail = " " if raw and isinstance(raw[-1], m.Text) and raw[-1].text.endswith(" ") else ""
            kids = list(_edge_spaces(tuple(raw)))
            while kids and isinstance(kids[0], m.LineBreak):
                kids.pop(0)
            while kids and isinstance(kids[-1], m.LineBreak):
                kids.pop()
            push_text(lead)
            if kids:
                out.append(replace(node, children=tuple(kids)))
            push_text(trail)
        elif isinstance(node, m.Text):
            push_text(node.text)
        else:
            out.append(node)
    # trim the run's ends again (edge spaces may have moved there)
    if out and isinstance(out[0], m.Text):
        out[0] = m.Text(out[0].text.lstrip(" "))
    if out and isinstance(out[-1], m.Text):
        out[-1] = m.Text(out[-1].text.rstrip(" "))
    return tuple(n for n in out if not (isinstance(n, m.Text) and not n.text))


def _inner_normalize(nodes: tuple[m.Inline, ...]) -> list[m.Inline]:
    out: list[m.Inline] = []
    for node in nodes:
        if isinstance(node, m.Text):
            text = _WS.sub(" ", node.text)
            if out and isinstance(out[-1], m.Text):
                out[-1] = m.Text(_WS.sub(" ", out[-1].text + text))
            elif text:
                out.append(m.Text(text))
        else:
            out.append(node)
    return out


def convert(html: str, *, title: str, page_url: str, lang: str) -> HtmlResult:
    """Convert one page's ``content.rendered`` HTML (see the module docstring)."""
    return Converter(html, title=title, page_url=page_url, lang=lang).run()
