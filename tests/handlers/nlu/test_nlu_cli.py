"""`gongzhi parse`, `eval-nlu` and `bench-nlu` through click's test runner."""

from __future__ import annotations

import json

from click.testing import CliRunner

from bot.cli_nlu import bench_nlu_cmd, eval_nlu_cmd, parse_cmd
from tests.handlers.nlu.conftest import DATA


def test_parse_writes_one_record_per_input_line_in_order():
    lines = [json.dumps({"text": "5幢3单元楼道灯坏了"}, ensure_ascii=False),
             "3号楼电梯又停了",                     # a plain line is read as text
             json.dumps({"message": "no text key"}),
             "",
             json.dumps({"text": "#12 怎么还没人来修？"}, ensure_ascii=False)]
    result = CliRunner().invoke(parse_cmd, input="\n".join(lines) + "\n")
    assert result.exit_code == 0
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(out) == 5
    assert (out[0]["intent"], out[0]["building"], out[0]["unit"]) == ("report", "5", "3")
    assert out[0]["text"] == "5幢3单元楼道灯坏了"
    assert (out[1]["category"], out[1]["building"]) == ("elevator", "3")
    assert "error" in out[2] and "error" in out[3]
    assert (out[4]["intent"], out[4]["ticket"]) == ("urge", 12)
    assert "楼道灯" in result.stdout  # ensure_ascii=False


def test_eval_nlu_passes_on_the_dev_set():
    result = CliRunner().invoke(eval_nlu_cmd, [str(DATA / "nlu_dev.jsonl")])
    assert result.exit_code == 0, result.output
    assert "actionable_f1" in result.output and "FAIL" not in result.output
    assert "all floors met" in result.output


def test_eval_nlu_fails_when_a_floor_is_missed(tmp_path):
    wrong = tmp_path / "wrong.jsonl"
    rows = [{"text": "谢谢物业", "intent": "report", "category": "water", "building": None,
             "unit": None, "room": None, "urgent": True, "ticket": None}]
    wrong.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), "utf-8")
    result = CliRunner().invoke(eval_nlu_cmd, [str(wrong)])
    assert result.exit_code == 1
    assert "FAIL" in result.output and "below floor" in result.output


def test_bench_nlu_prints_its_figures():
    result = CliRunner().invoke(bench_nlu_cmd, ["--count", "50", "--seconds", "0.2"])
    assert result.exit_code == 0, result.output
    for figure in ("messages/s on one core", "start-up", "memory held", "jieba segmentation"):
        assert figure in result.output
