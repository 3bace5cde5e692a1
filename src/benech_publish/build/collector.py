"""The garbage collector's setting while a build typesets.

Takes: nothing. Gives: :data:`THRESHOLDS`, and :func:`typesetting`, a context
manager that applies them for the duration of a build in the calling process
(and restores what was set before); each worker process applies them once,
for its life (:mod:`.pool`).

Why: laying out a document allocates hundreds of thousands of objects (boxes,
styles, text runs) that live until the document is written, so with Python's
default first threshold (700 allocations) the collector runs thousands of
times per build and, each time a full collection is due, walks every laid-out
box. Measured on the 48-condition catalogue of ``bench/build.py`` with
``--jobs 1``: 6.1 s of the build's 44 s of CPU time went to the collector;
with a first threshold of 10,000 it takes 2.5 s, and the process peaks at
278 MiB instead of 210 MiB (garbage with reference cycles lives a little
longer). Bare WeasyPrint pays the same cost: ``bench/build.py`` reports it
with both settings (``docs/performance.md``).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

#: (generation 0, generation 1, generation 2) thresholds while typesetting.
THRESHOLDS = (10_000, 10, 10)


@contextmanager
def typesetting() -> Iterator[None]:
    """Apply :data:`THRESHOLDS` in this process until the block ends."""
    before = gc.get_threshold()
    gc.set_threshold(*THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*before)
