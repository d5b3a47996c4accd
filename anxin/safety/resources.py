"""Crisis resources per region: who a person can reach right now.

Shown on every page's footer, the home page and whenever a risk screen is positive. Operators
extend the table per region; every entry is checked by a test (number present, both languages).
"""

from __future__ import annotations

from dataclasses import dataclass


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
