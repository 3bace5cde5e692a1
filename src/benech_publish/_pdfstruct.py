"""Read a tagged PDF's structure tree and marked content (shared by audit and tests).

:func:`read_structure` opens a PDF with pikepdf and returns a
:class:`PdfStructure`: the structure tree as :class:`StructElem` objects (with
role-mapped standard types), every marked-content sequence of every page with
its decoded text (``/ActualText`` honoured) and baseline, and counters for
content that is neither tagged nor an artifact.  :meth:`PdfStructure.tree_text`
reads the text in structure-tree order, the way assistive technology does.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import pikepdf

STANDARD_TYPES_17 = frozenset("""
Document Part Art Sect Div BlockQuote Caption TOC TOCI Index NonStruct Private
P H H1 H2 H3 H4 H5 H6 L LI Lbl LBody Table TR TH TD THead TBody TFoot Span Quote
Note Reference BibEntry Code Link Annot Ruby RB RT RP Warichu WT WP Figure Formula
Form""".split())
STANDARD_TYPES_20 = STANDARD_TYPES_17 | frozenset(
    "DocumentFragment Aside Title FENote Sub Em Strong Artifact".split())
#: Roles after which a reader pauses: text on either side is never one word.
BLOCK_ROLES = frozenset("""Document Part Art Sect Div Aside BlockQuote Caption TOC TOCI
Index P H H1 H2 H3 H4 H5 H6 L LI Lbl LBody Table TR TH TD THead TBody TFoot Figure
Formula Form Note Title""".split())


@dataclass(frozen=True)
class MCRef:
    page: int
    mcid: int


@dataclass
class ObjRef:
    page: int | None
    annotation: Any


@dataclass(eq=False)
class StructElem:
    obj: Any
    type: str
    role: str
    parent: "StructElem | None"
    page: int | None = None
    kids: list = field(default_factory=list)
    pdf: Any = field(default=None, repr=False)  # keeps the pikepdf.Pdf open

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

    def walk(self) -> Iterator["StructElem"]:
        yield self
        for kid in self.kids:
            if isinstance(kid, StructElem):
                yield from kid.walk()

    def mcrefs(self) -> Iterator[MCRef]:
        for kid in self.kids:
            if isinstance(kid, MCRef):
                yield kid
            elif isinstance(kid, StructElem):
                yield from kid.mcrefs()

    def pages(self) -> set[int]:
        return {ref.page for ref in self.mcrefs()}


@dataclass
class Mark:
    """One marked-content sequence with an MCID."""
    page: int
    mcid: int
    tag: str
    text: str = ""
    actual_text: str | None = None
    y: float | None = None

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
    unmapped: dict[str, set[int]] = field(default_factory=dict)  # font name -> codes


@dataclass
class PdfStructure:
    pdf: Any
    roots: list[StructElem]
    role_map: dict[str, str]
    pages: list[PageContent]
    page_index: dict[tuple[int, int], int]
    fonts: dict[tuple[int, int], Any]
    pdf_version: str

    @property
    def elements(self) -> Iterator[StructElem]:
        for root in self.roots:
            yield from root.walk()

    def tree_text(self) -> str:
        """The text read from the structure tree, in tree order."""
        out: list[str] = []
        state = {"last": None, "pause": True}

        def visit(node: StructElem) -> None:
            block = node.role in BLOCK_ROLES
            if block:
                state["pause"] = True
            actual = node.text_attr("/ActualText")
            alt = node.text_attr("/Alt")
            if actual is not None or (alt is not None and node.role == "Figure"):
                out.append(" " + (actual if actual is not None else alt))
                state["pause"] = True
                return
            for kid in node.kids:
                if isinstance(kid, StructElem):
                    visit(kid)
                elif isinstance(kid, MCRef):
                    mark = self.pages[kid.page].marks.get(kid.mcid) \
                        if kid.page < len(self.pages) else None
                    if mark is None:
                        continue
                    position = (mark.page, mark.y)
                    if state["pause"] or state["last"] != position:
                        out.append(" ")
                    out.append(mark.read)
                    state["last"] = position
                    state["pause"] = False
            if block:
                state["pause"] = True

        for root in self.roots:
            visit(root)
        return " ".join("".join(out).split())


# ----------------------------------------------------------------------------


def _name(value: Any) -> str:
    return str(value)[1:] if value is not None and str(value).startswith("/") else str(value)


def open_pdf(source: str | Path | bytes | Any) -> Any:
    if isinstance(source, pikepdf.Pdf):
        return source
    if isinstance(source, (bytes, bytearray)):
        return pikepdf.open(io.BytesIO(bytes(source)))
    return pikepdf.open(source)


def read_structure(source: str | Path | bytes | Any) -> PdfStructure:
    pdf = open_pdf(source)
    page_index = {page.obj.objgen: i for i, page in enumerate(pdf.pages)}
    root = pdf.Root.get("/StructTreeRoot")
    role_map: dict[str, str] = {}
    if root is not None and "/RoleMap" in root:
        role_map = {_name(k): _name(v) for k, v in root.RoleMap.items()}
    version = str(pdf.pdf_version)
    standard = STANDARD_TYPES_20 if version.startswith("2") else STANDARD_TYPES_17

    def standard_role(raw: str) -> str:
        seen = set()
        role = raw
        while role not in standard and role in role_map and role not in seen:
            seen.add(role)
            role = role_map[role]
        return role

    seen_objs: set[tuple[int, int]] = set()

    def build(obj: Any, parent: StructElem | None, inherited_page: int | None) -> Any:
        if not isinstance(obj, pikepdf.Dictionary):
            try:
                return MCRef(inherited_page if inherited_page is not None else -1, int(obj))
            except (TypeError, ValueError):
                return None
        kind = obj.get("/Type")
        page = inherited_page
        if "/Pg" in obj:
            page = page_index.get(obj.Pg.objgen, page)
        if kind == "/MCR":
            return MCRef(page if page is not None else -1, int(obj.MCID))
        if kind == "/OBJR":
            return ObjRef(page, obj.get("/Obj"))
        if obj.is_indirect:
            if obj.objgen in seen_objs:
                return None
            seen_objs.add(obj.objgen)
        raw = _name(obj.get("/S"))
        elem = StructElem(obj, raw, standard_role(raw), parent, page, pdf=pdf)
        kids = obj.get("/K")
        if kids is not None:
            for kid in (kids if isinstance(kids, pikepdf.Array) else [kids]):
                built = build(kid, elem, page)
                if built is not None:
                    elem.kids.append(built)
        return elem

    roots: list[StructElem] = []
    if root is not None and "/K" in root:
        kids = root.K
        for kid in (kids if isinstance(kids, pikepdf.Array) else [kids]):
            built = build(kid, None, None)
            if isinstance(built, StructElem):
                roots.append(built)

    fonts: dict[tuple[int, int], Any] = {}
    pages = [_read_page(page, fonts) for page in pdf.pages]
    for number, content in enumerate(pages):
        for mark in content.marks.values():
            mark.page = number
    return PdfStructure(pdf, roots, role_map, pages, page_index, fonts, version)


# ----------------------------------------------------------------------------
# Content streams.

class _Font:
    def __init__(self, font: Any):
        self.obj = font
        self.name = _name(font.get("/BaseFont", "/unknown"))
        self.two_byte = font.get("/Subtype") == "/Type0"
        self.to_unicode: dict[int, str] = {}
        self.has_to_unicode = "/ToUnicode" in font
        if self.has_to_unicode:
            try:
                self.to_unicode = _parse_cmap(font.ToUnicode.read_bytes())
            except Exception:  # noqa: BLE001 - unreadable CMap: treat as missing
                self.has_to_unicode = False

    def decode(self, data: bytes, unmapped: set[int]) -> str:
        out = []
        step = 2 if self.two_byte else 1
        for i in range(0, len(data) - step + 1, step):
            code = int.from_bytes(data[i:i + step], "big")
            char = self.to_unicode.get(code)
            if char is None:
                unmapped.add(code)
                if not self.two_byte and 32 <= code < 127:
                    char = chr(code)
                else:
                    char = "\ufffd"
            out.append(char)
        return "".join(out)


_HEX = re.compile(rb"<([0-9A-Fa-f\s]*)>")


def _hex_to_int(token: bytes) -> int:
    return int(token.strip() or b"0", 16)


def _hex_to_text(token: bytes) -> str:
    raw = bytes.fromhex(token.decode().replace(" ", ""))
    return raw.decode("utf-16-be", errors="replace")


def _parse_cmap(data: bytes) -> dict[int, str]:
    mapping: dict[int, str] = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", data, re.S):
        tokens = _HEX.findall(block)
        for src, dst in zip(tokens[::2], tokens[1::2]):
            mapping[_hex_to_int(src)] = _hex_to_text(dst)
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", data, re.S):
        for line in re.finditer(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(\[[^\]]*\]|<[0-9A-Fa-f]+>)",
                                block):
            start, end = int(line.group(1), 16), int(line.group(2), 16)
            target = line.group(3)
            if target.startswith(b"["):
                for offset, token in enumerate(_HEX.findall(target)):
                    mapping[start + offset] = _hex_to_text(token)
            else:
                base = bytes.fromhex(target[1:-1].decode())
                for offset in range(end - start + 1):
                    value = int.from_bytes(base, "big") + offset
                    value_bytes = value.to_bytes(len(base), "big")
                    mapping[start + offset] = value_bytes.decode("utf-16-be", errors="replace")
    return mapping


_PAINT = {"f", "F", "f*", "S", "s", "B", "B*", "b", "b*", "sh"}


def _read_page(page: Any, fonts: dict) -> PageContent:
    content = PageContent()
    _read_stream(page, page.obj.get("/Resources"), content, [], fonts, 0, set())
    return content


def _read_stream(container: Any, resources: Any, content: PageContent, stack: list,
                 fonts: dict, depth: int, visiting: set) -> None:
    try:
        instructions = pikepdf.parse_content_stream(container)
    except Exception:  # noqa: BLE001 - unreadable stream: nothing to report here
        return
    font: _Font | None = None
    line_y = None

    def current_mark() -> tuple[Mark | None, bool, bool]:
        mark = None
        artifact = False
        tagged = False
        for entry in stack:
            if entry["artifact"]:
                artifact = True
            if entry["mark"] is not None:
                mark = entry["mark"]
                tagged = True
        return mark, tagged, artifact

    def show(data: bytes) -> None:
        mark, tagged, artifact = current_mark()
        if font is None:
            return
        unmapped = content.unmapped.setdefault(font.name, set())
        text = font.decode(data, unmapped)
        if not unmapped:
            del content.unmapped[font.name]
        if mark is not None:
            mark.text += text
            if mark.y is None:
                mark.y = line_y
        elif not artifact and text.strip():
            content.untagged_text += 1

    for operands, operator in instructions:
        op = str(operator)
        if op in ("BMC", "BDC"):
            tag = _name(operands[0])
            props = operands[1] if op == "BDC" and len(operands) > 1 else None
            if isinstance(props, pikepdf.Name) and resources is not None:
                props = resources.get("/Properties", {}).get(str(props))
            mcid = None
            actual = None
            if isinstance(props, pikepdf.Dictionary):
                if "/MCID" in props:
                    mcid = int(props.MCID)
                if "/ActualText" in props:
                    actual = str(props.ActualText)
            is_artifact = tag == "Artifact"
            _, tagged, artifact = current_mark()
            if is_artifact and tagged:
                content.artifact_in_tagged += 1
            if mcid is not None and artifact:
                content.tagged_in_artifact += 1
            mark = None
            if mcid is not None and not is_artifact:
                if mcid in content.marks:
                    content.duplicate_mcids.add(mcid)
                mark = Mark(page=-1, mcid=mcid, tag=tag, actual_text=actual)
                content.marks[mcid] = mark
            elif actual is not None and stack:
                # Nested /ActualText without MCID: replace the enclosing text.
                enclosing, _, _ = current_mark()
                if enclosing is not None:
                    enclosing.text += actual
                    mark = Mark(page=-1, mcid=-1, tag=tag)  # swallow content
            stack.append({"mark": mark, "artifact": is_artifact})
        elif op == "EMC":
            if stack:
                stack.pop()
        elif op == "Tf":
            resource_fonts = resources.get("/Font", {}) if resources is not None else {}
            font_obj = resource_fonts.get(str(operands[0])) if resource_fonts else None
            if font_obj is not None:
                key = font_obj.objgen
                if key not in fonts:
                    fonts[key] = _Font(font_obj)
                font = fonts[key]
        elif op == "Tm":
            line_y = round(float(operands[5]), 2)
        elif op in ("Td", "TD"):
            if line_y is not None and float(operands[1]):
                line_y = round(line_y + float(operands[1]), 2)
        elif op == "T*":
            line_y = None if line_y is None else line_y - 1
        elif op == "Tj" or op == "'" or op == '"':
            show(bytes(operands[-1]))
        elif op == "TJ":
            for item in operands[0]:
                if isinstance(item, pikepdf.String):
                    show(bytes(item))
        elif op in _PAINT or op == "Do":
            mark, tagged, artifact = current_mark()
            if op == "Do" and resources is not None:
                xobject = resources.get("/XObject", {}).get(str(operands[0]))
                if xobject is not None and xobject.get("/Subtype") == "/Form":
                    if xobject.objgen not in visiting and depth < 8:
                        visiting.add(xobject.objgen)
                        _read_stream(xobject, xobject.get("/Resources", resources),
                                     content, stack, fonts, depth + 1, visiting)
                        visiting.discard(xobject.objgen)
                    continue
            if not tagged and not artifact:
                content.untagged_graphics += 1
