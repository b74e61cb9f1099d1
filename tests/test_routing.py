"""routing.yaml and districts.yaml: the sample loads, every mistake is reported with its line,
cases reach the right desk, and points and place names find their district."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest

from bot.domain import Kind, WorkerType
from knowledge import (
    DEFAULT_LIMITS,
    KINDS,
    SETTINGS_CHAT,
    WORKER_TYPES,
    Desk,
    Districts,
    KnowledgeError,
    Routing,
    gcj02_to_wgs84,
    load_knowledge,
    read_districts,
    read_routing,
    sample_dir,
)
from knowledge.__main__ import main

CATEGORIES = ("labor_rights", "care_services", "traffic_access", "city_governance", "other")
DISTRICTS = ("双台子区", "兴隆台区", "大洼区", "盘山县")


@pytest.fixture(scope="module")
def sample():
    return load_knowledge(sample_dir())


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A copy of the sample folder to break."""
    target = tmp_path / "kb"
    shutil.copytree(sample_dir(), target)
    return target


def problems_of(directory: Path) -> list[str]:
    with pytest.raises(KnowledgeError) as info:
        load_knowledge(directory)
    return [str(p) for p in info.value.problems]


def routing(text: str, **known) -> Routing:
    known.setdefault("categories", CATEGORIES)
    known.setdefault("districts", DISTRICTS)
    return read_routing(io.StringIO(text), **known)


DESKS = """desks:
  - {id: labor, name: 劳动保障组, chat: -1001000000001, topic: 12}
  - {id: traffic, name: 交通组, chat: staff, supervisor: -1001000000009}
  - {id: dawa, name: 大洼区工作组, chat: "-1001000000003"}
  - {id: general, name: 综合组, chat: staff}
"""


# --- the sample --------------------------------------------------------------------------


def test_sample_routing_loads_with_its_desks_rules_and_limits(sample):
    assert [(d.id, d.name) for d in sample.routing.desks] == [
        ("labor", "劳动保障组"),
        ("traffic", "交通组"),
        ("care", "关爱服务组"),
        ("dawa", "大洼区工作组"),
        ("general", "综合组"),
    ]
    assert {d.chat_id for d in sample.routing.desks} == {SETTINGS_CHAT}
    assert sample.routing.default == "general"
    assert sample.routing.limits == {"question": 1, "suggestion": 5, "complaint": 10}
    assert sample.districts.names == DISTRICTS


@pytest.mark.parametrize(
    ("category", "district", "desk"),
    [
        ("city_governance", "大洼区", "dawa"),
        ("city_governance", "大洼", "dawa"),  # the short form a worker types
        ("city_governance", "兴隆台区", "general"),
        ("social_insurance", "大洼区", "labor"),
        ("traffic_access", None, "traffic"),
        ("care_services", "盘山县", "care"),
        ("skills_career", None, "general"),
        (None, None, "general"),
    ],
)
def test_sample_routes_each_case_to_its_desk(sample, category, district, desk):
    assert sample.routing.route(category, district, "rider", "suggestion").id == desk


def test_sample_every_station_lies_in_its_own_district(sample):
    misplaced = [
        (s.id, s.district, sample.districts.of_point(s.lat, s.lon))
        for s in sample.stations
        if sample.districts.of_point(s.lat, s.lon) != s.district
    ]
    assert len(sample.stations) == 50
    assert misplaced == []


def test_kb_check_validates_the_routing_file(folder, capsys):
    path = folder / "routing.yaml"
    path.write_text(path.read_text("utf-8").replace("default: general", "default: nobody"), "utf-8")
    assert main(["kb", "check", str(folder)]) == 1
    assert capsys.readouterr().out == "routing.yaml:78: default: no desk with id 'nobody'\n"


# --- route(), find_desk() and limits ---------------------------------------------------------


def test_route_takes_the_first_matching_rule_in_file_order():
    specific_first = routing(
        DESKS
        + """rules:
  - {desk: dawa, categories: [city_governance], districts: [大洼区]}
  - {desk: general, categories: [city_governance]}
"""
    )
    general_first = routing(
        DESKS
        + """rules:
  - {desk: general, categories: [city_governance]}
  - {desk: dawa, categories: [city_governance], districts: [大洼区]}
"""
    )
    assert specific_first.route("city_governance", "大洼区", None, "complaint").id == "dawa"
    assert general_first.route("city_governance", "大洼区", None, "complaint").id == "general"


