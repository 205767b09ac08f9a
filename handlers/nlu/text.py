"""Text clean-up before matching: full-width forms, emoji, quoted replies, slang."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# full-width digits, Latin letters and a few signs -> ASCII; Chinese punctuation stays
_FULL = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F) if chr(c - 0xFEE0).isalnum()}
_FULL |= {ord("＃"): "#", ord("－"): "-", ord("．"): ".", ord("／"): "/", ord("　"): " "}
# WeChat emoji codes: [微笑] [捂脸] [强] ...
_EMOJI_CODE = re.compile(r"\[([\u4e00-\u9fffA-Za-z]{1,6})\]")
# pictographs and symbols (stars are kept: ⭐ and ★ are ratings)
_PICTO = re.compile(
    "[\U0001F000-\U0001FAFF\u2600-\u26FF\u2700-\u27BF\uFE0F\u200d\u2190-\u21FF\u2300-\u23FF]")
_STAR = re.compile("[⭐★]")
# a quoted reply as WeChat renders it: 「name：quoted」, a dashed line, the reply
_QUOTE = re.compile(r"^\s*「(?P<quote>.*?)」\s*\n\s*[-—－\s]{3,}\n(?P<reply>.*)$", re.S)
_SPEAKER = re.compile(r"^[^：:]{1,12}[：:]")
_SPACES = re.compile(r"\s+")

POSITIVE_EMOJI = frozenset({"强", "赞", "点赞", "庆祝", "鼓掌", "OK", "玫瑰", "爱心", "抱拳"})
IRONIC_EMOJI = frozenset({"微笑", "捂脸", "白眼", "旺柴", "发怒", "呲牙", "裂开"})


@dataclass(slots=True)
class Cleaned:
    """A message ready for matching, with what was taken out of it."""

    text: str  # the sender's own words, cleaned
    quote: str | None = None  # the quoted message, cleaned, speaker removed
    emoji: list[str] = field(default_factory=list)  # [code] names and pictographs found
    stars: int = 0  # ⭐ / ★ count

    @property
    def ironic(self) -> bool:
        return any(e in IRONIC_EMOJI for e in self.emoji)


def clean(text: str, unslang=lambda s: s) -> Cleaned:
    """Normalise one message. `unslang` maps typos and slang to lexicon words."""
    text = (text or "").translate(_FULL)
    quote = None
    if m := _QUOTE.match(text):
        quote, text = _SPEAKER.sub("", m.group("quote")).strip(), m.group("reply")
    emoji = _EMOJI_CODE.findall(text) + _PICTO.findall(text)
    stars = len(_STAR.findall(text))
    text = _PICTO.sub(" ", _EMOJI_CODE.sub(" ", text))
    text = _SPACES.sub(" ", text).strip()
    if quote is not None:
        quote = unslang(_SPACES.sub(" ", _EMOJI_CODE.sub(" ", quote)).strip())
    return Cleaned(unslang(text), quote, emoji, stars)
