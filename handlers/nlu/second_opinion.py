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

VETO = 0.4  # chosen by leave-one-set-out figures on the team's sets (scripts/nlu_cv.py)
SURE = 0.95  # rules this sure are not overruled
RESCUE = 0.95
RESCUE_BELOW = 0.7  # only chat readings less sure than this can be rescued
RESCUED_CONFIDENCE = 0.6  # inside the default asking band (0.45–0.7)
HEAD = 200
OTHER_MIN = 3.0  # a vetoed report is urging, done or judged only on a strong cue for it


def train_actionable(rows: list[dict]) -> CharNaiveBayes:
    return CharNaiveBayes([("act" if r["intent"] in ACTIONABLE else "no", features(r["text"]))
                           for r in rows])


def actionable_model() -> CharNaiveBayes:
    return train_actionable(examples("intent_examples.jsonl"))


class SecondOpinion:
    def __init__(self) -> None:
        self.model = actionable_model()

    def p_actionable(self, text: str) -> float | None:
        post = self.model.posterior(text[:HEAD])  # what a message is about comes first
        return post.get("act") if post else None

    def review(self, text: str, intent: str, confidence: float,
               scores: dict[str, float] | None = None) -> tuple[str, float]:
        """The intent and confidence after the model's check. A vetoed report becomes
        the rules' best reading that asks nobody to act anew (urging, done, judged, chat)."""
        pa = self.p_actionable(text)
        if pa is None:
            return intent, confidence
        if intent in ACTIONABLE and confidence < SURE and pa < VETO:
            rest = {k: v for k, v in (scores or {}).items() if k not in ACTIONABLE}
            best = max(rest, key=rest.get) if rest else "chat"
            if best != "chat" and rest[best] < OTHER_MIN:
                best = "chat"
            return best, round(max(0.5, 1 - pa) * 0.8, 3)
        if intent == "chat" and confidence < RESCUE_BELOW and pa > RESCUE:
            return "report", RESCUED_CONFIDENCE
        return intent, confidence
