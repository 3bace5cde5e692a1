"""The line reader: a content stream in the form pydyf writes, read without a tokeniser.

Takes: the decoded bytes of one content stream. Gives: its events (the
operators the audit reads, as :data:`Event` tuples) or None. WeasyPrint writes
content through pydyf one operator per line with its operands (a
marked-content tag and property list on the lines before ``BDC``). Every line
is checked against a strict grammar of that form: numbers, names without
``#`` escapes, hex strings, literal strings in property lists, operators it
knows. A line that does not fit (an unknown operator, an operand left over
before an operator other than ``BMC``/``BDC``, a comment, an inline image, a
text string other than UTF-16BE or printable ASCII ...) makes it give up on the
whole stream: :mod:`.content` then has qpdf tokenise it. Nothing here reads
PDF objects; resource names are looked up by :mod:`.content`.
"""

from __future__ import annotations

import binascii
import re
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
#: Operands that are numbers, each followed by one space (so no look-ahead is needed).
_NUMBERS = re.compile(rb"(?:[-+]?(?:\d+\.?\d*|\.\d+) )*")
_PRINTABLE = re.compile(rb"[\t\n\r -~]*")
_NAME_ONLY = re.compile(_NAME + rb" ")
_NAME_LINE = re.compile(_NAME)
_DASH = re.compile(rb"\[(?:" + _NUM + rb"(?: " + _NUM + rb")*)?\] " + _NUM + rb" ")
_COLOUR = re.compile(rb"(?:" + _NUM + rb" )*(?:" + _NAME + rb" )?")
_TF = re.compile(rb"(" + _NAME + rb") " + _NUM + rb" ")
_TM = re.compile(rb"(?:" + _NUM + rb" ){5}(" + _NUM + rb") ")
_TD = re.compile(_NUM + rb" (" + _NUM + rb") ")
_HEX_DIGITS = b"0123456789abcdefABCDEF"
_ODD = (1).__and__  # of a length: odd
#: The numbers between a TJ array's strings (each may be absent), each followed by one space.
_KERNS = re.compile(rb"(?:(?:-?\d+(?:\.\d+)?)? )*")
_TJ_ONE = re.compile(rb"<([0-9A-Fa-f]*)> |\(([ -'*-\[\]-~]*)\) ")
_MC = re.compile(rb"(" + _NAME + rb")\s+(?:(" + _NAME + rb")|(<<.*>>))\s*", re.S)
#: The property list the tag repairs write, read without the general parser.
_COMMON_PROPS = re.compile(rb"<</MCID (\d+)(?:/ActualText \(([ -'*-\[\]-~]*)\))?>>")
_MC_TAG = re.compile(rb"(" + _NAME + rb")\s*")
#: Property-list tokens: a name, then a value (an integer, a name, a literal string
#: without nested parentheses, a hex string).
_PROP = re.compile(
    rb"(" + _NAME + rb")\s*(?:([-+]?\d+)(?![\d.])|(" + _NAME + rb")|\(((?:[^()\\]|\\[\s\S])*)\)|<([0-9A-Fa-f]*)>)\s*"
)
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f", b"(": b"(", b")": b")", b"\\": b"\\"}
_ESCAPE = re.compile(rb"\\([0-7]{1,3}|[\s\S])")

