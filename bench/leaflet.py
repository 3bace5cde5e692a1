"""Benchmark of the PDF leaflet pipeline (issues 3 and 12).

Measures, for the standard and the large-print edition of the shipped English
condition:

1. per-leaflet time of the pipeline (``write_leaflet``: template, print
   preparation, layout, tag repairs, metadata), and of the pipeline plus the
   PDF/UA audit the build runs on every PDF it writes (``build.jobs.audit_problems``,
   from the bytes in memory), against bare WeasyPrint
   (``weasyprint.HTML(string=...).write_pdf(...)``, CSS parsed once, one
   ``FontConfiguration``) on exactly the XHTML and CSS the pipeline lays out
   (captured from its typesetter: the layout it keeps). Each measurement runs
   in a process of its own -- warm-up first, then N calls -- so no measurement
   leaves garbage, caches or a heap for another; rounds of these processes are
   interleaved. Calls are made at ``DEPTHS`` stack depths in turn (see there:
   on Python 3.11 the call depth alone moves a leaflet's time by up to 8 %),
   and the mean over depths of the median at each is reported, wall and CPU
   time. The pipeline runs with the garbage-collector setting the
   build uses (``benech_publish.build.collector``); bare WeasyPrint with
   Python's default and with that same setting;
2. the PDF size of the seed leaflets (target: under 150 KB);
3. the peak memory (max RSS, in a fresh child process) of a leaflet build
   generated from the seed condition.

Run: ``.venv/bin/python bench/leaflet.py [--runs 32] [--rounds 3] [--leaflets 50]``.
The figures go in docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
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
EPOCH = "1725148800"
MODES = ("bare", "bare_gc", "pipeline", "pipeline_audit")
#: Each timed call is made at one of this many extra stack depths, in turn. On
#: Python 3.11 the interpreter's frame stack grows in 16 KiB chunks, mapped when
#: recursion enters one and unmapped when it leaves (CPython gh-142183); where
#: WeasyPrint's deepest, most frequent calls cross a chunk boundary, one frame
#: more or less changes a leaflet's time by up to 8 % here (measured: 90.7 to
#: 99.0 ms for the same layout at 0-11 extra frames). Which depth is lucky
#: depends on the caller, so a single depth biases any ratio either way; the
#: figures are averaged over the depths instead (setup randomisation, as in
#: Mytkowicz et al., "Producing wrong data without doing anything obviously
#: wrong!", ASPLOS 2009).
DEPTHS = 16


def _setup(edition_name: str):  # type: ignore[no-untyped-def]
    import datetime as dt

    from benech_publish import Options, Renderer, edition, load_content
    from benech_publish.writers import Context

    content = load_content(CONTENT)
    options = Options()
    ctx = Context(Renderer(), options, CONTENT, dt.datetime(2024, 9, 1, tzinfo=dt.timezone.utc))
    (condition,) = [c for c in content.conditions if c.lang == "en"]
    return content, options, ctx, condition, edition(edition_name, options)


def capture(edition_name: str) -> tuple[str, list[str]]:
    """The prepared XHTML and CSS texts of the layout the pipeline keeps for the leaflet."""
    from benech_publish.typeset.engine import Typesetter
    from benech_publish.writers.leaflet import lay_out_leaflet

    content, _, ctx, condition, ed = _setup(edition_name)
    seen: list[tuple[str, list[str], object]] = []
    original = Typesetter.layout

    def recording(self, xhtml, stylesheets, *, hyphenate, where="", prepare=True, run_on=None):  # type: ignore[no-untyped-def]
        sheets = list(stylesheets)
        source = self.prepare(xhtml, hyphenate=hyphenate, where=where) if prepare else xhtml
        layout = original(self, source, sheets, hyphenate=hyphenate, where=where, prepare=False, run_on=run_on)
        seen.append((source, sheets, layout))
        return layout

    Typesetter.layout = recording  # type: ignore[method-assign]
    try:
        laid = lay_out_leaflet(condition, content.site, ed, ctx, stamp=False)  # as write_leaflet does
    finally:
        Typesetter.layout = original  # type: ignore[method-assign]
    (source, sheets), = [(s, c) for s, c, layout in seen if layout is laid.layout]
    return source, sheets


def child_time(mode: str, edition_name: str, runs: int, captured: str, out_json: str) -> None:
    """In a fresh process: ``runs`` timed calls of one measurement (after a warm-up)."""
    import gc

    from benech_publish.build.collector import THRESHOLDS

    if mode != "bare":
        gc.set_threshold(*THRESHOLDS)
    data = json.loads(Path(captured).read_text())
    if mode.startswith("bare"):
        import weasyprint
        from weasyprint.text.fonts import FontConfiguration

        font_config = FontConfiguration()
        css = [weasyprint.CSS(string=t, font_config=font_config) for t in data["sheets"]]
        base_url = CONTENT.resolve().as_uri() + "/"

        def call() -> bytes:
            return weasyprint.HTML(string=data["source"], base_url=base_url).write_pdf(
                stylesheets=css, font_config=font_config, pdf_variant="pdf/ua-1")
    else:
        from benech_publish.build.jobs import audit_problems
        from benech_publish.writers.leaflet import write_leaflet

        content, _, ctx, condition, ed = _setup(edition_name)

        def call() -> bytes:
            pdf = write_leaflet(condition, content.site, ed, ctx)
            if mode == "pipeline_audit":
                assert audit_problems(pdf)[0] == 0
            return pdf

    for depth in range(3):
        _at_depth(depth, call)
    wall, cpu, depths = [], [], []
    for i in range(runs):
        depth = i % DEPTHS
        w, c = time.perf_counter(), time.process_time()
        _at_depth(depth, call)
        wall.append(time.perf_counter() - w)
        cpu.append(time.process_time() - c)
        depths.append(depth)
    Path(out_json).write_text(json.dumps({"wall": wall, "cpu": cpu, "depth": depths, "size": len(call())}))


def _at_depth(depth: int, call):  # type: ignore[no-untyped-def]
    """``call()`` made ``depth`` Python frames deeper (see DEPTHS)."""
    return call() if depth == 0 else _at_depth(depth - 1, call)


def _depth_averaged(values: list[float], depths: list[int]) -> float:
    """The mean over call depths of the median at each depth (see DEPTHS)."""
    by_depth: dict[int, list[float]] = {}
    for value, depth in zip(values, depths, strict=True):
        by_depth.setdefault(depth, []).append(value)
    return statistics.mean(statistics.median(v) for v in by_depth.values())


def _child(*args: str) -> dict:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        result = Path(handle.name)
    env = dict(os.environ, SOURCE_DATE_EPOCH=EPOCH)
    subprocess.run([sys.executable, __file__, *args, str(result)], env=env, check=True)
    data = json.loads(result.read_text())
    result.unlink()
    return data


def bench_time(runs: int, rounds: int) -> dict:
    results: dict = {"editions": {}}
    with tempfile.TemporaryDirectory(prefix="bench-leaflet-") as tmp:
        captured = {}
        for ed_name in ("standard", "large"):
            source, sheets = capture(ed_name)
            path = Path(tmp) / f"{ed_name}.json"
            path.write_text(json.dumps({"source": source, "sheets": sheets}))
            captured[ed_name] = str(path)
        samples = {ed: {m: {"wall": [], "cpu": [], "depth": []} for m in MODES} for ed in captured}
        sizes: dict[str, dict[str, int]] = {ed: {} for ed in captured}
        for _ in range(rounds):
            for ed_name, path in captured.items():
                for mode in MODES:
                    r = _child("--child", mode, ed_name, str(runs), path)
                    for key in ("wall", "cpu", "depth"):
                        samples[ed_name][mode][key] += r[key]
                    sizes[ed_name][mode] = r["size"]
        for ed_name, by_mode in samples.items():
            med = {
                m: {k: _depth_averaged(t[k], t["depth"]) * 1000 for k in ("wall", "cpu")} for m, t in by_mode.items()
            }
            results["editions"][ed_name] = {"ms": med, "size_bytes": sizes[ed_name]["pipeline"],
                                            "bare_size_bytes": sizes[ed_name]["bare"]}
    return results




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
        proc = subprocess.run([sys.executable, __file__, "--child-build", str(content), str(Path(tmp) / "out")],
                              capture_output=True, text=True, env=env, check=True)
        match = re.search(r"RESULT leaflets=(\d+) seconds=([\d.]+) peak_rss_mib=([\d.]+)", proc.stdout)
        assert match, proc.stdout + proc.stderr
        sizes = [p.stat().st_size for p in (Path(tmp) / "out").rglob("*.pdf")]
        return {"conditions": count, "leaflets": int(match[1]), "seconds": float(match[2]),
                "peak_rss_mib": float(match[3]), "mean_size_kb": statistics.mean(sizes) / 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=32, help="calls per process (a multiple of DEPTHS)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--leaflets", type=int, default=50, help="conditions in the memory build")
    parser.add_argument("--child-build", nargs=2, metavar=("CONTENT", "OUT"), help=argparse.SUPPRESS)
    parser.add_argument("--child", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_build:
        child_build(*args.child_build)
        return
    if args.child:
        mode, ed_name, runs, captured, out_json = args.child
        child_time(mode, ed_name, int(runs), captured, out_json)
        return
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"{platform.platform()}")
    load_before = os.getloadavg()[0]
    t = bench_time(args.runs, args.rounds)
    import weasyprint

    print(f"WeasyPrint {weasyprint.__version__}; load average before: {load_before:.1f}, "
          f"after: {os.getloadavg()[0]:.1f}")
    print(f"per leaflet, {args.rounds} x {args.runs} calls, each measurement in its own process, at {DEPTHS} "
          "stack depths in turn, the mean over depths of the median at each (seed condition, en); "
          "wall ms (CPU ms):")
    for name, r in t["editions"].items():
        ms = r["ms"]
        line = " | ".join(f"{m} {ms[m]['wall']:.1f} ({ms[m]['cpu']:.1f})" for m in MODES)
        print(f"  {name:8} {line} | {r['size_bytes'] / 1024:.1f} KB (bare {r['bare_size_bytes'] / 1024:.1f} KB)")
        for base in ("bare", "bare_gc"):
            print(f"           against {base}: pipeline {ms['pipeline']['wall'] / ms[base]['wall']:.3f} "
                  f"(CPU {ms['pipeline']['cpu'] / ms[base]['cpu']:.3f}), pipeline + audit "
                  f"{ms['pipeline_audit']['wall'] / ms[base]['wall']:.3f} "
                  f"(CPU {ms['pipeline_audit']['cpu'] / ms[base]['cpu']:.3f})")
    mem = bench_memory(args.leaflets)
    print(f"build of {mem['conditions']} conditions = {mem['leaflets']} leaflets: {mem['seconds']:.1f} s "
          f"({mem['seconds'] / mem['leaflets'] * 1000:.0f} ms/leaflet), peak RSS {mem['peak_rss_mib']:.0f} MiB, "
          f"mean PDF {mem['mean_size_kb']:.1f} KB")


if __name__ == "__main__":
    main()
