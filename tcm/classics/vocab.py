"""Query vocabulary for the classics: modern Chinese → the classics' own words, and English terms of
Shang Han Lun scholarship → Chinese. The project's own wording (standard textbook equivalences, no
text copied from any book); used only to widen a query, never shown as a translation.
"""

from __future__ import annotations

import re
from functools import lru_cache

# modern phrasing = classical phrasing (alternatives separated by |)
_MODERN = """
怕风=恶风; 怕冷=恶寒|畏寒; 发冷=恶寒; 出汗=汗出; 流汗=汗出; 不出汗=无汗; 没有汗=无汗; 出虚汗=自汗; 气喘=喘; 喘气=喘;
关节痛=骨节疼痛|肢节疼痛; 身上疼=身疼|身疼痛; 全身疼=身疼痛; 浑身疼=身疼痛; 腰疼=腰痛; 脖子=项; 后背=背;
脖子僵硬=项背强|项强; 心慌=心悸|悸; 心跳=心动悸|悸; 睡不着=不得眠|不得卧|不寐; 失眠=不得眠|不得卧; 想睡觉=欲寐|但欲寐;
只想睡觉=但欲寐; 想吐=欲呕|喜呕|欲吐; 恶心=欲呕; 呕吐=呕; 不想吃饭=不欲饮食; 吃不下=不能食|食不下; 胃口差=不欲食;
一阵冷一阵热=往来寒热; 忽冷忽热=往来寒热; 胸胁胀满=胸胁苦满; 胸口闷=胸满|胸痹; 嘴苦=口苦; 口苦=口苦; 眼花=目眩;
头晕=目眩|头眩; 咽喉干=咽干; 嗓子疼=咽痛; 咽喉痛=咽痛; 拉肚子=下利|泄利; 腹泻=下利; 痢疾=下利|热利; 便秘=大便硬|不大便;
大便干=大便硬; 手脚冰冷=手足厥寒|手足厥冷|厥逆; 手脚冰凉=手足厥寒|手足厥冷; 手脚冷=手足厥冷|四逆; 口渴=渴|口燥渴;
很渴=大渴|渴欲饮水; 烦躁=烦躁; 发狂=如狂|发狂; 像发狂=如狂; 说胡话=谵语; 小便不通=小便不利; 尿少=小便不利;
肚子痛=腹痛|腹中痛; 肚子胀=腹满|腹胀满; 心口=心下; 心口痛=心下痛; 按着痛=按之则痛|按之痛; 胃胀=心下痞;
发黄=身黄|发黄; 黄疸=黄疸|身黄; 浮肿=水气|肿; 身体沉重=身重|四肢沉重; 没力气=乏力|少气; 气短=短气|少气;
咳嗽=咳|咳嗽; 咳痰=咳唾|吐痰; 吐血=吐血; 流鼻血=衄; 鼻血=衄; 消瘦=虚羸|羸瘦; 虚弱=虚羸|虚; 病好以后=瘥后|解后;
怀孕=妊娠|怀妊; 孕妇=妊娠; 女人=妇人; 妇女=妇人; 月经=经水; 哭=悲伤欲哭; 打哈欠=欠伸|数欠伸; 两手交叉=叉手;
按在心口=自冒心; 心下悸=心下悸; 治未病=治未病; 养生=养生|摄生; 脉象=脉; 脉快=脉数; 脉慢=脉迟; 脉摸不到=脉微欲绝|脉绝;
脉弱=脉微|脉弱; 快要摸不到=欲绝; 不想喝水=不欲饮; 想喝水=欲饮水; 嗓子里像有东西=咽中如有炙脔; 烤肉=炙脔;
肚子拘急=腹中急痛|里急; 小腹拘急=少腹拘急; 小肚子=少腹; 下腹=少腹; 腰痛=腰痛; 怕热=恶热; 高热=大热|壮热;
里急后重=下重; 蛔虫=蛔; 呕出蛔虫=吐蛔;
提纲=之为病; 总纲=之为病; 主治=主之; 身体=身; 全身=身; 浑身=身; 肚子=腹; 肚皮=腹; 胸口=胸中|心下; 心里=心中;
胃里=胃中; 嗓子=咽|喉; 喉咙=咽|喉; 口水=涎|唾|涎沫; 清口水=涎沫|清涎; 眼睛=目; 腿=足|胫; 脚=足; 膝盖=膝;
手脚=手足|四肢; 胳膊=臂; 腰部=腰; 发烧=发热|身热; 摔倒=仆|倒; 跌倒=仆; 站不稳=振振|欲擗地; 肌肉跳动=肉瞤|身瞤动;
肉跳=肉瞤|瞤动; 抽筋=转筋; 抽搐=瘈疭|痉; 饿=饥; 吃饭=食|饮食; 吃东西=食; 喝水=饮水; 大便=大便|便; 尿=小便|溺;
出血=下血|血; 流血=血; 便血=下血|便血; 停经=经断|经水不利; 闭经=经闭|经水不通; 月经不来=经水不利|经断;
肿块=癥|积|瘕; 包块=癥|积|瘕; 冷痛=寒痛|冷痛; 剧烈=大|甚; 厉害=甚|剧; 越来越=益甚; 时常=时|时时; 经常=时时;
一直=不止; 不停=不止|不休; 碰=触; 往上顶=上冲|上撞; 往上冲=上冲|上逆; 生气=怒; 发怒=怒; 害怕=恐|惊; 受惊=惊;
高兴=喜; 伤心=悲; 悲伤=悲; 健忘=善忘|喜忘; 说话=言|语; 说不出话=不能言|语声不出; 声音嘶哑=声哑|喑; 出冷汗=冷汗;
夜里出汗=盗汗; 白天=昼日; 晚上=夜|暮; 夜里=夜; 下午=日晡; 傍晚=日晡|暮; 早上=旦|晨; 疼=痛|疼; 麻木=不仁|麻木;
没有知觉=不仁; 半身不遂=半身不遂|偏枯; 口眼歪斜=口眼㖞斜|㖞僻; 昏迷=不识人|昏不知人; 不省人事=不识人|不知人;
发抖=振寒|战栗; 打寒战=振寒|寒栗; 怕光=羞明; 口干=口燥|口干; 嘴唇=唇|口唇; 舌头=舌; 脸色=面色; 脸=面; 发红=赤;
打嗝=哕|呃逆; 反酸=吞酸|吐酸; 肠鸣=肠鸣|雷鸣; 肚子响=肠鸣|雷鸣; 放屁=矢气|转矢气; 小孩=小儿; 孩子=小儿;
男人=男子|丈夫; 生孩子=产|生产; 流产=堕胎|半产; 奶水=乳|乳汁; 白带=带下; 吃了药=服药|服; 吃药以后=服药后|服汤;
误用下法=下之|反下之; 误下=下之|反下之; 泻下=下之; 发汗以后=发汗后|汗后; 出汗以后=汗出后; 吐了以后=吐后;
病人=病人|其人; 这个人=其人; 不能碰=不可触近; 不能按=不可按|拒按
翻来覆去=反复颠倒|辗转; 吐泻=吐利|吐下; 上吐下泻=吐利; 又吐又拉=吐利; 想死=欲死; 难受得要死=欲死;
时不时疼=时痛; 一阵阵疼=时痛
"""

