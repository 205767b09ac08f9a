"""Running a transcript through the application on its virtual clock."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from bot.app import Application
from bot.messages import Incoming
from bot.transports.replay import output_line


async def run(app: Application, messages: Iterable[Incoming], until: datetime | None = None,
              on_message: Callable[[Incoming], None] | None = None) -> int:
    count = 0
    for msg in messages:
        await app.advance_to(msg.at)
        if on_message:
            on_message(msg)
        await app.receive(msg)
        await app.flush_outbox()
        count += 1
    if until is not None:
        await app.advance_to(until)
    return count


async def sent_lines(app: Application) -> list[dict]:
    async with app.session() as repo:
        rows = await repo.sent_messages()
    return [output_line(out, row.created_at, app.config.bot.timezone) for row, out in rows]
