"""Running an engagement's workbooks side by side: which may run together, in what order, kernels started ahead.

A workbook waits only for the steps whose tables it reads (:data:`cxmethods.io.artifacts.READS`); a workbook from
another folder (``cxm run --workbooks``) waits for every workbook before it, since nothing says what it reads.
``workers`` workbooks run at a time, and ``ahead`` more kernels may be started before they are needed: a free thread
takes the workbook at the head of the longest chain still to run whose inputs are all at least under way, starts its
kernel and imports its modules while those inputs are being made (the first ones while the runner still checks the
engagement), then runs it as soon as they are and a worker is free. With one worker the workbooks run one after
another in number order, except that a workbook waits for those it reads (01 runs after 02, whose facts it shows
first), each kernel started when the one before has ended. What a workbook
writes does not depend on the order, so neither do the artifacts.

>>> from cxmethods.io.artifacts import STEPS
>>> deps = dependencies(list(STEPS))
>>> deps["04_business_case"], deps["01_self_assessment"]
(('02_voice_of_customer', '03_segmentation'), ('02_voice_of_customer',))
>>> dependencies(["01_ok", "02_mine", "03_after"], installed=False)["03_after"]
('01_ok', '02_mine')
>>> order = []
>>> side = SideBySide(list(STEPS), deps, 2, prepare=lambda s: s, execute=lambda s, h: order.append(s), discard=print)
>>> side.go(); side.wait()
>>> order.index("04_business_case") > max(order.index("02_voice_of_customer"), order.index("03_segmentation"))
True
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from cxmethods.io.artifacts import READS

__all__ = ["Plan", "SideBySide", "dependencies"]


def dependencies(stems: list[str], *, installed: bool = True) -> dict[str, tuple[str, ...]]:
    """What each workbook waits for, among those run: the steps it reads (installed workbooks), else all before it."""
    return {
        stem: tuple(s for s in READS[stem] if s in stems) if installed and stem in READS else tuple(stems[:i])
        for i, stem in enumerate(stems)
    }


class Plan:
    """Which workbook a free worker takes next, and when it may start; shared by the workers under one lock.

    Parameters
    ----------
    stems : list of str
        The workbooks, in number order.
    deps : dict
        What each waits for (:func:`dependencies`).
    workers : int
        Workbooks running at a time. With 1, workbooks are taken in number order and a kernel starts only when the
        one before has finished: the sequential run.
    ahead : int
        Kernels that may be started beyond ``workers``, to be ready when a worker frees (ignored with one worker).
    """

    def __init__(self, stems: list[str], deps: dict[str, tuple[str, ...]], workers: int, ahead: int = 0):
        self.stems, self.deps, self.workers = list(stems), deps, workers
        self.kernels = min(len(self.stems), workers + (ahead if workers > 1 else 0))
        self._chain = _chain_lengths(self.stems, deps)
        self._taken: set[str] = set()
        self._running: set[str] = set()
        self._done: set[str] = set()
        self._stopped = False
        self._open = False  # workbooks may be taken (and kernels started) before; run only once open
        self._lock = threading.Condition()

    def take(self) -> str | None:
        """The next workbook for a free worker, waiting until one may start ahead; None when none is left."""
        with self._lock:
            while not self._stopped:
                waiting = [s for s in self.stems if s not in self._taken]
                if not waiting:
                    return None
                ahead = [s for s in waiting if all(d in self._taken for d in self.deps[s])]
                if self.workers == 1:  # sequential: the next in number order, once open and everything before it ran
                    ahead = [s for s in ahead[:1] if self._open and all(d in self._done for d in self.deps[s])]
                if ahead:
                    stem = max(ahead, key=self._rank)
                    self._taken.add(stem)
                    return stem
                self._lock.wait()
            return None

    def wait_turn(self, stem: str) -> bool:
        """Wait until the plan is open, every workbook ``stem`` waits for has finished (however it ended) and a worker
        is free for it: the longest chain first among those whose inputs are made, even one whose kernel is still
        starting (a short workbook ready first must not hold up the critical path); False if the run stopped."""

        def turn() -> bool:
            if not self._open or len(self._running) >= self.workers:
                return False
            ready = [s for s in self._taken - self._running - self._done if all(d in self._done for d in self.deps[s])]
            return stem in ready and stem == max(ready, key=self._rank)

        with self._lock:
            self._lock.wait_for(lambda: self._stopped or turn())
            if self._stopped:
                return False
            self._running.add(stem)
            self._lock.notify_all()  # one ranked after it may be next, if a worker is still free
            return True

    def _rank(self, stem: str) -> tuple[int, int]:
        """The longest chain first; on chains of equal length, the lower number."""
        return self._chain[stem], -self.stems.index(stem)

    def open(self) -> None:
        """Let workbooks run (their kernels may have started before)."""
        with self._lock:
            self._open = True
            self._lock.notify_all()

    def finished(self, stem: str) -> None:
        with self._lock:
            self._running.discard(stem)
            self._done.add(stem)
            self._lock.notify_all()

    def stop(self) -> None:
        """Take nothing more and let waiting workers go (a run interrupted)."""
        with self._lock:
            self._stopped = True
            self._lock.notify_all()


def _chain_lengths(stems: list[str], deps: dict[str, tuple[str, ...]]) -> dict[str, int]:
    """For each workbook, the most workbooks on a chain from it to the end (itself included): the critical path."""
    chain: dict[str, int] = {}

    def length(stem: str) -> int:  # a dependant may come before it in number order (01 reads 02's facts)
        if stem not in chain:
            chain[stem] = 1 + max((length(s) for s in stems if stem in deps[s]), default=0)
        return chain[stem]

    for stem in stems:
        length(stem)
    return chain


class SideBySide:
    """Workbooks run by ``workers + ahead`` threads (:class:`Plan`): each takes a workbook, ``prepare(stem)`` (starts
    its kernel) at once, then, once :meth:`go` has been called, its inputs are made and a worker is free,
    ``execute(stem, prepared)``; ``discard(prepared)`` if the run stops in between. The threads start with the
    object, so kernels start while the caller does its own checks; with one worker nothing is taken before :meth:`go`.

    ``execute`` must not raise for a workbook that fails (the others still run); what it raises stops the plan and
    is raised again by :meth:`wait`.
    """

    def __init__(
        self,
        stems: list[str],
        deps: dict[str, tuple[str, ...]],
        workers: int,
        *,
        prepare: Callable[[str], Any],
        execute: Callable[[str, Any], None],
        discard: Callable[[Any], None],
        ahead: int = 0,
    ):
        self.plan = Plan(stems, deps, workers, ahead)
        self.prepare, self.execute, self.discard = prepare, execute, discard
        self.raised: list[BaseException] = []
        self.ended = [threading.Event() for _ in range(self.plan.kernels)]
        for i, event in enumerate(self.ended):
            threading.Thread(target=self._worker, args=(event,), name=f"cxm-worker-{i}", daemon=True).start()

    def go(self) -> None:
        """Let the workbooks run."""
        self.plan.open()

    def cancel(self) -> None:
        """Stop before anything ran (the caller's checks failed): kernels started are stopped; wait for the threads."""
        self.plan.stop()
        _wait(self.ended)

    def wait(self, interrupt: Callable[[], None] = lambda: None) -> None:
        """Wait until every workbook has run. Ctrl-C or SIGTERM (a KeyboardInterrupt in this thread) stops the plan,
        calls ``interrupt()`` (which should stop the running notebooks), waits for the threads and is raised again."""
        try:
            _wait(self.ended)
        except KeyboardInterrupt:
            self.plan.stop()
            interrupt()
            _wait(self.ended)
            raise
        if self.raised:
            raise self.raised[0]

    def _worker(self, ended: threading.Event) -> None:
        try:
            while (stem := self.plan.take()) is not None:
                try:
                    prepared = self.prepare(stem)
                    if not self.plan.wait_turn(stem):
                        self.discard(prepared)
                        return
                    self.execute(stem, prepared)
                except BaseException as exc:
                    self.raised.append(exc)
                    self.plan.stop()
                    return
                finally:
                    self.plan.finished(stem)
        finally:
            ended.set()


def _wait(events: list[threading.Event]) -> None:
    """Wait for every event, in short waits: Ctrl-C and SIGTERM get through (a Thread.join they interrupt can be
    left thinking its thread has ended)."""
    for event in events:
        while not event.wait(0.25):
            pass
