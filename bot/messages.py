"""Transport-neutral messages: what a transport delivers and what the bot sends.

Every transport (sandbox, replay, WeChat) turns its own events into `Incoming`
and sends `Outgoing`; nothing past the transport knows which one is in use.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Person:
    """A chat member: a stable id and the display name they have in that room."""

    id: str
    name: str


@dataclass(frozen=True, slots=True)
class Incoming:
    """One received message, with the bot's own @mention already stripped from `text`.

    `room` is the transport's room id (None for a private message); `room_topic` its
    current name. `id` is the transport's message id; without one the inbox derives an
    identity from time, room, sender and text. `kind` is "text" or, for media the bot
    cannot read yet, "image", "sticker", "voice", "file", "link", "video" or "other".
    """

    room: str | None
    sender: Person
    text: str
    at: datetime
    id: str | None = None
    room_topic: str | None = None
    mentions: tuple[Person, ...] = ()
    mentions_bot: bool = False
    quoted_id: str | None = None
    quoted_text: str | None = None
    kind: str = "text"
    transport: str = "sandbox"


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One message the bot means to send: a row of the outbox.

    To a room (`room` set) or to a person (`to` set). `mentions` are the people to
    @mention; the transport renders them (WeChat notifies them by id). `image_path`
    is a PNG to send after the text, when set.
    """

    outbox_id: int
    text: str
    room: str | None = None
    to: Person | None = None
    mentions: tuple[Person, ...] = field(default=())
    in_reply_to: str | None = None
    image_path: str | None = None
    created_at: datetime | None = None
