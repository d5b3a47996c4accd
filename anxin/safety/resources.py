"""Crisis resources per region: who a person can reach right now.

Shown on every page's footer, the home page and whenever a risk screen is positive. Operators
extend the table per region without a code change: ``ANXIN_SAFETY_RESOURCES_FILE`` names a JSON file
whose regions are added to (or replace) the built-in ones; every entry is checked by a test (number
present, both languages). A region we have no entry for gets the default region's table.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True, slots=True)
class CrisisLine:
    name_en: str
    name_zh: str
    phone: str
    hours_en: str
    hours_zh: str

    def name(self, locale: str) -> str:
        return self.name_zh if locale == "zh-CN" else self.name_en

    def hours(self, locale: str) -> str:
        return self.hours_zh if locale == "zh-CN" else self.hours_en


@dataclass(frozen=True, slots=True)
class RegionResources:
    code: str
    name_en: str
    name_zh: str
    emergency_number: str
    lines: tuple[CrisisLine, ...]

    def name(self, locale: str) -> str:
        return self.name_zh if locale == "zh-CN" else self.name_en


CRISIS_RESOURCES: dict[str, RegionResources] = {
    "CN": RegionResources(
        code="CN",
        name_en="Mainland China",
        name_zh="中国大陆",
        emergency_number="120 / 110",
        lines=(
            CrisisLine(
                "National mental health hotline",
                "全国心理援助热线",
                "12356",
                "24 hours",
                "24 小时",
            ),
            CrisisLine(
                "Beijing Psychological Crisis Research and Intervention Center",
                "北京心理危机研究与干预中心",
                "010-82951332",
                "24 hours",
                "24 小时",
            ),
        ),
    ),
    "US": RegionResources(
        code="US",
        name_en="United States",
        name_zh="美国",
        emergency_number="911",
        lines=(
            CrisisLine(
                "988 Suicide & Crisis Lifeline (call or text)",
                "988 自杀与危机生命线（电话或短信）",
                "988",
                "24 hours",
                "24 小时",
            ),
        ),
    ),
    "HK": RegionResources(
        code="HK",
        name_en="Hong Kong",
        name_zh="中国香港",
        emergency_number="999",
        lines=(
            CrisisLine(
                "The Samaritan Befrienders Hong Kong",
                "香港撒玛利亚防止自杀会",
                "2389 2222",
                "24 hours",
                "24 小时",
            ),
        ),
    ),
    "GB": RegionResources(
        code="GB",
        name_en="United Kingdom",
        name_zh="英国",
        emergency_number="999",
        lines=(CrisisLine("Samaritans", "撒玛利亚会", "116 123", "24 hours", "24 小时"),),
    ),
    "TW": RegionResources(
        code="TW",
        name_en="Taiwan",
        name_zh="中国台湾",
        emergency_number="119 / 110",
        lines=(CrisisLine("Anxin Line (Ministry of Health)", "安心专线", "1925", "24 hours", "24 小时"),),
    ),
    "CA": RegionResources(
        code="CA",
        name_en="Canada",
        name_zh="加拿大",
        emergency_number="911",
        lines=(
            CrisisLine(
                "9-8-8 Suicide Crisis Helpline (call or text)",
                "9-8-8 自杀危机求助热线（电话或短信）",
                "988",
                "24 hours",
                "24 小时",
            ),
        ),
    ),
    "AU": RegionResources(
        code="AU",
        name_en="Australia",
        name_zh="澳大利亚",
        emergency_number="000",
        lines=(CrisisLine("Lifeline", "Lifeline 生命热线", "13 11 14", "24 hours", "24 小时"),),
    ),
    "SG": RegionResources(
        code="SG",
        name_en="Singapore",
        name_zh="新加坡",
        emergency_number="995 / 999",
        lines=(CrisisLine("Samaritans of Singapore", "新加坡援人协会", "1767", "24 hours", "24 小时"),),
    ),
}

REGION_COOKIE = "anxin_region"


def resources_for(region: str | None, default_region: str) -> RegionResources:
    """The table for ``region``, else the default region's (never nothing)."""
    if region and region.upper() in CRISIS_RESOURCES:
        return CRISIS_RESOURCES[region.upper()]
    return CRISIS_RESOURCES.get(default_region.upper(), CRISIS_RESOURCES["CN"])


def region_from_accept_language(header: str | None) -> str | None:
    """The first region subtag that we have resources for ("en-US" → "US", "zh-CN" → "CN")."""
    if not header:
        return None
    for part in header.split(","):
        tag = part.split(";")[0].strip().replace("_", "-")
        for piece in tag.split("-")[1:]:
            if len(piece) == 2 and piece.upper() in CRISIS_RESOURCES:
                return piece.upper()
    return None


def _region_of(code: str, data: dict[str, Any]) -> RegionResources:
    lines = tuple(
        CrisisLine(
            str(line["name_en"]),
            str(line["name_zh"]),
            str(line["phone"]),
            str(line.get("hours_en", "")),
            str(line.get("hours_zh", "")),
        )
        for line in data["lines"]
    )
    if not lines or not all(line.phone.strip() for line in lines):
        raise ValueError(f"crisis resources for {code}: every region needs lines with a phone number")
    return RegionResources(
        code=code, name_en=str(data["name_en"]), name_zh=str(data["name_zh"]),
        emergency_number=str(data["emergency_number"]), lines=lines,
    )  # fmt: skip


def load_resources_file(path: Path) -> list[str]:
    """Add (or replace) regions from ``{"<CODE>": {"name_en", "name_zh", "emergency_number",
    "lines": [{"name_en", "name_zh", "phone", "hours_en", "hours_zh"}]}}``; returns the codes."""
    data = json.loads(path.read_text("utf-8"))
    loaded = {code.upper(): _region_of(code.upper(), value) for code, value in data.items()}
    CRISIS_RESOURCES.update(loaded)
    return sorted(loaded)


_loaded_from: list[Path] = []


def crisis_resources() -> dict[str, RegionResources]:
    """The table, with the operator's file (``ANXIN_SAFETY_RESOURCES_FILE``) applied once."""
    from anxin.safety.settings import safety_settings

    path = safety_settings().safety_resources_file
    if path is not None and path not in _loaded_from:
        load_resources_file(path)
        _loaded_from.append(path)
    return CRISIS_RESOURCES