#: What the line reader does with each operator it knows: 0 ignore (numbers only),
#: 1 ignore (one name), 2 ignore (dash array), 3 ignore (colour operands), or an event.
_IGNORE_NUMBERS = dict.fromkeys(
    b"q Q n W W* h BT ET cm re m l c v y rg RG g G k K w J j M i Tc Tw Tz TL Ts Tr sc SC d0 d1".split(), 0
)
_LINE_OPS: dict[bytes, int | str] = {
    **_IGNORE_NUMBERS,
    **dict.fromkeys(b"gs cs CS ri".split(), 1),
    b"d": 2,
    b"scn": 3,
    b"SCN": 3,
    **dict.fromkeys(b"f F f* S s B B* b b*".split(), "paint"),
    b"sh": "sh",
    b"BMC": "BMC",
    b"BDC": "BDC",
    b"EMC": "EMC",
    b"Tf": "Tf",
    b"Tm": "Tm",
    b"Td": "Td",
    b"TD": "Td",
    b"T*": "T*",
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


def _tj(line: bytes, cut: int, kerns: list[bytes]) -> bytes:
    """The bytes of the strings of ``[<hex>number<hex>...] TJ`` (hex strings only: a
    literal string goes to qpdf); the numbers are added to ``kerns`` to be checked.

    Checked with C-level byte operations instead of a regular expression (a TJ line
    is most of a page's bytes): only hex digits, ``.`` and ``-`` inside brackets and
    angle brackets that open and close in turn; every string of hex digits only and
    of even length (an odd one would be padded per string, not per array)."""
    if line[:1] != b"[" or line[cut - 2 : cut] != b"] ":
        raise _NotLineForm
    body = line[1 : cut - 2]
    marks = body.translate(None, _HEX_DIGITS + b".-")
    if marks != b"<>" * (len(marks) // 2):
        raise _NotLineForm
    pieces = body.replace(b">", b"<").split(b"<")
    strings = pieces[1::2]
    joined = b"".join(strings)
    if joined.translate(None, _HEX_DIGITS) or any(map(_ODD, map(len, strings))):
        raise _NotLineForm
    kerns.extend(pieces[0::2])
    return binascii.unhexlify(joined)


def line_events(data: bytes) -> list[Event] | None:
    """The events of a content stream in pydyf's line form, or None when any line is
    not of that form (the stream is then read by :func:`qpdf_events`)."""
    try:
        return _line_events(data)
    except _NotLineForm:
        return None


def _line_events(data: bytes) -> list[Event]:
    events: list[Event] = []
    append = events.append
    pending: list[bytes] = []  # operand lines (a tag, a property list) before BMC/BDC
    numbers: list[bytes] = []  # the operands of the operators read past, checked at once
    kerns: list[bytes] = []  # the numbers in TJ arrays, checked at once
    ops = _LINE_OPS
    for line in data.split(b"\n"):
        cut = line.rfind(b" ") + 1
        action = ops.get(line[cut:])
        if action == 0 and not pending:  # most lines: numbers and an operator not read here
            if cut:
                numbers.append(line[:cut])
            continue
        if action is None:
            if not line:
                continue
            if line.startswith(b"<<") or _NAME_LINE.fullmatch(line):
                pending.append(line)
                continue
            raise _NotLineForm
        if action == "BMC" or action == "BDC":
            if not cut and pending and pending[0][:1] == b"/":  # the tag on its own line (checked when read)
                if action == "BMC" and len(pending) == 1:
                    append(("mc", (pending.pop()[1:].decode("ascii"), None)))
                    continue
                common = _COMMON_PROPS.fullmatch(pending[-1]) if len(pending) == 2 else None
                if common is not None:
                    mcid, actual = common.groups()
                    if actual is None:
                        props = Props(int(mcid), None, None, ())
                    else:
                        props = Props(int(mcid), actual.decode("ascii"), None, ("/ActualText",))
                    append(("mc", (pending[0][1:].decode("ascii"), props)))
                    pending.clear()
                    continue
            operands = b"\n".join([*pending, line[:cut]])
            pending.clear()
            if action == "BMC":
                match = _MC_TAG.fullmatch(operands)
                if match is None:
                    raise _NotLineForm
                append(("mc", (match.group(1)[1:].decode("ascii"), None)))
                continue
            match = _MC.fullmatch(operands)
            if match is None:
                raise _NotLineForm
            tag = match.group(1)[1:].decode("ascii")
            if match.group(2) is not None:
                append(("mc", (tag, match.group(2).decode("ascii"))))
            else:
                append(("mc", (tag, _props(match.group(3)))))
            continue
        if pending:
            raise _NotLineForm  # operands spread over lines: qpdf reads this stream
        if action == 0:
            if cut:
                numbers.append(line[:cut])
        elif action == "paint" or action == "EMC" or action == "T*":
            if cut:
                raise _NotLineForm
            append(("end" if action == "EMC" else "t*" if action == "T*" else "paint", None))
        elif action == "TJ":
            append(("show", _tj(line, cut, kerns)))
        elif action == "Tm":
            match = _TM.fullmatch(line, 0, cut)
            if match is None:
                raise _NotLineForm
            append(("tm", round(float(match.group(1)), 2)))
        elif action == "Tf":
            match = _TF.fullmatch(line, 0, cut)
            if match is None:
                raise _NotLineForm
            append(("font", match.group(1).decode("ascii")))
        elif action == "Td":
            match = _TD.fullmatch(line, 0, cut)
            if match is None:
                raise _NotLineForm
            append(("td", float(match.group(1))))
        elif action == 1 or action == "sh" or action == "Do":
            if not _NAME_ONLY.fullmatch(line, 0, cut):
                raise _NotLineForm
            if action == "sh":
                append(("paint", None))
            elif action == "Do":
                append(("do", line[: cut - 1].decode("ascii")))
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
        elif action == 2:
            if not _DASH.fullmatch(line, 0, cut):
                raise _NotLineForm
        elif action == 3:
            if not _COLOUR.fullmatch(line, 0, cut):
                raise _NotLineForm
    if pending or not _NUMBERS.fullmatch(b"".join(numbers)) or not _KERNS.fullmatch(b" ".join(kerns) + b" "):
        raise _NotLineForm
    return events
