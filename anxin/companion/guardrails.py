"""What no reply of the companion may do, whoever wrote it: diagnose, advise on medication or doses,
or carry on as usual when someone may be at risk. Generated text is checked here and by the same
crisis screen as people's messages; a reply that fails is replaced by a curated one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from anxin.mind import screen

_DIAGNOSIS = re.compile(
    r"(?ix)"
    r"\b(?:you|u)\s+(?:have|suffer\s+from|are\s+suffering\s+from|probably\s+have|likely\s+have)\s+"
    r"(?:an?\s+)?(?:\w+\s+){0,3}(?:disorder|depression|syndrome|illness|condition|disease)"
    r"|\bmeet\s+the\s+criteria"
    r"|\bdiagnos(?:e|is|ed|ing)\b"
    r"|\b(?:major\s+depressive|bipolar|borderline\s+personality|schizophren|generali[sz]ed\s+anxiety\s+disorder"
    r"|ptsd|ocd|adhd)\b"
    r"|你(?:患有|得了|有)(?:.{0,6})(?:症|障碍|病)|诊断|确诊|抑郁症|双相|精神分裂|焦虑症|强迫症"
)
_MEDICATION = re.compile(
    r"(?ix)"
    r"\b\d+(?:\.\d+)?\s*(?:mg|milligrams?|mcg|ml|µg)\b"
    r"|\b(?:sertraline|zoloft|fluoxetine|prozac|escitalopram|lexapro|citalopram|paroxetine|venlafaxine"
    r"|bupropion|mirtazapine|quetiapine|olanzapine|lithium|diazepam|valium|alprazolam|xanax|lorazepam"
    r"|clonazepam|zolpidem|benzodiazepines?|antidepressants?|ssris?|sleeping\s+pills?)\b"
    r"|\b(?:take|increase|double|stop\s+taking|reduce)\s+(?:your\s+)?(?:dose|dosage|medication|meds|pills?)\b"
    r"|\d+\s*(?:毫克|片|粒)|舍曲林|氟西汀|艾司西酞普兰|帕罗西汀|文拉法辛|米氮平|喹硫平|奥氮平|碳酸锂|地西泮|阿普唑仑|劳拉西泮|氯硝西泮|唑吡坦|安眠药|抗抑郁药|剂量|加药|减药|停药"
)


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    reason: str | None = None


def check_reply(text: str) -> Verdict:
    """May this text be shown as the companion's reply?"""
    if not text.strip():
        return Verdict(False, "empty")
    if _DIAGNOSIS.search(text):
        return Verdict(False, "diagnosis")
    if _MEDICATION.search(text):
        return Verdict(False, "medication")
    if screen(text).flag:
        return Verdict(False, "risk_content")
    return Verdict(True)