# English terms of classical scholarship = Chinese (longest phrase wins; matched on lower-case words)
_ENGLISH = """
greater yang=太阳; tai yang=太阳; taiyang=太阳; yang brightness=阳明; yang ming=阳明; yangming=阳明;
lesser yang=少阳; shao yang=少阳; shaoyang=少阳; greater yin=太阴; tai yin=太阴; taiyin=太阴; lesser yin=少阴;
shao yin=少阴; shaoyin=少阴; reverting yin=厥阴; jue yin=厥阴; jueyin=厥阴; cold damage=伤寒; wind strike=中风;
wind-strike=中风; stomach family=胃家; repletion=实; excess=实; water qi=水气; chest bind=结胸; glomus=痞;
running piglet=奔豚; blood amassment=蓄血; lily disease=百合病; chest impediment=胸痹; consumptive=虚劳;
vacuity taxation=虚劳; fox creeper=狐惑; phlegm rheum=痰饮; rheum=饮; warm disease=温病; summerheat=暑;
outline=之为病; disease of=病; exterior=表; interior=里; floating=浮; sunken=沉; deep=沉; tight=紧; moderate=缓;
faint=微; thready=细; wiry=弦; slippery=滑; rapid=数; slow=迟; bound=结; intermittent=代; about to expire=欲绝;
expire=欲绝; bitter taste=口苦; dry throat=咽干; dizziness=目眩; palpitation=悸; restlessness=烦躁; vexation=烦;
frigid extremities=四逆|厥; cold hands and feet=手足厥寒|手足厥冷; counterflow cold=厥逆; clear-grain diarrhea=下利清谷;
diarrhea=下利; dysentery=下利; tenesmus=下重; heat dysentery=热利; only wants to sleep=但欲寐; desire to sleep=欲寐;
desire only to sleep=但欲寐; sleep=寐; roasted meat=炙脔; throat=咽; visceral agitation=脏躁; yawning=欠伸;
pregnancy=妊娠; woman=妇人; women=妇人; abdominal pain=腹痛|腹中痛; lower abdominal contracture=少腹拘急;
difficult urination=小便不利; low back pain=腰痛; insomnia=不得眠|不得眠; irritability=烦; wheezing=喘; panting=喘;
no sweating=无汗; sweating=汗出; aversion to wind=恶风; aversion to cold=恶寒; fever=发热; headache=头痛;
body pain=身疼; body aches=身疼痛; aching joints=骨节疼痛; nausea=欲呕|喜呕; vomiting=呕; no desire to eat=不欲饮食;
fullness in the chest and rib-side=胸胁苦满; chest and rib-side=胸胁; alternating chills and fever=往来寒热;
shortness of breath=短气; chest and back pain=胸背痛; cough=咳; heart=心; monarch=君主; office=官;
spirit brightness=神明; emaciated=虚羸; shortage of qi=少气; after recovery=解后|瘥后; treat before illness=治未病;
prevention=治未病; liver disease=肝之病; spleen=脾; heat bound in the bladder=热结膀胱; manic=如狂; mania=狂;
below the heart=心下; pain on pressure=按之则痛; belching=噫气; hiccup=哕; jaundice=黄疸|身黄; thirst=渴;
intestinal abscess=肠痈; lung abscess=肺痈; lung atrophy=肺痿; scaly skin=甲错; encrusted skin=肌肤甲错;
blood impediment=血痹; wind water=风水; skin water=皮水; sweet=甘; bitter=苦; pungent=辛; sour=酸; salty=咸;
five viscera=五脏; supplement=补; calm the spirit=安精神; spleen and stomach=脾胃; qi vacuity=气虚;
not yet ill=未病; not yet sick=未病; already ill=已病; already sick=已病; sage=圣人; sages=圣人;
superior physician=上工; superior doctor=上工; inferior physician=下工; right qi=正气; upright qi=正气;
evil=邪; pathogen=邪; yin and yang=阴阳; way of heaven=天道
wilting=痿; wilting disease=痿; upper burner=上焦; middle burner=中焦; lower burner=下焦; triple burner=三焦;
burner=焦; mist=雾; foam=沤; froth=沤; drain=渎; ditch=渎; wishes to die=欲死; wants to die=欲死; agitation=烦躁|躁;
vomiting and diarrhea=吐利; abdominal fullness=腹满; periodic pain=时痛; wrongful purgation=反下之|下之; purgation=下之;
counterflow cold of the limbs=手足逆冷|四逆; cold limbs=手足逆冷|四逆
"""


