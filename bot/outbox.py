"""The outbox sender: hands queued messages to the transport until it confirms them.

Rows are claimed in small batches with a lease (another process, or this one after a
crash, leaves them alone until it ends), marked sent only on confirmation, and retried
with exponential backoff otherwise.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from bot.messages import Outgoing
from bot.transports.base import SendFailed, Transport

log = logging.getLogger(__name__)

SEND_LEASE = timedelta(minutes=5)  # a claimed row is left alone this long
SEND_BATCH = 10
MAX_BACKOFF = timedelta(minutes=10)


def backoff(attempts: int) -> timedelta:
    return min(MAX_BACKOFF, timedelta(seconds=2 ** min(attempts, 10)))


class OutboxSender:
    def __init__(self, session, transport: Transport | None, clock) -> None:
        self.session = session  # () -> async context manager yielding a Repo in a transaction
        self.transport = transport
        self.clock = clock
        self.dirty = True  # something may be due: read the outbox on the next flush
        self._lock = asyncio.Lock()
        self._wake = asyncio.Event()

    def wake(self) -> None:
        self._wake.set()

    async def flush(self, force: bool = False) -> int:
        """Send every due row; return how many were confirmed. Without `force` the outbox
        is only read when something was queued or a send awaits its retry."""
        if self.transport is None or not self.transport.is_connected():
            return 0
        if not (force or self.dirty):
            return 0
        sent = 0
        async with self._lock:
            self.dirty = False
            while True:
                now = self.clock.now()
                async with self.session() as repo:
                    due = await repo.claim_due_outbox(now, now + SEND_LEASE, SEND_BATCH)
                for out in due:
                    if not self.transport.is_connected():  # the lease lapses: retried later
                        self.dirty = True
                        return sent
                    sent += await self._send_one(out)
                if len(due) < SEND_BATCH:
                    return sent

    async def _send_one(self, out: Outgoing) -> int:
        try:
            tid = await self.transport.send(out)
        except Exception as e:
            async with self.session() as repo:
                delay = backoff(await repo.outbox_attempts(out.outbox_id))
                await repo.mark_retry(out.outbox_id, str(e), self.clock.now() + delay)
            level = logging.WARNING if isinstance(e, SendFailed) else logging.ERROR
            log.log(level, "send of outbox #%s failed (%s); retry in %ss", out.outbox_id, e,
                    int(delay.total_seconds()))
            self.dirty = True
            return 0
        async with self.session() as repo:
            await repo.mark_sent(out.outbox_id, self.clock.now(), tid)
        return 1

    async def run(self, before: Callable[[], Awaitable[object]], errors: tuple) -> None:
        """The live loop: every second, or at once when woken."""
        while True:
            try:
                await before()
                await self.flush(force=True)
            except errors as e:
                log.warning("database unreachable (%s); the sender retries", e)
            except Exception:
                log.exception("outbox sender failed; retrying")
            self._wake.clear()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=1.0)
