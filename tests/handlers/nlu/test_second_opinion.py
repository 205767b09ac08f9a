"""The second opinion: trained on the project's own examples, it overrules unsure rules."""

from handlers.nlu.second_opinion import SecondOpinion

OPINION = SecondOpinion()


def test_sure_chat_vetoes_an_unsure_report_reading():
    intent, confidence = OPINION.review("大家早上好，今天天气真好[太阳]", "report", 0.8)
    assert intent == "chat" and confidence >= 0.5


def test_sure_rules_are_not_overruled():
    assert OPINION.review("大家早上好，今天天气真好[太阳]", "report", 0.99) == ("report", 0.99)


def test_unsure_chat_that_reads_like_a_problem_goes_to_the_asking_band():
    intent, confidence = OPINION.review("3幢楼道灯坏了好几天了，晚上黑乎乎的", "chat", 0.55)
    assert intent == "report" and 0.45 <= confidence < 0.7


def test_a_long_filler_tail_does_not_hide_a_clear_problem():
    from handlers.nlu import Parser

    p = Parser().parse("3幢电梯坏了，老人上不去。" + "我们这里的情况是这样的，" * 80)
    assert p.intent == "report" and p.building == "3"


def test_no_known_characters_no_opinion():
    assert OPINION.review("👍👍", "chat", 0.9) == ("chat", 0.9)
