"""Classifier data: categories file, seed set, user dictionary, tokenizer, CSV loading."""

from __future__ import annotations

import itertools
import pickle
import re
import tempfile
from collections import Counter
from pathlib import Path

import jieba
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.feature_extraction.text import TfidfVectorizer

from classifier.categories import load_categories
from classifier.charvec import CharNgramTfidf
from classifier.dataset import (
    MIN_PER_LABEL,
    SEED_FILE,
    USERDICT_FILE,
    Dataset,
    check_counts,
    check_labels,
    load_seed,
    read_csv,
)
from classifier.errors import DataError
from classifier.features import WordTokenizer, normalize_texts
from textnorm import Segmenter, normalize, read_userdict

DOMAIN = Path(__file__).resolve().parents[2] / "shared" / "DOMAIN.md"
EXPECTED_IDS = [
    "labor_rights",
    "social_insurance",
    "care_services",
    "traffic_access",
    "city_governance",
    "skills_career",
    "family_life",
    "other",
]
USERWORDS = ["职业伤害保障 5 n", "换电柜"]


def test_categories_load_with_the_domain_ids() -> None:
    categories = load_categories()
    assert [c.id for c in categories] == EXPECTED_IDS
    assert all(c.name_zh and c.name_en and c.description and c.routing for c in categories)


@pytest.mark.skipif(not DOMAIN.is_file(), reason="../shared/DOMAIN.md is not checked out here")
def test_categories_match_the_domain_brief_table() -> None:
    table = re.findall(r"^\| (\w+) \| (\S+) \|", DOMAIN.read_text(encoding="utf-8"), re.M)
    domain = {i: zh for i, zh in table if i != "id"}
    assert {c.id: c.name_zh for c in load_categories()} == domain


def test_categories_file_problems_are_all_reported(tmp_path: Path) -> None:
    path = tmp_path / "categories.yaml"
    path.write_text(
        "- {id: a, name_zh: 甲, name_en: A, description: d, routing: r}\n"
        "- {id: a, name_zh: 乙, name_en: B, description: d, routing: r}\n"
        "- {id: Bad-Id, name_zh: 丙, name_en: C, description: d}\n",
        encoding="utf-8",
    )
    with pytest.raises(DataError) as caught:
        load_categories(path)
    assert str(caught.value) == (
        f"{path}: item 3: routing: missing or empty\n"
        f"{path}: item 3: id: 'Bad-Id' must be lower_snake_case\n"
        f"{path}: id: 'a' appears more than once"
    )


def test_seed_set_has_enough_examples_of_every_category() -> None:
    counts = Counter(load_seed().labels)
    assert set(counts) == set(EXPECTED_IDS)
    assert min(counts.values()) >= 60
    assert sum(counts.values()) >= 500


def test_seed_set_has_no_duplicates_after_normalisation() -> None:
    texts = [normalize(t) for t in load_seed().texts]
    assert [t for t, n in Counter(texts).items() if n > 1] == []


def _bigrams(text: str) -> set[str]:
    text = re.sub(r"\W", "", normalize(text))
    return {text[i : i + 2] for i in range(len(text) - 1)} or {text}


def test_seed_set_has_no_near_duplicates() -> None:
    """No two texts share more than half of their character bigrams (e.g. one word swapped)."""
    grams = [(t, _bigrams(t)) for t in load_seed().texts]
    similar = [
        (a, b)
        for (a, ga), (b, gb) in itertools.combinations(grams, 2)
        if len(ga & gb) / len(ga | gb) > 0.5
    ]
    assert similar == []


def test_seed_file_is_plain_utf8_csv() -> None:
    assert SEED_FILE.read_bytes()[:10] == b"text,label"


@pytest.mark.parametrize("word", ["职业伤害保障", "司机之家", "换电柜", "众包", "跑单"])
def test_tokenizer_keeps_a_user_dictionary_word_whole(word: str) -> None:
    tokens = WordTokenizer.from_files()(normalize(f"我想问{word}的事"))
    assert word in tokens


@pytest.mark.parametrize("engine", ["jieba", "rjieba"])
def test_tokenizer_uses_its_own_dictionary_not_jieba_dt(engine: str) -> None:
    initialized, size = jieba.dt.initialized, len(jieba.dt.FREQ)
    tokenizer = WordTokenizer(USERWORDS, engine=engine)
    assert tokenizer("职业伤害保障怎么申请") == ["职业伤害保障", "怎么", "申请"]
    assert (jieba.dt.initialized, len(jieba.dt.FREQ)) == (initialized, size)
    assert "职业伤害保障" not in jieba.dt.FREQ


@pytest.mark.parametrize("engine", ["jieba", "rjieba"])
def test_tokenizer_survives_pickling(engine: str) -> None:
    tokenizer = WordTokenizer(USERWORDS, ["也"], engine=engine)
    copy = pickle.loads(pickle.dumps(tokenizer))
    text = normalize("站长天天罚款，申诉也没人理！换电柜老是没电")
    assert copy(text) == tokenizer(text)
    assert copy(text) == ["站长", "天天", "罚款", "申诉", "没", "人理", "换电柜", "老是", "没电"]
    assert len(pickle.dumps(tokenizer)) < 1_000  # the engine itself is never pickled


def test_tokenizer_drops_stopwords_and_punctuation() -> None:
    tokens = WordTokenizer.from_files()(normalize("我们的驿站是不是也有热水呢？"))
    assert tokens == ["驿站", "是不是", "有", "热水"]


