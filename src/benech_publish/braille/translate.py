"""Runs of text → braille words, through liblouis, keeping where each word came from.

Takes: a block's :class:`~.document.Run` s and a :class:`Codes` (one
:class:`~.liblouis.Translator` per language). Gives: a tuple of :class:`Word` s
of Unicode braille, each with the print region and non-space offset of its
first source character (for print page numbers), the places a long word may be
divided (after ``/ . - @ _`` in addresses), and whether it is glued to the
word before (a foreign-language span inside a word, a parenthesis around it).

Consecutive runs of one language are translated in one liblouis call, with a
typeform per character (italic, bold, uncontracted), so contractions and
indicators see their context. A span in a language without its own table is
written with the surrounding language's table, uncontracted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from .document import Run
from .liblouis import BLANK, NO_CONTRACT, Translator, normalise

_BREAK_AFTER = frozenset("/.-@_?&=")


@dataclass(frozen=True)
class Word:
    """A braille word: cells, print position, division points, glue to the word before."""

    cells: str
    region: str = ""
    offset: int = -1
    breaks: tuple[int, ...] = ()
    glue: bool = False
    lang: str = ""


@dataclass(frozen=True)
class Codes:
    """The braille codes of a publication: its language's tables and any other configured language's.

    ``tables`` maps a language to its liblouis table list; translators are
    compiled on first use and kept in ``cache`` (shared by a build), so a
    broken table list of one language only fails the publications that use it.
    """

    lang: str
    tables: Mapping[str, str]
    cache: dict[str, Translator] = field(default_factory=dict)

    def translator(self, lang: str) -> Translator:
        table_list = self.tables[lang]
        found = self.cache.get(table_list)
        if found is None:
            found = self.cache[table_list] = Translator(table_list)
        return found

    @property
    def main(self) -> Translator:
        return self.translator(self.lang)

    def for_lang(self, lang: str) -> tuple[str, Translator, bool]:
        """(language used, translator, force uncontracted) for a run in ``lang``."""
        base = (lang or self.lang).split("-")[0].lower()
        if base in self.tables:
            return base, self.translator(base), False
        return self.lang, self.main, True

    def cells(self, text: str) -> str:
        """``text`` (a page number, a label) in the main code, blanks for spaces."""
        return self.main.translate(normalise(text))[0]


@dataclass(frozen=True)
class Group:
    """Consecutive runs of one language: their text, typeform and print position per character."""

    lang: str
    translator: Translator
    text: str
    typeform: tuple[int, ...]
    where: tuple[tuple[str, int], ...]  # (region, offset) or ("", -1)


def groups(runs: Iterable[Run], codes: Codes) -> list[Group]:
    """``runs`` merged per language (one liblouis call each), in reading order."""
    members: list[tuple[str, Translator, list[tuple[Run, bool]]]] = []
    for run in runs:
        if not run.text:
            continue
        lang, translator, force = codes.for_lang(run.lang)
        if members and members[-1][0] == lang:
            members[-1][2].append((run, force))
        else:
            members.append((lang, translator, [(run, force)]))
    out: list[Group] = []
    for lang, translator, items in members:
        parts: list[str] = []
        typeform: list[int] = []
        where: list[tuple[str, int]] = []
        for run, force in items:
            text = normalise(run.text)
            tf = run.emphasis | (NO_CONTRACT if (run.literal or force) else 0)
            seen = 0
            for ch in text:
                where.append((run.region, run.offset + seen) if run.region else ("", -1))
                if not ch.isspace():
                    seen += 1
            parts.append(text)
            typeform += [tf] * len(text)
        out.append(Group(lang, translator, "".join(parts), tuple(typeform), tuple(where)))
    return out


def translate_runs(runs: Iterable[Run], codes: Codes) -> tuple[Word, ...]:
    """The braille words of ``runs`` in reading order (see the module docstring)."""
    words: list[Word] = []
    previous_text = ""
    for g in groups(runs, codes):
        cells, in_pos = g.translator.translate(g.text, g.typeform)
        glue_first = bool(previous_text) and not previous_text[-1].isspace() and not g.text[:1].isspace()
        words += _split(cells, in_pos, g.text, list(g.where), g.lang, glue_first)
        previous_text = g.text
    return tuple(words)


def _split(
    cells: str, in_pos: list[int], text: str, where: list[tuple[str, int]], lang: str, glue_first: bool
) -> list[Word]:
    out: list[Word] = []
    start = 0
    n = len(cells)
    first = True
    while start <= n:
        end = cells.find(BLANK, start)
        end = n if end < 0 else end
        if end > start:
            region, offset = "", -1
            for i in range(start, end):
                r, o = where[in_pos[i]] if in_pos[i] < len(where) else ("", -1)
                if r:
                    region, offset = r, o
                    break
            breaks = tuple(
                k - start + 1
                for k in range(start, end - 1)
                if text[in_pos[k]] in _BREAK_AFTER and in_pos[k + 1] != in_pos[k]
            )
            out.append(Word(cells[start:end], region, offset, breaks, glue=first and glue_first, lang=lang))
            first = False
        elif start == 0:
            first = False  # the text starts with a space: nothing to glue
        start = end + 1
    return out


def join(words: Iterable[Word]) -> str:
    """Words as one braille string (blank cells between words that are not glued)."""
    out: list[str] = []
    for w in words:
        if out and not w.glue:
            out.append(BLANK)
        out.append(w.cells)
    return "".join(out)
