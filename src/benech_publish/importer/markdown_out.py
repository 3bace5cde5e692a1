"""Model → Markdown text in the documented content format (``docs/content-format.md``).

Takes: a :class:`~benech_publish.model.Condition`. Gives: the text of
``content/<lang>/<slug>.md`` (YAML front matter + Markdown body) such that
loading the file with :mod:`benech_publish.loader` gives back an equal model
(apart from locations). Pure: no I/O.

The inline text is escaped only where Markdown would read it as markup, so
the file stays pleasant to edit by hand; lines are wrapped at ``WIDTH``
columns, and only before a word that cannot start a Markdown block.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import yaml

from .. import model as m

WIDTH = 79

# Characters that always mean something inline: escaped wherever they occur.
_ALWAYS = re.compile(r"([\\`*_\[\]<>{}|])")
_ENTITY = re.compile(r"&(?=#[0-9]+;|#[xX][0-9a-fA-F]+;|[A-Za-z][A-Za-z0-9]*;)")
# A line starting with one of these could open a block (heading, list, quote, ...).
_LINE_START = re.compile(r"^(?:[#+\-=>~:!]|\d{1,9}[.)]|Table:)")


def escape_text(text: str) -> str:
    """Escape ``text`` so that Markdown reads it back as the same plain text."""
    text = _ALWAYS.sub(r"\\\1", text)
    return _ENTITY.sub(r"\\&", text)


def _guard_line_start(line: str) -> str:
    match = _LINE_START.match(line)
    if not match:
        return line
    token = match.group(0)
    if token[0].isdigit() or token == "Table:":  # "1." would start a list, "Table:" a caption
        return token[:-1] + "\\" + token[-1] + line[len(token) :]
    return "\\" + line


# --------------------------------------------------------------------------- inline


def _code(text: str) -> str:
    longest = max((len(r) for r in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith(("`", " ")) or text.endswith(("`", " ")) else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _attr_value(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


_KEEP = "\x00"  # a space that must not become a line break (inside bold, links, ...)


def inline_md(nodes: tuple[m.Inline, ...], *, em: str = "*", nested: bool = False) -> str:
    """Inline nodes → Markdown (one logical line; line breaks as ``\\`` + newline).

    Spaces inside nested nodes come out as ``_KEEP`` when ``nested``: the
    loader keeps a soft line break inside e.g. a span as a separate text
    node, so wrapping there would not give the same model back.
    """
    out: list[str] = []
    for node in nodes:
        if isinstance(node, m.Text):
            text = escape_text(node.text)
            out.append(text.replace(" ", _KEEP) if nested else text)
        elif isinstance(node, m.Code):
            out.append(_code(node.text))
        elif isinstance(node, m.LineBreak):
            out.append("\\\n")
        elif isinstance(node, m.Strong):
            # *** would be read as emphasis around strong: use _ for a nested emphasis
            out.append("**" + inline_md(node.children, em="_", nested=True) + "**")
        elif isinstance(node, m.Emphasis):
            out.append(em + inline_md(node.children, em="*" if em == "_" else "_", nested=True) + em)
        elif isinstance(node, m.Link):
            out.append(
                f"[{inline_md(node.children, nested=True)}]({node.href}{_link_title(node.title)})".replace(" ", _KEEP)
            )
        elif isinstance(node, m.Span):
            out.append(f"[{inline_md(node.children, nested=True)}]{{lang={node.lang}}}")
        elif isinstance(node, m.Abbr):
            out.append(
                f"[{inline_md(node.children, nested=True)}]{{abbr={_attr_value(node.title)}}}".replace(" ", _KEEP)
            )
    return "".join(out)


def _link_title(title: str) -> str:
    if not title:
        return ""
    return ' "' + title.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _wrap(text: str, width: int, indent: str = "", first_indent: str = "") -> list[str]:
    """Wrap one logical line at spaces, never before a word that could start a block."""
    lines: list[str] = []
    for hard_line in text.split("\n"):
        words = hard_line.split(" ")
        current = ""
        for word in words:
            if not current:
                current = word
                continue
            prefix = first_indent if not lines else indent
            safe_start = word[:1].isalpha() and not _LINE_START.match(word)
            if safe_start and len(prefix) + len(current) + 1 + len(word) > width:
                lines.append(current)
                current = word
            else:
                current += " " + word
        lines.append(current)
    out = []
    for n, line in enumerate(lines):
        line = _guard_line_start(line).replace(_KEEP, " ")
        out.append((first_indent if n == 0 else indent) + line)
    return out


# --------------------------------------------------------------------------- blocks


def _figure(fig: m.Figure, src_for: Callable[[str], str]) -> str:
    src = src_for(fig.src)
    caption = m.plain_text(fig.caption)
    title = _link_title(caption)
    if fig.decorative:
        return f"![]({src}{title}){{.decorative}}"
    return f"![{escape_text(fig.alt)}]({src}{title})"


def _cell(cell: m.Cell) -> str:
    return inline_md(cell.inlines).replace("\\\n", " ").replace(_KEEP, " ") or " "


def _table(table: m.Table) -> list[str]:
    head = table.head[0] if table.head else ()
    width = max([len(head)] + [len(r) for r in table.body] + [1])
    aligns = [c.align for c in head] + [""] * (width - len(head))
    rule = {"": "---", "left": ":---", "center": ":---:", "right": "---:"}
    lines = [
        "| " + " | ".join([_cell(c) for c in head] + [" "] * (width - len(head))) + " |",
        "| " + " | ".join(rule[a] for a in aligns) + " |",
    ]
    for row in table.body:
        cells = [_cell(c) for c in row] + [" "] * (width - len(row))
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def blocks_md(
    blocks: tuple[m.Block, ...], src_for: Callable[[str], str], indent: str = "", width: int = WIDTH
) -> list[str]:
    """Blocks → lines (blank lines between blocks), each prefixed with ``indent``."""
    out: list[str] = []
    previous: m.Block | None = None
    bullets = ("-", "+")
    delims = (".", ")")
    previous_alt = False
    for block in blocks:
        if out:
            out.append("")
        if isinstance(block, m.Paragraph):
            out.extend(_wrap(inline_md(block.inlines), width, indent, indent))
        elif isinstance(block, m.Figure):
            out.append(indent + _figure(block, src_for))
        elif isinstance(block, (m.BulletList, m.NumberedList)):
            # two lists in a row would merge: alternate the marker to keep them apart
            alt = isinstance(previous, type(block)) and not previous_alt
            previous_alt = alt
            for n, item in enumerate(block.items):
                if isinstance(block, m.BulletList):
                    marker = bullets[1] if alt else bullets[0]
                else:
                    marker = f"{block.start + n}{delims[1] if alt else delims[0]}"
                inner = indent + " " * (len(marker) + 1)
                lines = blocks_md(item.blocks, src_for, inner, width)
                if not lines:
                    out.append(indent + marker)
                elif isinstance(item.blocks[0], m.Paragraph) or isinstance(item.blocks[0], m.Figure):
                    out.append(indent + marker + " " + lines[0][len(inner) :])
                    out.extend(lines[1:])
                else:
                    out.append(indent + marker)
                    out.extend(lines)
        elif isinstance(block, m.Table):
            if block.caption:
                out.extend(_wrap(inline_md(block.caption), width, indent, indent + "Table: "))
                out.append("")
            out.extend(indent + line for line in _table(block))
        elif isinstance(block, m.Note):
            out.append(f"{indent}::: {block.kind}")
            out.extend(blocks_md(block.blocks, src_for, indent, width))
            out.append(f"{indent}:::")
        previous = block
    return [line.rstrip() if not line.strip() else line for line in out]


def _heading(section: m.Section) -> str:
    attrs = f"#{section.anchor}"
    if section.nav_label:
        attrs += f" label={_attr_value(section.nav_label)}"
    return f"{'#' * section.level} {section.heading} {{{attrs}}}"


def section_md(section: m.Section, src_for: Callable[[str], str]) -> list[str]:
    lines = [_heading(section)]
    body = blocks_md(section.blocks, src_for)
    if body:
        lines += ["", *body]
    for sub in section.subsections:
        lines += ["", *section_md(sub, src_for)]
    return lines


# --------------------------------------------------------------------------- front matter


def _yaml_value(key: str, value: object) -> str:
    dumped = yaml.safe_dump(value, allow_unicode=True, default_flow_style=True, width=10_000)
    dumped = dumped.rstrip("\n").removesuffix("\n...").rstrip("\n")
    return f"{key}: {dumped}"


def _folded(key: str, text: str) -> list[str]:
    if not text:
        return [f"{key}: ''"]
    # a folded block scalar keeps every character as written: no escaping needed
    raw_lines, current = [], ""
    for word in " ".join(text.split()).split(" "):
        if current and len(current) + 1 + len(word) > WIDTH - 2:
            raw_lines.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    raw_lines.append(current)
    if any(line.strip() in ("---", "...") for line in raw_lines):  # would end the front matter
        return [_yaml_value(key, " ".join(text.split()))]
    return [f"{key}: >-"] + ["  " + line for line in raw_lines]


def front_matter(c: m.Condition, comment: str = "") -> list[str]:
    lines = ["---"]
    if comment:
        lines += ["# " + line for line in comment.splitlines()]
    lines.append(_yaml_value("id", c.id))
    lines.append(_yaml_value("title", c.title))
    lines += _folded("summary", c.summary)
    lines.append(_yaml_value("status", c.status))
    if c.source_url:
        lines.append(_yaml_value("source_url", c.source_url))
    for key in ("last_updated", "reviewed_on", "review_due"):
        value = getattr(c, key)
        if value is not None:
            lines.append(f"{key}: {value.isoformat()}")
    for key in ("reviewers", "keywords"):
        value = getattr(c, key)
        if value:
            lines.append(_yaml_value(key, list(value)))
    lines.append("---")
    return lines


def relative_src(src: str) -> str:
    """A content-root-relative image path as written in ``content/<lang>/<slug>.md``."""
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", src) or src.startswith(("/", "../")):
        return src
    return "../" + src


def to_markdown(c: m.Condition, *, comment: str = "", src_for: Callable[[str], str] = relative_src) -> str:
    """The whole file: front matter, then each section (``## Heading {#anchor}``)."""
    lines = front_matter(c, comment)
    for section in c.sections:
        lines += ["", *section_md(section, src_for)]
    return "\n".join(lines) + "\n"
