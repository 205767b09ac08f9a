"""Registry of timed work (deadlines, reminders, digests).

The application calls `run(app, now)` of every registered job on each tick: from
APScheduler in a live bot, and from the virtual clock in `gongzhi replay`, so the
same code decides what is due in both. `next_due(app, now)` lets the virtual clock
jump straight to the next moment anything could happen.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

RunFn = Callable[[Any, datetime], Awaitable[None]]
NextDueFn = Callable[[Any, datetime], Awaitable[datetime | None]]


@dataclass(frozen=True, slots=True)
class TimedJob:
    name: str
    run: RunFn
    next_due: NextDueFn


TIMED_JOBS: list[TimedJob] = []


def timed_job(name: str, next_due: NextDueFn) -> Callable[[RunFn], RunFn]:
    """Register `run(app, now)` as timed work; `next_due(app, now)` says when it next matters."""

    def register(fn: RunFn) -> RunFn:
        TIMED_JOBS.append(TimedJob(name, fn, next_due))
        return fn

    return register
