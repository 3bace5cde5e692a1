"""Importers: bring existing pages into ``content/`` as draft Markdown files.

Takes: a source (for now, WordPress REST API pages). Gives: files in the
documented content format and an :class:`ImportReport`. See ``docs/import.md``.

    from benech_publish.importer import import_wordpress

    report = import_wordpress("page.json", "content")
    for page in report.pages:
        print(page.status, page.path, page.review)
"""

from __future__ import annotations

from .wordpress import ImportReport, PageResult, import_wordpress, page_to_condition

__all__ = ["ImportReport", "PageResult", "import_wordpress", "page_to_condition"]
