"""The default model, trained from the seed set so that the bot classifies out of the box.

Training it runs the full cross-validated hyperparameter search on the seed set (a few
seconds on two cores), so its metadata says truthfully how the hyperparameters were chosen.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from classifier.categories import load_categories
from classifier.dataset import data_sha256, load_seed
from classifier.errors import ModelError
from classifier.model import library_versions, read_metadata, save_model
from classifier.training import train

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SeedState:
    """What a current default model must have been built from."""

    seed_sha256: str
    category_ids: list[str]

    @classmethod
    def now(cls) -> SeedState:
        seed = load_seed()
        return cls(data_sha256(seed.examples()), [c.id for c in load_categories()])


def stale_reason(model_dir: Path, state: SeedState) -> str | None:
    """Why the model in ``model_dir`` must be (re)built from the seed set, or None."""
    try:
        meta = read_metadata(model_dir)
    except ModelError as exc:
        return str(exc)
    training = meta.get("training", {})
    if meta.get("categories", {}).get("ids") != state.category_ids:
        return "it was built for other categories"
    if training.get("seed_sha256") != state.seed_sha256:
        return "it was built from other seed data"
    if training.get("sources") == ["seed"] and meta.get("versions") != library_versions():
        return "it was built with other library versions"
    return None


def ensure_default_model(model_dir: str | Path, *, progress: bool = False) -> Path:
    """Return ``model_dir``, first training it from the seed set if it is missing or stale.

    Stale means built for other categories or from other seed data (or, for a seed-only
    model, with other library versions). A model trained with more data (``nuanxin train
    --data ... --include-reviewed``) is kept as long as it includes the current seed set.
    """
    model_dir = Path(model_dir)
    state = SeedState.now()
    reason = stale_reason(model_dir, state)
    if reason is None:
        return model_dir
    _warn_if_losing_data(model_dir)
    logger.info("training the default classifier model in %s: %s", model_dir, reason)
    report = train(load_seed(), progress=progress)
    save_model(report, model_dir, seed_sha256=state.seed_sha256, sources=["seed"])
    logger.info("default classifier model ready (%.1f s)", report.seconds)
    return model_dir


def _warn_if_losing_data(model_dir: Path) -> None:
    try:
        sources = read_metadata(model_dir).get("training", {}).get("sources", [])
    except ModelError:
        return
    extra = [s for s in sources if s != "seed"]
    if extra:
        logger.warning(
            "replacing the model in %s, which was also trained on %s: run `nuanxin train "
            "--include-reviewed` (and --data ...) again to add them back",
            model_dir,
            ", ".join(extra),
        )
