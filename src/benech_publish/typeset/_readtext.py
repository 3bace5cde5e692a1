"""The text a reader must get from each marked-content sequence: ``/ActualText`` values.

Takes: the text runs of a document in reading order (:class:`Run`: one per
marked-content sequence of text, with what the layout recorded about the
line it ends, see :mod:`._breaks`). Gives: ``{(page, mcid): text}`` for every
run whose glyphs alone would be read wrong (:func:`actual_texts`); pure, no
WeasyPrint.

The rules (ISO 32000-1 14.8.2.5 and 14.9.4), applied per *flow* (the lines of
one block element, across pages):

* a word the layout broke over lines is read once, whole, from the run where
  it begins: an inserted hyphen (and any soft hyphen U+00AD) is dropped, the
  fragments on the following lines are moved into that run and removed from
  theirs — also when a middle line holds nothing but a fragment
  (``mono‐ | ultramicro‐ | scopic``), and when the line break falls after a
  real hyphen (``X- | ray`` reads ``X-ray``, hyphen kept) or at a ``<wbr>``
  in an address (nothing added; the zero-width space U+200B WeasyPrint puts
  for a ``<wbr>`` is not read either);
* a line that ends at source white space or a forced break (``<br>``) ends
  with a space in the read text, so the last word of a line and the first of
  the next are two words; so does the last run of a flow (a block, an
  absolutely positioned box such as a contents page number);
* two runs on one line with a visible gap between them and no white space
  (a table-of-contents entry and its page number) are separated by a space;
* a run left with nothing to read, or with only white space (WeasyPrint may
  draw no glyph for it), gets ``" "``: an empty ``/ActualText`` is ignored by
  some readers (pdfium), which would read the moved fragment twice.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Run", "actual_texts"]


@dataclass(frozen=True)
class Run:
    """One marked-content sequence of text, in reading order."""

    key: tuple[int, int]  # (page index, MCID)
    text: str  # the text its glyphs show (hyphenate character included)
    line: int  # serial number of its line box in reading order
    flow: int  # serial number of the block element whose lines it is in
    break_after: str | None = None  # "hyphen" | "space" | "none" when it ends a line mid-text
    line_space: bool = False  # its line's trailing white space was removed by the layout
    space_before: bool = False  # white space before it was dropped at a line start
    gap_before: bool = False  # visually separated from the previous run on its line
    hyphen: str = "\u2010"  # the hyphenate character in effect


def _line_break(run: Run, following: Run) -> str:
    """How run ``run`` (last of its line) connects to ``following`` (first of the next)."""
    if run.break_after == "hyphen":
        return "hyphen"
    if run.break_after == "space" or run.line_space or following.space_before:
        return "space"
    return "none"


def _leading_word(text: str) -> str:
    end = 0
    while end < len(text) and not text[end].isspace():
        end += 1
    return text[:end]


def actual_texts(runs: list[Run]) -> dict[tuple[int, int], str]:
    """``/ActualText`` for each run whose shown text differs from what must be read."""
    count = len(runs)
    read: list[str] = []
    joins: list[str] = []  # the break after each run: "", "hyphen", "space", "none"
    for index, run in enumerate(runs):
        text = run.text
        following = runs[index + 1] if index + 1 < count else None
        kind = ""
        if following is not None and following.flow == run.flow and following.line != run.line:
            kind = _line_break(run, following)
        elif following is not None and following.flow != run.flow:
            kind = "space"  # another block or an out-of-flow box: never one word with this
        if kind == "hyphen" and run.hyphen and text.endswith(run.hyphen):
            text = text[: -len(run.hyphen)]
        read.append(text.replace("\u00ad", "").replace("\u200b", ""))
        joins.append(kind)

    # Inside a line: a visible gap with no white space on either side is a word space.
    for index in range(1, count):
        run, previous = runs[index], runs[index - 1]
        if (
            run.gap_before
            and run.line == previous.line
            and read[index - 1]
            and read[index]
            and not read[index - 1][-1].isspace()
            and not read[index][0].isspace()
        ):
            read[index - 1] += " "

    # Words broken over lines: the whole word goes to the run where it begins.
    index = 0
    while index < count:
        if joins[index] not in ("hyphen", "none"):
            index += 1
            continue
        k = index + 1
        while k < count:
            fragment = _leading_word(read[k])
            read[index] += fragment
            read[k] = read[k][len(fragment) :]
            if read[k]:
                break  # the word ends inside run k
            if joins[k] in ("hyphen", "none"):
                k += 1  # run k was a middle fragment: the word goes on at the next line
                continue
            if (
                not joins[k]
                and k + 1 < count
                and runs[k + 1].line == runs[k].line
                and runs[k + 1].flow == runs[k].flow
                and not runs[k + 1].gap_before
            ):
                k += 1  # the word goes on in the next run of the same line (em, a ...)
                continue
            break
        index = max(k, index + 1)

    for index in range(count):
        if joins[index] == "space" and not (read[index] and read[index][-1].isspace()):
            read[index] += " "

    result: dict[tuple[int, int], str] = {}
    for run, text in zip(runs, read, strict=True):
        if text != run.text or text.isspace():
            # A run of only white space may show no glyph at all: say it is a space.
            result[run.key] = text if text.strip() else " "
    return result
