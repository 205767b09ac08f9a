"""Tricky messages by kind: what residents really type."""

from __future__ import annotations

import pytest

from handlers.nlu.record import CATEGORIES, INTENTS


def intent_of(parser, text):
    return parser.parse(text).intent


@pytest.mark.parametrize("text, intent", [
    # notices and announcements are chat, reports of the same thing are not
    ("【停水通知】明天8:00-18:00东区停水，请提前储水", "chat"),
    ("通知：下周二电梯维保，暂停使用半天", "chat"),
    ("今天又停水了？也没看到通知啊，我们这边一滴水都没有", "report"),
    ("明天几点停水？", "chat"),
    # rumours about other estates and the news
    ("听说隔壁小区电梯困人上新闻了，吓死人", "chat"),
    ("网上说别的小区水管爆了，我们也注意点", "chat"),
    ("隔壁那个小区有人家里被偷了，大家锁好门", "chat"),
    # thanks is chat, a judgement of the work is rate
    ("谢谢物业", "chat"),
    ("辛苦了[抱拳]", "chat"),
    ("修得真快，五星[强]", "rate"),
    ("很满意，谢谢社区和物业的协调", "rate"),
    ("差评，修了等于没修", "rate"),
    ("修了三天才好，真是“高效”啊[微笑]", "rate"),
    # sarcasm about a problem now is a report
    ("电梯又又又坏了，物业真是太“给力”了[微笑]", "report"),
    ("电悌又坏了！物业干什么吃的[发怒]", "report"),
    # homophone typos and voice-to-text run-ons
    ("5幢3单元楼到灯坏了好几天了", "report"),
    ("喂那个我跟你说一下就是我们七幢一单元的电梯啊门关不上搞了好几次了你们派个人来看一下吧", "report"),
    # need, offer, urge, resolve
    ("能不能在车库装几个充电桩", "need"),
    ("能不能派人把东门的灯修一下", "report"),
    ("我是退休电工，有线路问题可以找我", "offer"),
    ("家里有个闲置轮椅，哪位老人需要可以借去用", "offer"),
    ("昨天说的那个漏水到现在还没人管", "urge"),
    ("电梯又坏了", "report"),
    ("灯已经亮了，修好了", "resolve"),
    ("还没修好", "urge"),  # a negated "修好" is not a resolve
    ("#12 还没修好", "urge"),
    # festival greetings and group buying
    ("祝大家中秋节快乐，阖家团圆🥮", "chat"),
    ("车厘子团购啦🍒 5斤装 168元 今晚12点截单 明天下午3幢楼下自提", "chat"),
])
def test_intent_by_kind(parser, text, intent):
    assert intent_of(parser, text) == intent


def test_urgent_only_for_danger_now(parser):
    assert parser.parse("电梯困人了！3号楼1单元，里面关了3个人").urgent is True
    assert parser.parse("楼道里一股烧焦的味道，还有烟，快来看看").urgent is True
    assert parser.parse("3号楼电梯坏了").urgent is False
    assert parser.parse("如遇电梯困人请不要惊慌，按警铃等待救援").urgent is False
    assert parser.parse("电梯困人的那位已经救出来了，人没事").urgent is False


def test_category_and_also(parser):
    p = parser.parse("北门那边下水道堵了，污水都冒到路上了，臭得要命")
    assert p.category in ("water", "sanitation")
    assert parser.parse("小区门口那家烧烤店油烟直接排到我们楼上").category == "market_food"
    assert parser.parse("谢谢物业").category is None


@pytest.mark.parametrize("text", ["", "   ", "[捂脸][捂脸]", "👍👍", "🙏", "。。。"])
def test_empty_and_emoji_only_are_chat(parser, text):
    p = parser.parse(text)
    assert (p.intent, p.category, p.building, p.ticket, p.urgent) == ("chat", None, None, None, False)


def test_stars_only_is_a_rating(parser):
    p = parser.parse("⭐⭐⭐⭐")
    assert (p.intent, p.rating) == ("rate", 4)
    assert parser.parse("#34 ⭐⭐⭐⭐⭐").rating == 5
    assert parser.parse("修得很快，给物业点赞，五星").rating == 5
    assert parser.parse("三星吧，修是修好了，就是拖得太久").rating == 3


def test_very_long_message_is_read_and_fields_stay_in_the_contract(parser):
    text = ("我跟你们讲啊楼上那家装修已经搞了三个多月了天天早上七点钟不到就开始敲敲打打" * 40
            + "我们是九幢三单元的")
    p = parser.parse(text)
    assert p.intent == "report" and p.category == "noise_dispute"
    assert (p.building, p.unit) == ("9", "3")
    assert p.intent in INTENTS and p.category in CATEGORIES
    assert 0.0 <= p.confidence <= 1.0
    assert len(p.title) <= 26


def test_quoted_reply_takes_ticket_and_place_from_the_quote(parser):
    p = parser.parse("「王阿姨：3幢电梯坏了」\n- - - - - - - - - - - - - - -\n修好了吗")
    assert (p.intent, p.category, p.building) == ("urge", "elevator", "3")
    p = parser.parse("「物业：#52 已办结，请评价」\n- - - - - - - - - - - - - - -\n还行吧，四星")
    assert (p.intent, p.ticket, p.rating) == ("rate", 52, 4)
    p = parser.parse("「物业小王：明天上午电梯维保，请大家错峰出行」\n- - - - -\n收到")
    assert p.intent == "chat"


def test_place_and_title(parser):
    p = parser.parse("台风过后3号楼西侧绿化带那棵大樟树有根粗树枝裂开了")
    assert p.place == "3号楼西侧绿化带"
    p = parser.parse("5幢3单元楼道灯坏了好几天了")
    assert p.title == "5幢3单元楼道灯坏了"
    assert parser.parse("东门那边路灯不亮了").place == "东门"
    assert parser.parse("地下车库的灯一半不亮").place == "地下车库"


def test_confidence_separates_clear_from_unsure(parser):
    clear = parser.parse("5幢2单元电梯困人了，快来人")
    unsure = parser.parse("电梯有点慢")
    assert clear.confidence >= parser.settings.ticket_threshold
    assert unsure.confidence < clear.confidence


def test_character_model_names_a_category_the_lexicon_lacks(parser):
    guess, p = parser.scorer.model.predict("电梯轿厢里的扶手松了")
    assert guess == "elevator" and 0.0 < p <= 1.0
    assert parser.scorer.model.predict("123 abc") == (None, 0.0)
    # when no lexicon word decides, the model's guess is used instead of "other"
    assert parser.scorer._fallback("篮球场的篮板歪了", "report") == "facility"
    assert parser.scorer._fallback("哦", "report") == "other"
    assert parser.scorer._fallback("篮球场的篮板歪了", "urge") is None
