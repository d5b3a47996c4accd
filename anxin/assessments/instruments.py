"""Questionnaires as data: items, answer options, scoring rule, bands with a plain-words meaning,
language versions and the licence line. Nothing here is a diagnosis: bands describe a screening
result, and every result page says so.

Only instruments whose terms allow use in an online service are here (docs/assessments.md says
why PSS-10 and the C-SSRS are not). Texts are data in both languages, not UI strings: a validated
translation must not be re-worded by whoever edits the UI catalogue.
"""

from __future__ import annotations

from dataclasses import dataclass

from anxin.assessments.errors import UnknownInstrument

LANGUAGES = ("zh-CN", "en")


@dataclass(frozen=True, slots=True)
class Text:
    en: str
    zh: str

    def get(self, locale: str) -> str:
        return self.zh if locale == "zh-CN" else self.en


@dataclass(frozen=True, slots=True)
class Option:
    value: int
    label: Text


@dataclass(frozen=True, slots=True)
class Band:
    code: str
    low: int  # inclusive, on the reported score
    high: int  # inclusive
    label: Text
    meaning: Text
    severity: int  # 0 = best; the chart shades bands by it


@dataclass(frozen=True, slots=True)
class RiskRule:
    """An item whose answer always indicates risk, whatever any model says."""

    item: int  # 1-based item number
    reason: str  # stable code for safety's flag
    high_from: int  # answers >= this are "high", other answers > 0 "moderate"


@dataclass(frozen=True, slots=True)
class Instrument:
    code: str
    version: int
    name: Text
    instructions: Text
    items: tuple[Text, ...]
    options: tuple[Option, ...]
    multiplier: int  # reported score = raw sum × multiplier (WHO-5's percentage: 4)
    bands: tuple[Band, ...]
    licence: str
    higher_is_better: bool = False
    risk: RiskRule | None = None

    @property
    def raw_max(self) -> int:
        return len(self.items) * max(option.value for option in self.options)

    @property
    def score_max(self) -> int:
        return self.raw_max * self.multiplier

    @property
    def values(self) -> frozenset[int]:
        return frozenset(option.value for option in self.options)

    def band_for(self, score: int) -> Band:
        for band in self.bands:
            if band.low <= score <= band.high:
                return band
        raise ValueError(f"{self.code}: no band holds {score}")


FREQUENCY = (
    Option(0, Text("Not at all", "完全不会")),
    Option(1, Text("Several days", "好几天")),
    Option(2, Text("More than half the days", "一半以上的天数")),
    Option(3, Text("Nearly every day", "几乎每天")),
)

PFIZER_LICENCE = (
    "Developed by Drs. Robert L. Spitzer, Janet B.W. Williams, Kurt Kroenke and colleagues, with an "
    "educational grant from Pfizer Inc. No permission required to reproduce, translate, display or "
    "distribute."
)

_TALK = Text(
    " This is a screening result, not a diagnosis. Talking it over with your counsellor can help.",
    "这是筛查结果，不是诊断。和你的咨询师聊聊这个结果会有帮助。",
)


def _meaning(en: str, zh: str) -> Text:
    return Text(en + _TALK.en, zh + _TALK.zh)


PHQ9 = Instrument(
    code="phq9",
    version=1,
    name=Text("PHQ-9 (mood over the last two weeks)", "PHQ-9（过去两周的情绪）"),
    instructions=Text(
        "Over the last 2 weeks, how often have you been bothered by any of the following problems?",
        "在过去两周里，你有多少时候受到以下问题的困扰？",
    ),
    items=(
        Text("Little interest or pleasure in doing things", "做事时提不起劲或没有兴趣"),
        Text("Feeling down, depressed, or hopeless", "感到心情低落、沮丧或绝望"),
        Text("Trouble falling or staying asleep, or sleeping too much", "入睡困难、睡不安稳或睡眠过多"),
        Text("Feeling tired or having little energy", "感觉疲倦或没有活力"),
        Text("Poor appetite or overeating", "食欲不振或吃太多"),
        Text(
            "Feeling bad about yourself — or that you are a failure or have let yourself or your family down",
            "觉得自己很糟，或觉得自己很失败，或让自己或家人失望",
        ),
        Text(
            "Trouble concentrating on things, such as reading the newspaper or watching television",
            "对事物专注有困难，例如阅读报纸或看电视时",
        ),
        Text(
            "Moving or speaking so slowly that other people could have noticed? Or the opposite — being so "
            "fidgety or restless that you have been moving around a lot more than usual",
            "动作或说话速度缓慢到别人已经觉察？或正好相反——烦躁或坐立不安、动来动去的情况更胜于平常",
        ),
        Text(
            "Thoughts that you would be better off dead or of hurting yourself in some way",
            "有不如死掉或用某种方式伤害自己的念头",
        ),
    ),
    options=FREQUENCY,
    multiplier=1,
    bands=(
        Band(
            "minimal",
            0,
            4,
            Text("Minimal", "极轻微"),
            _meaning(
                "Your answers show few signs of low mood right now.", "你的回答显示目前很少有情绪低落的迹象。"
            ),
            0,
        ),
        Band(
            "mild",
            5,
            9,
            Text("Mild", "轻度"),
            _meaning(
                "Your answers show some signs of low mood. Keep an eye on how you feel over the next weeks.",
                "你的回答显示有一些情绪低落的迹象。接下来几周请留意自己的感受。",
            ),
            1,
        ),
        Band(
            "moderate",
            10,
            14,
            Text("Moderate", "中度"),
            _meaning(
                "Your answers show a fair amount of low mood that is affecting your days.",
                "你的回答显示有相当程度的情绪低落，已经在影响你的日常生活。",
            ),
            2,
        ),
        Band(
            "moderately_severe",
            15,
            19,
            Text("Moderately severe", "中重度"),
            _meaning(
                "Your answers show a lot of low mood. It is worth getting more support soon; your counsellor "
                "can help you decide whether to see a doctor as well.",
                "你的回答显示情绪低落的程度较重。值得尽快获得更多支持；你的咨询师可以帮你判断是否也需要去看医生。",
            ),
            3,
        ),
        Band(
            "severe",
            20,
            27,
            Text("Severe", "重度"),
            _meaning(
                "Your answers show a great deal of low mood. Please seek more support soon; your "
                "counsellor can help you find a doctor or another service.",
                "你的回答显示情绪低落非常严重。请尽快寻求更多支持；你的咨询师可以帮你找到医生或其他服务。",
            ),
            4,
        ),
    ),
    licence=PFIZER_LICENCE,
    risk=RiskRule(item=9, reason="phq9_item9", high_from=2),
)

