"""A generated catalogue for the build benchmark: N conditions per language (it and en).

``make_catalogue(dest, per_language=24)`` copies the shipped ``content/``
(site, logo, the Italian and English seed condition) and adds the three
English chapters of ``tests/roots/booklet`` (tables, lists, a note, a figure),
then writes ``per_language`` conditions per language, cycling over those
texts with new ids and numbered titles, all ``status: approved`` so every
booklet is built without ``--include-drafts``.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
SHIPPED = PROJECT / "content"
CHAPTERS = PROJECT / "tests" / "roots" / "booklet"


def make_catalogue(dest: Path, per_language: int = 24) -> Path:
    """Write the catalogue under ``dest`` (replaced when it exists); return ``dest``."""
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(SHIPPED, dest)
    for image in (CHAPTERS / "images").iterdir():
        if not (dest / "images" / image.name).exists():
            shutil.copy2(image, dest / "images" / image.name)
    seeds: dict[str, list[tuple[str, str]]] = {}
    for lang in ("it", "en"):
        sources = sorted((SHIPPED / lang).glob("*.md"))
        if lang == "en":
            sources += sorted((CHAPTERS / "en").glob("*.md"))
        seeds[lang] = [(p.stem, p.read_text(encoding="utf-8")) for p in sources]
        for path in (dest / lang).glob("*.md"):
            path.unlink()
    for lang, texts in seeds.items():
        for i in range(per_language):
            stem, text = texts[i % len(texts)]
            new_id = f"{stem}-{i + 1:02d}"
            text = re.sub(r"^id: .*$", f"id: {lang}-{new_id}", text, count=1, flags=re.M)
            text = re.sub(r"^title: (.*)$", rf"title: \1 {i + 1}", text, count=1, flags=re.M)
            text = re.sub(r"^status: draft$", "status: approved", text, flags=re.M)
            (dest / lang / f"{new_id}.md").write_text(text, encoding="utf-8")
    site = (dest / "site.yaml").read_text(encoding="utf-8")
    site = re.sub(r"order:\n(  - .*\n)+", "order: []\n", site)
    (dest / "site.yaml").write_text(site, encoding="utf-8")
    return dest
