"""Small helpers for PDF objects read with pikepdf: names as text, stable object keys."""

from __future__ import annotations

from typing import Any

import pikepdf

#: An object's number and generation; for a direct object, (-1, hash of its serialised form).
Key = tuple[int, int]


def name_text(value: Any) -> str:
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
