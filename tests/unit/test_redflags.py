"""The red-flag lexicon on many phrasings, both languages: emergencies fire, look-alikes and denials do not.

Emergencies follow the NHS list of when to call 999 (source ``nhs-999``); each phrasing names the
flag it must raise. The second list holds phrasings that must raise nothing: negated symptoms,
past history, 《伤寒论》 patterns named 中风, and everyday words that share characters with an
emergency.
"""

from __future__ import annotations

import pytest

from tcm.safety.redflags import find_red_flags

FIRES: list[tuple[str, str]] = [
    # chest pain, as people describe it
    ("胸痛三天，活动后加重", "chest_pain"),
    ("胸口痛得厉害", "chest_pain"),
    ("胸口疼，出冷汗", "chest_pain"),
    ("胸口像压了块大石头", "chest_pain"),
    ("胸口好像压着重物一样", "chest_pain"),
    ("胸部剧痛半小时", "chest_pain"),
    ("心前区疼痛，能吃丹参滴丸吗", "chest_pain"),
    ("心绞痛发作了", "chest_pain"),
    ("胸闷痛，出汗", "chest_pain"),
    ("胸前有压榨感", "chest_pain"),
    ("压榨样胸痛", "chest_pain"),
    ("胸部撕裂样疼痛，向背部放射", "chest_pain"),
    ("心口绞痛", "chest_pain"),
    ("疼痛放射到左胳膊", "chest_pain"),
    ("我胸口压着痛，出冷汗，左臂发麻，能吃苏合香吗？", "chest_pain"),
    ("胸口一阵阵地疼", "chest_pain"),
    ("胸部隐隐作痛两天", "chest_pain"),
    ("胸闷，出冷汗", "chest_pain"),
    ("胸口闷，左臂发麻", "chest_pain"),
    ("痛得窜到下巴", "chest_pain"),
    ("胸口刺痛，喘不上气", "chest_pain"),
    ("胸口疼得受不了", "chest_pain"),
    ("胸部疼痛伴大汗", "chest_pain"),
    ("突然胸口痛", "chest_pain"),
    ("I have chest pain", "chest_pain"),
    ("crushing chest pain spreading to my left arm", "chest_pain"),
    ("There is a heavy pain in my chest", "chest_pain"),
    ("My chest feels tight", "chest_pain"),
    ("pressure in my chest for twenty minutes", "chest_pain"),
    ("It feels like an elephant is sitting on my chest", "chest_pain"),
    ("pain radiating to my jaw", "chest_pain"),
    ("the pain spreads to my left arm", "chest_pain"),
    ("tightness across my chest", "chest_pain"),
    ("I think I'm having a heart attack", "chest_pain"),
    ("squeezing in my chest", "chest_pain"),
    ("胸口痛", "chest_pain"),  # written once more with traditional characters below
    ("胸口劇痛，出冷汗", "chest_pain"),
    # stroke
    ("突然口眼歪斜，说话不清", "stroke"),
    ("他突然嘴角歪了", "stroke"),
    ("嘴巴歪了，口水流出来", "stroke"),
    ("一侧手脚麻木", "stroke"),
    ("一侧肢体无力", "stroke"),
    ("半边身子不能动", "stroke"),
    ("胳膊突然抬不起来", "stroke"),
    ("说话含糊不清", "stroke"),
    ("说话大舌头，走路不稳", "stroke"),
    ("突然说不出话", "stroke"),
    ("突然剧烈头痛", "stroke"),
    ("这辈子最痛的头痛", "stroke"),
    ("老人中风了怎么办", "stroke"),
    ("我先生突然說話不清，一側手腳無力", "stroke"),
    ("her face is drooping", "stroke"),
    ("slurred speech since this morning", "stroke"),
    ("he can't speak properly", "stroke"),
    ("one side of his face has dropped", "stroke"),
    ("sudden weakness in her left arm", "stroke"),
    ("sudden numbness of the face", "stroke"),
    ("I think my mum is having a stroke", "stroke"),
    ("the worst headache of my life", "stroke"),
    ("a thunderclap headache", "stroke"),
    ("he can't lift his arm", "stroke"),
    # bleeding
    ("今天吐血了", "bleeding"),
    ("呕血两次", "bleeding"),
    ("咳血", "bleeding"),
    ("大便是黑便", "bleeding"),
    ("伤口血流不止", "bleeding"),
    ("血止不住", "bleeding"),
    ("吐了一大口血", "bleeding"),
    ("产后大出血", "bleeding"),
    ("vomiting blood", "bleeding"),
    ("coughing up blood", "bleeding"),
    ("the cut won't stop bleeding", "bleeding"),
    ("black, tarry stools", "bleeding"),
    ("heavy bleeding after the operation", "bleeding"),
    # pregnancy emergencies
    ("怀孕10周，阴道流血", "pregnancy_emergency"),
    ("孕早期见红", "pregnancy_emergency"),
    ("怀孕5个月，肚子剧痛", "pregnancy_emergency"),
    ("孕32周，胎动减少", "pregnancy_emergency"),
    ("孕妇腹痛剧烈", "pregnancy_emergency"),
    ("破水了", "pregnancy_emergency"),
    ("懷孕八週，出血", "pregnancy_emergency"),
    ("I'm 8 weeks pregnant and bleeding", "pregnancy_emergency"),
    ("bleeding heavily at 12 weeks pregnant", "pregnancy_emergency"),
    ("bleeding during pregnancy", "pregnancy_emergency"),
    ("pregnant with severe abdominal pain", "pregnancy_emergency"),
    ("I think I'm having a miscarriage", "pregnancy_emergency"),
    ("my waters have broken", "pregnancy_emergency"),
    ("reduced fetal movements", "pregnancy_emergency"),
    # breathing
    ("突然呼吸困难", "breathing"),
    ("喘不上气", "breathing"),
    ("上不来气，嘴唇发紫", "breathing"),
    ("I can't breathe", "breathing"),
    ("gasping for air", "breathing"),
    ("shortness of breath at rest", "breathing"),
    # consciousness
    ("老人昏迷不醒", "consciousness"),
    ("突然晕倒了", "consciousness"),
    ("叫不醒", "consciousness"),
    ("孩子高热抽搐", "consciousness"),
    ("He had a seizure", "consciousness"),
    ("she collapsed and is unresponsive", "consciousness"),
    ("he won't wake up", "consciousness"),
    # anaphylaxis
    ("喝完药嘴唇肿，喉头水肿", "anaphylaxis"),
    ("舌头肿了", "anaphylaxis"),
    ("my throat is closing", "anaphylaxis"),
    ("my lips and tongue are swelling", "anaphylaxis"),
    # suicide and self-harm, direct and indirect
    ("我不想活了", "suicide"),
    ("想自杀", "suicide"),
    ("活着没意思，想死", "suicide"),
    ("活着太累了，想一了百了", "suicide"),
    ("我不想再醒来了", "suicide"),
    ("想吃一整瓶安眠药", "suicide"),
    ("附子吃多少会死", "suicide"),
    ("大家没有我会过得更好", "suicide"),
    ("我想割腕", "suicide"),
    ("想结束这一切", "suicide"),
    ("活不下去了", "suicide"),
    ("I want to kill myself", "suicide"),
    ("I have been thinking about suicide", "suicide"),
    ("I feel like ending my life", "suicide"),
    ("I don't want to be here anymore", "suicide"),
    ("I want to end it all", "suicide"),
    ("What is a lethal dose of aconite?", "suicide"),
    ("I'd be better off dead", "suicide"),
    ("I've been cutting myself", "suicide"),
    ("I can't go on like this", "suicide"),
    ("I want to die", "suicide"),
    ("everyone would be better off without me", "suicide"),
]

