"""Reading a page's content streams: marked content, its text, content neither tagged nor an artifact.

Takes: a page of an open ``pikepdf.Pdf`` (Form XObjects it paints are read too)
and the fonts met so far. Gives: a :class:`PageContent`: every marked-content
sequence with an MCID (:class:`Mark`: tag, text decoded through the font's
ToUnicode CMap, ``/ActualText``, baseline, ``/Lang``) and counters for text and
graphics outside both tagged content and artifacts, artifacts nested in tagged
content and the reverse; and, per :class:`Font`, the character codes shown.

**Two readers, one meaning.** Every stream is first offered to the *line
reader*, made for the form in which WeasyPrint (through pydyf) writes content:
one operator per line with its operands, a marked-content tag and property
list on the lines before ``BDC``. It checks **every** line against a strict
grammar of that form (numbers, names, hex strings, simple property lists; an
operator it does not know, a literal string with escapes, an operand left over
before an operator, a comment: anything else) and, when one line does not fit,
gives up on the whole stream, which is then tokenised by qpdf
(``pikepdf.parse_content_stream``), the *general reader*. Both turn the
operators into the same events for one :class:`_Reader`, so what is found does
not depend on which reader read a stream: ``tests/test_audit_content.py``
checks that both give the same :class:`PageContent` for every page of PDFs
the pipeline makes and for generated streams. The line reader is about five
times faster: the audit of every PDF the build writes is mostly this reading.
"""

from __future__ import annotations

import array
import binascii
import itertools
import re
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import pikepdf

from ._lines import SPAN_TEXTS, Event, Props, line_events
from .objects import Key, key_of, name_text


@dataclass
class Mark:
    """One marked-content sequence with an MCID."""

    page: int
    mcid: int
    tag: str
    text: str = ""
    actual_text: str | None = None
    y: float | None = None
    lang: str | None = None

    @property
    def read(self) -> str:
        return self.actual_text if self.actual_text is not None else self.text


@dataclass
class PageContent:
    marks: dict[int, Mark] = field(default_factory=dict)
    duplicate_mcids: set[int] = field(default_factory=set)
    untagged_text: int = 0
    untagged_graphics: int = 0
    artifact_in_tagged: int = 0
    tagged_in_artifact: int = 0
    langs: list[str] = field(default_factory=list)  # /Lang of marked-content property lists
    #: Span marked content with /ActualText, /Alt or /E and no /Lang in effect:
    #: (the key, the mark it belongs to, if any)
    span_texts: list[tuple[str, Mark | None]] = field(default_factory=list)
    unreadable: str | None = None  # why the content stream could not be parsed
    #: Streams read by the line reader and by qpdf (which reader is not a finding).
    line_read: int = 0
    qpdf_read: int = 0


