"""`gongzhi tickets`: what is in a database, as a table or JSON lines."""

from __future__ import annotations

import json

from rich.console import Console
from rich.table import Table

from handlers.domain import CATEGORY_LABEL, KIND_LABEL, STATUS_LABEL
from storage import db
from storage.repo import Repo


async def ticket_records(url: str) -> list[dict]:
    engine = db.create_engine(url)
    try:
        async with db.sessionmaker(engine)() as s:
            repo = Repo(s)
            rooms = {g.id: g.room_id or g.topic or g.key for g in await repo.groups()}
            out = []
            for t in await repo.tickets():
                out.append({
                    "room": rooms.get(t.group_id), "number": t.number, "kind": t.kind,
                    "category": t.category, "building": t.building, "unit": t.unit,
                    "room_no": t.room, "place": t.place, "title": t.title, "urgent": t.urgent,
                    "status": t.status, "owners": [o.name for o in t.owners],
                    "reporters": [r.name for r in t.reporters],
                    "source_ids": await repo.source_ids(t.id)})
            return out
    finally:
        await engine.dispose()


async def print_tickets(url: str, as_json: bool) -> None:
    records = await ticket_records(url)
    if as_json:
        for r in records:
            print(json.dumps(r, ensure_ascii=False))
        return
    table = Table(title=f"{len(records)} tickets")
    for col in ("群", "#", "类", "分类", "位置", "标题", "状态", "负责", "反映"):
        table.add_column(col)
    for r in records:
        where = "".join(filter(None, [r["building"] and f"{r['building']}幢",
                                      r["unit"] and f"{r['unit']}单元"])) or (r["place"] or "")
        table.add_row(str(r["room"]), str(r["number"]), KIND_LABEL[r["kind"]],
                      CATEGORY_LABEL.get(r["category"] or "", ""), where,
                      ("[red]【急】[/]" if r["urgent"] else "") + r["title"],
                      STATUS_LABEL[r["status"]], "、".join(r["owners"]), str(len(r["reporters"])))
    Console().print(table)
