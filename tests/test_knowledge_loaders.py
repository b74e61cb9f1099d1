"""Loaders read from memory and report every problem as ``file:line: field: problem``."""

from __future__ import annotations

import contextlib
import io
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from knowledge import (
    KnowledgeError,
    read_faq,
    read_policy,
    read_stations,
    read_synonyms,
)

HEADER = "id,name,type,district,address,latitude,longitude,coord_system,services,hours,phone\n"
GOOD_ROW = (
    "u-1,石油大街工会驿站,工会驿站,兴隆台区,石油大街1号,41.12,122.07,wgs84,water|toilet,24h,\n"
)


def problems_of(call, *args) -> list[str]:
    with pytest.raises(KnowledgeError) as info:
        call(*args)
    return [str(p) for p in info.value.problems]


def test_read_faq_reads_entries():
    text = """entries:
  - id: water
    question: 哪里可以喝水？
    alternatives: [渴了去哪喝水, 附近哪有热水]
    answer: 驿站都能免费喝水。
    tags: [驿站]
    stations: [u-1]
"""
    [entry] = read_faq(io.StringIO(text))
    assert entry.id == "water"
    assert entry.phrasings == ("哪里可以喝水？", "渴了去哪喝水", "附近哪有热水")
    assert entry.stations == ("u-1",)


def test_read_faq_reports_every_problem_with_its_line():
    text = """entries:
  - id: water
    question: 哪里喝水
    answer: 驿站
  - id: water
    question: 哪里喝水
    alternativs: [x]
  - id: "bad id!"
    question: q
    answer: ""
    tags: 5
"""
    assert problems_of(read_faq, io.StringIO(text)) == [
        "faq.yaml:5: id: duplicate id 'water' (first on line 2)",
        "faq.yaml:5: answer: is missing",
        "faq.yaml:7: alternativs: unknown field (expected one of: alternatives, answer, en, "
        "id, policies, question, stations, tags)",
        "faq.yaml:8: id: 'bad id!' must be 1-40 ASCII letters, digits, '-', '_' or '.'",
        "faq.yaml:10: answer: is missing",
        "faq.yaml:11: tags: must be a list of texts",
    ]


def test_read_faq_reports_a_phrasing_in_two_entries():
    text = """entries:
  - id: water
    question: 哪里喝水
    answer: 驿站
  - id: tea
    question: 哪里喝茶
    alternatives: [哪里 喝水]
    answer: 驿站
"""
    assert problems_of(read_faq, text) == [
        "faq.yaml:7: alternatives: '哪里 喝水' is also a phrasing of entry 'water'"
    ]


def test_read_faq_rejects_a_long_answer():
    text = f"entries:\n  - id: a\n    question: q\n    answer: {'长' * 501}\n"
    assert problems_of(read_faq, text) == [
        "faq.yaml:4: answer: is 501 characters long (at most 500)"
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "entries:\n  - id: a\n    question: [unclosed\n",
            "faq.yaml:4: invalid YAML: expected ',' or ']', but got '<stream end>'",
        ),
        (
            "entries:\n- id: a\n  question: q\n answer: x\n",
            "faq.yaml:4: invalid YAML: expected <block end>, but found '<block mapping start>'",
        ),
        (
            "- id: a\n",
            "faq.yaml:1: entries: the file must be a mapping with a list under 'entries:'",
        ),
        ("entries:\n  - just text\n", "faq.yaml:2: an entry must be a mapping"),
        ("", "faq.yaml:1: entries: the file must be a mapping with a list under 'entries:'"),
    ],
)
def test_read_faq_reports_malformed_files(text, expected):
    assert problems_of(read_faq, io.StringIO(text)) == [expected]


def test_read_faq_names_a_gbk_file():
    data = "entries: []\n# 中文注释\n".encode("gbk")
    assert problems_of(read_faq, io.BytesIO(data)) == [
        "faq.yaml:2: is not UTF-8 (looks like GBK from Excel): save it as UTF-8"
    ]


