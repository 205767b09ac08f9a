"""A fake puppet gateway: a gRPC server on 127.0.0.1 that plays WeChat for tests.

It serves the routes python-wechaty's puppet-service client uses, with wechaty-grpc's
own message classes. wechaty-grpc ships client stubs only, so the routes are mapped
here for grpclib's server by hand (`__mapping__`). The real client connects over a real
socket; nothing in between is mocked.

It plays WeChat: a logged-in bot account, contacts, rooms with members and room aliases,
message events (text, image, voice, ...). It records every request (`calls`) and every
message the bot sent (`sent`), and tests can tell it to drop the event stream, restart,
delay a route, reject sends, log the bot out or ask for a QR scan.

Events emitted while no client listens are kept and sent when the next stream opens,
as WeChat syncs messages to a client that comes back.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from grpclib.const import Cardinality, Handler, Status
from grpclib.exceptions import GRPCError
from grpclib.server import Server, Stream
from wechaty_grpc.wechaty import puppet as pb

from bot.transports.wechat_settings import WechatSettings

# Message types as the gateway sends them (the TypeScript puppet's numbering; the
# Python client renumbers them on arrival).
WIRE_TYPES = {
    "file": 1, "voice": 2, "card": 3, "history": 4, "sticker": 5, "image": 6, "text": 7,
    "location": 8, "mini_program": 9, "recalled": 13, "link": 14, "video": 15, "system": 0,
}
_DROP = object()


@dataclass
class FakeContact:
    id: str
    name: str
    official: bool = False


@dataclass
class FakeRoom:
    id: str
    topic: str
    members: dict[str, str] = field(default_factory=dict)  # contact id -> room alias
    owner_id: str = ""


@dataclass
class FakeMessage:
    id: str
    text: str
    type: int = 7
    from_id: str = ""
    room_id: str = ""
    to_id: str = ""
    mention_ids: list[str] = field(default_factory=list)
    timestamp: int = 0


@dataclass
class Call:
    route: str
    request: Any


class FakeGateway:
    """Start with `async with FakeGateway() as gw:`; `gw.endpoint` is "127.0.0.1:<port>"."""

    def __init__(self, *, bot_id: str = "wxid_bot", bot_name: str = "小治",
                 logged_in: bool = True, echo_sent: bool = True) -> None:
        self.bot_id = bot_id
        self.logged_in = logged_in
        self.echo_sent = echo_sent
        self.answer_ids = True  # some puppets confirm a send without its message id
        self.contacts: dict[str, FakeContact] = {}
        self.rooms: dict[str, FakeRoom] = {}
        self.messages: dict[str, FakeMessage] = {}
        self.calls: list[Call] = []
        self.sent: list[FakeMessage] = []
        self.delays: dict[str, float] = {}
        self.rejects: dict[str, list[int]] = {}
        self.port = 0
        self._ids = itertools.count(1)
        self._streams: list[asyncio.Queue] = []
        self._backlog: list[pb.EventResponse] = []
        self._server: Server | None = None
        self.add_contact(bot_id, bot_name)

    # -- the world ------------------------------------------------------------------

    def add_contact(self, contact_id: str, name: str, *, official: bool = False) -> None:
        self.contacts[contact_id] = FakeContact(contact_id, name, official)

    def add_room(self, room_id: str, topic: str, members: dict[str, str]) -> None:
        """`members`: contact id -> room alias ("" for none). The bot is added too."""
        all_members = {self.bot_id: "", **members}
        self.rooms[room_id] = FakeRoom(room_id, topic, all_members, owner_id=next(iter(members)))

    def rename_room(self, room_id: str, topic: str, changer_id: str = "") -> None:
        room = self.rooms[room_id]
        old, room.topic = room.topic, topic
        self.emit(pb.EventType.EVENT_TYPE_ROOM_TOPIC, {
            "roomId": room_id, "newTopic": topic, "oldTopic": old,
            "changerId": changer_id or self.bot_id, "timestamp": int(time.time())})

    def set_alias(self, room_id: str, contact_id: str, alias: str) -> None:
        """WeChat sends no event for this: clients see it when they ask again."""
        self.rooms[room_id].members[contact_id] = alias

    def join_room(self, room_id: str, contact_id: str, alias: str = "") -> None:
        self.rooms[room_id].members[contact_id] = alias
        self.emit(pb.EventType.EVENT_TYPE_ROOM_JOIN, {
            "roomId": room_id, "inviteeIdList": [contact_id], "inviterId": self.bot_id,
            "timestamp": int(time.time())})

    # -- events ---------------------------------------------------------------------

    def emit(self, event_type: pb.EventType, payload: dict) -> None:
        event = pb.EventResponse(type=event_type, payload=json.dumps(payload))
        if self._streams:
            self._streams[-1].put_nowait(event)
        else:
            self._backlog.append(event)

    def message(self, from_id: str, text: str = "", *, room: str = "", kind: str = "text",
                mention_ids: tuple[str, ...] = (), msg_id: str | None = None,
                timestamp: int | None = None) -> str:
        """Someone says something (in `room`, or to the bot privately). Returns its id."""
        msg = FakeMessage(
            id=msg_id or f"msg-{next(self._ids)}", text=text, type=WIRE_TYPES[kind],
            from_id=from_id, room_id=room, to_id="" if room else self.bot_id,
            mention_ids=list(mention_ids), timestamp=timestamp or int(time.time() * 1000))
        self.messages[msg.id] = msg
        self.emit(pb.EventType.EVENT_TYPE_MESSAGE, {"messageId": msg.id})
        return msg.id

    def redeliver(self, msg_id: str) -> None:
        """Emit the event of an already known message again (gateways do this)."""
        self.emit(pb.EventType.EVENT_TYPE_MESSAGE, {"messageId": msg_id})

    def logout(self) -> None:
        self.logged_in = False
        self.emit(pb.EventType.EVENT_TYPE_LOGOUT, {"contactId": self.bot_id, "data": "logout"})

    def require_scan(self, qrcode: str = "https://login.weixin.qq.com/l/fake") -> None:
        self.emit(pb.EventType.EVENT_TYPE_SCAN, {"status": 2, "qrcode": qrcode})

    def login(self) -> None:
        self.logged_in = True
        self.emit(pb.EventType.EVENT_TYPE_LOGIN, {"contactId": self.bot_id})

    # -- faults ---------------------------------------------------------------------

    def drop_stream(self) -> None:
        """End the open event stream (the gRPC call completes); unsent events are kept."""
        for queue in self._streams:
            queue.put_nowait(_DROP)

    def delay(self, route: str, seconds: float) -> None:
        """Answer `route` (e.g. "MessageSendText") only after `seconds`; 0 to stop."""
        self.delays[route] = seconds

    def reject(self, route: str = "MessageSendText", times: int = 1, after: int = 0) -> None:
        """Let `after` calls of `route` through, then fail `times` with UNAVAILABLE."""
        self.rejects[route] = [after, times]

    async def restart(self, down_for: float = 0.0) -> None:
        """Stop serving (connections break), stay down `down_for` seconds, serve again."""
        await self.stop()
        await asyncio.sleep(down_for)
        await self.start()

    # -- what the client did --------------------------------------------------------

    def calls_to(self, route: str) -> list[Any]:
        return [c.request for c in self.calls if c.route == route]

    def sent_to(self, conversation_id: str) -> list[FakeMessage]:
        return [m for m in self.sent if (m.room_id or m.to_id) == conversation_id]

    # -- serving --------------------------------------------------------------------

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.port}"

    async def start(self) -> None:
        self._server = _Server([self])
        await self._server.start("127.0.0.1", self.port, reuse_address=True)
        self.port = self._server._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Go away as a gateway process does: stop listening and cut every connection."""
        if self._server is not None:
            self._server.close()
            for connection in self._server.connections:
                connection.abort()
            await self._server.wait_closed()
            self._server = None

    async def __aenter__(self) -> FakeGateway:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def __mapping__(self) -> dict[str, Handler]:
        unary: dict[str, tuple[type, type, Callable[[Any], Any]]] = {
            "Start": (pb.StartRequest, pb.StartResponse, lambda r: pb.StartResponse()),
            "Stop": (pb.StopRequest, pb.StopResponse, lambda r: pb.StopResponse()),
            "Ding": (pb.DingRequest, pb.DingResponse, lambda r: pb.DingResponse()),
            "Version": (pb.VersionRequest, pb.VersionResponse,
                        lambda r: pb.VersionResponse(version="fake-0.1")),
            "Logout": (pb.LogoutRequest, pb.LogoutResponse, self._on_logout),
            "DirtyPayload": (pb.DirtyPayloadRequest, pb.DirtyPayloadResponse,
                             lambda r: pb.DirtyPayloadResponse()),
            "ContactPayload": (pb.ContactPayloadRequest, pb.ContactPayloadResponse,
                               self._contact_payload),
            "ContactList": (pb.ContactListRequest, pb.ContactListResponse,
                            lambda r: pb.ContactListResponse(ids=list(self.contacts))),
            "MessagePayload": (pb.MessagePayloadRequest, pb.MessagePayloadResponse,
                               self._message_payload),
            "MessageSendText": (pb.MessageSendTextRequest, pb.MessageSendTextResponse,
                                self._send_text),
            "MessageSendFile": (pb.MessageSendFileRequest, pb.MessageSendFileResponse,
                                self._send_file),
            "RoomList": (pb.RoomListRequest, pb.RoomListResponse,
                         lambda r: pb.RoomListResponse(ids=list(self.rooms))),
            "RoomPayload": (pb.RoomPayloadRequest, pb.RoomPayloadResponse, self._room_payload),
            "RoomMemberList": (pb.RoomMemberListRequest, pb.RoomMemberListResponse,
                               self._room_members),
            "RoomMemberPayload": (pb.RoomMemberPayloadRequest, pb.RoomMemberPayloadResponse,
                                  self._room_member_payload),
        }
        mapping = {
            f"/wechaty.Puppet/{name}": Handler(self._unary(name, answer), Cardinality.UNARY_UNARY,
                                               req, resp)
            for name, (req, resp, answer) in unary.items()
        }
        mapping["/wechaty.Puppet/Event"] = Handler(
            self._event_stream, Cardinality.UNARY_STREAM, pb.EventRequest, pb.EventResponse)
        return mapping

    def _unary(self, route: str, answer: Callable[[Any], Any]):
        async def handle(stream: Stream) -> None:
            request = await stream.recv_message()
            self.calls.append(Call(route, request))
            if self.delays.get(route):
                await asyncio.sleep(self.delays[route])
            plan = self.rejects.get(route)
            if plan and plan[0]:
                plan[0] -= 1
            elif plan and plan[1]:
                plan[1] -= 1
                raise GRPCError(Status.UNAVAILABLE, f"{route} rejected by the fake gateway")
            await stream.send_message(answer(request))
        return handle

    async def _event_stream(self, stream: Stream) -> None:
        self.calls.append(Call("Event", await stream.recv_message()))
        queue: asyncio.Queue = asyncio.Queue()
        if self.logged_in:
            queue.put_nowait(pb.EventResponse(
                type=pb.EventType.EVENT_TYPE_LOGIN, payload=json.dumps({"contactId": self.bot_id})))
        for event in self._backlog:
            queue.put_nowait(event)
        self._backlog.clear()
        self._streams.append(queue)
        event = None
        try:
            while (event := await queue.get()) is not _DROP:
                await stream.send_message(event)
                event = None
        finally:
            self._streams.remove(queue)
            unsent = [event] if event is not None and event is not _DROP else []
            while not queue.empty():
                item = queue.get_nowait()
                if item is not _DROP:
                    unsent.append(item)
            self._backlog[:0] = [e for e in unsent if e.type != pb.EventType.EVENT_TYPE_LOGIN]

    # -- answers --------------------------------------------------------------------

    def _contact_payload(self, r: pb.ContactPayloadRequest) -> pb.ContactPayloadResponse:
        c = self.contacts.get(r.id)
        if c is None:
            raise GRPCError(Status.NOT_FOUND, f"no contact {r.id}")
        kind = pb.ContactType.CONTACT_TYPE_OFFICIAL if c.official else \
            pb.ContactType.CONTACT_TYPE_PERSONAL
        return pb.ContactPayloadResponse(id=c.id, name=c.name, type=kind, friend=True)

    def _message_payload(self, r: pb.MessagePayloadRequest) -> pb.MessagePayloadResponse:
        m = self.messages.get(r.id)
        if m is None:
            raise GRPCError(Status.NOT_FOUND, f"no message {r.id}")
        return pb.MessagePayloadResponse(
            id=m.id, text=m.text, timestamp=m.timestamp, type=m.type, from_id=m.from_id,
            room_id=m.room_id, to_id=m.to_id, mention_ids=list(m.mention_ids))

    def _room(self, room_id: str) -> FakeRoom:
        if room_id not in self.rooms:
            raise GRPCError(Status.NOT_FOUND, f"no room {room_id}")
        return self.rooms[room_id]

    def _room_payload(self, r: pb.RoomPayloadRequest) -> pb.RoomPayloadResponse:
        room = self._room(r.id)
        return pb.RoomPayloadResponse(id=room.id, topic=room.topic, owner_id=room.owner_id,
                                      member_ids=list(room.members))

    def _room_members(self, r: pb.RoomMemberListRequest) -> pb.RoomMemberListResponse:
        return pb.RoomMemberListResponse(member_ids=list(self._room(r.id).members))

    def _room_member_payload(self, r: pb.RoomMemberPayloadRequest
                             ) -> pb.RoomMemberPayloadResponse:
        room = self._room(r.id)
        if r.member_id not in room.members or r.member_id not in self.contacts:
            raise GRPCError(Status.NOT_FOUND, f"{r.member_id} is not in {r.id}")
        return pb.RoomMemberPayloadResponse(id=r.member_id, room_alias=room.members[r.member_id],
                                            name=self.contacts[r.member_id].name)

    def _record_sent(self, conversation_id: str, text: str, kind: int,
                     mention_ids: list[str]) -> FakeMessage:
        in_room = conversation_id in self.rooms
        msg = FakeMessage(id=f"sent-{next(self._ids)}", text=text, type=kind,
                          from_id=self.bot_id, room_id=conversation_id if in_room else "",
                          to_id="" if in_room else conversation_id, mention_ids=mention_ids,
                          timestamp=int(time.time() * 1000))
        self.messages[msg.id] = msg
        self.sent.append(msg)
        if self.echo_sent:  # WeChat shows the bot its own messages too
            self.emit(pb.EventType.EVENT_TYPE_MESSAGE, {"messageId": msg.id})
        return msg

    def _send_text(self, r: pb.MessageSendTextRequest) -> pb.MessageSendTextResponse:
        msg = self._record_sent(r.conversation_id, r.text, 7, list(r.mentonal_ids))
        return pb.MessageSendTextResponse(id=msg.id if self.answer_ids else None)

    def _send_file(self, r: pb.MessageSendFileRequest) -> pb.MessageSendFileResponse:
        name = json.loads(r.filebox).get("name", "")
        msg = self._record_sent(r.conversation_id, name, 6, [])
        return pb.MessageSendFileResponse(id=msg.id)

    def _on_logout(self, r: pb.LogoutRequest) -> pb.LogoutResponse:
        self.logout()
        return pb.LogoutResponse()


