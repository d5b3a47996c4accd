"""The informed-consent terms a client accepts before the first session with a counsellor.

Recorded in appointments' own ``informed_consents`` (per client, counsellor and version with the
text's hash) rather than as a privacy consent purpose: it is an agreement with one counsellor about
their care, not a permission to process data. A text never changes once published; a change is a
new version, which every client accepts again before their next session.
"""

from __future__ import annotations

from anxin.privacy.consent import text_hash

CURRENT_VERSION = 1
PURPOSE = "informed_consent"

TEXTS: dict[int, dict[str, str]] = {
    1: {
        "en": (
            "Counselling is a conversation with a trained professional that helps you understand what y"
            "ou "
            "are going through and find your own way forward. It is not a medical diagnosis or treatmen"
            "t: if "
            "your counsellor thinks you may need a doctor or a psychiatrist, they will tell you and hel"
            "p you "
            "find one. What you say stays between you and your counsellor, with these limits: if you or"
            " "
            "someone else is in serious danger, if a child or a vulnerable person is being harmed, or i"
            "f the "
            "law requires it, your counsellor must act to keep people safe, and will tell you first whe"
            "n they "
            "can. Your counsellor may discuss your situation without your name with a supervisor. A ses"
            "sion "
            "lasts 50 minutes. Its fee and the cancellation and refund rules are shown before you pay; "
            "if "
            "your counsellor cancels or does not come, you get your money back in full. You can end the"
            " "
            "counselling or ask for another counsellor at any time."
        ),
        "zh-CN": (
            "心理咨询是与受过专业训练的咨询师进行的对话，帮助你理解自己正在经历的事情，找到属于自己的前进方向。"
            "它不是医学诊断或治疗：如果咨询师认为你可能需要医生或精神科医生的帮助，会告诉你并协助你找到合适的"
            "资源。你说的内容只在你和咨询师之间，但有以下例外：如果你或他人处于严重危险中、儿童或弱势人群正在"
            "受到伤害，或法律有要求时，咨询师必须采取行动保护大家的安全，并会在可能时先告诉你。咨询师可能会在"
            "不透露你姓名的情况下与督导讨论你的情况。每次咨询 50 分钟。"
            "费用以及取消和退款规则会在付款前向你展示；"
            "如果咨询师取消或未能出席，你将获得全额退款。你可以随时结束咨询，或申请更换咨询师。"
        ),
    }
}


def current_hash() -> str:
    return text_hash(PURPOSE, CURRENT_VERSION, TEXTS[CURRENT_VERSION])


def text_for(locale: str) -> str:
    texts = TEXTS[CURRENT_VERSION]
    return texts.get(locale, texts["en"])
