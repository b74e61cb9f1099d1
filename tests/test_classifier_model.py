"""The trained model: predictions, the model directory, loading checks, the default model.

The seed model is trained once per session (full cross-validated search, a few seconds).
"""

from __future__ import annotations

import json
import shutil
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import clone

from classifier import (
    Classifier,
    ModelError,
    ModelVersionWarning,
    Prediction,
    ensure_default_model,
    load_categories,
    save_model,
    train,
)
from classifier.categories import CATEGORIES_FILE
from classifier.dataset import data_sha256, load_seed
from classifier.default import SeedState, stale_reason
from classifier.metrics import SweepRow, choose_threshold
from classifier.training import TrainReport

TEXTS = [
    "站长天天罚款，申诉也没人理",
    "送餐摔伤了，职业伤害保障怎么报销",
    "驿站晚上八点就关门了，夜班骑手喝不上热水",
    "小区保安不让电动车进，只能走进去送",
    "路口井盖丢了，晚上特别危险",
    "想考网约车人证，在哪报名培训",
    "孩子跟着来盘锦上学，没有房产证能入学吗",
    "谢谢你们，这个机器人很好用",
]
EXPECTED = [
    "labor_rights",
    "social_insurance",
    "care_services",
    "traffic_access",
    "city_governance",
    "skills_career",
    "family_life",
    "other",
]


@dataclass
class Trained:
    report: TrainReport
    model_dir: Path


@pytest.fixture(scope="session")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Trained:
    seed = load_seed()
    report = train(seed)
    model_dir = tmp_path_factory.mktemp("classifier") / "model"
    save_model(report, model_dir, seed_sha256=data_sha256(seed.examples()), sources=["seed"])
    return Trained(report, model_dir)


@pytest.fixture
def model_copy(trained: Trained, tmp_path: Path) -> Path:
    target = tmp_path / "model"
    shutil.copytree(trained.model_dir, target)
    return target


def test_model_directory_holds_the_artifact(trained: Trained) -> None:
    files = sorted(p.name for p in trained.model_dir.iterdir())
    assert files == [
        "categories.yaml",
        "metadata.json",
        "pipeline.joblib",
        "stopwords.txt",
        "userdict.txt",
    ]
    meta = json.loads((trained.model_dir / "metadata.json").read_text(encoding="utf-8"))
    assert set(meta) >= {"versions", "training", "cv", "hyperparameters", "threshold", "created"}
    assert meta["training"]["data_sha256"] == data_sha256(load_seed().examples())
    assert meta["hyperparameters"]["how"].startswith("chosen by GridSearchCV over 6 candidates")
    assert meta["threshold"]["value"] == trained.report.threshold
    assert (trained.model_dir / "categories.yaml").read_bytes() == CATEGORIES_FILE.read_bytes()


def test_model_predicts_the_seed_categories(trained: Trained) -> None:
    predictions = Classifier.load(trained.model_dir).predict_many(TEXTS)
    assert [p.category for p in predictions] == EXPECTED


def test_prediction_ranks_every_category(trained: Trained) -> None:
    prediction = Classifier.load(trained.model_dir).predict("站长天天罚款，申诉也没人理")
    assert isinstance(prediction, Prediction)
    assert sorted(c for c, _ in prediction.ranked) == sorted(EXPECTED)
    probabilities = [p for _, p in prediction.ranked]
    assert probabilities == sorted(probabilities, reverse=True)
    assert sum(probabilities) == pytest.approx(1.0)
    assert (prediction.category, prediction.confidence) == prediction.ranked[0]
    assert json.loads(json.dumps(prediction.as_dict()))["ranked"][0]["category"] == "labor_rights"


def test_pickle_round_trip_of_the_model_directory_keeps_predictions(
    trained: Trained, model_copy: Path
) -> None:
    loaded = Classifier.load(model_copy)
    expected = trained.report.pipeline.predict_proba(TEXTS)
    assert np.array_equal(loaded.pipeline.predict_proba(TEXTS), expected)
    assert loaded.threshold == trained.report.threshold


def test_model_saved_twice_replaces_the_old_directory(trained: Trained, model_copy: Path) -> None:
    (model_copy / "stale.txt").write_text("left over", encoding="utf-8")
    save_model(trained.report, model_copy)
    assert not (model_copy / "stale.txt").exists()
    assert [p.name for p in model_copy.parent.iterdir()] == ["model"]


def test_loading_refuses_a_model_built_for_other_categories(
    model_copy: Path, tmp_path: Path
) -> None:
    categories = tmp_path / "categories.yaml"
    extra = "- {id: housing, name_zh: 住房, name_en: Housing, description: d, routing: r}\n"
    categories.write_text(CATEGORIES_FILE.read_text(encoding="utf-8") + extra, encoding="utf-8")
    with pytest.raises(ModelError) as caught:
        Classifier.load(model_copy, categories_path=categories)
    assert str(caught.value) == (
        f"{model_copy} was built with a different categories file than {categories} "
        f"(added housing); retrain it with `nuanxin train --model-dir {model_copy}`"
    )


