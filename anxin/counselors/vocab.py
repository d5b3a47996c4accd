"""The closed vocabularies of a profile: keys are stored, labels are shown in the reader's language."""

from __future__ import annotations

from anxin.core.notify.templates import N_

QUALIFICATIONS = {
    "cn_counsellor_level2": N_("National Psychological Counsellor, Level 2 (国家二级心理咨询师)"),
    "cn_counsellor_level3": N_("National Psychological Counsellor, Level 3 (国家三级心理咨询师)"),
    "licensed_psychologist": N_("Licensed psychologist"),
    "clinical_psychologist": N_("Registered clinical psychologist"),
    "social_worker": N_("Licensed social worker"),
    "other": N_("Other recognised qualification"),
}
SPECIALTIES = {
    "anxiety": N_("Anxiety"),
    "depression": N_("Low mood and depression"),
    "relationships": N_("Relationships"),
    "career": N_("Career stress"),
    "parenting": N_("Parenting"),
    "trauma": N_("Trauma"),
    "grief": N_("Grief and loss"),
    "sleep": N_("Sleep"),
}
APPROACHES = {
    "cbt": N_("Cognitive behavioural therapy (CBT)"),
    "psychodynamic": N_("Psychodynamic"),
    "humanistic": N_("Humanistic"),
    "family_systems": N_("Family systems"),
    "mindfulness": N_("Mindfulness-based"),
}
LANGUAGES = {"zh": N_("Mandarin Chinese"), "yue": N_("Cantonese"), "en": N_("English")}
MODALITIES = {"text": N_("Text chat"), "voice": N_("Voice call"), "video": N_("Video call")}
GENDERS = {"female": N_("Woman"), "male": N_("Man"), "other": N_("Another gender")}
