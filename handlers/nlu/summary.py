"""Place and title: short strings for lists and digests ("5幢3单元楼道灯不亮")."""

from __future__ import annotations

import logging
import re
import tempfile
import threading

import jieba

from handlers.nlu.intent import Reading
from handlers.nlu.lexicon import Lexicon, WordSet
from handlers.nlu.record import Parse

TITLE_MAX = 18
_CLAUSE = re.compile(r"[，。！？!?,;；、\n~～…]+")
_ZONE = re.compile(r"[A-Z东西南北]区$")
INTENT_LABEL = {"urge": "催办", "resolve": "办结", "rate": "评价"}


class Summarizer:
    """Finds the place named in a message and writes its title."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.lex = lexicon
        self.sides = WordSet({w: [("side", 1.0)] for w in lexicon.place_sides})
        self._tokenizer: jieba.Tokenizer | None = None
        self._lock = threading.Lock()

    def place(self, text: str, p: Parse) -> str | None:
        hits = self.lex.hits(text, "places")
        if not hits:
            return None
        first = min(hits, key=lambda h: (h.start, -(h.end - h.start)))
        start = first.start
        for side in self.sides.find(text[max(0, start - 2): start]):
            start = min(start, max(0, first.start - 2) + side.start)
        zone = _ZONE.search(text[:start])
        start = zone.start() if zone else start
        building = re.search(r"(\d+|[一二三四五六七八九十]+)\s*(号楼|幢|栋|座)的?$", text[:start])
        if building:
            start = building.start()
        return text[start:first.end].strip() or None

    def title(self, text: str, p: Parse, r: Reading) -> str:
        subject = self._subject(text, r)
        where = self._where(p, subject[0] if subject else "")
        if p.intent in INTENT_LABEL:
            ref = f" #{p.ticket}" if p.ticket is not None else ""
            about = f" {where}{subject[0]}" if subject else ""
            stars = f" ★{p.rating}" if p.rating else ""
            return f"{INTENT_LABEL[p.intent]}{ref}{about}{stars}"[:TITLE_MAX + 8]
        problem = self._problem(text, subject)
        if subject and (problem or p.intent != "report"):
            return (where + subject[0] + (problem or ""))[:TITLE_MAX]
        if p.intent == "chat":  # not listed anywhere: the first clause will do
            return next((c for c in _CLAUSE.split(text) if c.strip()), text)[:TITLE_MAX]
        return self._gist(text)

    @staticmethod
    def _where(p: Parse, subject: str) -> str:
        where = f"{p.building}幢" if p.building else ""
        where += f"{p.unit}单元" if p.unit else ""
        place = p.place or ""
        if where or not place or subject in place or place in subject:
            return where
        return place

    def _subject(self, text: str, r: Reading) -> tuple[str, int, int] | None:
        """The thing named: a noun of the category ("楼道灯"), else its longest phrase."""
        if r.category is None:
            return None
        words = self.lex.categories.words
        hits = [(w, h) for h in self.lex.hits(text, "categories") if h.word in words
                for c, w in h.labels if c == r.category and w >= 2]
        if not hits:
            return None
        nouns = [h for w, h in hits if w == 2] or [h for _, h in hits]
        best = max(nouns, key=lambda h: (h.end - h.start, -h.start))
        return best.word, best.start, best.end

    def _problem(self, text: str, subject: tuple[str, int, int] | None) -> str | None:
        """What is wrong with it: the first problem word after the subject, not inside it."""
        hits = self.lex.hits(text, "title_problems")
        if subject is not None:
            hits = [h for h in hits if h.start >= subject[2] or h.end <= subject[1]]
        if not hits:
            return None
        after = [h for h in hits if subject is None or h.start >= subject[2]] or hits
        return min(after, key=lambda h: (h.start, -(h.end - h.start))).word

    def _gist(self, text: str) -> str:
        """The first clause, fillers dropped, cut on a word boundary (jieba)."""
        clause = next((c for c in _CLAUSE.split(text) if c.strip()), text)
        out = ""
        for word in self.tokenizer().cut(clause):
            if word in self.lex.fillers or not word.strip():
                continue
            if len(out) + len(word) > TITLE_MAX:
                break
            out += word
        return out

    def tokenizer(self) -> jieba.Tokenizer:
        """A private jieba tokenizer with the lexicon's words, loaded on first use."""
        with self._lock:
            if self._tokenizer is None:
                self._tokenizer = make_tokenizer(self.lex.custom_words())
            return self._tokenizer


def make_tokenizer(words: list[str]) -> jieba.Tokenizer:
    jieba.setLogLevel(logging.WARNING)
    tok = jieba.Tokenizer()
    tok.tmp_dir = tempfile.gettempdir()  # jieba's dictionary cache; never the work tree
    tok.initialize()
    for w in words:
        tok.add_word(w, freq=2000)
    return tok
