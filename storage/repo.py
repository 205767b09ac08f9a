"""Repositories: take an AsyncSession, return domain objects (never ORM rows)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.messages import Incoming, Outgoing, Person
from handlers.domain import Group, Member, RoleAssignment, Ticket
from storage.models import (
    GroupRow,
    InboxRow,
    MemberRow,
    OutboxRow,
    PromptRow,
    RoleRow,
    TicketEventRow,
    TicketOwnerRow,
    TicketReporterRow,
    TicketRow,
)


def message_key(msg: Incoming) -> str:
    """The inbox identity: the transport's id, or time + room + sender + text."""
    if msg.id:
        return f"{msg.transport}:{msg.room or 'dm'}:{msg.id}"[:300]
    raw = f"{msg.at.isoformat()}|{msg.room}|{msg.sender.id}|{msg.text}"
    return f"{msg.transport}:h:{hashlib.sha256(raw.encode()).hexdigest()}"


def _member(row: MemberRow) -> Member:
    return Member(row.id, row.ext_id, row.display_name)


class Repo:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session
        self.enqueued = 0  # messages queued through this repository (the sender's hint)

    def _insert(self, table):
        dialect = self.s.bind.dialect.name
        return (pg_insert if dialect == "postgresql" else sqlite_insert)(table)

    # groups and members -------------------------------------------------
    async def ensure_group(self, key: str, estate: str, room_id: str | None, topic: str | None,
                           now: datetime) -> Group:
        row = (await self.s.execute(select(GroupRow).where(GroupRow.key == key))).scalar_one_or_none()
        if row is None:
            await self.s.execute(self._insert(GroupRow).values(
                key=key, estate=estate, room_id=room_id, topic=topic, next_ticket_no=1,
                created_at=now).on_conflict_do_nothing())
            row = (await self.s.execute(select(GroupRow).where(GroupRow.key == key))).scalar_one()
        if (room_id and row.room_id != room_id) or (topic and row.topic != topic):
            row.room_id, row.topic = room_id or row.room_id, topic or row.topic
        return Group(row.id, row.key, row.estate, row.room_id, row.topic)

    async def group_by_room(self, room_id: str) -> Group | None:
        row = (await self.s.execute(select(GroupRow).where(GroupRow.room_id == room_id))).scalars().first()
        return None if row is None else Group(row.id, row.key, row.estate, row.room_id, row.topic)

    async def groups(self) -> list[Group]:
        rows = (await self.s.execute(select(GroupRow).order_by(GroupRow.id))).scalars()
        return [Group(r.id, r.key, r.estate, r.room_id, r.topic) for r in rows]

    async def ensure_member(self, group_id: int, ext_id: str, name: str, now: datetime) -> Member:
        """The member with this id, created on first sight; a new display name is kept and
        the old one becomes an alias."""
        res = await self.s.execute(self._insert(MemberRow).values(
            group_id=group_id, ext_id=ext_id, display_name=name, aliases=[], last_seen=now)
            .on_conflict_do_nothing().returning(MemberRow.id))
        new_id = res.scalar()
        if new_id is not None:
            return Member(new_id, ext_id, name)
        q = select(MemberRow).where(MemberRow.group_id == group_id, MemberRow.ext_id == ext_id)
        row = (await self.s.execute(q)).scalar_one()
        if name and row.display_name != name:
            row.aliases = sorted(set(row.aliases or []) | {row.display_name})
            row.display_name = name
        return _member(row)

    async def member_by_name(self, group_id: int, name: str) -> Member | None:
        """A member by display name or id, else by a former name (alias)."""
        name = name.strip().lstrip("@")
        q = (select(MemberRow).where(MemberRow.group_id == group_id,
                                     or_(MemberRow.display_name == name, MemberRow.ext_id == name))
             .order_by((MemberRow.display_name == name).desc(), MemberRow.id).limit(1))
        row = (await self.s.execute(q)).scalar_one_or_none()
        if row is not None:
            return _member(row)
        rows = (await self.s.execute(select(MemberRow).where(MemberRow.group_id == group_id))).scalars()
        return next((_member(r) for r in rows if name in (r.aliases or [])), None)

    async def members(self, ids: Iterable[int]) -> list[Member]:
        ids = list(ids)
        if not ids:
            return []
        rows = (await self.s.execute(select(MemberRow).where(MemberRow.id.in_(ids)))).scalars()
        by_id = {r.id: _member(r) for r in rows}
        return [by_id[i] for i in ids if i in by_id]

    # roles --------------------------------------------------------------
    async def roles(self, group_id: int) -> list[RoleAssignment]:
        q = (select(RoleRow, MemberRow).join(MemberRow, RoleRow.member_id == MemberRow.id)
             .where(RoleRow.group_id == group_id).order_by(RoleRow.id))
        return [RoleAssignment(_member(m), r.role, frozenset(filter(None, r.scope.split(","))))
                for r, m in (await self.s.execute(q)).all()]

    async def set_role(self, group_id: int, member: Member, role: str, buildings: Sequence[str],
                       by: Member | None, now: datetime) -> None:
        rows = (await self.s.execute(select(RoleRow).where(
            RoleRow.group_id == group_id, RoleRow.member_id == member.id, RoleRow.role == role))).scalars().all()
        for r in rows:
            await self.s.delete(r)
        self.s.add(RoleRow(group_id=group_id, member_id=member.id, role=role,
                           scope=",".join(buildings), assigned_by=by.id if by else None, created_at=now))
        await self.s.flush()

    async def remove_role(self, group_id: int, member: Member, role: str) -> int:
        rows = (await self.s.execute(select(RoleRow).where(
            RoleRow.group_id == group_id, RoleRow.member_id == member.id, RoleRow.role == role))).scalars().all()
        for r in rows:
            await self.s.delete(r)
        return len(rows)

    # inbox --------------------------------------------------------------
    async def inbox_add(self, msg: Incoming, key: str, status: str = "pending") -> bool:
        """Store a received message; False when it was already there."""
        payload = {"mentions": [[p.id, p.name] for p in msg.mentions], "mentions_bot": msg.mentions_bot,
                   "quoted_id": msg.quoted_id, "quoted_text": msg.quoted_text, "id": msg.id,
                   "room_topic": msg.room_topic}
        res = await self.s.execute(self._insert(InboxRow).values(
            msg_key=key, transport=msg.transport, room=msg.room, sender_ext_id=msg.sender.id,
            sender_name=msg.sender.name, text=msg.text, kind=msg.kind, payload=payload, at=msg.at,
            status=status, handled_at=msg.at if status != "pending" else None)
            .on_conflict_do_nothing(index_elements=["msg_key"]))
        return res.rowcount == 1

    async def inbox_status(self, key: str) -> str | None:
        return (await self.s.execute(select(InboxRow.status).where(InboxRow.msg_key == key))).scalar()

    async def inbox_mark(self, key: str, status: str, now: datetime, error: str | None = None) -> None:
        await self.s.execute(update(InboxRow).where(InboxRow.msg_key == key).values(
            status=status, handled_at=now, error=error))

    async def inbox_unhandled(self, limit: int = 1000) -> list[tuple[str, Incoming]]:
        rows = (await self.s.execute(select(InboxRow).where(InboxRow.status == "pending")
                                     .order_by(InboxRow.id).limit(limit))).scalars()
        out = []
        for r in rows:
            p = r.payload or {}
            out.append((r.msg_key, Incoming(
                room=r.room, sender=Person(r.sender_ext_id, r.sender_name), text=r.text, at=r.at,
                id=p.get("id"), room_topic=p.get("room_topic"),
                mentions=tuple(Person(i, n) for i, n in p.get("mentions", [])),
                mentions_bot=p.get("mentions_bot", False), quoted_id=p.get("quoted_id"),
                quoted_text=p.get("quoted_text"), kind=r.kind, transport=r.transport)))
        return out

    async def inbox_text(self, transport: str, room: str | None, msg_id: str) -> str | None:
        key = f"{transport}:{room or 'dm'}:{msg_id}"
        return (await self.s.execute(select(InboxRow.text).where(InboxRow.msg_key == key))).scalar()

    # tickets ------------------------------------------------------------
    async def next_number(self, group_id: int) -> int:
        res = await self.s.execute(update(GroupRow).where(GroupRow.id == group_id)
                                   .values(next_ticket_no=GroupRow.next_ticket_no + 1)
                                   .returning(GroupRow.next_ticket_no))
        return res.scalar_one() - 1

    async def create_ticket(self, *, group_id: int, kind: str, category: str | None, title: str,
                            text: str, reporter: Member, owners: Sequence[Member], urgent: bool,
                            now: datetime, building: str | None = None, unit: str | None = None,
                            room: str | None = None, place: str | None = None,
                            source_message_id: str | None = None, due_at: datetime | None = None
                            ) -> Ticket:
        number = await self.next_number(group_id)
        status = "assigned" if owners else "open"
        title = title[:200]
        tid = (await self.s.execute(insert(TicketRow).values(
            group_id=group_id, number=number, kind=kind, category=category, building=building,
            unit=unit, room=room, place=place, title=title, text=text, reporter_id=reporter.id,
            urgent=urgent, status=status, complexity="simple", due_at=due_at,
            source_message_id=source_message_id, created_at=now, updated_at=now)
            .returning(TicketRow.id))).scalar_one()
        await self.s.execute(insert(TicketReporterRow).values(
            ticket_id=tid, member_id=reporter.id, message_id=source_message_id, created_at=now))
        if owners:
            await self.s.execute(insert(TicketOwnerRow),
                                 [{"ticket_id": tid, "member_id": m.id} for m in owners])
        await self.s.execute(insert(TicketEventRow).values(
            ticket_id=tid, kind="created", actor_id=reporter.id, at=now,
            detail={"source": source_message_id, "owners": [m.name for m in owners]}))
        return Ticket(id=tid, group_id=group_id, number=number, kind=kind, category=category,
                      title=title, text=text, status=status, reporter=reporter,
                      created_at=now, building=building, unit=unit, room=room, place=place,
                      urgent=urgent, due_at=due_at, source_message_id=source_message_id,
                      owners=list(owners), reporters=[reporter])

    async def _ticket(self, row: TicketRow) -> Ticket:
        owner_ids = (await self.s.execute(select(TicketOwnerRow.member_id)
                                          .where(TicketOwnerRow.ticket_id == row.id))).scalars().all()
        rep_ids = (await self.s.execute(select(TicketReporterRow.member_id)
                                        .where(TicketReporterRow.ticket_id == row.id)
                                        .order_by(TicketReporterRow.created_at))).scalars().all()
        people = {m.id: m for m in await self.members(set(owner_ids) | set(rep_ids) | {row.reporter_id})}
        return Ticket(
            id=row.id, group_id=row.group_id, number=row.number, kind=row.kind,
            category=row.category, title=row.title, text=row.text, status=row.status,
            reporter=people[row.reporter_id], created_at=row.created_at, building=row.building,
            unit=row.unit, room=row.room, place=row.place, urgent=row.urgent,
            duplicate_of=row.duplicate_of, complexity=row.complexity, due_at=row.due_at,
            acknowledged_at=row.acknowledged_at, resolved_at=row.resolved_at,
            closed_at=row.closed_at, rating=row.rating, source_message_id=row.source_message_id,
            owners=[people[i] for i in owner_ids if i in people],
            reporters=[people[i] for i in rep_ids if i in people])

    async def ticket(self, group_id: int, number: int) -> Ticket | None:
        row = (await self.s.execute(select(TicketRow).where(
            TicketRow.group_id == group_id, TicketRow.number == number))).scalar_one_or_none()
        return None if row is None else await self._ticket(row)

    async def tickets(self, group_id: int | None = None, *, kind: str | None = None,
                      statuses: Iterable[str] | None = None, due_before: datetime | None = None,
                      limit: int | None = None, newest_first: bool = False) -> list[Ticket]:
        q = select(TicketRow)
        if group_id is not None:
            q = q.where(TicketRow.group_id == group_id)
        if kind:
            q = q.where(TicketRow.kind == kind)
        if statuses is not None:
            q = q.where(TicketRow.status.in_(list(statuses)))
        if due_before is not None:
            q = q.where(TicketRow.due_at.is_not(None), TicketRow.due_at < due_before)
        q = q.order_by(TicketRow.group_id, TicketRow.number.desc() if newest_first else TicketRow.number)
        if limit:
            q = q.limit(limit)
        return [await self._ticket(r) for r in (await self.s.execute(q)).scalars().all()]

    async def find_pileon(self, group_id: int, kind: str, category: str | None, building: str | None,
                          place: str | None, since: datetime) -> Ticket | None:
        """The live ticket a new report of the same thing should join, if any: same category,
        and the same building, or (without one) a place naming the same spot ("东门" and
        "东门口"), or neither."""
        q = select(TicketRow).where(
            TicketRow.group_id == group_id, TicketRow.kind == kind,
            TicketRow.status.in_(("open", "assigned", "reopened")), TicketRow.created_at >= since,
            TicketRow.category == category if category else TicketRow.category.is_(None))
        if building:
            q = q.where(TicketRow.building == building)
        else:
            q = q.where(TicketRow.building.is_(None))
        for row in (await self.s.execute(q.order_by(TicketRow.number))).scalars():
            if building or same_place(row.place, place):
                return await self._ticket(row)
        return None

    async def add_reporter(self, ticket: Ticket, member: Member, message_id: str | None,
                           now: datetime) -> bool:
        if any(r.id == member.id for r in ticket.reporters):
            return False
        self.s.add(TicketReporterRow(ticket_id=ticket.id, member_id=member.id,
                                     message_id=message_id, created_at=now))
        ticket.reporters.append(member)
        return True

    async def set_owners(self, ticket: Ticket, owners: Sequence[Member]) -> None:
        for row in (await self.s.execute(select(TicketOwnerRow).where(
                TicketOwnerRow.ticket_id == ticket.id))).scalars().all():
            await self.s.delete(row)
        await self.s.flush()
        for m in owners:
            self.s.add(TicketOwnerRow(ticket_id=ticket.id, member_id=m.id))
        ticket.owners = list(owners)

    async def update_ticket(self, ticket: Ticket, now: datetime, **fields) -> None:
        await self.s.execute(update(TicketRow).where(TicketRow.id == ticket.id)
                             .values(updated_at=now, **fields))
        for k, v in fields.items():
            setattr(ticket, k, v)

    async def add_event(self, ticket_id: int, kind: str, actor: Member | None, now: datetime,
                        detail: dict | None = None) -> None:
        self.s.add(TicketEventRow(ticket_id=ticket_id, kind=kind, actor_id=actor.id if actor else None,
                                  at=now, detail=detail or {}))

    async def events(self, ticket_id: int) -> list[TicketEventRow]:
        return list((await self.s.execute(select(TicketEventRow).where(
            TicketEventRow.ticket_id == ticket_id).order_by(TicketEventRow.id))).scalars())

    async def source_ids(self, ticket_id: int) -> list[str]:
        return [m for m in (await self.s.execute(select(TicketReporterRow.message_id).where(
            TicketReporterRow.ticket_id == ticket_id).order_by(TicketReporterRow.created_at))).scalars() if m]

    # outbox -------------------------------------------------------------
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
        stmt = self._insert(OutboxRow).values(**values)
        if dedupe_key:
            stmt = stmt.on_conflict_do_nothing(index_elements=["dedupe_key"])
        res = await self.s.execute(stmt)
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
            update(OutboxRow).where(OutboxRow.id.in_(due.scalar_subquery()))
            .values(next_attempt_at=lease_until, attempts=OutboxRow.attempts + 1)
            .returning(OutboxRow))
        return sorted((_outgoing(r) for r in res.scalars()), key=lambda o: o.outbox_id)

    async def next_outbox_due(self) -> datetime | None:
        return (await self.s.execute(select(func.min(OutboxRow.next_attempt_at))
                                     .where(OutboxRow.status == "pending"))).scalar()

    async def mark_sent(self, outbox_id: int, now: datetime, transport_id: str | None) -> None:
        await self.s.execute(update(OutboxRow).where(OutboxRow.id == outbox_id).values(
            status="sent", sent_at=now, transport_msg_id=transport_id, last_error=None))

    async def mark_retry(self, outbox_id: int, error: str, retry_at: datetime,
                         give_up: bool = False) -> None:
        await self.s.execute(update(OutboxRow).where(OutboxRow.id == outbox_id).values(
            status="failed" if give_up else "pending", last_error=error[:2000],
            next_attempt_at=retry_at))

    async def sent_messages(self) -> list[tuple[OutboxRow, Outgoing]]:
        rows = (await self.s.execute(select(OutboxRow).where(OutboxRow.status == "sent")
                                     .order_by(OutboxRow.id))).scalars().all()
        return [(r, _outgoing(r)) for r in rows]

    # prompts ------------------------------------------------------------
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
        await self.s.execute(update(PromptRow).where(
            PromptRow.group_id == group_id, PromptRow.member_id == member.id,
            PromptRow.status == "open").values(status=status))