def test_read_stations_converts_gcj02_and_reads_services():
    text = HEADER + (
        "u-1,站,工会驿站,兴隆台区,地址,41.12,122.07,gcj02,water;toilet|rest,"
        '"07:00-12:00,14:00-21:00",0427-1234567\n'
    )
    [station] = read_stations(io.StringIO(text))
    assert station.services == ("water", "toilet", "rest")
    assert station.type == "union"
    # Stored in WGS-84: about 140 m south-west of the GCJ-02 figures in the file.
    assert (round(station.lat, 4), round(station.lon, 4)) == (41.1179, 122.0645)


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"], ids=["no-bom", "bom"])
@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
def test_read_stations_accepts_utf8_with_or_without_bom(bom, newline):
    text = "# 示例数据\n" + HEADER + GOOD_ROW
    data = bom + text.replace("\n", newline).encode("utf-8")
    [station] = read_stations(io.BytesIO(data))
    assert (station.id, station.name, station.hours) == ("u-1", "石油大街工会驿站", "24h")


def test_read_stations_names_a_gbk_file_from_excel():
    data = (HEADER + GOOD_ROW).encode("gbk")
    assert problems_of(read_stations, io.BytesIO(data)) == [
        "stations.csv:2: is not UTF-8 (looks like GBK from Excel): save it as "
        "'CSV UTF-8 (Comma delimited)' (Excel: File > Save As > CSV UTF-8)"
    ]


def test_read_stations_reports_every_problem_with_its_line():
    text = (
        HEADER
        + GOOD_ROW
        + (
            "u-1,站2,驿站,兴隆台区,地址,141.1,122.0,bd09,water|sauna,25:00-08:00,abc\n"
            "u-3,站3,司机之家,兴隆台区,,1.1,200,gcj02,,8-20,\n"
            "u-4,站4,的士驿站,兴隆台区,地址,122.0,41.1,WGS84,饮水;toilet,08:00-08:00,\n"
            "u-5,站5,暖新驿站,盘山县,地址,north,122.0,,water,24h,\n"
        )
    )
    assert problems_of(read_stations, io.StringIO(text)) == [
        "stations.csv:3: id: duplicate id 'u-1' (first on line 2)",
        "stations.csv:3: type: unknown station type '驿站' "
        "(use 工会驿站, 司机之家, 的士驿站 or 暖新驿站)",
        "stations.csv:3: coord_system: unknown coordinate system 'bd09' (use wgs84 or gcj02)",
        "stations.csv:3: latitude: 141.1, 122.0 is outside China",
        "stations.csv:3: services: unknown service 'sauna' (known: water, toilet, rest, "
        "charging, phone_charging, microwave, blood_pressure, blood_sugar, first_aid, parking, "
        "lodging, meals, wifi, repair, shower)",
        "stations.csv:3: hours: 25:00 is not a time of day",
        "stations.csv:3: phone: 'abc' is not a phone number",
        "stations.csv:4: latitude: 1.1, 200.0 is outside China",
        "stations.csv:4: services: is missing",
        "stations.csv:4: hours: cannot read '8-20': write 24h, 08:00-20:00 or "
        "07:00-12:00,14:00-21:00",
        "stations.csv:4: address: is missing",
        "stations.csv:5: latitude: 122.0, 41.1 is outside China (latitude and longitude swapped?)",
        "stations.csv:5: hours: '08:00-08:00' opens and closes at the same time (use 24h)",
        "stations.csv:6: latitude: 'north' is not a number",
        "stations.csv:6: coord_system: is missing",
    ]


def test_read_stations_reports_missing_and_unknown_columns():
    assert problems_of(read_stations, "id,name,lat\nx,y,1\n") == [
        "stations.csv:1: type: missing column",
        "stations.csv:1: district: missing column",
        "stations.csv:1: address: missing column",
        "stations.csv:1: latitude: missing column",
        "stations.csv:1: longitude: missing column",
        "stations.csv:1: coord_system: missing column",
        "stations.csv:1: services: missing column",
        "stations.csv:1: hours: missing column",
        "stations.csv:1: lat: unknown column (expected: id, name, type, district, address, "
        "latitude, longitude, coord_system, services, hours, phone)",
    ]


