"""Optional second opinion from an OpenAI-compatible chat endpoint, for unsure messages.

Only messages whose local confidence falls in the confirmation band are sent, at most
`daily_budget` a calendar day (Asia/Shanghai). The answer must be one JSON object of
contract fields with contract values; anything else (endpoint down, timeout, HTTP
error, malformed JSON, an unknown field or value, budget spent) leaves the local
parse as it was. The local parser stays the default and the fallback.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

import aiohttp

from handlers.nlu.record import CATEGORIES, INTENTS, Parse
from handlers.nlu.settings import NluSettings

log = logging.getLogger(__name__)
SHANGHAI = ZoneInfo("Asia/Shanghai")
FIELDS = {"intent", "category", "also", "building", "unit", "room", "urgent", "ticket", "rating"}
SYSTEM_PROMPT = (
    "你是杭州社区治理群的消息分析器。只输出一个 JSON 对象，字段：intent（report/need/offer/"
    "urge/resolve/rate/chat 之一），category（elevator/lighting/water/sanitation/fire_safety/"
    "parking_traffic/illegal_construction/public_security/noise_dispute/market_food/greenery/"
    "facility/property_service/elderly_welfare/other 之一或 null），building、unit、room（阿拉伯"
    "数字字符串或 null），urgent（布尔，仅当人身或财产正处于危险），ticket（整数或 null）。"
    "通知、节日问候、感谢、闲聊、谈论其他小区都是 chat。不要输出其他字段或文字。"
)
_FENCE = re.compile(r"^```(?:json)?\s*|\s*```$")
_DIGITS = re.compile(r"^\d{1,6}$")


class Rejected(ValueError):
    """The endpoint's answer is not a valid contract record."""


class DailyBudget:
    """At most `limit` calls per calendar day in Asia/Shanghai."""

    def __init__(self, limit: int, clock: Callable[[], datetime] | None = None) -> None:
        self.limit = limit
        self.clock = clock or (lambda: datetime.now(SHANGHAI))
        self.day: date | None = None
        self.spent = 0

    def try_spend(self) -> bool:
        today = self.clock().astimezone(SHANGHAI).date()
        if today != self.day:
            self.day, self.spent = today, 0
        if self.spent >= self.limit:
            return False
        self.spent += 1
        return True


class LlmRefiner:
    """Holds the endpoint settings and the day's budget; `refine` is safe to await always."""

    def __init__(self, settings: NluSettings, clock: Callable[[], datetime] | None = None) -> None:
        self.settings = settings
        self.budget = DailyBudget(settings.llm.daily_budget, clock)

    def wants(self, parse: Parse) -> bool:
        s = self.settings
        return (s.llm.enabled and bool(parse.text.strip())
                and (s.confirm_threshold <= parse.confidence < s.ticket_threshold
                     or parse.maybe is not None))  # a doubted report is unsure too

    async def refine(self, parse: Parse, text: str,
                     session: aiohttp.ClientSession | None = None) -> Parse:
        if not self.wants(parse):
            return parse
        if not self.budget.try_spend():
            log.info("LLM budget of %d spent for today; local parse kept", self.budget.limit)
            return parse
        try:
            answer = await self._ask(text, session)
            return merge(parse, validate(answer), self.settings)
        except (TimeoutError, aiohttp.ClientError, Rejected) as e:
            log.warning("LLM refine failed (%s: %s); local parse kept", type(e).__name__, e)
            return parse

    async def _ask(self, text: str, session: aiohttp.ClientSession | None) -> str:
        llm = self.settings.llm
        key = llm.api_key or os.environ.get("GONGZHI_LLM_API_KEY", "")
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        body = {"model": llm.model, "temperature": 0,
                "messages": [{"role": "system", "content": SYSTEM_PROMPT},
                             {"role": "user", "content": text}]}
        timeout = aiohttp.ClientTimeout(total=llm.timeout_seconds)
        own = session is None
        session = session or aiohttp.ClientSession()
        try:
            async with session.post(endpoint(llm.url), json=body, headers=headers,
                                    timeout=timeout) as resp:
                resp.raise_for_status()
                data = await resp.json(content_type=None)
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise Rejected(f"response is not JSON: {e}") from None
        finally:
            if own:
                await session.close()
        try:
            return data["choices"][0]["message"]["content"]
        except (KeyError, IndexError, TypeError):
            raise Rejected("no choices[0].message.content in the response") from None


def endpoint(url: str) -> str:
    url = url.rstrip("/")
    return url if url.endswith("/chat/completions") else url + "/chat/completions"


def validate(content: str) -> dict:
    """The answer as a dict of contract fields, or Rejected."""
    try:
        record = json.loads(_FENCE.sub("", content.strip()))
    except (json.JSONDecodeError, AttributeError) as e:
        raise Rejected(f"content is not JSON: {e}") from None
    if not isinstance(record, dict):
        raise Rejected("content is not a JSON object")
    if unknown := set(record) - FIELDS:
        raise Rejected(f"fields outside the contract: {sorted(unknown)}")
    if record.get("intent") not in INTENTS:
        raise Rejected(f"unknown intent {record.get('intent')!r}")
    if record.get("category") not in (*CATEGORIES, None):
        raise Rejected(f"unknown category {record.get('category')!r}")
    for key in ("building", "unit", "room"):
        v = record.get(key)
        if v is not None and not (isinstance(v, str) and _DIGITS.match(v)):
            raise Rejected(f"{key} must be a string of digits or null, got {v!r}")
    if not isinstance(record.get("urgent", False), bool):
        raise Rejected("urgent must be a boolean")
    for key in ("ticket", "rating"):
        v = record.get(key)
        if v is not None and (isinstance(v, bool) or not isinstance(v, int)):
            raise Rejected(f"{key} must be an integer or null")
    also = record.get("also") or []
    if not isinstance(also, list) or any(c not in CATEGORIES for c in also):
        raise Rejected("also must be a list of category codes")
    return record


def merge(parse: Parse, record: dict, settings: NluSettings) -> Parse:
    """The local parse with the endpoint's reading; confident enough to act on."""
    fields = {k: record[k] for k in FIELDS if k in record}
    fields.setdefault("urgent", False)
    fields["also"] = fields.get("also") or []
    if fields.get("ticket") is None and parse.ticket is not None:
        fields["ticket"] = parse.ticket  # a number the text names is not the model's to drop
    merged = replace(parse, **fields, maybe=None)  # the endpoint settles a doubted report
    merged.confidence = max(parse.confidence, settings.ticket_threshold)
    return merged


async def refine(parse: Parse, text: str, settings: NluSettings,
                 session: aiohttp.ClientSession | None = None,
                 refiner: LlmRefiner | None = None) -> Parse:
    """One-shot form of LlmRefiner.refine (keep a LlmRefiner to keep the day's budget)."""
    return await (refiner or LlmRefiner(settings)).refine(parse, text, session)
