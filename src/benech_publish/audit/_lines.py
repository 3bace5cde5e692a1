"""The line reader: a content stream in the form pydyf writes, read without a tokeniser.

Takes: the decoded bytes of one content stream. Gives: its events (the
operators the audit reads, as :data:`Event` tuples) or None. WeasyPrint writes
content through pydyf one operator per line with its operands (a
marked-content tag and its property list each on a line of their own before
``BDC``). Every line is checked against a strict grammar of that form:
numbers, names without ``#`` escapes, hex strings, literal strings in property
lists, operators it knows. A line that does not fit (an unknown operator, a
tag or property list on the line of another operator, a comment, an inline
image, a text string other than UTF-16BE or printable ASCII ...) makes it give
up on the whole stream: :mod:`.content` then has qpdf tokenise it. Nothing
here reads PDF objects; resource names are looked up by :mod:`.content`.

What is cheap here is what costs the audit of a leaflet most: a line whose
operator takes no operands is one dictionary look-up; the number operands of
every line are checked at once at the end (one possessive regular
expression); a ``TJ`` array is checked by one and its strings are joined with
byte operations; lines that repeat (fonts, graphics states, colours) are
checked once."""

from __future__ import annotations

import binascii
import re
from collections.abc import Iterator
from typing import Any, NamedTuple


class Props(NamedTuple):
    """What a marked-content property list says (read from a dictionary)."""

    mcid: int | None
    actual_text: str | None
    lang: str | None
    #: Which of /ActualText, /Alt, /E it has (each is a Span's replacement text).
    texts: tuple[str, ...]


SPAN_TEXTS = ("/ActualText", "/Alt", "/E")
#: An event: (kind, argument). Kinds: "mc" (tag, Props | resource name | None),
#: "end", "font" (resource name), "tm" (baseline), "td" (vertical move), "t*",
#: "show" (string bytes), "paint", "do" (resource name), "!" (why an operator is unreadable).
Event = tuple[str, Any]


_NUM = rb"[-+]?(?:\d+\.?\d*|\.\d+)(?![\d.])"
#: A name without #-escapes, in printable ASCII (anything else goes to qpdf).
_NAME = rb"/[!$&'*+,\-.0-9:;=?@A-Z^_`a-z|~\"]+"
#: Operands that are numbers, each followed by one space (so no look-ahead is needed;
#: possessive: a number never gives back what it matched, there is no space in it).
_NUMBERS = re.compile(rb"(?:[-+]?+(?:\d++(?:\.\d*+)?+|\.\d++) )*+")
_PRINTABLE = re.compile(rb"[\t\n\r -~]*")
_NAME_ONLY = re.compile(_NAME + rb" ")
_NAME_LINE = re.compile(_NAME)
_DASH = re.compile(rb"\[(?:" + _NUM + rb"(?: " + _NUM + rb")*)?\] " + _NUM + rb" ")
_COLOUR = re.compile(rb"(?:" + _NUM + rb" )*(?:" + _NAME + rb" )?")
_TF = re.compile(rb"(" + _NAME + rb") " + _NUM + rb" ")
#: The operands of TJ: an array of hex strings of whole bytes, with a number (or
#: nothing) before, between and after them. Possessive: nothing to backtrack.
_KERN = rb"(?:-?\d++(?:\.\d++)?+)?+"
_TJ = re.compile(rb"\[(?:" + _KERN + rb"<(?:[0-9A-Fa-f]{2})*+>)*+" + _KERN + rb"\] ")
_TJ_ONE = re.compile(rb"<([0-9A-Fa-f]*)> |\(([ -'*-\[\]-~]*)\) ")
#: The property list the tag repairs write, read without the general parser.
_COMMON_PROPS = re.compile(rb"<</MCID (\d+)(?:/ActualText \(([ -'*-\[\]-~]*)\))?>>")
#: Property-list tokens: a name, then a value (an integer, a name, a literal string
#: without nested parentheses, a hex string).
_PROP = re.compile(
    rb"(" + _NAME + rb")\s*(?:([-+]?\d+)(?![\d.])|(" + _NAME + rb")|\(((?:[^()\\]|\\[\s\S])*)\)|<([0-9A-Fa-f]*)>)\s*"
)
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f", b"(": b"(", b")": b")", b"\\": b"\\"}
_ESCAPE = re.compile(rb"\\([0-7]{1,3}|[\s\S])")

