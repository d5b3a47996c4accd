"""Presentation helpers for the marketplace pages: times in the reader's zone, money, labels."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from fastapi import Request

from anxin.core import clock
from anxin.core.i18n import gettext
from anxin.core.money import Money
from anxin.core.notify.templates import N_
from anxin.counselors import search, vocab
from anxin.counselors.models import CounselorProfile

# The zones a reader can pick for showing times; the first one of their region is the default.
ZONES = (
    "Asia/Shanghai",
    "Asia/Hong_Kong",
    "Asia/Taipei",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Europe/London",
    "Europe/Berlin",
    "America/New_York",
    "America/Los_Angeles",
    "Australia/Sydney",
    "UTC",
)
REGION_ZONES = {"CN": "Asia/Shanghai", "HK": "Asia/Hong_Kong", "TW": "Asia/Taipei", "US": "America/New_York"}
ZONE_COOKIE = "anxin_tz"


def locale_of(request: Request) -> str:
    return str(getattr(request.state, "locale", "zh-CN"))


def zone_of(request: Request) -> str:
    chosen = request.query_params.get("tz") or request.cookies.get(ZONE_COOKIE) or ""
    if chosen in ZONES:
        return chosen
    region = request.cookies.get("anxin_region", "").upper()
    return REGION_ZONES.get(region, "Asia/Shanghai")


def local_time(value: datetime, zone: str) -> str:
    return clock.as_utc(value).astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")


def money(amount: int, currency: str) -> str:
    return Money(amount, currency).format()


@dataclass(frozen=True)
class CounsellorCard:
    id: int
    name: str
    other_name: str
    bio: str
    specialties: list[str]
    approaches: list[str]
    languages: list[str]
    modalities: list[str]
    prices: dict[str, str]
    city: str
    gender: str
    discount_percent: int
    timezone: str
    photo_url: str | None = None


def card(profile: CounselorProfile, locale: str) -> CounsellorCard:
    zh = locale.startswith("zh")

    def labels(tags: str, table: dict[str, str]) -> list[str]:
        return [gettext(locale, table[key]) for key in search.untag(tags) if key in table]

    prices = {
        gettext(locale, vocab.MODALITIES[m]): money(amount, profile.currency)
        for m, amount in (
            ("text", profile.price_text),
            ("voice", profile.price_voice),
            ("video", profile.price_video),
        )
        if amount is not None
    }
    return CounsellorCard(
        id=profile.counsellor_id,
        name=profile.name_zh if zh else profile.name_en,
        other_name=profile.name_en if zh else profile.name_zh,
        bio=(profile.bio_zh if zh else profile.bio_en) or profile.bio_en or profile.bio_zh,
        specialties=labels(profile.specialties, vocab.SPECIALTIES),
        approaches=labels(profile.approaches, vocab.APPROACHES),
        languages=labels(profile.languages, vocab.LANGUAGES),
        modalities=search.untag(profile.modalities),
        prices=prices,
        city=profile.city,
        gender=gettext(locale, vocab.GENDERS.get(profile.gender, vocab.GENDERS["other"])),
        discount_percent=profile.first_session_discount_bp // 100,
        timezone=profile.timezone,
        photo_url=f"/api/v1/counselors/{profile.counsellor_id}/photo" if profile.photo_name else None,
    )


def options(table: dict[str, str], locale: str) -> list[tuple[str, str]]:
    return [(key, gettext(locale, label)) for key, label in table.items()]


STATUS_LABELS = {
    "held": N_("Waiting for payment"),
    "confirmed": N_("Booked"),
    "released": N_("Not paid in time"),
    "cancelled": N_("Cancelled"),
    "completed": N_("Took place"),
    "client_no_show": N_("Missed by the client"),
    "counsellor_no_show": N_("The counsellor did not come"),
}


def status_label(status: str, locale: str) -> str:
    return gettext(locale, STATUS_LABELS.get(status, status))
