"""The parser's lexicon: data/lexicon.toml plus a deployment's additions, compiled once."""

from __future__ import annotations

import re
import tomllib
from collections import defaultdict
from dataclasses import dataclass
from importlib import resources

from handlers.nlu.settings import NluSettings

WEIGHTS = {"strong": 3.0, "words": 2.0, "weak": 1.0}
PATTERN_WEIGHTS = {"patterns_strong": 3.0, "patterns": 2.0}


@dataclass(slots=True)
class Hit:
    """One lexicon match: where, what, and what it says (label -> weight)."""

    start: int
    end: int
    word: str
    labels: tuple[tuple[str, float], ...]


class WordSet:
    """Words (and optional regular expressions) each carrying labelled weights.

    `find` returns every match, overlapping ones included ("楼道灯坏了" gives 楼道灯,
    灯坏 and 灯): a dictionary probe per position and word length, indexed by first
    character, which is faster in CPython than one large regex alternation.
    """

    def __init__(self, words: dict[str, list[tuple[str, float]]], patterns=()) -> None:
        self.words = {w: tuple(ls) for w, ls in words.items() if w}
        self.patterns = [(re.compile(p), ls) for p, ls in patterns]
        lengths: dict[str, set[int]] = defaultdict(set)
        for w in self.words:
            lengths[w[0]].add(len(w))
        self.lengths = {c: sorted(ls) for c, ls in lengths.items()}

    def find(self, text: str) -> list[Hit]:
        hits, words, lengths, size = [], self.words, self.lengths, len(text)
        for i, c in enumerate(text):
            for n in lengths.get(c, ()):
                if i + n > size:
                    break
                w = text[i:i + n]
                if w in words:
                    hits.append(Hit(i, i + n, w, words[w]))
        for rx, labels in self.patterns:
            hits += [Hit(m.start(), m.end(), m.group(), labels) for m in rx.finditer(text)]
        return hits

    def __contains__(self, word: str) -> bool:
        return word in self.words


class MultiScanner:
    """All of a lexicon's word sets scanned in one pass; the last text's result is kept,
    so the scorer, the summary and the urgency check share one scan per message."""

    def __init__(self, sets: dict[str, WordSet]) -> None:
        merged: dict[str, list[tuple[str, tuple]]] = defaultdict(list)
        for name, ws in sets.items():
            for w, labels in ws.words.items():
                merged[w].append((name, labels))
        self.words = dict(merged)
        lengths: dict[str, set[int]] = defaultdict(set)
        for w in self.words:
            lengths[w[0]].add(len(w))
        self.lengths = {c: sorted(ls) for c, ls in lengths.items()}
        self.patterns = [(name, rx, labels) for name, ws in sets.items()
                         for rx, labels in ws.patterns]
        self._last: tuple[str | None, dict[str, list[Hit]]] = (None, {})

    def scan(self, text: str) -> dict[str, list[Hit]]:
        last_text, last = self._last
        if last_text == text:
            return last
        out: dict[str, list[Hit]] = defaultdict(list)
        words, lengths, size = self.words, self.lengths, len(text)
        for i, c in enumerate(text):
            for n in lengths.get(c, ()):
                if i + n > size:
                    break
                entries = words.get(text[i:i + n])
                if entries:
                    for name, labels in entries:
                        out[name].append(Hit(i, i + n, text[i:i + n], labels))
        for name, rx, labels in self.patterns:
            out[name] += [Hit(m.start(), m.end(), m.group(), labels) for m in rx.finditer(text)]
        self._last = (text, out)
        return out


@dataclass(slots=True)
class Aside:
    """A kind of message that explains away some intents' cues (data/lexicon.toml
    [aside.*]): talk about elsewhere, advice to neighbours, personal life, events...

    When it matches (`min_hits` matches, the first within `span` characters, the text at
    least `min_len` long, `requires` found if given, no `veto` word, and neither a
    category's "something is wrong" phrase, a danger word nor a named place present
    when `unless_problem` / `unless_urgent` / `unless_place`), each intent's score is
    multiplied by `mute[intent]`, then `boost[intent]` is added.
    """

    name: str
    words: WordSet
    mute: dict[str, float]
    boost: dict[str, float]
    span: int
    min_hits: int
    min_len: int
    unless_problem: float
    unless_urgent: bool
    unless_place: bool
    rumour: bool
    cancel_rumour: bool
    veto: tuple[str, ...]
    requires: re.Pattern | None

    def __init__(self, name: str, table: dict) -> None:
        self.name = name
        self.words = WordSet({w: [(name, 1.0)] for w in table.get("words", ())},
                             [(p, ((name, 1.0),)) for p in table.get("patterns", ())])
        self.mute = dict(table.get("mute", {}))
        self.boost = dict(table.get("boost", {}))
        self.span = int(table.get("span", 10_000))
        self.min_hits = max(1, int(table.get("min_hits", 1)))
        self.min_len = int(table.get("min_len", 0))
        # true: any strong phrase; a number: strong phrases weighing at least that much
        up = table.get("unless_problem", False)
        self.unless_problem = (3.0 if up is True else float(up or 0.0))
        self.unless_urgent = bool(table.get("unless_urgent", False))
        self.unless_place = bool(table.get("unless_place", False))
        self.rumour = bool(table.get("rumour", False))
        self.cancel_rumour = bool(table.get("cancel_rumour", False))
        self.veto = tuple(table.get("veto", ()))
        self.requires = re.compile(table["requires"]) if table.get("requires") else None


