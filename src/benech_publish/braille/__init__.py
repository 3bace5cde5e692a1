"""The braille edition: BRF and PEF files of every leaflet and booklet, through liblouis.

Takes: the content model (a :class:`~benech_publish.model.Condition`, or a
language's conditions for the booklet), the :class:`~benech_publish.model.Site`
(its ``braille`` settings: tables per language, page size, display table) and
optionally a :class:`~.layout.PrintLayout` (where the pages of the printed
edition begin; made by :mod:`.printpages` from the standard PDF). Gives::

    {"brf": bytes, "pef": bytes}

and, in :attr:`BrailleWriter.findings`, one line per fidelity or structure
problem, naming the condition and section.

Pipeline, one module per stage (each module's docstring says more):

    model ─► document (blocks of runs) ─► translate (liblouis words)
          ─► layout (pages) ─► formats (BRF, PEF) ; fidelity (checks)

liblouis is required (:mod:`.liblouis`); when it is missing the writer
cannot be made and :class:`~.liblouis.BrailleUnavailable` names the Debian
packages. docs/braille.md describes the code, tables and page format.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import TYPE_CHECKING

from .. import __version__
from .. import model as m
from ..errors import ConfigError
from ..util import digest, source_date
from .liblouis import PACKAGES, BrailleUnavailable, Translator, unavailable_reason, version

# The stages are imported when a writer is made: a build that only asks whether
# liblouis is there (a no-op rebuild) does not pay for them.
if TYPE_CHECKING:
    from . import document, fidelity
    from .layout import Laid, PrintLayout
    from .translate import Codes

__all__ = ["PACKAGES", "BrailleUnavailable", "BrailleWriter", "PrintLayout", "unavailable_reason"]


def __getattr__(name: str) -> object:
    if name == "PrintLayout":
        from .layout import PrintLayout

        return PrintLayout
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class BrailleWriter:
    """Makes braille files; one per build (translators are compiled once per table list)."""

    def __init__(self, site: m.Site):
        from .layout import Geometry

        self.site = site
        self.setup = site.braille
        self.geometry = Geometry(self.setup.cells, self.setup.lines)
        self._translators: dict[str, Translator] = {}
        #: Fidelity and structure problems of the last publication made.
        self.findings: list[fidelity.Finding] = []
        #: The last publication laid out (for tests).
        self.last: Laid | None = None
        version()  # raises BrailleUnavailable early

    def codes(self, lang: str) -> Codes:
        """The codes of a publication in ``lang`` (tables compiled once per build, on first use)."""
        from .translate import Codes

        base = lang.split("-")[0].lower()
        if base not in self.setup.tables:
            raise ConfigError(
                f"no braille table for language '{lang}': add it under "
                "braille: tables: in site.yaml (see docs/braille.md)"
            )
        return Codes(base, self.setup.tables, self._translators)

    def leaflet(self, condition: m.Condition, print_layout: PrintLayout | None = None) -> dict[str, bytes]:
        """The BRF and PEF of one condition's leaflet."""
        from . import document

        identifier = (
            "urn:benech:braille:"
            + digest("braille-leaflet", __version__, condition.lang, condition.id, repr(condition), repr(self.setup))[
                :32
            ]
        )
        doc = document.leaflet(condition, self.site, identifier=identifier)
        where = f"{condition.location.path}: {condition.title}"
        return self._publish(doc, print_layout, where)

    def booklet(
        self, conditions: Iterable[m.Condition], lang: str, print_layout: PrintLayout | None = None
    ) -> dict[str, bytes]:
        """The BRF and PEF of one language's booklet."""
        from . import document

        conditions = tuple(conditions)
        identifier = (
            "urn:benech:braille:"
            + digest("braille-booklet", __version__, lang, *[repr(c) for c in conditions], repr(self.setup))[:32]
        )
        doc = document.booklet(conditions, self.site, lang, identifier=identifier)
        return self._publish(doc, print_layout, f"booklet '{lang}'")

    def _publish(self, doc: document.Document, print_layout: PrintLayout | None, where: str) -> dict[str, bytes]:
        from . import fidelity, formats
        from .document import Run
        from .labels import braille_labels
        from .layout import lay_out

        codes = self.codes(doc.lang)
        B = braille_labels(doc.lang)
        tables = ", ".join(t.strip() for t in codes.main.table_list.split(","))
        description = B["produced"].format(version=version(), tables=tables)
        source = print_layout.source if print_layout else ""
        # The title page says how it was made and which print edition the page numbers follow.
        notes: tuple[tuple[Run, ...], ...] = ((), (Run(description),))
        if source:
            notes += ((Run(B["print_pages"].format(source=source)),),)
        doc = replace(doc, title_page=doc.title_page + notes)
        laid = lay_out(doc, codes, self.geometry, print_layout)
        self.last = laid
        brf = formats.brf(laid.pages, self.setup.display)
        meta = formats.PefMeta(
            identifier=doc.identifier,
            title=doc.title,
            language=doc.lang,
            date=source_date().date().isoformat(),
            publisher=self.site.name,
            description=description + (" " + B["print_pages"].format(source=source) if source else ""),
            source=source,
        )
        pef = formats.pef(laid.pages, meta, self.geometry)
        findings = fidelity.fidelity(laid, codes)
        findings += fidelity.structure(laid.pages, self.geometry, where)
        findings += fidelity.brf_charset(brf, self.geometry, where)
        findings += [fidelity.Finding(where, n) for n in laid.notices]
        self.findings = findings
        return {"brf": brf, "pef": pef}
