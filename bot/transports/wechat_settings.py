"""Configuration of the WeChat transport ([wechat] in the TOML file).

The transport runs when both `token` and `endpoint` are set (or come from the
environment: GONGZHI_WECHAT_TOKEN, GONGZHI_WECHAT_ENDPOINT). Every other key has a
default meant for production; tests raise the rates and shorten the timeouts.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator

_HOST_PORT = re.compile(r"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):(\d{1,5})$")


class WechatSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: str = Field(default="", description="puppet service token; or GONGZHI_WECHAT_TOKEN")
    endpoint: str = Field(
        default="", description="host:port of the gateway; or GONGZHI_WECHAT_ENDPOINT")
    allow_remote_endpoint: bool = Field(
        default=False,
        description="the client speaks plain gRPC: allow an endpoint off loopback and private "
                    "networks only through a tunnel you trust")
    # Sending: well under what gets a WeChat account restricted.
    room_rate_per_minute: float = Field(default=10, gt=0)
    global_rate_per_minute: float = Field(default=20, gt=0)
    rate_burst: int = Field(default=3, ge=1, description="messages that may go out at once")
    max_text_chars: int = Field(default=1500, ge=100, le=4000,
                                description="longer texts are split on line boundaries")
    send_timeout_seconds: float = Field(default=30, gt=0)
    # Receiving and the connection.
    request_timeout_seconds: float = Field(default=15, gt=0)
    reconnect_min_seconds: float = Field(default=1, gt=0)
    reconnect_max_seconds: float = Field(default=60, gt=0)
    watchdog_seconds: float = Field(default=60, ge=0, description="ping interval; 0 disables")
    deliver_attempts: int = Field(default=5, ge=1)
    name_cache_seconds: float = Field(default=600, ge=0)

    @field_validator("endpoint")
    @classmethod
    def _host_and_port(cls, v: str) -> str:
        v = v.strip()
        if v and not _HOST_PORT.match(v):
            raise ValueError(f"expected host:port such as 127.0.0.1:8788, got {v!r}")
        return v

    @property
    def enabled(self) -> bool:
        """Whether `gongzhi run` should start the WeChat transport."""
        return bool(self.token and self.endpoint)

    def host_port(self) -> tuple[str, int]:
        m = _HOST_PORT.match(self.endpoint)
        if m is None:
            raise ValueError("wechat.endpoint is not set")
        return m.group(1).strip("[]"), int(m.group(2))