_END: Event = ("end", None)
_PAINT: Event = ("paint", None)
_NEXT_LINE: Event = ("t*", None)
#: An operator alone on its line: the event it makes, or () when the audit does not read it.
_ALONE: dict[bytes, Event | tuple[()]] = {
    **dict.fromkeys(
        b"q Q n W W* h BT ET cm re m l c v y rg RG g G k K w J j M i Tc Tw Tz TL Ts Tr sc SC d0 d1 scn SCN".split(), ()
    ),
    **dict.fromkeys(b"f F f* S s B B* b b*".split(), _PAINT),
    b"EMC": _END,
    b"T*": _NEXT_LINE,
}
#: What the line reader does with an operator after operands: 0 nothing (numbers only,
#: checked at once), 1 nothing (one name), 2 nothing (a dash array), 3 nothing (colour
#: operands), or an event's kind. An operator of neither table, or of _ALONE only (one
#: that takes no operands), makes the reader give up.
_LINE_OPS: dict[bytes, int | str] = {
    **dict.fromkeys(
        b"q Q n W W* h BT ET cm re m l c v y rg RG g G k K w J j M i Tc Tw Tz TL Ts Tr sc SC d0 d1".split(), 0
    ),
    **dict.fromkeys(b"gs cs CS ri".split(), 1),
    b"d": 2,
    b"scn": 3,
    b"SCN": 3,
    b"sh": "sh",
    b"Tf": "Tf",
    b"Tm": "Tm",
    b"Td": "Td",
    b"TD": "Td",
    b"Tj": "Tj",
    b"TJ": "TJ",
    b"Do": "Do",
}


class _NotLineForm(Exception):
    """A stream the line reader does not read (qpdf reads it)."""


def _text_string(raw: bytes) -> str:
    """A PDF text string's text, for the cases read here: UTF-16BE with its BOM, or
    printable ASCII (where PDFDocEncoding is ASCII); anything else goes to qpdf."""
    if raw.startswith(b"\xfe\xff"):
        if len(raw) % 2:
            raise _NotLineForm
        try:
            return raw[2:].decode("utf-16-be")
        except UnicodeDecodeError as exc:
            raise _NotLineForm from exc
    if not _PRINTABLE.fullmatch(raw):
        raise _NotLineForm
    return raw.decode("ascii")


def _literal(body: bytes) -> bytes:
    """The bytes of a literal string's body (escapes resolved, line ends as PDF reads them)."""
    if b"\r" in body:
        raise _NotLineForm  # end-of-line normalisation: qpdf's business

    def unescape(match: re.Match[bytes]) -> bytes:
        code = match.group(1)
        if code[:1].isdigit():
            return bytes([int(code, 8) & 0xFF])
        if code == b"\n":
            return b""  # a backslash at the end of a line continues the string
        return _ESCAPES.get(code, code)

    return _ESCAPE.sub(unescape, body) if b"\\" in body else body


def _props(text: bytes) -> Props:
    """The property list ``<<...>>`` (the form pydyf writes; anything else goes to qpdf)."""
    body = text[2:-2]
    values: dict[bytes, int | bytes | str] = {}  # an integer, a name, a text string
    position = 0
    while position < len(body):
        match = _PROP.match(body, position)
        if match is None:
            raise _NotLineForm
        key, number, name, literal, hexa = match.groups()
        if key in values:
            raise _NotLineForm
        if number is not None:
            values[key] = int(number)
        elif name is not None:
            values[key] = name
        elif literal is not None:
            values[key] = _text_string(_literal(literal))
        else:
            if len(hexa) % 2:
                raise _NotLineForm
            values[key] = _text_string(bytes.fromhex(hexa.decode("ascii")))
        position = match.end()
    mcid, actual, lang = values.get(b"/MCID"), values.get(b"/ActualText"), values.get(b"/Lang")
    if mcid is not None and not isinstance(mcid, int):
        raise _NotLineForm  # a value of another type: qpdf's reading decides
    if (actual is not None and not isinstance(actual, str)) or (lang is not None and not isinstance(lang, str)):
        raise _NotLineForm
    return Props(mcid, actual, lang, tuple(key for key in SPAN_TEXTS if key.encode() in values))


def line_events(data: bytes) -> list[Event] | None:
    """The events of a content stream in pydyf's line form, or None when any line is
    not of that form (the stream is then read by :func:`qpdf_events`)."""
    try:
        return _line_events(data)
    except _NotLineForm:
        return None


