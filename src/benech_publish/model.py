"""The content model: frozen dataclasses, no I/O.

Takes: values the loader (or the WordPress importer) has parsed and checked.
Gives: an immutable tree that the renderer turns into XHTML::

    Content ── Site
            └─ Condition* ── Section* ── Block* (Paragraph, BulletList, ...)
                                    └─ Section* (subsections)

Inline text is a tuple of :data:`Inline` nodes (Text, Emphasis, Strong, Code,
Link, Span with ``lang``, LineBreak). Every block and section keeps the
:class:`~benech_publish.errors.Location` it came from, so later stages can
still say ``file:line``.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

from .errors import Location

NOWHERE = Location("<memory>", 0)
#: A content language: the name of a language folder, an entry of ``site.yaml``'s
#: ``languages``, an ``Options.languages`` value (``it``, ``en``, ``pt-BR``).
CONTENT_LANG_RE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
#: A language tag on a span of text (``[...]{lang=la}``): BCP 47, either case.
LANG_TAG_RE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")

# --------------------------------------------------------------------------- inline


@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class Code:
    text: str


@dataclass(frozen=True)
class LineBreak:
    pass


@dataclass(frozen=True)
class Emphasis:
    children: tuple[Inline, ...]


@dataclass(frozen=True)
class Strong:
    children: tuple[Inline, ...]


@dataclass(frozen=True)
class Link:
    """A link; ``href`` is ``#anchor`` (same condition), ``condition-id#anchor`` or a URL."""

    href: str
    children: tuple[Inline, ...]
    title: str = ""


@dataclass(frozen=True)
class Span:
    """Inline text in another language (``lang``), e.g. a Latin or English term."""

    lang: str
    children: tuple[Inline, ...]


@dataclass(frozen=True)
class Abbr:
    """An abbreviation and its expansion (``title``)."""

    title: str
    children: tuple[Inline, ...]


Inline = Text | Code | LineBreak | Emphasis | Strong | Link | Span | Abbr


def plain_text(inlines: tuple[Inline, ...]) -> str:
    """The text of inline nodes, without markup."""
    out: list[str] = []
    for node in inlines:
        if isinstance(node, (Text, Code)):
            out.append(node.text)
        elif isinstance(node, LineBreak):
            out.append(" ")
        else:
            out.append(plain_text(node.children))
    return "".join(out)


def iter_inlines(inlines: tuple[Inline, ...]) -> Iterator[Inline]:
    for node in inlines:
        yield node
        children = getattr(node, "children", None)
        if children:
            yield from iter_inlines(children)


# --------------------------------------------------------------------------- blocks


@dataclass(frozen=True)
class Paragraph:
    inlines: tuple[Inline, ...]
    location: Location = NOWHERE


@dataclass(frozen=True)
class ListItem:
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class BulletList:
    items: tuple[ListItem, ...]
    location: Location = NOWHERE


@dataclass(frozen=True)
class NumberedList:
    items: tuple[ListItem, ...]
    start: int = 1
    location: Location = NOWHERE


@dataclass(frozen=True)
class Cell:
    inlines: tuple[Inline, ...]
    header: bool = False
    align: Literal["", "left", "center", "right"] = ""


@dataclass(frozen=True)
class Table:
    """A table; ``head`` rows hold column headers (``th scope="col"``).

    A body cell marked ``header`` is a row header (``th scope="row"``).
    """

    head: tuple[tuple[Cell, ...], ...]
    body: tuple[tuple[Cell, ...], ...]
    caption: tuple[Inline, ...] = ()
    location: Location = NOWHERE


@dataclass(frozen=True)
class Figure:
    """An image: with ``alt`` text, or explicitly ``decorative`` (then alt is empty)."""

    src: str
    alt: str
    decorative: bool = False
    caption: tuple[Inline, ...] = ()
    location: Location = NOWHERE


@dataclass(frozen=True)
class Note:
    """A callout box: ``kind`` is note, tip or warning."""

    kind: Literal["note", "tip", "warning"]
    blocks: tuple[Block, ...]
    location: Location = NOWHERE


Block = Paragraph | BulletList | NumberedList | Table | Figure | Note


def iter_blocks(blocks: tuple[Block, ...]) -> Iterator[Block]:
    """Every block, depth first, including blocks nested in lists and notes."""
    for block in blocks:
        yield block
        if isinstance(block, (BulletList, NumberedList)):
            for item in block.items:
                yield from iter_blocks(item.blocks)
        elif isinstance(block, Note):
            yield from iter_blocks(block.blocks)


