"""Message understanding: text (+ context) -> the record of CONTRACT.md."""

from handlers.nlu.parser import Parser
from handlers.nlu.record import Parse, ParseContext, RecentTicket

__all__ = ["Parse", "ParseContext", "Parser", "RecentTicket"]
