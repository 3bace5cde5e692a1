"""Content model → the braille edition's source document (text still in print letters).

Takes: a :class:`~benech_publish.model.Condition` (leaflet) or the conditions
of one language (booklet) and the :class:`~benech_publish.model.Site`. Gives a
:class:`Document`: the lines of the title page and the body as
:class:`Block` s (headings, paragraphs, list items, transcriber's notes) made
of :class:`Run` s of text, each with its language, emphasis and whether it
is written uncontracted (web and e-mail addresses, code).

What changes from print, following braille practice (docs/braille.md):

* no print-only furniture: no logo, no running header, no QR code (the web
  address it encodes is written out under "Online version");
* every image is a transcriber's note with its alt text (and caption);
  decorative images are left out;
* a table is linearised: its column headers once, then one entry per row
  (``header: cell; header: cell``);
* the contents page is made by :mod:`.layout` from the headings marked
  ``toc_level``.

Print pages: each run that is text of the printed edition carries its print
*region* (the ``id`` of the enclosing print ``section``: a section anchor,
``leaflet-info``, ``<condition>``, ``<condition>-<anchor>``, ``intro``,
``backmatter``) and the count of non-space characters of that region before
it, the same measure :mod:`benech_publish.typeset.pagelist` uses for where a print
page begins. Labels the print does not show (``: `` after a label, "Columns")
carry no region.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from .. import i18n
from .. import model as m
from .labels import braille_labels
from .liblouis import BOLD, ITALIC

#: Print region of a leaflet's closing panel (``writers/leaflet.py``'s ``CLOSING_ID``).
CLOSING_REGION = "leaflet-info"

BlockKind = Literal["heading", "para", "item", "tn"]


@dataclass(frozen=True)
class Run:
    """A piece of text: language ("" = the document's), emphasis bits, uncontracted or not.

    ``region``/``offset``: where it is in the printed edition ("" when it is not print text).
    """

    text: str
    lang: str = ""
    emphasis: int = 0
    literal: bool = False
    region: str = ""
    offset: int = 0


@dataclass(frozen=True)
class Block:
    """One block of the body.

    ``kind``: heading (``level`` 1-6), para, item (list item; ``level`` is the
    nesting depth from 0; its runs begin with the print marker) or tn (transcriber's
    note). ``toc_level`` > 0 lists a heading on the contents page; ``new_page``
    starts it on a new braille page; ``where`` names the condition and section
    for warnings.
    """

    kind: BlockKind
    runs: tuple[Run, ...]
    level: int = 0
    toc_level: int = 0
    new_page: bool = False
    where: str = ""

    @property
    def text(self) -> str:
        return "".join(r.text for r in self.runs)


@dataclass(frozen=True)
class Document:
    """A braille publication before translation: title page lines, body, metadata."""

    lang: str
    title: str
    identifier: str
    title_page: tuple[tuple[Run, ...], ...]
    body: tuple[Block, ...]
    contents_title: str


def _nonspace(text: str) -> int:
    return sum(1 for ch in text if not ch.isspace())


class _Builder:
    """Collects blocks and counts print characters per region (local state only)."""

    def __init__(self, lang: str):
        self.lang = lang
        self.blocks: list[Block] = []
        self.counters: dict[str, int] = {}
        self.region = ""
        self.where = ""

    # -------------------------------------------------------------- runs

    def run(
        self, text: str, *, region: str | None = None, lang: str = "", emphasis: int = 0, literal: bool = False
    ) -> Run:
        """A run of print text in ``region`` (default: the current one); "" = not print text."""
        region = self.region if region is None else region
        offset = 0
        if region:
            offset = self.counters.get(region, 0)
            self.counters[region] = offset + _nonspace(text)
        return Run(text, lang, emphasis, literal, region, offset)

    def label(self, text: str) -> Run:
        """Text the print does not show here (a colon after a label, a note's name)."""
        return Run(text)

    def inlines(self, nodes: Iterable[m.Inline], *, lang: str = "", emphasis: int = 0) -> list[Run]:
        out: list[Run] = []
        for node in nodes:
            if isinstance(node, m.Text):
                out.append(self.run(node.text, lang=lang, emphasis=emphasis))
            elif isinstance(node, m.Code):
                out.append(self.run(node.text, lang=lang, emphasis=emphasis, literal=True))
            elif isinstance(node, m.LineBreak):
                out.append(self.run(" ", lang=lang))
            elif isinstance(node, m.Emphasis):
                out += self.inlines(node.children, lang=lang, emphasis=emphasis | ITALIC)
            elif isinstance(node, m.Strong):
                out += self.inlines(node.children, lang=lang, emphasis=emphasis | BOLD)
            elif isinstance(node, m.Span):
                out += self.inlines(node.children, lang=node.lang, emphasis=emphasis)
            elif isinstance(node, m.Link):
                text = m.plain_text(node.children)
                if is_address(text):
                    out.append(self.run(text, lang=lang, emphasis=emphasis, literal=True))
                else:
                    out += self.inlines(node.children, lang=lang, emphasis=emphasis)
            else:  # Abbr: the abbreviation as printed
                out += self.inlines(node.children, lang=lang, emphasis=emphasis)
        return out

    # -------------------------------------------------------------- blocks

    def add(self, kind: BlockKind, runs: Iterable[Run], **extra: object) -> None:
        runs = tuple(r for r in runs if r.text)
        if runs and "".join(r.text for r in runs).strip():
            self.blocks.append(Block(kind, runs, where=self.where, **extra))  # type: ignore[arg-type]

    def heading(self, text: str, level: int, *, toc_level: int = 0, new_page: bool = False) -> None:
        self.add("heading", [self.run(text)], level=level, toc_level=toc_level, new_page=new_page)

    def fact(self, label: str, value: str, *, literal: bool = False) -> None:
        """``Label: value`` (a print ``dt``/``dd`` pair)."""
        self.add("para", [self.run(label), self.label(": "), self.run(value, literal=literal)])

    def model_blocks(self, blocks: Iterable[m.Block], depth: int = 0) -> None:
        L = i18n.labels(self.lang)
        B = braille_labels(self.lang)
        for block in blocks:
            if isinstance(block, m.Paragraph):
                self.add("para", self.inlines(block.inlines), level=depth)
            elif isinstance(block, (m.BulletList, m.NumberedList)):
                for i, item in enumerate(block.items):
                    marker = "•" if isinstance(block, m.BulletList) else f"{block.start + i}."
                    self._item(item, marker, depth)
            elif isinstance(block, m.Table):
                self._table(block, depth)
            elif isinstance(block, m.Figure):
                if block.decorative:
                    continue
                runs = [self.label(f"{B['transcriber_note']}: {B['image']}: {block.alt}")]
                self.add("tn", runs)
                if block.caption:
                    self.add("tn", [self.label(f"{B['image_caption']}: "), *self.inlines(block.caption)])
            elif isinstance(block, m.Note):
                self.add("para", [self.run(L[block.kind], emphasis=BOLD)], level=depth)
                self.model_blocks(block.blocks, depth)

    def _item(self, item: m.ListItem, marker: str, depth: int) -> None:
        first = item.blocks[0] if item.blocks else None
        if isinstance(first, m.Paragraph):
            self.add("item", [self.label(f"{marker} "), *self.inlines(first.inlines)], level=depth)
            rest = item.blocks[1:]
        else:  # the marker alone, the item's blocks below it
            self.add("item", [self.label(marker)], level=depth)
            rest = item.blocks
        self.model_blocks(rest, depth + 1)

    def _table(self, table: m.Table, depth: int) -> None:
        labels = braille_labels(self.lang)
        if table.caption:
            self.add("para", [self.label(f"{labels['table']}: "), *self.inlines(table.caption)], level=depth)
        headers = [m.plain_text(c.inlines) for c in table.head[-1]] if table.head else []
        for row in table.head:
            runs: list[Run] = [self.label(f"{labels['columns']}: ")]
            for i, cell in enumerate(row):
                if i:
                    runs.append(self.label("; "))
                runs += self.inlines(cell.inlines)
            self.add("item", runs, level=depth)
        for row in table.body:
            runs = []
            for i, cell in enumerate(row):
                if i:
                    runs.append(self.label("; "))
                if i < len(headers) and headers[i] and not cell.header:
                    runs.append(self.label(f"{headers[i]}: "))
                runs += self.inlines(cell.inlines)
            self.add("item", runs, level=depth)

    def sections(self, condition: m.Condition, sections: Iterable[m.Section], prefix: str, toc_offset: int = 0) -> None:
        for s in sections:
            self.region = f"{prefix}{s.anchor}"
            self.where = f"{condition.location.path}: {condition.title}, section '{s.heading}'"
            self.add("heading", [self.run(s.heading)], level=s.level, toc_level=s.level - 1 + toc_offset)
            self.model_blocks(s.blocks)
            self.sections(condition, s.subsections, prefix, toc_offset)

    def contacts(self, site: m.Site) -> None:
        L = i18n.labels(self.lang)
        c = site.contacts
        self.fact(L["contacts"], site.name)
        if c.address:
            self.fact(L["address"], c.address)
        if c.phone:
            self.fact(L["phone"], c.phone)
        if c.email:
            self.fact(L["email"], c.email, literal=True)
        if c.hours:
            self.fact(L["hours"], site.text(c.hours, self.lang))
        if c.website:
            self.fact(L["website"], c.website, literal=True)


def is_address(text: str) -> bool:
    """A web or e-mail address written as text (uncontracted in braille)."""
    t = text.strip()
    return " " not in t and (
        t.startswith(("http://", "https://", "www.", "mailto:")) or ("@" in t and "." in t.rsplit("@", 1)[-1])
    )


def _title_line(text: str, *, literal: bool = False) -> tuple[Run, ...]:
    return (Run(text, literal=literal),)


def leaflet(condition: m.Condition, site: m.Site, *, identifier: str) -> Document:
    """The braille leaflet of one condition (regions: section anchors, :data:`CLOSING_REGION`)."""
    lang = condition.lang
    L, B = i18n.labels(lang), braille_labels(lang)
    b = _Builder(lang)
    b.where = f"{condition.location.path}: {condition.title}"
    title_page = [_title_line(site.name)]
    if site.tagline:
        title_page.append(_title_line(site.text(site.tagline, lang)))
    title_page += [
        (),
        _title_line(L["patient_information"]),
        _title_line(condition.title),
        (),
        _title_line(B["braille_edition"]),
    ]
    if condition.status == "draft":
        title_page.append(_title_line(L["draft"]))
    # The body opens with the title, as the print page does (no print region:
    # the print head also holds the masthead and the contents list).
    b.region = ""
    b.heading(condition.title, 1)
    if condition.status == "draft":
        b.add("para", [b.run(L["draft"], emphasis=BOLD)])
    if condition.summary:
        b.add("para", [b.run(condition.summary)])
    b.sections(condition, condition.sections, "", toc_offset=0)
    closing(b, condition, site)
    return Document(lang, condition.title, identifier, tuple(title_page), tuple(b.blocks), L["contents"])


def closing(b: _Builder, condition: m.Condition, site: m.Site) -> None:
    """The leaflet's closing panel: dates, web address (instead of the QR code), contacts."""
    L = i18n.labels(b.lang)
    b.region = CLOSING_REGION
    b.where = f"{condition.location.path}: {condition.title}, '{L['about']}'"
    b.heading(L["about"], 2, toc_level=1)
    _dates(b, condition, with_due=True)
    url = condition.source_url or site.website
    if url:
        b.fact(L["online_version"], url, literal=True)
    b.contacts(site)
    b.add("para", [b.run(L["disclaimer"])])


def _dates(b: _Builder, condition: m.Condition, *, with_due: bool) -> None:
    L = i18n.labels(b.lang)
    if condition.last_updated:
        b.fact(L["last_updated"], i18n.format_date(condition.last_updated, b.lang))
    if condition.reviewed_on:
        value = i18n.format_date(condition.reviewed_on, b.lang)
        if condition.reviewers:
            value += f" ({', '.join(condition.reviewers)})"
        b.fact(L["last_reviewed"], value)
    if with_due and condition.review_due:
        b.fact(L["review_due"], i18n.format_date(condition.review_due, b.lang))


def booklet(conditions: Iterable[m.Condition], site: m.Site, lang: str, *, identifier: str) -> Document:
    """The braille booklet of one language (regions as the print booklet's units and sections)."""
    conditions = tuple(conditions)
    L, B = i18n.labels(lang), braille_labels(lang)
    b = _Builder(lang)
    dates = [d for c in conditions for d in (c.last_updated, c.reviewed_on) if d]
    title_page = [_title_line(L["booklet_title"]), (), _title_line(site.name)]
    if site.tagline:
        title_page.append(_title_line(site.text(site.tagline, lang)))
    title_page += [(), _title_line(B["braille_edition"])]
    if dates:
        title_page.append(_title_line(f"{L['published']}: {i18n.format_date(max(dates), lang)}"))
    if any(c.status == "draft" for c in conditions):
        title_page.append(_title_line(L["booklet_has_drafts"]))
    intro = site.intro.get(lang) or ""
    paragraphs = [" ".join(p.split()) for p in intro.split("\n\n") if p.strip()]
    if paragraphs:
        b.region, b.where = "intro", f"site.yaml: intro ({lang})"
        b.heading(L["introduction"], 1, toc_level=1, new_page=True)
        for para in paragraphs:
            b.add("para", [b.run(para)])
    for c in conditions:
        b.region, b.where = c.id, f"{c.location.path}: {c.title}"
        b.add(
            "heading",
            [b.run(c.title)] + ([b.label(f" ({L['draft_short']})")] if c.status == "draft" else []),
            level=1,
            toc_level=1,
            new_page=True,
        )
        if c.status == "draft":
            b.add("para", [b.run(L["draft"], emphasis=BOLD)])
        if c.summary:
            b.add("para", [b.run(c.summary)])
        b.sections(c, c.sections, f"{c.id}-", toc_offset=1)
        b.region, b.where = c.id, f"{c.location.path}: {c.title}"
        _dates(b, c, with_due=False)
        if c.source_url:
            b.fact(L["online_version"], c.source_url, literal=True)
    b.region, b.where = "backmatter", f"site.yaml ({lang})"
    b.heading(L["back_matter"], 1, toc_level=1, new_page=True)
    b.contacts(site)
    b.heading(L["about"], 2)
    b.add("para", [b.run(L["edition"]), b.label(": "), b.label(B["braille_edition"])])
    if dates:
        b.fact(L["published"], i18n.format_date(max(dates), lang))
    b.add("para", [b.run(L["disclaimer"])])
    return Document(
        lang, f"{L['booklet_title']} – {site.name}", identifier, tuple(title_page), tuple(b.blocks), L["contents"]
    )
