"""Import python-wechaty 0.10.7 on Python 3.11. Import `wechaty` only through this module.

Why the pins in pyproject.toml (found by trying it, issue 5):
- wechaty==0.10.7, wechaty-puppet==0.4.23, wechaty-puppet-service==0.8.10 and
  wechaty-grpc==0.20.19: the set found to import and talk to each other.
- betterproto==1.2.5: wechaty-grpc's generated code uses betterproto 1.x's
  `ServiceStub` API; betterproto 2 generates different code.
- grpclib==0.4.9: the puppet-service client sends the token by overwriting
  `Channel._authority`, a private attribute; this version has it.
- pyee<9: the client imports `AsyncIOEventEmitter` from the top level of `pyee`.
- urllib3<2: for the old `requests` usage in the client, as found by trying.
- Python < 3.13: the client imports `telnetlib`, removed in 3.13.

The one shim: `wechaty.WechatyOptions` is a dataclass with a `PuppetOptions()` instance
as a default. Python 3.11 rejects any default whose class is unhashable, and
`PuppetOptions` is a plain `@dataclass` (eq=True, so `__hash__ = None`). Giving it the
identity hash of `object` before `wechaty` is first imported restores 3.10's behaviour.
That shared default object is also why the transport passes its own `PuppetOptions`.

Side effects contained here too: importing `wechaty` creates a cache directory named
by $CACHE_DIR (default `.wechaty` in the working directory); we point it at a temp
directory unless the operator set one. Its loggers print to their own handlers at
INFO; we route them into ours at WARNING (or $WECHATY_LOG when set), and drop the
puppet-service client's warning that echoes the token on every connect.
"""

from __future__ import annotations

import logging
import os
import tempfile
import warnings

import wechaty_puppet.schemas.puppet as _puppet_schema


def apply_shim() -> None:
    """Make `PuppetOptions` hashable (by identity) so `wechaty` imports on 3.11."""
    if _puppet_schema.PuppetOptions.__hash__ is None:
        _puppet_schema.PuppetOptions.__hash__ = object.__hash__  # type: ignore[method-assign]


class _DropTokenEcho(logging.Filter):
    """PuppetService warns 'there are endpoint<…> and token<…>' with the secret in it."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "token<" not in record.getMessage()


apply_shim()
os.environ.setdefault("CACHE_DIR", os.path.join(tempfile.gettempdir(), "gongzhi-wechaty"))
with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)  # telnetlib, pkg_resources
    import wechaty  # noqa: E402
    import wechaty_puppet_service  # noqa: E402, F401  (wechaty imports it late; load it now)
    from wechaty import Wechaty, WechatyOptions  # noqa: E402
    from wechaty_puppet import MessageType, PuppetOptions, ScanStatus  # noqa: E402
    from wechaty_puppet.file_box import FileBox  # noqa: E402

_WECHATY_FORMAT = "%(asctime)s - %(name)s - %(levelname)s - %(message)s"


def _adopt_wechaty_loggers() -> None:
    """wechaty's get_logger gives each logger its own console handler; use ours instead."""
    level = logging.NOTSET if os.environ.get("WECHATY_LOG") else logging.WARNING
    for logger in list(logging.root.manager.loggerDict.values()):
        if isinstance(logger, logging.Logger) and not logger.propagate and any(
                getattr(h.formatter, "_fmt", "") == _WECHATY_FORMAT for h in logger.handlers):
            logger.handlers, logger.propagate = [], True
            logger.setLevel(level)


_adopt_wechaty_loggers()
logging.getLogger("PuppetService").addFilter(_DropTokenEcho())

__all__ = [
    "FileBox", "MessageType", "PuppetOptions", "ScanStatus", "Wechaty", "WechatyOptions",
    "apply_shim", "wechaty",
]
