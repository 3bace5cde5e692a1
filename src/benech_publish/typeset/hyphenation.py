"""Hyphenation for the standard print edition: pyphen dictionaries plus medical exceptions.

Takes: a content language (``it``, ``en``, ``en-GB``...) and, for
:func:`apply_exceptions`, the parsed XHTML of a document. Gives:

* :func:`support` -- whether pyphen (which WeasyPrint uses for ``hyphens:
  auto``) has a dictionary for the language, and, when it has none, a clear
  message for the build report (returned, never printed: the leaflet is then
  simply not hyphenated);
* :func:`exceptions` -- the per-language exception list in
  ``benech_publish/data/hyphenation/<lang>.txt`` (one word per line, a hyphen
  at every allowed break, no hyphen = never break);
* :func:`hyphenate` -- a word with its break points, exceptions first (for
  tests and for checking a new exception);
* :func:`apply_exceptions` -- marks every exception word in a document so
  WeasyPrint breaks it only where the list allows: the word is wrapped in
  ``<span class="hyph-x">`` (``hyphens: manual`` in print.css) and soft
  hyphens are inserted at its allowed points. WeasyPrint ignores pyphen inside
  a word that has soft hyphens, and the span keeps those soft hyphens from
  switching off automatic hyphenation for the rest of the paragraph.

The large-print edition is never hyphenated (UKAAF), so none of this applies
to it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pyphen

DATA = Path(__file__).parent.parent / "data" / "hyphenation"
SOFT_HYPHEN = "\u00ad"
#: Class of the span that wraps an exception word (print.css sets ``hyphens: manual``).
EXCEPTION_CLASS = "hyph-x"
XHTML_NS = "http://www.w3.org/1999/xhtml"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

# Elements whose text is never hyphenated or rewritten.
_SKIP = {
    "code",
    "pre",
    "kbd",
    "samp",
    "script",
    "style",
    "title",
    "head",
    "a",
    "abbr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
}  # headings: never hyphenated, and bookmarks use their text


@dataclass(frozen=True)
class Support:
    """Hyphenation support for one language."""

    lang: str
    dictionary: str | None  # the pyphen dictionary WeasyPrint will use, e.g. "en_GB"
    message: str | None  # set when there is no dictionary

    @property
    def available(self) -> bool:
        return self.dictionary is not None


@cache
def support(lang: str) -> Support:
    """Whether WeasyPrint can hyphenate ``lang``; a clear message when it cannot.

    WeasyPrint looks the dictionary up with ``pyphen.language_fallback(lang)``,
    so this asks the same question.
    """
    dictionary = pyphen.language_fallback(lang) if lang else None
    if dictionary:
        return Support(lang, dictionary, None)
    return Support(
        lang,
        None,
        (
            f"no hyphenation dictionary for content language '{lang}' (pyphen has none): "
            "the standard print edition is not hyphenated; check the language code, or "
            "accept a more ragged right edge"
        ),
    )


def _base(lang: str) -> str:
    return lang.replace("_", "-").split("-")[0].lower()


def exceptions_file(lang: str) -> Path:
    return DATA / f"{_base(lang)}.txt"


@cache
def exceptions(lang: str) -> Mapping[str, tuple[int, ...]]:
    """Exception words of ``lang`` (lower case) → allowed break offsets (may be empty)."""
    path = exceptions_file(lang)
    if not path.is_file():
        return {}
    return parse_exceptions(path.read_text(encoding="utf-8"), str(path))


def parse_exceptions(text: str, source: str = "<exceptions>") -> dict[str, tuple[int, ...]]:
    """Parse an exception list; raises ``ValueError`` naming ``source:line`` on a bad entry."""
    result: dict[str, tuple[int, ...]] = {}
    for number, raw in enumerate(text.splitlines(), 1):
        line = re.sub(r"(^|\s)#.*$", "", raw).strip()
        if not line:
            continue
        if not re.fullmatch(r"[^\W\d_]+(?:-[^\W\d_]+)*", line):
            raise ValueError(f"{source}:{number}: not a word with hyphens: {raw.strip()!r}")
        parts = line.lower().split("-")
        offsets, at = [], 0
        for part in parts[:-1]:
            at += len(part)
            offsets.append(at)
        result["".join(parts)] = tuple(offsets)
    return result


def hyphenate(word: str, lang: str, *, hyphen: str = "-") -> str:
    """``word`` with ``hyphen`` at every break point: the exception list first, then pyphen."""
    offsets = exceptions(lang).get(word.lower())
    if offsets is None:
        sup = support(lang)
        if not sup.available:
            return word
        return _pyphen(sup.dictionary).inserted(word, hyphen=hyphen)
    return _insert(word, offsets, hyphen)


@cache
def _pyphen(dictionary: str) -> pyphen.Pyphen:
    return pyphen.Pyphen(lang=dictionary)


def _insert(word: str, offsets: tuple[int, ...], hyphen: str) -> str:
    out, last = [], 0
    for at in offsets:
        out.append(word[last:at])
        last = at
    out.append(word[last:])
    return hyphen.join(out)


@cache
def _pattern(lang: str) -> re.Pattern[str] | None:
    words = exceptions(lang)
    if not words:
        return None
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<![\w\u00ad-])(?:{alternatives})(?![\w\u00ad-])", re.IGNORECASE)


def _lang_of(element) -> str | None:
    return element.get("lang") or element.get(XML_LANG)


#: Classes whose text is never hyphenated (the clinic's name and tagline, covers).
_NEVER_BROKEN = frozenset(
    {
        "masthead",
        "clinic",
        "clinic-name",
        "tagline",
        "cover-clinic",
        "cover-tagline",
        "titlepage-clinic",
        "titlepage-tagline",
    }
)


def apply_exceptions(root, lang: str) -> int:
    """Wrap every exception word under ``root`` (an lxml element) for ``lang``; return the count.

    Only text whose language (``lang`` attribute, inherited) is ``lang`` is
    touched; links, abbreviations and code are left alone.
    """
    pattern = _pattern(lang)
    if pattern is None:
        return 0
    base = _base(lang)
    words = exceptions(lang)
    count = 0

    def wrap(text: str):
        """Split ``text`` into plain strings and span elements."""
        nonlocal count
        pieces: list = []
        last = 0
        for match in pattern.finditer(text):
            pieces.append(text[last : match.start()])
            word = match.group(0)
            span = root.makeelement(f"{{{XHTML_NS}}}span", {"class": EXCEPTION_CLASS})
            span.text = _insert(word, words[word.lower()], SOFT_HYPHEN)
            pieces.append(span)
            last = match.end()
            count += 1
        pieces.append(text[last:])
        return pieces

    def visit(element, current: str) -> None:
        local = element.tag.rsplit("}", 1)[-1] if isinstance(element.tag, str) else ""
        if not local or local in _SKIP or set((element.get("class") or "").split()) & _NEVER_BROKEN:
            return
        own = _lang_of(element)
        current = _base(own) if own else current
        children = list(element)
        if current == base and element.text and pattern.search(element.text):
            pieces = wrap(element.text)
            element.text = pieces[0]
            _insert_pieces(element, 0, pieces[1:])
        for child in children:
            visit(child, current)
            if current == base and child.tail and pattern.search(child.tail):
                pieces = wrap(child.tail)
                child.tail = pieces[0]
                _insert_pieces(element, element.index(child) + 1, pieces[1:])

    visit(root, _base(_lang_of(root) or lang))
    return count


def _insert_pieces(parent, index: int, pieces: list) -> None:
    """Insert alternating span/str ``pieces`` into ``parent`` at ``index``."""
    for piece in pieces:
        if isinstance(piece, str):
            if index == 0:
                parent.text = (parent.text or "") + piece
            else:
                prev = parent[index - 1]
                prev.tail = (prev.tail or "") + piece
        else:
            parent.insert(index, piece)
            index += 1
