"""Urgent-care guidance for a red flag: what to do now, whom to call, crisis lines for self-harm.

When a red flag fires, the assistant answers with this guidance only, in the user's language, and
no herbs, formulas or doses (a red flag ends herbal advice). Every number here is real and cited
(the ids are sources in corpora/sources.yaml); where the project could not confirm a number it is
left out rather than guessed.
"""

from __future__ import annotations

from dataclasses import dataclass

from tcm.types import Finding


@dataclass(frozen=True)
class Contact:
    number: str
    en: str
    zh: str
    source: str


EMERGENCY = (
    Contact("120", "in mainland China", "中国大陆", "cn-120"),
    Contact("112", "in the European Union", "欧盟", "eu-112"),
    Contact("999", "in the United Kingdom", "英国", "nhs-999"),
    Contact("911", "in the United States", "美国", "us-911"),
)
CRISIS = (
    Contact("12356", "mainland China: national psychological assistance hotline", "全国统一心理援助热线（中国大陆）",
            "cn-12356"),
    Contact("988", "United States: 988 Suicide & Crisis Lifeline (call or text)",
            "美国：988 自杀与危机生命线（电话或短信）", "us-988"),
    Contact("116 123", "United Kingdom and Ireland: Samaritans (free, 24 hours)",
            "英国及爱尔兰：Samaritans（免费，24小时）", "samaritans"),
)

# What to do now, per red flag, while help is on its way (NHS 999 guidance and standard first aid).
NOW: dict[str, tuple[str, str]] = {
    "chest_pain": ("Stop what you are doing, sit down and rest, and do not drive yourself to hospital.",
                   "立即停止活动，坐下休息；不要自己开车去医院。"),
    "stroke": ("Note the time the symptoms started; do not give food, drink or medicine by mouth.",
               "记下症状开始的时间；不要让患者进食、喝水或口服任何药物。"),
    "bleeding": ("Press firmly on any wound with a clean cloth and keep pressing; lie down and keep warm.",
                 "如有伤口，用干净的布用力持续按压；躺下并注意保暖。"),
    "pregnancy_emergency": ("Lie down and rest while you wait, and tell the ambulance crew or maternity unit how "
                            "many weeks pregnant you are.",
                            "等待时躺下休息，并告诉急救人员或产科你怀孕多少周。"),
    "breathing": ("Sit upright and loosen tight clothing; if you have a reliever inhaler or an adrenaline "
                  "auto-injector prescribed for this, use it.",
                  "保持坐位，松开紧身衣物；如有医生开具的急救吸入剂或肾上腺素自动注射笔，立即使用。"),
    "consciousness": ("If the person is not breathing normally, start CPR; during a seizure move hard objects "
                      "away and put nothing in their mouth.",
                      "如患者无正常呼吸，立即开始心肺复苏；抽搐时移开周围硬物，不要往嘴里塞任何东西。"),
    "anaphylaxis": ("Use an adrenaline auto-injector now if one is available; lie down (sit up if breathing is "
                    "hard).",
                    "如有肾上腺素自动注射笔，立即使用；平躺（呼吸困难时可坐起）。"),
    "suicide": ("You are not alone, and help is available right now. Stay with someone you trust, and put "
                "medicines (herbal ones too) and anything you could hurt yourself with out of reach.",
                "你并不孤单，现在就可以得到帮助。请和你信任的人待在一起，把药物（包括中药）和可能伤害自己的物品放到拿不到的地方。"),
}


def sources_cited() -> list[str]:
    """Every source id the guidance cites (each must be in corpora/sources.yaml)."""
    return sorted({c.source for c in (*EMERGENCY, *CRISIS)})


def guidance(flags: list[Finding], language: str) -> str:
    """The whole answer for a question that raised red flags: urgent-care guidance only, no herbal content."""
    from tcm.safety.redflags import RED_FLAGS

    labels = {f.id: f for f in RED_FLAGS}
    ids = list(dict.fromkeys(i for f in flags if f.kind == "red_flag" for i in f.items if i in labels))
    zh = language == "zh"
    what = "、".join(labels[i].label_zh for i in ids) if zh else "; ".join(labels[i].label_en for i in ids)
    call = ("、".join(f"{c.zh} {c.number}" for c in EMERGENCY) if zh else
            ", ".join(f"{c.number} {c.en}" for c in EMERGENCY))
    lines = ([f"⚠️ 你描述的情况可能是紧急情况：{what}。请立即寻求紧急医疗帮助，不要依赖中药。",
              f"现在就拨打急救电话（{call}），或请身边的人马上帮你拨打，或立即去最近的急诊。"]
             if zh else
             [f"⚠️ What you describe may be an emergency: {what}. Get urgent medical help now; do not rely on herbs.",
              f"Call an ambulance now ({call}), ask someone near you to call, or go to the nearest emergency "
              "department."])
    for i in ids:
        if i in NOW:
            lines.append(NOW[i][1] if zh else NOW[i][0])
    if "suicide" in ids:
        crisis = ("；".join(f"{c.zh} {c.number}" for c in CRISIS) if zh else
                  "; ".join(f"{c.en}: {c.number}" for c in CRISIS))
        lines.append(("如有伤害自己的想法，请立即拨打心理援助热线：" if zh else
                      "If you are thinking of harming yourself, call a crisis line now: ") + crisis
                     + ("。如有立即的危险，请拨打急救电话。" if zh else
                        ". If you are in immediate danger, call an ambulance."))
    lines.append("在获得医生帮助之前，不要服用任何中药或补充剂。" if zh else
                 "Do not take any herbal medicine or supplement until a doctor has seen you.")
    return "\n\n".join(lines)
