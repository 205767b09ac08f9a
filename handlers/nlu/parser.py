"""The message parser: text (+ context) -> Parse, the record of CONTRACT.md and more."""

from __future__ import annotations

import re

from handlers.nlu.context import resolve_reference
from handlers.nlu.intent import IntentScorer
from handlers.nlu.lexicon import Lexicon
from handlers.nlu.numbers import LocationReader, blank, find_ticket
from handlers.nlu.record import ACTIONABLE, Parse, ParseContext
from handlers.nlu.second_opinion import SecondOpinion, UrgencyCheck
from handlers.nlu.settings import NluSettings
from handlers.nlu.summary import Summarizer
from handlers.nlu.text import clean

_CJK_OR_WORD = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]")
# an example given in quotes ("写清楚几幢几单元，比如“3幢2单元楼道灯坏了”")
_EXAMPLE = re.compile(r"(比如|例如|譬如|像|举个例子)[：:，, ]?[“\"「『][^”\"」』]{1,40}[”\"」』]")
# a turn from small talk to the point of a message
_TURN = re.compile(r"(就是|另外|对了|顺便|还有(个|一个|件)事|说个事|讲个事|讲一声|说一声|我反映|想反映)")
TURN_SURE = 0.8  # the rules alone, or
TURN_MODEL = 0.9  # the second opinion this sure it asks someone to act
_SCORE = re.compile(r"(?:打|给)\s*([1-5一二三四五])\s*分")


class Parser:
    """Reads one group-chat message. Build once, call `parse` per message."""

    def __init__(self, settings: NluSettings | None = None) -> None:
        self.settings = settings or NluSettings()
        self.lexicon = Lexicon(self.settings)
        self.scorer = IntentScorer(self.lexicon)
        self.locations = LocationReader(self.lexicon.building_suffixes,
                                        self.lexicon.building_aliases)
        self.summary = Summarizer(self.lexicon)
        self.second = SecondOpinion()
        self.urgency: UrgencyCheck | None = UrgencyCheck()

    def parse(self, text: str, ctx: ParseContext | None = None) -> Parse:
        p = Parse(text=text)
        c = clean(text, self.lexicon.unslang)
        if ctx is not None and ctx.quoted_text and c.quote is None:
            c.quote = clean(ctx.quoted_text, self.lexicon.unslang).text
        if not _CJK_OR_WORD.search(c.text):
            return self._no_words(p, c)
        ticket, span = find_ticket(c.text)
        quoted_ticket = find_ticket(c.quote)[0] if c.quote else None
        own = _EXAMPLE.sub(" ", blank(c.text, span))  # "比如“3幢楼道灯坏了”" is an example
        r = self.scorer.read(own, has_ticket=ticket is not None or quoted_ticket is not None,
                             has_quote=c.quote is not None, stars=c.stars, ironic=c.ironic)
        point = own  # what the second look reads: the point, after any small talk
        if ticket is None and quoted_ticket is None and c.quote is None:
            turn = self._point_after_pleasantries(own)
            if turn is not None:
                point = turn[1]
                r = turn[0] if r.intent == "chat" else r
        p.intent, p.confidence, p.urgent = r.intent, r.confidence, r.urgent
        if ticket is None and quoted_ticket is None and c.quote is None and not p.urgent:
            p.intent, p.confidence, p.maybe = self.second.recheck(point, p.intent, p.confidence, r)
        p.urgent = p.urgent or (r.danger and p.intent in ("report", "urge"))
        if p.urgent and self.urgency is not None and not self.urgency.still_urgent(own):
            p.urgent = False
        p.category, p.also = r.category, r.also
        p.ticket = ticket if ticket is not None else quoted_ticket
        self._locate(p, own, c.quote)
        if c.quote and p.category is None and p.intent in ("urge", "resolve", "rate"):
            p.category = self.scorer.read(c.quote, has_ticket=False, has_quote=False,
                                          stars=0, ironic=False).category
            p.category = None if p.category == "other" else p.category
        if p.intent == "rate":
            p.rating = self._rating(own, c.stars, c.emoji)
        p.place = self.summary.place(own, p)
        p.title = self.summary.title(own, p, r)
        if ctx is not None:
            resolve_reference(p, ctx, self.settings)
        return p

    def _point_after_pleasantries(self, text: str):
        """"早上好各位 今天太阳好 就是我们十一幢后面的阴沟又臭了": greetings and small talk
        first, the point after a turn ("就是", "另外", "对了"…). When the part after the
        turn is a sure report, need or offer: (its reading, that part); else None."""
        m = _TURN.search(text, 4)
        if m is None or len(text) - m.end() < 6:
            return None
        rest = text[m.end():]
        tail = self.scorer.read(rest, has_ticket=False, has_quote=False, stars=0, ironic=False)
        if tail.intent not in ACTIONABLE or tail.confidence < 0.5:
            return None
        if tail.confidence >= TURN_SURE or (self.second.p_actionable(rest) or 0.0) >= TURN_MODEL:
            return tail, rest
        return None

    def _no_words(self, p: Parse, c) -> Parse:
        """Empty, or only emoji: chat, unless it is a row of stars on a quoted ticket."""
        if c.stars and c.quote is not None:
            p.intent, p.rating = "rate", min(5, c.stars)
            p.ticket = find_ticket(c.quote)[0]
        elif c.stars:
            p.intent, p.rating = "rate", min(5, c.stars)
        p.confidence = 0.9
        p.title = "评价" if p.intent == "rate" else None
        return p

    def _locate(self, p: Parse, own: str, quote: str | None) -> None:
        loc = self.locations.read(own)
        if quote and loc.building is None and loc.unit is None and p.intent != "chat":
            q = self.locations.read(blank(quote, find_ticket(quote)[1]))
            loc.building, loc.unit = q.building, q.unit
            loc.room = loc.room or q.room
        p.building, p.unit, p.room = loc.building, loc.unit, loc.room

    def _rating(self, text: str, stars: int, emoji: list[str]) -> int | None:
        if stars:
            return min(5, stars)
        if m := _SCORE.search(text):
            return "一二三四五".find(m.group(1)) + 1 if not m.group(1).isdigit() else int(m.group(1))
        # stars beat words of judgement ("满意，五星" is 5); then the first, longest one
        found = [("星" not in w, text.find(w), -len(w), n)
                 for w, n in self.lexicon.stars.items() if w in text]
        return min(found)[3] if found else None
