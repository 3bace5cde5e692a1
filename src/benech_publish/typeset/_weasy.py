"""The one door to WeasyPrint and pydyf: checks the supported version once, fails loudly.

Takes: nothing (imports WeasyPrint and pydyf on the first call). Gives:
:class:`Engine`, a typed bundle of every WeasyPrint and pydyf name the
typesetting package uses, public API and private internals alike (the box
tree classes, the ``add_tags`` hook the tag repairs replace, a page's laid-out
box). No other module of the package imports from ``weasyprint`` directly, so
a WeasyPrint upgrade that moves one internal name is caught here, in one
place, with a :class:`~benech_publish.errors.RenderError` naming the installed
and the supported versions — never a silent fallback to untagged output::

    engine = load()            # RenderError when WeasyPrint is not 70.x or lacks an internal
    document = engine.html_from_tree(root, base_url=..., url_fetcher=...).render(...)

Raising the pin means re-checking the defects in ``tests/test_pdf_tags.py``
(each first shows the defect on bare WeasyPrint) against the new version.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from types import ModuleType
from typing import Any, NamedTuple

from ..errors import RenderError

#: The WeasyPrint major version whose internals (box tree, ``Stream._tags``,
#: ``box.link_annotation``, ``Page._page_box``,
#: ``layout.inline.split_text_box``/``remove_last_whitespace``,
#: ``layout.block.block_level_page_break``, ``layout.page.page_height``, pydyf content lists) the
#: typesetting package is written against.
SUPPORTED_WEASYPRINT_MAJOR = 70

#: (module, attribute) pairs the package reaches; each must exist.
_REQUIRED: tuple[tuple[str, str], ...] = (
    ("weasyprint", "HTML"),
    ("weasyprint", "_find_base_url"),
    ("weasyprint", "CSS"),
    ("weasyprint", "Document"),
    ("weasyprint.text.fonts", "FontConfiguration"),
    ("weasyprint.urls", "URLFetcher"),
    ("weasyprint.urls", "URLFetchingError"),
    ("weasyprint.pdf", "add_tags"),
    ("weasyprint.formatting_structure.boxes", "Box"),
    ("weasyprint.formatting_structure.boxes", "MarginBox"),
    ("weasyprint.formatting_structure.boxes", "TextBox"),
    ("weasyprint.formatting_structure.boxes", "LineBox"),
    ("weasyprint.formatting_structure.boxes", "ReplacedBox"),
    ("weasyprint.formatting_structure.boxes", "InlineBox"),
    ("weasyprint.formatting_structure.boxes", "BlockBox"),
    ("weasyprint.layout.absolute", "AbsolutePlaceholder"),
    ("weasyprint.layout.inline", "split_text_box"),
    ("weasyprint.layout.inline", "remove_last_whitespace"),
    ("weasyprint.layout.block", "block_level_page_break"),
    ("weasyprint.layout.page", "page_height"),
    ("pydyf", "Dictionary"),
    ("pydyf", "Array"),
    ("pydyf", "String"),
    ("pydyf", "Stream"),
    ("pydyf", "PDF"),
)


class Engine(NamedTuple):
    """Every WeasyPrint/pydyf name the package uses, resolved and checked."""

    version: str
    HTML: Any
    find_base_url: Callable[[Any, str], str]  # weasyprint._find_base_url: a <base href> or the fallback
    CSS: Any
    Document: Any
    FontConfiguration: Any
    URLFetcher: Any
    URLFetchingError: type[Exception]
    pdf: ModuleType  # weasyprint.pdf: its ``add_tags`` is replaced by the tag repairs
    boxes: ModuleType  # weasyprint.formatting_structure.boxes
    inline: ModuleType  # weasyprint.layout.inline: its line-breaking functions are observed (_breaks)
    block_layout: ModuleType  # weasyprint.layout.block: forced breaks between units (_runon)
    page_layout: ModuleType  # weasyprint.layout.page: the page being made (_runon)
    AbsolutePlaceholder: type
    pydyf: ModuleType

    def html_from_tree(self, root: Any, *, base_url: str, url_fetcher: Any) -> Any:
        """A ``weasyprint.HTML`` for an element tree already parsed (:mod:`._xmltree`).

        Sets exactly the attributes ``HTML.__init__`` sets after its own parse
        (70.x; a test compares the two), so the document renders as
        ``HTML(string=...)`` would from the same tree.
        """
        import cssselect2

        html = self.HTML.__new__(self.HTML)
        html.base_url = self.find_base_url(root, base_url)
        html.url_fetcher = url_fetcher
        html.media_type = "print"
        html.wrapper_element = cssselect2.ElementWrapper.from_html_root(root, content_language=None)
        html.etree_element = html.wrapper_element.etree_element
        return html

    @staticmethod
    def page_box(page: Any) -> Any:
        """The laid-out root box of a ``weasyprint.Page`` (a private attribute in 70.x)."""
        return page._page_box


def _problem(found: str, detail: str) -> RenderError:
    return RenderError(
        f"WeasyPrint {found} is installed, but benech-publish supports WeasyPrint "
        f"{SUPPORTED_WEASYPRINT_MAJOR}.x only ({detail}): install 'weasyprint>="
        f"{SUPPORTED_WEASYPRINT_MAJOR},<{SUPPORTED_WEASYPRINT_MAJOR + 1}'"
    )


def load() -> Engine:
    """Import WeasyPrint and pydyf, check the version and every internal used; see the module docstring."""
    try:
        import weasyprint
    except ImportError as exc:
        raise RenderError(
            f"WeasyPrint cannot be imported ({exc}): PDF output needs "
            f"'weasyprint>={SUPPORTED_WEASYPRINT_MAJOR},"
            f"<{SUPPORTED_WEASYPRINT_MAJOR + 1}' and Pango"
        ) from exc
    except OSError as exc:  # WeasyPrint loads Pango with ctypes/cffi when imported
        raise RenderError(
            f"WeasyPrint cannot load Pango ({exc}): install the system packages "
            "libpango-1.0-0, libpangoft2-1.0-0 and libharfbuzz-subset0 "
            "(Debian/Ubuntu names; 'make build' does it as root)"
        ) from exc
    version = str(getattr(weasyprint, "__version__", "unknown"))
    try:
        major = int(version.split(".")[0])
    except ValueError:
        major = -1
    if major != SUPPORTED_WEASYPRINT_MAJOR:
        raise _problem(version, "its internals differ")
    try:
        import pydyf
        import weasyprint.formatting_structure.boxes
        import weasyprint.layout.absolute
        import weasyprint.layout.block
        import weasyprint.layout.inline
        import weasyprint.layout.page
        import weasyprint.pdf
        import weasyprint.text.fonts
        import weasyprint.urls
    except ImportError as exc:
        raise _problem(version, f"a module is missing: {exc}") from exc
    for module_name, attribute in _REQUIRED:
        module = sys.modules.get(module_name)
        if module is None or not hasattr(module, attribute):
            raise _problem(version, f"{module_name}.{attribute} is missing")
    if not hasattr(weasyprint, "Page") or not hasattr(weasyprint.Page, "__init__"):
        raise _problem(version, "weasyprint.Page is missing")
    return Engine(
        version=version,
        HTML=weasyprint.HTML,
        find_base_url=weasyprint._find_base_url,
        CSS=weasyprint.CSS,
        Document=weasyprint.Document,
        FontConfiguration=weasyprint.text.fonts.FontConfiguration,
        URLFetcher=weasyprint.urls.URLFetcher,
        URLFetchingError=weasyprint.urls.URLFetchingError,
        pdf=weasyprint.pdf,
        boxes=weasyprint.formatting_structure.boxes,
        inline=weasyprint.layout.inline,
        block_layout=weasyprint.layout.block,
        page_layout=weasyprint.layout.page,
        AbsolutePlaceholder=weasyprint.layout.absolute.AbsolutePlaceholder,
        pydyf=pydyf,
    )


_REPLACE_LOCK = threading.Lock()
Function = Callable[..., Any]


def replace(module: ModuleType | type, name: str, make: Callable[[Function], Function]) -> None:
    """Replace WeasyPrint's (or pydyf's) ``module.name`` by ``make(original)``, once per process.

    ``module`` may be a class (a method or property of it is replaced).

    Idempotent and thread-safe: a second call finds the replacement (marked) and
    does nothing. The original stays reachable as the replacement's
    ``__wrapped__``. The replacements of this package (the tag repairs, the line
    breaker's records, run-on units) each do nothing unless a context variable
    of theirs is set, so bare WeasyPrint in the same process is unchanged.
    """
    with _REPLACE_LOCK:
        current = getattr(module, name)
        if getattr(current, "_benech_publish", False):
            return
        wrapper = make(current)
        wrapper._benech_publish = True  # type: ignore[attr-defined]
        wrapper.__wrapped__ = current  # type: ignore[attr-defined]
        setattr(module, name, wrapper)
