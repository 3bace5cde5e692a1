"""Read a tagged PDF's structure tree and marked content (used by the audit rules and tests).

:func:`read_structure` takes an open ``pikepdf.Pdf`` (or a path or bytes) and returns
a :class:`PdfStructure`: the structure tree as :class:`StructElem` objects (with
role-mapped standard types), every marked-content sequence of every page with its
decoded text (``/ActualText`` honoured) and baseline, counters for content that is
neither tagged nor an artifact, and for every font the character codes the pages
show.  Each page's content stream is parsed exactly once here; the rules work on
the result.  :meth:`PdfStructure.tree_text` reads the text in structure-tree order,
the way assistive technology does.

Only pikepdf is used: this package never imports the typesetting code.
"""

from __future__ import annotations

import io
import re
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, NamedTuple

import pikepdf

STANDARD_TYPES_17 = frozenset(
    """
Document Part Art Sect Div BlockQuote Caption TOC TOCI Index NonStruct Private
P H H1 H2 H3 H4 H5 H6 L LI Lbl LBody Table TR TH TD THead TBody TFoot Span Quote
Note Reference BibEntry Code Link Annot Ruby RB RT RP Warichu WT WP Figure Formula
Form""".split()
)
STANDARD_TYPES_20 = STANDARD_TYPES_17 | frozenset("DocumentFragment Aside Title FENote Sub Em Strong Artifact".split())
#: Roles after which a reader pauses: text on either side is never one word.
BLOCK_ROLES = frozenset(
    """Document Part Art Sect Div Aside BlockQuote Caption TOC TOCI
Index P H H1 H2 H3 H4 H5 H6 L LI Lbl LBody Table TR TH TD THead TBody TFoot Figure
Formula Form Note Title""".split()
)
#: Deeper structure trees are cut here (and reported): no recursion without bound.
MAX_DEPTH = 100

Key = tuple[int, int]


@dataclass(frozen=True)
class MCRef:
    page: int
    mcid: int


@dataclass(frozen=True)
class ObjRef:
    page: int | None
    annotation: Any


@dataclass(eq=False)
class StructElem:
    obj: Any
    type: str
    role: str
    parent: StructElem | None
    page: int | None = None
    kids: list[StructElem | MCRef | ObjRef] = field(default_factory=list)
    depth: int = 0
    pdf: Any = field(default=None, repr=False)  # keeps the pikepdf.Pdf open
    #: /ActualText and /Alt, read once (they are read for every element, often)
    actual_text: str | None = None
    alt: str | None = None

    def get(self, key: str, default: Any = None) -> Any:
        return self.obj.get(key, default)

    def text_attr(self, key: str) -> str | None:
        value = self.obj.get(key)
        return str(value) if value is not None else None

    def attribute(self, name: str) -> Any:
        attrs = self.obj.get("/A")
        if attrs is None:
            return None
        items = attrs if isinstance(attrs, pikepdf.Array) else [attrs]
        for item in items:
            if isinstance(item, pikepdf.Dictionary) and name in item:
                return item[name]
        return None

    @cached_property
    def element_kids(self) -> list[StructElem]:
        """The kids that are struct elements (read after the tree is built)."""
        return [k for k in self.kids if isinstance(k, StructElem)]

    def lang(self) -> str | None:
        """The element's /Lang, or the nearest ancestor's."""
        node: StructElem | None = self
        while node is not None:
            value = node.obj.get("/Lang")
            if value is not None:
                return str(value)
            node = node.parent
        return None

    def walk(self) -> Iterator[StructElem]:
        stack: list[StructElem] = [self]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed(node.element_kids))

    def mcrefs(self) -> Iterator[MCRef]:
        """The marked-content references of the element and its descendants, in document
        (kid) order: a P's text after a nested Link is read after the link's."""
        stack: list[StructElem | MCRef | ObjRef] = [self]
        while stack:
            item = stack.pop()
            if isinstance(item, MCRef):
                yield item
            elif isinstance(item, StructElem):
                stack.extend(reversed(item.kids))

    def pages(self) -> set[int]:
        return {ref.page for ref in self.mcrefs()}

    @cached_property
    def page_set(self) -> frozenset[int]:
        """:meth:`pages`, computed once (read after the tree is built)."""
        return frozenset(self.pages())


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


