"""A group chat for tests: people say things, the test reads what the bot answered.

Runs the real application (real database, real handlers) on the replay transport
and a virtual clock, so a test reads like a conversation:

    async with Chat(db_url) as chat:
        replies = await chat.say("王阿姨", "3幢电梯坏了")
"""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.app import Application
from bot.clock import VirtualClock
from bot.config import Config, load_config
from bot.messages import Incoming, Outgoing, Person
from bot.transports.replay import ReplayTransport

TZ = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 3, 2, 8, 0, tzinfo=TZ)
ROOM = "测试小区共治群"


class Chat:
    def __init__(self, db_url: str, config: Config | None = None, room: str = ROOM,
                 start: datetime = START, transport: ReplayTransport | None = None) -> None:
        self.config = config or load_config(None)
        self.transport = transport or ReplayTransport()
        self.clock = VirtualClock(start)
        self.app = Application(self.config, self.transport, clock=self.clock, db_url=db_url,
                               serve_unknown_rooms=True)
        self.room = room
        self._ids = itertools.count(1)

    async def __aenter__(self) -> Chat:
        await self.app.__aenter__()
        return self

    async def __aexit__(self, *exc) -> None:
        await self.app.__aexit__(*exc)

    async def say(self, who: str, text: str, *, mentions: tuple[str, ...] = (),
                  after: timedelta = timedelta(minutes=1), msg_id: str | None = None,
                  room: str | None = None, private: bool = False, kind: str = "text",
                  quoted_id: str | None = None) -> list[Outgoing]:
        """`who` says `text` one minute (or `after`) later; returns the bot's answers."""
        await self.app.advance_to(self.clock.now() + after)
        room = None if private else (room or self.room)
        msg = Incoming(room=room, room_topic=room, sender=Person(who, who), text=text,
                       at=self.clock.now(), id=msg_id or f"m{next(self._ids)}",
                       mentions=tuple(Person(m, m) for m in mentions), transport="replay",
                       kind=kind, quoted_id=quoted_id)
        return await self.deliver(msg)

    async def deliver(self, msg: Incoming) -> list[Outgoing]:
        before = len(self.transport.sent)
        await self.app.receive(msg)
        await self.app.flush_outbox()
        return self.transport.sent[before:]

    async def text(self, who: str, text: str, **kw) -> str:
        """The bot's answers to one message, joined (empty when it stayed silent)."""
        return "\n".join(o.text for o in await self.say(who, text, **kw))

    async def setup_roles(self, coordinator: str = "张网格长", **roles: str) -> None:
        """The coordinator speaks first (so holds the role), then gives roles by /角色."""
        await self.say(coordinator, "大家好")
        for member, role in roles.items():
            await self.say(coordinator, f"/角色 @{member} {role}", mentions=(member,))

    async def ticket(self, number: int):
        async with self.app.session() as repo:
            groups = await repo.groups()
            return await repo.ticket(groups[0].id, number)

    async def tickets(self):
        async with self.app.session() as repo:
            return await repo.tickets()
