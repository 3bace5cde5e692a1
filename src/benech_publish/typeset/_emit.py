"""Writing the repaired tagging into the PDF: marked content, struct tree, parent tree.

Takes: the struct tree built by :mod:`.tags` (:class:`~._tagtree.Node`), where
each marked-content sequence is (:class:`Mark`), which are used, artifacts or
need ``/ActualText``. Gives: content streams with new MCIDs (contiguous per
page, paint order), ``/Artifact`` for everything outside the tree, and the
``StructTreeRoot`` with its ``ParentTree``, ``IDTree`` and ``RoleMap``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ._tagtree import ROLE_MAP_PDF17, Node


@dataclass
class Mark:
    """One marked-content sequence of a page: where its property list is."""

    page: int
    mcid: int
    stream: Any
    index: int  # index of the property list in ``stream.stream``


def rewrite_content(
    marks: dict[tuple[int, int], Mark],
    used: set[tuple[int, int]],
    artifacts: dict[tuple[int, int], dict | None],
    actual_text: dict[tuple[int, int], str],
    page_count: int,
    pydyf: Any,
) -> dict[tuple[int, int], int]:
    """Renumber used marks, add /ActualText, turn every other mark into an artifact; return the new MCIDs."""
    # New MCIDs: contiguous per page, in paint order.
    new_mcid: dict[tuple[int, int], int] = {}
    for page in range(page_count):
        counter = 0
        for p, mcid in sorted(k for k in marks if k[0] == page):
            if (p, mcid) in used:
                new_mcid[p, mcid] = counter
                counter += 1
    for key, mark in marks.items():
        items = mark.stream.stream
        properties = items[mark.index]
        if key in used:
            properties["MCID"] = new_mcid[key]
            if key in actual_text:
                properties["ActualText"] = pydyf.String(actual_text[key])
            continue
        # Not in the tree: an artifact (margin boxes, repeated headers,
        # decorative images; anything unreachable would break PDF/UA).
        artifact = artifacts.get(key)
        items[mark.index - 1] = "/Artifact"
        if artifact:
            items[mark.index] = pydyf.Dictionary({k: f"/{v}" for k, v in artifact.items() if v})
        else:
            items[mark.index] = b""
            items[mark.index + 1] = b"BMC"
    return new_mcid


def emit(
    pdf: Any,
    root_node: Node,
    page_refs: list[Any],
    new_mcid: dict[tuple[int, int], int],
    pdf_version: str,
    page_count: int,
    pydyf: Any,
) -> set[int]:
    """Write the struct tree; return the ids of the annotations referenced from it."""
    parent_tree_pages: list[dict[int, Any]] = [{} for _ in range(page_count)]
    ids: list[tuple[str, bytes]] = []
    annotation_parents: list[tuple[Any, Any]] = []

    root = pydyf.Dictionary({"Type": "/StructTreeRoot"})
    pdf.add_object(root)
    pdf.catalog["StructTreeRoot"] = root.reference

    def emit(node: Node, parent_ref) -> Any:
        element = pydyf.Dictionary({"Type": "/StructElem", "S": f"/{node.role}", "P": parent_ref})
        pdf.add_object(element)
        pages = [kid[1] for kid in node.kids if isinstance(kid, tuple)]
        own_page = pages[0] if pages else None
        if own_page is not None:
            element["Pg"] = page_refs[own_page]
        if node.lang:
            element["Lang"] = pydyf.String(node.lang)
        if node.alt is not None and node.role == "Figure":
            element["Alt"] = pydyf.String(node.alt)
        if node.expansion:
            element["E"] = pydyf.String(node.expansion)
        if node.ident:
            element["ID"] = pydyf.String(node.ident)
            ids.append((node.ident, element.reference))
        if node.attributes:
            attrs = pydyf.Dictionary()
            for key, value in node.attributes.items():
                if value is None:
                    continue
                if key == "O" or key in ("Scope", "Placement", "ListNumbering"):
                    attrs[key] = f"/{value}"
                elif key == "Headers":
                    attrs[key] = pydyf.Array(pydyf.String(v) for v in value)
                elif key == "BBox":
                    attrs[key] = pydyf.Array(value)
                else:
                    attrs[key] = value
            element["A"] = attrs
        kids = pydyf.Array()
        for kid in node.kids:
            if isinstance(kid, Node):
                kids.append(emit(kid, element.reference))
            elif kid[0] == "mc":
                _, page, mcid = kid
                new = new_mcid[page, mcid]
                parent_tree_pages[page][new] = element.reference
                if page == own_page:
                    kids.append(new)
                else:
                    kids.append(pydyf.Dictionary({"Type": "/MCR", "Pg": page_refs[page], "MCID": new}))
            else:
                _, page, annotation = kid
                objr = pydyf.Dictionary({"Type": "/OBJR", "Obj": annotation.reference, "Pg": page_refs[page]})
                kids.append(objr)
                annotation_parents.append((annotation, element.reference))
        element["K"] = kids
        return element.reference

    document_ref = emit(root_node, root.reference)
    root["K"] = pydyf.Array([document_ref])

    nums = pydyf.Array()
    for page, mapping in enumerate(parent_tree_pages):
        nums.append(page)
        nums.append(pydyf.Array(mapping[i] for i in range(len(mapping))))
    key = len(parent_tree_pages)
    for annotation, struct_ref in annotation_parents:
        annotation["StructParent"] = key
        nums.append(key)
        nums.append(struct_ref)
        key += 1
    parent_tree = pydyf.Dictionary({"Nums": nums})
    pdf.add_object(parent_tree)
    root["ParentTree"] = parent_tree.reference
    root["ParentTreeNextKey"] = key
    if ids:
        names = pydyf.Array()
        for ident, ref in sorted(ids):
            names.append(pydyf.String(ident))
            names.append(ref)
        root["IDTree"] = pydyf.Dictionary({"Names": names})
    if not pdf_version.startswith("2"):
        used_roles = set()
        stack = [root_node]
        while stack:
            node = stack.pop()
            used_roles.add(node.role)
            stack.extend(k for k in node.kids if isinstance(k, Node))
        role_map = {k: f"/{v}" for k, v in ROLE_MAP_PDF17.items() if k in used_roles}
        if role_map:
            root["RoleMap"] = pydyf.Dictionary(role_map)
    else:
        namespace = pydyf.Dictionary({"Type": "/Namespace", "NS": pydyf.String("http://iso.org/pdf2/ssn")})
        pdf.add_object(namespace)
        root["Namespaces"] = pydyf.Array([namespace.reference])
    return {id(a) for a, _ in annotation_parents}
