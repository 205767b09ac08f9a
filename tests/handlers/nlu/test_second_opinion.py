"""The second opinion: trained on the project's own examples, it overrules unsure rules."""

from handlers.nlu.second_opinion import SecondOpinion

OPINION = SecondOpinion()


def test_sure_chat_vetoes_an_unsure_report_reading():
    intent, confidence = OPINION.recheck("大家早上好，今天天气真好[太阳]", "report", 0.8)[:2]
    assert intent == "chat" and confidence >= 0.5


def test_sure_rules_are_not_overruled():
    assert OPINION.recheck("大家早上好，今天天气真好[太阳]", "report", 0.99)[:2] == ("report", 0.99)


def test_unsure_chat_that_reads_like_a_problem_goes_to_the_asking_band():
    intent, confidence = OPINION.recheck("3幢楼道灯坏了好几天了，晚上黑乎乎的", "chat", 0.55)[:2]
    assert intent == "report" and 0.45 <= confidence < 0.7


def test_a_long_filler_tail_does_not_hide_a_clear_problem():
    from handlers.nlu import Parser

    p = Parser().parse("3幢电梯坏了，老人上不去。" + "我们这里的情况是这样的，" * 80)
    assert p.intent == "report" and p.building == "3"


def test_no_known_characters_no_opinion():
    assert OPINION.recheck("👍👍", "chat", 0.9)[:2] == ("chat", 0.9)


def test_examples_hold_no_text_of_the_sets_kept_for_measuring():
    import json
    from pathlib import Path

    from handlers.nlu.model import examples

    data = Path(__file__).resolve().parents[2] / "data"
    kept = ["nlu_dev.jsonl"] + sorted(p.name for p in data.glob("nlu_unseen_*.jsonl")
                                      if p.name != "nlu_unseen_a.jsonl")
    assert len(kept) >= 6
    measured = {json.loads(line)["text"] for name in kept
                for line in (data / name).read_text(encoding="utf-8").splitlines() if line.strip()}
    learned = {r["text"] for name in ("intent_examples.jsonl", "category_examples.jsonl",
                                      "urgent_examples.jsonl") for r in examples(name)}
    assert not measured & learned


def test_a_vetoed_report_with_a_strong_urging_cue_is_urging(parser):
    p = parser.parse("我上次反映的车库漏水 到现在没人管 难道要等淹了车才来？")
    assert p.intent == "urge"


def test_stacked_decision_ships_weights_trained_only_on_the_teams_sets():
    from handlers.nlu.stack import NAMES, Stacker

    stacker = Stacker.shipped()
    assert stacker is not None and 0 < stacker.threshold < 1
    import json
    from importlib import resources
    shipped = json.loads(resources.files("handlers.nlu").joinpath("data/stack.json").read_text("utf-8"))
    assert shipped["names"] == NAMES and len(shipped["coef"]) == len(NAMES)
    assert not [n for n in shipped["trained_on"] if n == "nlu_dev.jsonl"
                or (n.startswith("nlu_unseen_") and n != "nlu_unseen_a.jsonl")]


def test_stacker_weighs_the_signals_it_was_given():
    from handlers.nlu.stack import NAMES, Stacker

    n = len(NAMES)
    coef = [0.0] * n
    coef[NAMES.index("model_logit")] = 2.0
    s = Stacker({"names": NAMES, "mean": [0.0] * n, "scale": [1.0] * n, "coef": coef,
                 "bias": 0.0, "threshold": 0.6})
    low, high = [0.0] * n, [0.0] * n
    low[NAMES.index("model_logit")], high[NAMES.index("model_logit")] = -2.0, 2.0
    assert s.p_actionable(low) < 0.1 < 0.9 < s.p_actionable(high)
    import pytest
    with pytest.raises(ValueError, match="nlu_stack.py"):
        Stacker({"names": NAMES[:-1], "mean": [], "scale": [], "coef": [], "bias": 0, "threshold": 0.6})


def test_a_doubted_report_is_chat_with_a_maybe(parser):
    p = parser.parse("垃圾桶满了")
    assert p.intent == "chat" and p.maybe == "report"
    assert "maybe" in p.contract() and "maybe" not in parser.parse("大家早上好").contract()


def test_urgency_check_keeps_a_danger_now():
    from handlers.nlu.second_opinion import UrgencyCheck

    check = UrgencyCheck()
    assert check.still_urgent("电梯困人了 里面有个老太太在喊救命 快来人")
    assert check.still_urgent("三楼楼道里冒黑烟 好大的烟味")
