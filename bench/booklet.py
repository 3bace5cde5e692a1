"""Benchmark: booklet build time (EPUB and PDF separately) and peak memory.

Usage::

    .venv/bin/python bench/booklet.py            # table for docs/performance.md
    .venv/bin/python bench/booklet.py --runs 5

Scenarios: the shipped ``content/`` (English, one condition) and a generated
catalogue of 50 conditions (the three chapters of ``tests/roots/booklet``
repeated with new ids, one in three with a figure). Each measurement runs in a
fresh Python process (so peak RSS belongs to that measurement alone), builds
one booklet (standard and large print) through ``BookletWriter.build`` with
``formats={"pdf"}`` or ``{"epub"}`` and reports the median wall time of
``--runs`` builds after one warm-up build (fonts loaded, templates compiled).
The EPUB time includes laying out the PDF: the page-list needs its pagination.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from catalogue import _with_provenance  # noqa: E402 - approved conditions need their review data
SOURCES = PROJECT / "tests" / "roots" / "booklet"


def make_catalogue(dest: Path, count: int = 50) -> Path:
    """A content folder with ``count`` English conditions."""
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(SOURCES, dest)
    templates = sorted((dest / "en").glob("*.md"))
    for path in templates:
        path.unlink()
    texts = [(p.stem, p.read_text(encoding="utf-8")) for p in sorted((SOURCES / "en").glob("*.md"))]
    for i in range(count):
        stem, text = texts[i % len(texts)]
        new_id = f"{stem}-{i + 1:02d}"
        text = re.sub(r"^id: .*$", f"id: {new_id}", text, count=1, flags=re.M)
        text = re.sub(r"^title: (.*)$", rf"title: \1 {i + 1}", text, count=1, flags=re.M)
        text = _with_provenance(text.replace("status: draft", "status: approved"))
        (dest / "en" / f"{new_id}.md").write_text(text, encoding="utf-8")
    site = (dest / "site.yaml").read_text(encoding="utf-8")
    site = re.sub(r"order:\n(  - .*\n)+", "order: []\n", site)
    (dest / "site.yaml").write_text(site, encoding="utf-8")
    return dest


def measure_one(root: Path, fmt: str, edition_name: str, runs: int) -> dict:
    """Run in a child process: build one booklet ``runs`` times; time and peak memory."""
    os.environ.setdefault("SOURCE_DATE_EPOCH", "1733011200")
    from benech_publish import Options, load_content
    from benech_publish.render import Renderer, edition
    from benech_publish.util import source_date
    from benech_publish.writers import Context
    from benech_publish.writers.booklet import write_booklet

    content = load_content(root)
    options = Options(include_drafts=True)
    ctx = Context(Renderer(), options, root, source_date())
    members = content.in_language("en", include_drafts=True)
    ed = edition(edition_name, options)
    write_booklet(members, content.site, "en", ed, {fmt}, ctx)  # warm-up
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        booklet = write_booklet(members, content.site, "en", ed, {fmt}, ctx)
        times.append(time.perf_counter() - start)
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"conditions": len(members), "pages": booklet.pages,
            "seconds": statistics.median(times), "peak_mib": peak_kib / 1024,
            "bytes": len(booklet.outputs[fmt])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--one", nargs=3, metavar=("ROOT", "FORMAT", "EDITION"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        root, fmt, ed = args.one
        print(json.dumps(measure_one(Path(root), fmt, ed, args.runs)))
        return
    with tempfile.TemporaryDirectory(prefix="bench-booklet-") as tmp:
        roots = {"shipped content (en)": PROJECT / "content",
                 "50-condition catalogue": make_catalogue(Path(tmp) / "catalogue")}
        print("| Content | Edition | Format | Conditions | Pages | Time (median) | Peak RSS | Size |")
        print("|---|---|---|---:|---:|---:|---:|---:|")
        for label, root in roots.items():
            for ed in ("standard", "large"):
                for fmt in ("pdf", "epub"):
                    out = subprocess.run(
                        [sys.executable, __file__, "--runs", str(args.runs), "--one", str(root), fmt, ed],
                        capture_output=True, text=True, check=True)
                    r = json.loads(out.stdout.strip().splitlines()[-1])
                    print(f"| {label} | {ed} | {fmt.upper()} | {r['conditions']} | {r['pages']} | "
                          f"{r['seconds']:.2f} s | {r['peak_mib']:.0f} MiB | {r['bytes'] / 1024:.0f} KiB |",
                          flush=True)


if __name__ == "__main__":
    main()
