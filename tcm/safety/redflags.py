"""Red-flag symptoms in free text that need urgent care, not herbs.

A small curated lexicon in both languages, grouped by what the emergency is. It follows the
NHS list of when to call 999 (source ``nhs-999``): chest pain in the ways people describe it,
the signs of a stroke, heavy bleeding and bleeding or severe pain in pregnancy, breathing,
consciousness, anaphylaxis, and thoughts of suicide or self-harm, direct or indirect. A mention
in a negated clause ("no chest pain", "没有胸痛") or told as past history ("中风后遗症",
"a stroke ten years ago") does not count; nor do the 《伤寒论》 patterns 太阳中风/阳明中风, or
everyday phrases that share words with an emergency (想死你了, 不想活动, heat stroke).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tcm.safety.negation import negated


@dataclass(frozen=True)
class RedFlag:
    id: str
    label_en: str
    label_zh: str
    pattern: re.Pattern[str]


def _p(zh: str, en: str) -> re.Pattern[str]:
    return re.compile(rf"(?:{zh})|(?:\b(?:{en}))", re.IGNORECASE)


_ARM = r"(?:left |right )?(?:arm|jaw|neck|shoulder|back)"
_WHO = r"(?:my|the|his|her)"
_PREGNANT_ZH = (r"怀孕|孕期|妊娠|孕妇|孕早期|孕中期|孕晚期|早孕|孕\d+周|孕[一二三四五六七八九十\d]+个?月|"
                r"怀着(?:孩子|宝宝)")

RED_FLAGS: tuple[RedFlag, ...] = (
    RedFlag("chest_pain", "chest pain (possible heart attack)", "胸痛（可能为心肌梗死）", _p(
        r"胸痛|胸口(?:痛|疼|剧痛|绞痛|刺痛)|胸部(?:剧痛|疼痛|绞痛)|心前区(?:痛|疼|疼痛)|心绞痛|胸(?:口|部)?闷痛|"
        r"压榨样|压榨感|撕裂样(?:痛|疼|疼痛|剧痛)|心口(?:绞痛|剧痛)|"
        r"胸(?:口|部|前)?[^，。！？]{0,4}(?:压了|压着|压住|堵着)[^，。！？]{0,4}(?:石头|东西|重物)|"
        # the chest (not 胸胁, a pattern's flank) hurting in words between: 胸口压着痛, 胸口一阵阵地疼
        r"胸(?:口|部|前)[^，。！？不没无未]{1,4}(?:痛|疼)|"
        # chest tightness with a cold sweat or the left arm: 胸闷，出冷汗 / 胸闷，左臂发麻
        r"胸(?:口|部)?闷[^。！？]{0,12}(?:冷汗|左(?:臂|胳膊|手臂|肩膀?)[^，。！？]{0,2}(?:麻|痛|疼))|"
        r"(?:痛|疼)[^，。！？]{0,6}(?:放射|窜)到(?:左|右)?(?:臂|胳膊|手臂|肩|下巴|下颌|后背|背部)",
        rf"chest pains?|pain in {_WHO} chest|crushing (?:chest|pressure)|chest tightness|"
        rf"tight(?:ness)? (?:in|across) {_WHO} chest|(?:my|his|her) chest (?:feels|is|felt) (?:tight|heavy|crushed)|"
        rf"(?:pressure|squeezing|heaviness|weight) (?:in|on|across) {_WHO} chest|sitting on {_WHO} chest|"
        rf"heart attack|pain (?:radiating|spreading|spreads|going|shooting|moving) (?:to|into|down) {_WHO} {_ARM}|"
        rf"pain (?:radiating|spreading) to {_WHO} (?:jaw|neck|left arm)")),
    RedFlag("stroke", "signs of stroke", "中风征兆", _p(
        # 中风 alone, but not the 《伤寒论》 exterior patterns 太阳中风/阳明中风 that 桂枝汤 treats, nor its sequelae,
        # nor 《金匮要略》 中风历节病 (a chapter and a disease name, not an event)
        r"口眼歪斜|口角歪斜|嘴角歪|嘴(?:巴)?歪|脸歪|半身不遂|偏瘫|一侧肢体无力|一侧手脚无力|"
        r"一侧(?:手脚|肢体|身体|胳膊|手臂|腿)(?:突然)?(?:麻木|发麻|无力|没劲|不能动)|"
        r"半边(?:身子|身体|脸)(?:麻|不能动|没知觉|没有知觉|无力)|"
        r"(?:胳膊|手臂|一只手|一条腿)(?:突然)?(?:抬不起来|举不起来)|"
        r"言语不清|说话(?:不清|含糊|不利索|大舌头)|口齿不清|突然(?:失语|说不出话)|"
        r"(?:突然|骤然)(?:剧烈|爆炸样|炸裂样)头痛|(?:这辈子|一生中|有生以来)最(?:痛|剧烈|严重)的(?:一次)?头痛|雷击样头痛|"
        r"(?<!太阳)(?<!阳明)(?<!少阳)(?<!太阴)(?<!少阴)(?<!厥阴)中风(?!后遗症|病史|史|历节)",
        r"face (?:is )?drooping|facial droop|drooping face|(?:face|mouth) (?:has )?(?:dropped|drooped)|"
        r"side of (?:my|his|her) face (?:has )?(?:dropped|drooped|is drooping)|"
        r"slurred speech|speech is slurred|slurring (?:his|her|my)? ?words|"
        r"(?:can'?t|cannot|unable to) (?:speak|talk) (?:properly|clearly)|weakness on one side|one-sided weakness|"
        r"sudden (?:numbness|weakness)|can'?t lift (?:one|an|his|her|my) arm|"
        r"worst headache (?:of|in) (?:my|his|her) life|sudden(?:ly)? (?:a )?(?:severe|excruciating) headache|"
        r"thunderclap headache|(?<!heat )stroke")),
    RedFlag("bleeding", "severe bleeding", "严重出血", _p(
        r"大出血|吐血|呕血|咯血|咳血|便血不止|黑便|柏油样便|出血不止|血流不止|流血不止|血止不住|止不住血|"
        r"大量(?:出血|流血)|(?:吐|咳|呕)了?(?:很多|好多|一大口|大口|一口)血",
        r"vomiting blood|coughing (?:up )?blood|heavy bleeding|severe bleeding|bleeding heavily|"
        r"bleeding (?:that )?(?:won'?t|will not|does not|doesn'?t) stop|won'?t stop bleeding|"
        r"black,? tarry stools?|blood in (?:the |my )?(?:stool|vomit)")),
    RedFlag("pregnancy_emergency", "pregnancy emergency", "妊娠急症", _p(
        rf"(?:{_PREGNANT_ZH})[^。！？!?]{{0,12}}(?P<sym>出血|流血|见红|剧烈腹痛|腹痛剧烈|肚子剧痛|腹部剧痛|剧痛|"
        r"肚子疼|腹痛)|胎动(?:消失|减少)|破水|羊水破",
        r"bleeding (?:during|in) (?:my |her )?pregnancy|"
        r"pregnan\w*[^.!?]{0,40}(?:bleeding|severe (?:abdominal |belly )?pain)|"
        r"bleeding[^.!?]{0,30}\b(?:weeks?|months?) pregnant|miscarr(?:iage|ying)|"
        r"(?:my |her )?waters? (?:has |have )?broken|(?:reduced|no) (?:fetal|foetal|baby'?s?) movements?")),
    RedFlag("breathing", "difficulty breathing", "呼吸困难", _p(
        r"呼吸困难|喘不上气|喘不过气|喘不上来|上不来气|透不过气|憋得喘不过气|窒息|无法呼吸",
        r"can'?t breathe|cannot breathe|difficulty breathing|struggling to breathe|short(?:ness)? of breath|"
        r"gasping for (?:air|breath)|can'?t catch (?:my|his|her) breath")),
    RedFlag("consciousness", "loss of consciousness or seizure", "意识丧失或抽搐", _p(
        r"昏迷|晕厥|晕倒|叫不醒|不省人事|人事不省|意识不清|神志不清|失去意识|昏过去|晕过去|抽搐|癫痫发作|抽风",
        r"unconscious|unresponsive|collapsed|passed out|fainted|seizures?|convulsions?|having a fit|"
        r"(?:won'?t|will not|can'?t) wake (?:him |her )?up|lost consciousness|blacked out")),
    RedFlag("anaphylaxis", "severe allergic reaction", "严重过敏反应", _p(
        r"喉头水肿|喉咙肿|嗓子肿|嘴唇肿|舌头肿|过敏性休克|过敏[^，。！？]{0,8}(?:喉咙发紧|嗓子发紧|喘不上气)",
        r"anaphyla\w+|swollen (?:lips|tongue|throat)|throat (?:is )?(?:closing|swelling)|"
        r"(?:lips?|tongue|throat|face)(?: and (?:lips?|tongue|throat|face))? (?:is |are )?swelling")),
    RedFlag("suicide", "thoughts of suicide or self-harm", "自杀或自伤念头", _p(
        r"想自杀|自杀|轻生|寻死|不想活(?!动|跃|泼)|想死(?![你您他她它])|活着没意思|活着(?:太累|没有意义|有什么意义)|"
        r"活不下去|结束(?:生命|自己|这一切)|一了百了|不想再醒来|不想醒来|自残|自伤|割腕|跳楼|上吊|"
        r"(?:吃|吞|服)(?:下)?(?:一整瓶|一瓶|一把|整瓶|大量)(?:的)?(?:安眠药|药)|"
        r"没有我[^，。！？]{0,8}(?:更好|会好)|吃多少(?:会|能)?(?:死|毒死)|致死量|致死剂量",
        r"suicid\w*|kill (?:myself|himself|herself)|end(?:ing)? (?:my|his|her) (?:own )?life|self-harm|self harm|"
        r"hurt(?:ing)? myself|cut(?:ting)? myself|(?:don'?t|do not) want to (?:be here|live|be alive|wake up)|"
        r"(?<!n't )(?<!not )want to die|wish I (?:was|were) dead|better off dead|better off without me|end it all|"
        r"(?:can'?t|cannot) go on|no reason to live|lethal dose|fatal dose|overdose on|take all (?:my|the) pills")),
)

# Told as past history, not happening now: "有中风病史", "中风后遗症", "history of stroke", "a stroke ten years ago".
_PAST_BEFORE = re.compile(r"(?:\b(?:history of|previous|prior|old)\b|既往|多年前|\d+年前|"
                          r"[一二三四五六七八九十几两]+年前)[^，,。.;；!?！？]{0,6}$", re.IGNORECASE)
_PAST_AFTER = re.compile(r"^[^，,。.;；!?！？]{0,12}(?:\b(?:years?|months?|decades?) ago\b)|^(?:后遗症|病史|史)",
                         re.IGNORECASE)


def _past(text: str, start: int, end: int) -> bool:
    return bool(_PAST_BEFORE.search(text[max(0, start - 20) : start]) or _PAST_AFTER.search(text[end : end + 24]))


def find_red_flags(text: str) -> list[tuple[RedFlag, str]]:
    """(flag, matched words) for each kind of emergency mentioned (once each), in lexicon order.

    Traditional characters are read as simplified; a mention inside a negated clause, or told as past
    history right where it is named, does not count.
    """
    from tcm.names.forms import to_simplified

    simple = to_simplified(text or "")
    text = simple if len(simple) == len(text or "") else (text or "")
    found: dict[str, tuple[RedFlag, re.Match[str]]] = {}
    for flag in RED_FLAGS:
        for m in flag.pattern.finditer(text):
            start = m.start("sym") if "sym" in flag.pattern.groupindex and m.group("sym") else m.start()
            if not negated(text, start) and not _past(text, m.start(), m.end()):
                found[flag.id] = (flag, m)
                break
    preg = found.get("pregnancy_emergency")
    if preg and "bleeding" in found:  # bleeding in pregnancy is one emergency, the pregnancy one
        m = found["bleeding"][1]
        if m.start() < preg[1].end() and preg[1].start() < m.end():
            del found["bleeding"]
    return [(flag, m.group(0)) for flag, m in found.values()]
