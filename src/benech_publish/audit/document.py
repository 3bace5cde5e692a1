"""Document-level rules: file header, catalog, XMP metadata, languages, marked content,
parent tree, encryption, optional content, embedded files, XFA."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pikepdf
from lxml import etree

from .report import Collector
from .structure import MCRef, ObjRef, PdfStructure, StructElem, key_of

#: ISO 14289-1 7.2 / veraPDF 7.2-29: a language identifier (RFC 3066 Language-Tag).
LANG_RE = re.compile(r"^[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*$")
_HEADER_RE = re.compile(rb"^%PDF-1\.[0-7]$")
_PDFUAID = "http://www.aiim.org/pdfua/ns/id/"
_DC = "http://purl.org/dc/elements/1.1/"
_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_XMP_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_blank_text=True)


def catalog_lang(s: PdfStructure) -> str | None:
    """The catalog's /Lang when it is a non-empty string."""
    lang = s.pdf.Root.get("/Lang")
    return str(lang) if lang is not None and str(lang).strip() else None


def header_rules(header: bytes, s: PdfStructure, part: str | None, out: Collector) -> None:
    first = header.split(b"\n", 1)[0].split(b"\r", 1)[0]
    declared_two = part == "2" and first.startswith(b"%PDF-2.")
    if not declared_two and not _HEADER_RE.match(first):
        out.add("6.1-1", f"the file header is {first[:16]!r}, not %PDF-1.n with n from 0 to 7")


def catalog_rules(s: PdfStructure, out: Collector) -> None:
    root = s.pdf.Root
    tree = root.get("/StructTreeRoot")
    if not isinstance(tree, pikepdf.Dictionary) or "/K" not in tree or not s.roots:
        out.add("7.1-11", "the catalog has no structure tree (StructTreeRoot with kids)")
    mark_info = root.get("/MarkInfo")
    if not isinstance(mark_info, pikepdf.Dictionary) or mark_info.get("/Marked") is not True:
        out.add("6.2-1", "/MarkInfo /Marked is not true")
    elif mark_info.get("/Suspects") is True:
        out.add("7.1-4", "/MarkInfo /Suspects is true")
    lang = root.get("/Lang")
    if lang is not None and not LANG_RE.match(str(lang)):
        out.add("7.2-29", f"catalog /Lang {str(lang)!r} is not a language tag")
    prefs = root.get("/ViewerPreferences")
    if not isinstance(prefs, pikepdf.Dictionary) or "/DisplayDocTitle" not in prefs:
        out.add("7.1-10", "/ViewerPreferences has no /DisplayDocTitle")
    elif prefs.get("/DisplayDocTitle") is not True:
        out.add("7.1-10", "/DisplayDocTitle is not true", checkpoint="07-002")
    if catalog_lang(s) is None and isinstance(root.get("/Outlines"), pikepdf.Dictionary) and "/First" in root.Outlines:
        out.add("7.2-2", "the document has outline entries but no catalog /Lang")
    _optional_content(root, out)
    _embedded_files(root, out)
    acro = root.get("/AcroForm")
    if isinstance(acro, pikepdf.Dictionary) and isinstance(acro.get("/XFA"), pikepdf.Object):
        xfa = acro.get("/XFA")
        data = b""
        if isinstance(xfa, pikepdf.Stream):
            data = xfa.read_bytes()
        elif isinstance(xfa, pikepdf.Array):
            data = b"".join(x.read_bytes() for x in xfa if isinstance(x, pikepdf.Stream))
        if re.search(rb"<dynamicRender>\s*required\s*</dynamicRender>", data):
            out.add("7.15-1", "the XFA form requires dynamic rendering")
    for number, page in enumerate(s.pdf.pages):
        resources = page.obj.get("/Resources")
        xobjects = resources.get("/XObject") if isinstance(resources, pikepdf.Dictionary) else None
        if isinstance(xobjects, pikepdf.Dictionary) and any(
            isinstance(x, pikepdf.Stream) and "/Ref" in x for x in xobjects.values()
        ):
            out.add("7.20-1", "the page uses a reference XObject", number)
    if s.pdf.is_encrypted and not s.pdf.encryption.P & 512:
        out.add("7.16-1", "the encryption forbids text extraction for accessibility (P bit 10)")