def test_loading_accepts_edited_names_and_uses_them(model_copy: Path, tmp_path: Path) -> None:
    categories = tmp_path / "categories.yaml"
    text = CATEGORIES_FILE.read_text(encoding="utf-8").replace("name_zh: 其他", "name_zh: 其它")
    categories.write_text(text, encoding="utf-8")
    loaded = Classifier.load(model_copy, categories_path=categories)
    assert loaded.category("other").name_zh == "其它"


def test_loading_warns_on_library_version_mismatch(model_copy: Path) -> None:
    path = model_copy / "metadata.json"
    meta = json.loads(path.read_text(encoding="utf-8"))
    meta["versions"]["scikit-learn"] = "0.24.2"
    path.write_text(json.dumps(meta), encoding="utf-8")
    with pytest.warns(ModelVersionWarning, match=r"scikit-learn 0\.24\.2 -> "):
        Classifier.load(model_copy)


def test_loading_a_missing_model_says_how_to_fix_it(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match=r"metadata\.json is missing"):
        Classifier.load(tmp_path / "nothing")


def test_text_below_the_threshold_goes_to_review(trained: Trained) -> None:
    loaded = Classifier.load(trained.model_dir)
    confident = loaded.predict("站长天天罚款，申诉也没人理")
    assert confident.confidence >= loaded.threshold and not confident.needs_review
    strict = Classifier(loaded.pipeline, loaded.categories, threshold=1.01)
    assert strict.predict("站长天天罚款，申诉也没人理").needs_review
    assert loaded.predict("？？？").needs_review  # no words at all
    vague = min(loaded.predict_many([*TEXTS, "嗯", "啥"]), key=lambda p: p.confidence)
    assert vague.needs_review == (vague.confidence < loaded.threshold)


def test_threshold_is_the_lowest_reaching_the_target_accuracy() -> None:
    sweep = [
        SweepRow(0.0, 1.0, 0.80, 100),
        SweepRow(0.5, 0.7, 0.88, 70),
        SweepRow(0.6, 0.6, 0.91, 60),
        SweepRow(0.7, 0.4, 0.95, 40),
        SweepRow(0.9, 0.1, 1.0, 10),
    ]
    assert choose_threshold(sweep, 0.9) == 0.6
    assert choose_threshold(sweep, 0.99) == 0.7  # unreachable at >= 20% coverage: most accurate


def test_threshold_comes_from_out_of_fold_predictions(trained: Trained) -> None:
    report = trained.report
    assert len(report.oof.y_true) == len(load_seed())
    routed = next(r for r in report.sweep if r.threshold == report.threshold)
    assert routed.accuracy >= report.target_accuracy
    assert 0.5 < report.oof.macro_f1 <= 1.0


def test_default_model_is_kept_when_current(trained: Trained, model_copy: Path) -> None:
    before = (model_copy / "pipeline.joblib").stat().st_mtime_ns
    assert ensure_default_model(model_copy) == model_copy
    assert (model_copy / "pipeline.joblib").stat().st_mtime_ns == before


def test_default_model_is_rebuilt_for_other_seed_data(model_copy: Path) -> None:
    state = SeedState.now()
    assert stale_reason(model_copy, state) is None
    other = SeedState("0" * 64, state.category_ids)
    assert stale_reason(model_copy, other) == "it was built from other seed data"
    fewer = SeedState(state.seed_sha256, state.category_ids[:-1])
    assert stale_reason(model_copy, fewer) == "it was built for other categories"


def test_train_accepts_a_custom_grid_and_chinese_labels() -> None:
    seed = load_seed()
    names = {c.id: c.name_zh for c in load_categories()}
    examples = [(t, names[label]) for t, label in seed.examples()]
    report = train(examples, grid={"clf__estimator__C": [0.5, 2.0]}, folds=3)
    assert [r["params"]["clf__estimator__C"] for r in report.search_results] == [0.5, 2.0]
    assert report.classes == sorted(EXPECTED)
    assert report.params["clf__estimator__C"] in (0.5, 2.0)


def test_fitted_pipeline_clones_for_the_sklearn_contract(trained: Trained) -> None:
    unfitted = clone(trained.report.pipeline)
    assert unfitted.get_params()["clf__estimator__C"] == trained.report.params["clf__estimator__C"]
    assert not hasattr(unfitted, "classes_")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        unfitted.set_params(features__chars__ngram_range=(1, 1))


def test_fast_probabilities_equal_the_pipeline(trained: Trained) -> None:
    import numpy as np

    from classifier import Classifier

    model = Classifier.load(trained.model_dir)
    texts = ["站长天天罚款，超时一分钟扣五十", "", "😀", "小区不让电动车进", "路上有坑"]
    assert np.allclose(model.predict_proba(texts), model.pipeline.predict_proba(texts))