def test_read_stations_counts_lines_across_quoted_newlines_and_comments():
    text = (
        "# 示例数据\n"
        + HEADER
        + (
            'u-1,"两行\n名字",工会驿站,兴隆台区,地址,41.1,122.0,wgs84,water,24h,\n'
            "\n"
            "# 停用的站点\n"
            "u-2,站,工会驿站,兴隆台区,地址,41.1,122.0,wgs84,water,24:00-08:00,\n"
        )
    )
    assert problems_of(read_stations, text) == ["stations.csv:7: hours: 24:00 is not a time of day"]


POLICY = """id: legal-aid
title: 免费法律援助
summary: 讨薪可以申请法律援助。
who: 劳动者
how: 打 12348
contact: "12348"
source: 法律援助法
effective: 2022-01-01
"""


def test_read_policy_reads_every_field():
    policy = read_policy(io.StringIO(POLICY), "policies/legal-aid.yaml")
    assert policy is not None
    assert (policy.id, policy.contact, policy.effective) == ("legal-aid", "12348", date(2022, 1, 1))
    assert policy.text().splitlines()[0] == "免费法律援助"


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            ("effective: 2022-01-01", "effective: 2022-13-01"),
            "policies/p.yaml:8: invalid value: month must be in 1..12",
        ),
        (
            ("effective: 2022-01-01", "effective: soon"),
            "policies/p.yaml:8: effective: must be a date like 2026-01-01, not 'soon'",
        ),
        (("who: 劳动者\n", ""), "policies/p.yaml:1: who: is missing"),
        (("how:", "howto:"), "policies/p.yaml:1: how: is missing"),
    ],
)
def test_read_policy_reports_problems(edit, expected):
    text = POLICY.replace(*edit)
    assert expected in problems_of(read_policy, io.StringIO(text), "policies/p.yaml")


def test_read_synonyms_reports_a_variant_under_two_words():
    text = "synonyms:\n  电动车: [电驴]\n  电瓶车: [电驴]\n  x: 5\n"
    assert problems_of(read_synonyms, io.StringIO(text)) == [
        "synonyms.yaml:3: 电瓶车: '电驴' is already a variant of '电动车'",
        "synonyms.yaml:4: x: must be a list of words",
    ]


def test_read_synonyms_folds_slang():
    synonyms = read_synonyms("synonyms:\n  电动车: [电驴, 小电驴, 电动]\n")
    assert synonyms.apply("小电驴没电了") == "电动车没电了"
    assert synonyms.apply("电动车和电动三轮") == "电动车和电动车三轮"


READERS = [read_faq, read_stations, read_policy, read_synonyms]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.one_of(st.binary(max_size=300), st.text(max_size=300)))
def test_readers_raise_only_knowledge_error_on_random_input(data):
    for reader in READERS:
        with contextlib.suppress(KnowledgeError):
            reader(data)


@settings(max_examples=60, deadline=None)
@given(cells=st.lists(st.text(max_size=20), min_size=11, max_size=12))
def test_read_stations_raises_only_knowledge_error_on_random_rows(cells):
    row = ",".join('"' + c.replace('"', '""') + '"' for c in cells)
    with contextlib.suppress(KnowledgeError):
        read_stations(HEADER + row + "\n")


def test_read_faq_refuses_yaml_aliases():
    # nested aliases expand to billions of nodes ("billion laughs"): refused at the first one
    text = "entries:\n  - &e {id: a, question: q, answer: x}\n  - *e\n"
    assert problems_of(read_faq, text) == [
        "faq.yaml:3: invalid YAML: aliases (*name) are not allowed: write the text out"
    ]


def test_problems_quote_only_a_short_printable_excerpt_of_a_line():
    # what a file holds reaches the admins' chat only as a short, escaped excerpt
    column = "secret" * 50
    station_type = "\x1b[2J" + "驿站" * 100
    text = HEADER.replace("\n", f",{column}\n") + GOOD_ROW.replace(
        "工会驿站,兴隆台区", f"{station_type},兴隆台区"
    ).replace("\n", ",x\n")
    assert problems_of(read_stations, text) == [
        f"stations.csv:1: {'secret' * 13}se…: unknown column (expected: id, name, type, "
        "district, address, latitude, longitude, coord_system, services, hours, phone)",
        f"stations.csv:2: type: unknown station type '\\x1b[2J{'驿站' * 36}驿…' "
        "(use 工会驿站, 司机之家, 的士驿站 or 暖新驿站)",
    ]
