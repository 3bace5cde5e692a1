"""Each PDF object is serialised once while a document of ours is written (typeset/_serialise.py).

pydyf serialises every object a second time for the MD5 half of a PDF's
``/ID`` (content streams, fonts and the object stream compressed again). The
typesetter's writes keep the first serialisation: the bytes must be exactly
those of the unmemoised write, and no stream may be compressed twice.
"""

from __future__ import annotations

import datetime as dt
import io
import zlib
from contextlib import nullcontext
from pathlib import Path

import pikepdf
import pytest

from benech_publish import Options, Renderer, edition, load_content
from benech_publish.typeset import _serialise
from benech_publish.writers import Context
from benech_publish.writers.booklet import write_booklet
from benech_publish.writers.leaflet import write_leaflet

PROJECT = Path(__file__).resolve().parent.parent
CREATED = dt.datetime(2024, 9, 1, tzinfo=dt.UTC)

pytestmark = pytest.mark.slow


def _documents(root: Path):
    """(name, a function making the PDF bytes) for the leaflets and the booklets of ``root``."""
    content = load_content(root)
    ctx = Context(Renderer(), Options(), root, CREATED)
    for name in ("standard", "large"):
        ed = edition(name, ctx.options)
        for c in content.conditions:
            yield f"{c.lang}/{c.id} {name}", lambda c=c, ed=ed: write_leaflet(c, content.site, ed, ctx)
        for lang in content.site.languages:
            members = [c for c in content.conditions if c.lang == lang]
            if members:
                yield (
                    f"booklet {lang} {name}",
                    lambda members=members, lang=lang, ed=ed: write_booklet(
                        members, content.site, lang, ed, {"pdf"}, ctx
                    ).outputs["pdf"],
                )


@pytest.mark.parametrize("root", ["content", "tests/roots/booklet"])
def test_the_bytes_are_those_of_the_unmemoised_write(root, monkeypatch):
    for name, make in _documents(PROJECT / root):
        memoised = make()
        with monkeypatch.context() as patch:
            patch.setattr(_serialise, "memoised", nullcontext)
            plain = make()
        assert memoised == plain, name


def test_no_stream_is_compressed_twice(monkeypatch):
    content = load_content(PROJECT / "content")
    ctx = Context(Renderer(), Options(), PROJECT / "content", CREATED)
    condition = content.conditions[0]
    ed = edition("standard", ctx.options)
    write_leaflet(condition, content.site, ed, ctx)  # fonts loaded, wrappers installed

    def counted_write(memoise: bool) -> tuple[bytes, int]:
        calls = 0
        original = zlib.compressobj

        def counting(*args, **kwargs):
            nonlocal calls
            calls += 1
            return original(*args, **kwargs)

        with monkeypatch.context() as patch:
            patch.setattr(zlib, "compressobj", counting)
            if not memoise:
                patch.setattr(_serialise, "memoised", nullcontext)
            data = write_leaflet(condition, content.site, ed, ctx)
        return data, calls

    data, calls = counted_write(memoise=True)
    with pikepdf.open(io.BytesIO(data)) as pdf:
        streams = sum(isinstance(o, pikepdf.Stream) for o in pdf.objects)
    assert streams > 5
    assert calls == streams  # each stream once, the object and xref streams included
    _, unmemoised = counted_write(memoise=False)
    assert unmemoised > calls  # the test can fail: without the memo, pydyf compresses again for /ID


def test_outside_our_writes_pydyf_is_unchanged():
    _serialise.install()
    import pydyf

    stream = pydyf.Stream([b"BT ET"], compress=False)
    first = stream.data
    stream.stream.append(b"q Q")  # outside a memoised write, data follows the object
    assert stream.data != first and stream.data.endswith(b"BT ET\nq Q\nendstream")
