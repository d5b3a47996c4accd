"""Templates keep to the CSP (no inline script, style or event handler) and the macros stay accessible."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from anxin.web.rendering import environment, render_template, template_folders

# The shell's templates and every module's (anxin/<module>/templates).
TEMPLATES = sorted(path for folder in template_folders() for path in folder.rglob("*.html"))
INLINE_PATTERNS = {
    "style attribute": re.compile(r"\sstyle\s*=", re.IGNORECASE),
    "<style> element": re.compile(r"<style[\s>]", re.IGNORECASE),
    "inline <script>": re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.IGNORECASE),
    "event handler attribute": re.compile(r"\son[a-z]+\s*=", re.IGNORECASE),
    "javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
    "absolute URL": re.compile(r"(?:src|href|action)\s*=\s*[\"']?(?:https?:)?//", re.IGNORECASE),
}


def test_there_are_templates_to_check() -> None:
    assert len(TEMPLATES) >= 5


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda path: f"{path.parent.name}/{path.name}")
def test_template_has_nothing_the_csp_would_block(template: Path) -> None:
    source = template.read_text(encoding="utf-8")
    for what, pattern in INLINE_PATTERNS.items():
        match = pattern.search(source)
        assert not match, f"{template.name}: {what} at {match.group(0)!r}" if match else ""


FORM = """{% import "_forms.html" as forms %}
{{ forms.error_summary(errors) }}
{{ forms.input("email", "E-mail", type="email", value="a@b.example", hint="We never share it.",
               errors=errors, required=True, autocomplete="email") }}
{{ forms.input("nickname", "Nickname", errors=errors) }}
{{ forms.textarea("about", "About you", value="<b>hi</b>", errors=errors) }}
{{ forms.select("region", "Region", [("CN", "China"), ("US", "USA")], value="US", errors=errors) }}
{{ forms.checkbox("consent", "I agree", errors=errors, required=True) }}
{{ forms.radios("channel", "How to talk", [("text", "Text"), ("video", "Video")], errors=errors) }}
"""

ERRORS = {"email": "Enter an e-mail address.", "consent": "Please agree to continue.", "channel": "Pick one."}


def render_form(errors: dict[str, str] | None, locale: str = "en") -> str:
    template = environment().from_string(FORM)
    from anxin.web.rendering import rendering_in

    with rendering_in(locale):
        return template.render(errors=errors)


def tag(html: str, element_id: str) -> str:
    match = re.search(rf'<(?:input|textarea|select|fieldset)[^>]*\bid="{element_id}"[^>]*>', html, re.DOTALL)
    assert match, f"no control with id {element_id}"
    return match.group(0)


def test_valid_form_has_no_error_markup() -> None:
    html = render_form(None)
    assert "error-summary" not in html
    assert "aria-invalid" not in html
    email = tag(html, "field-email")
    assert 'aria-describedby="field-email-hint"' in email
    assert 'value="a@b.example"' in email and "required" in email
    assert "&lt;b&gt;hi&lt;/b&gt;" in html, "values are escaped"
    assert 'value="US" selected' in html
    assert "(optional)" in html  # nickname is not required


def test_invalid_fields_are_marked_described_and_summarised() -> None:
    html = render_form(ERRORS)
    email = tag(html, "field-email")
    assert 'aria-invalid="true"' in email
    assert 'aria-describedby="field-email-hint field-email-error"' in email
    assert '<span class="field-error" id="field-email-error">' in html
    consent = tag(html, "field-consent")
    assert 'aria-invalid="true"' in consent and 'aria-describedby="field-consent-error"' in consent
    assert 'aria-invalid="true"' not in tag(html, "field-nickname")
    summary = html[html.index("error-summary") : html.index("</div>")]
    assert 'role="alert"' in html and "data-error-summary" in html
    for name, message in ERRORS.items():
        assert f'<a href="#field-{name}">{message}</a>' in summary
    # Every link in the summary lands on a control.
    assert 'id="field-channel"' in tag(html, "field-channel")


def test_form_macros_speak_the_readers_language() -> None:
    from anxin.core.i18n import gettext

    html = render_form(ERRORS, locale="zh-CN")
    assert gettext("zh-CN", "Please check the following") in html
    assert gettext("zh-CN", "(optional)") in html
    assert "Please check the following" not in html


def test_pages_render_outside_a_request_for_tests() -> None:
    html = render_template("_forms.html", "en", {})
    assert html.strip() == ""
