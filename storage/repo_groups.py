"""Groups, members and their roles."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import or_, select

from handlers.domain import Group, Member, RoleAssignment
from storage.models import (
    GroupRow,
    MemberRow,
    RoleRow,
)
from storage.repo_base import RepoBase, _member


class GroupRepo(RepoBase):
    async def ensure_group(self, key: str, estate: str, room_id: str | None, topic: str | None,
                           now: datetime) -> Group:
        row = (await self.s.execute(select(GroupRow).where(GroupRow.key == key))).scalar_one_or_none()
        if row is None:
            await self.s.execute(self._insert(GroupRow.__table__).values(
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
        res = await self.s.execute(self._insert(MemberRow.__table__).values(
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