def test_route_matches_worker_type_and_kind():
    table = routing(
        DESKS
        + """rules:
  - {desk: traffic, worker_types: [truck], kinds: [complaint]}
  - {desk: labor, kinds: [question]}
default: general
"""
    )
    assert table.route("other", None, "truck", "complaint").id == "traffic"
    assert table.route("other", None, "truck", "suggestion").id == "general"
    assert table.route("other", None, "rider", "complaint").id == "general"
    assert table.route("other", None, None, "complaint").id == "general"  # type unknown
    assert table.route(None, None, "truck", "question").id == "labor"


def test_route_unmatched_goes_to_the_default_desk_or_nowhere():
    rules = "rules:\n  - {desk: labor, categories: [labor_rights]}\n"
    with_default = routing(DESKS + rules + "default: general\n")
    without_default = routing(DESKS + rules)
    assert with_default.route("care_services", None, None, "question") == Desk(
        "general", "综合组", SETTINGS_CHAT, None, None
    )
    assert without_default.route("care_services", None, None, "question") is None
    assert Routing.empty().route("labor_rights", "大洼区", "rider", "complaint") is None


def test_read_routing_reads_chats_topics_and_supervisors():
    table = routing(DESKS)
    assert table.desks == (
        Desk("labor", "劳动保障组", -1001000000001, 12, None),
        Desk("traffic", "交通组", SETTINGS_CHAT, None, -1001000000009),
        Desk("dawa", "大洼区工作组", -1001000000003, None, None),
        Desk("general", "综合组", SETTINGS_CHAT, None, None),
    )
    assert table.desk("dawa") == table.desks[2]
    assert table.desk("nobody") is None


@pytest.mark.parametrize(
    ("typed", "desk"),
    [
        ("交通组", "traffic"),
        (" 交通 组 ", "traffic"),
        ("大洼区工作组", "dawa"),
        ("TRAFFIC", "traffic"),
        ("general", "general"),
        ("交通", None),
        ("", None),
    ],
)
def test_find_desk_by_id_or_name_ignoring_case_and_spaces(typed, desk):
    found = routing(DESKS).find_desk(typed)
    assert (found.id if found else None) == desk


def test_limits_default_per_kind_when_left_out():
    assert (
        routing(DESKS).limits == DEFAULT_LIMITS == {"question": 1, "suggestion": 5, "complaint": 10}
    )
    assert routing(DESKS + "limits: {complaint: 15}\n").limits == {
        "question": 1,
        "suggestion": 5,
        "complaint": 15,
    }
    assert Routing.empty().limits == DEFAULT_LIMITS


def test_vocabularies_match_the_bots():
    assert tuple(WorkerType) == WORKER_TYPES
    assert tuple(Kind) == KINDS


# --- problems -------------------------------------------------------------------------------


BAD_ROUTING = """desks:
  - id: labor
    name: 劳动保障组
    chat: -1001000000001
    colour: red
  - id: labor
    name: 重复组
    chat: staff
  - id: care
    chat: staff
  - name: 无编号组
    chat: staff
  - id: traffic
    name: 交通组
    chat: 交通群
    topic: -3
  - id: city
    name: 城市组
    chat: 0
    supervisor: yes
rules:
  - desk: nobody
  - desk: labor
    categories: [labor_rights, wages]
    districts: [大洼区, 鞍山市]
    worker_types: [rider, pilot]
    kinds: [suggestion, praise]
    when: always
  - desk: labor
    kinds: question
default: nobody
limits:
  question: 0
  suggestion: 2.5
  praise: 3
priority: high
"""


