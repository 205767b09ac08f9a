"""Tickets, their people and their append-only event log."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.domain import Member, Ticket
from storage.models import (
    GroupRow,
    MemberRow,
    TicketEventRow,
    TicketOwnerRow,
    TicketReporterRow,
    TicketRow,
)
from storage.repo_base import RepoBase

_TICKET_INSERT = insert(TicketRow.__table__).returning(TicketRow.__table__.c.id)


class TicketRepo(RepoBase):
    async def next_number(self, group_id: int) -> int:
        res = await self.s.execute(update(GroupRow.__table__).where(GroupRow.id == group_id)
                                   .values(next_ticket_no=GroupRow.next_ticket_no + 1)
                                   .returning(GroupRow.next_ticket_no))
        return res.scalar_one() - 1

    async def create_ticket(self, *, group_id: int, kind: str, category: str | None, title: str,
                            text: str, reporter: Member, owners: Sequence[Member], urgent: bool,
                            now: datetime, building: str | None = None, unit: str | None = None,
                            room: str | None = None, place: str | None = None,
                            source_message_id: str | None = None, due_at: datetime | None = None,
                            complexity: str = "simple") -> Ticket:
        number = await self.next_number(group_id)
        status = "assigned" if owners else "open"
        title = title[:200]
        tid = (await self.s.execute(_TICKET_INSERT, dict(
            group_id=group_id, number=number, kind=kind, category=category, building=building,
            unit=unit, room=room, place=place, title=title, text=text, reporter_id=reporter.id,
            urgent=urgent, status=status, complexity=complexity, due_at=due_at,
            duplicate_of=None, acknowledged_at=None, resolved_at=None, closed_at=None,
            rating=None, source_message_id=source_message_id, created_at=now,
            updated_at=now))).scalar_one()
        await self.s.execute(insert(TicketReporterRow.__table__), dict(
            ticket_id=tid, member_id=reporter.id, message_id=source_message_id, created_at=now))
        if owners:
            await self.s.execute(insert(TicketOwnerRow.__table__),
                                 [{"ticket_id": tid, "member_id": m.id} for m in owners])
        await self.s.execute(insert(TicketEventRow.__table__), dict(
            ticket_id=tid, kind="created", actor_id=reporter.id, at=now,
            detail={"source": source_message_id, "owners": [m.name for m in owners]}))
        return Ticket(id=tid, group_id=group_id, number=number, kind=kind, category=category,
                      title=title, text=text, status=status, reporter=reporter,
                      created_at=now, building=building, unit=unit, room=room, place=place,
                      urgent=urgent, due_at=due_at, complexity=complexity,
                      source_message_id=source_message_id,
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
        await self.s.execute(update(TicketRow.__table__).where(TicketRow.id == ticket.id)
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



def same_place(a: str | None, b: str | None) -> bool:
    if not a or not b:
        return not a and not b
    return a in b or b in a


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
