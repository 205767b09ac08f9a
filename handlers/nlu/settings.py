"""Configuration of message understanding ([nlu] in the TOML file)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class LlmSettings(BaseModel):
    """Optional OpenAI-compatible chat endpoint for the hardest messages."""

    model_config = ConfigDict(extra="forbid")

    url: str = ""
    model: str = ""
    api_key: str = Field(default="", description="may come from GONGZHI_LLM_API_KEY")
    timeout_seconds: float = 8.0
    daily_budget: int = 200

    @property
    def enabled(self) -> bool:
        return bool(self.url and self.model)


class NluSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # above: the report becomes a ticket; between: ask once; below: silence
    ticket_threshold: float = 0.7
    confirm_threshold: float = 0.45
    # deployment lexicon extensions (added to handlers/nlu/data/lexicon.toml):
    # extra words per category code, place names, slang/typo -> standard word
    category_words: dict[str, list[str]] = Field(default_factory=dict)
    places: list[str] = Field(default_factory=list)
    slang: dict[str, str] = Field(default_factory=dict)
    # extra cue words per intent code ("report", "urge", ...) and danger words
    intent_words: dict[str, list[str]] = Field(default_factory=dict)
    urgent_words: list[str] = Field(default_factory=list)
    # building naming: extra suffixes after a number ("号院"), whole names -> number
    building_suffixes: list[str] = Field(default_factory=list)
    building_aliases: dict[str, str] = Field(default_factory=dict)
    # implicit references: how long after an @mention an owner's "修好了" counts
    mention_window_hours: float = 24.0
    llm: LlmSettings = Field(default_factory=LlmSettings)
