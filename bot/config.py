"""Configuration: TOML into typed models that reject unknown keys.

A failure stops the bot with one line naming the key and the file line, e.g.
`config.toml:23: groups[1].coordinators: Input should be a valid list`.
Secrets may come from the environment instead of the file (see ENV_OVERRIDES).
"""

from __future__ import annotations

import os
import re
import tomllib
import zlib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bot.transports.wechat_settings import WechatSettings
from handlers.nlu.settings import NluSettings
from handlers.schedule.settings import ScheduleSettings

ROLE_CODES = (
    "grid_head", "police", "traffic_police", "urban_management", "market_regulation",
    "building_head", "association_head", "culture_sports_captain", "self_management_leader",
    "property_security", "area_head", "property", "owners_committee", "residents_committee",
)

DEFAULT_ROUTES: dict[str, list[str]] = {
    "elevator": ["property"],
    "lighting": ["property"],
    "water": ["property"],
    "sanitation": ["property", "building_head"],
    "fire_safety": ["property_security", "grid_head"],
    "parking_traffic": ["property_security", "traffic_police"],
    "illegal_construction": ["urban_management"],
    "public_security": ["police"],
    "noise_dispute": ["building_head", "self_management_leader"],
    "market_food": ["market_regulation", "urban_management"],
    "greenery": ["property"],
    "facility": ["property"],
    "property_service": ["owners_committee", "residents_committee"],
    "elderly_welfare": ["grid_head", "residents_committee"],
    "other": ["grid_head"],
}

ENV_OVERRIDES = {
    "GONGZHI_DATABASE_URL": ("database", "url"),
    "GONGZHI_WECHAT_TOKEN": ("wechat", "token"),
    "GONGZHI_WECHAT_ENDPOINT": ("wechat", "endpoint"),
    "GONGZHI_LLM_API_KEY": ("nlu", "llm", "api_key"),
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BotSettings(_Strict):
    name: str = "小治"
    timezone: str = "Asia/Shanghai"


class DatabaseSettings(_Strict):
    url: str = "sqlite+aiosqlite:///gongzhi.db"
    auto_migrate: bool = True
    # where received messages wait while the database is unreachable
    spool: str = "gongzhi-spool.jsonl"


class RoleHolder(_Strict):
    """A role given in config: `{ member = "物业小王", role = "property", buildings = "5,6" }`."""

    member: str
    role: str
    buildings: str = ""


class GroupSettings(_Strict):
    key: str = Field(pattern=r"^[A-Za-z0-9_-]+$")
    estate: str
    room: str = Field(description="room topic (group name) as shown in WeChat")
    room_id: str = ""
    coordinators: list[str] = Field(default_factory=list)
    roles: list[RoleHolder] = Field(default_factory=list)
    routes: dict[str, list[str]] = Field(default_factory=dict)
    pileon_window_minutes: int = Field(default=1440, ge=0)
    close_after_days: int = Field(default=3, ge=1)

    @field_validator("routes")
    @classmethod
    def _known_roles(cls, v: dict[str, list[str]]) -> dict[str, list[str]]:
        for roles in v.values():
            for r in roles:
                if r not in ROLE_CODES:
                    raise ValueError(f"unknown role code {r!r}; use one of {', '.join(ROLE_CODES)}")
        return v

    def route_table(self) -> dict[str, list[str]]:
        return {**DEFAULT_ROUTES, **self.routes}


class Config(_Strict):
    bot: BotSettings = Field(default_factory=BotSettings)
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    defaults: GroupDefaults = Field(default_factory=lambda: GroupDefaults())
    nlu: NluSettings = Field(default_factory=NluSettings)
    wechat: WechatSettings = Field(default_factory=WechatSettings)
    schedule: ScheduleSettings = Field(default_factory=ScheduleSettings)
    groups: list[GroupSettings] = Field(default_factory=list)

    def group_for(self, room_id: str | None, topic: str | None) -> GroupSettings | None:
        for g in self.groups:
            if room_id and g.room_id == room_id:
                return g
        for g in self.groups:
            if topic and g.room == topic:
                return g
        return None

    def default_group(self, room: str) -> GroupSettings:
        """Settings for a room the config does not name (replay, sandbox)."""
        # the same key in every process (str hash() is salted per process)
        key = re.sub(r"[^A-Za-z0-9_-]", "", room) or f"room{zlib.crc32(room.encode()):08x}"
        d = self.defaults
        return GroupSettings(key=key[:40], estate=room, room=room,
                             pileon_window_minutes=d.pileon_window_minutes,
                             close_after_days=d.close_after_days, routes=d.routes)


class GroupDefaults(_Strict):
    """Settings for rooms served without a [[groups]] entry."""

    pileon_window_minutes: int = Field(default=1440, ge=0)
    close_after_days: int = Field(default=3, ge=1)
    routes: dict[str, list[str]] = Field(default_factory=dict)


Config.model_rebuild()


class ConfigError(Exception):
    """One line: where, which key, what is wrong, so the operator can fix it."""


def load_config(path: str | os.PathLike | None, env: dict[str, str] | None = None) -> Config:
    env = os.environ if env is None else env
    data: dict[str, Any] = {}
    source = ""
    name = str(path) if path else "<defaults>"
    if path:
        p = Path(path)
        if not p.exists():
            raise ConfigError(f"{name}: file not found; copy config.example.toml and edit it")
        source = p.read_text(encoding="utf-8")
        try:
            data = tomllib.loads(source)
        except tomllib.TOMLDecodeError as e:
            raise ConfigError(f"{name}: not valid TOML: {e}") from None
    for var, keys in ENV_OVERRIDES.items():
        if env.get(var):
            node = data
            for k in keys[:-1]:
                node = node.setdefault(k, {})
            node[keys[-1]] = env[var]
    try:
        return Config.model_validate(data)
    except ValidationError as e:
        err = e.errors()[0]
        loc = err["loc"]
        dotted = _dotted(loc)
        line = _find_line(source, loc)
        where = f"{name}:{line}" if line else name
        more = f" (and {len(e.errors()) - 1} more)" if len(e.errors()) > 1 else ""
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = "unknown key (check its spelling against config.example.toml)"
        elif err["type"] == "missing":
            msg = "required value is missing"
        raise ConfigError(f"{where}: {dotted}: {msg}{more}") from None


def _dotted(loc: tuple) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _find_line(source: str, loc: tuple) -> int | None:
    """Best-effort line of the key at `loc` in the TOML text (tomllib keeps no positions)."""
    if not source:
        return None
    lines = source.splitlines()
    start, table = 0, ""
    best = None
    parts = [p for p in loc]
    i = 0
    while i < len(parts):
        part = parts[i]
        if isinstance(part, int):
            i += 1
            continue
        nxt = parts[i + 1] if i + 1 < len(parts) else None
        name = f"{table}.{part}" if table else str(part)
        if isinstance(nxt, int):  # array of tables: find the n-th [[name]]
            hits = [n for n, ln in enumerate(lines) if ln.strip() == f"[[{name}]]"]
            if nxt < len(hits):
                start, table, best = hits[nxt], name, hits[nxt] + 1
                i += 2
                continue
        hdr = next((n for n in range(start, len(lines)) if lines[n].strip() == f"[{name}]"), None)
        if hdr is not None:
            start, table, best = hdr, name, hdr + 1
            i += 1
            continue
        key = re.compile(rf"^\s*{re.escape(str(part))}\s*=")
        hit = next((n for n in range(start, len(lines)) if key.match(lines[n])), None)
        if hit is not None:
            return hit + 1
        return best
    return best
