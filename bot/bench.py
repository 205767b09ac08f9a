"""`gongzhi bench`: end-to-end speed of the message path on SQLite and PostgreSQL.

Replays a generated mixed transcript (many groups, about 70 % chat) through the real
application: each message is stored, parsed, its ticket written and its reply queued;
every 20 messages the outbox sender hands the replies to a transport that only
records. Messages per second count all of that (sending included); the p50/p99
latency is one message's handling (received → reply queued). Also prints peak memory
and the raw rate of one-row-per-transaction inserts into the same database.
"""

from __future__ import annotations

import random
import resource
import statistics
import tempfile
import time
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.progress import Progress
from rich.table import Table
from sqlalchemy import text

from bot.app import Application
from bot.clock import VirtualClock
from bot.config import load_config
from bot.messages import Incoming, Person
from bot.transports.replay import ReplayTransport
from storage import db

CHAT = ["大家早上好", "谢谢物业", "收到", "明天几点停水？", "[强][强]", "周末社区有义诊活动，欢迎参加",
        "有没有人一起团购大米？", "辛苦了", "好的", "今晚广场放电影", "👍", "晚安", "天气真热啊",
        "转发：关于垃圾分类的通知", "我孙子考上大学了"]
TAILS = ["", "！", "～", "[玫瑰]", "😄", "。", "[强]", "哈哈", "，谢谢", "[太阳]", "呀", "啊"]
REPORTS = ["{b}幢电梯又坏了，老人上不去", "{b}幢{u}单元楼道灯不亮了", "{b}幢地下室水管漏水了",
           "{b}幢楼下垃圾好几天没人清了", "{b}幢楼道里有人给电瓶车充电", "{b}幢楼上装修太吵了",
           "{b}幢门禁坏了刷不开", "{b}幢旁边的路灯不亮"]


def transcript(n: int, groups: int, seed: int = 1) -> list[Incoming]:
    rng = random.Random(seed)
    t = datetime(2026, 3, 2, 8, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    out = []
    for i in range(n):
        t += timedelta(seconds=rng.randint(1, 20))
        room = f"bench-{rng.randrange(groups)}"
        who = f"居民{rng.randrange(200)}"
        if rng.random() < 0.7:  # varied, so no reading is reused between messages
            body = rng.choice(CHAT) + rng.choice(TAILS) + rng.choice(TAILS)
        elif rng.random() < 0.85:
            body = rng.choice(REPORTS).format(b=rng.randint(1, 40), u=rng.randint(1, 4))
        else:
            body = f"/工单 {rng.randint(1, 20)}"
        out.append(Incoming(room=room, room_topic=room, sender=Person(who, who), text=body, at=t,
                            id=f"b{i}", transport="replay"))
    return out


async def measure(url: str, messages: list[Incoming], console: Console) -> dict:
    config = load_config(None)
    clock = VirtualClock(messages[0].at)
    transport = ReplayTransport()
    latencies = []
    async with Application(config, transport, clock=clock, db_url=url,
                           serve_unknown_rooms=True, run_sender=False) as app:
        for text in ("预热 3幢电梯坏了", "楼下那个东西又不行了", "大家早上好"):
            app.parser.parse(text)  # dictionaries load before timing (start-up is bench-nlu's)
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task(url.split(":")[0], total=len(messages))
            start = time.perf_counter()
            for i, msg in enumerate(messages, 1):
                clock.set(msg.at)
                t0 = time.perf_counter()
                await app.receive(msg)  # stored, parsed, ticket written, reply queued
                latencies.append(time.perf_counter() - t0)
                if i % 20 == 0:  # the sender drains the outbox (counted in the rate)
                    await app.flush_outbox()
                progress.advance(task)
            await app.flush_outbox()
            elapsed = time.perf_counter() - start
        async with app.session() as repo:
            tickets = len(await repo.tickets())
        raw = await raw_insert_rate(app.engine, len(messages) // 3)
    q = statistics.quantiles(latencies, n=100)
    return {"rate": len(messages) / elapsed, "p50": q[49] * 1000, "p99": q[98] * 1000,
            "raw": raw, "sent": len(transport.sent), "tickets": tickets}


async def raw_insert_rate(engine, n: int) -> float:
    async with engine.begin() as c:
        await c.execute(text("CREATE TABLE IF NOT EXISTS bench_raw (id INTEGER PRIMARY KEY, body TEXT)"))
    start = time.perf_counter()
    for i in range(n):
        async with engine.begin() as c:
            await c.execute(text("INSERT INTO bench_raw (id, body) VALUES (:i, :b)"),
                            {"i": i, "b": "x" * 40})
    return n / (time.perf_counter() - start)


async def main(n: int, groups: int, pg_url: str) -> None:
    console = Console(highlight=False)
    messages = transcript(n, groups)
    console.print(f"{n} messages in {groups} groups "
                  f"({sum(any(m.text.startswith(c) for c in CHAT) for m in messages) / n:.0%} chat)")
    results = {}
    sqlite_url = f"sqlite+aiosqlite:///{tempfile.mkdtemp(prefix='gongzhi-bench-')}/bench.db"
    results["SQLite"] = await measure(sqlite_url, messages, console)
    if pg_url:
        name = f"gz_bench_{uuid.uuid4().hex[:8]}"
        admin = db.create_engine(pg_url)
        try:
            async with admin.connect() as c:
                await (await c.execution_options(isolation_level="AUTOCOMMIT")).execute(
                    text(f'CREATE DATABASE "{name}"'))
            base = pg_url.rsplit("/", 1)[0]
            results["PostgreSQL"] = await measure(f"{base}/{name}", messages, console)
        except OSError as e:
            console.print(f"[yellow]PostgreSQL skipped: cannot reach {pg_url} ({e}); "
                          "start it or pass --pg ''[/]")
        finally:
            async with admin.connect() as c:
                await (await c.execution_options(isolation_level="AUTOCOMMIT")).execute(
                    text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            await admin.dispose()
    table = Table(title="end to end: stored → parsed → ticket → reply queued (→ sent)")
    for col in ("database", "messages/s", "p50 ms", "p99 ms", "raw inserts/s", "tickets", "replies"):
        table.add_column(col, justify="right")
    for name, r in results.items():
        table.add_row(name, f"{r['rate']:.0f}", f"{r['p50']:.1f}", f"{r['p99']:.1f}",
                      f"{r['raw']:.0f}", str(r["tickets"]), str(r["sent"]))
    console.print(table)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    console.print(f"peak memory (max RSS of this process): {peak:.0f} MiB")
    console.print("floors: 300 messages/s and p99 under 50 ms on each database")
