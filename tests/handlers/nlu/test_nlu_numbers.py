"""Buildings, units, rooms and ticket references; numbers that are none of them."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("text, building, unit, room", [
    ("十二幢二单元电梯一直响", "12", "2", None),
    ("二十三幢顶楼加盖了一层", "23", None, None),
    ("五栋三单元三零二楼上渗水", "5", "3", "302"),
    ("九幢二单元七零一卫生间漏水", "9", "2", "701"),
    ("7幢-2-1101 卫生间天花板往下滴水", "7", "2", "1101"),
    ("8-1-1203家里水压特别小", "8", "1", "1203"),
    ("１２幢２单元停电了", "12", "2", None),
    ("5撞3单元门口的路灯不亮", "5", "3", None),
    ("5幢102把阳台往外扩了一米多", "5", None, "102"),
    ("6幢3单元302室门口堆了垃圾", "6", "3", "302"),
    ("1202的狗一天到晚地叫", None, None, "1202"),
    ("B区5号楼楼下路灯不亮", "5", None, None),
    ("东区3幢电梯轿厢里一股尿骚味", "3", None, None),
    ("B座3单元的信报箱锁坏了", None, "3", None),
    ("A座电梯按了没反应", None, None, None),
    ("2座大堂的玻璃门碎了", "2", None, None),
])
def test_location(parser, text, building, unit, room):
    p = parser.parse(text)
    assert (p.building, p.unit, p.room) == (building, unit, room)


@pytest.mark.parametrize("text", [
    "本人会修水管，电话13857161234",
    "那个号码是0571-86012345，物业查一下",
    "明天8:30到下午4点停电",
    "车厘子5斤装168元，今晚12点截单",
    "物业费涨到2块8了",
    "2024年11月15日停水",
    "12号那天开始车库入口的灯就不亮了",
    "3号门那边的路灯坏了",
    "我家住3楼，3楼楼道的声控灯不亮",
    "两栋楼中间那条路的路灯坏了",
    "中央花园那两座凉亭顶上破了洞",
    "快递到了，尾号3456的",
    "有事打110",
    "本月共处理报修86起，满意率98%",
    "住了42户，其中60岁以上的老人有30多个",
])
def test_numbers_that_are_not_places(parser, text):
    p = parser.parse(text)
    assert (p.building, p.unit, p.room) == (None, None, None)


@pytest.mark.parametrize("text, ticket", [
    ("#12 怎么还没人来修？", 12),
    ("＃１２ 怎么还没人来修？", 12),
    ("12号工单都三天了", 12),
    ("工单27 催一下", 27),
    ("35号单子到底有没有人跟进", 35),
    ("工单号58 已派单维修完成", 58),
    ("工单#202 催办", 202),
    ("第41号工单，飞线充电那个", 41),
    ("上次报的漏水工单号是43", 43),
    ("#接龙 周六邻里节报名", None),
    ("我住3号楼", None),
    ("12号单元门口", None),
])
def test_ticket_reference(parser, text, ticket):
    assert parser.parse(text).ticket == ticket


def test_deployment_building_names_and_slang():
    from handlers.nlu import Parser
    from handlers.nlu.settings import NluSettings

    p = Parser(NluSettings(building_aliases={"A座": "1"}, building_suffixes=["号院"],
                           slang={"电t": "电梯"}, places=["老年食堂门口"]))
    assert p.parse("A座电t按了没反应").building == "1"
    assert p.parse("3号院的路灯不亮").building == "3"
    assert p.parse("A座电t坏了").category == "elevator"
    assert p.parse("老年食堂门口的灯不亮").place == "老年食堂门口"
