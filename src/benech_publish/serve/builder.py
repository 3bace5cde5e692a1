"""Live preview: rebuild in the background when a source changes, and say how far it got.

Takes: the content folder, the output folder and build
:class:`~benech_publish.options.Options` (``incremental`` is forced on).
Gives: a :class:`Builder` whose worker thread runs the library's public
:func:`~benech_publish.build` (the one pipeline, never a second one) each
time :meth:`Builder.request` is called, and a :class:`Watcher` that calls it
when a content file, ``site.yaml``, an image or a template changes.

Readers (the web app) only ever see whole values: the current
:class:`~benech_publish.serve.state.Snapshot`, a :class:`BuildStatus` and a
``version`` number that grows whenever either changes, so an open page knows
when to refresh. Nothing here prints: a failing build becomes a status.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path

import watchfiles

from .. import Options, Progress, build, load
from ..errors import BenechError, BuildError, Diagnostic, JobFailure
from ..overrides import PACKAGE_TEMPLATES, check_overrides, override_folder
from .labels import UI
from .state import Snapshot, take_snapshot


@dataclass(frozen=True)
class BuildStatus:
    """Where the background build is: ``state`` is ``idle`` or ``building``."""

    state: str = "idle"
    builds: int = 0  # builds finished since the server started
    done: int = 0
    total: int = 0
    current: str = ""
    started: dt.datetime | None = None
    finished: dt.datetime | None = None
    written: int = 0
    skipped: int = 0
    failures: tuple[JobFailure, ...] = ()
    notices: tuple[str, ...] = ()
    content_problems: bool = False  # the last build left out files with errors
    message: str = ""  # why the last build stopped early, if it did (as the error says it)

    @property
    def building(self) -> bool:
        return self.state == "building"

    def summary(self, lang: str = "en") -> str:
        """One plain sentence for the status line, in ``lang`` (en or it)."""
        words = UI.get(lang, UI["en"])
        if self.building:  # stays the same during a build: screen readers hear it once
            return words["building"]
        if not self.builds:
            return words["no_build"]
        when = self.finished.astimezone().strftime("%H:%M:%S") if self.finished else ""
        text = words["last_build"].format(
            when=when, written=self.written, skipped=self.skipped, failed=len(self.failures)
        )
        if self.content_problems:
            text += " " + words["see_problems"]
        if self.message:
            text += f" {words['build_stopped']} {self.message}"
        return text


class Builder:
    """Runs incremental builds one at a time in a worker thread; thread-safe to read."""

    def __init__(self, content_dir: Path, out_dir: Path, options: Options, *, today: dt.date | None = None):
        self.content_dir, self.out_dir = Path(content_dir), Path(out_dir)
        self.options = replace(options, incremental=True)
        self.today = today
        self._cv = threading.Condition()
        self._requested = False
        self._stopping = False
        self._version = 0
        self._status = BuildStatus()
        self._loaded = load(self.content_dir, today=today)
        self._extra = self._override_problems()
        self._snapshot = take_snapshot(self._loaded, self.out_dir, extra=self._extra)
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ reading
    @property
    def version(self) -> int:
        with self._cv:
            return self._version

    def current(self) -> tuple[int, Snapshot, BuildStatus]:
        """Version, snapshot and status, consistent with each other."""
        with self._cv:
            return self._version, self._snapshot, self._status

    def wait_for(self, predicate: Callable[[BuildStatus], bool], timeout: float) -> bool:
        """Block until ``predicate(status)`` holds (True) or ``timeout`` seconds pass (False)."""
        with self._cv:
            return self._cv.wait_for(lambda: predicate(self._status), timeout)

    # ------------------------------------------------------------------ control
    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="benech-build", daemon=True)
            self._thread.start()

    def request(self) -> None:
        """Ask for a rebuild; requests made during a build lead to one more build."""
        with self._cv:
            self._requested = True
            self._cv.notify_all()

    def stop(self, timeout: float = 60.0) -> None:
        """Stop after the build in progress (a build is never cut half-way)."""
        with self._cv:
            self._stopping = True
            self._cv.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)

    # ------------------------------------------------------------------ worker
    def _loop(self) -> None:
        while True:
            with self._cv:
                self._cv.wait_for(lambda: self._requested or self._stopping)
                if self._stopping:
                    return
                self._requested = False
                self._status = replace(
                    self._status,
                    state="building",
                    done=0,
                    total=0,
                    current="",
                    started=dt.datetime.now(dt.UTC),
                    message="",
                )
                self._version += 1
                self._cv.notify_all()
            self._run_once()

    def _run_once(self) -> None:
        self._reload()  # problems show at once, before any output is made
        message = ""
        try:
            report = build(self.content_dir, self.out_dir, self.options, today=self.today, on_progress=self._progress)
        except BuildError as exc:
            report = exc.report  # type: ignore[assignment]
        except BenechError as exc:
            report, message = None, str(exc)
        except Exception as exc:  # a bug must not stop the preview: show it, keep serving
            report, message = None, f"internal error: {type(exc).__name__}: {exc}"
        self._reload()
        with self._cv:
            status = replace(
                self._status,
                state="idle",
                builds=self._status.builds + 1,
                finished=dt.datetime.now(dt.UTC),
                current="",
                message=message,
                content_problems=report is not None and bool(report.errors),
            )
            if report is not None:
                status = replace(
                    status,
                    written=len(report.written),
                    skipped=len(report.skipped),
                    failures=tuple(report.failures),
                    notices=tuple(report.notices),
                )
            else:
                status = replace(status, written=0, skipped=0, failures=(), notices=())
            self._status = status
            self._version += 1
            self._cv.notify_all()

    def _override_problems(self) -> tuple[Diagnostic, ...]:
        """What ``check`` says about the template override folder in effect."""
        folder = override_folder(self.content_dir, self.options.templates)
        return tuple(check_overrides(folder, self._loaded.content.site.colours))

    def _reload(self) -> None:
        loaded = load(self.content_dir, today=self.today)
        with self._cv:
            self._loaded = loaded
        extra = self._override_problems()
        with self._cv:
            self._extra = extra
            self._snapshot = take_snapshot(loaded, self.out_dir, self._snapshot, extra=extra)
            self._version += 1
            self._cv.notify_all()

    def _progress(self, event: Progress) -> None:
        written = event.status == "written"
        snapshot = take_snapshot(self._loaded, self.out_dir, self._snapshot, extra=self._extra) if written else None
        with self._cv:
            if snapshot is not None:
                self._snapshot = snapshot
            self._status = replace(self._status, done=event.index, total=event.total, current=event.job.name)
            self._version += 1
            self._cv.notify_all()


def watched_paths(content_dir: Path, templates: Path | None) -> tuple[Path, ...]:
    """What a change in triggers a rebuild: the content folder and the templates in effect
    (``templates``, else ``templates/`` beside the content folder, and the packaged ones)."""
    paths = [Path(content_dir), PACKAGE_TEMPLATES]
    folder = override_folder(content_dir, templates)
    if folder is not None:
        paths.append(folder)
    return tuple(p for p in paths if p.is_dir())


class Watcher:
    """Calls ``on_change`` (in its own thread) after files under ``paths`` change.

    Changes under ``ignore`` (the output folder, in case it lies inside the
    content folder) are not sources and never trigger a build.
    """

    def __init__(
        self,
        paths: Iterable[Path],
        on_change: Callable[[], None],
        *,
        ignore: Path | None = None,
        debounce_ms: int = 300,
    ):
        self.paths = tuple(paths)
        self.on_change = on_change
        self.ignore = ignore.resolve() if ignore is not None else None
        self.debounce_ms = debounce_ms
        self._default = watchfiles.DefaultFilter()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _filter(self, change: watchfiles.Change, path: str) -> bool:
        if self.ignore is not None and Path(path).resolve().is_relative_to(self.ignore):
            return False
        return self._default(change, path)

    def start(self) -> None:
        if self._thread is None and self.paths:
            self._thread = threading.Thread(target=self._run, name="benech-watch", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        for _changes in watchfiles.watch(
            *self.paths,
            watch_filter=self._filter,
            stop_event=self._stop,
            debounce=self.debounce_ms,
            raise_interrupt=False,
        ):
            self.on_change()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