@dataclass
class PdfStructure:
    pdf: Any
    roots: list[StructElem]
    role_map: dict[str, str]
    pages: list[PageContent]
    page_index: dict[Key, int]
    fonts: dict[Key, Font]
    pdf_version: str
    circular_roles: frozenset[str] = frozenset()
    too_deep: bool = False

    @property
    def standard_types(self) -> frozenset[str]:
        return STANDARD_TYPES_20 if self.pdf_version.startswith("2") else STANDARD_TYPES_17

    @property
    def elements(self) -> Iterator[StructElem]:
        for root in self.roots:
            yield from root.walk()

    def text_of(self, element: StructElem) -> str:
        """The element's content text in document order (marked content of the element and
        its descendants, ActualText of marks applied)."""
        parts = []
        for ref in element.mcrefs():
            if 0 <= ref.page < len(self.pages):
                mark = self.pages[ref.page].marks.get(ref.mcid)
                if mark is not None:
                    parts.append(mark.read)
        return " ".join(" ".join(parts).split())

    def tree_text(self) -> str:
        """The text read from the structure tree, in tree order."""
        return self._read(self.roots, nested_blocks=True)

    def read_text(self, element: StructElem) -> str:
        """The text of one block element as read aloud, without its nested blocks."""
        return self._read([element], nested_blocks=False)

    def _read(self, roots: list[StructElem], *, nested_blocks: bool) -> str:
        out: list[str] = []
        last: tuple[int, float | None] | None = None
        pause = True
        # Iterative walk over events: (0, element) enter, (1, element) leave, (2, MCRef).
        stack: list[tuple[int, Any]] = [(0, r) for r in reversed(roots)]
        while stack:
            event, item = stack.pop()
            if event == 2:
                mark = self.pages[item.page].marks.get(item.mcid) if 0 <= item.page < len(self.pages) else None
                if mark is None:
                    continue
                position = (mark.page, mark.y)
                if pause or last != position:
                    out.append(" ")
                out.append(mark.read)
                last = position
                pause = False
                continue
            if item.role in BLOCK_ROLES:
                pause = True
            if event == 1:
                continue
            actual = item.actual_text
            alt = item.alt
            if actual is not None or (alt is not None and item.role == "Figure"):
                out.append(" " + (actual if actual is not None else alt or ""))
                pause = True
                continue
            stack.append((1, item))
            for kid in reversed(item.kids):
                if isinstance(kid, StructElem):
                    if nested_blocks or kid.role not in BLOCK_ROLES:
                        stack.append((0, kid))
                elif isinstance(kid, MCRef):
                    stack.append((2, kid))
        return " ".join("".join(out).split())


# ----------------------------------------------------------------------------


def _name(value: Any) -> str:
    """A name without its slash (bytes that are not UTF-8 read as Latin-1)."""
    try:
        text = str(value)
    except UnicodeDecodeError:
        text = value.unparse().decode("latin-1")
    return text[1:] if value is not None and text.startswith("/") else text


def key_of(obj: Any) -> Key:
    """A stable key for a PDF object: its object number, or (a direct object, which
    pikepdf wraps anew on every access) a hash of its serialised form."""
    try:
        objgen = obj.objgen
    except AttributeError:
        objgen = (0, 0)
    if objgen != (0, 0):
        return objgen
    try:
        return (-1, hash(obj.unparse()))
    except (AttributeError, TypeError, ValueError, pikepdf.PdfError):
        return (-2, id(obj))


def open_pdf(source: str | Path | bytes | Any) -> Any:
    if isinstance(source, pikepdf.Pdf):
        return source
    if isinstance(source, (bytes, bytearray)):
        return pikepdf.open(io.BytesIO(bytes(source)))
    return pikepdf.open(source)


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, pikepdf.Array) else [value]


