"""The one small interface every transport implements.

A transport only moves messages: it turns its events into `Incoming` and hands
them to `deliver` (the application's inbox), and it sends `Outgoing` rows that the
outbox sender gives it. It never touches tickets or the database.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable

from bot.messages import Incoming, Outgoing

Deliver = Callable[[Incoming], Awaitable[None]]


class SendFailed(Exception):
    """The transport could not confirm delivery; the outbox row stays pending and is retried."""


class Transport(ABC):
    name: str = "transport"

    @abstractmethod
    async def start(self, deliver: Deliver) -> None:
        """Begin delivering received messages to `deliver`. Returns once started."""

    @abstractmethod
    async def stop(self) -> None:
        """Stop receiving; release connections."""

    @abstractmethod
    async def send(self, msg: Outgoing) -> str | None:
        """Send one message (text, then `msg.image_path` if set).

        Return the transport's message id (or None) once delivery is confirmed;
        raise `SendFailed` when it is not, so the row is retried later.
        """

    def is_connected(self) -> bool:
        """Whether sending can be attempted now (the outbox sender waits otherwise)."""
        return True

    def pending_notices(self) -> list[str]:
        """Lines for the coordinators about the transport itself (e.g. the account had to
        log in again), each returned once; the application posts them to every group."""
        return []
