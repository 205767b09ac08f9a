"""A small logistic model that weighs the rules' scores and the character model together.

The rules give a score per intent, the naive Bayes second opinion a probability that the
message asks someone to act; which to trust depends on the message (how sure the rules
are, how long it is, whether it asks a question, whether a danger is named). Instead of
fixed thresholds, a logistic regression over those signals decides whether a message is
actionable. Its weights are trained offline by `scripts/nlu_stack.py` on the team's own
sets, with every signal computed as it would be on unseen wording (the character model
for each set trained without that set), and shipped in data/stack.json; the parser only
takes a dot product. No weights file: the fixed thresholds of `second_opinion` apply.
"""

from __future__ import annotations

import json
import logging
import math
from importlib import resources

from handlers.nlu.record import ACTIONABLE

log = logging.getLogger(__name__)

INTENTS = ("report", "need", "offer", "urge", "resolve", "rate", "chat")
NAMES = ([f"score_{i}" for i in INTENTS] + [f"share_{i}" for i in INTENTS]
         + ["model_logit", "danger", "log_length", "question", "rule_confidence", "rule_actionable"])


def signals(text: str, reading, p_actionable: float | None) -> list[float]:
    """The model's inputs for one message (`reading`: the rules' Reading)."""
    s = reading.scores
    total = sum(s.values()) or 1.0
    pa = 0.5 if p_actionable is None else min(max(p_actionable, 1e-4), 1 - 1e-4)
    return ([float(s.get(i, 0.0)) for i in INTENTS] + [s.get(i, 0.0) / total for i in INTENTS]
            + [math.log(pa / (1 - pa)), float(reading.danger), math.log(1 + len(text)),
               float(any(q in text for q in "?？吗")), float(reading.confidence),
               float(reading.intent in ACTIONABLE)])


class Stacker:
    def __init__(self, weights: dict) -> None:
        if weights["names"] != NAMES:
            raise ValueError("data/stack.json was trained on other signals: rerun scripts/nlu_stack.py")
        self.mean, self.scale = weights["mean"], weights["scale"]
        self.coef, self.bias = weights["coef"], weights["bias"]
        self.threshold = weights["threshold"]

    @classmethod
    def shipped(cls) -> Stacker | None:
        """The weights in data/stack.json; None (the fixed thresholds apply) when there are
        none or they were trained on other signals (a warning says to retrain)."""
        path = resources.files("handlers.nlu").joinpath("data/stack.json")
        if not path.is_file():
            return None
        try:
            return cls(json.loads(path.read_text("utf-8")))
        except ValueError as e:
            log.warning("%s; using the fixed thresholds meanwhile", e)
            return None

    def p_actionable(self, x: list[float]) -> float:
        z = self.bias + sum(c * (v - m) / s for c, v, m, s in zip(self.coef, x, self.mean, self.scale, strict=True))
        return 1 / (1 + math.exp(-max(-30.0, min(30.0, z))))
