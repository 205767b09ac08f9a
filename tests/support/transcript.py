"""A deterministic 200-message group transcript with its own answer key.

Each line carries `expect`: "chat", "report" (a new ticket), "pileon:<id>" (joins the
ticket of message <id>) or "command". The replay ignores the key; tests read it.
"""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOM = "幸福里小区共治群"
COORD = "张网格长"
ROLES = [("物业小王", "物业"), ("保安老陈", "物业保安队长"), ("周楼长", "楼道长 5幢,6幢"),
         ("吴警官", "社区民警"), ("城管小刘", "城管"), ("市监老赵", "市场监管"),
         ("孙交警", "交警"), ("钱主任", "居委会"), ("业委会老杨", "业委会")]

# (text, category, building) — one per distinct problem
REPORTS = [
    ("3幢电梯又坏了，老人上不去楼", "elevator", "3"),
    ("5幢2单元楼道灯不亮好几天了，晚上黑漆漆的", "lighting", "5"),
    ("7幢1单元地下室水管爆了，水一直往外冒", "water", "7"),
    ("东门口垃圾桶满了没人清，臭气熏天", "sanitation", None),
    ("消防通道被私家车堵住了，就在9幢后面", "fire_safety", "9"),
    ("有人在2幢楼道里给电瓶车充电，太危险了", "fire_safety", "2"),
    ("12幢楼顶有人在搭违章建筑，好几天了", "illegal_construction", "12"),
    ("小区里最近有陌生人挨家挨户推销，看着不像好人", "public_security", None),
    ("6幢楼上装修每天早上七点就开始电钻，吵死了", "noise_dispute", "6"),
    ("北门外面的烧烤摊油烟太大了，窗都不敢开", "market_food", None),
    ("中心花园那棵大树的树枝断了挂在半空，怕砸到人", "greenery", None),
    ("8幢门禁坏了，刷卡刷不开", "facility", "8"),
    ("物业费涨了也不公示，服务还越来越差", "property_service", None),
    ("11幢有位独居老人好几天没下楼了，大家留意一下", "elderly_welfare", "11"),
    ("10幢门口路面塌了一个坑，晚上骑车很危险", "facility", "10"),
    ("4幢电梯按钮失灵，按了没反应", "elevator", "4"),
    ("地下车库的灯坏了一大片，停车看不清", "lighting", None),
    ("1幢下水道堵了，污水漫到路上了", "water", "1"),
    ("14幢楼道里堆满了杂物，消防通道都堵了", "fire_safety", "14"),
    ("西门早高峰堵死了，车子进不来也出不去", "parking_traffic", None),
    ("15幢有人把一楼花园围起来占为己有了", "illegal_construction", "15"),
    ("13幢2单元好像有群租，每天进进出出十几个人", "public_security", "13"),
    ("小区门口新开的小吃店没有营业执照", "market_food", None),
    ("16幢旁边草坪上全是狗屎，没人清理", "sanitation", "16"),
    ("健身器材有一个坏了，小孩玩很危险", "facility", None),
    ("17幢单元门的闭门器坏了，门一直关不上", "facility", "17"),
    ("18幢楼下的路灯晚上不亮", "lighting", "18"),
    ("9幢3单元家里停水了，问了邻居也都没水", "water", "9"),
    ("19幢外墙瓷砖掉下来了，差点砸到人", "facility", "19"),
    ("20幢楼道里好多老鼠，晚上吱吱叫", "sanitation", "20"),
    ("快递柜旁边电瓶车乱停，路都走不通", "parking_traffic", None),
    ("广场舞音响太大声了，晚上九点多还在跳", "noise_dispute", None),
    ("2幢电梯里面困人了！快来人", "elevator", "2"),
    ("21幢楼道的声控灯坏了", "lighting", "21"),
    ("6幢门口的窨井盖没了，很危险", "facility", "6"),
    ("22幢楼下垃圾房好几天没清运了，苍蝇很多", "sanitation", "22"),
]
PILEONS = [(0, "3幢电梯还是不能用，我家也是住高层的"), (3, "东门垃圾确实好臭，快来清一下"),
           (19, "西门又堵死了，上班要迟到了")]

CHAT = [
    "大家早上好", "今天天气真好", "谢谢物业", "收到", "好的", "明天几点停水？", "[强][强][强]",
    "周末社区有义诊活动，欢迎大家参加", "端午节快乐！", "哈哈哈", "有没有人一起团购大米？",
    "今晚社区广场放电影，大家可以来看", "👍👍", "请问居委会几点上班？", "辛苦了",
    "楼下新开了一家面包店，味道不错", "转发：关于开展垃圾分类宣传的通知",
    "@张网格长 下周的会几点开？", "我孙子考上大学了，高兴", "大家注意防暑",
    "听说隔壁小区电梯出事了，真吓人", "物业的小王人挺好的", "好的谢谢", "晚安",
    "明天上午八点到十二点停电检修，请大家做好准备", "有谁家有多余的纸箱吗？搬家用",
    "社区老年大学开始报名了", "这个周末有雨，出门带伞", "[玫瑰][玫瑰]", "早",
]


def build(seed: int = 7, size: int = 200) -> list[dict]:
    rng = random.Random(seed)
    tz = ZoneInfo("Asia/Shanghai")
    t = datetime(2026, 3, 2, 7, 30, tzinfo=tz)
    lines: list[dict] = []

    def add(who: str, text: str, expect: str, **extra) -> str:
        nonlocal t
        t += timedelta(minutes=rng.randint(3, 40))
        mid = f"m{len(lines) + 1}"
        lines.append({"at": t.isoformat(), "room": ROOM, "from": who, "text": text, "id": mid,
                      "expect": expect, **extra})
        return mid

    add(COORD, "大家好，我是网格长，有问题可以在群里说", "chat")
    for member, role in ROLES:
        add(COORD, f"/角色 @{member} {role}", "command", mentions=[member])
    residents = ["王阿姨", "李大爷", "赵大姐", "刘师傅", "陈奶奶", "孙先生", "周阿姨", "吴大哥"]
    n_chat = size - len(lines) - len(REPORTS) - len(PILEONS)
    events: list[tuple[str, object]] = [("report", i) for i in range(len(REPORTS))]
    events += [("chat", rng.choice(CHAT)) for _ in range(n_chat)]
    rng.shuffle(events)
    report_ids: dict[int, str] = {}
    pending = dict(PILEONS)
    for kind, item in events:
        who = rng.choice(residents)
        if kind == "chat":
            add(who, item, "chat")
            continue
        report_ids[item] = add(who, REPORTS[item][0], "report", category=REPORTS[item][1],
                               building=REPORTS[item][2])
        if item in pending:  # a neighbour piles on soon after
            other = rng.choice([r for r in residents if r != who])
            add(other, pending.pop(item), f"pileon:{report_ids[item]}")
    return lines


def write(path: Path) -> None:
    with path.open("w", encoding="utf-8") as f:
        for line in build():
            f.write(json.dumps(line, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    write(Path(__file__).resolve().parents[1] / "data" / "transcript_200.jsonl")
