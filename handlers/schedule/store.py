"""Database access of the timed work: the run log (claims), reminders, and the ticket facts
the SLA plan needs. Functions take an AsyncSession and return plain objects."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from handlers.schedule.digest import DigestTicket
from handlers.sla import NAG_KINDS, OPEN_STATUSES, TicketClock
from storage.models import GroupRow, MemberRow, TicketEventRow, TicketRow
from storage.models_schedule import ReminderRow, RunRow

PLANNED = OPEN_STATUSES | {"resolved"}


@dataclass(frozen=True, slots=True)
class GroupInfo:
    id: int
    key: str
    estate: str
    room_id: str | None
    topic: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Reminder:
    id: int
    group_id: int
    number: int
    text: str
    phrase: str
    trigger: dict
    status: str
    next_run_at: datetime | None


def _insert(s: AsyncSession, table):
    return (pg_insert if s.bind.dialect.name == "postgresql" else sqlite_insert)(table)


async def claim(s: AsyncSession, key: str, kind: str, outcome: str, due_at: datetime,
                now: datetime, *, group_id: int | None = None, ticket_id: int | None = None,
                reminder_id: int | None = None) -> bool:
    """Record that `key` is done; False when it already was (by this or another process).

    On PostgreSQL a second transaction inserting the same key waits for the first to
    commit and then inserts nothing, so exactly one of them goes on to send.
    """
    stmt = _insert(s, RunRow).values(
        key=key, kind=kind, outcome=outcome, group_id=group_id, ticket_id=ticket_id,
        reminder_id=reminder_id, due_at=due_at, ran_at=now,
    ).on_conflict_do_nothing(index_elements=["key"])
    return (await s.execute(stmt)).rowcount == 1


# Ids come from sequences, which another process may commit out of order: an id below
# the highest one seen can still appear. Refreshes therefore look back over a window of
# ids and keep what they saw there, and the fingerprint counts the rows in that window.
ID_WINDOW = 200


_FINGERPRINT = f"""SELECT
 (SELECT max(id) FROM ticket_events),
 (SELECT count(*) FROM ticket_events WHERE id > (SELECT max(id) FROM ticket_events) - {ID_WINDOW}),
 (SELECT max(id) FROM tickets),
 (SELECT count(*) FROM tickets WHERE id > (SELECT max(id) FROM tickets) - {ID_WINDOW}),
 (SELECT max(id) FROM schedule_runs),
 (SELECT count(*) FROM schedule_runs WHERE id > (SELECT max(id) FROM schedule_runs) - {ID_WINDOW}),
 (SELECT max(id) FROM schedule_reminders),
 (SELECT count(*) FROM schedule_reminders WHERE status = 'active'),
 (SELECT max(id) FROM groups)"""


async def fingerprint(engine: AsyncEngine) -> tuple:
    """Changes whenever something the plan reads changed: one light query, run often.

    Every change to a ticket comes with a ticket event and every job's action with a
    run; reminders change with a run or a cancellation (the active count). Plain SQL on
    a bare connection: this is asked before every tick of the virtual clock.
    """
    async with engine.connect() as conn:
        row = (await conn.exec_driver_sql(_FINGERPRINT)).one()
    return tuple(v or 0 for v in row)


@dataclass(frozen=True, slots=True)
class RecentRun:
    id: int
    key: str
    ticket_id: int | None
    reminder_id: int | None


async def recent_ids(s: AsyncSession, table: str, above: int) -> dict[int, int | None]:
    """id -> ticket id of ticket events ("events") or tickets ("tickets") with id > above."""
    if table == "events":
        q = select(TicketEventRow.id, TicketEventRow.ticket_id).where(TicketEventRow.id > above)
    else:
        q = select(TicketRow.id, TicketRow.id).where(TicketRow.id > above)
    return dict((await s.execute(q)).all())


async def recent_runs(s: AsyncSession, above: int) -> list[RecentRun]:
    q = select(RunRow.id, RunRow.key, RunRow.ticket_id, RunRow.reminder_id).where(
        RunRow.id > above)
    return [RecentRun(*r) for r in (await s.execute(q)).all()]


async def groups(s: AsyncSession) -> list[GroupInfo]:
    rows = (await s.execute(select(GroupRow).order_by(GroupRow.id))).scalars()
    return [GroupInfo(r.id, r.key, r.estate, r.room_id, r.topic, r.created_at) for r in rows]


@dataclass(slots=True)
class TicketFacts:
    """What the plan needs to know of some tickets: clocks (planned ones only), where each
    is, the keys already done and when each was nagged."""

    clocks: dict[int, TicketClock]
    where: dict[int, tuple[int, int]]
    sent: dict[int, set[str]]
    nag_times: dict[int, list[datetime]]


async def ticket_facts(s: AsyncSession, ids: set[int] | None = None) -> TicketFacts:
    """Facts of the given tickets, or of every live and resolved ticket (ids=None)."""
    q = select(TicketRow)
    q = q.where(TicketRow.status.in_(PLANNED)) if ids is None else q.where(TicketRow.id.in_(ids))
    rows = [r for r in (await s.execute(q)).scalars().all() if r.status in PLANNED]
    found = [r.id for r in rows]
    urged: dict[int, list[datetime]] = defaultdict(list)
    reopened: dict[int, datetime] = {}
    facts = TicketFacts({}, {}, defaultdict(set), defaultdict(list))
    if not found:
        return facts
    for tid, kind, at in (await s.execute(
            select(TicketEventRow.ticket_id, TicketEventRow.kind, TicketEventRow.at)
            .where(TicketEventRow.ticket_id.in_(found),
                   TicketEventRow.kind.in_(("urged", "reopened"))))).all():
        if kind == "urged":
            urged[tid].append(at)
        else:
            reopened[tid] = max(at, reopened.get(tid, at))
    for tid, key, kind, ran_at in (await s.execute(
            select(RunRow.ticket_id, RunRow.key, RunRow.kind, RunRow.ran_at)
            .where(RunRow.ticket_id.in_(found)))).all():
        facts.sent[tid].add(key)
        if kind in NAG_KINDS:
            facts.nag_times[tid].append(ran_at)
    for r in rows:
        facts.clocks[r.id] = TicketClock(
            id=r.id, kind=r.kind, category=r.category, urgent=r.urgent, status=r.status,
            created_at=r.created_at, due_at=r.due_at, acknowledged_at=r.acknowledged_at,
            resolved_at=r.resolved_at, complexity=r.complexity if r.due_at else None,
            reopened_at=reopened.get(r.id), urged_at=tuple(sorted(urged[r.id])),
            rated=r.rating is not None)
        facts.where[r.id] = (r.group_id, r.number)
    return facts


async def group_run_keys(s: AsyncSession, since: datetime, after_run: int = 0) -> set[str]:
    q = select(RunRow.key).where(RunRow.ticket_id.is_(None), RunRow.reminder_id.is_(None),
                                 RunRow.due_at >= since, RunRow.id > after_run)
    return set((await s.execute(q)).scalars())


async def set_deadline(s: AsyncSession, ticket_id: int, due_at: datetime, complexity: str,
                       expected: datetime | None) -> bool:
    """Write a deadline unless someone changed it since it read `expected`."""
    same = TicketRow.due_at.is_(None) if expected is None else TicketRow.due_at == expected
    res = await s.execute(update(TicketRow).where(TicketRow.id == ticket_id, same)
                          .values(due_at=due_at, complexity=complexity))
    return res.rowcount == 1


# reminders ---------------------------------------------------------------

def _reminder(r: ReminderRow) -> Reminder:
    return Reminder(r.id, r.group_id, r.number, r.text, r.phrase, r.trigger, r.status,
                    r.next_run_at)


async def add_reminder(s: AsyncSession, *, group_id: int, text: str, phrase: str,
                       trigger: dict, next_run_at: datetime, created_by: int | None,
                       now: datetime) -> Reminder:
    number = (await s.execute(select(func.coalesce(func.max(ReminderRow.number), 0))
                              .where(ReminderRow.group_id == group_id))).scalar_one() + 1
    row = ReminderRow(group_id=group_id, number=number, text=text, phrase=phrase,
                      trigger=trigger, status="active", next_run_at=next_run_at,
                      created_by=created_by, created_at=now)
    s.add(row)
    await s.flush()
    return _reminder(row)


async def reminders(s: AsyncSession, group_id: int | None = None,
                    active_only: bool = True) -> list[Reminder]:
    q = select(ReminderRow).order_by(ReminderRow.group_id, ReminderRow.number)
    if group_id is not None:
        q = q.where(ReminderRow.group_id == group_id)
    if active_only:
        q = q.where(ReminderRow.status == "active")
    return [_reminder(r) for r in (await s.execute(q)).scalars()]


async def reminder(s: AsyncSession, group_id: int, number: int) -> Reminder | None:
    row = (await s.execute(select(ReminderRow).where(
        ReminderRow.group_id == group_id, ReminderRow.number == number))).scalar_one_or_none()
    return None if row is None else _reminder(row)


async def update_reminder(s: AsyncSession, reminder_id: int, **values) -> None:
    await s.execute(update(ReminderRow).where(ReminderRow.id == reminder_id).values(**values))


# digest ------------------------------------------------------------------

async def digest_tickets(s: AsyncSession, group_id: int, before: datetime) -> list[DigestTicket]:
    """Every ticket of the group created before `before`, with who resolved it."""
    rows = (await s.execute(select(TicketRow).where(
        TicketRow.group_id == group_id, TicketRow.created_at < before))).scalars().all()
    ids = [r.id for r in rows]
    resolvers: dict[int, tuple[str, ...]] = {}
    urged: dict[int, int] = defaultdict(int)
    if ids:
        q = (select(TicketEventRow.ticket_id, TicketEventRow.kind, MemberRow.display_name)
             .outerjoin(MemberRow, MemberRow.id == TicketEventRow.actor_id)
             .where(TicketEventRow.ticket_id.in_(ids),
                    TicketEventRow.kind.in_(("resolved", "urged")))
             .order_by(TicketEventRow.id))
        for tid, kind, name in (await s.execute(q)).all():
            if kind == "urged":
                urged[tid] += 1
            elif name:
                resolvers[tid] = (name,)  # the last resolution counts
    return [DigestTicket(
        number=r.number, kind=r.kind, category=r.category, title=r.title, status=r.status,
        created_at=r.created_at, urgent=r.urgent, due_at=r.due_at,
        acknowledged_at=r.acknowledged_at, resolved_at=r.resolved_at, rating=r.rating,
        resolved_by=resolvers.get(r.id, ()), urged=urged[r.id]) for r in rows]
