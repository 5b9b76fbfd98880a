"""Red-flag symptoms in free text that need urgent care, not herbs.

A small curated lexicon in both languages, grouped by what the emergency is. It follows the
NHS list of when to call 999 (source ``nhs-999``); a mention preceded by a negation
("no chest pain", "没有胸痛") does not count.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class RedFlag:
    id: str
    label_en: str
    label_zh: str
    pattern: re.Pattern[str]


def _p(zh: str, en: str) -> re.Pattern[str]:
    return re.compile(rf"(?:{zh})|(?:\b(?:{en}))", re.IGNORECASE)


RED_FLAGS: tuple[RedFlag, ...] = (
    RedFlag("chest_pain", "chest pain (possible heart attack)", "胸痛（可能为心肌梗死）", _p(
        r"胸痛|胸口痛|胸口疼|胸口剧痛|胸部剧痛|胸部疼痛|心前区痛|心前区疼痛|心绞痛|胸闷痛|压榨样痛",
        r"chest pains?|pain in (?:my|the|his|her) chest|crushing chest|chest tightness|heart attack")),
    RedFlag("stroke", "signs of stroke", "中风征兆", _p(
        # 中风 alone, but not the 《伤寒论》 exterior patterns 太阳中风/阳明中风 that 桂枝汤 treats
        r"口眼歪斜|口角歪斜|嘴歪|脸歪|半身不遂|偏瘫|一侧肢体无力|一侧手脚无力|半边身子|言语不清|说话不清|口齿不清|突然失语|"
        r"(?<!太阳)(?<!阳明)(?<!少阳)(?<!太阴)(?<!少阴)(?<!厥阴)中风",
        r"face (?:is )?drooping|facial droop|drooping face|slurred speech|weakness on one side|one-sided weakness|"
        r"sudden numbness|can'?t lift (?:one|an|his|her|my) arm|stroke")),
    RedFlag("bleeding", "severe bleeding", "严重出血", _p(
        r"大出血|吐血|呕血|咯血|咳血|便血不止|黑便|柏油样便|出血不止|血流不止|流血不止",
        r"vomiting blood|coughing (?:up )?blood|heavy bleeding|severe bleeding|bleeding (?:that )?(?:won'?t|will not|"
        r"does not|doesn'?t) stop|black,? tarry stools?|blood in (?:the |my )?(?:stool|vomit)")),
    RedFlag("pregnancy_emergency", "pregnancy emergency", "妊娠急症", _p(
        r"(?:怀孕|孕期|妊娠|孕妇|孕\d+周)[^。！？!?]{0,12}(?P<sym>出血|流血|见红|剧烈腹痛|腹痛剧烈|肚子剧痛|腹部剧痛|剧痛)|"
        r"胎动(?:消失|减少)|破水|羊水破",
        r"bleeding (?:during|in) (?:my |her )?pregnancy|"
        r"pregnan\w*[^.!?]{0,40}(?:bleeding|severe (?:abdominal |belly )?pain)|"
        r"(?:my |her )?waters? (?:has |have )?broken|(?:reduced|no) (?:fetal|foetal|baby'?s?) movements?")),
    RedFlag("breathing", "difficulty breathing", "呼吸困难", _p(
        r"呼吸困难|喘不上气|喘不过气|透不过气|憋得喘不过气|窒息",
        r"can'?t breathe|cannot breathe|difficulty breathing|struggling to breathe|short(?:ness)? of breath")),
    RedFlag("consciousness", "loss of consciousness or seizure", "意识丧失或抽搐", _p(
        r"昏迷|晕厥|晕倒|叫不醒|不省人事|意识不清|神志不清|抽搐|癫痫发作",
        r"unconscious|unresponsive|collapsed|passed out|fainted|seizures?|convulsions?|having a fit")),
    RedFlag("anaphylaxis", "severe allergic reaction", "严重过敏反应", _p(
        r"喉头水肿|喉咙肿|嘴唇肿|舌头肿|过敏性休克",
        r"anaphyla\w+|swollen (?:lips|tongue|throat)|throat (?:is )?(?:closing|swelling)|"
        r"(?:lips?|tongue|throat|face)(?: and (?:lips?|tongue|throat|face))? (?:is |are )?swelling")),
    RedFlag("suicide", "thoughts of suicide or self-harm", "自杀或自伤念头", _p(
        r"想自杀|自杀|轻生|不想活|想死|活着没意思|结束生命|自残",
        r"suicid\w*|kill (?:myself|himself|herself)|end(?:ing)? (?:my|his|her) life|self-harm")),
)

# A negation governs the rest of its clause (否认胸痛、呼吸困难 / "denies shortness of breath or chest pain"),
# up to a "but" ("no chest pain but I fainted").
_NEGATION = re.compile(
    r"(?:\b(?:no|not|without|denies|denied|never|none|negative for)\b"
    r"(?:(?!\b(?:but|however|though|although|yet)\b)[^.;!?]){0,60}"
    r"|(?:没有|无|否认|未见|未诉|不伴)(?:(?!但|却|可是)[^，。；;,!?！？]){0,16})$",
    re.IGNORECASE,
)


def find_red_flags(text: str) -> list[tuple[RedFlag, str]]:
    """(flag, matched words) for each kind of emergency mentioned (once each), in lexicon order.

    Traditional characters are read as simplified; a mention inside a negated clause does not count.
    """
    from tcm.corpora.names import to_simplified

    simple = to_simplified(text or "")
    text = simple if len(simple) == len(text or "") else (text or "")
    out = []
    for flag in RED_FLAGS:
        for m in flag.pattern.finditer(text):
            start = m.start("sym") if "sym" in flag.pattern.groupindex and m.group("sym") else m.start()
            if not _NEGATION.search(text[max(0, start - 80) : start]):
                out.append((flag, m.group(0)))
                break
    return out
