"""Replay: a JSONL transcript in, the bot's messages out, on a virtual clock.

Input lines: {"at": ISO time, "room": …, "from": name, "text": …, "mentions": [names],
"id": "m1", "quote": "m0", "kind": "image"} (mentions, id, quote, kind optional).
Senders are identified by display name. Common other names for the fields are read too
("time"/"timestamp" (ISO or epoch seconds), "sender"/"speaker", "group", "content"; see ALIASES).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.messages import Incoming, Outgoing, Person
from bot.transports.base import Deliver, Transport


class TranscriptError(ValueError):
    """A transcript line that cannot be read; names the line and the fix."""


class ReplayTransport(Transport):
    name = "replay"

    def __init__(self, on_send: Callable[[Outgoing], None] | None = None) -> None:
        self.sent: list[Outgoing] = []
        self.on_send = on_send

    async def start(self, deliver: Deliver) -> None:
        self.deliver = deliver

    async def stop(self) -> None:
        return None

    async def send(self, msg: Outgoing) -> str:
        self.sent.append(msg)
        if self.on_send:
            self.on_send(msg)
        return f"replay-{msg.outbox_id}"


def read_transcript(lines: Iterable[str], bot_name: str) -> Iterator[Incoming]:
    for n, raw in enumerate(lines, 1):
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError as e:
            raise TranscriptError(f"line {n}: not JSON ({e.msg}); each line must be one JSON object") from None
        yield to_incoming(obj, n, bot_name)


# other names exports use for the same fields (first found wins)
ALIASES = {
    "at": ("time", "ts", "timestamp", "datetime", "date", "sent_at", "created_at"),
    "room": ("group", "chat", "room_name", "room_topic", "topic", "group_name"),
    "from": ("sender", "speaker", "user", "name", "author", "nick", "nickname", "talker"),
    "text": ("content", "message", "msg", "body"),
    "id": ("msg_id", "message_id", "mid"),
    "quote": ("quoted", "quoted_id", "reply_to", "in_reply_to"),
}


def _canonical(obj: dict) -> dict:
    out = dict(obj)
    for key, names in ALIASES.items():
        if key not in out:
            found = next((k for k in names if k in obj), None)
            if found is not None:
                out[key] = obj[found]
    if isinstance(out.get("at"), (int, float)):  # epoch seconds (or milliseconds)
        ts = out["at"] / 1000 if out["at"] > 1e11 else out["at"]
        out["at"] = datetime.fromtimestamp(ts, ZoneInfo("Asia/Shanghai")).isoformat()
    return out


def to_incoming(obj: dict, n: int, bot_name: str) -> Incoming:
    obj = _canonical(obj)
    missing = [k for k in ("at", "room", "from", "text") if k not in obj]
    if missing:
        raise TranscriptError(f"line {n}: missing {', '.join(missing)}; "
                              'e.g. {"at": "2026-03-02T08:15:00+08:00", "room": "…", "from": "王阿姨", "text": "…"}')
    try:
        at = datetime.fromisoformat(str(obj["at"]).replace("Z", "+00:00"))
    except (TypeError, ValueError):
        raise TranscriptError(f"line {n}: 'at' must be an ISO time like 2026-03-02T08:15:00+08:00") from None
    if at.tzinfo is None:
        at = at.replace(tzinfo=ZoneInfo("Asia/Shanghai"))
    names = [str(m).lstrip("@") for m in obj.get("mentions") or []]
    room = obj["room"]
    return Incoming(
        room=None if room in (None, "") else str(room), room_topic=room or None,
        sender=Person(str(obj["from"]), str(obj["from"])), text=str(obj["text"] or ""), at=at,
        id=str(obj["id"]) if obj.get("id") is not None else None,
        mentions=tuple(Person(m, m) for m in names if m != bot_name),
        mentions_bot=bot_name in names, quoted_id=obj.get("quote"),
        kind=obj.get("kind", "text"), transport="replay")


def output_line(out: Outgoing, sent_at: datetime, tz: str) -> dict:
    line = {"at": sent_at.astimezone(ZoneInfo(tz)).isoformat(), "room": out.room, "text": out.text,
            "mentions": [p.name for p in out.mentions], "in_reply_to": out.in_reply_to}
    if out.to is not None:
        line.pop("room")
        line["to"] = out.to.name
    if out.image_path:
        line["image"] = out.image_path
    return line
