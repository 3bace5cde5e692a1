"""Each PDF object serialised once while pydyf writes a document of ours.

Takes: nothing (:func:`install` wraps pydyf once, through :mod:`._weasy`).
Gives: :func:`memoised`, a context in which ``pydyf.PDF.write`` computes the
bytes of each dictionary, array and stream once.

Why: a document with an ``/ID`` (ours always have one: a digest of the
content, so rebuilds are byte-identical) makes pydyf (0.13) serialise every
object a second time for the MD5 half of the ``/ID`` -- every content stream,
font file and object stream compressed again at zlib level 9. That was about
2.5 ms of a 125 ms leaflet, most of what the tagged write cost over
WeasyPrint's own. Inside :func:`memoised`, the first ``data`` of an object
during a write is kept (with the object, so its ``id`` cannot be reused) and
returned again; outside it, and for bare WeasyPrint in the same process,
nothing changes. Objects are final when ``write`` starts (WeasyPrint and the
tag repairs have built them), so the bytes are the same either way:
``tests/test_pdf_serialise.py`` checks it byte for byte and that no object is
serialised twice.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from . import _weasy

_ENABLED: contextvars.ContextVar[bool] = contextvars.ContextVar("benech_publish_pdf_memo_on", default=False)
#: id(object) -> (object, bytes), for the write running in this context.
_MEMO: contextvars.ContextVar[dict[int, tuple[Any, bytes]] | None] = contextvars.ContextVar(
    "benech_publish_pdf_memo", default=None
)


class _MemoisedData(property):
    """A ``data`` property (a subclass, so the replacement can be marked by :func:`._weasy.replace`)."""


def _memoised_data(original: Any) -> Any:
    compute: Callable[[Any], bytes] = original.fget

    def data(self: Any) -> bytes:
        memo = _MEMO.get()
        if memo is None:
            return compute(self)
        kept = memo.get(id(self))
        if kept is None:
            kept = memo[id(self)] = (self, compute(self))
        return kept[1]

    return _MemoisedData(data, doc=original.__doc__)


def _memoised_write(original: _weasy.Function) -> _weasy.Function:
    def write(self: Any, *args: Any, **kwargs: Any) -> Any:
        if not _ENABLED.get():
            return original(self, *args, **kwargs)
        token = _MEMO.set({})
        try:
            return original(self, *args, **kwargs)
        finally:
            _MEMO.reset(token)

    return write


def install() -> None:
    """Wrap pydyf's ``PDF.write`` and the ``data`` of its containers once (idempotent)."""
    pydyf = _weasy.load().pydyf
    for cls in (pydyf.Dictionary, pydyf.Array, pydyf.Stream):
        _weasy.replace(cls, "data", _memoised_data)
    _weasy.replace(pydyf.PDF, "write", _memoised_write)


@contextmanager
def memoised() -> Iterator[None]:
    """Within this context, ``pydyf.PDF.write`` serialises each object once (see the module docstring)."""
    install()
    token = _ENABLED.set(True)
    try:
        yield
    finally:
        _ENABLED.reset(token)
