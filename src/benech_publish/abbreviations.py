"""Abbreviations written out at their first use, in the text every reader gets.

Takes: a :class:`~benech_publish.model.Condition` whose text has
:class:`~benech_publish.model.Abbr` nodes (``[MRI]{abbr="magnetic resonance
imaging"}``). Gives: the same condition where the first use of each
abbreviation reads "magnetic resonance imaging (MRI)", the abbreviation still
tagged (``<abbr title>``) for assistive technology. Later uses stay short.

So a sighted reader, a screen-reader user and a braille reader all meet the
expansion, in the same place (WCAG technique G102/H28). An abbreviation whose
expansion the text already wrote out earlier is left alone. The loader
applies this once, so every output (and the readability measure) sees the
same words. Pure: no I/O.
"""

from __future__ import annotations

import dataclasses

from . import model as m


def expand_abbreviations(condition: m.Condition) -> m.Condition:
    """``condition`` with each abbreviation written out at its first use."""
    state = _State()
    sections = tuple(_section(s, state) for s in condition.sections)
    if not state.changed:
        return condition
    return dataclasses.replace(condition, sections=sections)


@dataclasses.dataclass
class _State:
    """What the walk has met so far, in reading order."""

    seen_abbr: set[str] = dataclasses.field(default_factory=set)
    text: list[str] = dataclasses.field(default_factory=list)  # visible text so far, lower case
    changed: bool = False

    def written_out(self, expansion: str) -> bool:
        return expansion.lower() in " ".join(" ".join(self.text).split())


def _section(section: m.Section, state: _State) -> m.Section:
    state.text.append(section.heading.lower())
    blocks = tuple(_block(b, state) for b in section.blocks)
    subsections = tuple(_section(s, state) for s in section.subsections)
    return dataclasses.replace(section, blocks=blocks, subsections=subsections)


def _block(block: m.Block, state: _State) -> m.Block:
    def run(nodes: tuple[m.Inline, ...]) -> tuple[m.Inline, ...]:
        return _inlines(nodes, state)

    if isinstance(block, m.Paragraph):
        return dataclasses.replace(block, inlines=run(block.inlines))
    if isinstance(block, (m.BulletList, m.NumberedList)):
        items = tuple(m.ListItem(tuple(_block(b, state) for b in item.blocks)) for item in block.items)
        return dataclasses.replace(block, items=items)
    if isinstance(block, m.Note):
        return dataclasses.replace(block, blocks=tuple(_block(b, state) for b in block.blocks))
    if isinstance(block, m.Table):
        caption = run(block.caption)
        head = tuple(tuple(dataclasses.replace(c, inlines=run(c.inlines)) for c in row) for row in block.head)
        body = tuple(tuple(dataclasses.replace(c, inlines=run(c.inlines)) for c in row) for row in block.body)
        return dataclasses.replace(block, caption=caption, head=head, body=body)
    if isinstance(block, m.Figure):
        state.text.append(block.alt.lower())
        return dataclasses.replace(block, caption=run(block.caption))
    return block


def _inlines(nodes: tuple[m.Inline, ...], state: _State) -> tuple[m.Inline, ...]:
    out: list[m.Inline] = []
    for node in nodes:
        if isinstance(node, m.Abbr):
            short = m.plain_text(node.children).strip()
            first = short not in state.seen_abbr
            state.seen_abbr.add(short)
            if first and node.title.strip() and not state.written_out(node.title):
                out += [m.Text(f"{node.title} ("), node, m.Text(")")]
                state.text.append(f"{node.title} ({short})".lower())
                state.changed = True
            else:
                out.append(node)
                state.text.append(short.lower())
        elif isinstance(node, (m.Emphasis, m.Strong, m.Link, m.Span)):
            out.append(dataclasses.replace(node, children=_inlines(node.children, state)))
        else:
            out.append(node)
            state.text.append(m.plain_text((node,)).lower())
    return _merge(out)


def _merge(nodes: list[m.Inline]) -> tuple[m.Inline, ...]:
    out: list[m.Inline] = []
    for node in nodes:
        if out and isinstance(node, m.Text) and isinstance(out[-1], m.Text):
            out[-1] = m.Text(out[-1].text + node.text)
        else:
            out.append(node)
    return tuple(out)
