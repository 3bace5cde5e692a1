"""A generated catalogue for the build benchmark: N conditions per language (it and en).

``make_catalogue(dest, per_language=24)`` copies the shipped ``content/``
(site, logo, the Italian and English seed condition) and adds the three
English chapters of ``tests/roots/booklet`` (tables, lists, a note, a figure),
then writes ``per_language`` conditions per language, cycling over those
texts with new ids and numbered titles, all ``status: approved`` so every
booklet is built without ``--include-drafts``. Approved text must say who
reviewed it, when, and its sources (``check`` enforces it), and the site its
contacts and feedback route: the catalogue fills those in with fictional
values of realistic length, as a clinic's own content would have them.
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
            text = _with_provenance(text)
            (dest / lang / f"{new_id}.md").write_text(text, encoding="utf-8")
    site = (dest / "site.yaml").read_text(encoding="utf-8")
    site = re.sub(r"order:\n(  - .*\n)+", "order: []\n", site)
    site = re.sub(r'^(  phone: )""', r'\1"+39 011 000 0000"', site, flags=re.M)
    site = re.sub(r'^(  email: )""', r'\1"info@clinic.example"', site, flags=re.M)
    site = re.sub(r'^(  url: )""', r'\1"https://clinic.example/feedback"', site, flags=re.M)
    (dest / "site.yaml").write_text(site, encoding="utf-8")
    return dest


#: Fictional review data of realistic length (the fields a clinic fills in).
_PROVENANCE = {
    "authors": "authors: [Dr Marco Bianchi]",
    "reviewers": "reviewers: [Dr Anna Rossi]",
    "reviewed_on": "reviewed_on: 2025-09-01",
    "review_due": "review_due: 2027-09-01",
    "sources": (
        "sources:\n  - title: Hemifacial spasm, a review\n    publisher: Example Society of Neurology\n"
        "    year: 2024\n    url: https://society.example/hfs"
    ),
}


def _with_provenance(text: str) -> str:
    """``text`` with every empty provenance field of its front matter filled in."""
    for key, value in _PROVENANCE.items():
        if re.search(rf"^{key}:[ \t]*(\[\])?[ \t]*(#.*)?$", text, flags=re.M):
            text = re.sub(rf"^{key}:[ \t]*(\[\])?[ \t]*(#.*)?$", lambda _m, v=value: v, text, count=1, flags=re.M)
        elif not re.search(rf"^{key}:", text, flags=re.M):
            text = text.replace("\n---\n", f"\n{value}\n---\n", 1)
    return text
