"""Fixed vocabularies with Chinese and English labels for the bot to display."""

from __future__ import annotations

from dataclasses import dataclass

from textnorm import normalize


@dataclass(frozen=True)
class Label:
    """A vocabulary item: the key stored in files and code, and its display labels."""

    key: str
    zh: str
    en: str

    def text(self, lang: str = "zh") -> str:
        return self.en if lang.startswith("en") else self.zh


SERVICES: dict[str, Label] = {
    item.key: item
    for item in (
        Label("water", "饮水", "drinking water"),
        Label("toilet", "厕所", "toilet"),
        Label("rest", "休息", "rest area"),
        Label("charging", "电动车充电", "e-bike charging"),
        Label("phone_charging", "手机充电", "phone charging"),
        Label("microwave", "微波炉热饭", "microwave"),
        Label("blood_pressure", "测血压", "blood pressure check"),
        Label("blood_sugar", "测血糖", "blood sugar check"),
        Label("first_aid", "应急药品", "first-aid medicine"),
        Label("parking", "停车", "parking"),
        Label("lodging", "住宿", "lodging"),
        Label("meals", "餐食", "meals"),
        Label("wifi", "无线网络", "Wi-Fi"),
        Label("repair", "修车工具", "repair tools"),
        Label("shower", "洗浴", "shower"),
    )
}

STATION_TYPES: dict[str, Label] = {
    item.key: item
    for item in (
        Label("union", "工会驿站", "union station"),
        Label("driver_home", "司机之家", "Drivers' Home"),
        Label("taxi", "的士驿站", "taxi station"),
        Label("pharmacy", "暖新驿站", "Nuanxin pharmacy station"),
    )
}

COORD_SYSTEMS = ("wgs84", "gcj02")


def _lookup(vocabulary: dict[str, Label]) -> dict[str, str]:
    """Map keys and both labels (folded) to the key, so admins may write either."""
    table: dict[str, str] = {}
    for item in vocabulary.values():
        for name in (item.key, item.zh, item.en):
            table[normalize(name)] = item.key
    return table


_SERVICE_NAMES = _lookup(SERVICES)
_TYPE_NAMES = _lookup(STATION_TYPES)
# Earlier English labels, still accepted in files.
_TYPE_NAMES.update({"driver home": "driver_home", "pharmacy station": "pharmacy"})
# Common ways admins write a service that are not the label itself.
_SERVICE_NAMES.update(
    {
        "饮用水": "water",
        "热水": "water",
        "卫生间": "toilet",
        "洗手间": "toilet",
        "充电": "charging",
        "血压": "blood_pressure",
        "血糖": "blood_sugar",
        "药箱": "first_aid",
        "急救药品": "first_aid",
        "微波炉": "microwave",
        "wi-fi": "wifi",
        "blood pressure": "blood_pressure",
        "blood sugar": "blood_sugar",
    }
)


def service_key(name: str) -> str | None:
    """The service key for a key or label, or None when unknown."""
    return _SERVICE_NAMES.get(normalize(name))


def station_type_key(name: str) -> str | None:
    """The station type key for a key or label, or None when unknown."""
    return _TYPE_NAMES.get(normalize(name))