class Font:
    """A font the pages show text with, and the character codes they show."""

    def __init__(self, font: Any):
        self.obj = font
        self.name = name_text(font.get("/BaseFont", "/unknown"))
        self.two_byte = font.get("/Subtype") == "/Type0"
        self.to_unicode: dict[int, str] = {}
        self.has_to_unicode = "/ToUnicode" in font
        self.to_unicode_error: str | None = None
        self.used: set[int] = set()
        if self.has_to_unicode:
            try:
                self.to_unicode = parse_cmap(font.ToUnicode.read_bytes())
            except (pikepdf.PdfError, AttributeError, ValueError, TypeError) as exc:
                self.to_unicode_error = f"{type(exc).__name__}: {exc}"

    def decode(self, data: bytes) -> str:
        """The text of the codes in ``data`` (U+FFFD where a code has no mapping)."""
        codes: Sequence[int]
        if self.two_byte:  # big-endian 16-bit codes (an odd last byte is no code)
            codes = array.array("H", data[: len(data) // 2 * 2])  # "H": two bytes in CPython everywhere
            if _LITTLE_ENDIAN:
                codes.byteswap()
        else:
            codes = data
        self.used.update(codes)
        table = self.to_unicode
        try:
            return "".join(map(table.__getitem__, codes))
        except KeyError:  # codes without a mapping
            return "".join(
                table[code] if code in table else chr(code) if not self.two_byte and 32 <= code < 127 else "\ufffd"
                for code in codes
            )


_LITTLE_ENDIAN = sys.byteorder == "little"
_HEX_DIGITS = b"0123456789abcdefABCDEF"
_HEX = re.compile(rb"<([0-9A-Fa-f\s]*)>")
_RANGE = re.compile(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(\[[^\]]*\]|<[0-9A-Fa-f]*>)")
#: A bfrange wider than this is damaged (a CMap maps at most 65,536 two-byte codes).
_MAX_RANGE = 0x10000


def _hex_to_int(token: bytes) -> int:
    try:
        return int(token or b"0", 16)
    except ValueError:  # white space inside the token
        return int(b"".join(token.split()) or b"0", 16)


def _hex_to_text(token: bytes) -> str:
    try:
        raw = binascii.unhexlify(token)
    except (binascii.Error, ValueError):  # white space inside, or an odd number of digits
        raw = bytes.fromhex(b"".join(token.split()).decode("ascii"))
    return raw.decode("utf-16-be", errors="replace")


def bfchar_pairs(tokens: list[bytes]) -> Iterable[tuple[int, str]]:
    """(code, text) for the hex tokens of a bfchar block, in pairs (a last odd one is
    dropped). When every token is four hex digits and every target one UTF-16 unit (the
    form subset fonts' CMaps take), the targets are decoded at once."""
    sources, targets = tokens[::2], tokens[1::2]
    if (
        len(sources) == len(targets)
        and set(map(len, tokens)) == {4}
        and not b"".join(tokens).translate(None, _HEX_DIGITS)
    ):
        text = binascii.unhexlify(b"".join(targets)).decode("utf-16-be", errors="replace")
        if len(text) == len(targets):  # no surrogate pair across two targets
            return zip(map(int, sources, itertools.repeat(16)), text, strict=True)
    return zip(map(_hex_to_int, sources), map(_hex_to_text, targets), strict=False)


def parse_cmap(data: bytes) -> dict[int, str]:
    """The code -> text mapping of a ToUnicode CMap (bfchar and bfrange)."""
    mapping: dict[int, str] = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", data, re.S):
        mapping.update(bfchar_pairs(_HEX.findall(block)))
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", data, re.S):
        for line in _RANGE.finditer(block):
            start, end = int(line.group(1), 16), int(line.group(2), 16)
            if not 0 <= end - start < _MAX_RANGE:
                raise ValueError(f"bfrange <{start:X}> <{end:X}> is not a valid range")
            target = line.group(3)
            if target.startswith(b"["):
                for offset, token in enumerate(_HEX.findall(target)):
                    mapping[start + offset] = _hex_to_text(token)
            else:
                base = bytes.fromhex(target[1:-1].decode("ascii"))
                first = int.from_bytes(base, "big")
                for offset in range(end - start + 1):
                    value = (first + offset).to_bytes(max(len(base), 2), "big")
                    mapping[start + offset] = value.decode("utf-16-be", errors="replace")
    return mapping


# ----------------------------------------------------------------------------
# Events: what either reader makes of the operators the audit reads.


_PAINT = {"f", "F", "f*", "S", "s", "B", "B*", "b", "b*", "sh"}
_NO_OPERANDS = frozenset(_PAINT - {"sh"}) | {"EMC", "T*"}
#: The only operators the general reader asks qpdf for (the rest is filtered out while parsing).
_OPERATORS = " ".join(sorted(_PAINT | {"BMC", "BDC", "EMC", "Tf", "Tm", "Td", "TD", "T*", "Tj", "TJ", "'", '"', "Do"}))


def props_of(props: Any) -> Props | None:
    """The :class:`Props` of a pikepdf property list; None when it is not a dictionary."""
    if not isinstance(props, pikepdf.Dictionary):
        return None
    return Props(
        int(props.MCID) if "/MCID" in props else None,
        str(props.ActualText) if "/ActualText" in props else None,
        str(props.Lang) if "/Lang" in props else None,
        tuple(key for key in SPAN_TEXTS if key in props),
    )


_TJ_HEX = re.compile(rb"<([0-9A-Fa-f\s]*)>")


def _tj_bytes(array: Any) -> bytes:
    """The bytes of a TJ array's strings, joined (numbers between them dropped).

    Reading the array's unparsed form is much faster than visiting each item; an array
    with literal strings (parentheses that are not empty) is read item by item."""
    raw = array.unparse()
    if b"(" not in raw.replace(b"()", b""):
        return bytes.fromhex(b"".join(_TJ_HEX.findall(raw)).replace(b" ", b"").decode("ascii"))
    return b"".join(bytes(item) for item in array if isinstance(item, pikepdf.String))


def _qpdf_event(op: str, operands: Any) -> Event | None:
    if op in ("BMC", "BDC"):
        tag = name_text(operands[0]) if operands else ""
        props = operands[1] if op == "BDC" and len(operands) > 1 else None
        if isinstance(props, pikepdf.Name):
            return ("mc", (tag, str(props)))
        return ("mc", (tag, props_of(props)))
    if op == "EMC":
        return ("end", None)
    if op == "Tf":
        return ("font", str(operands[0]))
    if op == "Tm":
        return ("tm", round(float(operands[5]), 2))
    if op in ("Td", "TD"):
        return ("td", float(operands[1]))
    if op == "T*":
        return ("t*", None)
    if op in ("Tj", "'", '"'):
        return ("show", bytes(operands[-1]))
    if op == "TJ":
        return ("show", _tj_bytes(operands[0]))
    if op == "Do":
        return ("do", str(operands[0]))
    if op in _PAINT:
        return ("paint", None)
    return None


def qpdf_events(container: Any) -> Iterator[Event]:
    """The events of a content stream (a page or a Form XObject) tokenised by qpdf.

    Raises what qpdf raises when the stream cannot be tokenised; an operator whose
    operands are malformed is an ``"!"`` event and reading goes on."""
    for instruction in pikepdf.parse_content_stream(container, _OPERATORS):
        op = str(instruction.operator)
        try:
            event = _qpdf_event(op, () if op in _NO_OPERANDS else instruction.operands)
        except (IndexError, TypeError, ValueError, AttributeError, pikepdf.PdfError) as exc:
            event = ("!", f"operator {op}: {type(exc).__name__}")
        if event is not None:
            yield event


# ----------------------------------------------------------------------------
# Reading a page.


class _Open(NamedTuple):
    """One open marked-content sequence while a content stream is read, with the state
    it leaves: the innermost tagged mark, whether inside tagged content, inside an artifact."""

    mark: Mark | None
    tagged: bool
    artifact: bool
    lang: str | None  # the marked-content /Lang in effect


_OUTSIDE = _Open(None, False, False, None)
#: Form XObjects nested deeper than this are not read (a loop or a hostile file).
_MAX_FORM_DEPTH = 8


def read_page(page: Any, fonts: dict[Key, Font], *, line_reader: bool = True) -> PageContent:
    """The marked content of ``page`` (a ``pikepdf.Page``); ``fonts`` collects the fonts
    shown. ``line_reader=False`` reads every stream with qpdf (the tests compare)."""
    content = PageContent()
    _Reader(content, fonts, line_reader).read(page, page.obj.get("/Resources"), 0, set())
    return content


def _lookup(resources: Any, category: str, name: Any) -> Any:
    if not isinstance(resources, pikepdf.Dictionary):
        return None
    table = resources.get(category)
    if not isinstance(table, pikepdf.Dictionary):
        return None
    return table.get(str(name))


def _stream_bytes(container: Any) -> bytes | None:
    """The decoded bytes of a page's content (its streams joined) or a Form XObject's;
    None when they cannot be had simply (qpdf reads it then)."""
    try:
        if isinstance(container, pikepdf.Page):
            contents = container.obj.get("/Contents")
            if isinstance(contents, pikepdf.Stream):
                return contents.read_bytes()
            if isinstance(contents, pikepdf.Array) and all(isinstance(s, pikepdf.Stream) for s in contents):
                return b"\n".join(s.read_bytes() for s in contents)
            return None
        return container.read_bytes() if isinstance(container, pikepdf.Stream) else None
    except (pikepdf.PdfError, ValueError, TypeError):
        return None


class _Reader:
    """Turns the events of a page's streams into its :class:`PageContent`."""

    def __init__(self, content: PageContent, fonts: dict[Key, Font], line_reader: bool):
        self.content = content
        self.fonts = fonts
        self.line_reader = line_reader
        self.stack: list[_Open] = []

    def read(self, container: Any, resources: Any, depth: int, visiting: set[Key]) -> None:
        events: Iterable[Event] | None = None
        if self.line_reader:
            data = _stream_bytes(container)
            events = line_events(data) if data is not None else None
        if events is None:
            self.content.qpdf_read += 1
            try:
                events = list(qpdf_events(container))
            except (pikepdf.PdfError, TypeError, ValueError) as exc:
                self.content.unreadable = f"{type(exc).__name__}: {exc}"
                return
        else:
            self.content.line_read += 1
        self._run(events, resources, depth, visiting)

    def _run(self, events: Iterable[Event], resources: Any, depth: int, visiting: set[Key]) -> None:
        content = self.content
        stack = self.stack
        fonts = self.fonts
        font: Font | None = None
        line_y: float | None = None
        by_name: dict[str, Font | None] = {}  # the stream's font resources, looked up once
        for kind, value in events:
            try:
                if kind == "show":
                    if font is None:
                        continue
                    mark, _, artifact, _ = stack[-1] if stack else _OUTSIDE
                    text = font.decode(value)
                    if mark is not None:
                        mark.text += text
                        if mark.y is None:
                            mark.y = line_y
                    elif not artifact and text.strip():
                        content.untagged_text += 1
                elif kind == "mc":
                    tag, props = value
                    self._begin(tag, props, resources)
                elif kind == "end":
                    if stack:
                        stack.pop()
                elif kind == "font":
                    if value not in by_name:
                        font_obj = _lookup(resources, "/Font", value)
                        by_name[value] = None
                        if isinstance(font_obj, pikepdf.Dictionary):
                            key = key_of(font_obj)
                            if key not in fonts:
                                fonts[key] = Font(font_obj)
                            by_name[value] = fonts[key]
                    font = by_name[value]
                elif kind == "tm":
                    line_y = value
                elif kind == "td":
                    if line_y is not None and value:
                        line_y = round(line_y + value, 2)
                elif kind == "t*":
                    line_y = None if line_y is None else line_y - 1
                elif kind == "paint" or kind == "do":
                    if kind == "do":
                        xobject = _lookup(resources, "/XObject", value)
                        if isinstance(xobject, pikepdf.Stream) and xobject.get("/Subtype") == "/Form":
                            key = key_of(xobject)
                            if key not in visiting and depth < _MAX_FORM_DEPTH:
                                visiting.add(key)
                                self.read(xobject, xobject.get("/Resources", resources), depth + 1, visiting)
                                visiting.discard(key)
                            continue
                    _, tagged, artifact, _ = stack[-1] if stack else _OUTSIDE
                    if not tagged and not artifact:
                        content.untagged_graphics += 1
                elif kind == "!":
                    content.unreadable = content.unreadable or value
            except (IndexError, TypeError, ValueError, AttributeError, pikepdf.PdfError) as exc:
                # A malformed operand or resource: note it and read on.
                content.unreadable = content.unreadable or f"operator {kind}: {type(exc).__name__}"

    def _begin(self, tag: str, props: Props | str | None, resources: Any) -> None:
        content = self.content
        stack = self.stack
        if isinstance(props, str):  # a property list in the resources
            props = props_of(_lookup(resources, "/Properties", props))
        mcid = actual = lang = None
        if props is not None:
            mcid, actual, lang = props.mcid, props.actual_text, props.lang
            if lang is not None:
                content.langs.append(lang)
        is_artifact = tag == "Artifact"
        enclosing, tagged, artifact, inherited = stack[-1] if stack else _OUTSIDE
        lang = lang or inherited
        if is_artifact and tagged:
            content.artifact_in_tagged += 1
        if mcid is not None and artifact:
            content.tagged_in_artifact += 1
        mark = None
        if mcid is not None and not is_artifact:
            if mcid in content.marks:
                content.duplicate_mcids.add(mcid)
            mark = Mark(page=-1, mcid=mcid, tag=tag, actual_text=actual, lang=lang)
            content.marks[mcid] = mark
        elif actual is not None and enclosing is not None:
            # Nested /ActualText without MCID: replace the enclosing text.
            enclosing.text += actual
            mark = Mark(page=-1, mcid=-1, tag=tag)  # swallow content
        if mark is None:
            mark = enclosing
        if tag == "Span" and lang is None and props is not None and props.texts:
            content.span_texts.extend((key, mark) for key in props.texts)
        stack.append(_Open(mark, tagged or mark is not None, artifact or is_artifact, lang))
