"""What a handler gets for one message: session, repositories, who, where, now, and
a way to reply (through the outbox, never the transport)."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Config, GroupSettings
from bot.messages import Incoming, Person
from handlers.domain import Group, Member, RoleAssignment, Ticket
from handlers.nlu import Parse, Parser
from storage.repo import Repo

# roles are read from the database at most this often per group and process (another
# process's /角色 shows within this time; this process's own at once)
ROLE_CACHE_SECONDS = 30.0
# roles that may see who reported what (besides coordinators)
PRIVILEGED_ROLES = frozenset({"grid_head", "property", "self_management_leader"})


@dataclass
class Ctx:
    session: AsyncSession
    repo: Repo
    config: Config
    gconf: GroupSettings
    group: Group
    sender: Member
    msg: Incoming
    msg_key: str
    now: datetime
    parser: Parser
    sent: list[str] = field(default_factory=list)
    role_cache: dict | None = None  # the application's, shared between messages
    refine: Callable[[Parse, str], Awaitable[Parse]] | None = None  # the optional LLM
    _roles: list | None = None

    async def reply(self, text: str, mentions: list[Member] | tuple = (), *,
                    private: bool = False) -> None:
        """Answer in the room the message came from (or privately to the sender)."""
        to = self.sender.person if private or self.msg.room is None else None
        await self.repo.enqueue(
            text=text, now=self.now, group_id=self.group.id,
            room=None if to else self.msg.room, to=to,
            mentions=[m.person if isinstance(m, Member) else m for m in mentions],
            in_reply_to=self.msg.id)
        self.sent.append(text)

    async def tell(self, member: Member | Person, text: str) -> None:
        """A private message to one member."""
        person = member.person if isinstance(member, Member) else member
        await self.repo.enqueue(text=text, now=self.now, group_id=self.group.id, to=person,
                                in_reply_to=self.msg.id)
        self.sent.append(text)

    async def roles(self) -> list[RoleAssignment]:
        """Roles set with /角色, plus those named in the config (matched by display name)."""
        cached = self.role_cache.get(self.group.id) if self.role_cache is not None else None
        if self._roles is None and cached and time.monotonic() - cached[0] < ROLE_CACHE_SECONDS:
            self._roles = cached[1]
        if self._roles is None:
            roles = await self.repo.roles(self.group.id)
            for holder in self.gconf.roles:
                m = await self.repo.member_by_name(self.group.id, holder.member)
                if m is None:
                    m = await self.repo.ensure_member(self.group.id, holder.member, holder.member,
                                                      self.now)
                scope = frozenset(b.strip() for b in holder.buildings.split(",") if b.strip())
                roles.append(RoleAssignment(m, holder.role, scope))
            self._roles = roles
            if self.role_cache is not None:
                self.role_cache[self.group.id] = (time.monotonic(), roles)
        return self._roles

    def roles_changed(self) -> None:
        self._roles = None
        if self.role_cache is not None:
            self.role_cache.pop(self.group.id, None)

    async def is_coordinator(self, member: Member | None = None) -> bool:
        m = member or self.sender
        if m.name in self.gconf.coordinators or m.ext_id in self.gconf.coordinators:
            return True
        return any(r.member.id == m.id and r.role == "coordinator" for r in await self.roles())

    async def coordinators(self) -> list[Member]:
        out = [r.member for r in await self.roles() if r.role == "coordinator"]
        for name in self.gconf.coordinators:
            m = await self.repo.member_by_name(self.group.id, name)
            if m and all(m.id != o.id for o in out):
                out.append(m)
        return out

    async def may_see_reporters(self) -> bool:
        if await self.is_coordinator():
            return True
        return any(r.member.id == self.sender.id and r.role in PRIVILEGED_ROLES
                   for r in await self.roles())

    def is_owner(self, ticket: Ticket) -> bool:
        return any(o.id == self.sender.id for o in ticket.owners)

    def is_reporter(self, ticket: Ticket) -> bool:
        return any(r.id == self.sender.id for r in ticket.reporters)
