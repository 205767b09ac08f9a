"""A second opinion on whether a message asks anyone to act (report, need, offer).

The rules (lexicon and intent scorer) read what they know well; on wording they have
never seen they can be fooled either way. A character naive Bayes model trained at
start-up on this project's own labelled messages (data/intent_examples.jsonl: written
for the project by several people, never the shared dev set) checks them:

- the rules call it actionable without being sure (< SURE), but the model is sure it
  is not (P < VETO): chat;
- the rules call it chat without conviction, but the model is sure it is actionable
  (P > RESCUE): a report in the asking band, so the bot asks before registering it.
"""

from __future__ import annotations

from handlers.nlu.model import CharNaiveBayes, examples, features
from handlers.nlu.record import ACTIONABLE
from handlers.nlu.stack import Stacker, signals

VETO = 0.4  # chosen by leave-one-set-out figures on the team's sets (scripts/nlu_cv.py)
SURE = 0.95  # rules this sure are not overruled
RESCUE = 0.95
RESCUE_BELOW = 0.7  # only chat readings less sure than this can be rescued
RESCUED_CONFIDENCE = 0.6  # inside the default asking band (0.45–0.7)
HEAD = 200
URGENT_VETO = 0.25  # chosen by leave-one-set-out figures (precision 0.84 → 0.89, recall kept)
MAYBE_FROM = 0.45  # a vetoed reading this likely stays a "maybe": the bot may ask about it
OTHER_MIN = 3.0  # a vetoed report is urging, done or judged only on a strong cue for it


def train_actionable(rows: list[dict]) -> CharNaiveBayes:
    return CharNaiveBayes([("act" if r["intent"] in ACTIONABLE else "no", features(r["text"]))
                           for r in rows])


def actionable_model() -> CharNaiveBayes:
    return train_actionable(examples("intent_examples.jsonl"))


class SecondOpinion:
    def __init__(self) -> None:
        self.model = actionable_model()
        self.stacker = Stacker.shipped()

    def p_actionable(self, text: str) -> float | None:
        post = self.model.posterior(text[:HEAD])  # what a message is about comes first
        return post.get("act") if post else None

    def recheck(self, text: str, intent: str, confidence: float,
                reading=None) -> tuple[str, float, str | None]:
        """The intent and confidence after the second look. A vetoed report becomes the
        rules' best reading that asks nobody to act anew (urging, done, judged) when that
        has a strong cue, else chat; a rescued message becomes the rules' best actionable
        reading in the asking band (the bot asks before registering it). The third value
        is a vetoed actionable reading that was not unlikely (a "maybe"), else None."""
        pa = self.p_actionable(text)
        if pa is None:
            return intent, confidence, None
        scores = reading.scores if reading is not None else {}
        if self.stacker is not None and reading is not None:
            p = self.stacker.p_actionable(signals(text, reading, pa))
            veto = intent in ACTIONABLE and p < self.stacker.threshold
            rescue = intent not in ACTIONABLE and p >= self.stacker.threshold
        else:
            p = pa
            veto = intent in ACTIONABLE and confidence < SURE and pa < VETO
            rescue = intent == "chat" and confidence < RESCUE_BELOW and pa > RESCUE
        if veto:
            rest = {k: v for k, v in scores.items() if k not in ACTIONABLE}
            best = max(rest, key=rest.get) if rest else "chat"
            if best != "chat" and rest[best] < OTHER_MIN:
                best = "chat"
            maybe = intent if best == "chat" and p >= MAYBE_FROM else None
            return best, round(max(0.5, 1 - p) * 0.8, 3), maybe
        if rescue:
            acts = {k: v for k, v in scores.items() if k in ACTIONABLE and v > 0}
            return (max(acts, key=acts.get) if acts else "report"), RESCUED_CONFIDENCE, None
        return intent, confidence, None


class UrgencyCheck:
    """A second look at a danger the rules found: a character naive Bayes model trained on
    the messages the rules call urgent in the team's sets (data/urgent_examples.jsonl),
    labelled with whether they are (a danger word in a story of last year, a figure of
    speech, advice…). Below URGENT_VETO the message is not urgent after all."""

    def __init__(self) -> None:
        rows = examples("urgent_examples.jsonl")
        self.model = CharNaiveBayes([("u" if r["urgent"] else "n", features(r["text"])) for r in rows])

    def still_urgent(self, text: str) -> bool:
        post = self.model.posterior(text[:HEAD])
        return not post or post.get("u", 1.0) >= URGENT_VETO
