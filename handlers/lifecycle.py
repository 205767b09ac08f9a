"""Ticket lifecycle: which action may move a ticket from which state, and why not.

open → assigned → resolved → closed (after rating or a quiet period), plus reopened,
rejected (not a real issue) and duplicate (of #N). Pure: no database, no transport.
"""

from __future__ import annotations

from dataclasses import dataclass

LIVE = frozenset({"open", "assigned", "reopened"})
STATES = ("open", "assigned", "resolved", "closed", "reopened", "rejected", "duplicate")


class Refused(Exception):
    """A transition or command that makes no sense; `reason` is a polite Chinese line."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Rule:
    sources: frozenset[str]
    target: str | None  # None: the state does not change (urge, comment)


RULES: dict[str, Rule] = {
    "assign": Rule(LIVE, "assigned"),
    "acknowledge": Rule(LIVE, None),
    "urge": Rule(LIVE, None),
    "comment": Rule(frozenset(STATES), None),
    "resolve": Rule(LIVE, "resolved"),
    "reopen": Rule(frozenset({"resolved", "closed", "rejected"}), "reopened"),
    "rate": Rule(frozenset({"resolved", "closed"}), "closed"),
    "reject": Rule(LIVE, "rejected"),
    "duplicate": Rule(LIVE, "duplicate"),
    "close": Rule(frozenset({"resolved"}), "closed"),
}

_WHY_NOT = {
    "resolved": "#{n} 已经办结了{hint}",
    "closed": "#{n} 已经关闭了{hint}",
    "rejected": "#{n} 已被驳回{hint}",
    "duplicate": "#{n} 是重复工单，请关注原工单",
    "open": "#{n} 还在等待处理{hint}",
    "assigned": "#{n} 正在处理中{hint}",
    "reopened": "#{n} 已重开，正在处理中{hint}",
}
_HINT = {
    ("urge", "resolved"): "，如果还没修好，请发 /重开 {n}",
    ("urge", "closed"): "，如果问题又出现了，请重新上报",
    ("assign", "resolved"): "，如需再派，请先 /重开 {n}",
    ("assign", "closed"): "，如需再派，请先 /重开 {n}",
    ("resolve", "rejected"): "",
    ("rate", "open"): "，办结后再评价",
    ("rate", "assigned"): "，办结后再评价",
    ("rate", "reopened"): "，办结后再评价",
    ("reopen", "open"): "，不用重开",
    ("reopen", "assigned"): "，不用重开",
    ("reopen", "reopened"): "，不用重开",
}


def transition(status: str, action: str, number: int) -> str:
    """The state after `action`, or `Refused` with the reason."""
    rule = RULES[action]
    if status not in rule.sources:
        hint = _HINT.get((action, status), "").format(n=number)
        raise Refused(_WHY_NOT[status].format(n=number, hint=hint) + "。")
    return rule.target or status

