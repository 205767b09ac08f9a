"""Command registry: each command declared once, beside its handler.

`/帮助` and the coordinators' guide (docs/使用指南.md) are generated from here.
"""

from __future__ import annotations

import difflib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any


class Who(Enum):
    ANYONE = "所有人"
    OWNER = "协调员或工单责任人"  # checked per ticket inside the handler
    REPORTER = "协调员或报告人"  # checked per ticket inside the handler
    COORDINATOR = "协调员"


class CommandError(Exception):
    """A refusal or problem; `reason` is the polite Chinese reply."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class UsageError(Exception):
    """The command was malformed: the reply is its usage line."""

    def __init__(self, hint: str = "") -> None:
        super().__init__(hint)
        self.hint = hint


Handler = Callable[[Any, str], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class CommandSpec:
    name: str
    alias: str
    usage: str
    summary: str
    example: str
    who: Who
    fn: Handler
    order: int


COMMANDS: dict[str, CommandSpec] = {}


def command(name: str, alias: str, *, usage: str, summary: str, example: str,
            who: Who = Who.ANYONE) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        spec = CommandSpec(name, alias, usage, summary, example, who, fn, len(COMMANDS))
        COMMANDS[name] = spec
        return fn

    return register


def find(word: str) -> CommandSpec | None:
    word = word.lower()
    for spec in COMMANDS.values():
        if word in (spec.name, spec.alias):
            return spec
    return None


def closest(word: str) -> CommandSpec | None:
    names = {s.name: s for s in COMMANDS.values()} | {s.alias: s for s in COMMANDS.values()}
    hit = difflib.get_close_matches(word.lower(), names, n=1, cutoff=0.4)
    return names[hit[0]] if hit else None


def specs() -> list[CommandSpec]:
    return sorted(COMMANDS.values(), key=lambda s: s.order)


def help_text(coordinator: bool = True) -> str:
    lines = ["可用命令（中文或英文都可以）："]
    for s in specs():
        if s.who is Who.COORDINATOR and not coordinator:
            continue
        lines.append(f"{s.usage}  {s.summary}")
    lines.append("直接说问题也可以，比如“3幢电梯坏了”，我会自动登记。")
    return "\n".join(lines)


def usage_reply(spec: CommandSpec, hint: str = "") -> str:
    head = f"{hint}\n" if hint else "格式不对哦。"
    return f"{head}用法：{spec.usage}\n例如：{spec.example}"


def guide_markdown() -> str:
    """The coordinators' guide, generated from the registry (docs/使用指南.md)."""
    out = [
        "# 共治小助手使用指南（协调员版）",
        "",
        "本文件由命令注册表自动生成（`gongzhi guide`），与群里发 `/帮助` 看到的内容同源。",
        "",
        "## 居民怎么用",
        "",
        "直接在群里说问题即可，例如“3幢2单元楼道灯坏了”。小助手会登记成工单（#编号），"
        "并 @ 负责的人。紧急情况（困人、起火、燃气、漏水淹水）会标为【紧急】。",
        "",
        "## 命令一览",
        "",
        "命令前的斜杠可以用全角“／”，数字可以用全角，也可以先 @小助手 再发命令。",
        "",
        "| 命令 | 英文 | 作用 | 谁可以用 | 例子 |",
        "|---|---|---|---|---|",
    ]
    for s in specs():
        cells = (f"`{s.usage}`", f"`/{s.alias}`", s.summary, s.who.value, f"`{s.example}`")
        out.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    out += ["", "## 群里发 /帮助 看到的内容", "", "```", help_text(True), "```", ""]
    return "\n".join(out)
