"""Load a knowledge folder: read every file, collect every problem, then build or raise."""

from __future__ import annotations

import os
from pathlib import Path

from knowledge.base import KnowledgeBase
from knowledge.faq import FaqEntry, FaqIndex
from knowledge.files import DEFAULT_MAX_BYTES, read_file
from knowledge.load_csv import read_stations
from knowledge.load_yaml import Link, read_faq, read_policy, read_synonyms
from knowledge.policies import Policy
from knowledge.problems import Problems, quote
from knowledge.retrieval import Synonyms
from knowledge.stations import Station

FAQ_FILE = "faq.yaml"
STATIONS_FILE = "stations.csv"
POLICIES_DIR = "policies"
SYNONYMS_FILE = "synonyms.yaml"


def sample_dir() -> Path:
    """The sample knowledge folder shipped with the package."""
    return Path(__file__).resolve().parent / "sample"


def policy_files(directory: Path) -> list[Path]:
    """The policy files in display order (by file name)."""
    folder = directory / POLICIES_DIR
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml"))


def _policies(directory: Path, max_bytes: int, problems: Problems) -> list[Policy]:
    policies: list[Policy] = []
    seen: dict[str, str] = {}
    for path in policy_files(directory):
        name = f"{POLICIES_DIR}/{path.name}"
        data = read_file(directory, path, name, max_bytes, problems)
        policy = None if data is None else read_policy(data, name, problems)
        if policy is None:
            continue
        if policy.id in seen:
            problems.add(
                name, 0, "id", f"duplicate id {quote(policy.id)} (also in {seen[policy.id]})"
            )
            continue
        seen[policy.id] = name
        policies.append(policy)
    return policies


def _check_links(links: list[Link], known: dict[str, set[str] | None], problems: Problems) -> None:
    """Report links to ids that do not exist; a kind whose file has problems is skipped
    (its ids are not all known, and the file's own problems say what to fix first)."""
    singular = {"stations": "station", "policies": "policy"}
    for link in links:
        ids = known.get(link.kind)
        if ids is not None and link.target not in ids:
            problems.add(
                link.file,
                link.line,
                link.field,
                f"no {singular[link.kind]} with id {quote(link.target)}",
            )


def load_knowledge(directory: Path | str, max_bytes: int = DEFAULT_MAX_BYTES) -> KnowledgeBase:
    """Read and validate a knowledge folder; ``KnowledgeError`` lists every problem.

    Only regular files inside the folder are read, each at most ``max_bytes`` long.
    """
    directory = Path(directory)
    problems = Problems()
    if not directory.is_dir():
        problems.add(str(directory), 0, "", "is not a folder")
        problems.raise_if_any()

    def read(name: str) -> bytes | None:
        return read_file(directory, directory / name, name, max_bytes, problems)

    links: list[Link] = []
    faq_data = read(FAQ_FILE)
    entries: list[FaqEntry] = []
    if faq_data is not None:
        entries = read_faq(faq_data, FAQ_FILE, problems, links)
    before = len(problems.items)
    stations_data = read(STATIONS_FILE)
    stations: list[Station] = []
    if stations_data is not None:
        stations = read_stations(stations_data, STATIONS_FILE, problems)
    stations_ok = len(problems.items) == before
    before = len(problems.items)
    policies = _policies(directory, max_bytes, problems)
    policies_ok = len(problems.items) == before
    synonyms = Synonyms()
    if os.path.lexists(directory / SYNONYMS_FILE):  # optional; a broken link is reported
        data = read(SYNONYMS_FILE)
        if data is not None:
            synonyms = read_synonyms(data, SYNONYMS_FILE, problems)
    known = {
        "stations": {s.id for s in stations} if stations_ok else None,
        "policies": {p.id for p in policies} if policies_ok else None,
    }
    _check_links(links, known, problems)
    problems.raise_if_any()
    faq = FaqIndex(entries, synonyms=synonyms)
    return KnowledgeBase.build(faq, stations, policies, directory)
