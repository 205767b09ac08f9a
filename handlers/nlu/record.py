"""The message-understanding record of ../shared/nlu/CONTRACT.md, and its context."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime

INTENTS = ("report", "need", "offer", "urge", "resolve", "rate", "chat")
ACTIONABLE = frozenset({"report", "need", "offer"})
KIND_OF_INTENT = {"report": "problem", "need": "need", "offer": "offer"}
CATEGORIES = (
    "elevator", "lighting", "water", "sanitation", "fire_safety", "parking_traffic",
    "illegal_construction", "public_security", "noise_dispute", "market_food", "greenery",
    "facility", "property_service", "elderly_welfare", "other",
)


@dataclass(slots=True)
class Parse:
    """What one message means. The first eight fields are the contract's record."""

    text: str
    intent: str = "chat"
    category: str | None = None
    building: str | None = None
    unit: str | None = None
    room: str | None = None
    urgent: bool = False
    ticket: int | None = None
    place: str | None = None
    title: str | None = None
    confidence: float = 1.0
    also: list[str] = field(default_factory=list)
    rating: int | None = None
    # tickets the message may refer to when context could not single one out
    candidates: list[int] = field(default_factory=list)
    # an actionable reading the parser doubts too much to give (intent stays chat): the
    # bot may ask the sender whether to register it
    maybe: str | None = None

    def contract(self) -> dict:
        """The record as `gongzhi parse` prints it (contract fields plus extras)."""
        d = asdict(self)
        for optional in ("also", "candidates", "maybe"):
            if not d[optional]:
                d.pop(optional)
        return d


@dataclass(frozen=True, slots=True)
class RecentTicket:
    """A ticket of the speaker's group that the parser may resolve references to."""

    number: int
    category: str | None
    building: str | None
    status: str
    reporter_ids: tuple[str, ...] = ()
    owner_ids: tuple[str, ...] = ()
    mentioned_at: datetime | None = None  # when the bot last @mentioned its owners
    source_message_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ParseContext:
    """Who is speaking and what the group has open: used for implicit references."""

    sender_id: str | None = None
    now: datetime | None = None
    recent_tickets: tuple[RecentTicket, ...] = ()
    quoted_id: str | None = None
    quoted_text: str | None = None
