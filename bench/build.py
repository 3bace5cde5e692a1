"""Benchmark: the whole build of a generated catalogue, against bare WeasyPrint.

Usage::

    .venv/bin/python bench/build.py                 # 24 conditions per language, 3 rounds
    .venv/bin/python bench/build.py --per-language 24 --rounds 5
    .venv/bin/python bench/build.py --only noop --rounds 15   # one build, then the no-op only

The catalogue (``bench/catalogue.py``): 24 conditions per language (it, en),
both editions, all formats = 96 web pages, 96 leaflets, 4 booklets as PDF
and EPUB. Measured, in rounds interleaved so that load on a shared machine
hits every measurement alike (medians reported, with the load average):

* **bare**: ``weasyprint.HTML(string=...).write_pdf(...)`` on exactly the
  XHTML and CSS the pipeline lays out for every PDF of the catalogue (captured
  from the pipeline's own ``Typesetter``: the last layout of each document, in
  a process of its own, and saved), one after the other in a fresh warm
  process (CSS parsed once, one ``FontConfiguration``): the serial bare time,
  with Python's default garbage-collector setting, and again with the setting
  the build uses while typesetting (``benech_publish.build.collector``);
* **bare, 2 processes**: the same bare documents split over two spawned
  processes (start-up, capture and fonts included): what two cores of the
  machine give the bare engine, the floor for ``--jobs 2``;
* **build --jobs 1 / --jobs 2**: ``benech-publish build --force`` in a fresh
  process, wall time of the whole process (interpreter start-up, imports,
  loading, every format, the PDF audit included), and the peak RSS of the
  main process and of the largest worker;
  CPU time (user + system, the workers' included) is reported too: on a
  shared, loaded machine it is steadier than wall time;
* **no-op rebuild**: the same command again with nothing changed: wall time
  of the installed ``benech-publish build`` command as a user runs it (a
  process of its own: interpreter start-up and imports included, none of this
  script's), and of ``build()`` alone;
* **one-condition edit**: one English condition changed, ``--jobs 2``: what
  was written and how long it took.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from catalogue import make_catalogue  # noqa: E402

EPOCH = "1767225600"


def capture_documents(root: Path) -> list[tuple[str, list[str]]]:
    """(prepared XHTML, CSS texts) of the final layout of every PDF the build makes."""
    import datetime as dt

    from benech_publish import Options, load_content
    from benech_publish.build import KINDS, plan
    from benech_publish.render import Renderer
    from benech_publish.typeset.engine import Typesetter
    from benech_publish.writers import Context

    content = load_content(root)
    options = Options()
    ctx = Context(Renderer(), options, root, dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc))
    last: list[tuple[str, list[str]]] = []
    original = Typesetter.layout

    def recording(self, xhtml, stylesheets, *, hyphenate, where="", prepare=True, run_on=None):  # type: ignore[no-untyped-def]
        sheets = list(stylesheets)
        source = self.prepare(xhtml, hyphenate=hyphenate, where=where) if prepare else xhtml
        layout = original(self, source, sheets, hyphenate=hyphenate, where=where, prepare=False, run_on=run_on)
        last.append((_with_run_on(source, layout.ran_on), sheets))
        return layout

    Typesetter.layout = recording  # type: ignore[method-assign]
    documents = []
    try:
        for job in plan(content, "/nonexistent", options):
            if "pdf" not in dict(job.outputs):
                continue
            last.clear()
            KINDS[job.kind].produce(job, frozenset({"pdf"}), content.site, ctx)
            documents.append(last[-1])
    finally:
        Typesetter.layout = original  # type: ignore[method-assign]
    return documents


def _with_run_on(source: str, units: tuple[str, ...]) -> str:
    """``source`` with the booklet units that ran on while paginating marked as such
    (class ``unit-run-on``), so bare WeasyPrint, which has no such hook, lays out
    the same pages."""
    if not units:
        return source
    from lxml import etree

    root = etree.fromstring(source.split(">", 1)[1].encode("utf-8") if source.startswith("<!DOCTYPE") else
                            source.encode("utf-8"))
    for element in root.iter():
        if isinstance(element.tag, str) and element.get("data-unit") in units:
            element.set("class", f"{element.get('class') or ''} unit-run-on".strip())
    return "<!DOCTYPE html>\n" + etree.tostring(root, encoding="unicode")


def child_capture(root: str, captured: str, out_json: str) -> None:
    """In a fresh process: capture the documents (the pipeline runs once) and save them,
    so bare WeasyPrint then runs in a process of its own, its heap free of the capture."""
    documents = capture_documents(Path(root))
    sheets = sorted({text for _, texts in documents for text in texts})
    index = {text: i for i, text in enumerate(sheets)}
    Path(out_json).write_text(json.dumps({"documents": len(documents)}))
    Path(captured).write_text(json.dumps({
        "root": root, "sheets": sheets,
        "documents": [[source, [index[t] for t in texts]] for source, texts in documents]}))


def _captured(path: str) -> tuple[str, list[tuple[str, list[str]]]]:
    data = json.loads(Path(path).read_text())
    return data["root"], [(source, [data["sheets"][i] for i in texts]) for source, texts in data["documents"]]


def child_bare(captured: str, collector: str, out_json: str) -> None:
    """In a fresh process: bare WeasyPrint on the captured documents, serially, with Python's
    default collector setting or (``collector == "build"``) the one the build uses."""
    root, documents = _captured(captured)
    if collector == "build":
        import gc

        from benech_publish.build.collector import THRESHOLDS

        gc.set_threshold(*THRESHOLDS)
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration

    base_url = Path(root).resolve().as_uri() + "/"
    font_config = FontConfiguration()
    parsed: dict[str, object] = {}

    def css(text: str) -> object:
        if text not in parsed:
            parsed[text] = weasyprint.CSS(string=text, font_config=font_config, base_url=base_url)
        return parsed[text]

    for source, sheets in documents[:3]:  # warm-up
        weasyprint.HTML(string=source, base_url=base_url).write_pdf(
            stylesheets=[css(s) for s in sheets], font_config=font_config, pdf_variant="pdf/ua-1")
    start, cpu = time.perf_counter(), time.process_time()
    for source, sheets in documents:
        weasyprint.HTML(string=source, base_url=base_url).write_pdf(
            stylesheets=[css(s) for s in sheets], font_config=font_config, pdf_variant="pdf/ua-1")
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    Path(out_json).write_text(json.dumps({"documents": len(documents), "seconds": seconds, "cpu": cpu}))


def _bare_share(root: str, documents: list[tuple[str, list[str]]]) -> float:
    """Bare WeasyPrint on ``documents`` in this process; CPU seconds."""
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration

    base_url = Path(root).resolve().as_uri() + "/"
    font_config = FontConfiguration()
    parsed: dict[str, object] = {}
    start = time.process_time()
    for source, sheets in documents:
        css = [parsed.setdefault(t, weasyprint.CSS(string=t, font_config=font_config, base_url=base_url))
               if t not in parsed else parsed[t] for t in sheets]
        weasyprint.HTML(string=source, base_url=base_url).write_pdf(
            stylesheets=css, font_config=font_config, pdf_variant="pdf/ua-1")
    return time.process_time() - start


def child_bare_parallel(captured: str, out_json: str) -> None:
    """Bare WeasyPrint split over two processes (their start-up, imports and fonts
    included): what two cores of this machine give the bare engine."""
    import multiprocessing

    root, documents = _captured(captured)
    start = time.perf_counter()
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        cpu = pool.starmap(_bare_share, [(root, documents[0::2]), (root, documents[1::2])])
    Path(out_json).write_text(json.dumps({"seconds": time.perf_counter() - start, "cpu": sum(cpu)}))


def child_build(argv: list[str], out_json: str) -> None:
    """In a fresh process: run the CLI; record wall time and peak RSS (self, largest worker)."""
    from benech_publish.cli import main

    start = time.perf_counter()
    try:
        main(argv)
    except SystemExit as exc:
        code = exc.code
    seconds = time.perf_counter() - start
    workers = resource.getrusage(resource.RUSAGE_CHILDREN)
    Path(out_json).write_text(json.dumps({
        "code": code, "seconds": seconds,
        "cpu": time.process_time() + workers.ru_utime + workers.ru_stime,
        "self_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "worker_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))


def child_noop_api(root: str, out: str, out_json: str) -> None:
    from benech_publish import Options, build

    start = time.perf_counter()
    report = build(root, out)
    seconds = time.perf_counter() - start
    assert not report.written, report.written
    Path(out_json).write_text(json.dumps({"seconds": seconds, "skipped": len(report.skipped),
                                          "options": repr(Options())}))


def child_breakdown(root: str, out: str) -> None:
    """In a fresh process: a --jobs 1 build with CPU time per stage (layout, PDF writing, audit...)."""
    import collections
    import dataclasses
    import functools

    totals: collections.Counter[str] = collections.Counter()
    counts: collections.Counter[str] = collections.Counter()

    def timed(label: str, fn):  # type: ignore[no-untyped-def]
        @functools.wraps(fn)
        def inner(*args, **kwargs):  # type: ignore[no-untyped-def]
            start = time.process_time()
            try:
                return fn(*args, **kwargs)
            finally:
                totals[label] += time.process_time() - start
                counts[label] += 1
        return inner

    start = time.process_time()
    from benech_publish import Options, build
    from benech_publish.build import jobs
    from benech_publish.typeset import engine, pagelist
    from benech_publish.writers import booklet
    totals["imports"] = time.process_time() - start
    engine.Typesetter.layout = timed("layout (WeasyPrint + print preparation)", engine.Typesetter.layout)
    engine.Typesetter.write_pdf = timed("write PDF (WeasyPrint + tag repairs)", engine.Typesetter.write_pdf)
    jobs.audit_problems = timed("PDF/UA audit", jobs.audit_problems)
    booklet._epub = timed("EPUB packaging", booklet._epub)
    from benech_publish import braille
    from benech_publish.typeset import layout as layout_check
    from benech_publish.writers import leaflet

    braille.BrailleWriter.leaflet = timed("braille leaflets (liblouis, pages, checks)", braille.BrailleWriter.leaflet)
    braille.BrailleWriter.booklet = timed("braille booklets (liblouis, pages, checks)", braille.BrailleWriter.booklet)
    leaflet.check_layout = timed("layout check (leaflets)", leaflet.check_layout)
    booklet.check_layout = timed("layout check (booklets)", booklet.check_layout)
    leaflet.leaflet_xhtml = timed("leaflet templates", leaflet.leaflet_xhtml)
    engine.Typesetter.prepare = timed("print preparation", engine.Typesetter.prepare)
    del layout_check
    pagelist.page_starts = timed("page-list", pagelist.page_starts)
    for name, kind in list(jobs.KINDS.items()):
        jobs.KINDS[name] = dataclasses.replace(kind, produce=timed(f"job: {name} (writer)", kind.produce))
    start = time.process_time()
    build(root, out, Options(jobs=1, force=True))
    totals["build() in all"] = time.process_time() - start
    for label, value in sorted(totals.items(), key=lambda item: -item[1]):
        print(f"| {label} | {value:.2f} s | {counts[label] or ''} |")


def _child(*args: str) -> dict:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        result = Path(handle.name)
    env = dict(os.environ, SOURCE_DATE_EPOCH=EPOCH)
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, __file__, *args, str(result)], env=env,
                          capture_output=True, text=True)
    wall = time.perf_counter() - start
    if proc.returncode != 0 or not result.read_text():
        raise SystemExit(f"benchmark child failed: {args}\n{proc.stdout}\n{proc.stderr}")
    data = json.loads(result.read_text())
    result.unlink()
    data["stderr"] = proc.stderr
    data["wall"] = wall  # the whole process: interpreter start-up and imports included
    return data


def build_cmd(root: Path, out: Path, *extra: str) -> list[str]:
    return ["--child-build", json.dumps(["build", "--content", str(root), "--out", str(out), *extra])]


def noop_command(root: Path, out: Path) -> float:
    """Wall time of ``benech-publish build`` (the installed command) with nothing to make."""
    command = Path(sys.executable).parent / "benech-publish"
    if not command.is_file():
        raise SystemExit(f"{command} not found: install the package in this environment (pip install -e .)")
    env = dict(os.environ, SOURCE_DATE_EPOCH=EPOCH)
    start = time.perf_counter()
    proc = subprocess.run([str(command), "build", "--content", str(root), "--out", str(out)], env=env,
                          capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode != 0 or "done: 0 file(s) written" not in proc.stderr:
        raise SystemExit(f"no-op rebuild failed or made files:\n{proc.stderr[-2000:]}")
    return seconds


def noop_only(root: Path, out: Path, rounds: int) -> None:
    """One full build, then ``rounds`` no-op rebuilds: the whole command and ``build()`` alone."""
    r = _child(*build_cmd(root, out, "--force", "--jobs", "2"))
    assert r["code"] == 0, r["stderr"][-2000:]
    cli: list[float] = []
    api: list[float] = []
    for _ in range(rounds):
        cli.append(noop_command(root, out))
        api.append(_child("--child-noop", str(root), str(out))["seconds"])
    print(f"load average: {os.getloadavg()[0]:.1f}; {rounds} rounds")
    print("| no-op rebuild | min | median |\n|---|---:|---:|")
    print(f"| whole command | {min(cli):.3f} s | {statistics.median(cli):.3f} s |")
    print(f"| build() only | {min(api):.3f} s | {statistics.median(api):.3f} s |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--per-language", type=int, default=24)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--child-capture", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--child-bare", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--child-build", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--child-noop", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--child-breakdown", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--child-bare2", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--only", choices=("noop",),
                        help="noop: one --force build, then only the no-op rebuild, --rounds times")
    parser.add_argument("--breakdown", action="store_true",
                        help="CPU time per stage of one --jobs 1 build, instead of the rounds")
    args = parser.parse_args()
    if args.child_capture:
        return child_capture(*args.child_capture)
    if args.child_bare:
        return child_bare(*args.child_bare)
    if args.child_build:
        return child_build(json.loads(args.child_build[0]), args.child_build[1])
    if args.child_noop:
        return child_noop_api(*args.child_noop)
    if args.child_breakdown:
        return child_breakdown(*args.child_breakdown)
    if args.child_bare2:
        return child_bare_parallel(*args.child_bare2)

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    with tempfile.TemporaryDirectory(prefix="bench-build-") as tmp:
        root = make_catalogue(Path(tmp) / "catalogue", args.per_language)
        if args.breakdown:
            os.environ["SOURCE_DATE_EPOCH"] = EPOCH
            print(f"load average: {os.getloadavg()[0]:.1f}\n| stage | CPU time | calls |\n|---|---:|---:|",
                  flush=True)
            subprocess.run([sys.executable, __file__, "--child-breakdown", str(root),
                            str(Path(tmp) / "out")], check=True)
            return
        out = Path(tmp) / "out"
        if args.only == "noop":
            return noop_only(root, out, args.rounds)
        samples: dict[str, list[float]] = {k: [] for k in (
            "bare", "bare_gc", "bare2", "jobs1", "jobs2", "noop_cli", "noop_api", "edit")}
        cpu: dict[str, list[float]] = {k: [] for k in ("bare", "bare_gc", "jobs1", "jobs2")}
        captured = str(Path(tmp) / "captured.json")
        memory: dict[str, list[float]] = {"jobs1_self": [], "jobs2_self": [], "jobs2_worker": []}
        loads: list[float] = []
        edit_written = 0
        documents = 0
        edited = root / "en" / "facial-nerve-hemispasm-01.md"
        for round_ in range(args.rounds):
            loads.append(os.getloadavg()[0])
            _child("--child-capture", str(root), captured)
            for name, setting in (("bare", "default"), ("bare_gc", "build")):
                bare = _child("--child-bare", captured, setting)
                documents = bare["documents"]
                samples[name].append(bare["seconds"])
                cpu[name].append(bare["cpu"])
            samples["bare2"].append(_child("--child-bare2", captured)["seconds"])
            for jobs in ("1", "2"):
                r = _child(*build_cmd(root, out, "--force", "--jobs", jobs))
                assert r["code"] == 0, r["stderr"][-2000:]
                samples[f"jobs{jobs}"].append(r["wall"])
                cpu[f"jobs{jobs}"].append(r["cpu"])
                memory[f"jobs{jobs}_self"].append(r["self_mib"])
                if jobs == "2":
                    memory["jobs2_worker"].append(r["worker_mib"])
            samples["noop_cli"].append(noop_command(root, out))
            samples["noop_api"].append(_child("--child-noop", str(root), str(out))["seconds"])
            text = edited.read_text(encoding="utf-8")
            edited.write_text(text.replace("## ", f"## Round {round_}: ", 1) if round_ == 0 else
                              text.replace(f"Round {round_ - 1}:", f"Round {round_}:"), encoding="utf-8")
            r = _child(*build_cmd(root, out, "--jobs", "2"))
            assert r["code"] == 0, r["stderr"][-2000:]
            edit_written = int(r["stderr"].rsplit("done: ", 1)[1].split(" file(s)")[0])
            samples["edit"].append(r["wall"])
            print(f"round {round_ + 1}: load {loads[-1]:.1f}; wall " + ", ".join(
                f"{k} {v[-1]:.2f} s" for k, v in samples.items()) + "; CPU " + ", ".join(
                f"{k} {v[-1]:.1f} s" for k, v in cpu.items()), flush=True)
        med = {k: statistics.median(v) for k, v in samples.items()}
        print(f"\ncatalogue: {args.per_language} conditions per language, {documents} PDFs laid out; "
              f"load average at round start: {', '.join(f'{x:.1f}' for x in loads)}")
        mcpu = {k: statistics.median(v) for k, v in cpu.items()}
        print("| measurement | wall (median) | vs serial bare | CPU time (median) | vs bare CPU |")
        print("|---|---:|---:|---:|---:|")
        print(f"| bare WeasyPrint, serial ({documents} PDFs) | {med['bare']:.1f} s | 1.00 | "
              f"{mcpu['bare']:.1f} s | 1.00 |")
        print(f"| the same, with the build's collector setting | {med['bare_gc']:.1f} s | "
              f"{med['bare_gc'] / med['bare']:.2f} | {mcpu['bare_gc']:.1f} s | {mcpu['bare_gc'] / mcpu['bare']:.2f} |")
        print(f"| bare WeasyPrint, the same PDFs split over 2 processes (start-up included) | {med['bare2']:.1f} s | "
              f"{med['bare2'] / med['bare']:.2f} | | |")
        for k, label in (("jobs1", "build --jobs 1 (all formats)"), ("jobs2", "build --jobs 2 (all formats)")):
            print(f"| {label} | {med[k]:.1f} s | {med[k] / med['bare']:.2f} | {mcpu[k]:.1f} s | "
                  f"{mcpu[k] / mcpu['bare']:.2f} |")
        print(f"against bare with the build's collector setting: --jobs 1 {med['jobs1'] / med['bare_gc']:.2f}, "
              f"--jobs 2 {med['jobs2'] / med['bare_gc']:.2f} (wall); CPU --jobs 1 "
              f"{mcpu['jobs1'] / mcpu['bare_gc']:.2f}, --jobs 2 {mcpu['jobs2'] / mcpu['bare_gc']:.2f}")
        print(f"| no-op rebuild, whole command | {med['noop_cli']:.2f} s | |")
        print(f"| no-op rebuild, build() only | {med['noop_api']:.2f} s | |")
        print(f"| one-condition edit, --jobs 2 ({edit_written} files written) | {med['edit']:.1f} s | |")
        print(f"peak RSS: main process {statistics.median(memory['jobs1_self']):.0f} MiB with --jobs 1, "
              f"{statistics.median(memory['jobs2_self']):.0f} MiB with --jobs 2; largest worker "
              f"{statistics.median(memory['jobs2_worker']):.0f} MiB")


if __name__ == "__main__":
    main()
