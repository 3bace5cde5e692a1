"""Typesetting: the only code that drives WeasyPrint (and pydyf).

Takes: print XHTML and CSS texts from the render stage. Gives: laid-out
documents, tagged PDF/UA bytes, and facts read from the layout (page starts
for the EPUB page-list). WeasyPrint is imported on the first
:class:`Typesetter`, not when this package is imported.

Modules:

* :mod:`._weasy` -- the one door to WeasyPrint and pydyf; checks the supported
  version and every internal used, or raises :class:`~benech_publish.errors.RenderError`;
* :mod:`.engine` -- :class:`Typesetter`: XHTML + CSS → :class:`Layout` → PDF bytes
  (shared ``FontConfiguration``, parsed-CSS cache, print preparation);
* :mod:`.tags` -- the structure-tree repairs applied while the PDF is written;
* :mod:`.pagelist` -- where each printed page begins, and page-break markers for the EPUB;
* :mod:`.fonts` -- the shipped typeface and its coverage;
* :mod:`.hyphenation` -- pyphen dictionaries and the medical exception lists.
"""

from __future__ import annotations

from ._runon import RunOn
from .engine import Layout, Typesetter, page_of_css

__all__ = ["Layout", "RunOn", "Typesetter", "page_of_css"]