def same_place(a: str | None, b: str | None) -> bool:
    if not a or not b:
        return not a and not b
    return a in b or b in a


def _outgoing(r: OutboxRow) -> Outgoing:
    return Outgoing(outbox_id=r.id, text=r.text, room=r.room,
                    to=Person(r.to_ext_id, r.to_name or r.to_ext_id) if r.to_ext_id else None,
                    mentions=tuple(Person(i, n) for i, n in r.mentions or []),
                    in_reply_to=r.in_reply_to, image_path=r.image_path, created_at=r.created_at)


async def recent_context(s: AsyncSession, group_id: int, limit: int = 12):
    """Recent live or just-resolved tickets of a group, for implicit references (3 queries)."""
    from handlers.nlu.record import RecentTicket

    rows = (await s.execute(select(TicketRow).where(
        TicketRow.group_id == group_id,
        TicketRow.status.in_(("open", "assigned", "reopened", "resolved")))
        .order_by(TicketRow.updated_at.desc()).limit(limit))).scalars().all()
    if not rows:
        return ()
    ids = [r.id for r in rows]
    reps = (await s.execute(select(TicketReporterRow.ticket_id, MemberRow.ext_id,
                                   TicketReporterRow.message_id)
                            .join(MemberRow, MemberRow.id == TicketReporterRow.member_id)
                            .where(TicketReporterRow.ticket_id.in_(ids)))).all()
    owners = (await s.execute(select(TicketOwnerRow.ticket_id, MemberRow.ext_id)
                              .join(MemberRow, MemberRow.id == TicketOwnerRow.member_id)
                              .where(TicketOwnerRow.ticket_id.in_(ids)))).all()
    return tuple(RecentTicket(
        number=r.number, category=r.category, building=r.building, status=r.status,
        reporter_ids=tuple(e for t, e, _ in reps if t == r.id),
        owner_ids=tuple(e for t, e in owners if t == r.id), mentioned_at=r.updated_at,
        source_message_ids=tuple(m for t, _, m in reps if t == r.id and m)) for r in rows)
