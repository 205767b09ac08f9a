"""Repository base: one AsyncSession, dialect-aware inserts.

Hot-path statements are built on the tables (`Row.__table__`), not the ORM classes:
the same SQL, without the ORM's per-statement bookkeeping.
"""

from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.domain import Member
from storage.models import MemberRow


class RepoBase:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session
        self.enqueued = 0  # messages queued through this repository (the sender's hint)

    def _insert(self, table):
        dialect = self.s.bind.dialect.name
        return (pg_insert if dialect == "postgresql" else sqlite_insert)(table)


def _member(row: MemberRow) -> Member:
    return Member(row.id, row.ext_id, row.display_name)