def block_inlines(block: Block) -> Iterator[tuple[Inline, ...]]:
    """The inline runs directly owned by one block (not its nested blocks)."""
    if isinstance(block, Paragraph):
        yield block.inlines
    elif isinstance(block, Table):
        yield block.caption
        for row in block.head + block.body:
            for cell in row:
                yield cell.inlines
    elif isinstance(block, Figure):
        yield block.caption


# --------------------------------------------------------------------------- sections


@dataclass(frozen=True)
class Section:
    """A section (level 2) or subsection (level 3+) with a language-independent anchor.

    ``anchor`` is the same in every language (``sintomi`` is Symptoms in the
    English edition too), so ``#sintomi`` lands on Symptoms in every format.
    ``nav_label`` is an optional short label for contents lists.
    """

    anchor: str
    heading: str
    level: int
    blocks: tuple[Block, ...] = ()
    subsections: tuple[Section, ...] = ()
    nav_label: str = ""
    location: Location = NOWHERE

    @property
    def label(self) -> str:
        return self.nav_label or self.heading

    def walk(self) -> Iterator[Section]:
        yield self
        for sub in self.subsections:
            yield from sub.walk()


Status = Literal["draft", "approved"]


@dataclass(frozen=True)
class Source:
    """A source the text is based on (a guideline, a paper, a patient organisation's page).

    ``year`` is the year of publication; ``doi`` is written without a resolver
    (``10.1000/xyz``). Shown in every output's "Sources" list and given as
    ``citation`` in the web page's JSON-LD.
    """

    title: str
    authors: tuple[str, ...] = ()
    publisher: str = ""
    year: int | None = None
    url: str = ""
    doi: str = ""
    location: Location = NOWHERE

    @property
    def by(self) -> str:
        """Who wrote or published it: the authors, else the publisher."""
        return ", ".join(self.authors) or self.publisher

    @property
    def link(self) -> str:
        """Where to read it: the URL, else the DOI as an https://doi.org/ address."""
        return self.url or (f"https://doi.org/{self.doi}" if self.doi else "")


@dataclass(frozen=True)
class Translation:
    """Another language's edition of the same condition (same ``id``), as the loader found it."""

    lang: str
    title: str
    url: str = ""  # its source_url, when it has one
    approved: bool = False


@dataclass(frozen=True)
class Condition:
    """One condition in one language: a leaflet, a booklet chapter, a web page."""

    id: str
    slug: str
    lang: str
    title: str
    summary: str
    sections: tuple[Section, ...]
    status: Status = "draft"
    source_url: str = ""
    last_updated: _dt.date | None = None
    reviewed_on: _dt.date | None = None
    review_due: _dt.date | None = None
    reviewers: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    sources: tuple[Source, ...] = ()
    version: str = ""
    translations: tuple[Translation, ...] = ()  # filled in by the loader
    location: Location = NOWHERE
    field_lines: dict[str, int] = field(default_factory=dict, compare=False, hash=False)

    def at(self, key: str) -> Location:
        """Where front-matter field ``key`` was written (the file when unknown)."""
        return self.location.at(self.field_lines.get(key, self.location.line))

    def walk(self) -> Iterator[Section]:
        """Every section and subsection, in reading order."""
        for section in self.sections:
            yield from section.walk()

    @property
    def anchors(self) -> tuple[str, ...]:
        return tuple(s.anchor for s in self.walk())

    @property
    def figures(self) -> tuple[Figure, ...]:
        return tuple(b for s in self.walk() for b in iter_blocks(s.blocks) if isinstance(b, Figure))


# --------------------------------------------------------------------------- site


@dataclass(frozen=True)
class Contacts:
    address: str = ""
    phone: str = ""
    email: str = ""
    website: str = ""
    hours: dict[str, str] = field(default_factory=dict)  # per language


@dataclass(frozen=True)
class Logo:
    src: str
    alt: dict[str, str]  # per language


@dataclass(frozen=True)
class Colours:
    """Brand colours as ``#rrggbb``; checked for contrast before any PDF is made."""

    primary: str = "#1f3f7a"
    text: str = "#1a1a1a"
    background: str = "#ffffff"
    accent: str = "#eef3ff"
    muted: str = "#4a4a4a"