def _optional_content(root: Any, out: Collector) -> None:
    props = root.get("/OCProperties")
    if not isinstance(props, pikepdf.Dictionary):
        return
    configs = []
    if isinstance(props.get("/D"), pikepdf.Dictionary):
        configs.append(props.D)
    if isinstance(props.get("/Configs"), pikepdf.Array):
        configs.extend(c for c in props.Configs if isinstance(c, pikepdf.Dictionary))
    for config in configs:
        if not str(config.get("/Name", "")).strip():
            out.add(
                "7.10-1",
                "an optional content configuration has no /Name",
                checkpoint="20-002" if config is configs[0] and "/D" in props else "20-001",
            )
        if "/AS" in config:
            out.add("7.10-2", "an optional content configuration has /AS")


def _embedded_files(root: Any, out: Collector) -> None:
    names = root.get("/Names")
    files = names.get("/EmbeddedFiles") if isinstance(names, pikepdf.Dictionary) else None
    for node in tree_nodes(files):
        entries = node.get("/Names")
        if isinstance(entries, pikepdf.Array):
            for spec in list(entries)[1::2]:
                if (
                    isinstance(spec, pikepdf.Dictionary)
                    and "/EF" in spec
                    and not (str(spec.get("/F", "")) and str(spec.get("/UF", "")))
                ):
                    out.add("7.11-1", "an embedded file's specification lacks /F or /UF")


def tree_nodes(node: Any) -> Iterator[Any]:
    """Every node of a name or number tree, once (loops in /Kids are cut)."""
    if not isinstance(node, pikepdf.Dictionary):
        return
    stack, seen = [node], set()
    while stack:
        current = stack.pop()
        if key_of(current) in seen:
            continue
        seen.add(key_of(current))
        yield current
        kids = current.get("/Kids")
        if isinstance(kids, pikepdf.Array):
            stack.extend(k for k in kids if isinstance(k, pikepdf.Dictionary))


def metadata_rules(s: PdfStructure, out: Collector) -> str | None:
    """The XMP rules; returns the declared pdfuaid:part (or None)."""
    meta = s.pdf.Root.get("/Metadata")
    if not isinstance(meta, pikepdf.Stream):
        out.add("7.1-8", "the catalog has no XMP metadata stream")
        return None
    if meta.get("/Type") != "/Metadata" or meta.get("/Subtype") != "/XML":
        out.add("7.1-8", "the metadata stream is not /Type /Metadata /Subtype /XML")
    try:
        root = etree.fromstring(meta.read_bytes(), _XMP_PARSER)
    except (etree.XMLSyntaxError, pikepdf.PdfError, ValueError) as exc:
        out.add("cannot-read", f"cannot read: the XMP metadata is not well-formed XML ({exc})")
        return None
    if root is None:
        out.add("cannot-read", "cannot read: the XMP metadata is empty")
        return None
    part = None
    for name, rule in (("part", "5-3"), ("amd", "5-4"), ("corr", "5-5")):
        for value, prefix in _xmp_properties(root, _PDFUAID, name):
            if prefix != "pdfuaid":
                out.add(rule, f"pdfuaid:{name} is written with the prefix {prefix!r}")
            if name == "part":
                part = value.strip()
    if part is None:
        out.add("5-1", "XMP metadata has no PDF/UA identification (pdfuaid:part)")
    elif not (part == "1" or (part == "2" and s.pdf_version.startswith("2"))):
        out.add("5-2", f"pdfuaid:part is {part!r} in a PDF {s.pdf_version} file: a PDF/UA-1 file declares part 1")
    titles = [value for value, _ in _xmp_properties(root, _DC, "title")]
    if not any(t.strip() for t in titles):
        out.add("7.1-9", "XMP metadata has no dc:title")
    if catalog_lang(s) is None and root.xpath("//rdf:li[@xml:lang='x-default']", namespaces={"rdf": _RDF}):
        out.add("7.2-33", "XMP metadata has x-default text but the catalog has no /Lang")
    return part


def _xmp_properties(root: Any, namespace: str, name: str) -> list[tuple[str, str]]:
    """(text, prefix) for every XMP property ``namespace:name`` (element or attribute)."""
    found = []
    qualified = f"{{{namespace}}}{name}"
    for node in root.iter(qualified):
        found.append((" ".join(node.itertext()), node.prefix or ""))
    for node in root.iter(f"{{{_RDF}}}Description"):
        if qualified in node.attrib:
            prefix = next((p for p, ns in node.nsmap.items() if ns == namespace), "") or ""
            found.append((node.attrib[qualified], prefix))
    return found


# ----------------------------------------------------------------------------


