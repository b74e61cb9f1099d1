"""The knowledge base: FAQ, stations and policies loaded together, immutable once built."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from knowledge.districts import Districts
from knowledge.faq import Answer, FaqEntry, FaqIndex
from knowledge.intents import Intents
from knowledge.policies import Policy
from knowledge.routing import Routing
from knowledge.stations import Station, StationIndex


@dataclass(frozen=True)
class KnowledgeBase:
    """Everything the bot answers from and routes by. Build it with ``load_knowledge``."""

    faq: FaqIndex
    stations: StationIndex
    policies: tuple[Policy, ...]
    directory: Path | None = None
    loaded_at: datetime = field(default_factory=datetime.now)
    routing: Routing = field(default_factory=Routing.empty)  # no routing.yaml: empty
    districts: Districts = field(default_factory=Districts.empty)  # no districts.yaml: empty
    intents: Intents = field(default_factory=Intents.empty)  # no intents.yaml: none found

    @classmethod
    def build(
        cls,
        faq: FaqIndex,
        stations: Sequence[Station],
        policies: Sequence[Policy],
        directory: Path | None = None,
        *,
        routing: Routing | None = None,
        districts: Districts | None = None,
        intents: Intents | None = None,
    ) -> KnowledgeBase:
        return cls(
            faq,
            StationIndex(stations),
            tuple(policies),
            directory,
            routing=Routing.empty() if routing is None else routing,
            districts=Districts.empty() if districts is None else districts,
            intents=Intents.empty() if intents is None else intents,
        )

    def ask(self, query: str) -> Answer:
        """FAQ retrieval and the direct / choices / unknown decision."""
        return self.faq.ask(query)

    def faq_entry(self, entry_id: str) -> FaqEntry | None:
        return self.faq.get(entry_id)

    def station(self, station_id: str) -> Station | None:
        return self.stations.get(station_id)

    def policy(self, policy_id: str) -> Policy | None:
        return next((p for p in self.policies if p.id == policy_id), None)

    def summary(self) -> str:
        """One line of counts, e.g. for ``kb check`` and the reload reply."""
        return (
            f"{len(self.faq)} FAQ entries, {len(self.stations)} stations in "
            f"{len(self.stations.districts)} districts, {len(self.policies)} policies"
        )
