"""Braille words → numbered pages: title page, contents page, body (BANA / UKAAF practice).

Takes: a :class:`~.document.Document`, the :class:`~.translate.Codes`, a
:class:`Geometry` (cells per line, lines per page) and optionally a
:class:`PrintLayout` (where each page of the printed edition begins, as plain
data: no WeasyPrint here). Gives a :class:`Laid`: the pages (each exactly
``lines`` lines of at most ``cells`` cells, Unicode braille), the contents
entries with their braille pages, and each body block with its braille words
(for the fidelity check).

Page format (docs/braille.md):

* line 1: the print page number at the right margin (a continuation letter
  ``a``, ``b``... in front when the print page began on an earlier braille
  page); the last line: the braille page number at the right margin; text on
  the lines between. The title page (page 1, or 1 and 2 when it runs on)
  shows no numbers.
* where a print page begins inside the text, a line of dots 3-6 ending with
  the print page number; at the top of a braille page the running number
  says it instead.
* headings: level 1 and 2 centred, with a blank line before and after;
  level 3 at cell 5, deeper at cell 7; never the last line of a page.
  Chapters of a booklet start a new page.
* paragraphs in 3-1 (first line at cell 3, runover at cell 1); list items in
  1-3 (two cells more per level); transcriber's notes in 7-5.
* a word longer than a line is divided after ``/ . - @`` where it has one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from string import ascii_lowercase

from .document import Block, Document, Run
from .liblouis import BLANK
from .translate import Codes, Word, join, translate_runs

GUIDE_DOT = "\u2810"  # dot 5
PRINT_PAGE_LINE = "\u2824"  # dots 3-6


@dataclass(frozen=True)
class Geometry:
    """Cells per line and lines per page (embosser paper); text lines are ``lines - 2``."""

    cells: int = 40
    lines: int = 25


@dataclass(frozen=True)
class PrintRegion:
    """A region of the printed edition (a ``section`` id) and its non-space text."""

    key: str
    text: str


@dataclass(frozen=True)
class PrintStart:
    """Print page ``page`` begins at non-space character ``offset`` of region ``region``."""

    page: int
    region: str
    offset: int


@dataclass(frozen=True)
class PrintLayout:
    """Where the pages of a printed edition begin (regions in print order)."""

    regions: tuple[PrintRegion, ...]
    starts: tuple[PrintStart, ...]
    source: str = ""


@dataclass(frozen=True)
class Page:
    """A braille page: its number, the print page shown on it, and its lines."""

    number: int
    print_page: str
    lines: tuple[str, ...]


@dataclass(frozen=True)
class ContentsEntry:
    text: str
    level: int
    page: int


@dataclass(frozen=True)
class Laid:
    pages: tuple[Page, ...]
    contents: tuple[ContentsEntry, ...]
    blocks: tuple[tuple[Block, tuple[Word, ...]], ...]
    print_pages: tuple[tuple[int, int], ...]  # (print page, braille page where it is marked)
    body_start: int = 0  # number of the first body page (after title and contents)
    notices: tuple[str, ...] = ()


# --------------------------------------------------------------------------- pager


@dataclass
class _Pager:
    geometry: Geometry
    codes: Codes
    first_number: int
    pages: list[Page] = field(default_factory=list)
    current: list[str] = field(default_factory=list)
    print_current: int | None = None
    shown: dict[int, int] = field(default_factory=dict)
    top_label: str = ""
    numbered: bool = True

    @property
    def text_lines(self) -> int:
        return self.geometry.lines - 2

    @property
    def number(self) -> int:
        return self.first_number + len(self.pages)

    def remaining(self) -> int:
        return self.text_lines - len(self.current)

    def at_top(self) -> bool:
        return not self.current

    def line(self, cells: str) -> None:
        if len(self.current) >= self.text_lines:
            self.finish()
        if not self.current:
            self._start_page()
        self.current.append(cells.rstrip(BLANK))

    def blank(self) -> None:
        if self.current and self.current[-1] and len(self.current) < self.text_lines:
            self.current.append("")

    def _start_page(self) -> None:
        if self.print_current is None:
            self.top_label = ""
            return
        count = self.shown.get(self.print_current, 0)
        letter = "" if count == 0 else ascii_lowercase[(count - 1) % 26] * (1 + (count - 1) // 26)
        self.top_label = f"{letter}{self.print_current}"
        self.shown[self.print_current] = count + 1

    def new_print_page(self, page: int) -> None:
        """Print page ``page`` begins here: a marker line, or the running number at the top."""
        if self.at_top() or len(self.current) >= self.text_lines:
            if len(self.current) >= self.text_lines:
                self.finish()
            self.print_current = page
            return
        if self.remaining() < 2:  # the marker would end the page: start the next page with it
            self.finish()
            self.print_current = page
            return
        number = self.codes.cells(str(page))
        width = self.geometry.cells
        self.current.append(PRINT_PAGE_LINE * (width - len(number)) + number)
        self.print_current = page
        self.shown[page] = 1

    def finish(self) -> None:
        if not self.current and self.pages:
            return
        width = self.geometry.cells
        top = self.codes.cells(self.top_label) if (self.top_label and self.numbered) else ""
        bottom = self.codes.cells(str(self.number)) if self.numbered else ""
        body = self.current + [""] * (self.text_lines - len(self.current))
        lines = [_right(top, width), *body, _right(bottom, width)]
        self.pages.append(
            Page(self.number, self.top_label if self.numbered else "", tuple(line.rstrip(BLANK) for line in lines))
        )
        self.current = []
        self.top_label = ""


def _right(cells: str, width: int) -> str:
    return (BLANK * (width - len(cells)) + cells) if cells else ""


# --------------------------------------------------------------------------- wrapping


def wrap(words: Sequence[Word], width: int, first: int, runover: int) -> list[str]:
    """Fill lines of ``width`` cells: first line indented ``first`` cells, the others ``runover``."""
    lines: list[str] = []
    line, empty = BLANK * first, True
    for word in words:
        cells = word.cells
        sep = "" if (empty or word.glue) else BLANK
        if len(line) + len(sep) + len(cells) <= width:
            line, empty = line + sep + cells, False
            continue
        if not empty:
            lines.append(line)
            line, empty = BLANK * runover, True
            if len(line) + len(cells) <= width:
                line, empty = line + cells, False
                continue
        # A word longer than a line: divided after / . - @ where it has one.
        offset = 0
        while len(line) + len(cells) - offset > width:
            room = width - len(line)
            cut = max((b for b in word.breaks if offset < b <= offset + room), default=0)
            if cut <= offset:
                cut = offset + max(room, 1)
            lines.append(line + cells[offset:cut])
            line, offset = BLANK * runover, cut
        line, empty = line + cells[offset:], False
    if not empty or not lines:
        lines.append(line)
    return lines


def _centre(words: Sequence[Word], width: int) -> list[str]:
    inner = max(width - 6, 10)
    out = []
    for text in wrap(words, inner, 0, 0):
        text = text.strip(BLANK)
        out.append(BLANK * ((width - len(text)) // 2) + text)
    return out


def _indents(block: Block) -> tuple[int, int]:
    if block.kind == "heading":
        return (4, 4) if block.level == 3 else (6, 6)
    if block.kind == "item":
        return 2 * block.level, 2 * block.level + 2
    if block.kind == "tn":
        return 6, 4
    return 2 + 2 * block.level, 2 * block.level


# --------------------------------------------------------------------------- print pages


def _print_targets(
    body: Sequence[tuple[Block, tuple[Word, ...]]], layout: PrintLayout | None, notices: list[str]
) -> dict[tuple[int, int], int]:
    """(block index, word index) → the print page that begins just before that word."""
    if layout is None or not body:
        return {}
    words = [(bi, wi, w) for bi, (_, ws) in enumerate(body) for wi, w in enumerate(ws)]
    if not words:
        return {}
    carried: dict[str, list[tuple[int, int, Word]]] = {}
    texts: dict[str, dict[int, str]] = {}
    for bi, (block, ws) in enumerate(body):
        for wi, w in enumerate(ws):
            if w.region:
                carried.setdefault(w.region, []).append((bi, wi, w))
        for run in block.runs:
            if run.region:
                texts.setdefault(run.region, {})[run.offset] = "".join(run.text.split())
    braille_text = {k: "".join(v[o] for o in sorted(v)) for k, v in texts.items()}
    order = [r.key for r in layout.regions]
    print_text = {r.key: r.text for r in layout.regions}
    targets: dict[tuple[int, int], int] = {}

    def place(key: tuple[int, int], page: int) -> None:
        bi, wi = key
        if all(not w.region for w in body[bi][1][:wi]):
            key = (bi, 0)  # only labels before it (a list marker): before the whole block
        targets[key] = max(page, targets.get(key, 0))

    for start in layout.starts:
        if start.region in carried:
            common = _common_prefix(braille_text.get(start.region, ""), print_text.get(start.region, ""))
            candidates = carried[start.region]
            if start.offset >= common and start.offset > 0:
                notices.append(
                    f"print page {start.page} begins where the braille text of "
                    f"'{start.region}' differs from print: marked at its start"
                )
                place(candidates[0][:2], start.page)
                continue
            chosen = candidates[0]
            for cand in candidates:
                if cand[2].offset <= start.offset:
                    chosen = cand
                else:
                    break
            place(chosen[:2], start.page)
            continue
        # A region the braille does not carry (print cover, masthead, contents):
        # the page is marked where the next carried region begins.
        index = order.index(start.region) if start.region in order else -1
        target: tuple[int, int, Word] | None
        if index < 0 or not any(k in carried for k in order[:index]):
            target = words[0]  # print matter before the braille text: where the body begins
        else:
            target = next((carried[k][0] for k in order[index + 1 :] if k in carried), None)
        if target is None:
            notices.append(f"print page {start.page} begins after the last text the braille carries: not marked")
            continue
        place(target[:2], start.page)
    return targets


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


# --------------------------------------------------------------------------- layout


def _body(
    pager: _Pager,
    body: Sequence[tuple[Block, tuple[Word, ...]]],
    targets: dict[tuple[int, int], int],
    placed: list[tuple[int, int]],
) -> list[ContentsEntry]:
    width = pager.geometry.cells
    contents: list[ContentsEntry] = []
    for bi, (block, words) in enumerate(body):
        if not words:
            continue
        if block.new_page and not pager.at_top():
            pager.finish()
        first_target = targets.get((bi, 0))
        heading = block.kind == "heading"
        if heading:
            lines_needed = len(_centre(words, width)) + 2
            if not pager.at_top() and pager.remaining() < lines_needed + 1:
                pager.finish()
            pager.blank()
        if first_target is not None:
            pager.new_print_page(first_target)
            placed.append((first_target, pager.number))
        # Split the block where a print page begins inside it.
        segments: list[list[Word]] = [[]]
        pages_inside: list[int] = []
        for wi, word in enumerate(words):
            page = targets.get((bi, wi)) if wi else None
            if page is not None:
                segments.append([])
                pages_inside.append(page)
            segments[-1].append(word)
        first, runover = _indents(block)
        for si, segment in enumerate(segments):
            if si:
                pager.new_print_page(pages_inside[si - 1])
                placed.append((pages_inside[si - 1], pager.number))
            if heading and block.level <= 2:
                lines = _centre(segment, width)
            else:
                lines = wrap(segment, width, first if si == 0 else runover, runover)
            for li, line in enumerate(lines):
                pager.line(line)
                if heading and block.toc_level and si == 0 and li == 0:
                    contents.append(ContentsEntry(join(words), block.toc_level, pager.number))
        if heading and block.level <= 2:
            pager.blank()
    return contents


def _title_page(pager: _Pager, doc: Document, codes: Codes) -> None:
    width = pager.geometry.cells
    pager.numbered = False
    pager.line("")
    for runs in doc.title_page:
        if not runs:
            pager.blank()
            continue
        for line in _centre(translate_runs(runs, codes), width):
            pager.line(line)  # a long title page runs on to a second page
    pager.finish()
    pager.numbered = True


def _contents_pages(
    entries: Sequence[ContentsEntry], title: str, codes: Codes, geometry: Geometry, first_number: int
) -> list[Page]:
    pager = _Pager(geometry, codes, first_number)
    width = geometry.cells
    for line in _centre(translate_runs([_plain(title)], codes), width):
        pager.line(line)
    pager.blank()
    for entry in entries:
        indent = 2 * (entry.level - 1)
        number = codes.cells(str(entry.page))
        words = [Word(w) for w in entry.text.split(BLANK) if w]
        room = width - len(number) - 3  # label, blank, guide dots, blank, number
        lines = wrap(words, room, indent, indent + 4)
        last = lines[-1]
        dots = width - len(last) - len(number) - 2
        if dots < 2:
            lines.append(BLANK * (indent + 4))
            last = lines[-1]
            dots = width - len(last) - len(number) - 2
        lines[-1] = last + BLANK + GUIDE_DOT * dots + BLANK + number
        if pager.remaining() < len(lines):
            pager.finish()
        for line in lines:
            pager.line(line)
    pager.finish()
    return pager.pages


def _plain(text: str) -> Run:
    return Run(text)


def lay_out(
    doc: Document, codes: Codes, geometry: Geometry = Geometry(), print_layout: PrintLayout | None = None
) -> Laid:
    """Title page, contents page(s) and body of ``doc`` as numbered braille pages."""
    body = tuple((block, translate_runs(block.runs, codes)) for block in doc.body)
    notices: list[str] = []
    targets = _print_targets(body, print_layout, notices)
    title = _Pager(geometry, codes, 1)
    _title_page(title, doc, codes)
    contents_count = 1
    for _ in range(5):  # the contents' length depends on the page numbers it shows
        first_contents = 1 + len(title.pages)
        pager = _Pager(geometry, codes, first_contents + contents_count)
        placed: list[tuple[int, int]] = []
        entries = _body(pager, body, targets, placed)
        pager.finish()
        contents = _contents_pages(entries, doc.contents_title, codes, geometry, first_contents)
        if len(contents) == contents_count:
            break
        contents_count = len(contents)
    pages = tuple(title.pages) + tuple(contents) + tuple(pager.pages)
    return Laid(pages, tuple(entries), body, tuple(placed), pager.first_number, tuple(dict.fromkeys(notices)))
