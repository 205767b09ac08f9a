"""Benchmark helpers: a generated message set and timing loops (one core, no threads)."""

from __future__ import annotations

import random
import time

from handlers.nlu.parser import Parser

_WHERE = ["{b}幢", "{b}栋{u}单元", "{b}号楼", "东门", "地下车库", "中央花园", "{b}幢{u}单元{r}", ""]
_PROBLEMS = ["电梯又坏了", "楼道灯不亮", "水管漏水了", "垃圾好几天没人清", "有人飞线充电",
             "车子乱停把路堵了", "楼顶在搭违建", "装修噪音吵得睡不着", "门禁刷不开", "路面有个大坑",
             "树枝断了挂在半空", "下水道堵了", "电梯困人了快来人", "有陌生人在敲门推销"]
_TAILS = ["", "，麻烦物业派人看一下", "[捂脸]", "，都好几天了", "！！！", "，物业干什么吃的[发怒]"]
_OTHER = ["大家早上好[太阳]", "#{t} 怎么还没人来修？", "工单{t} 已处理完毕", "修得很快，五星[强]",
          "【停水通知】明天8:00-18:00停水，请提前储水", "谢谢物业", "能不能在车库装几个充电桩",
          "我是退休电工，有线路问题可以找我", "听说隔壁小区电梯困人上新闻了", "团购草莓 3斤68元 接龙",
          "喂那个我跟你说一下就是我们七幢一单元的电梯啊门关不上开开关关搞了好几次了你们派个人来看一下吧"]


def sample_messages(count: int, seed: int = 4) -> list[str]:
    """Varied messages built from templates (deterministic for a seed)."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        b, u, r, t = rng.randint(1, 30), rng.randint(1, 4), rng.choice([302, 1101, 502]), rng.randint(1, 300)
        if rng.random() < 0.6:
            text = rng.choice(_WHERE) + rng.choice(_PROBLEMS) + rng.choice(_TAILS)
        else:
            text = rng.choice(_OTHER)
        out.append(text.format(b=b, u=u, r=r, t=t))
    return out


def parse_rate(parser: Parser, texts: list[str], seconds: float = 2.0) -> tuple[float, float]:
    """(messages per second, seconds per message), repeating the set for ~`seconds`."""
    for text in texts[:200]:
        parser.parse(text)
    done, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        for text in texts:
            parser.parse(text)
        done += len(texts)
    elapsed = time.perf_counter() - t0
    return done / elapsed, elapsed / done


def jieba_rate(tokenizer, texts: list[str], seconds: float = 1.0) -> float:
    done, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        for text in texts:
            tokenizer.lcut(text)
        done += len(texts)
    return done / (time.perf_counter() - t0)