class _Server(Server):
    """grpclib's server closes gracefully (its connections stay open); we also want to
    cut them, as a gateway that stops or crashes does."""

    def __init__(self, handlers: list) -> None:
        super().__init__(handlers)
        self.connections: list[asyncio.Transport] = []

    def _protocol_factory(self):
        protocol = super()._protocol_factory()
        made = protocol.connection_made

        def connection_made(transport: asyncio.Transport) -> None:
            self.connections.append(transport)
            made(transport)

        protocol.connection_made = connection_made
        return protocol


async def eventually(predicate: Callable[[], Any], timeout: float = 10.0) -> Any:
    """Wait until `predicate()` is truthy and return it; fail after `timeout` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not (result := predicate()):
        if loop.time() > deadline:
            raise AssertionError(f"condition not met within {timeout} s: {predicate}")
        await asyncio.sleep(0.01)
    return result


# -- for tests of the WeChat transport ----------------------------------------------------

ROOM, OTHER_ROOM = "R1@chatroom", "R2@chatroom"
TOPIC = "幸福里共治群"


def fast_settings(endpoint: str, **overrides) -> WechatSettings:
    """Transport settings for tests: high rates, short timeouts, quick reconnects."""
    values = dict(token="test-token", endpoint=endpoint, room_rate_per_minute=60_000,
                  global_rate_per_minute=60_000, rate_burst=100, reconnect_min_seconds=0.05,
                  reconnect_max_seconds=0.2, request_timeout_seconds=2, send_timeout_seconds=2,
                  watchdog_seconds=0)
    return WechatSettings(**{**values, **overrides})


class Recorder:
    """A `deliver` that records what the bot would receive; can fail a few times first."""

    def __init__(self) -> None:
        self.got: list = []
        self.fail_next = 0

    async def __call__(self, msg) -> None:
        if self.fail_next:
            self.fail_next -= 1
            raise RuntimeError("database is away")
        self.got.append(msg)

    def texts(self) -> list[str]:
        return [m.text for m in self.got]
