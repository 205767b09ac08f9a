"""`gongzhi parse`, `gongzhi eval-nlu`, `gongzhi bench-nlu`: the parser from the shell.

Registered in bot/cli.py. stdout carries only results (JSON lines for `parse`);
logs go to stderr.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import tracemalloc

import click

from handlers.nlu import Parser
from handlers.nlu.bench import jieba_rate, parse_rate, sample_messages
from handlers.nlu.evaluate import failures, load, report_lines, score
from handlers.nlu.record import Parse


def _record(parser: Parser, line: str) -> dict:
    """One input line -> one output record (bad lines too, with an `error`)."""
    try:
        obj = json.loads(line)
    except json.JSONDecodeError:
        return parser.parse(line.rstrip("\r\n")).contract()  # a plain line of text
    if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
        record = Parse(text="").contract()
        record["error"] = "expected a JSON object with a string `text`"
        return record
    return parser.parse(obj["text"]).contract()


@click.command("parse")
def parse_cmd() -> None:
    """Read JSON lines with a `text` key on stdin; write one contract record per line."""
    parser = Parser()
    out = sys.stdout
    for line in sys.stdin:
        if not line.strip():
            record = Parse(text="").contract()
            record["error"] = "empty line"
        else:
            record = _record(parser, line)
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
    out.flush()


@click.command("eval-nlu")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--errors", is_flag=True, help="Also list the lines whose intent is wrong.")
def eval_nlu_cmd(path: str, errors: bool) -> None:
    """Score the parser on a labelled JSONL file; exit 1 when a figure misses its floor."""
    gold = load(path)
    parser = Parser()
    pred = [parser.parse(g["text"]).contract() for g in gold]
    figures = score(gold, pred)
    click.echo(f"{path}: {len(gold)} messages")
    for line in report_lines(figures):
        click.echo(line)
    if errors:
        for g, p in zip(gold, pred, strict=True):
            if g["intent"] != p["intent"]:
                click.echo(f"  {g['intent']} -> {p['intent']}: {g['text'][:60]!r}")
    failed = failures(figures)
    click.echo("all floors met" if not failed else f"below floor: {', '.join(failed)}")
    if failed:
        sys.exit(1)


@click.command("bench-nlu")
@click.option("--count", default=5000, show_default=True, help="Generated messages.")
@click.option("--file", "path", type=click.Path(exists=True, dir_okay=False),
              help="JSONL file whose `text` values to use instead of generated ones.")
@click.option("--seconds", default=2.0, show_default=True, help="How long to time parsing.")
def bench_nlu_cmd(count: int, path: str | None, seconds: float) -> None:
    """Messages per second on one core, start-up time and memory of the parser."""
    texts = [r["text"] for r in load(path)] if path else sample_messages(count)
    startup = _startup_seconds()
    t0 = time.perf_counter()
    parser = Parser()
    built = time.perf_counter() - t0
    t0 = time.perf_counter()
    tokenizer = parser.summary.tokenizer()
    segmenter = time.perf_counter() - t0
    tracemalloc.start()
    held_parser = Parser()
    held_parser.parse("5幢3单元楼道灯坏了")
    held, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rate, per = parse_rate(parser, texts, seconds)
    seg = jieba_rate(tokenizer, texts, seconds / 2)
    chars = sum(map(len, texts)) / max(1, len(texts))
    click.echo(f"messages                {len(texts)} (mean {chars:.0f} characters)")
    click.echo(f"start-up, fresh process {startup:.2f} s (import, build, first parse)")
    click.echo(f"build parser            {built * 1000:.0f} ms (lexicon, character model)")
    click.echo(f"load segmenter          {segmenter * 1000:.0f} ms (jieba dictionary, on first use)")
    click.echo(f"memory held by parser   {held / 2**20:.1f} MiB (tracemalloc), plus "
               f"{_jieba_mib():.0f} MiB resident for the jieba dictionary once loaded")
    click.echo(f"parse throughput        {rate:,.0f} messages/s on one core ({per * 1e6:.0f} µs each)")
    click.echo(f"jieba segmentation      {seg:,.0f} messages/s, same messages, same core")


def _jieba_mib() -> float:
    """Resident memory a fresh process gains by loading the jieba dictionary."""
    code = ("import jieba, logging; jieba.setLogLevel(logging.WARNING); t = jieba.Tokenizer()\n"
            "rss = lambda: int(open('/proc/self/statm').read().split()[1])\n"
            "a = rss(); t.initialize(); print(rss() - a)")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    return int(out.stdout.strip()) * 4096 / 2**20


def _startup_seconds() -> float:
    code = "from handlers.nlu import Parser; Parser().parse('3号楼电梯又坏了')"
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
    return time.perf_counter() - t0


if __name__ == "__main__":
    click.Group(commands=[parse_cmd, eval_nlu_cmd, bench_nlu_cmd])()