def test_read_routing_reports_every_problem_with_its_line():
    with pytest.raises(KnowledgeError) as info:
        routing(BAD_ROUTING)
    assert [str(p) for p in info.value.problems] == [
        "routing.yaml:5: colour: unknown field (expected one of: chat, id, name, supervisor, "
        "topic)",
        "routing.yaml:6: id: duplicate id 'labor' (first on line 2)",
        "routing.yaml:9: name: is missing",
        "routing.yaml:11: id: is missing",
        "routing.yaml:15: chat: '交通群': must be a Telegram chat id (a whole number such as "
        "-1001000000001) or staff",
        "routing.yaml:16: topic: '-3': must be a forum topic id (a whole number > 0)",
        "routing.yaml:19: chat: '0': must be a Telegram chat id (a whole number such as "
        "-1001000000001) or staff",
        "routing.yaml:20: supervisor: 'True': must be a Telegram chat id (a whole number such as "
        "-1001000000001) or staff",
        "routing.yaml:22: desk: no desk with id 'nobody'",
        "routing.yaml:22: rules: this rule has no condition, so the rules after it never "
        "apply: move it to the end, or use default:",
        "routing.yaml:24: categories: unknown category 'wages' (expected one of: labor_rights, "
        "care_services, traffic_access, city_governance, other)",
        "routing.yaml:25: districts: unknown district '鞍山市' (expected one of: 双台子区, "
        "兴隆台区, 大洼区, 盘山县)",
        "routing.yaml:26: worker_types: unknown worker type 'pilot' (expected one of: rider, "
        "courier, truck, ride_hailing, other)",
        "routing.yaml:27: kinds: unknown kind 'praise' (expected one of: suggestion, "
        "complaint, question)",
        "routing.yaml:28: when: unknown field (expected one of: categories, desk, districts, "
        "kinds, worker_types)",
        "routing.yaml:31: default: no desk with id 'nobody'",
        "routing.yaml:33: limits: question: must be a whole number of working days (> 0), not '0'",
        "routing.yaml:34: limits: suggestion: must be a whole number of working days (> 0), "
        "not '2.5'",
        "routing.yaml:35: limits: unknown kind 'praise' (expected one of: suggestion, "
        "complaint, question)",
        "routing.yaml:36: priority: unknown field (expected one of: default, desks, limits, "
        "notice, rules)",
    ]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("desks: []\n", "routing.yaml:1: desks: must be a list with at least one item"),
        (
            "- id: labor\n",
            "routing.yaml:1: the file must be a mapping (default, desks, limits, notice, rules)",
        ),
        (
            DESKS + "rules: [labor]\n",
            "routing.yaml:6: rules: each item must be a mapping (key: value)",
        ),
        (
            DESKS + "limits: [1, 5, 10]\n",
            "routing.yaml:6: limits: must be a mapping of kind: working days",
        ),
        (
            "desks:\n  - {id: a, name: 甲, chat: 1}\n  - {id: b, name: 甲, chat: 2}\n",
            "routing.yaml:3: name: '甲' is also the name on line 2",
        ),
        (
            "desks: [\n",
            "routing.yaml:2: invalid YAML: expected the node content, but found '<stream end>'",
        ),
    ],
)
def test_read_routing_reports_a_malformed_file(text, problem):
    with pytest.raises(KnowledgeError) as info:
        routing(text)
    assert [str(p) for p in info.value.problems] == [problem]


def test_read_routing_without_known_categories_or_districts_skips_those_checks():
    text = DESKS + "rules:\n  - {desk: dawa, categories: [anything], districts: [某区]}\n"
    table = routing(text, categories=None, districts=None)
    assert table.route("anything", "某区", None, "suggestion").id == "dawa"


def test_load_reports_problems_in_both_files_of_the_folder(folder):
    routing_file = folder / "routing.yaml"
    text = routing_file.read_text("utf-8")
    routing_file.write_text(text.replace("categories: [traffic_access]", "categories: [roads]"))
    districts_file = folder / "districts.yaml"
    text = districts_file.read_text("utf-8")
    districts_file.write_text(text.replace("[122.50, 41.45]", "[41.45, 122.50]"))
    assert problems_of(folder) == [
        "districts.yaml:74: boundary: [41.45, 122.5] is outside China (write [longitude, "
        "latitude]: swapped?)",
        "routing.yaml:74: categories: unknown category 'roads' (expected one of: labor_rights, "
        "social_insurance, care_services, traffic_access, city_governance, skills_career, "
        "family_life, other)",
    ]


def test_load_checks_rule_districts_against_the_stations_without_a_districts_file(folder):
    (folder / "districts.yaml").unlink()
    path = folder / "routing.yaml"
    path.write_text(path.read_text("utf-8").replace("[大洼区]", "[大洼, 海城市]"), "utf-8")
    assert problems_of(folder) == [
        "routing.yaml:70: districts: unknown district '海城市' (expected one of: 兴隆台区, "
        "双台子区, 大洼区, 盘山县)"
    ]


