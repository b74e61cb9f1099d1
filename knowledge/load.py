"""Load a knowledge folder: read every file, collect every problem, then build or raise."""

from __future__ import annotations

import os
from collections.abc import Callable, Collection
from pathlib import Path

from classifier import load_categories
from knowledge.base import KnowledgeBase
from knowledge.districts import Districts
from knowledge.faq import FaqEntry, FaqIndex
from knowledge.files import DEFAULT_MAX_BYTES, read_file
from knowledge.intents import Intents, read_intents
from knowledge.load_csv import read_stations
from knowledge.load_routing import read_districts, read_routing
from knowledge.load_yaml import Link, read_faq, read_policy, read_synonyms
from knowledge.policies import Policy
from knowledge.problems import Problems, quote
from knowledge.retrieval import Synonyms
from knowledge.routing import Routing
from knowledge.stations import Station

FAQ_FILE = "faq.yaml"
STATIONS_FILE = "stations.csv"
POLICIES_DIR = "policies"
SYNONYMS_FILE = "synonyms.yaml"
ROUTING_FILE = "routing.yaml"
DISTRICTS_FILE = "districts.yaml"
INTENTS_FILE = "intents.yaml"


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


def _places(
    read: Callable[[str], bytes | None], problems: Problems, station_districts: list[str] | None
) -> tuple[Routing, Districts]:
    """The optional districts and routing files (``read`` gives None for an absent one).

    A rule's districts are checked against the districts file, or without one against the
    stations' districts; not at all when that file has problems (they come first).
    """
    before = len(problems.items)
    data = read(DISTRICTS_FILE)
    districts = Districts.empty()
    if data is not None:
        districts = read_districts(data, DISTRICTS_FILE, problems)
    names: Collection[str] | None = districts.names if data is not None else station_districts
    if len(problems.items) > before:
        names = None
    data = read(ROUTING_FILE)
    if data is None:
        return Routing.empty(), districts
    categories = tuple(c.id for c in load_categories())
    routing = read_routing(data, ROUTING_FILE, problems, categories=categories, districts=names)
    return routing, districts


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

    def optional(name: str) -> bytes | None:
        """None when absent; a broken link is still reported (lexists sees the link)."""
        return read(name) if os.path.lexists(directory / name) else None

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
    data = optional(SYNONYMS_FILE)
    if data is not None:
        synonyms = read_synonyms(data, SYNONYMS_FILE, problems)
    intents = Intents.empty()
    data = optional(INTENTS_FILE)
    if data is not None:
        intents = read_intents(data, INTENTS_FILE, problems)
    routing, districts = _places(
        optional,
        problems,
        list(dict.fromkeys(s.district for s in stations)) if stations_ok else None,
    )
    known = {
        "stations": {s.id for s in stations} if stations_ok else None,
        "policies": {p.id for p in policies} if policies_ok else None,
    }
    _check_links(links, known, problems)
    problems.raise_if_any()
    faq = FaqIndex(entries, synonyms=synonyms)
    return KnowledgeBase.build(
        faq, stations, policies, directory, routing=routing, districts=districts, intents=intents
    )
