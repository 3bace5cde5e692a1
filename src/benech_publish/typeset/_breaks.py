"""What the line breaker did at each line end: inserted hyphen, source space, or neither.

WeasyPrint 70 lays a text out line by line with
``weasyprint.layout.inline.split_text_box``; the box it returns holds the text
of one line, and the number of source bytes it consumed.  From those two the
kind of break is exact, without guessing from the characters:

* **inserted hyphen** (``"hyphen"``): automatic hyphenation or a soft hyphen
  broke a word; the box text ends with the ``hyphenate-character`` the layout
  *added*, so the box holds more bytes than it consumed from the source.  A
  ``-`` or U+2010 that is in the source ("X-ray", "CT‐scan") consumes its own
  bytes and is never one of these;
* **source white space** (``"space"``): the box consumed more bytes than it
  shows (the trailing spaces the layout dropped at the line end);
* **no white space** (``"none"``): the line ends inside a word without adding
  anything: after a real hyphen, or at a ``<wbr>`` in an address.

Two more facts come from the layout: the spaces WeasyPrint strips from the
last box of a line (``remove_last_whitespace``) and the spaces it skips at the
start of a line (a box resumed after white space) are source white space too.

:func:`install` wraps those two functions once (through the checked door,
:mod:`._weasy`); the wrappers only *record* on the returned boxes and lines
(:data:`BREAK`, :data:`SPACE_BEFORE`, :data:`LINE_SPACE`), so layout and
output of bare WeasyPrint are unchanged.  The tag repairs read the records
with :func:`break_after`, :func:`space_before` and :func:`line_space`.
"""

from __future__ import annotations

from typing import Any

from . import _weasy

#: Attribute on a TextBox that ends a line inside its source text: "hyphen", "space" or "none".
BREAK = "_benech_break"
#: Attribute on a TextBox resumed just after source white space (dropped at the line start).
SPACE_BEFORE = "_benech_space_before"
#: Attribute on a LineBox whose trailing source white space the layout removed.
LINE_SPACE = "_benech_line_space"


def install() -> None:
    """Wrap WeasyPrint's line-breaking functions once so boxes record their break (idempotent)."""
    engine = _weasy.load()

    def split_text_box_of(original_split: _weasy.Function) -> _weasy.Function:
        def split_text_box(context: Any, box: Any, available_width: Any, skip: Any, is_line_start: bool = True) -> Any:
            new_box, resume, preserved = original_split(
                context, box, available_width, skip, is_line_start=is_line_start
            )
            if new_box is not None:
                source = box.text.encode()
                start = skip or 0
                setattr(new_box, SPACE_BEFORE, start > 0 and source[start - 1 : start].isspace())
                kind = None
                if resume is not None:
                    consumed = resume - start
                    shown = len(new_box.text.encode())
                    hyphen = new_box.style["hyphenate_character"] or ""
                    if consumed < shown and hyphen and new_box.text.endswith(hyphen):
                        kind = "hyphen"
                    elif consumed > shown or preserved:
                        kind = "space"
                    else:
                        kind = "none"
                setattr(new_box, BREAK, kind)
            return new_box, resume, preserved

        return split_text_box

    def remove_last_whitespace_of(original_strip: _weasy.Function) -> _weasy.Function:
        def remove_last_whitespace(context: Any, line: Any) -> Any:
            last = _last_text_box(line, engine.boxes)
            before = last.text if last is not None else None
            result = original_strip(context, line)
            if last is not None and last.text != before:
                setattr(line, LINE_SPACE, True)
            return result

        return remove_last_whitespace

    _weasy.replace(engine.inline, "split_text_box", split_text_box_of)
    _weasy.replace(engine.inline, "remove_last_whitespace", remove_last_whitespace_of)


def _last_text_box(line: Any, boxes: Any) -> Any:
    box = line
    while isinstance(box, (boxes.LineBox, boxes.InlineBox)):
        if not box.children:
            return None
        box = box.children[-1]
    return box if isinstance(box, boxes.TextBox) else None


def break_after(box: Any) -> str | None:
    """The break recorded on a text box that ends a line inside its text, else None."""
    value = getattr(box, BREAK, None)
    return value if isinstance(value, str) else None


def space_before(box: Any) -> bool:
    """Whether the layout dropped source white space just before this text box."""
    return bool(getattr(box, SPACE_BEFORE, False))


def line_space(line: Any) -> bool:
    """Whether the layout removed source white space at the end of this line."""
    return bool(getattr(line, LINE_SPACE, False))
