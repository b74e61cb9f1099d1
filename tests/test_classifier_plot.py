"""Charts with Chinese labels: the CJK font lookup and the evaluation figure."""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import numpy as np
import pytest

from classifier.metrics import OutOfFold
from classifier.plotting import (
    DEBIAN_PACKAGE,
    FontNotFoundError,
    cjk_font_path,
    plot_evaluation,
    use_cjk_font,
)


def _font_or_skip() -> Path:
    try:
        return cjk_font_path()
    except FontNotFoundError as exc:
        pytest.skip(f"no CJK font installed ({exc})")


def test_missing_font_names_the_debian_package() -> None:
    with pytest.raises(FontNotFoundError) as caught:
        cjk_font_path((), ("No Such Font Family",))
    assert str(caught.value) == (
        "no font with Chinese glyphs found for chart labels; install one, e.g. on Debian or "
        f"Ubuntu: sudo apt-get install {DEBIAN_PACKAGE}"
    )


def test_plot_renders_chinese_labels_without_missing_glyphs(tmp_path: Path) -> None:
    _font_or_skip()
    classes = ["劳动权益保障", "关爱服务", "其他"]
    y_true = ["劳动权益保障", "关爱服务", "其他", "其他"]
    proba = np.array([[0.8, 0.1, 0.1], [0.2, 0.7, 0.1], [0.1, 0.3, 0.6], [0.5, 0.2, 0.3]])
    oof = OutOfFold(classes, y_true, proba, [0.8])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        path = plot_evaluation(oof, 0.55, tmp_path / "chart.png", title="建议分类 −1")
    assert [str(w.message) for w in caught if "missing from font" in str(w.message)] == []
    assert path.read_bytes()[:4] == b"\x89PNG"


def test_use_cjk_font_sets_matplotlib_defaults() -> None:
    font = _font_or_skip()
    import matplotlib
    from matplotlib.figure import Figure

    with matplotlib.rc_context():
        family = use_cjk_font()
        assert matplotlib.rcParams["font.sans-serif"][0] == family
        figure = Figure()
        figure.subplots().set_title("司机之家 15分钟服务圈")
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            figure.savefig(io.BytesIO(), format="png")
    assert font.is_file()