GAD7 = Instrument(
    code="gad7",
    version=1,
    name=Text("GAD-7 (worry and anxiety over the last two weeks)", "GAD-7（过去两周的担忧与焦虑）"),
    instructions=Text(
        "Over the last 2 weeks, how often have you been bothered by the following problems?",
        "在过去两周里，你有多少时候受到以下问题的困扰？",
    ),
    items=(
        Text("Feeling nervous, anxious, or on edge", "感觉紧张、焦虑或急切"),
        Text("Not being able to stop or control worrying", "不能够停止或控制担忧"),
        Text("Worrying too much about different things", "对各种各样的事情担忧过多"),
        Text("Trouble relaxing", "很难放松下来"),
        Text("Being so restless that it is hard to sit still", "由于不安而无法静坐"),
        Text("Becoming easily annoyed or irritable", "变得容易烦恼或急躁"),
        Text("Feeling afraid, as if something awful might happen", "感到似乎将有可怕的事情发生而害怕"),
    ),
    options=FREQUENCY,
    multiplier=1,
    bands=(
        Band(
            "minimal",
            0,
            4,
            Text("Minimal", "极轻微"),
            _meaning(
                "Your answers show little worry or anxiety right now.", "你的回答显示目前很少有担忧或焦虑。"
            ),
            0,
        ),
        Band(
            "mild",
            5,
            9,
            Text("Mild", "轻度"),
            _meaning(
                "Your answers show some worry or anxiety. Notice what sets it off over the next weeks.",
                "你的回答显示有一些担忧或焦虑。接下来几周留意一下是什么引发了它。",
            ),
            1,
        ),
        Band(
            "moderate",
            10,
            14,
            Text("Moderate", "中度"),
            _meaning(
                "Your answers show a fair amount of worry or anxiety that is affecting your days.",
                "你的回答显示有相当程度的担忧或焦虑，已经在影响你的日常生活。",
            ),
            2,
        ),
        Band(
            "severe",
            15,
            21,
            Text("Severe", "重度"),
            _meaning(
                "Your answers show a great deal of worry or anxiety. Please seek more support soon; your "
                "counsellor can help you decide whether to see a doctor as well.",
                "你的回答显示担忧或焦虑非常严重。请尽快寻求更多支持；你的咨询师可以帮你判断是否也需要去看医生。",
            ),
            4,
        ),
    ),
    licence=PFIZER_LICENCE,
)

WHO5_OPTIONS = (
    Option(5, Text("All of the time", "所有时间")),
    Option(4, Text("Most of the time", "大部分时间")),
    Option(3, Text("More than half of the time", "一半以上时间")),
    Option(2, Text("Less than half of the time", "一半以下时间")),
    Option(1, Text("Some of the time", "偶尔")),
    Option(0, Text("At no time", "从来没有")),
)

