# ruff: noqa: E501  (the rule tables read best one category per line)
"""Curated bilingual risk lexicons: methods, plans, farewells, ideation, self-harm, harm to others.

Rules catch what small models miss (rare high-risk phrasings) and explain themselves (each hit is a
reason). Two guards keep false alarms down: idioms that only sound alarming ("笑死我了", "累死了",
"this exam is killing me", "I could kill for a coffee") are blanked out before matching, and an
ideation phrase preceded closely by a negation ("我不会自杀", "I would never kill myself") is ignored.
Hits carry categories only, never the matched words, so reasons can be stored and shown safely.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

HIGH = "high"
MODERATE = "moderate"
OTHERS = "harm_to_others"

# category -> severity
CATEGORIES: dict[str, str] = {
    "method": HIGH,
    "plan": HIGH,
    "farewell": HIGH,
    "attempt": HIGH,
    "active_ideation": HIGH,
    "passive_ideation": MODERATE,
    "self_harm": MODERATE,
    "harm_to_others": OTHERS,
}

_ZH_IDIOMS = re.compile(
    r"(?:笑|累|热|冷|饿|困|忙|气|吓|烦|痛|疼|撑|美|帅|急|馋|羡慕|无聊|尴尬|丑|难吃|好吃|好看|香|甜|萌|可爱|酸|晒|挤|堵|吵)"
    r"(?:得要)?死(?:我|人|你|他|她|了|啦|啊|掉了|了都)?"
    r"|想死你|爱死|死机|死循环|死记硬背|死磕|死党|死心塌地|死缠烂打|死角|死胡同|打死也不|死活不|死定了|要死不活地"
    r"|杀时间|杀价|砍价|秒杀|杀毒|杀菌|自杀式(?:袭击|发言|操作)?|(?:游戏|比赛|剧情|电影|小说|新闻|报道)(?:里|中)?的?.{0,6}(?:自杀|死)"
)
_EN_IDIOMS = re.compile(
    r"(?:\b(?:exam|exams|test|work|job|homework|this|that|it|heat|traffic|commute|boss|class|deadline|"
    r"deadlines|shoes|feet|back|suspense|wait|waiting|anticipation|cold|hangover|music|song|jokes?)\s+"
    r"(?:is|are|was|were|'s|’s)?\s*(?:literally\s+|actually\s+|really\s+)?killing\s+me\b)"
    r"|\bkilling\s+me\s+softly\b|\b(?:could|would)\s+(?:literally\s+)?kill\s+for\b|\bkill(?:ed|ing)?\s+(?:it|time)\b"
    r"|\bto\s+die\s+for\b|\bdying\s+(?:to|for)\b|\bdie\s+laughing\b|\b(?:dying|died|dead)\s+(?:of|from)\s+laugh\w*\b"
    r"|\b(?:scared|bored|worried|loved?)\s+(?:me\s+)?to\s+death\b|\bdead\s+(?:tired|serious|wrong|end|line|lines)\b"
    r"|\bdeadlines?\b|\bi'?m\s+dead\s*(?:lol|lmao|😂|🤣)|\blol\s+i'?m\s+dead\b|\bkiller\s+\w+\b"
    r"|\bmy\s+(?:phone|laptop|battery|car)\s+(?:is\s+|just\s+)?(?:dying|died|dead)\b|\bover\s+my\s+dead\s+body\b"
)

_ZH_RULES: dict[str, str] = {
    "attempt": r"自杀未遂|(?:吃|吞)了(?:很多|一堆|一瓶|好多)?(?:安眠药|药)(?:被|送)|洗胃|被(?:送医|救回来)|差点(?:死|杀死自己)|上次自杀",
    "method": r"跳楼|(?:想|要|就)跳下去|跳河|跳江|跳桥|跳海|卧轨|上吊|割腕|烧炭|服毒|喝农药|吃安眠药|吞安眠药|安眠药|百草枯|农药|绳子.{0,6}(?:脖子|挂)|煤气|吞药",
    "plan": r"(?:计划|打算|准备|决定)(?:好了)?.{0,6}(?:自杀|去死|结束(?:自己|生命)|离开这个世界)|(?:攒|存|囤|买)了?.{0,4}(?:安眠药|药)|写好了?遗书|选好了?(?:地方|日子)",
    "farewell": r"遗书|遗言|永别了?|再见了?[，,。\s]*(?:这个)?世界|下辈子(?:再)?见|来世再见|最后一次(?:跟|和)你们?说|别了[，,。\s]*(?:大家|各位|世界)",
    "active_ideation": r"怎么(?:死|自杀)|想自杀|要自杀|去自杀|自杀|轻生|寻死|想死|去死|不想活|活不下去|结束(?:自己的?)?生命|结束一切|了结(?:自己|生命|此生)|杀(?:了|死)自己|死了算了|一死了之|离开这个世界",
    "passive_ideation": r"活着(?:真|好)?没(?:有)?(?:意思|意义)|活着.{0,4}(?:太累|好累|没意思)|不如死了|死了(?:就|也)?(?:好了|解脱)|消失(?:就好|算了|掉)|不想醒来|不想存在|为什么要活着|活着有什么意义|生无可恋",
    "self_harm": r"自残|自伤|割(?:自己|手|手腕|胳膊)|划(?:手|自己|胳膊)|伤害自己|掐自己|撞墙|用刀.{0,4}(?:自己|手)|打自己",
    "harm_to_others": r"(?:杀|弄死|捅死|砍死|宰)了?(?:他|她|他们|她们|你|那个人|全家)|想杀人|报复社会|同归于尽|拿刀.{0,6}(?:砍|捅)",
}
_EN_RULES: dict[str, str] = {
    "attempt": r"\b(?:tried|attempted|tried\s+to)\s+(?:to\s+)?(?:kill\s+myself|end\s+(?:my|it)|suicide|overdose)|\bsuicide\s+attempt|\bmy\s+(?:last|first|second)\s+attempt\b|\bstomach\s+pumped\b|\bwoke\s+up\s+in\s+(?:the\s+)?hospital\s+after\b",
    "method": r"\b(?:overdose|od\s+on|hang(?:ing)?\s+myself|noose|slit\s+my\s+(?:wrists?|throat)|jump\s+(?:off|from)\s+(?:a|the|my)\s+(?:bridge|building|roof|balcony)|in\s+front\s+of\s+a\s+(?:train|truck|bus)|pills?\s+to\s+(?:end|die|kill)|gun\s+to\s+my\s+head|shoot\s+myself|carbon\s+monoxide)\b",
    "plan": r"\b(?:plan(?:ning|ned)?|going|decided|ready)\s+to\s+(?:kill\s+myself|end\s+(?:my\s+life|it\s+all|it|things)|commit\s+suicide|die)\b|\b(?:stockpil\w+|sav(?:ed|ing)\s+up|bought)\s+(?:my\s+)?(?:pills|meds|a\s+rope|a\s+gun)\b|\bset\s+a\s+date\b|\bwrote\s+(?:a|my)\s+(?:suicide\s+)?note\b",
    "farewell": r"\bsuicide\s+note\b|\bgoodbye\s+(?:letter|note|everyone|world|forever)\b|\bthis\s+is\s+(?:my\s+)?goodbye\b|\bwon'?t\s+be\s+(?:around|here)\s+(?:much\s+longer|tomorrow|anymore)\b|\bgiving\s+away\s+my\s+(?:things|stuff|belongings)\b",
    "active_ideation": r"\b(?:kill(?:ing)?\s+myself|end(?:ing)?\s+my\s+(?:own\s+)?life|suicid(?:e|al)|want(?:ed)?\s+to\s+die|wanna\s+die|end\s+it\s+all|take\s+my\s+(?:own\s+)?life|(?:don'?t|do\s+not)\s+want\s+to\s+(?:live|be\s+alive|exist|wake\s+up)|unalive\s+myself)\b",
    "passive_ideation": r"\b(?:better\s+off\s+(?:dead|without\s+me)|no\s+reason\s+to\s+live|wish\s+i\s+(?:was|were)\s+(?:dead|never\s+born)|wish\s+i\s+(?:could\s+)?(?:disappear|not\s+wake\s+up)|(?:can'?t|cannot)\s+(?:go\s+on|do\s+this\s+anymore|keep\s+living)|life\s+is(?:n'?t|\s+not)\s+worth\s+living|tired\s+of\s+(?:living|being\s+alive)|nothing\s+to\s+live\s+for)\b",
    "self_harm": r"\b(?:cut(?:ting)?\s+myself|self[-\s]?harm(?:ing)?|hurt(?:ing)?\s+myself|burn(?:ing|ed)?\s+myself|cut(?:ting)?\s+my\s+(?:arms?|wrists?|legs?|thighs?)|scratch(?:ing)?\s+myself\s+until)\b",
    "harm_to_others": r"\b(?:kill|murder|stab|shoot|hurt)\s+(?:him|her|them|my\s+(?:boss|dad|mom|father|mother|brother|sister|ex|wife|husband|teacher)|everyone|people|someone)\b(?!\s+(?:with\s+kindness|in\s+(?:the\s+)?game))|\bshoot\s+up\s+(?:the|my)\s+(?:school|office|work)\b",
}
_ZH_COMPILED = {k: re.compile(v) for k, v in _ZH_RULES.items()}
_EN_COMPILED = {k: re.compile(v, re.IGNORECASE) for k, v in _EN_RULES.items()}
_ZH_NEGATION = re.compile(
    r"(?:不会|没有|没|从不|从没|从来没有?|不再|并不|绝不|绝对不会|不是要|不用担心我会?)(?:想过?|打算|要)?$"
)
_EN_NEGATION = re.compile(
    r"\b(?:not|never|no\s+longer|don'?t|won'?t|wouldn'?t|didn'?t|isn'?t|am\s+not|i'?m\s+not|no)\s+(?:\w+\s+){0,2}$",
    re.IGNORECASE,
)
_HAN = re.compile(r"[\u4e00-\u9fff]")
_LATIN_WORD = re.compile(r"[A-Za-z]{3}")
# Negation does not cancel attempts, methods, plans or farewells: "没死成" is still an attempt.
_NEGATABLE = {"active_ideation", "passive_ideation", "self_harm", "harm_to_others"}


@dataclass(frozen=True)
class Hit:
    category: str

    @property
    def severity(self) -> str:
        return CATEGORIES[self.category]


def blank_idioms(text: str, language: str) -> str:
    pattern = _ZH_IDIOMS if language == "zh" else _EN_IDIOMS
    return pattern.sub(lambda m: " " * len(m.group(0)), text)


def model_text(text: str) -> str:
    """The text a risk model reads: idioms blanked in both languages, so "累死了" adds no risk evidence."""
    return blank_idioms(blank_idioms(text, "zh"), "en")


def _negated(before: str, language: str) -> bool:
    if language == "zh":
        return bool(_ZH_NEGATION.search(before[-8:]))
    return bool(_EN_NEGATION.search(before[-40:]))


def scan(text: str, language: str) -> list[Hit]:
    """Rule hits in ``text`` (one per category), after idioms are blanked and negations skipped.

    Both rule sets run on mixed-language text: a Chinese sentence can carry an English phrase.
    """
    found: dict[str, Hit] = {}
    for lang, rules in (("zh", _ZH_COMPILED), ("en", _EN_COMPILED)):
        if lang == "en" and language == "zh" and not _LATIN_WORD.search(text):
            continue
        if lang == "zh" and not _HAN.search(text):
            continue
        clean = blank_idioms(text if lang == "zh" else text.lower(), lang)
        for category, pattern in rules.items():
            if category in found:
                continue
            for match in pattern.finditer(clean):
                if category in _NEGATABLE and _negated(clean[: match.start()], lang):
                    continue
                found[category] = Hit(category)
                break
    return list(found.values())
