"""WeChat through python-wechaty's puppet-service client, which talks gRPC to a gateway.

    transport = WechatTransport(config)      # [wechat] settings; rooms from [[groups]]
    async with Application(config, transport) as app: ...   # app calls transport.start

Receiving: the client's events go into queues (its own handlers swallow exceptions);
one worker turns each message into an `Incoming` and hands it to `deliver`, waiting
for the gateway to come back when it is away, so no message in flight is dropped. Only
configured rooms (topic or id) are delivered; a room keeps its identity by id once
seen, also after a rename. Private messages are delivered with `room=None`, the sender
named as in a served group. The bot's own messages (WeChat echoes them) are skipped.

Sending: `send` renders real @mentions (contact ids, so WeChat notifies), splits long
texts on line boundaries, paces messages per room and overall, and returns only when
the gateway confirms each part (else `SendFailed`; the outbox retries). A part the
gateway confirms late is not sent again: the retry waits for the first request.

Connection: the client is rebuilt for every connection, with its own `PuppetOptions`
and object pools; we never call `Wechaty.start()` (it stops the event loop when the
gateway is unreachable, sleeps 60 s after errors and probes local port 5000). We
reconnect with backoff instead, and ping the gateway to notice a dead connection.

Status for the core: `on_status(WechatStatus)` is called on every change (connected,
disconnected, logged_in, logged_out, scan_required); `pending_notices()` returns, once,
short Chinese lines for coordinators, e.g. after the account had to log in again.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import random
import re
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from functools import partial
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from grpclib.const import Status as GrpcStatus
from grpclib.exceptions import GRPCError

from bot.messages import Incoming, Outgoing, Person
from bot.transports import wechaty_compat as wc  # the only way in to `wechaty`
from bot.transports.base import Deliver, SendFailed, Transport
from bot.transports.wechat_parts import (  # noqa: F401  (some re-exported)
    AT_SEPARATOR,
    EndpointRefused,
    Pacer,
    WechatStatus,
    check_endpoint,
    print_qr,
    split_quote,
    split_text,
    strip_mention,
)
from bot.transports.wechat_settings import WechatSettings

log = logging.getLogger(__name__)

MT = wc.MessageType
KINDS = {
    MT.MESSAGE_TYPE_TEXT: "text", MT.MESSAGE_TYPE_IMAGE: "image", MT.MESSAGE_TYPE_EMOTICON: "sticker",
    MT.MESSAGE_TYPE_AUDIO: "voice", MT.MESSAGE_TYPE_ATTACHMENT: "file", MT.MESSAGE_TYPE_URL: "link",
    MT.MESSAGE_TYPE_MINI_PROGRAM: "link", MT.MESSAGE_TYPE_VIDEO: "video",
    MT.MESSAGE_TYPE_CONTACT: "other", MT.MESSAGE_TYPE_LOCATION: "other",
    MT.MESSAGE_TYPE_CHAT_HISTORY: "other",
}  # anything else (system notes, recalls, transfers) is not a message to the bot
OFFICIAL_ACCOUNT = 2  # ContactType.CONTACT_TYPE_OFFICIAL
_ACCESSORIES = ("Contact", "ContactSelf", "Favorite", "Friendship", "Image", "Message",
                "MiniProgram", "UrlLink", "Room", "RoomInvitation", "Tag")
_EVENTS = ("message", "login", "logout", "scan", "room-topic", "room-join", "room-leave",
           "error", "heartbeat", "ready", "dong")




class WechatTransport(Transport):
    name = "wechat"

    def __init__(self, config: Any, rooms: Iterable[str] | None = None, *,
                 on_status: Callable[[WechatStatus], Any] | None = None) -> None:
        """`config`: the application `Config` (its [wechat] table and groups' rooms) or
        just `WechatSettings` with `rooms`, the configured room topics and ids."""
        settings: WechatSettings = getattr(config, "wechat", config)
        if rooms is None:
            rooms = [r for g in getattr(config, "groups", ()) for r in (g.room, g.room_id)]
        self._extra_names = {getattr(getattr(config, "bot", None), "name", "")} - {""}
        self.settings = settings
        self.on_status = on_status
        self.status = WechatStatus("disconnected", "not started")
        self.undelivered: list[Incoming] = []  # handed over `deliver_attempts` times, failed
        self._room_keys = {r for r in rooms if r}
        self._room_ids: dict[str, str] = {}  # WeChat room id -> configured topic or id
        self._ignored_rooms: set[str] = set()
        self._topics: dict[str, str] = {}
        self._names: dict[tuple[str, str], tuple[str, float]] = {}
        self._members: dict[str, tuple[list[Person], float]] = {}
        self._notices: list[str] = []
        self._away: str | None = None
        self._pacer = Pacer(settings)
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._done_parts: OrderedDict[int, dict[int, str]] = OrderedDict()
        self._inflight: dict[tuple[int, int], asyncio.Task] = {}
        self._events: asyncio.Queue = asyncio.Queue()
        self._pending: asyncio.Queue[str] = asyncio.Queue()
        self._ready = asyncio.Event()
        self._bot: Any = None
        self._session = 0
        self._self_id = ""
        self._self_name = ""
        self._deliver: Deliver | None = None
        self._tasks: list[asyncio.Task] = []
        self._side_tasks: set[asyncio.Future] = set()
        self._stopping = False

    # lifecycle ----------------------------------------------------------------------

    async def start(self, deliver: Deliver) -> None:
        """Check the endpoint and begin connecting in the background; returns at once."""
        if not self.settings.enabled:
            raise ValueError("wechat.token and wechat.endpoint must both be set")
        try:
            await check_endpoint(self.settings)
        except EndpointRefused:
            raise
        except OSError as exc:  # a name not resolvable yet (e.g. a container still starting)
            log.warning("cannot resolve %s yet (%s); will keep trying", self.settings.endpoint, exc)
        self._deliver, self._stopping = deliver, False
        self._tasks = [asyncio.create_task(coro, name=f"wechat-{coro.__name__}") for coro in (
            self._supervise(), self._process_events(), self._deliver_pending())]

    async def stop(self, drain_seconds: float = 5.0) -> None:
        """Finish handing over received messages (briefly), then disconnect."""
        if self._ready.is_set():
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(drain_seconds):
                    await self._pending.join()
        self._stopping = True
        pending = {*self._tasks, *self._side_tasks}
        while pending:  # a library may swallow one cancellation: repeat until all ended
            for task in pending:
                task.cancel()
            _, pending = await asyncio.wait(pending, timeout=1)
        self._tasks = []
        self._teardown()

    def is_connected(self) -> bool:
        return self._ready.is_set()

    async def wait_ready(self, timeout: float) -> bool:
        """Wait until connected and logged in; False after `timeout` seconds."""
        try:
            async with asyncio.timeout(timeout):
                await self._ready.wait()
        except TimeoutError:
            return False
        return True

    def pending_notices(self) -> list[str]:
        """Lines for coordinators about the account (e.g. it had to log in again), once."""
        notices, self._notices = self._notices, []
        return notices

    async def _supervise(self) -> None:
        delay = self.settings.reconnect_min_seconds
        while not self._stopping:
            began = time.monotonic()
            try:
                await self._run_session()
                reason = "the gateway ended the event stream"
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # any failure of the connection: reconnect
                reason = f"{type(exc).__name__}: {exc}"
            self._teardown()
            if time.monotonic() - began > 30:
                delay = self.settings.reconnect_min_seconds
            self._set_status("disconnected", reason)
            log.warning("WeChat gateway %s: %s; reconnecting in %.1f s",
                        self.settings.endpoint, reason, delay)
            await asyncio.sleep(delay * random.uniform(0.8, 1.2))
            delay = min(delay * 2, self.settings.reconnect_max_seconds)

    async def _run_session(self) -> None:
        host, port = await check_endpoint(self.settings)  # again: names can resolve anew
        # The client pings with a blocking telnet call: make sure it answers at once.
        async with asyncio.timeout(self.settings.request_timeout_seconds):
            _, writer = await asyncio.open_connection(host, port)
        writer.close()
        self._session += 1
        self._bot = bot = self._new_client()
        for event in _EVENTS:
            bot.puppet.on(event, partial(self._enqueue, self._session, event))
        runner = asyncio.create_task(bot.puppet.start())  # Stop, Start, then the event stream
        watchdog = asyncio.create_task(self._watchdog(bot.puppet))
        try:
            done, _ = await asyncio.wait({runner, watchdog}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (runner, watchdog):
                task.cancel()
            await asyncio.gather(runner, watchdog, return_exceptions=True)
        for task in done:
            task.result()

    def _new_client(self) -> Any:
        """A fresh client with its own options and pools (the library shares both)."""
        s = self.settings
        options = wc.WechatyOptions(
            puppet_options=wc.PuppetOptions(token=s.token, end_point=s.endpoint),
            host="127.0.0.1", scheduler=AsyncIOScheduler())
        bot = wc.Wechaty(options)
        meta = {"_puppet": bot.puppet, "_wechaty": bot, "abstract": False}
        for name in _ACCESSORIES:
            base = getattr(wc.wechaty.user, name)
            setattr(bot, name, type(name, (base,), {**meta, "_pool": {}}))
        return bot

    async def _watchdog(self, puppet: Any) -> None:
        if not self.settings.watchdog_seconds:
            await asyncio.Event().wait()
        while True:
            await asyncio.sleep(self.settings.watchdog_seconds)
            async with asyncio.timeout(self.settings.request_timeout_seconds):
                await puppet.ding("watchdog")

    def _teardown(self) -> None:
        self._ready.clear()
        bot, self._bot = self._bot, None
        puppet = getattr(bot, "_puppet", None)
        if puppet is not None:
            puppet._event_stream.remove_all_listeners()
            if puppet.channel is not None:
                puppet.channel.close()
                puppet.channel = None
        self._members.clear()
        self._names.clear()

    def _background(self, awaitable: Any) -> None:
        task = asyncio.ensure_future(awaitable)
        self._side_tasks.add(task)
        task.add_done_callback(self._side_tasks.discard)

    def _set_status(self, state: str, detail: str = "", code: str | None = None) -> None:
        if self.status.state == state and state != "scan_required":
            return
        self.status = WechatStatus(state, detail, code)
        if self.on_status is None:
            return
        try:
            result = self.on_status(self.status)
            if inspect.isawaitable(result):
                self._background(result)
        except Exception:
            log.exception("on_status callback failed")

    # events -------------------------------------------------------------------------

    def _enqueue(self, session: int, event: str, payload: Any = None) -> None:
        if event == "message":  # a message id stays good across connections: never drop it
            self._pending.put_nowait(payload.message_id)
        self._events.put_nowait((session, event, payload))

    async def _process_events(self) -> None:
        while True:
            session, event, payload = await self._events.get()
            if session != self._session or self._bot is None:
                continue  # the state of a client already torn down
            try:
                await self._on_event(event, payload)
            except Exception:
                log.exception("WeChat %s event failed: %r", event, payload)

    async def _on_event(self, event: str, payload: Any) -> None:
        if self.status.state == "disconnected":
            self._set_status("connected")
        if event == "login":
            await self._on_login(payload.contact_id)
        elif event == "logout":
            self._ready.clear()
            self._away = "微信退出了登录"
            log.error("WECHAT LOGGED OUT (%s): log in again on the gateway", payload.data)
            self._set_status("logged_out", str(payload.data or ""))
        elif event == "scan":
            await self._on_scan(payload)
        elif event == "room-topic":
            self._on_room_topic(payload.room_id, payload.old_topic, payload.new_topic)
        elif event in ("room-join", "room-leave"):
            self._members.pop(payload.room_id, None)
            self._names = {k: v for k, v in self._names.items() if k[0] != payload.room_id}
        elif event == "error":
            log.warning("WeChat gateway reported an error: %s", payload)

    async def _on_login(self, contact_id: str) -> None:
        self._self_id = contact_id
        me = self._bot.Contact.load(contact_id)
        try:
            async with asyncio.timeout(self.settings.request_timeout_seconds):
                await me.ready()
            self._self_name = me.name
        except Exception as exc:  # the name only helps strip "@name"; ids still work
            log.warning("could not load the bot's own contact: %s", exc)
        self._ready.set()
        self._set_status("logged_in", self._self_name)
        log.info("WeChat logged in as %s (%s)", self._self_name, contact_id)
        if self._away:
            self._notices.append(f"{self._self_name or '机器人'}刚才掉线了（{self._away}），"
                                 "现在已经恢复。掉线期间的问题如没有登记上，请再发一次。")
            self._away = None
        self._background(self._learn_room_ids())

    async def _on_scan(self, payload: Any) -> None:
        status, code = payload.status, payload.qrcode or ""
        if status in (wc.ScanStatus.Waiting, wc.ScanStatus.Timeout) and code:
            self._ready.clear()
            self._away = "需要重新扫码登录"
            log.error("WECHAT NEEDS A QR SCAN: scan this code with the bot's phone: %s", code)
            print_qr(code)
            self._set_status("scan_required", status.name, code)

    def _on_room_topic(self, room_id: str, old: str, new: str) -> None:
        self._topics[room_id] = new
        if self._bot is not None:
            self._bot.Room._pool.pop(room_id, None)
        if room_id not in self._room_ids and old in self._room_keys:
            self._room_ids[room_id] = old
        if room_id in self._room_ids:
            log.info("room %s renamed %r -> %r; still served", room_id, old, new)

    async def _learn_room_ids(self) -> None:
        """Match configured topics to room ids now, so a later rename keeps them."""
        puppet = self._bot.puppet
        try:
            for room_id in await puppet.room_list():
                if room_id not in self._room_ids:
                    topic = (await puppet.room_payload(room_id)).topic
                    self._room_configured(room_id, topic)
        except Exception as exc:
            log.info("could not list rooms yet (%s); rooms are matched as messages arrive", exc)

    def _room_configured(self, room_id: str, topic: str) -> bool:
        if room_id in self._room_ids:
            return True
        key = room_id if room_id in self._room_keys else topic
        if key not in self._room_keys:
            if room_id not in self._ignored_rooms:
                self._ignored_rooms.add(room_id)
                log.info("room %r (%s) is not in the config: its messages are ignored",
                         topic, room_id)
            return False
        self._room_ids[room_id] = key
        if key != room_id:
            log.info("room %r is %s (put room_id in the config to keep it across restarts "
                     "and renames)", topic, room_id)
        return True

    # receiving ------------------------------------------------------------------------

    async def _deliver_pending(self) -> None:
        while not self._stopping:
            msg_id = await self._pending.get()
            try:
                if msg_id not in self._seen:
                    incoming = await self._resolve(msg_id)
                    if incoming is not None:
                        await self._hand_over(incoming)
                    self._seen[msg_id] = None
                    if len(self._seen) > 20_000:
                        self._seen.popitem(last=False)
            finally:
                self._pending.task_done()

    async def _resolve(self, msg_id: str) -> Incoming | None:
        """Fetch what the event only names; wait out disconnections, give up on bad data."""
        failures = 0
        while True:
            await self._ready.wait()
            session = self._session
            try:
                async with asyncio.timeout(self.settings.request_timeout_seconds):
                    return await self._to_incoming(msg_id)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if session == self._session and self._ready.is_set():
                    failures += 1
                gone = isinstance(exc, GRPCError) and exc.status == GrpcStatus.NOT_FOUND
                if failures >= self.settings.deliver_attempts or (gone and failures >= 2):
                    log.error("WeChat message %s could not be read, skipped: %r", msg_id, exc)
                    return None
                log.warning("reading WeChat message %s failed (%r); will retry", msg_id, exc)
                await asyncio.sleep(min(2 ** failures * 0.1, 5))

    async def _hand_over(self, incoming: Incoming) -> None:
        for attempt in range(self.settings.deliver_attempts):
            try:
                await self._deliver(incoming)
                return
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("delivering WeChat message %s failed (attempt %d)",
                              incoming.id, attempt + 1)
                await asyncio.sleep(min(2 ** attempt * 0.2, 10))
        log.error("WeChat message not handed to the bot, kept in undelivered: %r", incoming)
        self.undelivered.append(incoming)

    async def _to_incoming(self, msg_id: str) -> Incoming | None:
        msg = self._bot.Message.load(msg_id)
        await msg.ready()  # MessagePayload, then ContactPayload and RoomPayload
        p = msg.payload
        kind = KINDS.get(p.type)
        talker = msg.talker()
        if kind is None or p.from_id == self._self_id or talker.payload.type == OFFICIAL_ACCOUNT:
            return None
        seconds = p.timestamp / 1000 if p.timestamp > 2_145_888_000 else p.timestamp
        at = datetime.fromtimestamp(seconds, UTC) if seconds else datetime.now(UTC)
        text, quoted = split_quote(p.text or "") if kind == "text" else ("", None)
        common = {"at": at, "id": msg_id, "kind": kind, "quoted_text": quoted,
                  "transport": self.name}
        room = msg.room()
        if room is None:
            name = await self._name_in_served_rooms(talker.contact_id) or talker.name
            return Incoming(room=None, sender=Person(talker.contact_id, name),
                            text=text.strip(), **common)
        topic = self._topics.get(room.room_id) or room.payload.topic
        if not self._room_configured(room.room_id, topic):
            return None
        own_names = [self._self_name, await self._name_in(room, self._self_id, ""),
                     *self._extra_names]
        text, said_name = strip_mention(text, own_names)
        mention_ids = list(p.mention_ids or [])
        mentions = tuple([Person(cid, await self._name_in(room, cid, cid))
                          for cid in mention_ids if cid != self._self_id])
        return Incoming(
            room=room.room_id, room_topic=topic,
            sender=Person(talker.contact_id, await self._name_in(room, talker.contact_id,
                                                                 talker.name)),
            text=text, mentions=mentions,
            mentions_bot=said_name or self._self_id in mention_ids, **common)

    async def _name_in(self, room: Any, contact_id: str, fallback: str) -> str:
        """Display name in the room: the room alias first, then the WeChat name (cached)."""
        if not contact_id:
            return fallback
        key = (room.room_id, contact_id)
        hit = self._names.get(key)
        if hit and hit[1] > time.monotonic():
            return hit[0]
        contact = self._bot.Contact.load(contact_id)
        try:
            await contact.ready(force_sync=hit is not None)
            name = await room.alias(contact) or contact.name or fallback
        except GRPCError:
            return fallback
        self._names[key] = (name, time.monotonic() + self.settings.name_cache_seconds)
        return name

    async def _name_in_served_rooms(self, contact_id: str) -> str | None:
        """A private sender's display name in a served room, so that the config can name
        coordinators as the groups see them."""
        for room_id in list(self._room_ids):
            try:
                for person in await self.members(room_id):
                    if person.id == contact_id:
                        return person.name
            except Exception as exc:
                log.info("members of %s unknown (%s)", room_id, exc)
        return None

    async def members(self, room_id: str) -> list[Person]:
        """Members of a room with their display names (cached until a join or leave)."""
        hit = self._members.get(room_id)
        if hit and hit[1] > time.monotonic():
            return hit[0]
        if self._bot is None:
            raise ConnectionError("not connected to the WeChat gateway")
        room = self._bot.Room.load(room_id)
        ids = await self._bot.puppet.room_members(room_id)
        people = [Person(cid, await self._name_in(room, cid, cid)) for cid in ids]
        self._members[room_id] = (people, time.monotonic() + self.settings.name_cache_seconds)
        return people

    # sending --------------------------------------------------------------------------

    async def send(self, msg: Outgoing) -> str | None:
        conversation = msg.room or (msg.to.id if msg.to else None)
        if not conversation:
            raise SendFailed(f"outbox #{msg.outbox_id} has neither room nor recipient")
        if self._bot is None or not self._ready.is_set():
            raise SendFailed("not connected to the WeChat gateway")
        parts = await self._render(msg)
        done = self._done_parts.setdefault(msg.outbox_id, {})
        while len(self._done_parts) > 1000:
            self._done_parts.popitem(last=False)
        for index, part in enumerate(parts):
            if index not in done:
                done[index] = await self._send_part((msg.outbox_id, index), conversation, part)
        self._done_parts.pop(msg.outbox_id, None)
        return done[0] or None

    async def _render(self, msg: Outgoing) -> list[tuple[str, str, list[str]]]:
        """[("text", text, mention ids), ..., ("file", path, [])]: mentions go with part one."""
        text, ids = msg.text, []
        if msg.room and msg.mentions:
            text, ids = await self._with_mentions(msg.room, msg.text, msg.mentions)
        chunks = split_text(text, self.settings.max_text_chars)
        parts = [("text", chunks[0], ids)] + [("text", c, []) for c in chunks[1:]]
        if msg.image_path:
            parts.append(("file", msg.image_path, []))
        return parts

    async def _with_mentions(self, room_id: str, text: str,
                             people: Iterable[Person]) -> tuple[str, list[str]]:
        """Make each "@name" in `text` a WeChat mention ("@name" + U+2005, and its contact id);
        people the text does not name yet are @mentioned in front."""
        lead, ids = "", []
        for person in people:
            contact_id, shown = await self._find_member(room_id, person)
            if contact_id and contact_id not in ids:
                ids.append(contact_id)
            names = sorted({person.name, shown} - {""}, key=len, reverse=True)
            pattern = "|".join(re.escape(n) for n in names)
            text, n = re.subn(rf"@(?:{pattern})[ \u2005]?", f"@{shown}{AT_SEPARATOR}", text)
            if not n:
                lead += f"@{shown}{AT_SEPARATOR}"
        return lead + text, ids

    async def _find_member(self, room_id: str, person: Person) -> tuple[str | None, str]:
        """The contact id and room display name of `person`, by id, else by display name
        (the core may know someone only by the name the config gives them)."""
        try:
            members = await self.members(room_id)
        except Exception as exc:
            log.warning("members of %s unknown (%s); mentioning %s by name only", room_id,
                        exc, person.name)
            return None, person.name
        for found in members:
            if found.id == person.id:
                return found.id, found.name
        for found in members:
            if found.name == person.name:
                return found.id, found.name
        log.warning("%s (%s) is not a member of room %s: mentioned by name only",
                    person.name, person.id, room_id)
        return None, person.name

    async def _send_part(self, key: tuple[int, int], conversation: str,
                         part: tuple[str, str, list[str]]) -> str:
        task = self._inflight.get(key)
        if task is None or (task.done() and (task.cancelled() or task.exception())):
            await self._pacer.wait(conversation)
            if self._bot is None:
                raise SendFailed("the WeChat gateway went away")
            task = asyncio.ensure_future(self._call_send(self._bot.puppet, conversation, part))
            self._inflight[key] = task
        try:
            async with asyncio.timeout(self.settings.send_timeout_seconds):
                msg_id = await asyncio.shield(task)
        except TimeoutError:
            raise SendFailed("the gateway has not confirmed yet; the retry waits for it") from None
        except Exception as exc:
            self._inflight.pop(key, None)
            raise SendFailed(f"the gateway did not take the message: {exc}") from exc
        self._inflight.pop(key, None)
        return msg_id

    @staticmethod
    async def _call_send(puppet: Any, conversation: str, part: tuple[str, str, list[str]]) -> str:
        kind, content, mention_ids = part
        if kind == "file":
            msg_id = await puppet.message_send_file(conversation, wc.FileBox.from_file(content))
        else:
            msg_id = await puppet.message_send_text(conversation, content, mention_ids=mention_ids)
        return msg_id or ""  # an answer without error is the confirmation; some give no id