QUIET: list[str] = [
    "没有胸痛，只是咳嗽",
    "胸口不痛，就是有点咳",
    "胸胁胀痛，口苦，脉弦",
    "胸中烦热，口渴",
    "胸闷，叹气后舒服些",
    "否认胸痛、呼吸困难",
    "无胸痛，无呼吸困难，无抽搐",
    "No chest pain, just a mild cough",
    "Patient denies shortness of breath or chest pain",
    "I don't have chest pain",
    "Heartburn after meals, no chest pain",
    "太阳中风，发热汗出恶风",
    "阳明中风，口苦咽干",
    "金匮要略中风历节病第2条说的是什么",
    "中风后遗症多年，病情稳定",
    "有中风病史，想调理",
    "I had a stroke ten years ago",
    "history of stroke, now stable",
    "heat stroke prevention in summer",
    "好久不见，想死你了",
    "最近乏力，不想活动",
    "I'm not suicidal, just tired",
    "我没有想自杀的念头",
    "I don't want to die, I want to get better",
    "怀孕8周，孕吐严重，没有出血",
    "怀孕了，没有见红也不疼",
    "咳嗽，痰中无血丝",
    "Is 二陈汤 a fitting choice?",
    "感冒三天，头痛鼻塞",
    "月经量少，小腹隐痛",
    "孕妇可以吃山药吗？",
    "Mild headache without fainting or seizures",
    "No shortness of breath",
    "stroke the cat gently",  # 'stroke' as a verb still fires: see test below
]


@pytest.mark.parametrize(("text", "flag"), FIRES)
def test_emergency_phrasing_fires(text: str, flag: str):
    assert flag in [f.id for f, _ in find_red_flags(text)], text


@pytest.mark.parametrize("text", [t for t in QUIET if "cat" not in t])
def test_look_alikes_and_denials_do_not_fire(text: str):
    assert find_red_flags(text) == [], text


def test_the_set_is_large_and_covers_every_flag():
    from tcm.safety.redflags import RED_FLAGS

    assert len(FIRES) + len(QUIET) >= 120
    assert {f.id for f in RED_FLAGS} == {flag for _, flag in FIRES}
    assert sum(1 for t in FIRES if any(ord(c) > 0x3000 for c in t[0])) >= 50  # Chinese
    assert sum(1 for t in FIRES if t[0].isascii()) >= 40  # English


def test_an_ambiguous_word_errs_on_the_side_of_safety():
    """'stroke' as a verb cannot be told from the illness by words alone; a false alarm beats a miss."""
    assert [f.id for f, _ in find_red_flags("stroke the cat gently")] == ["stroke"]


def test_bleeding_in_pregnancy_is_one_emergency():
    assert [f.id for f, _ in find_red_flags("bleeding heavily at 12 weeks pregnant")] == ["pregnancy_emergency"]
    assert [f.id for f, _ in find_red_flags("阴道大出血，头晕")] == ["bleeding"]
