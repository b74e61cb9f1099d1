"""Labelled examples: reading CSV files, validating labels, hashing the training data."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from classifier.errors import DataError

DATA_DIR = Path(__file__).with_name("data")
SEED_FILE = DATA_DIR / "seed.csv"
USERDICT_FILE = DATA_DIR / "userdict.txt"
STOPWORDS_FILE = DATA_DIR / "stopwords.txt"
MAX_LISTED = 10  # problems listed in one message before "... and N more"
# Fewest examples of a label that training accepts: each CV training part must still hold
# enough of them for the 3-fold probability calibration inside the model.
MIN_PER_LABEL = 8


@dataclass
class Dataset:
    """Texts with labels, and where each came from (``file:line``) for error messages."""

    texts: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    origins: list[str] = field(default_factory=list)

    @classmethod
    def from_examples(cls, examples: Iterable[tuple[str, str]], source: str) -> Dataset:
        """Wrap ``(text, label)`` pairs; origins read ``source item N``."""
        data = cls()
        for number, (text, label) in enumerate(examples, 1):
            data.append(str(text), str(label), f"{source} item {number}")
        return data

    def append(self, text: str, label: str, origin: str) -> None:
        self.texts.append(text)
        self.labels.append(label)
        self.origins.append(origin)

    def __len__(self) -> int:
        return len(self.texts)

    def __add__(self, other: Dataset) -> Dataset:
        return Dataset(
            self.texts + other.texts, self.labels + other.labels, self.origins + other.origins
        )

    def examples(self) -> list[tuple[str, str]]:
        return list(zip(self.texts, self.labels, strict=True))


def _decode(path: Path, raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        try:
            raw.decode("gb18030")
        except UnicodeDecodeError:
            hint = "the file is not UTF-8 text"
        else:
            hint = "the file is GBK-encoded (Excel's default “CSV” on Chinese Windows), not UTF-8"
        raise DataError(
            f"{path}:{line}: {hint}; open it in Excel and save as “CSV UTF-8 (逗号分隔)” "
            "(File → Save As → CSV UTF-8), then try again"
        ) from exc


def read_csv(path: str | Path, text_col: str = "text", label_col: str = "label") -> Dataset:
    """Read labelled texts from a UTF-8 CSV file with a header row.

    Raises :class:`DataError` for a missing or empty file, another encoding, missing columns
    and rows with an empty text or label; each message names the file, the row and the fix.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataError(f"{path}: cannot read the file ({exc.strerror})") from exc
    text = _decode(path, raw)
    if not text.strip():
        raise DataError(
            f"{path}: the file is empty; expected a header row "
            f"“{text_col},{label_col}” and one labelled text per row"
        )
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [name.strip() for name in next(reader)]
    missing = [col for col in (text_col, label_col) if col not in header]
    if missing:
        raise DataError(
            f"{path}:1: missing column(s) {', '.join(missing)} (found: {', '.join(header)}); "
            f"name the columns {text_col},{label_col} or choose others with --text-col/--label-col"
        )
    return _rows(
        path, reader, (text_col, header.index(text_col)), (label_col, header.index(label_col))
    )


def _rows(
    path: Path, reader: Any, text_col: tuple[str, int], label_col: tuple[str, int]
) -> Dataset:
    """The records of a ``csv.reader`` positioned after the header; blank lines skipped."""
    data, problems = Dataset(), []
    end = 1  # the line where the previous record ended
    for row in reader:
        start, end = end + 1, reader.line_num
        if not any(cell.strip() for cell in row):
            continue  # a blank line
        text, label = _cell(row, text_col[1]), _cell(row, label_col[1])
        if text and label:
            data.append(text, label, f"{path}:{start}")
        else:
            empty = text_col[0] if not text else label_col[0]
            problems.append(f"{path}:{start}: {empty}: empty; fill it in or delete the row")
    _raise_listed(problems)
    if not data:
        raise DataError(f"{path}: no rows under the header; add one labelled text per row")
    return data


def _cell(row: list[str], index: int) -> str:
    return row[index].strip() if index < len(row) else ""


def _raise_listed(problems: Sequence[str]) -> None:
    if not problems:
        return
    shown = list(problems[:MAX_LISTED])
    if len(problems) > MAX_LISTED:
        shown.append(f"... and {len(problems) - MAX_LISTED} more")
    raise DataError("\n".join(shown))


def check_labels(data: Dataset, ids: Sequence[str], aliases: Mapping[str, str]) -> Dataset:
    """Map every label to a category id (ids and ``aliases`` such as Chinese names accepted).

    Raises :class:`DataError` naming each row whose label is unknown.
    """
    known = {i: i for i in ids} | dict(aliases)
    problems = [
        f"{origin}: label: unknown category {label!r}; use one of {', '.join(ids)} "
        "(the ids in classifier/categories.yaml; their Chinese names work too)"
        for label, origin in zip(data.labels, data.origins, strict=True)
        if label not in known
    ]
    _raise_listed(problems)
    return Dataset(list(data.texts), [known[label] for label in data.labels], list(data.origins))


def check_counts(data: Dataset, folds: int) -> None:
    """Every label needs ``max(folds, MIN_PER_LABEL)`` examples for cross-validated training."""
    counts = Counter(data.labels)
    if len(counts) < 2:
        raise DataError(
            f"{_files(data.origins)}: only one label ({next(iter(counts), 'none')}); "
            "a classifier needs examples of at least two categories"
        )
    needed = max(folds, MIN_PER_LABEL)
    problems = []
    for label, count in sorted(counts.items()):
        if count >= needed:
            continue
        rows = ", ".join(
            o for o, lab in zip(data.origins, data.labels, strict=True) if lab == label
        )
        fix = f"add {needed - count} more"
        if count >= MIN_PER_LABEL:
            fix += f" or use --folds {count}"
        problems.append(
            f"label {label!r} has only {count} example(s) ({rows}); {folds}-fold "
            f"cross-validation needs at least {needed} per label: {fix}"
        )
    _raise_listed(problems)


def _files(origins: Sequence[str]) -> str:
    return ", ".join(sorted({o.rsplit(":", 1)[0] for o in origins})) or "the data"


def data_sha256(examples: Iterable[tuple[str, str]]) -> str:
    """A fingerprint of labelled examples (order-sensitive: it also fixes the CV splits)."""
    digest = hashlib.sha256()
    for text, label in examples:
        digest.update(json.dumps([text, label], ensure_ascii=False).encode("utf-8") + b"\n")
    return digest.hexdigest()


def file_sha256(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def load_seed(path: str | Path | None = None) -> Dataset:
    """The seed training set shipped with the package (``classifier/data/seed.csv``)."""
    return read_csv(path or SEED_FILE)


def read_wordlist(path: str | Path) -> list[str]:
    """Non-empty, non-comment lines of a UTF-8 word list."""
    lines = Path(path).read_text(encoding="utf-8-sig").splitlines()
    return [w.strip() for w in lines if w.strip() and not w.lstrip().startswith("#")]