WHO5 = Instrument(
    code="who5",
    version=1,
    name=Text("WHO-5 (well-being over the last two weeks)", "WHO-5（过去两周的身心状态）"),
    instructions=Text(
        "Please choose, for each of the five statements, the answer closest to how you have been feeling "
        "over the last two weeks.",
        "请针对以下五句话，分别选择最接近你过去两周感受的一项。",
    ),
    items=(
        Text("I have felt cheerful and in good spirits", "我感到快乐、心情舒畅"),
        Text("I have felt calm and relaxed", "我感到平静和放松"),
        Text("I have felt active and vigorous", "我感到充满活力、精力充沛"),
        Text("I woke up feeling fresh and rested", "我醒来时感到神清气爽、休息充分"),
        Text(
            "My daily life has been filled with things that interest me",
            "我的日常生活中充满了让我感兴趣的事情",
        ),
    ),
    options=WHO5_OPTIONS,
    multiplier=4,
    higher_is_better=True,
    bands=(
        Band(
            "very_low",
            0,
            28,
            Text("Very low well-being", "身心状态很差"),
            _meaning(
                "Your answers show very low well-being. Please tell your counsellor; a questionnaire "
                "about mood (PHQ-9) can help you both understand more.",
                "你的回答显示身心状态很差。请告诉你的咨询师；做一份情绪问卷（PHQ-9）可以帮助你们了解更多。",
            ),
            4,
        ),
        Band(
            "low",
            29,
            49,
            Text("Low well-being", "身心状态偏低"),
            _meaning(
                "Your answers show lower well-being than usual. Small daily routines and support can help.",
                "你的回答显示身心状态比一般情况偏低。规律的小习惯和他人的支持会有帮助。",
            ),
            2,
        ),
        Band(
            "good",
            50,
            100,
            Text("Good well-being", "身心状态良好"),
            _meaning("Your answers show good well-being.", "你的回答显示身心状态良好。"),
            0,
        ),
    ),
    licence=(
        "WHO-5 © Psychiatric Research Unit, Mental Health Centre North Zealand (WHO Collaborating Centre "
        "in Mental Health). Free to use without permission; the official Chinese version is used."
    ),
)

INSTRUMENTS: dict[str, Instrument] = {instrument.code: instrument for instrument in (PHQ9, GAD7, WHO5)}


def instrument(code: str) -> Instrument:
    try:
        return INSTRUMENTS[code]
    except KeyError:
        raise UnknownInstrument() from None


@dataclass(frozen=True, slots=True)
class Choice:
    """A fixed list entry (emotions, referral reasons, kinds of service) with its words in both languages."""

    code: str
    label: Text


EMOTIONS: tuple[Choice, ...] = tuple(
    Choice(code, Text(en, zh))
    for code, en, zh in (
        ("calm", "Calm", "平静"),
        ("happy", "Happy", "开心"),
        ("grateful", "Grateful", "感恩"),
        ("hopeful", "Hopeful", "有希望"),
        ("content", "Content", "满足"),
        ("tired", "Tired", "疲惫"),
        ("anxious", "Anxious", "焦虑"),
        ("sad", "Sad", "难过"),
        ("lonely", "Lonely", "孤独"),
        ("angry", "Angry", "生气"),
        ("irritable", "Irritable", "烦躁"),
        ("stressed", "Stressed", "压力大"),
        ("overwhelmed", "Overwhelmed", "不堪重负"),
        ("numb", "Numb", "麻木"),
        ("ashamed", "Ashamed", "羞愧"),
        ("scared", "Scared", "害怕"),
    )
)
EMOTION_CODES = frozenset(choice.code for choice in EMOTIONS)

REFERRAL_REASONS: tuple[Choice, ...] = tuple(
    Choice(code, Text(en, zh))
    for code, en, zh in (
        ("assessment_needed", "A doctor's assessment may be needed", "可能需要医生评估"),
        ("safety_concern", "Concern for your safety", "担心你的安全"),
        ("medication_question", "Medication may be worth discussing with a doctor", "值得与医生讨论是否用药"),
        (
            "specialist_support",
            "A specialised kind of support may suit you better",
            "更专门的支持可能更适合你",
        ),
        ("practical_support", "Practical or social support", "实际生活或社会方面的支持"),
        ("other", "Another reason (see the notes)", "其他原因（见备注）"),
    )
)
SERVICE_TYPES: tuple[Choice, ...] = tuple(
    Choice(code, Text(en, zh))
    for code, en, zh in (
        ("psychiatry", "Psychiatry clinic (hospital)", "医院精神科"),
        ("psychology_clinic", "Hospital psychology clinic", "医院心理门诊"),
        ("primary_care", "Family doctor or community health centre", "家庭医生或社区卫生服务中心"),
        ("crisis_service", "Crisis service", "危机干预服务"),
        ("specialist_therapy", "Specialist psychotherapy", "专科心理治疗"),
        ("social_services", "Social services or community support", "社会服务或社区支持"),
        ("other", "Other (see the notes)", "其他（见备注）"),
    )
)
REFERRAL_REASON_CODES = frozenset(choice.code for choice in REFERRAL_REASONS)
SERVICE_TYPE_CODES = frozenset(choice.code for choice in SERVICE_TYPES)


def label_of(choices: tuple[Choice, ...], code: str, locale: str) -> str:
    for choice in choices:
        if choice.code == code:
            return choice.label.get(locale)
    return code