def owners(
    s: PdfStructure,
) -> tuple[dict[tuple[int, int], StructElem], dict[tuple[int, int], StructElem]]:
    """(page, MCID) -> the struct element whose kids reference it; and annotation object
    key -> the struct element with an OBJR to it (one pass over the tree)."""
    marks: dict[tuple[int, int], StructElem] = {}
    objr: dict[tuple[int, int], StructElem] = {}
    for element in s.elements:
        for kid in element.kids:
            if isinstance(kid, MCRef):
                marks[kid.page, kid.mcid] = element
            elif isinstance(kid, ObjRef) and isinstance(kid.annotation, pikepdf.Dictionary):
                objr[key_of(kid.annotation)] = element
    return marks, objr


def number_tree(node: Any) -> dict[int, Any]:
    result: dict[int, Any] = {}
    for current in tree_nodes(node):
        nums = current.get("/Nums")
        if isinstance(nums, pikepdf.Array):
            items = list(nums)  # one call instead of one per item
            for i in range(0, len(items) - 1, 2):
                try:
                    result[int(items[i])] = items[i + 1]
                except (TypeError, ValueError):
                    continue
    return result


def same(a: Any, b: Any) -> bool:
    try:
        return bool(a.objgen == b.objgen and a.objgen != (0, 0))
    except AttributeError:
        return False


def content_rules(
    s: PdfStructure, owned: dict[tuple[int, int], StructElem], parent_tree: dict[int, Any], out: Collector
) -> None:
    has_catalog_lang = catalog_lang(s) is not None
    for number, page in enumerate(s.pages):
        if page.unreadable:
            out.add("cannot-read", f"cannot read the page content: {page.unreadable}", number)
        unreachable = sorted(m for m in page.marks if (number, m) not in owned)
        if page.untagged_text or page.untagged_graphics or unreachable:
            parts = []
            if page.untagged_text or page.untagged_graphics:
                parts.append(
                    f"{page.untagged_text} text and {page.untagged_graphics} graphics "
                    "operations are neither tagged nor artifacts"
                )
            if unreachable:
                sample = " / ".join(repr(page.marks[m].read.strip()[:40]) for m in unreachable[:3])
                parts.append(
                    f"{len(unreachable)} marked-content sequences (MCID "
                    f"{', '.join(map(str, unreachable[:8]))}) are not in the "
                    f"structure tree (e.g. {sample}); page furniture must be an "
                    "Artifact"
                )
            out.add("7.1-3", "; ".join(parts), number)
        if page.artifact_in_tagged:
            out.add("7.1-1", f"{page.artifact_in_tagged} artifacts are nested in tagged content", number)
        if page.tagged_in_artifact:
            out.add("7.1-2", f"{page.tagged_in_artifact} tagged sequences are nested in artifacts", number)
        if page.duplicate_mcids:
            out.add("parent-tree", f"MCIDs used twice: {sorted(page.duplicate_mcids)}", number)
        for lang in page.langs:
            if not LANG_RE.match(lang):
                out.add("7.2-29", f"marked content /Lang {lang!r} is not a language tag", number)
        if not has_catalog_lang:
            for key, mark in page.span_texts:
                owner = owned.get((number, mark.mcid)) if mark is not None else None
                if owner is None or owner.lang() is None:
                    rule = {"/ActualText": "7.2-30", "/Alt": "7.2-31", "/E": "7.2-32"}[key]
                    out.add(rule, f"Span marked content has {key} but no language is determined", number)
            silent = [
                m
                for mcid, m in page.marks.items()
                if m.read.strip()
                and m.lang is None
                and ((number, mcid) not in owned or owned[number, mcid].lang() is None)
            ]
            if silent or page.untagged_text:
                out.add(
                    "7.2-34",
                    f"{len(silent) or page.untagged_text} text sequences have no "
                    "language: no catalog /Lang and no /Lang on their elements",
                    number,
                )

    for number, page in enumerate(s.pdf.pages):
        if not s.pages[number].marks:
            continue
        key = page.obj.get("/StructParents")
        if key is None:
            out.add("parent-tree", "page with marked content has no /StructParents", number)
            continue
        entry = parent_tree.get(int(key))
        if not isinstance(entry, pikepdf.Array):
            out.add("parent-tree", "the ParentTree has no array for this page", number)
            continue
        bad = []
        for mcid in s.pages[number].marks:
            owner = owned.get((number, mcid))
            if owner is None:
                continue  # reported by 7.1-3
            if mcid >= len(entry) or not same(entry[mcid], owner.obj):
                bad.append(mcid)
        if bad:
            out.add(
                "parent-tree",
                f"ParentTree entries for MCID {bad[:8]} do not point to the struct element that contains them",
                number,
            )
