"""Configuration of the WeChat transport ([wechat] in the TOML file)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class WechatSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: str = Field(default="", description="puppet service token; or GONGZHI_WECHAT_TOKEN")
    endpoint: str = Field(default="", description="host:port of the gateway; or GONGZHI_WECHAT_ENDPOINT")
    allow_remote_endpoint: bool = False
    room_rate_per_minute: int = 10
    global_rate_per_minute: int = 30
