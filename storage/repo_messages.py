"""Inbox, outbox and the questions the bot waits on."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.messages import Incoming, Outgoing, Person
from handlers.domain import Member
from storage.models import (
    InboxRow,
    OutboxRow,
    PromptRow,
)
from storage.repo_base import RepoBase


def inbox_row(msg: Incoming, key: str, status: str, lease_until: datetime | None) -> dict:
    payload = {"mentions": [[p.id, p.name] for p in msg.mentions], "mentions_bot": msg.mentions_bot,
               "quoted_id": msg.quoted_id, "quoted_text": msg.quoted_text, "id": msg.id,
               "room_topic": msg.room_topic}
    return dict(msg_key=key, transport=msg.transport, room=msg.room, sender_ext_id=msg.sender.id,
                sender_name=msg.sender.name, text=msg.text, kind=msg.kind, payload=payload,
                at=msg.at, status=status, lease_until=lease_until, error=None,
                handled_at=msg.at if status not in ("pending", "handling") else None)


# hot statements built once, executed with parameters: their compiled SQL is cached
_INBOX_MARK = (update(InboxRow.__table__).where(InboxRow.__table__.c.msg_key == bindparam("k"))
               .values(status=bindparam("b_status"), handled_at=bindparam("b_at"),
                       error=bindparam("b_error")))
_OUTBOX_INSERT = insert(OutboxRow.__table__)
_OUTBOX_ONCE = {
    name: ins(OutboxRow.__table__).on_conflict_do_nothing(index_elements=["dedupe_key"])
    for name, ins in (("postgresql", pg_insert), ("sqlite", sqlite_insert))
}
_OUTBOX_SENT = (update(OutboxRow.__table__).where(OutboxRow.__table__.c.id == bindparam("oid"))
                .values(status="sent", sent_at=bindparam("b_at"), transport_msg_id=bindparam("b_tid"),
                        last_error=None))
_INBOX_INSERT = {
    name: insert(InboxRow.__table__).on_conflict_do_nothing(index_elements=["msg_key"])
    for name, insert in (("postgresql", pg_insert), ("sqlite", sqlite_insert))
}


_INBOX_PLAIN = insert(InboxRow.__table__)


async def store_message(engine: AsyncEngine, msg: Incoming, key: str, status: str = "pending",
                        lease_until: datetime | None = None) -> bool:
    """Store a received message in its own transaction (the hot path); False when it was
    already there. A plain INSERT, whose compiled SQL is cached (an ON CONFLICT clause is
    not cacheable): the unique key turns a second delivery into an IntegrityError."""
    async with engine.connect() as conn:
        try:
            await conn.execute(_INBOX_PLAIN, inbox_row(msg, key, status, lease_until))
            await conn.commit()
        except IntegrityError:
            await conn.rollback()
            return False
    return True


class MessageRepo(RepoBase):
    async def inbox_add(self, msg: Incoming, key: str, status: str = "pending",
                        lease_until: datetime | None = None) -> bool:
        """Store a received message; False when it was already there."""
        stmt = _INBOX_INSERT[self.s.bind.dialect.name]
        res = await self.s.execute(stmt, inbox_row(msg, key, status, lease_until))
        return res.rowcount == 1

    async def inbox_mark(self, key: str, status: str, now: datetime, error: str | None = None) -> None:
        await self.s.execute(_INBOX_MARK, {"k": key, "b_status": status, "b_at": now, "b_error": error})

    async def claim_unhandled(self, wall_now: datetime, lease_until: datetime,
                              ignore_leases: bool = False,
                              limit: int = 1000) -> list[tuple[str, Incoming]]:
        """Claim messages stored but never handled: pending ones, and those whose handler
        stopped (its lease ran out, or `ignore_leases` when no other process can exist)."""
        stale = InboxRow.status == "handling"
        if not ignore_leases:
            stale = stale & (InboxRow.lease_until < wall_now)
        ids = (await self.s.execute(select(InboxRow.id).where((InboxRow.status == "pending") | stale)
                                    .order_by(InboxRow.id).limit(limit))).scalars().all()
        if not ids:
            return []
        res = await self.s.execute(update(InboxRow.__table__).where(
            InboxRow.id.in_(ids), (InboxRow.status == "pending") | stale)
            .values(status="handling", lease_until=lease_until)
            .returning(*InboxRow.__table__.c))
        out = []
        for r in sorted(res.all(), key=lambda r: r.id):
            p = r.payload or {}
            out.append((r.msg_key, Incoming(
                room=r.room, sender=Person(r.sender_ext_id, r.sender_name), text=r.text, at=r.at,
                id=p.get("id"), room_topic=p.get("room_topic"),
                mentions=tuple(Person(i, n) for i, n in p.get("mentions", [])),
                mentions_bot=p.get("mentions_bot", False), quoted_id=p.get("quoted_id"),
                quoted_text=p.get("quoted_text"), kind=r.kind, transport=r.transport)))
        return out

    async def recent_media(self, room: str | None, sender_ext_id: str, but_not: str,
                           since: datetime) -> bool:
        """Whether this sender sent another non-text message here since `since`."""
        q = select(InboxRow.id).where(
            InboxRow.room == room, InboxRow.sender_ext_id == sender_ext_id,
            InboxRow.kind.notin_(("text", "sticker")), InboxRow.msg_key != but_not,
            InboxRow.at >= since).limit(1)
        return (await self.s.execute(q)).first() is not None

    async def enqueue(self, *, text: str, now: datetime, group_id: int | None = None,
                      room: str | None = None, to: Person | None = None,
                      mentions: Sequence[Person] = (), in_reply_to: str | None = None,
                      image_path: str | None = None, dedupe_key: str | None = None) -> int | None:
        """Queue a message (returns 1); with `dedupe_key`, a second enqueue of the same key
        does nothing and returns None, also from another process."""
        values = dict(group_id=group_id, room=room, to_ext_id=to.id if to else None,
                      to_name=to.name if to else None, text=text,
                      mentions=[[p.id, p.name] for p in mentions], in_reply_to=in_reply_to,
                      image_path=image_path, dedupe_key=dedupe_key, status="pending", attempts=0,
                      created_at=now, next_attempt_at=now)
        if dedupe_key:
            stmt = _OUTBOX_ONCE[self.s.bind.dialect.name]
        else:
            stmt = _OUTBOX_INSERT
        res = await self.s.execute(stmt, values)
        if res.rowcount != 1:
            return None
        self.enqueued += 1
        return 1

    async def claim_due_outbox(self, now: datetime, lease_until: datetime,
                               limit: int = 50) -> list[Outgoing]:
        """Take the due rows for sending, oldest first, in one statement: another process
        (or a crash) leaves them alone until the lease ends."""
        due = (select(OutboxRow.id).where(OutboxRow.status == "pending",
                                          OutboxRow.next_attempt_at <= now)
               .order_by(OutboxRow.id).limit(limit))
        if self.s.bind.dialect.name == "postgresql":
            due = due.with_for_update(skip_locked=True)
        res = await self.s.execute(
            update(OutboxRow.__table__).where(OutboxRow.id.in_(due.scalar_subquery()))
            .values(next_attempt_at=lease_until, attempts=OutboxRow.attempts + 1)
            .returning(*OutboxRow.__table__.c))
        return sorted((_outgoing(r) for r in res.all()), key=lambda o: o.outbox_id)

    async def outbox_attempts(self, outbox_id: int) -> int:
        return (await self.s.execute(select(OutboxRow.attempts)
                                     .where(OutboxRow.id == outbox_id))).scalar() or 1

    async def mark_sent(self, outbox_id: int, now: datetime, transport_id: str | None) -> None:
        await self.s.execute(_OUTBOX_SENT, {"oid": outbox_id, "b_at": now, "b_tid": transport_id})

    async def mark_retry(self, outbox_id: int, error: str, retry_at: datetime,
                         give_up: bool = False) -> None:
        await self.s.execute(update(OutboxRow.__table__).where(OutboxRow.id == outbox_id).values(
            status="failed" if give_up else "pending", last_error=error[:2000],
            next_attempt_at=retry_at))

    async def sent_messages(self) -> list[tuple[OutboxRow, Outgoing]]:
        rows = (await self.s.execute(select(OutboxRow).where(OutboxRow.status == "sent")
                                     .order_by(OutboxRow.id))).scalars().all()
        return [(r, _outgoing(r)) for r in rows]

    async def open_prompt(self, group_id: int, member: Member, kind: str, payload: dict,
                          message_key: str | None, now: datetime, ttl: timedelta) -> None:
        await self.close_prompts(group_id, member)
        self.s.add(PromptRow(group_id=group_id, member_id=member.id, kind=kind, payload=payload,
                             message_key=message_key, status="open", created_at=now,
                             expires_at=now + ttl))

    async def take_prompt(self, group_id: int, member: Member, now: datetime) -> PromptRow | None:
        q = (select(PromptRow).where(PromptRow.group_id == group_id, PromptRow.member_id == member.id,
                                     PromptRow.status == "open", PromptRow.expires_at > now)
             .order_by(PromptRow.id.desc()).limit(1))
        return (await self.s.execute(q)).scalar_one_or_none()

    async def close_prompts(self, group_id: int, member: Member, status: str = "closed") -> None:
        await self.s.execute(update(PromptRow.__table__).where(
            PromptRow.group_id == group_id, PromptRow.member_id == member.id,
            PromptRow.status == "open").values(status=status))



def message_key(msg: Incoming) -> str:
    """The inbox identity: the transport's id, or time + room + sender + text."""
    if msg.id:
        return f"{msg.transport}:{msg.room or 'dm'}:{msg.id}"[:300]
    raw = f"{msg.at.isoformat()}|{msg.room}|{msg.sender.id}|{msg.text}"
    return f"{msg.transport}:h:{hashlib.sha256(raw.encode()).hexdigest()}"


def _outgoing(r: OutboxRow) -> Outgoing:
    return Outgoing(outbox_id=r.id, text=r.text, room=r.room,
                    to=Person(r.to_ext_id, r.to_name or r.to_ext_id) if r.to_ext_id else None,
                    mentions=tuple(Person(i, n) for i, n in r.mentions or []),
                    in_reply_to=r.in_reply_to, image_path=r.image_path, created_at=r.created_at)