def _parse(block: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for item in re.split(r"[;\n]", block):  # an entry never spans lines, and a line may end without ';'
        if "=" in item:
            k, v = item.split("=", 1)
            out[k.strip()] = [x.strip() for x in v.split("|") if x.strip()]
    return out


@lru_cache(maxsize=1)
def modern() -> dict[str, list[str]]:
    return _parse(_MODERN)


@lru_cache(maxsize=1)
def english() -> dict[str, list[str]]:
    return _parse(_ENGLISH)


def modern_phrases(zh: str) -> list[tuple[str, list[str]]]:
    """The modern phrases in a Chinese query, each with its classical wordings (longest phrase first)."""
    table = modern()
    out: list[tuple[str, list[str]]] = []
    for key in sorted(table, key=len, reverse=True):
        if key in zh:
            out.append((key, table[key]))
            zh = zh.replace(key, " ")
    return out


def classical_terms(zh: str) -> list[str]:
    """Classical words for the modern phrases in a Chinese query (longest phrase first)."""
    return list(dict.fromkeys(t for _, alts in modern_phrases(zh) for t in alts))


def english_classical_split(query: str) -> tuple[list[list[str]], str]:
    """Chinese for each classical English term in a query ('lesser yin' → [少阴], 'glomus' → [痞]), and the
    query's words left over, the terms replaced by '|' (the glossary reads those)."""
    low = " " + " ".join(re.findall(r"[a-z]+(?:-[a-z]+)?", query.lower())) + " "
    out: list[list[str]] = []
    for key in sorted(english(), key=len, reverse=True):
        if f" {key} " in low:
            out.append(english()[key])
            low = low.replace(f" {key} ", " | ")
    return out, low


def english_classical_terms(query: str) -> list[str]:
    """Chinese for the classical English terms in a query ('lesser yin' → 少阴, 'glomus' → 痞)."""
    return list(dict.fromkeys(t for g in english_classical_split(query)[0] for t in g))
