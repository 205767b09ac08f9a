"""A local file that keeps received messages while the database is unreachable.

The inbox is the first durable home of a message; when the database drops out, the
message goes here instead (appended and fsynced) and is fed back through the inbox as
soon as the database answers again, so nothing received is lost.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict
from datetime import datetime
from pathlib import Path

from bot.messages import Incoming, Person


def to_json(msg: Incoming) -> str:
    d = asdict(msg)
    d["at"] = msg.at.isoformat()
    return json.dumps(d, ensure_ascii=False)


def from_json(line: str) -> Incoming:
    d = json.loads(line)
    d["at"] = datetime.fromisoformat(d["at"])
    d["sender"] = Person(**d["sender"])
    d["mentions"] = tuple(Person(**p) for p in d["mentions"])
    return Incoming(**d)


class Spool:
    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)

    def put(self, msg: Incoming) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as f:
            f.write(to_json(msg) + "\n")
            f.flush()
            os.fsync(f.fileno())

    def __len__(self) -> int:
        if not self.path.exists():
            return 0
        with self.path.open(encoding="utf-8") as f:
            return sum(1 for line in f if line.strip())

    def take_all(self) -> list[Incoming]:
        """The spooled messages, oldest first; the file is emptied (a message that fails
        again is put back by the caller)."""
        if not self.path.exists():
            return []
        taking = self.path.with_suffix(self.path.suffix + ".taking")
        os.replace(self.path, taking)
        with taking.open(encoding="utf-8") as f:
            out = [from_json(line) for line in f if line.strip()]
        taking.unlink()
        return out
