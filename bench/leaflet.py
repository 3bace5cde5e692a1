"""Benchmark of the PDF leaflet pipeline (issue 3).

Measures, in one process and after a warm-up:

1. per-leaflet time of the pipeline (``write_leaflet``: template, print
   preparation, layout, tag repairs, metadata), and of the pipeline plus the
   PDF/UA audit the build runs on every PDF it writes (``build.jobs.audit_problems``,
   from the bytes in memory), against bare WeasyPrint on the same HTML and CSS
   (``weasyprint.HTML(string=...).write_pdf(...)``), median of N interleaved
   runs, for the standard and the large-print edition;
2. the PDF size of the seed leaflets (target: under 150 KB);
3. the peak memory (max RSS, in a fresh child process) of a 50-leaflet build
   generated from the seed condition.

Run: ``.venv/bin/python bench/leaflet.py [--runs 15] [--leaflets 50]``.
The figures go in docs/performance.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content"


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def bench_time(runs: int) -> dict:
    os.environ.setdefault("SOURCE_DATE_EPOCH", "1725148800")
    t0 = time.perf_counter()
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration
    import_s = time.perf_counter() - t0

    import datetime as dt

    from benech_publish import Options, Renderer, edition, load_content
    from benech_publish.build.jobs import audit_problems
    from benech_publish.writers import Context
    from benech_publish.writers.leaflet import leaflet_xhtml, write_leaflet

    content = load_content(CONTENT)
    options = Options()
    ctx = Context(Renderer(), options, CONTENT, dt.datetime(2024, 9, 1, tzinfo=dt.timezone.utc))
    results = {"import_weasyprint_s": import_s, "editions": {}}
    (condition,) = [c for c in content.conditions if c.lang == "en"]
    for ed_name in ("standard", "large"):
        ed = edition(ed_name, options)
        css_texts = ctx.print_stylesheets(ed, content.site, condition.lang)
        # The exact HTML the pipeline lays out (after prepare()).
        html = ctx.typesetter.prepare(leaflet_xhtml(condition, content.site, ed, ctx),
                                      hyphenate=ed.hyphenate)
        base_url = CONTENT.resolve().as_uri() + "/"
        bare_fc = FontConfiguration()
        bare_css = [weasyprint.CSS(string=t, font_config=bare_fc) for t in css_texts]

        def bare_cached() -> bytes:
            return weasyprint.HTML(string=html, base_url=base_url).write_pdf(
                stylesheets=bare_css, font_config=bare_fc, pdf_variant=options.pdf_variant)

        def bare_naive() -> bytes:
            fc = FontConfiguration()
            css = [weasyprint.CSS(string=t, font_config=fc) for t in css_texts]
            return weasyprint.HTML(string=html, base_url=base_url).write_pdf(
                stylesheets=css, font_config=fc, pdf_variant=options.pdf_variant)

        def pipeline() -> bytes:
            return write_leaflet(condition, content.site, ed, ctx)

        def pipeline_audit() -> bytes:
            data = write_leaflet(condition, content.site, ed, ctx)
            assert audit_problems(data)[0] == 0
            return data

        for fn in (bare_cached, bare_naive, pipeline, pipeline_audit, bare_cached, pipeline):  # warm-up
            fn()
        samples: dict[str, list[float]] = {"bare": [], "bare_naive": [], "pipeline": [],
                                           "pipeline_audit": []}
        for _ in range(runs):  # interleaved, so drift hits all of them alike
            for name, fn in (("bare", bare_cached), ("bare_naive", bare_naive),
                             ("pipeline", pipeline), ("pipeline_audit", pipeline_audit)):
                t = time.perf_counter()
                fn()
                samples[name].append(time.perf_counter() - t)
        pdf = pipeline()
        results["editions"][ed_name] = {
            "bare_ms": _median_ms(samples["bare"]),
            "bare_naive_ms": _median_ms(samples["bare_naive"]),
            "pipeline_ms": _median_ms(samples["pipeline"]),
            "ratio": statistics.median(samples["pipeline"]) / statistics.median(samples["bare"]),
            "pipeline_audit_ms": _median_ms(samples["pipeline_audit"]),
            "ratio_audit": (statistics.median(samples["pipeline_audit"])
                            / statistics.median(samples["bare"])),
            "pages": _pages(pdf),
            "size_bytes": len(pdf),
            "bare_size_bytes": len(bare_cached()),
        }
    return results


def _pages(pdf: bytes) -> int:
    import pikepdf
    import io

    with pikepdf.open(io.BytesIO(pdf)) as doc:
        return len(doc.pages)


def make_content(target: Path, count: int) -> Path:
    """A content folder with ``count`` English conditions cloned from the seed."""
    shutil.copytree(CONTENT, target)
    shutil.rmtree(target / "it")
    seed = next((target / "en").glob("*.md"))
    text = seed.read_text(encoding="utf-8")
    seed.unlink()
    for i in range(1, count + 1):
        body = re.sub(r"^id: .*$", f"id: condition-{i:02d}", text, count=1, flags=re.M)
        body = re.sub(r"^title: (.*)$", rf"title: \1 {i}", body, count=1, flags=re.M)
        (target / "en" / f"condition-{i:02d}.md").write_text(body, encoding="utf-8")
    return target


def child_build(content: str, out: str) -> None:
    """Build only the leaflets (standard + large) of ``content``; print timing and peak RSS."""
    from benech_publish import Options, load_content
    from benech_publish.build import plan, run

    t = time.perf_counter()
    loaded = load_content(content)
    options = Options(formats=("pdf",))
    jobs = [j for j in plan(loaded, out, options) if j.kind == "leaflet"]
    report = run(jobs, loaded, options.with_(jobs=1))
    elapsed = time.perf_counter() - t
    assert not report.failures, report.failures
    rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(f"RESULT leaflets={len(jobs)} seconds={elapsed:.2f} peak_rss_mib={rss_kb / 1024:.1f}")


def bench_memory(count: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-leaflets-") as tmp:
        content = make_content(Path(tmp) / "content", count)
        env = dict(os.environ, SOURCE_DATE_EPOCH="1725148800")
        proc = subprocess.run([sys.executable, __file__, "--child", str(content), str(Path(tmp) / "out")],
                              capture_output=True, text=True, env=env, check=True)
        match = re.search(r"RESULT leaflets=(\d+) seconds=([\d.]+) peak_rss_mib=([\d.]+)", proc.stdout)
        assert match, proc.stdout + proc.stderr
        sizes = [p.stat().st_size for p in (Path(tmp) / "out").rglob("*.pdf")]
        return {"conditions": count, "leaflets": int(match[1]), "seconds": float(match[2]),
                "peak_rss_mib": float(match[3]), "mean_size_kb": statistics.mean(sizes) / 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--leaflets", type=int, default=50, help="conditions in the memory build")
    parser.add_argument("--child", nargs=2, metavar=("CONTENT", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child_build(*args.child)
        return
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"{platform.platform()}")
    load_before = os.getloadavg()[0]
    t = bench_time(args.runs)
    import weasyprint

    print(f"WeasyPrint {weasyprint.__version__}; import weasyprint: {t['import_weasyprint_s']:.2f} s")
    print(f"load average before: {load_before:.1f}, after: {os.getloadavg()[0]:.1f}")
    print(f"per leaflet, median of {args.runs} runs (seed condition, en):")
    for name, r in t["editions"].items():
        print(f"  {name:8} bare {r['bare_ms']:6.1f} ms | bare, CSS parsed per call "
              f"{r['bare_naive_ms']:6.1f} ms | pipeline {r['pipeline_ms']:6.1f} ms | "
              f"pipeline/bare {r['ratio']:.3f} | pipeline+audit {r['pipeline_audit_ms']:6.1f} ms, "
              f"/bare {r['ratio_audit']:.3f} | "
              f"{r['pages']} pages, {r['size_bytes'] / 1024:.1f} KB (bare {r['bare_size_bytes'] / 1024:.1f} KB)")
    mem = bench_memory(args.leaflets)
    print(f"build of {mem['conditions']} conditions = {mem['leaflets']} leaflets: {mem['seconds']:.1f} s "
          f"({mem['seconds'] / mem['leaflets'] * 1000:.0f} ms/leaflet), peak RSS {mem['peak_rss_mib']:.0f} MiB, "
          f"mean PDF {mem['mean_size_kb']:.1f} KB")


if __name__ == "__main__":
    main()
