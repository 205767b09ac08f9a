"""A small character n-gram naive Bayes model: a second opinion on the category.

Trained when the parser is built (a few milliseconds) from examples written for this
project (data/category_examples.jsonl, never the shared dev set) and from the
lexicon's own category words, so a deployment's `category_words` teach it too.
"""

from __future__ import annotations

import json
import math
from collections import Counter, defaultdict
from importlib import resources

ALPHA = 0.1


def features(text: str) -> list[str]:
    """Chinese characters and character bigrams (digits, Latin and punctuation dropped)."""
    han = "".join(c for c in text if "\u4e00" <= c <= "\u9fff")
    return list(han) + [han[i:i + 2] for i in range(len(han) - 1)]


class CharNaiveBayes:
    def __init__(self, docs: list[tuple[str, list[str]]]) -> None:
        counts: dict[str, Counter] = defaultdict(Counter)
        prior: Counter = Counter()
        for label, feats in docs:
            prior[label] += 1
            counts[label].update(feats)
        vocab = {f for c in counts.values() for f in c}
        self.labels = sorted(counts)
        self.log_prior = {c: math.log(prior[c] / len(docs)) for c in self.labels}
        denom = {c: sum(counts[c].values()) + ALPHA * len(vocab) for c in self.labels}
        self.log_p = {c: {f: math.log((n + ALPHA) / denom[c]) for f, n in counts[c].items()}
                      for c in self.labels}
        self.log_unseen = {c: math.log(ALPHA / denom[c]) for c in self.labels}
        self.vocab = vocab

    def posterior(self, text: str) -> dict[str, float]:
        """Label -> probability, tempered by message length (empty if no known feature)."""
        feats = [f for f in features(text) if f in self.vocab]
        if not feats:
            return {}
        scores = {c: self.log_prior[c] + sum(self.log_p[c].get(f, self.log_unseen[c]) for f in feats)
                  for c in self.labels}
        temper = math.sqrt(len(feats))
        top = max(scores.values())
        weights = {c: math.exp((s - top) / temper) for c, s in scores.items()}
        total = sum(weights.values())
        return {c: w / total for c, w in weights.items()}

    def predict(self, text: str) -> tuple[str | None, float]:
        """The likeliest label and its probability; (None, 0) if there is no clue."""
        post = self.posterior(text)
        if not post:
            return None, 0.0
        best = max(post, key=post.get)
        return best, post[best]


def examples(name: str) -> list[dict]:
    """The rows of one of the package's example files (data/NAME)."""
    text = resources.files("handlers.nlu").joinpath(f"data/{name}").read_text("utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def train_category(rows: list[dict], lexicon_words: dict[str, list[str]]) -> CharNaiveBayes:
    docs = [(r["category"], features(r["text"])) for r in rows]
    for category, words in lexicon_words.items():
        docs += [(category, features(w) * 2) for w in words]
    return CharNaiveBayes(docs)


def category_model(lexicon_words: dict[str, list[str]]) -> CharNaiveBayes:
    return train_category(examples("category_examples.jsonl"), lexicon_words)
