"""What people agree to, in their words: the text of every consent purpose, per version and language.

A text never changes once published: a change is a new version. The hash of a version's texts is
stored with each consent record, so anyone can prove which words a person was shown. A new version
either keeps earlier grants valid (a clarification) or needs asking again (a new use of data); the
``accepted`` set in ``consent.PURPOSES`` says which.
"""

from __future__ import annotations

TERMS_AND_PRIVACY_V1 = {
    "en": (
        "Anxin is a place for support. It does not diagnose or treat illness. What you share here is "
        "private: messages, notes and questionnaire answers are encrypted, only the people caring for you "
        "can read them, and every time someone on our team opens your information it is recorded. We "
        "never show advertising, never sell your information, and we use it only to provide the help you "
        "ask for. If you, or someone else, may be in danger, we will show you crisis lines at once and a "
        "person may reach out to you. You can download or erase everything we hold about you whenever you "
        "wish, and you can change every optional choice later in your settings."
    ),
    "zh-CN": (
        "安心是一个提供支持的地方，不做疾病诊断或治疗。你在这里分享的内容都是私密的：消息、记录和问卷回答"
        "都经过加密，只有为你提供帮助的人可以查看；我们的工作人员每次查看你的信息都会被记录下来。我们从不展示"
        "广告，从不出售你的信息，只把它用于为你提供你所需要的帮助。如果你或他人可能有危险，我们会立即向你显示"
        "危机求助热线，也可能会有工作人员主动联系你。你可以随时下载或删除我们保存的关于你的全部信息，所有可选"
        "项也都可以之后在设置中更改。"
    ),
}

AI_RISK_SCREENING_V1 = {
    "en": (
        "With your permission, an automated program reads the messages you write on Anxin to look for "
        "signs that you may be in danger, such as thoughts of ending your life or harming yourself. It is "
        "not a diagnosis, and it can be wrong. When it finds such a sign, you will see crisis lines straight "
        "away, and a real person — your counsellor, or a member of our on-call team — will be alerted and "
        "may contact you to check that you are safe. The program looks only for risk; nothing it reads is "
        "used for advertising. You can withdraw this permission at any time, and the program stops reading "
        "your messages from then on. (The AI companion always checks its own conversations for risk; that "
        "is part of using it.)"
    ),
    "zh-CN": (
        "在你同意后，一个自动程序会阅读你在安心写下的消息，留意你可能处于危险中的迹象，例如想要结束生命或伤害"
        "自己的念头。它不是诊断，也可能出错。一旦发现这样的迹象，你会立刻看到危机求助热线，同时会通知一位真实"
        "的工作人员——你的咨询师，或我们的值班人员——他们可能会联系你，确认你是否安全。这个程序只关注风险，它"
        "读到的内容绝不会用于广告。你可以随时撤回这项同意，撤回后程序将不再阅读你的消息。（AI 陪伴在它自己的"
        "对话中始终会进行风险检查，这是使用 AI 陪伴的一部分。）"
    ),
}

AI_EMOTION_ANALYSIS_V1 = {
    "en": (
        "With your permission, an automated program estimates the feelings in what you write or say — for "
        "example, whether you seem low or anxious over the weeks — so that you can see patterns in how you "
        "are doing. These are estimates by a computer, not a diagnosis, and they are stored encrypted. Only "
        "you see them, and your counsellor too if you separately agree to share your measures with them. "
        "Saying no changes nothing else about your care. You can withdraw at any time; no new analysis runs "
        "after that."
    ),
    "zh-CN": (
        "在你同意后，一个自动程序会估计你所写或所说内容中的情绪——例如这几周你是否显得低落或焦虑——帮助你看到"
        "自己状态的变化规律。这些只是计算机的估计，不是诊断，并且会加密保存。只有你能看到；如果你另外同意与咨询师"
        "分享你的测评结果，你的咨询师也能看到。不同意不会影响你得到的任何其他帮助。你可以随时撤回，撤回后不会"
        "再进行新的分析。"
    ),
}