def _line_events(data: bytes) -> list[Event]:
    """Each line is one operator with its operands, or a marked-content tag followed
    (after any empty lines) by ``BMC``, or by a property list (a dictionary or a
    resource name) on a line of its own and then ``BDC``."""
    events: list[Event] = []
    append = events.append
    numbers: list[bytes] = []  # the number operands of the lines read, checked at once
    alone, ops = _ALONE, _LINE_OPS
    fonts: dict[bytes, Event] = {}  # Tf lines read (they repeat)
    checked: set[bytes] = set()  # lines with a name, a dash or colours, checked once (they repeat)
    tags: dict[bytes, str] = {}  # marked-content tag lines read (they repeat)
    lines = iter(data.split(b"\n"))
    for line in lines:
        cut = line.rfind(b" ") + 1
        if not cut:  # an operator without operands, a tag, or nothing
            event = alone.get(line)
            if event is None:
                if not line:
                    continue
                if line[:1] != b"/":
                    raise _NotLineForm
                append(_marked(line, lines, tags))
            elif event:
                append(event)
            continue
        action = ops.get(line[cut:])
        if action == 0:  # numbers and an operator not read here
            numbers.append(line[:cut])
        elif action == "TJ":
            if not _TJ.fullmatch(line, 0, cut):
                raise _NotLineForm
            append(("show", binascii.unhexlify(b"".join(line[1 : cut - 2].replace(b">", b"<").split(b"<")[1::2]))))
        elif action == "Tm":  # six numbers: the baseline is the last
            numbers.append(line[:cut])
            if line.count(b" ", 0, cut) != 6:
                raise _NotLineForm
            append(("tm", round(_number(line[line.rfind(b" ", 0, cut - 1) + 1 : cut - 1]), 2)))
        elif action == "Tf":
            font = fonts.get(line)
            if font is None:
                match = _TF.fullmatch(line, 0, cut)
                if match is None:
                    raise _NotLineForm
                font = fonts[line] = ("font", match.group(1).decode("ascii"))
            append(font)
        elif action == "Td":  # two numbers: the vertical move is the second
            numbers.append(line[:cut])
            if line.count(b" ", 0, cut) != 2:
                raise _NotLineForm
            append(("td", _number(line[line.index(b" ") + 1 : cut - 1])))
        elif action == 1 or action == "sh" or action == "Do":
            if line not in checked:
                if not _NAME_ONLY.fullmatch(line, 0, cut):
                    raise _NotLineForm
                checked.add(line)
            if action == "Do":
                append(("do", line[: cut - 1].decode("ascii")))
            elif action == "sh":
                append(_PAINT)
        elif action == "Tj":
            match = _TJ_ONE.fullmatch(line, 0, cut)
            if match is None:
                raise _NotLineForm
            hexa, literal = match.groups()
            if hexa is not None:
                if len(hexa) % 2:
                    raise _NotLineForm
                append(("show", bytes.fromhex(hexa.decode("ascii"))))
            else:
                append(("show", literal))
        elif action == 2 or action == 3:
            if line not in checked:
                if not (_DASH if action == 2 else _COLOUR).fullmatch(line, 0, cut):
                    raise _NotLineForm
                checked.add(line)
        else:  # an operator it does not know, or one that takes no operands (BMC, EMC ...)
            raise _NotLineForm
    if not _NUMBERS.fullmatch(b"".join(numbers)):
        raise _NotLineForm
    return events


def _number(text: bytes) -> float:
    """A number operand (its form is checked with the others', at the end)."""
    try:
        return float(text)
    except ValueError as exc:
        raise _NotLineForm from exc


def _marked(tag_line: bytes, lines: Iterator[bytes], tags: dict[bytes, str]) -> Event:
    """The event of the marked-content operator whose tag is ``tag_line``, reading the
    lines that follow it: ``BMC``, or a property list and ``BDC`` (empty lines between
    are skipped, as a tokeniser does). ``tags``: the tag lines read so far."""
    tag = tags.get(tag_line)
    if tag is None:
        if _NAME_LINE.fullmatch(tag_line) is None:
            raise _NotLineForm
        tag = tags[tag_line] = tag_line[1:].decode("ascii")
    operand = next(lines, None)
    while operand == b"":
        operand = next(lines, None)
    if operand == b"BMC":
        return ("mc", (tag, None))
    operator = next(lines, None)
    while operator == b"":
        operator = next(lines, None)
    if operand is None or operator != b"BDC":
        raise _NotLineForm
    if operand[:2] == b"<<" and operand[-2:] == b">>":
        common = _COMMON_PROPS.fullmatch(operand)
        if common is None:
            return ("mc", (tag, _props(operand)))
        mcid, actual = common.groups()
        if actual is None:
            return ("mc", (tag, Props(int(mcid), None, None, ())))
        return ("mc", (tag, Props(int(mcid), actual.decode("ascii"), None, ("/ActualText",))))
    if _NAME_LINE.fullmatch(operand) is None:
        raise _NotLineForm
    return ("mc", (tag, operand.decode("ascii")))
