"""The parts of a large input worked on in several processes, with the same result as in one.

:func:`map_parts` applies a function to each part of an input (a chunk of comments, say) and gives the results in
the parts' order, whatever the number of processes and whichever finishes first: a function whose result depends
only on its part gives the same whole with 1 process or 8. Only a few parts are in flight at a time, so the input
is never copied whole into the processes' queues. The worker processes are joblib's (loky): started fresh (no copy
of the caller's memory, no inherited threads) without running the caller's main script again, as Python's own
"spawn" would (a script calling a workbook needs no ``if __name__ == "__main__"`` guard); kept for the next call,
and stopped by :func:`close_workers`, or after five idle minutes, or at exit.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from typing import Any

from cxmethods.core.checks import check_int

__all__ = ["available_cores", "close_workers", "map_parts"]

_POOL: dict[int, Any] = {}  # workers -> loky's executor (a concurrent.futures Executor)


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity where the system tells it, else the machine's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not Linux
        return max(1, os.cpu_count() or 1)


def _pool(workers: int) -> Any:
    from joblib.externals.loky import get_reusable_executor  # type: ignore[import-untyped]

    if workers not in _POOL:
        close_workers()  # one set of workers at a time
        _POOL[workers] = get_reusable_executor(max_workers=workers, timeout=300)
    return _POOL[workers]


def close_workers() -> None:
    """Stop the worker processes :func:`map_parts` started (they are otherwise kept for its next call)."""
    for pool in _POOL.values():
        pool.shutdown(wait=True)
    _POOL.clear()


def map_parts(function: Callable[[Any], Any], parts: Iterable[Any], workers: int = 1) -> Iterator[Any]:
    """``function(part)`` for each of ``parts``, in their order, in ``workers`` processes (1: in this one).

    ``function`` must be importable by name (a module's function, or a :func:`functools.partial` of one) and its
    parts and results picklable. At most twice ``workers`` parts are handed out at a time: ``parts`` may be a
    generator over a large input, read as the work goes.

    Examples
    --------
    >>> list(map_parts(abs, [-1, 2, -3]))
    [1, 2, 3]
    """
    check_int(workers, "workers", "map_parts", low=1)
    if workers == 1:
        yield from map(function, parts)
        return
    pool = _pool(workers)
    waiting: deque[Future] = deque()
    for part in parts:
        waiting.append(pool.submit(function, part))
        if len(waiting) >= 2 * workers:
            yield waiting.popleft().result()
    while waiting:
        yield waiting.popleft().result()