def test_segmenter_keeps_its_original_signature() -> None:
    segmenter = Segmenter([USERDICT_FILE], False)
    assert segmenter.cut("ＡＰＰ里的“司机之家”在哪？") == [
        "app",
        "里",
        "的",
        "司机之家",
        "在",
        "哪",
    ]
    assert pickle.loads(pickle.dumps(segmenter)).cut("司机之家") == ["司机之家"]


def test_userdict_words_are_normalised() -> None:
    words = [w for w, _, _ in read_userdict(USERDICT_FILE)]
    assert words == [normalize(w) for w in words]
    assert "职业伤害保障" in words


def _write(tmp_path: Path, content: str | bytes, name: str = "data.csv") -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def test_read_csv_accepts_excel_bom_and_counts_lines(tmp_path: Path) -> None:
    path = _write(tmp_path, '\ufefftext,label\n超时罚款,labor_rights\n\n"两行\n文字",other\n')
    data = read_csv(path)
    assert data.examples() == [("超时罚款", "labor_rights"), ("两行\n文字", "other")]
    assert data.origins == [f"{path}:2", f"{path}:4"]


def test_read_csv_names_every_empty_cell(tmp_path: Path) -> None:
    path = _write(tmp_path, "text,label\n超时罚款,\n,other\n")
    with pytest.raises(DataError) as caught:
        read_csv(path)
    assert str(caught.value) == (
        f"{path}:2: label: empty; fill it in or delete the row\n"
        f"{path}:3: text: empty; fill it in or delete the row"
    )


def test_read_csv_of_a_file_that_is_not_text(tmp_path: Path) -> None:
    path = _write(tmp_path, b"text,label\n\xff\xfe\x00\x00,other\n")
    with pytest.raises(DataError) as caught:
        read_csv(path)
    assert str(caught.value).startswith(f"{path}:2: the file is not UTF-8 text; ")


def test_check_labels_maps_chinese_names_to_ids() -> None:
    data = Dataset.from_examples([("罚款", "劳动权益保障"), ("谢谢", "other")], "test")
    categories = load_categories()
    checked = check_labels(data, [c.id for c in categories], {c.name_zh: c.id for c in categories})
    assert checked.labels == ["labor_rights", "other"]


def test_check_counts_suggests_fewer_folds_when_that_is_enough() -> None:
    examples = [(f"文本{i}", "a") for i in range(20)] + [(f"句子{i}", "b") for i in range(9)]
    with pytest.raises(DataError) as caught:
        check_counts(Dataset.from_examples(examples, "x.csv"), folds=10)
    rows = ", ".join(f"x.csv item {i}" for i in range(21, 30))
    assert str(caught.value) == (
        f"label 'b' has only 9 example(s) ({rows}); 10-fold cross-validation needs at least "
        f"10 per label: add 1 more or use --folds 9"
    )
    assert MIN_PER_LABEL <= 9


@pytest.mark.parametrize(("ngram_range", "min_df"), [((1, 2), 1), ((1, 1), 1), ((2, 2), 2)])
def test_char_ngram_tfidf_equals_sklearn(ngram_range: tuple[int, int], min_df: int) -> None:
    texts = normalize_texts(load_seed().texts)
    train, test = [*texts[::2], "𠀋 emoji 🙂 and spaces"], texts[1::2]
    ours = CharNgramTfidf(ngram_range, min_df=min_df)
    reference = TfidfVectorizer(
        analyzer="char", ngram_range=ngram_range, min_df=min_df, lowercase=False, sublinear_tf=True
    )
    fitted = ours.fit_transform(train), reference.fit_transform(train)
    ours_names, reference_names = ours.get_feature_names_out(), reference.get_feature_names_out()
    assert sorted(ours_names) == sorted(reference_names)
    order, reference_order = np.argsort(ours_names), np.argsort(reference_names)
    for mine, theirs in (fitted, (ours.transform(test), reference.transform(test))):
        difference = mine[:, order] - theirs[:, reference_order]
        assert abs(difference).max() < 1e-12
    assert ours.transform([]).shape == (0, len(ours_names))


def test_char_ngram_tfidf_follows_the_estimator_contract() -> None:
    vectorizer = CharNgramTfidf((1, 2))
    assert clone(vectorizer).get_params() == {
        "min_df": 1,
        "ngram_range": (1, 2),
        "sublinear_tf": True,
    }
    with pytest.raises(NotFittedError):
        vectorizer.transform(["司机之家"])
    with pytest.raises(ValueError, match="ngram_range"):
        CharNgramTfidf((1, 3)).fit(["司机之家"])
    assert pickle.loads(pickle.dumps(vectorizer.fit(["司机之家"]))).transform(["司机"]).nnz == 3


@settings(max_examples=80, deadline=None)
@given(
    data=st.one_of(
        st.binary(max_size=300),
        st.text(max_size=300).map(str.encode),
        st.text(max_size=300).map(lambda body: ("text,label\n" + body).encode("utf-8")),
    )
)
def test_read_csv_raises_only_data_error_on_random_files(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "random.csv"
        path.write_bytes(data)
        try:
            read = read_csv(path)
        except DataError as exc:
            assert str(path) in str(exc)  # every message names the file
        else:
            assert all(text and label for text, label in read.examples())
