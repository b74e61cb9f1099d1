"""Charts with Chinese labels: CJK font lookup (reusable, e.g. by the bot's /stats chart)
and the evaluation figure (confusion matrix and threshold sweep).

Matplotlib's default font has no Chinese glyphs; every chart that shows Chinese text must
use :func:`use_cjk_font` (process-wide) or :func:`cjk_rc` (inside ``matplotlib.rc_context``).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from classifier.metrics import OutOfFold

# Checked first, in order: the font the project installs, then other common CJK fonts.
CJK_FONT_FILES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/System/Library/Fonts/PingFang.ttc",
    "C:/Windows/Fonts/msyh.ttc",
)
CJK_FONT_FAMILIES = ("WenQuanYi Micro Hei", "Noto Sans CJK SC", "Source Han Sans SC", "SimHei")
DEBIAN_PACKAGE = "fonts-wqy-microhei"


class FontNotFoundError(RuntimeError):
    """No font with Chinese glyphs is installed."""


@functools.cache
def cjk_font_path(
    files: Sequence[str] = CJK_FONT_FILES, families: Sequence[str] = CJK_FONT_FAMILIES
) -> Path:
    """A font file with Chinese glyphs; raises :class:`FontNotFoundError` naming the fix.

    Tries the ``files`` first, then asks matplotlib for the ``families``.
    """
    for candidate in files:
        if Path(candidate).is_file():
            return Path(candidate)
    from matplotlib import font_manager

    for family in families:
        try:
            found = font_manager.findfont(family, fallback_to_default=False)
        except ValueError:
            continue
        return Path(found)
    raise FontNotFoundError(
        "no font with Chinese glyphs found for chart labels; install one, e.g. on Debian or "
        f"Ubuntu: sudo apt-get install {DEBIAN_PACKAGE}"
    )


@functools.cache
def cjk_font_name() -> str:
    """Register :func:`cjk_font_path` with matplotlib and return its family name."""
    from matplotlib import font_manager

    path = cjk_font_path()
    font_manager.fontManager.addfont(str(path))
    return str(font_manager.FontProperties(fname=str(path)).get_name())


def cjk_rc() -> dict[Any, Any]:
    """rcParams that make matplotlib draw Chinese text (for ``matplotlib.rc_context``)."""
    return {
        "font.family": "sans-serif",
        "font.sans-serif": [cjk_font_name(), "DejaVu Sans"],
        "axes.unicode_minus": False,
    }


def use_cjk_font() -> str:
    """Make every later matplotlib chart in this process draw Chinese; returns the family."""
    import matplotlib

    matplotlib.rcParams.update(cjk_rc())
    return cjk_font_name()


def plot_evaluation(
    oof: OutOfFold,
    threshold: float,
    path: str | Path,
    *,
    names: dict[str, str] | None = None,
    title: str = "",
) -> Path:
    """Draw the confusion matrix and the coverage/accuracy sweep into one PNG file.

    ``names`` maps category ids to display names (e.g. Chinese names).
    """
    import matplotlib
    from matplotlib.figure import Figure

    path = Path(path)
    with matplotlib.rc_context(cjk_rc()):
        figure = Figure(figsize=(13, 6), layout="constrained")
        left, right = figure.subplots(1, 2, width_ratios=[1.2, 1])
        labels = [(names or {}).get(c, c) for c in oof.classes]
        _confusion(figure, left, oof, labels)
        _sweep(right, oof, threshold)
        if title:
            figure.suptitle(title)
        figure.savefig(path, dpi=110)
    return path


def _confusion(figure: Any, ax: Any, oof: OutOfFold, labels: Sequence[str]) -> None:
    matrix = oof.confusion()
    image = ax.imshow(matrix, cmap="Blues")
    figure.colorbar(image, ax=ax, shrink=0.8)
    ticks = range(len(labels))
    ax.set_xticks(ticks, labels, rotation=45, ha="right")
    ax.set_yticks(ticks, labels)
    ax.set_xlabel("预测类别 predicted")
    ax.set_ylabel("真实类别 true")
    ax.set_title(f"混淆矩阵 confusion matrix (macro-F1 {oof.macro_f1:.3f})")
    strong = matrix.max() / 2
    for (i, j), value in np.ndenumerate(matrix):
        color = "white" if value > strong else "black"
        ax.text(j, i, str(value), ha="center", va="center", color=color, fontsize=8)


def _sweep(ax: Any, oof: OutOfFold, threshold: float) -> None:
    rows = oof.sweep()
    thresholds = [r.threshold for r in rows]
    ax.plot(thresholds, [r.coverage for r in rows], label="自动分类占比 coverage")
    ax.plot(thresholds, [r.accuracy for r in rows], label="自动分类准确率 accuracy")
    ax.axvline(threshold, color="grey", linestyle="--", label=f"阈值 threshold {threshold:.2f}")
    ax.set_xlabel("置信度阈值 confidence threshold")
    ax.set_ylim(0, 1.02)
    ax.set_title("低于阈值转人工分类 below the threshold: human review")
    ax.legend(loc="lower left")
    ax.grid(alpha=0.3)
