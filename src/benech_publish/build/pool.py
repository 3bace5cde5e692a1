"""Worker processes: run jobs on every core, survive a worker that crashes.

Takes: numbered tasks (a :class:`~.jobs.Job` and the formats to make), the
loaded content, the options and the build date. Gives: one
:class:`~.jobs.Outcome` per task, passed to ``on_outcome`` as each finishes.

Workers are started with the ``spawn`` method (never ``fork``: WeasyPrint,
Pango and fontconfig state must not be copied mid-use). Each worker builds
its own :class:`~benech_publish.writers.Context` once, in the pool's
initializer -- Jinja environment, and for print jobs the typesetter with its
``FontConfiguration`` and parsed-CSS cache -- and reuses it for every job it
runs. A job runs exactly as in the build process (:func:`~.jobs.execute`),
with the collector set as :mod:`.collector` says.

A worker that dies (a segmentation fault in a library, ``os._exit``, a
signal) breaks a :class:`~concurrent.futures.ProcessPoolExecutor`: every
unfinished future fails with ``BrokenProcessPool``. Each worker marks the
task it is running in shared memory, so the parent knows which tasks were in
flight. Tasks that had not started are requeued in a new pool; each task that
was in flight is run again alone in a one-worker pool: if that pool breaks
too, that task fails ("the worker process stopped"), otherwise its output is
written. So a crash fails its own job only.
"""

from __future__ import annotations

import datetime as dt
import gc
import multiprocessing
from collections import deque
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import model as m
from ..errors import BenechError, RenderError
from ..options import Options
from ..render import Renderer
from ..writers import Context
from . import collector
from .jobs import Outcome, Task, execute

#: Message of a task whose worker process died while running it, twice.
CRASHED = (
    "the worker process making this output stopped unexpectedly (a crash in a "
    "library, or the process was killed); the other outputs were built"
)
#: Pool breaks not explained by a task in flight before the remaining tasks fail.
MAX_UNEXPLAINED_BREAKS = 2


@dataclass(frozen=True)
class Setup:
    """What every worker is started with (pickled once per worker)."""

    content: m.Content
    options: Options
    created: dt.datetime
    typesets: bool  # create the typesetter up front


class _Worker:
    """The state of one worker process: its context, or why it cannot make print outputs."""

    def __init__(self, setup: Setup, running: Any, slot: int):
        self.site = setup.content.site
        self.running = running
        self.slot = slot
        self.ctx = Context(
            Renderer(setup.options.templates), setup.options, Path(setup.content.root or "."), setup.created
        )
        self.fatal = ""
        if setup.typesets:
            try:
                self.ctx.typesetter  # noqa: B018 - imports and checks WeasyPrint, loads fonts
            except BenechError as exc:
                self.fatal = str(exc)


# The one piece of process-global state: a worker process's own context, set
# by the pool's initializer (ProcessPoolExecutor offers no other way).
_WORKER: _Worker | None = None


def _init(setup: Setup, running: Any, counter: Any) -> None:
    global _WORKER
    if setup.typesets:
        gc.set_threshold(*collector.THRESHOLDS)  # this process is the build's, for its life
    with counter.get_lock():
        slot = counter.value
        counter.value += 1
    _WORKER = _Worker(setup, running, slot)


def _work(task: Task) -> Outcome:
    worker = _WORKER
    assert worker is not None, "pool initializer did not run"
    if worker.fatal:
        return Outcome(task.index, fatal=worker.fatal)
    worker.running[worker.slot] = task.index
    try:
        return execute(task.index, task.job, task.formats, worker.site, worker.ctx)
    finally:
        worker.running[worker.slot] = -1


def run_pool(tasks: list[Task], setup: Setup, workers: int, on_outcome: Callable[[Outcome], None]) -> None:
    """Run ``tasks`` in up to ``workers`` processes, longest first; report each outcome.

    Raises :class:`~benech_publish.errors.RenderError` when the workers cannot
    typeset (before any output is written: every worker fails the same way,
    before its first job).
    """
    pending = deque(sorted(tasks, key=lambda t: -t.job.weight))
    unexplained = 0
    while pending:
        in_flight, unfinished = _one_pool(list(pending), setup, min(workers, len(pending)), on_outcome)
        if not unfinished:
            return
        if not in_flight:
            unexplained += 1
            if unexplained >= MAX_UNEXPLAINED_BREAKS:
                for task in unfinished:
                    on_outcome(Outcome(task.index, failure=CRASHED))
                return
        for task in in_flight:  # alone, so a second crash names the culprit
            _, again = _one_pool([task], setup, 1, on_outcome)
            if again:
                on_outcome(Outcome(task.index, failure=CRASHED))
        done = {t.index for t in in_flight}
        pending = deque(t for t in unfinished if t.index not in done)


def _one_pool(
    tasks: list[Task], setup: Setup, workers: int, on_outcome: Callable[[Outcome], None]
) -> tuple[list[Task], list[Task]]:
    """Run ``tasks`` in one pool. Returns (tasks in flight when it broke, tasks not finished)."""
    context = multiprocessing.get_context("spawn")
    running = context.Array("i", [-1] * workers, lock=False)
    counter = context.Value("i", 0)
    by_index = {t.index: t for t in tasks}
    finished: set[int] = set()
    executor = ProcessPoolExecutor(workers, mp_context=context, initializer=_init, initargs=(setup, running, counter))
    broken = False
    try:
        futures: dict[Future[Outcome], int] = {executor.submit(_work, t): t.index for t in tasks}
        waiting = set(futures)
        while waiting and not broken:
            done, waiting = wait(waiting, return_when=FIRST_COMPLETED)
            for future in done:
                try:
                    outcome = future.result()
                except BrokenProcessPool:
                    broken = True
                    continue
                except Exception as exc:  # e.g. an outcome that could not be sent back
                    finished.add(futures[future])
                    on_outcome(Outcome(futures[future], failure=f"internal error: {type(exc).__name__}: {exc}"))
                    continue
                if outcome.fatal:
                    raise RenderError(outcome.fatal)
                finished.add(outcome.index)
                on_outcome(outcome)
        if broken:  # futures that completed before the break still count
            for future in waiting:
                if future.done() and not future.cancelled() and future.exception() is None:
                    outcome = future.result()
                    if not outcome.fatal:
                        finished.add(outcome.index)
                        on_outcome(outcome)
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
    if not broken:
        return [], []
    in_flight = [by_index[i] for i in set(running) if i in by_index and i not in finished]
    unfinished = [t for t in tasks if t.index not in finished]
    return in_flight, unfinished
