"""Repositories: take an AsyncSession, return domain objects (never ORM rows)."""

from __future__ import annotations

from storage.repo_groups import GroupRepo
from storage.repo_messages import MessageRepo, message_key, store_message
from storage.repo_tickets import TicketRepo, recent_context, same_place


class Repo(GroupRepo, TicketRepo, MessageRepo):
    """All repositories over one session (one per message or job)."""


__all__ = ["Repo", "message_key", "recent_context", "same_place", "store_message"]
