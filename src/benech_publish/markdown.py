"""Markdown body of a condition file → sections and blocks of the model.

Takes: the Markdown text after the front matter, the file's :class:`Location`
and the line the body starts on. Gives: ``(sections, diagnostics)``: the
:class:`~benech_publish.model.Section` tree and every problem found while
building it, each at its ``file:line``.

Syntax (full reference in ``docs/content-format.md``):

* ``## Heading {#anchor}`` starts a section, ``### ...`` a subsection;
  ``{#anchor label="Short label"}`` sets the anchor and a navigation label.
* ``*emphasis*``, ``**strong**``, ``[text](#anchor)`` / ``[text](https://...)``,
  ``[Text]{lang=la}`` (foreign-language span), ``[MRI]{abbr="magnetic resonance imaging"}``.
* ``![Alt text](images/x.png "Caption")`` on its own line is a figure;
  ``![](images/x.png){.decorative}`` marks a decorative image.
* ``Table: Caption text`` as the paragraph right above a table is its caption;
* bullet and numbered lists, GitHub-style tables, ``::: note`` / ``::: tip`` /
  ``::: warning`` callouts.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.attrs import attrs_plugin
from mdit_py_plugins.container import container_plugin

from . import model as m
from .errors import Diagnostic, Location, Severity

NOTE_KINDS = ("note", "tip", "warning")
CAPTION_PREFIX = "Table:"  # a paragraph "Table: ..." right above a table is its caption
ANCHOR_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
#: Characters refused anywhere in content (written, or produced by an entity such
#: as ``&#7;`` or a YAML escape such as ``"\\a"``): C0/C1 controls other than tab
#: and line feed, line/paragraph separators (they shift line numbers), stray
#: byte-order marks, non-characters, bidirectional overrides.
CONTROL_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff\u202a-\u202e\u2066-\u2069]")


def control_char_problem(text: str) -> str:
    """``""``, or what to say about the first forbidden character in ``text``."""
    bad = CONTROL_RE.search(text)
    if not bad:
        return ""
    return f"invisible control character U+{ord(bad.group()):04X}: delete it (retype the text around it)"


_HEADING_ATTRS = re.compile(r"\s*\{([^{}]*)\}\s*$")
_ATTR_ITEM = re.compile(r'#([\w-]+)|\.([\w-]+)|([\w-]+)=(?:"((?:[^"\\]|\\.)*)"|([^\s"]+))')


def _parser() -> MarkdownIt:
    # html=True only so raw HTML is *recognised* and reported; it is never rendered.
    md = MarkdownIt("commonmark", {"html": True, "typographer": False})
    md.enable("table")
    md.use(attrs_plugin, spans=True, allowed=("id", "class", "lang", "abbr"))
    for kind in NOTE_KINDS:
        md.use(container_plugin, name=kind)
    return md


_MD = _parser()


def parse_attrs(text: str) -> dict[str, str]:
    """``#id .class key="value"`` → ``{"id": ..., "class": ..., key: value}``.

    Text that is not an attribute (``{#my anchor}``'s ``anchor``, the ``/../b``
    of ``{#a/../b}``) is returned under the key ``""`` so callers can report it
    instead of silently using a shortened anchor.
    """
    out: dict[str, str] = {}
    leftover = _ATTR_ITEM.sub(" ", text).strip()
    if leftover:
        out[""] = leftover
    elif len(re.findall(r"(?:^|\s)#", text)) > 1 or re.search(r"#[\w-]+#", text):
        out[""] = text.strip()  # two anchors, e.g. {#a#b}: neither is silently chosen
    for ident, cls, key, quoted, bare in _ATTR_ITEM.findall(text):
        if ident:
            out["id"] = ident
        elif cls:
            out["class"] = (out.get("class", "") + " " + cls).strip()
        elif key:
            out[key] = quoted.replace('\\"', '"') if quoted else bare
    return out


def slugify(text: str) -> str:
    import unicodedata

    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "section"


def _keep(src: str) -> tuple[str, str]:
    return src, ""


@dataclass
class _Builder:
    location: Location
    body_line: int
    resolve_src: Callable[[str], tuple[str, str]] = _keep
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def loc(self, token: Token | None) -> Location:
        if token is not None and token.map:
            return self.location.at(self.body_line + token.map[0])
        return self.location.at(self.body_line)

    def error(self, token: Token | None, message: str, code: str) -> None:
        self.diagnostics.append(Diagnostic(self.loc(token), message, Severity.ERROR, code))

    def warn(self, token: Token | None, message: str, code: str) -> None:
        self.diagnostics.append(Diagnostic(self.loc(token), message, Severity.WARNING, code))

    # ------------------------------------------------------------------ inline
    def inlines(self, token: Token, children: list[Token] | None) -> tuple[m.Inline, ...]:
        stack: list[tuple[Callable[[tuple[m.Inline, ...]], m.Inline] | None, list[m.Inline]]] = [(None, [])]
        for child in children or []:
            t = child.type
            for value in [child.content, *map(str, child.attrs.values())]:
                problem = control_char_problem(value)
                if problem:
                    self.error(token, problem, "control-char")
                    break
            if t == "text":
                if child.content:
                    stack[-1][1].append(m.Text(child.content))
            elif t == "code_inline":
                stack[-1][1].append(m.Code(child.content))
            elif t in ("softbreak",):
                stack[-1][1].append(m.Text(" "))
            elif t == "hardbreak":
                stack[-1][1].append(m.LineBreak())
            elif t == "em_open":
                stack.append((m.Emphasis, []))
            elif t == "strong_open":
                stack.append((m.Strong, []))
            elif t == "link_open":
                href = str(child.attrs.get("href", ""))
                title = str(child.attrs.get("title", "") or "")
                stack.append((functools.partial(_link, href, title), []))
            elif t == "span_open":
                attrs = {k: str(v) for k, v in child.attrs.items()}
                if "abbr" in attrs:
                    stack.append((functools.partial(_abbr, attrs["abbr"]), []))
                elif "lang" in attrs and not m.LANG_TAG_RE.match(attrs["lang"]):
                    self.error(
                        token,
                        f"[...]{{lang={attrs['lang']}}}: not a language code (write e.g. lang=la or lang=en-GB)",
                        "span-lang",
                    )
                    stack.append((None, []))
                elif "lang" in attrs:
                    stack.append((functools.partial(_span, attrs["lang"]), []))
                else:
                    self.warn(
                        token, "a [span]{...} needs lang=... or abbr=...; its attributes were ignored", "span-attrs"
                    )
                    stack.append((None, []))
            elif t in ("em_close", "strong_close", "link_close", "span_close"):
                make, kids = stack.pop()
                if make is None:
                    stack[-1][1].extend(kids)
                else:
                    stack[-1][1].append(make(_merge_text(tuple(kids))))
            elif t == "image":
                self.error(
                    token, "an image must stand alone on its own line (a figure), not inside text", "inline-image"
                )
            elif t in ("html_inline",):
                self.error(token, "raw HTML is not allowed in content; use Markdown", "raw-html")
            else:  # pragma: no cover - markdown-it token types we do not enable
                self.warn(token, f"unsupported Markdown ({t}) was ignored", "unsupported")
        while len(stack) > 1:  # unbalanced: keep the text
            _, kids = stack.pop()
            stack[-1][1].extend(kids)
        return _merge_text(tuple(stack[0][1]))

    # ------------------------------------------------------------------ blocks
    def blocks(self, tokens: list[Token], i: int, end_types: tuple[str, ...]) -> tuple[list[m.Block], int]:
        """Read blocks from tokens[i] until a token whose type is in end_types (not consumed)."""
        out: list[m.Block] = []
        captions: dict[m.Paragraph, tuple[m.Inline, ...]] = {}  # "Table: ..." paragraphs
        while i < len(tokens) and tokens[i].type not in end_types:
            tok = tokens[i]
            t = tok.type
            if t == "paragraph_open":
                inline = tokens[i + 1]
                block = self.paragraph(tok, inline)
                if block is not None:
                    out.append(block)
                    if isinstance(block, m.Paragraph) and inline.content.startswith(CAPTION_PREFIX):
                        captions[block] = block.inlines
                i += 3
            elif t in ("bullet_list_open", "ordered_list_open"):
                block, i = self.list_(tokens, i)
                out.append(block)
            elif t == "table_open":
                table, i = self.table(tokens, i)
                last = out[-1] if out else None
                if isinstance(last, m.Paragraph) and last in captions:
                    out.pop()
                    table = replace(table, caption=_caption_text(captions.pop(last)))
                out.append(table)
            elif t.startswith("container_") and t.endswith("_open"):
                kind = t[len("container_") : -len("_open")]
                inner, i = self.blocks(tokens, i + 1, (f"container_{kind}_close",))
                out.append(m.Note(kind, tuple(inner), self.loc(tok)))  # type: ignore[arg-type]
                i += 1
            elif t in ("fence", "code_block"):
                self.error(tok, "code blocks are not supported in patient information", "code-block")
                i += 1
            elif t == "html_block":
                self.error(tok, "raw HTML is not allowed in content; use Markdown", "raw-html")
                i += 1
            elif t == "hr":
                i += 1  # thematic breaks carry no meaning in a leaflet
            elif t == "blockquote_open":
                self.error(tok, "block quotes are not supported; use '::: note' for a callout", "blockquote")
                depth, i = 1, i + 1
                while i < len(tokens) and depth:
                    depth += {"blockquote_open": 1, "blockquote_close": -1}.get(tokens[i].type, 0)
                    i += 1
            else:
                i += 1
        for para in captions:
            self.diagnostics.append(
                Diagnostic(
                    para.location,
                    "a 'Table: ...' caption must stand directly above a table "
                    "(a blank line between them); write 'Table\\:' for ordinary text",
                    Severity.ERROR,
                    "table-caption",
                )
            )
        return out, i

    def paragraph(self, tok: Token, inline: Token) -> m.Block | None:
        kids = inline.children or []
        if len(kids) == 1 and kids[0].type == "image":
            img = kids[0]
            written = str(img.attrs.get("src", ""))
            src, problem = self.resolve_src(written)
            if problem:
                self.error(tok, problem, "image-src")
            alt = "".join(c.content for c in (img.children or []))
            caption = str(img.attrs.get("title", "") or "")
            decorative = "decorative" in str(img.attrs.get("class", "")).split()
            if not alt.strip() and not decorative:
                self.error(
                    tok,
                    f"image '{written}' has no alt text: describe it in ![...], "
                    "or mark it {.decorative} if it adds no information",
                    "image-alt",
                )
            if decorative and alt.strip():
                self.warn(
                    tok, f"image '{written}' is marked decorative, so its alt text will not be read", "decorative-alt"
                )
            return m.Figure(
                src=src,
                alt="" if decorative else alt.strip(),
                decorative=decorative,
                caption=(m.Text(caption),) if caption else (),
                location=self.loc(tok),
            )
        inlines = self.inlines(tok, kids)
        if not inlines:
            return None
        return m.Paragraph(inlines, self.loc(tok))

    def list_(self, tokens: list[Token], i: int) -> tuple[m.Block, int]:
        open_tok = tokens[i]
        ordered = open_tok.type == "ordered_list_open"
        close = "ordered_list_close" if ordered else "bullet_list_close"
        items: list[m.ListItem] = []
        i += 1
        while tokens[i].type != close:
            if tokens[i].type == "list_item_open":
                blocks, i = self.blocks(tokens, i + 1, ("list_item_close",))
                items.append(m.ListItem(tuple(blocks)))
            i += 1
        if ordered:
            start = int(open_tok.attrs.get("start", 1) or 1)
            return m.NumberedList(tuple(items), start, self.loc(open_tok)), i + 1
        return m.BulletList(tuple(items), self.loc(open_tok)), i + 1

    def table(self, tokens: list[Token], i: int) -> tuple[m.Table, int]:
        open_tok = tokens[i]
        head: list[tuple[m.Cell, ...]] = []
        body: list[tuple[m.Cell, ...]] = []
        target = head
        row: list[m.Cell] = []
        i += 1
        while tokens[i].type != "table_close":
            t = tokens[i].type
            if t == "thead_open":
                target = head
            elif t == "tbody_open":
                target = body
            elif t == "tr_open":
                row = []
            elif t == "tr_close":
                target.append(tuple(row))
            elif t in ("th_open", "td_open"):
                style = str(tokens[i].attrs.get("style", "") or "")
                align = style.split(":", 1)[1] if style.startswith("text-align:") else ""
                row.append(m.Cell(self.inlines(tokens[i], tokens[i + 1].children), header=t == "th_open", align=align))  # type: ignore[arg-type]
                i += 1
            i += 1
        return m.Table(tuple(head), tuple(body), location=self.loc(open_tok)), i + 1


def _caption_text(inlines: tuple[m.Inline, ...]) -> tuple[m.Inline, ...]:
    """The caption of a ``Table: ...`` paragraph: its inlines without the prefix."""
    first = inlines[0] if inlines else None
    if isinstance(first, m.Text) and first.text.startswith(CAPTION_PREFIX):
        rest = first.text[len(CAPTION_PREFIX) :].lstrip()
        return ((m.Text(rest),) if rest else ()) + inlines[1:]
    return inlines


def _merge_text(nodes: tuple[m.Inline, ...]) -> tuple[m.Inline, ...]:
    out: list[m.Inline] = []
    for node in nodes:
        if isinstance(node, m.Text) and out and isinstance(out[-1], m.Text):
            out[-1] = m.Text(out[-1].text + node.text)
        else:
            out.append(node)
    return tuple(out)


def parse_body(
    text: str,
    location: Location,
    body_line: int,
    *,
    resolve_src: Callable[[str], tuple[str, str]] = _keep,
) -> tuple[tuple[m.Section, ...], list[Diagnostic]]:
    """Parse a condition's Markdown body into its section tree.

    ``body_line`` is the 1-based line of the file on which ``text`` starts;
    ``resolve_src`` maps an image reference to ``(stored src, problem or '')``.
    """
    b = _Builder(location, body_line, resolve_src)
    tokens = _MD.parse(text)
    # Each entry: (level, anchor, heading, label, location, blocks, children)
    roots: list[dict] = []
    stack: list[dict] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.type == "heading_open":
            level = int(tok.tag[1])
            raw = tokens[i + 1].content
            attrs: dict[str, str] = {}
            match = _HEADING_ATTRS.search(raw)
            if match:
                attrs = parse_attrs(match.group(1))
                raw = raw[: match.start()]
            heading = raw.strip()
            if level == 1:
                b.error(
                    tok,
                    "a '# ' heading is not allowed: the title comes from the front matter, sections start at '## '",
                    "h1",
                )
                level = 2
            parent_level = stack[-1]["level"] if stack else 1
            if level > parent_level + 1:
                b.error(
                    tok,
                    f"heading level skipped: '{'#' * level} {heading}' follows a level-"
                    f"{parent_level} heading; use '{'#' * (parent_level + 1)}'",
                    "heading-skip",
                )
                level = parent_level + 1
            anchor = attrs.get("id", "")
            if match and "" in attrs:
                b.error(
                    tok,
                    f"heading attributes {{{match.group(1).strip()}}} not understood "
                    f"(at '{attrs['']}'): write {{#anchor}} with lower-case letters, digits "
                    "and hyphens, e.g. {#my-anchor}",
                    "anchor-syntax",
                )
                anchor = anchor or slugify(heading)
            elif not anchor:
                anchor = slugify(heading)
                b.warn(
                    tok,
                    f"section '{heading}' has no {{#anchor}}; using '{anchor}'. Give it one "
                    "that is the same in every language",
                    "anchor-missing",
                )
            elif not ANCHOR_RE.match(anchor):
                b.error(tok, f"anchor '{anchor}' must be lower-case letters, digits and hyphens", "anchor-syntax")
            if not heading:
                b.error(tok, "empty heading", "heading-empty")
            node = {
                "level": level,
                "anchor": anchor,
                "heading": heading,
                "label": attrs.get("label", ""),
                "loc": b.loc(tok),
                "blocks": [],
                "children": [],
            }
            while stack and stack[-1]["level"] >= level:
                stack.pop()
            (stack[-1]["children"] if stack else roots).append(node)
            stack.append(node)
            i += 3
            continue
        blocks, i = b.blocks(tokens, i, ("heading_open",))
        if blocks:
            if stack:
                stack[-1]["blocks"].extend(blocks)
            else:
                b.diagnostics.append(
                    Diagnostic(
                        getattr(blocks[0], "location", location),
                        "text before the first '## ' section heading; put it in a section "
                        "(or in the front matter's summary)",
                        Severity.ERROR,
                        "orphan-text",
                    )
                )

    def freeze(node: dict) -> m.Section:
        return m.Section(
            anchor=node["anchor"],
            heading=node["heading"],
            level=node["level"],
            blocks=tuple(node["blocks"]),
            subsections=tuple(freeze(c) for c in node["children"]),
            nav_label=node["label"],
            location=node["loc"],
        )

    return tuple(freeze(n) for n in roots), b.diagnostics


def _link(href: str, title: str, kids: tuple[m.Inline, ...]) -> m.Inline:
    return m.Link(href, kids, title)


def _abbr(title: str, kids: tuple[m.Inline, ...]) -> m.Inline:
    return m.Abbr(title, kids)


def _span(lang: str, kids: tuple[m.Inline, ...]) -> m.Inline:
    return m.Span(lang, kids)
