"""Tables of timed work: chat reminders (/提醒) and the log of what timed jobs did.

APScheduler keeps no job store: what is due lives here and in `tickets`, so every
process computes the same plan, and `schedule_runs.key` (unique) decides which one
acts. A job inserts its key before it writes the message, in the same transaction:
the second process to try finds the key taken and does nothing.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base


class ReminderRow(Base):
    """A reminder set in chat: `trigger` is the spec of handlers/schedule/triggers.py."""

    __tablename__ = "schedule_reminders"
    __table_args__ = (
        UniqueConstraint("group_id", "number"),
        Index("ix_schedule_reminders_due", "status", "next_run_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"))
    number: Mapped[int]  # K in /取消提醒 K, per group
    text: Mapped[str] = mapped_column(Text)
    phrase: Mapped[str] = mapped_column(String(100))
    trigger: Mapped[dict]
    status: Mapped[str] = mapped_column(String(16), default="active")  # active|done|cancelled
    next_run_at: Mapped[datetime | None]
    last_run_at: Mapped[datetime | None]
    created_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    created_at: Mapped[datetime]


class RunRow(Base):
    """One thing a timed job did (or decided not to do), claimed by its unique key."""

    __tablename__ = "schedule_runs"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(300), unique=True)
    kind: Mapped[str] = mapped_column(String(32))  # ack|overdue|escalate|close|digest|...
    outcome: Mapped[str] = mapped_column(String(16))  # sent | late | skipped | empty
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id"))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    reminder_id: Mapped[int | None] = mapped_column(ForeignKey("schedule_reminders.id"))
    due_at: Mapped[datetime]
    ran_at: Mapped[datetime]
