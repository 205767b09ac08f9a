"""`gongzhi demo`: a scripted week in one estate's group, printed as a conversation."""

from __future__ import annotations

import json
import tempfile
from importlib import resources

from rich.console import Console

from bot.app import Application
from bot.clock import VirtualClock
from bot.config import Config
from bot.messages import Incoming, Outgoing
from bot.replay import run
from bot.transports.replay import ReplayTransport, to_incoming


def script(config: Config) -> list[Incoming]:
    room = config.groups[0].room
    raw = resources.files("bot").joinpath("data/demo_week.jsonl").read_text(encoding="utf-8")
    out = []
    for n, line in enumerate(raw.splitlines(), 1):
        obj = json.loads(line)
        out.append(to_incoming({**obj, "room": room}, n, config.bot.name))
    return out


async def play(config: Config, db_url: str | None, plain: bool = False) -> None:
    console = Console(highlight=False, no_color=plain, emoji=False)
    url = db_url or f"sqlite+aiosqlite:///{tempfile.mkdtemp(prefix='gongzhi-demo-')}/demo.db"
    config = config.model_copy(deep=True)
    config.database.url = url
    messages = script(config)
    group = config.groups[0]
    console.rule(f"[bold]{group.estate} · {group.room}[/]")
    console.print(f"[dim]协调员：{'、'.join(group.coordinators)}；角色来自 config.example.toml；"
                  f"数据库：{url}[/]\n")
    last_day = [None]

    weekdays = "一二三四五六日"

    def day_header(at) -> None:
        day = f"{at:%m月%d日} 周{weekdays[at.weekday()]}"
        if day != last_day[0]:
            console.print(f"\n[bold cyan]── {day} ──[/]")
            last_day[0] = day

    def show_in(msg: Incoming) -> None:
        day_header(msg.at)
        console.print(f"[dim]{msg.at:%H:%M}[/] [bold]{msg.sender.name}[/]：{msg.text}")

    def show_out(out: Outgoing) -> None:
        if out.created_at is not None:
            day_header(out.created_at.astimezone(clock.tz))
        to = f"（私聊 {out.to.name}）" if out.to else ""
        text = out.text.replace("\n", "\n      ")
        style = "bold red" if "【紧急】" in out.text else "green"
        console.print(f"      [{style}]🤖 {config.bot.name}{to}：{text}[/]")

    transport = ReplayTransport(on_send=show_out)
    clock = VirtualClock(messages[0].at, config.bot.timezone)
    async with Application(config, transport, clock=clock, db_url=url) as app:
        await run(app, messages, on_message=show_in)
        async with app.session() as repo:
            tickets = await repo.tickets()
    console.print()
    console.rule("[bold]本周结果[/]")
    done = sum(t.status in ("resolved", "closed") for t in tickets)
    console.print(f"共 {len(tickets)} 件（已办结 {done} 件）。用 `gongzhi tickets --db {url}` 查看全部工单。")