def read_structure(source: str | Path | bytes | Any) -> PdfStructure:
    pdf = open_pdf(source)
    page_index = {page.obj.objgen: i for i, page in enumerate(pdf.pages)}
    root = pdf.Root.get("/StructTreeRoot")
    role_map: dict[str, str] = {}
    if isinstance(root, pikepdf.Dictionary) and isinstance(root.get("/RoleMap"), pikepdf.Dictionary):
        role_map = {_name(k): _name(v) for k, v in root.RoleMap.items()}
    version = str(pdf.pdf_version)
    standard = STANDARD_TYPES_20 if version.startswith("2") else STANDARD_TYPES_17
    circular: set[str] = set()

    def standard_role(raw: str) -> str:
        seen = set()
        role = raw
        while role not in standard and role in role_map:
            if role in seen:
                circular.add(raw)
                break
            seen.add(role)
            role = role_map[role]
        return role

    seen_objs: set[Key] = set()
    too_deep = False

    def page_of(obj: Any, inherited: int | None) -> int | None:
        pg = obj.get("/Pg")
        if isinstance(pg, pikepdf.Dictionary):
            return page_index.get(pg.objgen, inherited)
        return inherited

    def build(obj: Any, parent: StructElem | None, page: int | None, depth: int) -> StructElem | MCRef | ObjRef | None:
        nonlocal too_deep
        if not isinstance(obj, pikepdf.Dictionary):
            try:
                return MCRef(page if page is not None else -1, int(obj))
            except (TypeError, ValueError):
                return None
        kind = obj.get("/Type")
        page = page_of(obj, page)
        if kind == "/MCR":
            mcid: Any = obj.get("/MCID")
            try:
                return MCRef(page if page is not None else -1, int(mcid))
            except (TypeError, ValueError):
                return None
        if kind == "/OBJR":
            return ObjRef(page, obj.get("/Obj"))
        if "/S" not in obj:
            return None
        key = key_of(obj)
        if key in seen_objs:
            return None
        seen_objs.add(key)
        raw = _name(obj.get("/S"))
        actual, alt = obj.get("/ActualText"), obj.get("/Alt")
        elem = StructElem(
            obj,
            raw,
            standard_role(raw),
            parent,
            page,
            depth=depth,
            pdf=pdf,
            actual_text=None if actual is None else str(actual),
            alt=None if alt is None else str(alt),
        )
        if depth >= MAX_DEPTH:
            too_deep = True
            return elem
        kids = obj.get("/K")
        if kids is not None:
            for kid in _as_list(kids):
                built = build(kid, elem, page, depth + 1)
                if built is not None:
                    elem.kids.append(built)
        return elem

    roots: list[StructElem] = []
    if isinstance(root, pikepdf.Dictionary) and "/K" in root:
        for kid in _as_list(root.K):
            built = build(kid, None, None, 0)
            if isinstance(built, StructElem):
                roots.append(built)

    fonts: dict[Key, Font] = {}
    pages = [_read_page(page, fonts) for page in pdf.pages]
    for number, content in enumerate(pages):
        for mark in content.marks.values():
            mark.page = number
    return PdfStructure(pdf, roots, role_map, pages, page_index, fonts, version, frozenset(circular), too_deep)


# ----------------------------------------------------------------------------
# Content streams.


