"""The application: inbox -> handlers -> outbox, around one transport.

    async with Application(config, transport) as app:
        ...  # the transport delivers to app.receive; app.flush_outbox() sends

Every received message is stored before anything acts on it, and a second delivery
changes nothing. Handling and the replies it queues commit together, so a crash
leaves either nothing done (the message is handled again on start) or all of it.
Every queued message is sent until the transport confirms it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime, timedelta

import aiohttp
from sqlalchemy.exc import DBAPIError

import handlers.schedule  # noqa: F401  (registers timed jobs)
from bot.clock import SystemClock, VirtualClock
from bot.config import Config, GroupSettings
from bot.messages import Incoming
from bot.outbox import OutboxSender
from bot.spool import Spool
from bot.transports.base import Transport
from handlers import dispatch
from handlers.context import Ctx
from handlers.domain import Group
from handlers.nlu import Parser
from handlers.nlu.llm import LlmRefiner
from handlers.timed import TIMED_JOBS
from storage import db
from storage.repo import Repo, message_key, store_message

log = logging.getLogger(__name__)

# errors that mean "the database is not there right now" (not a bug in the message)
DB_DOWN = (DBAPIError, OSError, asyncio.TimeoutError)
STORE_RETRIES = (0.2, 1.0, 3.0, None)
HANDLE_LEASE = timedelta(minutes=2)  # wall-clock time a process has to handle a message
APOLOGY = "抱歉，刚才处理这条消息时出了点问题，消息已经记下了，协调员会跟进。"


class Application:
    def __init__(self, config: Config, transport: Transport | None = None, *,
                 clock: SystemClock | VirtualClock | None = None, db_url: str | None = None,
                 serve_unknown_rooms: bool = False, parser: Parser | None = None,
                 run_sender: bool | None = None, run_scheduler: bool = False) -> None:
        self.config = config
        self.transport = transport
        self.clock = clock or SystemClock(config.bot.timezone)
        self.db_url = db_url or config.database.url
        self.serve_unknown_rooms = serve_unknown_rooms
        self.parser = parser or shared_parser(config)
        self.run_sender = (not self.clock.virtual) if run_sender is None else run_sender
        self.run_scheduler = run_scheduler
        self._groups: dict[str, tuple[Group, GroupSettings]] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._tasks: list[asyncio.Task] = []
        self._members: dict[tuple[int, str], object] = {}
        self._has_coordinator: set[int] = set()
        self._role_cache: dict = {}
        self.scheduler = None
        self.spool = Spool(config.database.spool)
        self.refiner = LlmRefiner(config.nlu, clock=self.clock.now)
        self.http: aiohttp.ClientSession | None = None
        self.sender = OutboxSender(self.session, transport, self.clock)

    # lifecycle ------------------------------------------------------------
    async def __aenter__(self) -> Application:
        self.engine = db.create_engine(self.db_url)
        if self.config.database.auto_migrate or self.db_url.startswith("sqlite"):
            await db.upgrade(self.engine)
        self.sessionmaker = db.sessionmaker(self.engine)
        if self.config.nlu.llm.enabled:
            self.http = aiohttp.ClientSession()
        # on a server, single-statement writes need no BEGIN/COMMIT round trips (SQLite
        # commits in-process; switching its isolation level costs more than it saves)
        self.autocommit = (self.engine.execution_options(isolation_level="AUTOCOMMIT")
                           if self.engine.dialect.name == "postgresql" else self.engine)
        await self.recover(at_start=True)
        await self.drain_spool()
        if self.transport is not None:
            await self.transport.start(self.receive)
        if self.run_sender:
            self._tasks.append(asyncio.create_task(self.sender.run(self._housekeeping, DB_DOWN),
                                                   name="outbox-sender"))
        if self.run_scheduler:
            from bot.scheduler import start_scheduler

            self.scheduler = start_scheduler(self)
        return self

    async def __aexit__(self, *exc) -> None:
        if self.scheduler is not None:
            from bot.scheduler import stop_scheduler

            stop_scheduler(self.scheduler)
        for t in self._tasks:
            t.cancel()
        for t in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await t
        if self.transport is not None:
            await self.transport.stop()
        if self.http is not None:
            await self.http.close()
        await self.engine.dispose()

    def session(self):
        """A session in a transaction: `async with app.session() as repo:`."""
        return _RepoSession(self.sessionmaker)

    # receiving ------------------------------------------------------------
    async def receive(self, msg: Incoming) -> None:
        """Store, then handle. Safe to call twice with the same message."""
        key = message_key(msg)
        quiet = msg.room in self._groups and dispatch.is_quiet_chat(
            msg, self.parser, self.config.bot.name)
        try:
            new = await self._store(msg, key, "handled" if quiet else "handling")
        except DB_DOWN as e:
            self.spool.put(msg)
            log.error("database unreachable (%s): message %s kept in %s; it is handled when "
                      "the database is back", e, key, self.spool.path)
            return
        if not new:
            log.info("duplicate delivery of %s ignored", key)
            return
        if not quiet:
            await self._handle(key, msg)
            self.sender.wake()

    async def _store(self, msg: Incoming, key: str, status: str) -> bool:
        """Put the message in the inbox, retrying while the database reconnects."""
        for delay in STORE_RETRIES:
            try:
                lease = datetime.now(UTC) + HANDLE_LEASE if status == "handling" else None
                return await store_message(self.autocommit, msg, key, status, lease)
            except DB_DOWN as e:
                if delay is None:
                    raise
                log.warning("storing %s failed (%s); retrying in %ss", key, e, delay)
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")

    async def drain_spool(self) -> int:
        """Feed messages kept while the database was down back through the inbox."""
        if not self.spool.path.exists():
            return 0
        msgs = self.spool.take_all()
        for msg in msgs:
            await self.receive(msg)
        return len(msgs)

    async def _housekeeping(self) -> None:
        await self.drain_spool()
        await self.recover()
        await self.announce_transport_notices()

    async def announce_transport_notices(self) -> int:
        """Tell each group's coordinators what the transport reported (once each)."""
        notices = self.transport.pending_notices() if self.transport else []
        if not notices:
            return 0
        now = self.clock.now()
        async with self.session() as repo:
            for group in await repo.groups():
                gconf = next((g for g in self.config.groups if g.key == group.key), None)
                names = gconf.coordinators if gconf else []
                people = [m.person for n in names
                          if (m := await repo.member_by_name(group.id, n)) is not None]
                heads = " ".join(f"@{p.name}" for p in people)
                for text in notices:
                    await repo.enqueue(text=f"{heads} {text}".strip(), now=now, group_id=group.id,
                                       room=group.room_id or group.topic, mentions=people)
        self.sender.dirty = True
        return len(notices)

    async def recover(self, at_start: bool = False) -> int:
        """Handle messages stored but not handled (a crash, a database that dropped out),
        in order. At start on SQLite no other process can hold them: all are taken."""
        wall = datetime.now(UTC)
        only_us = at_start and self.engine.dialect.name == "sqlite"
        async with self.session() as repo:
            pending = await repo.claim_unhandled(wall, wall + HANDLE_LEASE, only_us)
        for key, msg in pending:
            log.warning("handling %s left over from an interrupted run", key)
            if isinstance(self.clock, VirtualClock):
                self.clock.set(msg.at)
            await self._handle(key, msg)
        return len(pending)

    async def _handle(self, key: str, msg: Incoming) -> None:
        lock = self._locks.setdefault(msg.room or "dm", asyncio.Lock())
        async with lock:
            now = self.clock.now()
            for delay in STORE_RETRIES:
                try:
                    await self._handle_once(key, msg, now)
                    return
                except DB_DOWN as e:  # rolled back whole: safe to run again
                    if delay is None:
                        log.error("database unreachable while handling %s (%s); it stays in "
                                  "the inbox and is handled on the next start", key, e)
                        return
                    log.warning("handling %s hit a database error (%s); retrying", key, e)
                    await asyncio.sleep(delay)
                except Exception as e:  # the boundary: log, apologise, keep the message
                    log.exception("failed to handle message %s", key)
                    await self._failed(key, msg, now, e)
                    return

    async def _handle_once(self, key: str, msg: Incoming, now: datetime) -> None:
        async with self.sessionmaker() as s, s.begin():
            repo = Repo(s)
            ctx = await self._context(s, repo, key, msg, now)
            if ctx is not None:
                await dispatch.handle(ctx)
            await repo.inbox_mark(key, "handled" if ctx else "ignored", now)
        self.sender.dirty |= repo.enqueued > 0

    async def _failed(self, key: str, msg: Incoming, now: datetime, e: Exception) -> None:
        async with self.session() as repo:
            await repo.inbox_mark(key, "failed", now, f"{type(e).__name__}: {e}")
            self.sender.dirty = True
            if msg.room and self._groups.get(msg.room):
                await repo.enqueue(text=APOLOGY, now=now, room=msg.room, in_reply_to=msg.id,
                                   group_id=self._groups[msg.room][0].id)

    async def _context(self, s, repo: Repo, key: str, msg: Incoming, now: datetime) -> Ctx | None:
        found = await self._group_for(repo, msg, now)
        if found is None:
            return None
        group, gconf = found
        sender = self._members.get((group.id, msg.sender.id))
        if sender is None or sender.name != msg.sender.name:
            sender = await repo.ensure_member(group.id, msg.sender.id, msg.sender.name, now)
            self._members[(group.id, msg.sender.id)] = sender
        ctx = Ctx(session=s, repo=repo, config=self.config, gconf=gconf, group=group,
                  sender=sender, msg=msg, msg_key=key, now=now, parser=self.parser,
                  role_cache=self._role_cache, refine=self._refine if self.http else None)
        if group.id not in self._has_coordinator:
            # a room served with defaults: its first sender coordinates it
            if not gconf.coordinators and not await ctx.coordinators():
                await repo.set_role(group.id, sender, "coordinator", (), None, now)
                ctx.roles_changed()
            self._has_coordinator.add(group.id)
        return ctx

    async def _refine(self, parse, text: str):
        return await self.refiner.refine(parse, text, self.http)

    async def _group_for(self, repo: Repo, msg: Incoming, now: datetime):
        if msg.room is None:
            return await self._coordinator_group(repo, msg)
        if msg.room in self._groups:
            return self._groups[msg.room]
        known = await repo.group_by_room(msg.room)
        by_key = {g.key: g for g in self.config.groups}
        gconf = by_key.get(known.key) if known else None
        gconf = gconf or self.config.group_for(msg.room, msg.room_topic)
        if gconf is None:
            if not self.serve_unknown_rooms:
                log.info("message from unconfigured room %s (%s) ignored", msg.room, msg.room_topic)
                return None
            gconf = (self.config.default_group(known.key) if known
                     else self.config.default_group(msg.room_topic or msg.room))
            if known:
                gconf = gconf.model_copy(update={"key": known.key})
        group = await repo.ensure_group(gconf.key, gconf.estate, msg.room, msg.room_topic, now)
        await repo.s.flush()
        self._groups[msg.room] = (group, gconf)
        return self._groups[msg.room]

    async def _coordinator_group(self, repo: Repo, msg: Incoming):
        """A private message: the group in which the sender is a coordinator."""
        for group, gconf in list(self._groups.values()):
            if msg.sender.id in gconf.coordinators or msg.sender.name in gconf.coordinators:
                return group, gconf
            roles = await repo.roles(group.id)
            if any(r.role == "coordinator" and r.member.ext_id == msg.sender.id for r in roles):
                return group, gconf
        for gconf in self.config.groups:
            if msg.sender.id in gconf.coordinators or msg.sender.name in gconf.coordinators:
                group = await repo.ensure_group(gconf.key, gconf.estate, gconf.room_id or None,
                                                gconf.room, self.clock.now())
                return group, gconf
        return None

    # sending ------------------------------------------------------------
    async def flush_outbox(self, force: bool = False) -> int:
        """Send every due outbox row now; return how many the transport confirmed."""
        return await self.sender.flush(force)

    async def tick(self) -> None:
        now = self.clock.now()
        for job in TIMED_JOBS:
            try:
                await job.run(self, now)
            except Exception:
                log.exception("timed job %s failed at %s", job.name, now)
        self.sender.dirty = True
        self.sender.wake()

    async def _next_due(self, job, now: datetime) -> datetime | None:
        try:
            return await job.next_due(self, now)
        except DB_DOWN:  # a dropped connection: the pool is renewed, ask once more
            return await job.next_due(self, now)

    async def advance_to(self, t: datetime) -> None:
        """Move a virtual clock to `t`, running timed work at each moment it is due."""
        assert isinstance(self.clock, VirtualClock), "advance_to needs the virtual clock"
        last: datetime | None = None
        while True:
            now = self.clock.now()
            dues = [d for d in [await self._next_due(job, now) for job in TIMED_JOBS] if d]
            nxt = min((d for d in dues if d <= t), default=None)
            if nxt is None:
                break
            if last is not None and nxt <= last:  # a job still due where it just ran
                nxt = last + timedelta(minutes=1)
                if nxt > t:
                    break
            self.clock.set(max(nxt, now))
            await self.tick()
            await self.flush_outbox()
            last = self.clock.now()
        self.clock.set(t)
        await self.tick()
        await self.flush_outbox()


_PARSERS: dict[str, Parser] = {}


def shared_parser(config: Config) -> Parser:
    """One parser per NLU settings in a process: its dictionaries load once."""
    key = config.nlu.model_dump_json()
    if key not in _PARSERS:
        _PARSERS[key] = Parser(config.nlu)
    return _PARSERS[key]


class _RepoSession:
    def __init__(self, maker) -> None:
        self.maker = maker

    async def __aenter__(self) -> Repo:
        self.s = self.maker()
        await self.s.__aenter__()
        self.tx = self.s.begin()
        await self.tx.__aenter__()
        return Repo(self.s)

    async def __aexit__(self, *exc) -> None:
        try:
            await self.tx.__aexit__(*exc)
        finally:
            await self.s.__aexit__(*exc)
