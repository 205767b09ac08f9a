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

import numpy as np

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
        vocab = sorted({f for c in counts.values() for f in c})
        self.labels = sorted(counts)
        denom = np.array([sum(counts[c].values()) + ALPHA * len(vocab) for c in self.labels])
        # one row per feature, one column per label: log P(feature | label)
        self.index = {f: i for i, f in enumerate(vocab)}
        table = np.zeros((len(vocab), len(self.labels)))
        for j, c in enumerate(self.labels):
            rows = [self.index[f] for f in counts[c]]
            table[rows, j] = list(counts[c].values())
        self.log_p = np.log((table + ALPHA) / denom)
        self.log_prior = np.log(np.array([prior[c] for c in self.labels]) / len(docs))

    def posterior(self, text: str) -> dict[str, float]:
        """Label -> probability, tempered by message length (empty if no known feature)."""
        rows = [i for i in map(self.index.get, features(text)) if i is not None]
        if not rows:
            return {}
        scores = self.log_prior + self.log_p[rows].sum(axis=0)
        weights = np.exp((scores - scores.max()) / math.sqrt(len(rows)))
        weights /= weights.sum()
        return dict(zip(self.labels, weights.tolist(), strict=True))

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
