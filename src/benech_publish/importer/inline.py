"""Inline runs of the imported model: normalised so that Markdown reads them back unchanged.

Takes: inline nodes made from HTML. Gives: tidy runs (whitespace, edge
spaces, nesting) and, per block, the fixes that keep the Markdown file
reading back as the same model (links to final anchors, formatting that
Markdown cannot express simplified). Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import quote, urlsplit, urlunsplit

from .. import model as m
from .textutil import _CONTROL, _WS, HtmlResult, _short, clean_text


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
                        r.dropped.append(
                            f'link "{_short(m.plain_text(kids))}" to {node.href} '
                            "(no such anchor on the page; its text is kept)"
                        )
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
        return replace(
            block,
            items=tuple(
                m.ListItem(tuple(_fix_links(b, id_map, anchors, r) for b in item.blocks)) for item in block.items
            ),
        )
    if isinstance(block, m.Table):
        return replace(
            block,
            head=tuple(tuple(replace(c, inlines=fix(c.inlines)) for c in row) for row in block.head),
            body=tuple(tuple(replace(c, inlines=fix(c.inlines)) for c in row) for row in block.body),
            caption=fix(block.caption),
        )
    if isinstance(block, m.Figure):
        return replace(block, caption=fix(block.caption))
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
        r.repaired.append(
            f'bold/italic dropped in "{_short(m.plain_text(nodes))}": Markdown could not express it exactly'
        )
        return simpler
    plain = normalize((m.Text(m.plain_text(nodes)),))
    r.review.append(
        f'formatting and links dropped in "{_short(m.plain_text(nodes))}": Markdown could not express them exactly'
    )
    return plain


def _markdown_safe(block: m.Block, r: HtmlResult) -> m.Block:
    if isinstance(block, m.Paragraph):
        return replace(block, inlines=_safe_run(block.inlines, r))
    if isinstance(block, (m.BulletList, m.NumberedList)):
        return replace(
            block, items=tuple(m.ListItem(tuple(_markdown_safe(b, r) for b in i.blocks)) for i in block.items)
        )
    if isinstance(block, m.Table):

        def row(cells):
            return tuple(replace(c, inlines=_safe_run(c.inlines, r)) for c in cells)

        return replace(
            block,
            head=tuple(row(x) for x in block.head),
            body=tuple(row(x) for x in block.body),
            caption=_safe_run(block.caption, r),
        )
    if isinstance(block, m.Note):
        return replace(block, blocks=tuple(_markdown_safe(b, r) for b in block.blocks))
    if isinstance(block, m.Figure):
        return replace(block, caption=_safe_run(block.caption, r))
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
    return urlunsplit(
        (
            parts.scheme,
            parts.netloc.replace(" ", ""),
            quote(parts.path, safe=safe),
            quote(parts.query, safe=safe + "?"),
            quote(parts.fragment, safe=safe + "?"),
        )
    )


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
        again = _join_runs(_trim_breaks(result))
        if again == result:
            return result
        result = again


def _join_runs(nodes: tuple[m.Inline, ...]) -> tuple[m.Inline, ...]:
    """Adjacent bold (or emphasis) runs become one, their texts joined: Markdown cannot
    write two bold runs side by side (``**a****b**``), so this is what a reader gets back."""
    out: list[m.Inline] = []
    for node in nodes:
        previous = out[-1] if out else None
        if isinstance(node, m.Link) and len(node.children) == 1 and isinstance(node.children[0], m.Span):
            # a link around a language span is written as the span around the link:
            # Markdown reads "[[x]{lang=la}](#a)" as text, "[[x](#a)]{lang=la}" as both
            span = node.children[0]
            node = replace(span, children=(replace(node, children=span.children),))
        if isinstance(node, (m.Strong, m.Emphasis)) and type(previous) is type(node):
            assert isinstance(previous, (m.Strong, m.Emphasis))
            kids: list[m.Inline] = []
            for kid in previous.children + node.children:
                if kid_is_text(kid) and kids and kid_is_text(kids[-1]):
                    kids[-1] = m.Text(kids[-1].text + kid.text)  # type: ignore[union-attr]
                else:
                    kids.append(kid)
            out[-1] = replace(node, children=tuple(kids))
        else:
            out.append(node)
    return tuple(out)


def kid_is_text(node: m.Inline) -> bool:
    return isinstance(node, m.Text)


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
            kids = _flatten(node.children, (*inside, type(node)))
            if type(node) in inside or (isinstance(node, m.Strong) and m.Link in inside):
                out.extend(kids)
            else:
                out.append(replace(node, children=tuple(kids)))
        elif isinstance(node, m.Link):
            if m.Link in inside:  # nested links: keep the text
                out.extend(_flatten(node.children, inside))
            else:
                out.append(replace(node, children=tuple(_flatten(node.children, (*inside, m.Link)))))
        elif isinstance(node, (m.Span, m.Abbr)):
            out.append(replace(node, children=tuple(_flatten(node.children, (*inside, m.Link)))))
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
