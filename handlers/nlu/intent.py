"""Intent, category and urgency from lexicon matches: a hand-weighted linear scorer.

Each intent adds up the weights of its cue words found in the sender's own words;
report also counts the categories' "something is wrong" phrases. A few structural
rules sit on top (urging needs an earlier raising of the issue to refer to, a ticket
number turns a report into an urge, resolve cues under a negation do not count).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

from handlers.nlu.lexicon import Hit, Lexicon
from handlers.nlu.model import category_model

NEGATIONS = ("没", "未", "不", "没有", "还没", "别", "无")
QUESTION_AFTER = ("吗", "没", "?", "？", "了吗", "了没", "了？", "了?")
# "沟通过了，还是不理": a resolve cue that the next words take back
UNDONE_AFTER = ("都不", "也不", "还是", "还不", "没用", "不听", "不理", "照样", "依旧", "也没", "都没",
                "一个通宵", "一整夜", "一晚上", "一整天", "一夜")
# "处理得怎么样了": asks after the work, judges nothing
ASKED_AFTER = ("怎么样", "怎样", "如何", "咋样", "好了没", "好了吗")
TIE_ORDER = ("resolve", "rate", "urge", "offer", "need", "report", "chat")
CHAT_PRIOR = 1.0
WEAK_CHAT_CAP = 2.0
MODEL_MIN_P = 0.4  # without lexicon words, the model's guess must be at least this likely
MODEL_WEIGHT = 1.5  # the model's probability beside lexicon weights scaled to [0, 1] (by scripts/nlu_cv.py)
RUMOUR_SPAN = 12  # "听说…" / "隔壁小区…" near the start: talk about elsewhere
CANCEL_REACH = 16  # a word cancelling a danger ("上次", "没事") counts this near it
FRAME_SPAN = 6  # ... or anywhere when it opens the message ("那次地下室爆管…")
DANGER_WEIGHT = 3.0  # a danger word (lexicon [urgent]) counts as much as a strong report cue


@dataclass(slots=True)
class Reading:
    """What the scorer found in one message."""

    scores: dict[str, float]
    intent: str
    confidence: float
    category: str | None
    also: list[str] = field(default_factory=list)
    category_scores: dict[str, float] = field(default_factory=dict)
    urgent: bool = False
    cues: dict[str, list[Hit]] = field(default_factory=dict)
    danger: bool = False  # a danger here now, whatever the intent chosen


def _negated(text: str, hit: Hit) -> bool:
    before = text[max(0, hit.start - 3): hit.start]
    return any(before.endswith(n) for n in NEGATIONS) or "没" in before[-2:]


def _questioned(text: str, hit: Hit) -> bool:
    after = text[hit.end: hit.end + 2]
    return any(after.startswith(q) for q in QUESTION_AFTER)


def _followed(text: str, hit: Hit, words: tuple[str, ...], within: int) -> bool:
    after = text[hit.end: hit.end + within + 3]
    return any(w in after[:within + len(w)] for w in words)


def _sum(hits: list[Hit], label: str) -> float:
    return sum(w for h in hits for lab, w in h.labels if lab == label)


class IntentScorer:
    def __init__(self, lexicon: Lexicon) -> None:
        self.lex = lexicon
        self.model = category_model(lexicon.category_words)

    def read(self, text: str, *, has_ticket: bool, has_quote: bool, stars: int,
             ironic: bool) -> Reading:
        lex = self.lex
        cues = self._cues(text)
        cat_hits = lex.hits(text, "categories")
        cat_scores, problem = _category_scores(cat_hits)
        scores = {name: _sum(hits, name) for name, hits in cues.items()}
        weak_chat = sum(w for h in cues["chat"] for _, w in h.labels if w < 2)
        scores["chat"] -= max(0.0, weak_chat - WEAK_CHAT_CAP)  # "大家", "谢谢", "吗" add up little
        subject = max(cat_scores.values(), default=0.0)
        scores["report"] = self._report(scores["report"], problem, subject)
        danger = self._urgent(text)
        if danger:  # danger to people or property now is a problem to handle
            scores["report"] += DANGER_WEIGHT
        if scores["need"]:
            scores["need"] += min(subject, 4.0) * 0.5
        if not any(w in text for w in lex.first_person):
            scores["offer"] *= 0.6  # offers come from "我", "本人", "家里"
        referenced = has_ticket or has_quote or bool(lex.hits(text, "reference"))
        self._urge(scores, cues["urge"], referenced, has_ticket)
        if danger and not referenced:  # "到现在还没回来" about a person missing: a first report
            scores["urge"] *= 0.5
        self._rate(scores, cues["rate"], stars, ironic)
        rumour = any(h.start < RUMOUR_SPAN for h in lex.hits(text, "rumour"))
        elsewhere, here = self._asides(text, scores, cat_hits, danger)
        rumour = (rumour or elsewhere) and not here
        # "千万别开灯别打火" beside a gas smell is no hypothetical
        _settle(scores, stars, rumour, bool(lex.hits(text, "hypothetical")) and not danger)
        intent = self._choose(scores, has_ticket)
        category, also = self._category(text, intent, cat_scores, cat_hits)
        urgent = intent in ("report", "urge") and not rumour and danger  # a danger pressed on
        return Reading(scores, intent, _confidence(scores, intent), category, also,
                       dict(cat_scores), urgent, cues, danger and not rumour)

    def _asides(self, text: str, scores: dict[str, float], cat_hits: list[Hit],
                danger: bool) -> tuple[bool, bool]:
        """Kinds of message that explain cues away (lexicon [aside.*]). Returns whether
        one says the talk is about somewhere else, and whether one says it is about this
        estate after all (a comparison). A category's "something is wrong"
        phrase inside the aside's own words ("可以来摆摊") does not count as a problem."""
        rumour, here = False, False
        for name, aside in self.lex.asides.items():
            hits = self.lex.hits(text, f"aside:{name}")
            if (len(hits) < aside.min_hits or len(text) < aside.min_len
                    or min(h.start for h in hits) >= aside.span
                    or (aside.unless_problem
                        and _problem_outside(cat_hits, hits) >= aside.unless_problem)
                    or any(v in text for v in aside.veto)
                    or (aside.requires is not None and not aside.requires.search(text))
                    or (aside.unless_place and self.lex.hits(text, "places"))):
                continue
            if aside.unless_urgent and danger:
                continue
            for intent, factor in aside.mute.items():
                scores[intent] *= factor
            for intent, extra in aside.boost.items():
                scores[intent] += extra
            rumour = rumour or aside.rumour
            here = here or aside.cancel_rumour
        return rumour, here

    def _cues(self, text: str) -> dict[str, list[Hit]]:
        cues = {name: self.lex.hits(text, f"intent:{name}") for name in self.lex.intents}
        cues["resolve"] = [h for h in cues["resolve"]
                           if not _negated(text, h) and not _questioned(text, h)
                           and not _followed(text, h, UNDONE_AFTER, 8)]
        cues["rate"] = [h for h in cues["rate"]  # "不及时" is no praise; "不满意" stays
                        if (h.word[0] in "不没差" or not _negated(text, h))
                        and not _followed(text, h, ASKED_AFTER, 2)]
        return cues

    def _rate(self, scores: dict[str, float], hits: list[Hit], stars: int, ironic: bool) -> None:
        if stars or any(h.word in self.lex.stars and ("星" in h.word or "评" in h.word)
                        for h in hits):
            scores["rate"] += 3.0  # stars or a score: an explicit judgement
        scores["rate"] += 1.0 if ironic and scores["rate"] else 0.0

    @staticmethod
    def _urge(scores: dict[str, float], hits: list[Hit], referenced: bool, ticket: bool) -> None:
        """Urging presses on an issue raised before: without a reference, only phrases
        that imply one ("怎么还没", "催一下") count in full."""
        strong = sum(w for h in hits for _, w in h.labels if w >= 3)
        if not referenced:
            scores["urge"] = strong + 0.35 * (scores["urge"] - strong)
        elif scores["urge"]:
            scores["urge"] += 3.0 if strong else 1.5
            scores["report"] *= 0.6
        if ticket and scores["resolve"] < 3 and scores["rate"] < 3:
            scores["urge"] += 3.0

    @staticmethod
    def _report(cues: float, problem: float, subject: float) -> float:
        if problem == 0 and cues < 3:
            return 0.3 * min(subject, 6.0) + 0.3 * cues
        return cues * 0.6 + problem * 0.5 + min(subject, 6.0) * 0.4

    @staticmethod
    def _choose(scores: dict[str, float], has_ticket: bool) -> str:
        best = max(TIE_ORDER, key=lambda i: (scores[i], -TIE_ORDER.index(i)))
        if has_ticket and best in ("report", "need", "offer", "chat"):
            return max(("urge", "resolve", "rate"), key=lambda i: scores[i])
        return best

    def _category(self, text: str, intent: str, scores: dict[str, float], hits: list[Hit]):
        """Reports and needs: lexicon weights (scaled to the best) plus the character
        model's probability. Other intents: only a category the text names outright."""
        if intent == "chat":
            return None, []
        top = max(scores.values(), default=0.0)
        if intent not in ("report", "need"):
            return (max(scores, key=scores.get) if top >= 2.0 else None), []
        post = self.model.posterior(text)
        combined = {c: (scores.get(c, 0.0) / top if top else 0.0) + MODEL_WEIGHT * post.get(c, 0.0)
                    for c in set(scores) | set(post)}
        if not combined:
            return "other", []
        first = {}
        for h in hits:
            for cat, _ in h.labels:
                first.setdefault(cat, h.start)
        ranked = sorted(combined, key=lambda c: (-combined[c], first.get(c, len(text))))
        best = ranked[0]
        if top < 1.5 and post.get(best, 0.0) < MODEL_MIN_P:
            return "other", []
        also = [c for c in ranked[1:3]
                if scores.get(c, 0.0) >= 3.0 and combined[c] >= 0.75 * combined[best]]
        return best, also

    def _fallback(self, text: str, intent: str) -> str | None:
        """No lexicon word decides: the character model's guess, or "other"."""
        if intent not in ("report", "need"):
            return None
        if sum("\u4e00" <= c <= "\u9fff" for c in text) < 3:
            return "other"  # a word or two is no evidence of a kind
        guess, p = self.model.predict(text)
        return guess if guess and p >= MODEL_MIN_P else "other"

    def _urgent(self, text: str) -> bool:
        """A danger word not negated, with no word saying it is over, past, elsewhere or
        hypothetical near it ("以前的线老化了" far after "冒火星" does not cancel it)."""
        hits = [h for h in self.lex.hits(text, "urgent") if not _negated(text, h)]
        if not hits:
            return False
        if self.lex.hits(text, "urgent_confirm"):
            return True  # "有人烧纸没弄灭 火往车棚那边走了": still going on
        cancels = self.lex.hits(text, "urgent_cancel")
        if any(c.start < FRAME_SPAN for c in cancels):
            return False  # the whole message is framed as past, elsewhere or a notice
        return any(all(c.end < h.start - CANCEL_REACH or c.start > h.end + CANCEL_REACH
                       or (c.labels[0][0] == "before" and c.start >= h.start)
                       for c in cancels) for h in hits)


