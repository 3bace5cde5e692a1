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
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urljoin, urlsplit

import lxml.etree as etree

from .. import model as m
from ..i18n import labels
from ..markdown import ANCHOR_RE, slugify
from . import shortcodes
from .clean import BLOCKS, HEADINGS, SAFE_SCHEMES, Cleaning, _drop, check_bounds, html_to_text
from .inline import _bold_only, _encode_url, _fix_links, _markdown_safe, _no_breaks, normalize
from .langcheck import language_notes
from .tables import convert_table
from .textutil import _CONTROL, _LANG_RE, HtmlResult, _lang_code, _short, clean_text

__all__ = ["HtmlResult", "_lang_code", "clean_text", "convert", "html_to_text", "normalize"]

MAX_LEVEL = 6
_BLOCK_TYPES = (m.Paragraph, m.BulletList, m.NumberedList, m.Table, m.Figure, m.Note)


@dataclass
class _Heading:
    src_level: float
    text: str
    ids: tuple[str, ...]
    note: str = ""  # how the heading came to be (repairs)


class Converter(Cleaning):
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
        self.spans: list[m.Span] = []  # foreign-language spans, for the language check

    # ------------------------------------------------------------------ driver
    def run(self) -> HtmlResult:
        """Convert the page; raises :class:`.clean.TooComplex` for a page beyond the bounds."""
        check_bounds(self.html)
        codes = shortcodes.rewrite(self.html)
        self.html = codes.html
        self.result.repaired += codes.repaired
        self.result.review += codes.review
        root = self._parse()
        if root is not None:
            self._remove_executable(root)
            self._remove_chrome(root)
            events: list[object] = []
            self._flow(root, events, top=True)
            self._build(events)
        self.result.review += language_notes(self.spans, self.lang)
        return self.result

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
            ids = tuple(
                str(x.get("id") or x.get("name") or "")
                for x in el.iter()
                if isinstance(x.tag, str) and (x.get("id") or (x.tag == "a" and x.get("name")))
            )
            if not text:
                if ids:
                    r.review.append(f"empty heading with anchor #{ids[0]} dropped")
                return
            text = self._defuse(text)
            if top:
                out.append(_Heading(HEADINGS[tag], text, ids))
            else:
                out.append(m.Paragraph((m.Strong((m.Text(text),)),)))
                r.repaired.append(f'heading "{_short(text)}" inside a list, table or quote kept as bold text')
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
                items.append(m.ListItem(tuple(b for b in blocks if isinstance(b, _BLOCK_TYPES))))
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
            table = self._table(el)
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
                r.review.append(f'preformatted text "{_short(text)}" imported as a paragraph')
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
            self.result.repaired.append(f'heading "{_short(heading)}" looked like HTML: written as "{_short(safe)}"')
        return safe

    def _figure(self, el: etree._Element, out: list[object], *, top: bool) -> None:
        imgs = [img for img in el.iter("img")]
        caption_el = next(el.iter("figcaption"), None)
        tables = list(el.iter("table"))
        if len(tables) == 1 and not imgs:  # block editor: figure.wp-block-table > figcaption
            table = self._table(tables[0], caption_el)
            if table is not None:
                out.append(table)
            return
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
        label = f'"{_short(alt)}" ' if alt else ""
        if not src:
            r.dropped.append(f"image {label}({_short(raw, 80) or 'no address'}): only http(s) images can be imported")
            if alt:
                r.review.append(
                    f'image "{_short(alt)}" was dropped (unsupported address '
                    f"{_short(raw, 60)}): add it again as a file under content/images"
                )
            return None
        src = _encode_url(src)
        if not alt:
            why = "no alt attribute" if alt_attr is None else "empty alt text"
            r.review.append(
                f"image {src.rsplit('/', 1)[-1]} has {why}: write its alt text, or "
                "mark it {.decorative} if it adds no information"
            )
        return m.Figure(src=src, alt=alt)

    def _table(self, el: etree._Element, caption_el: etree._Element | None = None) -> m.Table | None:
        """A table (see :mod:`.tables`); its caption from ``<caption>`` or ``caption_el``."""
        own = next((c for c in el.iter("caption")), None)
        caption: tuple[m.Inline, ...] = ()
        for source in (own, caption_el):
            if source is not None and not caption:
                caption = self._cell_inlines(source)
            if source is not None:
                _drop(source)
        r = self.result
        table = convert_table(el, caption, self._cell_inlines, r.review, r.repaired)
        if table is None and caption:
            r.review.append(f'a table caption "{_short(m.plain_text(caption))}" had no table: kept as a paragraph')
        return table

    def _cell_inlines(self, cell: etree._Element) -> tuple[m.Inline, ...]:
        inlines = normalize(
            tuple(
                m.Text(" ") if isinstance(x, m.LineBreak) else x
                for x in self._inline_children(cell, [], flatten_blocks=True)
            )
        )
        return _no_breaks(inlines)

    # ------------------------------------------------------------------ inline
    def _inline_children(
        self, el: etree._Element, hoisted: list[m.Block], *, flatten_blocks: bool = False
    ) -> list[m.Inline]:
        out: list[m.Inline] = []
        if el.text:
            out.append(m.Text(el.text))
        for child in el:
            out.extend(self._inline(child, hoisted, flatten_blocks=flatten_blocks))
            if child.tail:
                out.append(m.Text(child.tail))
        return out

    def _inline(self, el: etree._Element, hoisted: list[m.Block], *, flatten_blocks: bool = False) -> list[m.Inline]:
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
                r.repaired.append(f"image {fig.src.rsplit('/', 1)[-1]} inside text moved after its paragraph")
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
            span = m.Span(lang, kids())
            self.spans.append(span)
            return [span]
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
            self.result.dropped.append(
                f'link "{_short(clean_text(m.plain_text(children)))}" to '
                f"{_short(href, 60)} (unsafe or unsupported address; "
                "its text is kept)"
            )
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
                if ev.text.casefold() == title_key or (
                    title_index is None and not any(isinstance(e, _Heading) for e in events[:i])
                ):
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
                r.review.append(
                    f'the text before the first heading was put in a section named "{heading}": check the heading'
                )
            else:
                r.repaired.append(f'first section named "{heading}" after the page\'s in-page navigation')
            anchor, _ = anchor_for(first_ids, heading)
            nodes.append(
                {
                    "level": 2,
                    "src": 1.5,
                    "anchor": anchor,
                    "heading": heading,
                    "label": "",
                    "blocks": leading,
                    "children": [],
                }
            )
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
                r.repaired.append(f'extra top-level heading "{_short(ev.text)}" (h1) made a section')
            while stack and stack[-1]["src"] >= src:
                stack.pop()
            parent_level = stack[-1]["level"] if stack else 1
            parent_src = stack[-1]["src"] if stack else 1
            level = min(parent_level + 1, MAX_LEVEL)
            if src == int(src) and src > int(parent_src) + 1:
                r.repaired.append(f'heading "{_short(ev.text)}" (h{int(src)}) skipped a level: made level {level}')
            if ev.note:
                r.repaired.append(ev.note)
            anchor, original = anchor_for(ev.ids, ev.text)
            node: dict[str, Any] = {
                "level": level,
                "src": src,
                "anchor": anchor,
                "heading": ev.text,
                "label": label_for(original, ev.text),
                "blocks": [],
                "children": [],
            }
            if level == MAX_LEVEL and stack and stack[-1]["level"] == MAX_LEVEL:
                stack.pop()
            (stack[-1]["children"] if stack else nodes).append(node)
            stack.append(node)

        for frag, label in self.nav_labels.items():
            if frag not in id_map:
                r.review.append(f'in-page navigation link #{frag} ("{_short(label)}") points to no heading')

        def freeze(node: dict) -> m.Section:
            blocks = tuple(_markdown_safe(_fix_links(b, id_map, used, r), r) for b in node["blocks"])
            return m.Section(
                anchor=node["anchor"],
                heading=node["heading"],
                level=node["level"],
                blocks=blocks,
                subsections=tuple(freeze(c) for c in node["children"]),
                nav_label=node["label"],
            )

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
                out.append(
                    _Heading(level_src, text, (), note=f'bold paragraph "{_short(text)}" made a subsection heading')
                )
            else:
                out.append(ev)
        return out


def convert(html: str, *, title: str, page_url: str, lang: str) -> HtmlResult:
    """Convert one page's ``content.rendered`` HTML (see the module docstring)."""
    return Converter(html, title=title, page_url=page_url, lang=lang).run()
