"""The digest's chart: new / resolved / open problems by category, as a PNG.

Rendered on the machine with matplotlib's Agg backend and the Noto Sans CJK font that
the `noto-cjk-sans-otc` package installs (a project dependency), so Chinese labels
never come out as empty boxes and nothing is downloaded.
"""

from __future__ import annotations

import functools
from pathlib import Path

from handlers.domain import CATEGORY_LABEL
from handlers.schedule.digest import WeekFigures, day_cn, rate_cn

FONT_FAMILY = "Noto Sans CJK SC"


@functools.cache
def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager
    from matplotlib import pyplot as plt
    from noto_cjk_sans_otc import FONT_PATH

    font_manager.fontManager.addfont(str(FONT_PATH))  # registers every face of the .ttc
    return plt


def font_path() -> Path:
    from noto_cjk_sans_otc import FONT_PATH

    return Path(str(FONT_PATH))


def render_chart(fig_data: WeekFigures, label: str, path: Path) -> Path:
    """Draw the week's bars into `path` (a .png) and return it."""
    plt = _pyplot()
    cats = sorted(set(fig_data.new) | set(fig_data.resolved) | set(fig_data.open),
                  key=lambda c: -(fig_data.new[c] + fig_data.resolved[c] + fig_data.open[c]))
    names = [CATEGORY_LABEL.get(c, c) for c in cats] or ["（无）"]
    series = [("新增", fig_data.new, "#4e79a7"), ("办结", fig_data.resolved, "#59a14f"),
              ("未结", fig_data.open, "#e15759")]
    with plt.rc_context({"font.family": FONT_FAMILY, "axes.unicode_minus": False}):
        fig, ax = plt.subplots(figsize=(7, 3.6), dpi=110)
        width = 0.26
        for i, (name, counts, color) in enumerate(series):
            xs = [x + (i - 1) * width for x in range(len(names))]
            ys = [counts[c] for c in cats] or [0]
            bars = ax.bar(xs, ys, width, label=name, color=color)
            ax.bar_label(bars, fmt="%d", fontsize=8)
        top = max([*fig_data.new.values(), *fig_data.resolved.values(), *fig_data.open.values(), 1])
        ax.set_ylim(0, top * 1.3 + 0.5)  # room for the legend above the bars
        ax.set_xticks(range(len(names)), names, rotation=20 if len(names) > 5 else 0)
        ax.set_ylabel("件数")
        ax.yaxis.get_major_locator().set_params(integer=True)
        last = fig_data.end.date().fromordinal(fig_data.end.date().toordinal() - 1)
        ax.set_title(f"{label}工单情况（{day_cn(fig_data.start)}—{last.month}月{last.day}日）")
        ax.legend(loc="upper center", ncol=3, fontsize=9, frameon=False)
        fig.text(0.5, 0.01, f"响应率 {rate_cn(fig_data.responded)}    "
                 f"解决率 {rate_cn(fig_data.solved)}    满意率 {rate_cn(fig_data.satisfied)}",
                 ha="center", fontsize=9)
        fig.tight_layout(rect=(0, 0.05, 1, 1))
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, format="png")
        plt.close(fig)
    return path