def _category_scores(hits: list[Hit]) -> tuple[dict[str, float], float]:
    """Weight per category, earlier mentions counting more; and the "something is
    wrong" evidence (strong phrases) they carry."""
    scores: dict[str, float] = defaultdict(float)
    problem = 0.0
    for h in hits:
        decay = 1.0 / (1.0 + h.start / 80.0)  # long messages name their topic early
        for cat, w in h.labels:
            scores[cat] += w * decay
            if w >= 3.0:
                problem += w
    return scores, problem


def _problem_outside(cat_hits: list[Hit], inside: list[Hit]) -> float:
    """Weight of the categories' strong phrases that no hit of `inside` covers."""
    return sum(w for h in cat_hits for _, w in h.labels
               if w >= 3.0 and not any(o.start <= h.start and h.end <= o.end for o in inside))


def _settle(scores: dict[str, float], stars: int, rumour: bool, hypothetical: bool) -> None:
    """Intents that explain away a report's words: done, judged, elsewhere, asked about."""
    if scores["resolve"] >= 3:
        scores["report"] *= 0.5
    if scores["rate"] >= 3:
        scores["resolve"] *= 0.5
    if scores["rate"] >= 6 or stars:
        scores["report"] *= 0.5
    if rumour:  # "听说隔壁小区…": talk about elsewhere (its fire put out is no resolve here)
        scores["report"] *= 0.2
        for intent in ("resolve", "rate", "urge"):
            scores[intent] *= 0.5
        scores["chat"] += 2.0
    if hypothetical:  # "电梯坏了一般找谁修": asks, reports nothing
        scores["report"] *= 0.4
    scores["chat"] += CHAT_PRIOR


def _confidence(scores: dict[str, float], intent: str) -> float:
    """Margin of the chosen intent over the runner-up, squashed into [0, 1]."""
    chosen = scores[intent]
    runner = max((v for k, v in scores.items() if k != intent), default=0.0)
    margin = chosen - runner
    return round(min(1.0, max(0.0, 0.5 + 0.5 * math.tanh(margin / 3.0))), 3)
