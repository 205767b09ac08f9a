"""Pure parts of the WeChat transport: endpoint check, text splitting, @mention and
quote parsing, the send pacer, the terminal QR code. No wechaty, no network."""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import qrcode

from bot.transports.wechat_settings import WechatSettings

AT_SEPARATOR = "\u2005"  # what WeChat puts after an @name
_QUOTE = re.compile(r"^「(?P<who>[^：:」]*)[：:](?P<quoted>.*)」\n(?:- ){14}-\n(?P<reply>.*)$", re.S)


class EndpointRefused(ValueError):
    """The endpoint is off loopback and private networks and the config does not allow it."""


@dataclass(frozen=True)
class WechatStatus:
    state: str  # connected | disconnected | logged_in | logged_out | scan_required
    detail: str = ""
    qrcode: str | None = None
    at: datetime = field(default_factory=lambda: datetime.now(UTC))


# -- pure helpers ---------------------------------------------------------------------


async def check_endpoint(settings: WechatSettings) -> tuple[str, int]:
    """Refuse an endpoint that resolves off loopback/private networks unless allowed."""
    host, port = settings.host_port()
    if settings.allow_remote_endpoint:
        return host, port
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    for *_, sockaddr in infos:
        ip = ipaddress.ip_address(sockaddr[0])
        if not (ip.is_loopback or ip.is_private):
            raise EndpointRefused(
                f"wechat.endpoint {settings.endpoint} ({ip}) is off loopback and private "
                "networks, and the client speaks plain gRPC: reach it through an SSH or TLS "
                "tunnel on 127.0.0.1, or set wechat.allow_remote_endpoint = true")
    return host, port


def split_text(text: str, limit: int) -> list[str]:
    """Cut `text` into parts of at most `limit` characters, on line boundaries if possible."""
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) <= limit:
            current = candidate
            continue
        if current:
            parts.append(current)
        while len(line) > limit:
            parts.append(line[:limit])
            line = line[limit:]
        current = line
    if current or not parts:
        parts.append(current)
    return parts


def strip_mention(text: str, names: Iterable[str]) -> tuple[str, bool]:
    """Remove "@name" followed by U+2005, a space or the end, for each of the bot's names."""
    found = False
    for name in sorted({n for n in names if n}, key=len, reverse=True):
        text, n = re.subn(rf"@{re.escape(name)}(?:\u2005|\u0020|\u00a0|$)", "", text)
        found = found or n > 0
    return text.strip(), found


def split_quote(text: str) -> tuple[str, str | None]:
    """WeChat renders a quoted reply as 「name：quoted」, a dashed line, then the reply."""
    m = _QUOTE.match(text)
    if m is None:
        return text, None
    return m.group("reply"), m.group("quoted")


class _Bucket:
    def __init__(self, per_minute: float, burst: int, now: float) -> None:
        self.rate, self.burst = per_minute / 60.0, burst
        self.tokens, self.stamp = float(burst), now

    def wait_time(self, now: float) -> float:
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate


class Pacer:
    """Token buckets per conversation and overall: a message waits for both."""

    def __init__(self, settings: WechatSettings, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Any] = asyncio.sleep) -> None:
        self.settings, self.clock, self.sleep = settings, clock, sleep
        self.total = _Bucket(settings.global_rate_per_minute, settings.rate_burst, clock())
        self.rooms: dict[str, _Bucket] = {}

    async def wait(self, conversation: str) -> None:
        s = self.settings
        room = self.rooms.setdefault(
            conversation, _Bucket(s.room_rate_per_minute, s.rate_burst, self.clock()))
        while (delay := max(self.total.wait_time(self.clock()),
                            room.wait_time(self.clock()))) > 0:
            await self.sleep(delay)
        self.total.tokens -= 1
        room.tokens -= 1


def print_qr(code: str) -> None:
    qr = qrcode.QRCode(border=1)
    qr.add_data(code)
    qr.make(fit=True)
    qr.print_ascii(out=sys.stderr, invert=True)


# -- the transport ----------------------------------------------------------------------