def _tiered(table: dict, label: str, into: dict, patterns: list) -> None:
    for tier, weight in WEIGHTS.items():
        for word in table.get(tier, ()):
            into[word].append((label, weight))
    for tier, weight in PATTERN_WEIGHTS.items():
        patterns += [(p, ((label, weight),)) for p in table.get(tier, ())]


def load_raw() -> dict:
    data = resources.files("handlers.nlu").joinpath("data/lexicon.toml").read_text("utf-8")
    return tomllib.loads(data)


class Lexicon:
    """Compiled lexicon for one deployment (defaults plus NluSettings additions)."""

    def __init__(self, settings: NluSettings | None = None) -> None:
        settings = settings or NluSettings()
        raw = load_raw()
        norm, loc = raw["normalize"], raw["location"]
        self.slang = {**norm["slang"], **settings.slang}
        self.fillers = frozenset(norm["fillers"])
        self.building_suffixes = list(
            dict.fromkeys(loc["building_suffixes"] + settings.building_suffixes))
        self.building_aliases = {**loc["building_aliases"], **settings.building_aliases}
        self.place_names = list(dict.fromkeys(loc["places"] + settings.places))
        self.place_sides = loc["place_sides"]
        self.categories = self._categories(raw["category"], settings.category_words)
        self.category_words = {
            cat: [*tiers.get("strong", ()), *tiers.get("words", ()), *settings.category_words.get(cat, ())]
            for cat, tiers in raw["category"].items()}
        self.intents = self._intents(raw["intent"], settings.intent_words)
        urge = raw["intent"]["urge"]
        self.reference = WordSet({w: [("ref", 1.0)] for w in urge["reference"]},
                                 [(p, (("ref", 1.0),)) for p in urge.get("reference_patterns", ())])
        self.stars: dict[str, int] = raw["intent"]["rate"]["stars"]
        self.rumour = WordSet({w: [("rumour", 1.0)] for w in raw["intent"]["chat"]["rumour"]},
                              [(r"隔壁.{0,4}小区|说隔壁", (("rumour", 1.0),))])
        self.asides = {name: Aside(name, table) for name, table in raw.get("aside", {}).items()}
        self.hypothetical = WordSet(
            {w: [("hypothetical", 1.0)] for w in raw["intent"]["chat"]["hypothetical"]})
        self.first_person = ("我", "本人", "家里", "俺", "咱")
        urgent = raw["urgent"]
        self.urgent = WordSet({w: [("urgent", 3.0)] for w in urgent["strong"] + settings.urgent_words},
                              [(p, (("urgent", 3.0),)) for p in urgent.get("patterns_strong", ())])
        self.urgent_confirm = WordSet({w: [("confirm", 1.0)] for w in urgent.get("confirm", ())},
                                      [(p, (("confirm", 1.0),)) for p in urgent.get("confirm_patterns", ())])
        self.urgent_cancel = WordSet({w: [("cancel", 1.0)] for w in urgent["cancel"]}
                                     | {w: [("before", 1.0)] for w in urgent.get("cancel_before", ())},
                                     [(p, (("cancel", 1.0),)) for p in urgent.get("cancel_patterns", ())])
        self.category_names = list(raw["category"])
        self.title_problems = WordSet({w: [("problem", 1.0)] for w in raw["summary"]["problems"]})
        self.places = WordSet({w: [("place", 1.0)] for w in self.place_names})
        self.scanner = MultiScanner({
            **{f"intent:{k}": v for k, v in self.intents.items()},
            "categories": self.categories, "reference": self.reference, "rumour": self.rumour,
            "hypothetical": self.hypothetical, "urgent": self.urgent,
            "urgent_cancel": self.urgent_cancel, "urgent_confirm": self.urgent_confirm, "places": self.places,
            "title_problems": self.title_problems,
            **{f"aside:{name}": a.words for name, a in self.asides.items()}})
        self._slang_rx = (re.compile("|".join(map(re.escape, sorted(self.slang, key=len, reverse=True))))
                          if self.slang else None)

    @staticmethod
    def _categories(table: dict, extra: dict[str, list[str]]) -> WordSet:
        words: dict[str, list] = defaultdict(list)
        patterns: list = []
        for cat, tiers in table.items():
            _tiered(tiers, cat, words, patterns)
        for cat, ws in extra.items():
            for w in ws:
                words[w].append((cat, WEIGHTS["strong"]))
        return WordSet(words, patterns)

    @staticmethod
    def _intents(table: dict, extra: dict[str, list[str]]) -> dict[str, WordSet]:
        sets = {}
        for intent, tiers in table.items():
            words: dict[str, list] = defaultdict(list)
            patterns: list = []
            _tiered(tiers, intent, words, patterns)
            for w in extra.get(intent, ()):
                words[w].append((intent, WEIGHTS["strong"]))
            sets[intent] = WordSet(words, patterns)
        return sets

    def hits(self, text: str, name: str) -> list[Hit]:
        """Matches of one word set ("categories", "intent:report", "urgent", ...)."""
        return self.scanner.scan(text).get(name, [])

    def unslang(self, text: str) -> str:
        if self._slang_rx is None:
            return text
        return self._slang_rx.sub(lambda m: self.slang[m.group()], text)

    def custom_words(self) -> list[str]:
        """Multi-character lexicon words, for the segmenter's user dictionary."""
        words = set(self.categories.words) | set(self.place_names)
        return sorted(w for w in words if len(w) >= 2 and not w.isascii())