#: liblouis tables per language when site.yaml does not name them (docs/braille.md).
DEFAULT_BRAILLE_TABLES = {"en": "en-ueb-g2.ctb,benech-ueb-back.uti", "it": "benech-it.utb"}


@dataclass(frozen=True)
class BrailleSetup:
    """site.yaml ``braille:``: liblouis tables per language, page size, BRF display table."""

    tables: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_BRAILLE_TABLES))
    cells: int = 40
    lines: int = 25
    display: str = "en-us-brf.dis"


@dataclass(frozen=True)
class Feedback:
    """How patients tell the clinic what they think of its information (any of the three)."""

    email: str = ""
    url: str = ""
    phone: str = ""

    def __bool__(self) -> bool:
        return bool(self.email or self.url or self.phone)


@dataclass(frozen=True)
class ReviewPolicy:
    """How often approved information must be reviewed (PIF TICK: at least every 3 years)."""

    max_interval_years: int = 3


@dataclass(frozen=True)
class ReadabilityTarget:
    """Reading-level targets of one language; ``None`` means "not measured".

    Gulpease (0-100, higher is easier) for Italian; Flesch Reading Ease (higher
    is easier) and Flesch-Kincaid grade (a US school grade, lower is easier)
    for English. A sentence longer than ``max_sentence_words`` is flagged.
    """

    gulpease_min: float | None = None
    flesch_reading_ease_min: float | None = None
    flesch_kincaid_grade_max: float | None = None
    max_sentence_words: int = 25


#: Targets used for a language site.yaml gives none for.
DEFAULT_READABILITY: dict[str, ReadabilityTarget] = {
    "it": ReadabilityTarget(gulpease_min=60),
    "en": ReadabilityTarget(flesch_reading_ease_min=60, flesch_kincaid_grade_max=8),
}


@dataclass(frozen=True)
class Site:
    """The clinic: name, contacts, logo, colours, per-language texts, condition order."""

    name: str
    tagline: dict[str, str] = field(default_factory=dict)
    website: str = ""
    contacts: Contacts = field(default_factory=Contacts)
    logo: Logo | None = None
    colours: Colours = field(default_factory=Colours)
    order: tuple[str, ...] = ()
    languages: tuple[str, ...] = ("it", "en")
    intro: dict[str, str] = field(default_factory=dict)  # per language, Markdown paragraphs
    certified_by: str = ""
    feedback: Feedback = field(default_factory=Feedback)
    review_policy: ReviewPolicy = field(default_factory=ReviewPolicy)
    readability: dict[str, ReadabilityTarget] = field(default_factory=lambda: dict(DEFAULT_READABILITY))
    #: ``contacts``/``feedback`` entries written but left empty (``phone: ""``), with their place.
    to_supply: tuple[tuple[str, Location], ...] = ()
    braille: BrailleSetup = field(default_factory=BrailleSetup)
    location: Location = NOWHERE
    field_lines: dict[str, int] = field(default_factory=dict, compare=False, hash=False)

    def at(self, key: str) -> Location:
        """Where setting ``key`` was written in site.yaml (the file when unknown)."""
        return self.location.at(self.field_lines.get(key, self.location.line))

    def readability_target(self, lang: str) -> ReadabilityTarget:
        """The targets of ``lang`` (its base language's when only that is given)."""
        base = lang.split("-")[0]
        return self.readability.get(lang) or self.readability.get(base) or ReadabilityTarget()

    def text(self, values: dict[str, str], lang: str) -> str:
        """A per-language text, falling back to the first language that has one."""
        if lang in values:
            return values[lang]
        return next(iter(values.values()), "")


@dataclass(frozen=True)
class Content:
    """Everything under ``content/``: the site and each condition in each language."""

    site: Site
    conditions: tuple[Condition, ...]
    root: str = ""

    @property
    def languages(self) -> tuple[str, ...]:
        present = {c.lang for c in self.conditions}
        ordered = [lang for lang in self.site.languages if lang in present]
        return tuple(ordered + sorted(present - set(ordered)))

    def in_language(self, lang: str, *, include_drafts: bool = True) -> tuple[Condition, ...]:
        """The conditions of one language in the site's order (unlisted ones last, by id)."""
        rank = {cid: i for i, cid in enumerate(self.site.order)}
        chosen = [c for c in self.conditions if c.lang == lang and (include_drafts or c.status == "approved")]
        return tuple(sorted(chosen, key=lambda c: (rank.get(c.id, len(rank)), c.id)))
