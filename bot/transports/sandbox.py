"""Sandbox: a group chat in the terminal. Type `名字: 消息`; the bot answers.

`:群 名称` switches room, `:私聊 名字: 消息` sends privately, `:退出` ends.
"""

from __future__ import annotations

import asyncio
import itertools
import sys

from rich.console import Console

from bot.clock import SystemClock
from bot.messages import Incoming, Outgoing, Person
from bot.transports.base import Deliver, Transport

HELP = "输入 “名字: 消息” 发言（例如 王阿姨: 3幢电梯坏了），:群 名称 切换群，:退出 结束。"


class SandboxTransport(Transport):
    name = "sandbox"

    def __init__(self, rooms: list[str], bot_name: str, console: Console | None = None,
                 stdin=None) -> None:
        self.rooms = rooms or ["测试群"]
        self.room = self.rooms[0]
        self.bot_name = bot_name
        self.console = console or Console(highlight=False)
        self.stdin = stdin or sys.stdin
        self.clock = SystemClock()
        self._ids = itertools.count(1)
        self.done = asyncio.Event()

    async def start(self, deliver: Deliver) -> None:
        self.deliver = deliver
        self.console.print(f"[dim]{HELP}[/]\n[dim]当前群：{self.room}[/]")
        self._task = asyncio.create_task(self._read())

    async def stop(self) -> None:
        self._task.cancel()

    async def _read(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            line = await loop.run_in_executor(None, self.stdin.readline)
            if not line or line.strip() in (":退出", ":quit", ":q"):
                self.done.set()
                return
            msg = self.to_incoming(line.rstrip("\n"))
            if msg is not None:
                await self.deliver(msg)

    def to_incoming(self, line: str) -> Incoming | None:
        if line.startswith((":群", ":room")):
            self.room = line.split(maxsplit=1)[1].strip() if " " in line else self.room
            self.console.print(f"[dim]当前群：{self.room}[/]")
            return None
        private = line.startswith(":私聊")
        if private:
            line = line[len(":私聊"):].strip()
        name, sep, text = line.replace("：", ":", 1).partition(":")
        if not sep or not name.strip():
            self.console.print(f"[yellow]{HELP}[/]")
            return None
        mentions = tuple(Person(w[1:], w[1:]) for w in text.split() if w.startswith("@") and len(w) > 1)
        bot = f"@{self.bot_name}"
        return Incoming(
            room=None if private else f"sandbox:{self.room}", room_topic=None if private else self.room,
            sender=Person(name.strip(), name.strip()), text=text.replace(bot, "").strip(),
            at=self.clock.now(), id=f"s{next(self._ids)}",
            mentions=tuple(p for p in mentions if p.name != self.bot_name),
            mentions_bot=bot in text, transport="sandbox")

    async def send(self, msg: Outgoing) -> str:
        where = f"→{msg.to.name}（私聊）" if msg.to else ""
        self.console.print(f"[bold green]{self.bot_name}{where}:[/] {msg.text}")
        if msg.image_path:
            self.console.print(f"[dim]（图片：{msg.image_path}）[/]")
        return f"sandbox-{msg.outbox_id}"