def test_load_without_routing_or_districts_files_gives_empty_ones(folder):
    (folder / "routing.yaml").unlink()
    (folder / "districts.yaml").unlink()
    kb = load_knowledge(folder)
    assert kb.routing == Routing.empty()
    assert kb.routing.route("labor_rights", "大洼区", "rider", "complaint") is None
    assert kb.districts.names == ()
    assert kb.districts.of_point(41.12, 122.07) is None
    assert kb.districts.of_text("兴隆台") is None


def test_load_refuses_a_routing_file_linked_from_outside(folder, tmp_path):
    outside = tmp_path / "elsewhere.yaml"
    shutil.move(folder / "routing.yaml", outside)
    (folder / "routing.yaml").symlink_to(outside)
    assert problems_of(folder) == [
        "routing.yaml: is a link to a file outside the knowledge folder: copy the file in"
    ]


# --- districts --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "district"),
    [
        ("兴隆台", "兴隆台区"),
        ("兴隆台区惠宾大街", "兴隆台区"),
        ("大洼", "大洼区"),
        ("盘山", "盘山县"),
        ("盘锦市盘山县胡家路", "盘山县"),
        ("双台子", "双台子区"),
        ("双 台 子", "双台子区"),
        ("在红海滩这边", "大洼区"),  # an alias
        ("辽河油田", "兴隆台区"),
        ("从兴隆台区送到大洼区", "兴隆台区"),  # the first one named
        ("盘锦市", None),
        ("", None),
    ],
)
def test_of_text_finds_the_district_a_place_names(sample, text, district):
    assert sample.districts.of_text(text) == district


@pytest.mark.parametrize(
    ("lat", "lon"),
    [(39.9042, 116.4074), (40.40, 121.90), (41.60, 122.00), (41.12, 123.20)],
    ids=["beijing", "bohai-sea", "north-of-the-city", "east-of-the-city"],
)
def test_of_point_outside_every_district_is_none(sample, lat, lon):
    assert sample.districts.of_point(lat, lon) is None


def test_districts_canonical_name_from_short_form(sample):
    assert sample.districts.canonical("大洼") == "大洼区"
    assert sample.districts.canonical("盘山县") == "盘山县"
    assert sample.districts.canonical("红海滩") is None  # an alias is a place, not a district
    assert Districts.empty().of_point(41.12, 122.07) is None


def test_read_districts_converts_gcj02_corners():
    text = """coord_system: gcj02
districts:
  - name: 甲区
    boundary: [[122.0, 41.0], [122.2, 41.0], [122.2, 41.2], [122.0, 41.2]]
"""
    [district] = read_districts(io.StringIO(text))
    assert district.boundary[0] == gcj02_to_wgs84(41.0, 122.0)
    assert read_districts(io.StringIO(text)).of_point(41.1, 122.1) == "甲区"


BAD_DISTRICTS = """coord_system: baidu
districts:
  - name: 新城区
    aliases: [老街]
    boundary: [[122.0, 41.0], [122.1, 41.0]]
  - name: 新城
    boundary: [[122.0, 41.0], [122.1, 41.0], [122.1, 41.1]]
  - name: 乙区
    aliases: [老街]
    boundary:
      - [122.0, 41.0]
      - [41.1, 122.1]
      - [122.1, "41.1"]
  - name: 丙区
    boundary: [[122.0, 41.0], [122.1, 41.1], [122.2, 41.2]]
    population: 1000
  - boundary: [[122.0, 41.0], [122.1, 41.0], [122.1, 41.1]]
"""


def test_read_districts_reports_every_problem_with_its_line():
    with pytest.raises(KnowledgeError) as info:
        read_districts(io.StringIO(BAD_DISTRICTS))
    assert [str(p) for p in info.value.problems] == [
        "districts.yaml:1: coord_system: unknown coordinate system 'baidu' (wgs84 or gcj02)",
        "districts.yaml:5: boundary: must be a list of at least 3 [longitude, latitude] corners",
        "districts.yaml:6: name: '新城' is already used by '新城区'",
        "districts.yaml:9: aliases: '老街' is already used by '新城区'",
        "districts.yaml:12: boundary: [41.1, 122.1] is outside China (write [longitude, "
        "latitude]: swapped?)",
        "districts.yaml:13: boundary: a corner must be two numbers [longitude, latitude], e.g. "
        "[122.07, 41.12]",
        "districts.yaml:15: boundary: the corners lie on one line: the district has no area",
        "districts.yaml:16: population: unknown field (expected one of: aliases, boundary, en, "
        "name)",
        "districts.yaml:17: name: is missing",
    ]
