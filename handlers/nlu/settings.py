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


class NluSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # above: the report becomes a ticket; between: ask once; below: silence
    ticket_threshold: float = 0.7
    confirm_threshold: float = 0.45
    # deployment lexicon extensions: extra words per category, place names, slang
    category_words: dict[str, list[str]] = Field(default_factory=dict)
    places: list[str] = Field(default_factory=list)
    llm: LlmSettings = Field(default_factory=LlmSettings)
