"""Routing ("谁家孩子谁家抱"): who owns a ticket, from its category and building.

Pure: takes the group's role assignments and route table, returns members.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from handlers.domain import Member, RoleAssignment


def route_ticket(
    category: str | None,
    building: str | None,
    roles: Sequence[RoleAssignment],
    routes: dict[str, list[str]],
    coordinators: Iterable[Member],
) -> list[Member]:
    """Owners for a report: holders of the category's roles, a building-scoped holder
    winning in its building; the coordinators when no one holds any of the roles."""
    owners: list[Member] = []
    for role in routes.get(category or "other") or routes.get("other", []):
        owners += holders_of(role, building, roles)
    owners = _unique(owners)
    return owners or _unique(coordinators)


def holders_of(role: str, building: str | None, roles: Sequence[RoleAssignment]) -> list[Member]:
    held = [r for r in roles if r.role == role]
    if building:
        scoped = [r.member for r in held if building in r.buildings]
        if scoped:
            return scoped
    return [r.member for r in held if not r.buildings]


def _unique(members: Iterable[Member]) -> list[Member]:
    seen: dict[int, Member] = {}
    for m in members:
        seen.setdefault(m.id, m)
    return list(seen.values())
