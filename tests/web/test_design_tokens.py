"""The colour tokens of anxin.css keep WCAG 2.2 AA contrast, in the light and the dark scheme."""

from __future__ import annotations

import re

import pytest

from anxin.web.rendering import TEMPLATE_DIR

CSS = (TEMPLATE_DIR.parent / "static" / "css" / "anxin.css").read_text(encoding="utf-8")
TEXT = 4.5  # body text
LARGE_OR_UI = 3.0  # focus rings, borders of controls

# (foreground, background, minimum ratio)
PAIRS = [
    ("text", "bg", TEXT),
    ("text", "surface", TEXT),
    ("text", "surface-muted", TEXT),
    ("text-muted", "bg", TEXT),
    ("text-muted", "surface", TEXT),
    ("text-muted", "surface-muted", TEXT),
    ("heading", "bg", TEXT),
    ("link", "bg", TEXT),
    ("link", "surface", TEXT),
    ("primary", "surface", TEXT),
    ("primary", "bg", TEXT),
    ("primary", "primary-soft", TEXT),
    ("on-primary", "primary", TEXT),
    ("on-primary", "primary-hover", TEXT),
    ("crisis", "surface", TEXT),
    ("crisis", "crisis-soft", TEXT),
    ("on-crisis", "crisis", TEXT),
    ("on-crisis", "crisis-hover", TEXT),
    ("text", "crisis-soft", TEXT),
    ("text-muted", "crisis-soft", TEXT),
    ("danger", "danger-soft", TEXT),
    ("danger", "surface", TEXT),
    ("warning", "warning-soft", TEXT),
    ("success", "success-soft", TEXT),
    ("info", "info-soft", TEXT),
    ("ai", "ai-soft", TEXT),
    ("text", "info-soft", TEXT),
    ("text", "danger-soft", TEXT),
    ("text", "warning-soft", TEXT),
    ("text", "success-soft", TEXT),
    ("focus", "bg", LARGE_OR_UI),
    ("focus", "surface", LARGE_OR_UI),
    ("border-strong", "surface", LARGE_OR_UI),
]


def tokens(block: str) -> dict[str, str]:
    return dict(re.findall(r"--color-([a-z-]+):\s*(#[0-9a-fA-F]{6})\s*;", block))


def light_tokens() -> dict[str, str]:
    return tokens(CSS[CSS.index(":root {") : CSS.index("}", CSS.index(":root {"))])


def dark_tokens() -> dict[str, str]:
    start = CSS.index("@media (prefers-color-scheme: dark)")
    block = CSS[start : CSS.index("}\n}", start)]
    return {**light_tokens(), **tokens(block)}


def luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(first: str, second: str) -> float:
    lighter, darker = sorted((luminance(first), luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_the_contrast_formula_matches_known_values() -> None:
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)


def test_dark_scheme_redefines_the_colours() -> None:
    light, dark = light_tokens(), dark_tokens()
    assert len(light) >= 30
    changed = [name for name in light if light[name] != dark[name]]
    assert len(changed) >= len(light) - 2, "the dark scheme sets its own colours"


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_colour_pairs_meet_wcag_aa(scheme: str) -> None:
    palette = light_tokens() if scheme == "light" else dark_tokens()
    failures = []
    for foreground, background, minimum in PAIRS:
        ratio = contrast(palette[foreground], palette[background])
        if ratio < minimum:
            failures.append(f"--color-{foreground} on --color-{background}: {ratio:.2f} < {minimum}")
    assert not failures, f"{scheme}: " + "; ".join(failures)
