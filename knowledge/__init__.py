"""Knowledge base: FAQ answers, stations, policies, routing and districts from files admins edit.

Nothing here imports Telegram or SQLAlchemy: the bot calls these plain functions.
"""

from knowledge.base import KnowledgeBase
from knowledge.districts import District, Districts
from knowledge.emergency import EMERGENCIES, Emergency, emergency_kind
from knowledge.faq import Answer, AnswerKind, FaqEntry, FaqIndex, Hit, Thresholds
from knowledge.files import DEFAULT_MAX_BYTES
from knowledge.geo import gcj02_to_wgs84, haversine_m, wgs84_to_gcj02
from knowledge.holder import KnowledgeHolder, ReloadResult
from knowledge.hours import LOCAL_TZ, OpeningHours
from knowledge.load import load_knowledge, sample_dir
from knowledge.load_csv import read_stations
from knowledge.load_routing import read_districts, read_routing
from knowledge.load_yaml import read_faq, read_policy, read_synonyms
from knowledge.policies import Policy
from knowledge.problems import KnowledgeError, Problem
from knowledge.routing import (
    DEFAULT_LIMITS,
    KINDS,
    SETTINGS_CHAT,
    WORKER_TYPES,
    Desk,
    Routing,
    Rule,
)
from knowledge.stations import Station, StationHit, StationIndex
from knowledge.vocab import SERVICES, STATION_TYPES, Label

__all__ = [
    "DEFAULT_LIMITS",
    "DEFAULT_MAX_BYTES",
    "EMERGENCIES",
    "KINDS",
    "LOCAL_TZ",
    "SERVICES",
    "SETTINGS_CHAT",
    "STATION_TYPES",
    "WORKER_TYPES",
    "Answer",
    "AnswerKind",
    "Desk",
    "District",
    "Districts",
    "Emergency",
    "FaqEntry",
    "FaqIndex",
    "Hit",
    "KnowledgeBase",
    "KnowledgeError",
    "KnowledgeHolder",
    "Label",
    "OpeningHours",
    "Policy",
    "Problem",
    "ReloadResult",
    "Routing",
    "Rule",
    "Station",
    "StationHit",
    "StationIndex",
    "Thresholds",
    "emergency_kind",
    "gcj02_to_wgs84",
    "haversine_m",
    "load_knowledge",
    "read_districts",
    "read_faq",
    "read_policy",
    "read_routing",
    "read_stations",
    "read_synonyms",
    "sample_dir",
    "wgs84_to_gcj02",
]
