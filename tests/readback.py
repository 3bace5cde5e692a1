"""Words as a reader gets them from a PDF: structure tree (with /ActualText), pdfium, poppler.

``structure_words`` walks the structure tree in order and concatenates the text of
each marked-content sequence exactly as stored (its ``/ActualText`` when it has
one, as assistive technology does), adding a separation only between block
elements: no space is invented at line ends, so a missing word space or a
doubled fragment shows.
"""

from __future__ import annotations

import re
import shutil
import subprocess

from benech_publish.audit.structure import BLOCK_ROLES, MCRef, StructElem, read_structure

#: List labels (bullets, "1.") are read, but are not words of the source.
LABEL = re.compile(r"^(?:[•◦▪‣–-]|\d+[.)])$")


def structure_text(data: bytes) -> str:
    s = read_structure(data)
    out: list[str] = []

    def visit(node: StructElem) -> None:
        block = node.role in BLOCK_ROLES
        if block:
            out.append("\n")
        if node.role == "Figure" and node.text_attr("/Alt") is not None:
            out.append("\n" + str(node.text_attr("/Alt")) + "\n")
            return
        for kid in node.kids:
            if isinstance(kid, StructElem):
                visit(kid)
            elif isinstance(kid, MCRef):
                mark = s.pages[kid.page].marks.get(kid.mcid)
                if mark is not None:
                    out.append(mark.read)
        if block:
            out.append("\n")

    for root in s.roots:
        visit(root)
    return "".join(out)


def words(text: str) -> list[str]:
    return [w for w in text.split() if not LABEL.match(w)]


def structure_words(data: bytes) -> list[str]:
    return words(structure_text(data))


def pdfium_words(data: bytes) -> list[str]:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(data)
    return words(" ".join(document[i].get_textpage().get_text_range() for i in range(len(document))))


def pdftotext_words(data: bytes) -> list[str]:
    from validators import require_tool

    tool = shutil.which("pdftotext")
    require_tool("pdftotext", tool is not None, "poppler-utils is not installed")
    result = subprocess.run([str(tool), "-", "-"], input=data, capture_output=True, check=True)
    return words(result.stdout.decode("utf-8"))


def contains_run(haystack: list[str], needle: list[str]) -> bool:
    """Whether ``needle`` occurs in ``haystack`` as consecutive words."""
    n = len(needle)
    return any(haystack[i : i + n] == needle for i in range(len(haystack) - n + 1))
