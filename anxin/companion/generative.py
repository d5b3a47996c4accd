"""Optional generated replies from any OpenAI-compatible endpoint (``/chat/completions``).

Off unless ``ANXIN_COMPANION_LLM_BASE_URL`` is set. The model only ever sees the recent turns of
one conversation and never decides anything: its text passes the guardrails and the crisis
screen (``guardrails.check_reply``) and is replaced by a curated reply when it fails. Exercises and
crisis handovers are always curated; a slow or failing endpoint falls back to curated replies too.
"""

from __future__ import annotations

import logging
import os

import httpx

from anxin.companion.settings import CompanionSettings

log = logging.getLogger("anxin.companion")

SYSTEM_PROMPT = {
    "en": (
        "You are a supportive self-help companion on a counselling platform, clearly an AI. Reply in "
        "two or three warm sentences using reflective listening. Never diagnose, never name disorders, "
        "never give medication or dose advice. If the person may be at risk, tell them to contact a "
        "crisis line or emergency services now."
    ),
    "zh": (
        "你是心理咨询平台上的自助陪伴助手，明确是 AI。用两三句温暖的话进行共情式倾听回应。"
        "不做诊断，不提及疾病名称，不给任何用药或剂量建议。如果对方可能有危险，请其立即联系危机热线或急救电话。"
    ),
}


def enabled(settings: CompanionSettings) -> bool:
    return bool(settings.companion_llm_base_url)


async def generate(settings: CompanionSettings, lang: str, turns: list[tuple[str, str]]) -> str | None:
    """The endpoint's reply to ``turns`` ((role, text), oldest first), or None when unavailable."""
    if not settings.companion_llm_base_url:
        return None
    headers = {}
    if settings.companion_llm_api_key_env:
        key = os.environ.get(settings.companion_llm_api_key_env)
        if key:
            headers["Authorization"] = f"Bearer {key}"
    messages = [{"role": "system", "content": SYSTEM_PROMPT.get(lang, SYSTEM_PROMPT["en"])}]
    messages += [{"role": role, "content": text} for role, text in turns]
    url = settings.companion_llm_base_url.rstrip("/") + "/chat/completions"
    try:
        async with httpx.AsyncClient(timeout=settings.companion_llm_timeout_seconds) as http:
            answer = await http.post(
                url,
                headers=headers,
                json={"model": settings.companion_llm_model, "messages": messages, "max_tokens": 200},
            )
        answer.raise_for_status()
        content = answer.json()["choices"][0]["message"]["content"]
    except (httpx.HTTPError, KeyError, IndexError, TypeError, ValueError) as exc:
        log.warning("generated reply unavailable", extra={"error": type(exc).__name__})
        return None
    return str(content).strip() or None
