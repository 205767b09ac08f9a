"""SQLAlchemy ORM tables. Repositories (storage/repo.py) turn rows into domain objects.

Every schema change is an Alembic migration in storage/migrations/versions.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UtcDateTime(TypeDecorator):
    """Aware datetimes in, aware UTC datetimes out, on SQLite and PostgreSQL alike."""

    impl = DateTime(timezone=False)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use an aware one")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UtcDateTime(), dict: JSON, list: JSON}


class GroupRow(Base):
    __tablename__ = "groups"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    estate: Mapped[str] = mapped_column(String(200))
    room_id: Mapped[str | None] = mapped_column(String(200), index=True)
    topic: Mapped[str | None] = mapped_column(String(200))
    next_ticket_no: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime]


class MemberRow(Base):
    __tablename__ = "members"
    __table_args__ = (UniqueConstraint("group_id", "ext_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"))
    ext_id: Mapped[str] = mapped_column(String(200))
    display_name: Mapped[str] = mapped_column(String(200))
    aliases: Mapped[list] = mapped_column(default=list)
    last_seen: Mapped[datetime | None]


class RoleRow(Base):
    __tablename__ = "role_assignments"
    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    role: Mapped[str] = mapped_column(String(64))
    scope: Mapped[str] = mapped_column(String(200), default="")
    assigned_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    created_at: Mapped[datetime]


class TicketRow(Base):
    __tablename__ = "tickets"
    __table_args__ = (UniqueConstraint("group_id", "number"),
                      Index("ix_tickets_group_status", "group_id", "status"))
    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"))
    number: Mapped[int]
    kind: Mapped[str] = mapped_column(String(16))  # problem | need | offer
    category: Mapped[str | None] = mapped_column(String(64))
    building: Mapped[str | None] = mapped_column(String(32))
    unit: Mapped[str | None] = mapped_column(String(32))
    room: Mapped[str | None] = mapped_column(String(32))
    place: Mapped[str | None] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    reporter_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16))
    duplicate_of: Mapped[int | None]
    complexity: Mapped[str] = mapped_column(String(16), default="simple")
    due_at: Mapped[datetime | None]
    acknowledged_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    rating: Mapped[int | None]
    source_message_id: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class TicketOwnerRow(Base):
    __tablename__ = "ticket_owners"
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True)


class TicketReporterRow(Base):
    __tablename__ = "ticket_reporters"
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True)
    message_id: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime]


class TicketEventRow(Base):
    """Append-only: created, assigned, urged, commented, merged, resolved, reopened,
    rated, rejected, duplicate, closed, acknowledged, deadline."""

    __tablename__ = "ticket_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    at: Mapped[datetime]
    detail: Mapped[dict] = mapped_column(default=dict)


class InboxRow(Base):
    """Every received message, stored before anything acts on it. `msg_key` is unique:
    a message delivered twice is handled once. A message being handled is claimed until
    `lease_until` (wall-clock time), so another process never handles it too."""

    __tablename__ = "inbox"
    id: Mapped[int] = mapped_column(primary_key=True)
    msg_key: Mapped[str] = mapped_column(String(300), unique=True)
    transport: Mapped[str] = mapped_column(String(32))
    room: Mapped[str | None] = mapped_column(String(200))
    sender_ext_id: Mapped[str] = mapped_column(String(200))
    sender_name: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(16), default="text")
    payload: Mapped[dict] = mapped_column(default=dict)
    at: Mapped[datetime]
    # pending → handling (claimed until lease_until) → handled | ignored | failed
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    error: Mapped[str | None] = mapped_column(Text)
    handled_at: Mapped[datetime | None]
    lease_until: Mapped[datetime | None]


class OutboxRow(Base):
    """Every message the bot means to send; pending until the transport confirms.
    `dedupe_key` (unique when set) makes timed messages exactly-once across processes."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status_due", "status", "next_attempt_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id"))
    room: Mapped[str | None] = mapped_column(String(200))
    to_ext_id: Mapped[str | None] = mapped_column(String(200))
    to_name: Mapped[str | None] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    mentions: Mapped[list] = mapped_column(default=list)  # [[ext_id, name], ...]
    in_reply_to: Mapped[str | None] = mapped_column(String(300))
    image_path: Mapped[str | None] = mapped_column(String(500))
    dedupe_key: Mapped[str | None] = mapped_column(String(300), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    next_attempt_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    transport_msg_id: Mapped[str | None] = mapped_column(String(200))


class PromptRow(Base):
    """A question the bot asked one member and awaits an answer to (confirm a report,
    resolution check). At most one open per member and group."""

    __tablename__ = "prompts"
    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    kind: Mapped[str] = mapped_column(String(32))
    message_key: Mapped[str | None] = mapped_column(String(300))
    payload: Mapped[dict] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(16), default="open")
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