SHARE_MEASURES_WITH_COUNSELLOR_V1 = {
    "en": (
        "With your permission, your own counsellor can see your questionnaire results (such as PHQ-9 or "
        "GAD-7), summaries of your mood diary, and any emotion estimates you have agreed to, so they can "
        "understand how you are between sessions. Only the counsellor you are working with sees them, and "
        "each time they look it is recorded where you can see it. You can stop sharing at any time; your "
        "counsellor then no longer sees your results."
    ),
    "zh-CN": (
        "在你同意后，你自己的咨询师可以看到你的问卷结果（例如 PHQ-9 或 GAD-7）、情绪日记的摘要，以及你已同意"
        "的情绪估计，以便了解你在两次咨询之间的状态。只有正在与你合作的咨询师能看到，他们每次查看都会被记录，"
        "你可以随时查看这些记录。你可以随时停止分享，之后咨询师将不再能看到你的结果。"
    ),
}

DEIDENTIFIED_MODEL_TRAINING_V1 = {
    "en": (
        "With your permission, we may use what you wrote on Anxin to help improve our AI, for example to "
        "recognise more reliably when someone is in danger. Before that, we remove names, phone numbers, "
        "ID numbers, e-mail and street addresses and other details that point to you, and keep the copy "
        "apart from your account. It is never sold or used for advertising. Removing such details is done "
        "with care but cannot be perfect, which is why this is entirely optional and saying no changes "
        "nothing about your care. If you withdraw, nothing new from you is used; a model already trained "
        "cannot unlearn, but copies of your writing not yet used are deleted."
    ),
    "zh-CN": (
        "在你同意后，我们可能会使用你在安心写下的内容来改进我们的 AI，例如更可靠地识别某人是否处于危险中。"
        "在此之前，我们会去除姓名、电话号码、身份证号、电子邮件和住址等能指向你的信息，并将这份副本与你的账户分开"
        "保存。它绝不会被出售或用于广告。去除这些信息的过程很谨慎，但无法做到完美，所以这完全是可选的，不同意"
        "也不会影响你得到的帮助。如果你撤回同意，我们不会再使用你的任何新内容；已经训练好的模型无法“忘记”，"
        "但尚未使用的你的文字副本会被删除。"
    ),
}

CALL_RECORDING_V1 = {
    "en": (
        "With your permission, your voice or video sessions may be recorded so that you can listen again, "
        "or so that a transcript can be made for you. A session is recorded only when both you and your "
        "counsellor agree at its start, and a sign shows the whole time it is being recorded. Recordings "
        "are encrypted; only you and your counsellor can open them, and you can delete them. You can "
        "withdraw at any time; nothing is recorded after that."
    ),
    "zh-CN": (
        "在你同意后，你的语音或视频咨询可能会被录制，方便你之后回听，或为你生成文字记录。只有在每次咨询开始时"
        "你和咨询师都同意的情况下才会录制，录制期间会一直显示提示。录音录像都经过加密，只有你和你的咨询师可以"
        "打开，你也可以删除它们。你可以随时撤回同意，撤回后将不再进行任何录制。"
    ),
}

GUARDIAN_CONSENT_V1 = {
    "en": (
        "You are asked, as the parent or legal guardian of a young person, to agree that they may use "
        "Anxin: talk with a qualified counsellor, take questionnaires, keep a mood diary, and talk with the "
        "AI companion, which always says it is a program and is not a person. What they share is kept "
        "private and encrypted, and we do not pass its content to anyone, including you, unless their "
        "safety is at serious risk or the law requires it; then a counsellor or a member of our team acts "
        "to keep them safe and may contact you. You can withdraw your consent at any time."
    ),
    "zh-CN": (
        "作为一位未成年人的父母或法定监护人，我们请你同意其使用安心：与有资质的咨询师交流、填写问卷、记录情绪"
        "日记，以及与 AI 陪伴对话——AI 陪伴始终会说明自己是程序，而不是真人。他/她分享的内容会被加密并保密，"
        "除非其安全面临严重风险或法律另有要求，我们不会把内容告诉任何人，包括你；在那种情况下，咨询师或我们的"
        "工作人员会采取行动保护其安全，并可能联系你。你可以随时撤回同意。"
    ),
}