class Font:
    """A font the pages show text with, and the character codes they show."""

    def __init__(self, font: Any):
        self.obj = font
        self.name = _name(font.get("/BaseFont", "/unknown"))
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
        if self.two_byte:
            codes: tuple[int, ...] = struct.unpack(f">{len(data) // 2}H", data[: len(data) // 2 * 2])
        else:
            codes = tuple(data)
        self.used.update(codes)
        table = self.to_unicode
        chars = [table.get(code) for code in codes]
        if None in chars:
            chars = [
                c if c is not None else (chr(code) if not self.two_byte and 32 <= code < 127 else "\ufffd")
                for c, code in zip(chars, codes, strict=True)
            ]
        return "".join(chars)  # type: ignore[arg-type]


_HEX = re.compile(rb"<([0-9A-Fa-f\s]*)>")
_RANGE = re.compile(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(\[[^\]]*\]|<[0-9A-Fa-f]*>)")
#: A bfrange wider than this is damaged (a CMap maps at most 65,536 two-byte codes).
_MAX_RANGE = 0x10000


def _hex_to_int(token: bytes) -> int:
    return int(b"".join(token.split()) or b"0", 16)


def _hex_to_text(token: bytes) -> str:
    raw = bytes.fromhex(b"".join(token.split()).decode("ascii"))
    return raw.decode("utf-16-be", errors="replace")


def parse_cmap(data: bytes) -> dict[int, str]:
    """The code -> text mapping of a ToUnicode CMap (bfchar and bfrange)."""
    mapping: dict[int, str] = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", data, re.S):
        tokens = _HEX.findall(block)
        for src, dst in zip(tokens[::2], tokens[1::2], strict=False):
            mapping[_hex_to_int(src)] = _hex_to_text(dst)
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


_PAINT = {"f", "F", "f*", "S", "s", "B", "B*", "b", "b*", "sh"}
_NO_OPERANDS = frozenset(_PAINT - {"sh"}) | {"EMC", "T*"}
#: The only operators the reader looks at (qpdf filters the rest out while parsing).
_OPERATORS = " ".join(sorted(_PAINT | {"BMC", "BDC", "EMC", "Tf", "Tm", "Td", "TD", "T*", "Tj", "TJ", "'", '"', "Do"}))


class _Open(NamedTuple):
    """One open marked-content sequence while a content stream is read, with the state
    it leaves: the innermost tagged mark, whether inside tagged content, inside an artifact."""

    mark: Mark | None
    tagged: bool
    artifact: bool
    lang: str | None  # the marked-content /Lang in effect


_OUTSIDE = _Open(None, False, False, None)


_TJ_HEX = re.compile(rb"<([0-9A-Fa-f\s]*)>")


def _tj_bytes(array: Any) -> bytes:
    """The bytes of a TJ array's strings, joined (numbers between them dropped).

    Reading the array's unparsed form is much faster than visiting each item; an array
    with literal strings (parentheses that are not empty) is read item by item."""
    raw = array.unparse()
    if b"(" not in raw.replace(b"()", b""):
        return bytes.fromhex(b"".join(_TJ_HEX.findall(raw)).replace(b" ", b"").decode("ascii"))
    return b"".join(bytes(item) for item in array if isinstance(item, pikepdf.String))


def _read_page(page: Any, fonts: dict[Key, Font]) -> PageContent:
    content = PageContent()
    _read_stream(page, page.obj.get("/Resources"), content, [], fonts, 0, set())
    return content


def _lookup(resources: Any, category: str, name: Any) -> Any:
    if not isinstance(resources, pikepdf.Dictionary):
        return None
    table = resources.get(category)
    if not isinstance(table, pikepdf.Dictionary):
        return None
    return table.get(str(name))


def _read_stream(
    container: Any,
    resources: Any,
    content: PageContent,
    stack: list[_Open],
    fonts: dict[Key, Font],
    depth: int,
    visiting: set[Key],
) -> None:
    try:
        instructions = pikepdf.parse_content_stream(container, _OPERATORS)
    except (pikepdf.PdfError, TypeError, ValueError) as exc:
        content.unreadable = f"{type(exc).__name__}: {exc}"
        return
    font: Font | None = None
    line_y: float | None = None

    def show(data: bytes) -> None:
        mark, _, artifact, _ = stack[-1] if stack else _OUTSIDE
        if font is None:
            return
        text = font.decode(data)
        if mark is not None:
            mark.text += text
            if mark.y is None:
                mark.y = line_y
        elif not artifact and text.strip():
            content.untagged_text += 1

    by_name: dict[str, Font | None] = {}  # the stream's font resources, looked up once
    for instruction in instructions:
        op = str(instruction.operator)
        try:
            if op in _NO_OPERANDS:
                operands: Any = ()
            else:
                operands = instruction.operands
            if op in ("BMC", "BDC"):
                tag = _name(operands[0]) if operands else ""
                props = operands[1] if op == "BDC" and len(operands) > 1 else None
                if isinstance(props, pikepdf.Name):
                    props = _lookup(resources, "/Properties", props)
                mcid = None
                actual = None
                lang = None
                if isinstance(props, pikepdf.Dictionary):
                    if "/MCID" in props:
                        mcid = int(props.MCID)
                    if "/ActualText" in props:
                        actual = str(props.ActualText)
                    if "/Lang" in props:
                        lang = str(props.Lang)
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
                if tag == "Span" and lang is None and isinstance(props, pikepdf.Dictionary):
                    content.span_texts.extend((key, mark) for key in ("/ActualText", "/Alt", "/E") if key in props)
                stack.append(_Open(mark, tagged or mark is not None, artifact or is_artifact, lang))
            elif op == "EMC":
                if stack:
                    stack.pop()
            elif op == "Tf":
                name = str(operands[0])
                if name not in by_name:
                    font_obj = _lookup(resources, "/Font", name)
                    by_name[name] = None
                    if isinstance(font_obj, pikepdf.Dictionary):
                        key = key_of(font_obj)
                        if key not in fonts:
                            fonts[key] = Font(font_obj)
                        by_name[name] = fonts[key]
                font = by_name[name]
            elif op == "Tm":
                line_y = round(float(operands[5]), 2)
            elif op in ("Td", "TD"):
                if line_y is not None and float(operands[1]):
                    line_y = round(line_y + float(operands[1]), 2)
            elif op == "T*":
                line_y = None if line_y is None else line_y - 1
            elif op in ("Tj", "'", '"'):
                show(bytes(operands[-1]))
            elif op == "TJ":
                show(_tj_bytes(operands[0]))
            elif op in _PAINT or op == "Do":
                _, tagged, artifact, _ = stack[-1] if stack else _OUTSIDE
                if op == "Do":
                    xobject = _lookup(resources, "/XObject", operands[0])
                    if isinstance(xobject, pikepdf.Stream) and xobject.get("/Subtype") == "/Form":
                        key = key_of(xobject)
                        if key not in visiting and depth < 8:
                            visiting.add(key)
                            _read_stream(
                                xobject,
                                xobject.get("/Resources", resources),
                                content,
                                stack,
                                fonts,
                                depth + 1,
                                visiting,
                            )
                            visiting.discard(key)
                        continue
                if not tagged and not artifact:
                    content.untagged_graphics += 1
        except (IndexError, TypeError, ValueError, AttributeError, pikepdf.PdfError) as exc:
            # A malformed operator: note it and read on.
            content.unreadable = content.unreadable or f"operator {op}: {type(exc).__name__}"
