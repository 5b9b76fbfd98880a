"""English glosses for Chinese medical terms, so English queries can find Chinese-only facts.

The corpus names syndromes, functions and indications in Chinese only (the standards and the
pharmacopoeia give no English). A practitioner who types "liver qi stagnation" or "cold limbs
and a faint pulse" should still reach 肝郁气滞证 or 四逆汤, so each passage carries a word-by-word
English gloss composed from this glossary (the project's own wording, not copied prose):
longest match first over compounds, then single characters, unknown characters skipped.
The gloss is for search only; it is never shown as a translation.
"""

from __future__ import annotations

from functools import lru_cache

# Compounds first (longest match wins), then single characters. "zh=english words", ";" separated.
_COMPOUNDS = """
四肢=four limbs extremities; 手足=hands feet extremities; 厥逆=cold extremities reversal; 厥冷=cold extremities;
肢冷=cold limbs; 逆冷=cold extremities; 厥寒=cold extremities; 不温=cold not warm;
畏寒=aversion to cold fear of cold; 恶寒=aversion to cold chills; 恶风=aversion to wind;
憎寒=aversion to cold chills; 发热=fever; 身热=body heat fever; 壮热=high fever; 高热=high fever; 潮热=tidal fever;
骨蒸=steaming bone fever; 寒热=chills and fever; 往来寒热=alternating chills and fever;
寒热往来=alternating chills and fever; 无汗=no sweating without sweating; 自汗=spontaneous sweating;
盗汗=night sweats; 汗出=sweating; 多汗=profuse sweating; 大汗=profuse sweating; 头痛=headache; 头晕=dizziness;
眩晕=dizziness vertigo; 目眩=dizziness blurred vision; 头目=head eyes; 项强=stiff neck; 耳鸣=tinnitus ringing ears;
耳聋=deafness hearing loss; 目赤=red eyes; 目暗=dim vision; 昏花=blurred vision; 视物=vision;
明目=brighten eyes improve vision; 咽喉=throat; 咽痛=sore throat; 喉痹=sore throat throat obstruction;
咽干=dry throat; 口干=dry mouth; 口渴=thirst; 烦渴=irritable thirst; 口苦=bitter taste mouth; 口臭=bad breath;
口疮=mouth ulcers; 牙痛=toothache; 齿龈=gums; 牙龈=gums; 鼻塞=nasal congestion stuffy nose; 流涕=runny nose;
鼻渊=sinusitis; 衄血=nosebleed bleeding; 咳嗽=cough; 干咳=dry cough; 咳痰=cough phlegm sputum; 痰多=profuse phlegm;
喘咳=wheezing cough; 咳喘=cough wheezing; 气喘=wheezing panting; 哮喘=asthma wheezing; 短气=shortness of breath;
气短=shortness of breath; 少气=shortness of breath weak breath; 咯血=coughing blood hemoptysis; 咳血=coughing blood;
吐血=vomiting blood; 便血=blood in stool; 尿血=blood in urine; 崩漏=uterine bleeding flooding spotting;
出血=bleeding; 止血=stop bleeding; 胸闷=chest oppression stuffy chest; 胸痛=chest pain;
胸痹=chest impediment chest pain; 心痛=heart pain chest pain; 胸胁=chest and flanks rib-side;
胁痛=rib-side pain flank pain; 胁肋=rib-side flanks; 苦满=fullness distress; 胸满=chest fullness;
痞满=focal distention fullness; 痞闷=fullness stuffiness; 胀满=distention fullness; 脘腹=epigastrium abdomen;
胃脘=epigastrium stomach; 腹痛=abdominal pain; 腹胀=abdominal distention bloating; 少腹=lower abdomen;
小腹=lower abdomen; 拒按=resists pressure; 喜按=likes pressure; 喜温=likes warmth; 心悸=palpitations;
惊悸=fright palpitations; 怔忡=severe palpitations; 心烦=irritability restlessness vexation;
烦躁=irritability restlessness agitation; 失眠=insomnia; 不寐=insomnia; 不眠=insomnia; 多梦=dream-disturbed sleep;
健忘=forgetfulness; 神昏=unconsciousness coma; 谵语=delirious speech delirium; 神疲=fatigue listlessness;
倦怠=fatigue lassitude; 乏力=fatigue weakness; 无力=weakness; 体倦=fatigue; 嗜卧=somnolence;
欲寐=somnolence drowsiness; 面色=complexion face; 萎黄=sallow yellow complexion; 苍白=pale white; 面赤=red face;
形体=body; 消瘦=emaciation weight loss; 食少=poor appetite; 纳呆=poor appetite; 不思饮食=no appetite;
食欲不振=poor appetite; 饮食=food diet; 呕吐=vomiting; 恶心=nausea; 干呕=dry retching; 呕逆=retching vomiting;
呃逆=hiccups; 嗳气=belching; 吞酸=acid reflux; 泄泻=diarrhea; 下利=diarrhea; 下痢=dysentery diarrhea;
痢疾=dysentery; 便溏=loose stools; 溏薄=loose stools; 久泻=chronic diarrhea; 脱肛=rectal prolapse;
便秘=constipation; 大便=stool bowel movement; 秘结=constipation; 燥结=dry constipation; 里急后重=tenesmus urgency;
肠鸣=borborygmus rumbling intestines; 小便=urine urination; 不利=difficult inhibited; 小便不利=difficult urination;
尿频=frequent urination; 遗尿=enuresis bedwetting; 淋证=painful urinary dribbling strangury;
热淋=heat strangury painful urination; 石淋=urinary stones; 水肿=edema swelling; 浮肿=puffy swelling edema;
黄疸=jaundice; 消渴=wasting thirst diabetes; 遗精=seminal emission; 阳痿=impotence; 滑精=spermatorrhea;
不孕=infertility; 月经=menstruation period; 月经不调=irregular menstruation periods;
痛经=painful menstruation dysmenorrhea; 经闭=amenorrhea absent menstruation; 带下=vaginal discharge leukorrhea;
恶露=lochia; 产后=postpartum after childbirth; 妊娠=pregnancy; 胎动不安=threatened miscarriage restless fetus;
安胎=calm the fetus prevent miscarriage; 乳痈=breast abscess mastitis; 乳房=breast; 腰膝=lower back and knees;
酸软=sore and weak; 酸痛=soreness aching; 腰痛=low back pain; 筋骨=sinews and bones; 关节=joints;
痹痛=painful obstruction arthralgia; 风湿=wind-damp rheumatism; 麻木=numbness; 拘挛=spasms contracture;
抽搐=convulsions spasms; 惊风=infantile convulsions; 癫痫=epilepsy seizures; 痫证=epilepsy; 中风=stroke wind-stroke;
半身不遂=hemiplegia paralysis; 口眼歪斜=deviated mouth and eyes facial paralysis; 偏瘫=hemiplegia;
跌打损伤=traumatic injury bruises; 跌扑=falls injury; 骨折=fracture; 外伤=trauma injury;
痈肿=abscess swelling carbuncle; 疮疡=sores ulcers; 疔疮=clove sores boils; 痈疽=carbuncles abscesses;
肿毒=toxic swelling; 瘰疬=scrofula; 湿疹=eczema; 瘙痒=itching; 风疹=urticaria rubella rash; 麻疹=measles;
发斑=maculae rash; 咬伤=bite; 蛇虫=snakes insects; 烫伤=burns; 疟疾=malaria; 虫积=parasites worms; 蛔虫=roundworms;
舌红=red tongue; 舌淡=pale tongue; 苔白=white coating; 苔黄=yellow coating; 苔腻=greasy coating;
少苔=scanty coating; 黄腻=yellow greasy; 白腻=white greasy; 薄白=thin white; 舌绛=crimson tongue; 瘀斑=stasis spots;
瘀点=stasis spots; 脉浮=floating pulse; 脉沉=deep pulse; 脉数=rapid pulse; 脉迟=slow pulse; 脉弦=wiry pulse;
脉细=thready thin pulse; 脉微=faint pulse; 浮紧=floating tight; 浮缓=floating moderate; 洪大=flooding big;
细数=thready rapid; 弦数=wiry rapid; 滑数=slippery rapid; 沉迟=deep slow; 细弱=thready weak; 虚弱=weak deficient;
结代=intermittent irregular pulse; 气虚=qi deficiency; 血虚=blood deficiency; 阴虚=yin deficiency;
阳虚=yang deficiency; 气滞=qi stagnation; 血瘀=blood stasis; 瘀血=blood stasis; 气郁=qi constraint;
肝郁=liver constraint; 郁结=constraint binding; 两虚=deficiency|dual deficiency both deficient;
不足=insufficiency|deficiency; 亏虚=depletion|deficiency; 虚损=deficiency|damage; 气陷=qi sinking;
下陷=sinking prolapse; 上亢=rising|ascendant hyperactivity; 上炎=flaring upward; 内动=internal stirring;
不固=insecure unconsolidated; 不和=disharmony; 不交=failure to communicate; 两亏=deficiency|dual depletion;
湿热=damp heat|damp-heat; 寒湿=cold damp|cold-damp; 风寒=wind cold|wind-cold; 风热=wind heat|wind-heat;
风湿热=wind damp heat; 暑湿=summerheat dampness; 痰湿=phlegm damp|phlegm-damp; 痰热=phlegm heat|phlegm-heat;
痰饮=phlegm fluids; 水湿=water dampness; 热毒=heat toxin; 火毒=fire toxin; 实热=excess heat; 虚热=deficiency heat;
虚寒=deficiency cold; 虚火=deficiency fire; 阴寒=yin cold; 寒凝=cold congealing;
外感=external contraction exterior attack; 表证=exterior pattern; 表实=exterior excess; 表虚=exterior deficiency;
里热=interior heat; 营卫=nutritive and defensive; 营分=nutritive level; 血分=blood level; 气分=qi level;
上焦=upper burner; 中焦=middle burner; 下焦=lower burner; 三焦=triple burner; 心包=pericardium; 膀胱=bladder;
大肠=large intestine; 小肠=small intestine; 脾胃=spleen and stomach; 肝肾=liver and kidney; 心脾=heart and spleen;
心肾=heart and kidney; 肺肾=lung and kidney; 脾肾=spleen and kidney; 肝胆=liver and gallbladder;
肝胃=liver and stomach; 冲任=chong ren vessels; 阳明=yangming; 少阳=shaoyang; 太阳=taiyang; 太阴=taiyin;
少阴=shaoyin; 厥阴=jueyin; 腑实=bowel excess; 清热=clear heat; 解毒=resolve toxicity detoxify;
清热解毒=clear heat resolve toxicity; 泻火=drain fire purge fire; 凉血=cool blood; 燥湿=dry dampness;
利湿=drain dampness; 化湿=transform dampness; 祛湿=dispel dampness; 除湿=eliminate dampness; 渗湿=leach dampness;
利水=promote urination drain water; 消肿=reduce swelling; 通淋=relieve painful urination strangury;
利尿=promote urination diuretic; 退黄=reduce jaundice; 解表=release the exterior; 发汗=induce sweating;
解肌=release the muscle layer; 散寒=disperse cold; 祛风=dispel wind; 疏风=disperse wind; 疏散=disperse;
宣肺=diffuse the lung; 平喘=relieve wheezing calm asthma; 止咳=stop cough; 化痰=transform phlegm; 祛痰=expel phlegm;
消痰=resolve phlegm; 豁痰=flush phlegm; 降气=direct qi downward; 降逆=direct counterflow downward;
止呕=stop vomiting; 和胃=harmonize the stomach; 健脾=strengthen the spleen; 补气=tonify qi;
益气=augment qi tonify qi; 补血=tonify blood; 养血=nourish blood; 滋阴=nourish yin enrich yin; 养阴=nourish yin;
补阴=tonify yin; 温阳=warm yang; 助阳=assist yang; 补肾=tonify kidney; 壮阳=strengthen yang; 回阳=restore yang;
救逆=rescue from collapse; 升阳=raise yang; 举陷=lift the sunken; 固表=secure the exterior; 止汗=stop sweating;
敛汗=restrain sweating; 生津=generate fluids; 止渴=quench thirst; 润燥=moisten dryness; 润肺=moisten the lung;
润肠=moisten the intestines; 通便=unblock the bowels relieve constipation; 泻下=purge downward;
攻下=attack and purge; 活血=invigorate blood; 化瘀=transform stasis; 祛瘀=dispel stasis; 散瘀=disperse stasis;
逐瘀=drive out stasis; 破血=break up blood; 行气=move qi; 理气=regulate qi; 疏肝=soothe the liver spread liver qi;
解郁=relieve constraint; 止痛=relieve pain stop pain; 散结=dissipate nodules; 软坚=soften hardness;
安神=calm the spirit calm the mind; 宁心=calm the heart; 养心=nourish the heart; 镇惊=settle fright;
定惊=settle fright; 开窍=open the orifices; 醒神=revive the spirit; 熄风=extinguish wind; 息风=extinguish wind;
止痉=stop spasms; 平肝=pacify the liver; 潜阳=anchor yang; 温中=warm the middle; 温经=warm the channels;
通络=unblock the collaterals; 通脉=unblock the vessels; 调经=regulate menstruation; 收敛=astringe;
固涩=secure and astringe; 涩肠=astringe the intestines; 止泻=stop diarrhea; 固精=secure essence;
缩尿=reduce urination; 止带=stop discharge; 消食=reduce food stagnation digestion; 消积=reduce accumulation;
杀虫=kill parasites; 排脓=expel pus; 生肌=generate flesh; 透疹=vent rashes; 利咽=benefit the throat;
清肺=clear the lung; 清肝=clear the liver; 清心=clear the heart; 清胃=clear the stomach; 和解=harmonize and resolve;
补中=tonify the middle; 强筋骨=strengthen sinews and bones; 补肝肾=tonify liver and kidney; 益精=augment essence;
填精=replenish essence; 益髓=augment marrow; 截疟=check malaria; 祛暑=dispel summerheat; 清暑=clear summerheat;
中暑=heatstroke; 感冒=common cold; 伤寒=cold damage; 温病=warm disease; 伤风=common cold wind attack;
证候=pattern syndrome; 梅核气=plum-pit qi globus; 食积=food stagnation; 积滞=accumulation stagnation;
虚劳=consumptive deficiency; 剂=formulas; 补益剂=tonifying formulas; 解表剂=exterior-releasing formulas;
清热剂=heat-clearing formulas; 泻下剂=purgative formulas; 温里剂=interior-warming formulas;
理气剂=qi-regulating formulas; 理血剂=blood-regulating formulas; 祛湿剂=dampness-dispelling formulas;
祛痰剂=phlegm-dispelling formulas; 治风剂=wind-treating formulas; 固涩剂=astringent formulas;
安神剂=spirit-calming formulas; 和解剂=harmonizing formulas; 消食剂=digestive formulas;
开窍剂=orifice-opening formulas;
"""

_SINGLES = """
证=pattern syndrome; 热=heat; 血=blood; 痛=pain; 虚=deficiency; 气=qi; 湿=dampness damp; 风=wind; 痰=phlegm;
毒=toxin toxicity; 不=not; 寒=cold; 阴=yin; 肺=lung; 伤=damage injury; 肝=liver; 止=stop; 肿=swelling; 心=heart;
瘀=stasis; 阳=yang; 清=clear; 胃=stomach; 脾=spleen; 病=disease; 经=channel menstruation; 火=fire; 肾=kidney;
解=resolve release; 咳=cough; 疮=sore; 燥=dryness; 水=water fluid; 滞=stagnation; 结=binding; 中=middle;
痹=obstruction impediment; 消=reduce; 腹=abdomen; 阻=obstruction blockage; 下=lower downward; 便=stool; 邪=pathogen;
脉=pulse vessel; 泻=diarrhea drain; 祛=dispel; 痈=abscess; 温=warm; 化=transform; 内=internal; 利=promote;
外=external exterior; 发=emit; 食=food; 目=eye eyes; 肠=intestine bowel; 胸=chest; 表=exterior; 通=unblock;
补=tonify; 头=head; 骨=bone; 郁=constraint depression; 小=small; 积=accumulation; 络=collateral; 闭=block closed;
黄=yellow; 口=mouth; 吐=vomit; 虫=worm parasite; 少=scanty; 舌=tongue; 散=disperse powder; 精=essence; 尿=urine;
喘=wheezing panting; 神=spirit mind; 盛=exuberant excess; 足=foot; 渴=thirst; 类=category; 亏=depletion; 嗽=cough;
饮=fluid retention drink; 咽=throat; 暑=summerheat; 胀=distention bloating; 喉=throat; 益=augment; 犯=invading;
白=white; 汗=sweat sweating; 感=contraction; 淋=strangury dribbling; 津=fluids; 上=upper; 浊=turbid; 乳=breast milk;
赤=red; 行=move; 实=excess; 生=generate; 痢=dysentery; 后=after; 筋=sinew tendon; 损=damage; 呕=vomiting;
烦=irritability vexation; 脘=epigastrium; 逆=counterflow; 脱=collapse prolapse; 苔=coating; 干=dry; 疹=rash;
窍=orifice; 失=loss; 惊=fright; 活=invigorate; 养=nourish; 冷=cold; 厥=reversal cold extremities; 耳=ear;
蕴=accumulation; 凉=cool; 多=profuse; 恶=aversion; 疼=pain; 大=big large; 和=harmonize; 漏=spotting; 满=fullness;
涩=astringent rough; 腰=lower back lumbar; 痞=focal distention; 壅=congestion; 鼻=nose; 儿=child; 胆=gallbladder;
疽=deep abscess; 安=calm; 动=stirring; 晕=dizziness; 眩=vertigo dizziness; 遗=emission; 产=childbirth; 带=discharge;
崩=flooding; 兼=with; 凝=congealing; 肤=skin; 营=nutritive; 久=chronic; 两=both; 出=out; 无=without; 泄=diarrhea;
润=moisten; 调=regulate; 理=regulate; 敛=restrain; 数=rapid; 肌=muscle flesh; 胎=fetus; 痿=atrophy;
胁=flank rib-side; 固=secure; 健=strengthen; 衄=nosebleed; 肢=limb limbs; 焦=burner; 身=body; 除=eliminate;
停=retention; 昏=faint clouded; 红=red; 瘕=mass; 闷=oppression stuffiness; 弱=weak; 疏=soothe; 膝=knee knees;
悸=palpitation; 麻=numbness; 里=interior; 关=joint; 软=soft weak; 痒=itching; 秘=constipation; 开=open; 降=descend;
脓=pus; 疡=ulcer; 体=body; 节=joint; 蒸=steaming; 攻=attack; 扰=harassing disturbing; 劳=taxation; 力=strength;
衰=decline debility; 陷=sinking; 疸=jaundice; 冒=cold; 夹=with; 脏=organ viscera; 眠=sleep; 袭=attack; 聚=gathering;
胞=uterus; 急=acute urgent; 浮=floating; 滋=nourish enrich; 滑=slippery; 腑=bowel; 疫=epidemic; 斑=macules;
牙=tooth teeth; 重=heavy; 挛=spasm; 月=menses; 冲=penetrating; 膈=diaphragm; 疾=disease; 翳=nebula; 微=faint slight;
皮=skin; 癣=tinea ringworm; 眼=eye; 偏=one-sided; 卫=defensive; 流=flowing; 痫=epilepsy; 面=face; 退=abate;
痉=convulsion spasm; 强=stiff strong; 鸣=ringing; 疳=infantile malnutrition; 收=astringe; 石=stone; 炽=blazing;
侵=invasion; 色=color complexion; 肉=flesh; 痔=hemorrhoids; 倦=fatigue; 短=short; 宫=uterus; 脚=foot leg;
手=hand hands; 液=fluid; 疟=malaria; 咯=cough up; 弦=wiry; 瘤=tumor; 自=spontaneous; 盗=night; 塞=congestion;
淡=pale bland; 唇=lips; 肛=anus; 搐=convulsion; 频=frequent; 齿=teeth; 沉=deep heavy; 困=encumbered; 亢=hyperactive;
核=nodule; 疝=hernia; 抽=convulsion; 息=breath; 元=source; 旺=effulgent; 薄=thin; 宣=diffuse; 拘=contracture;
腻=greasy; 细=thready thin; 蒙=clouding; 癫=mania; 溃=ulceration; 酒=alcohol; 萎=withered sallow; 透=vent;
暴=sudden; 涎=drool saliva; 狂=mania; 逐=expel; 乏=fatigue; 背=back; 顽=stubborn; 娠=pregnancy; 妊=pregnancy;
块=lump mass; 躁=agitation; 脑=brain; 髓=marrow; 耗=consumption; 梦=dream; 刺=stabbing; 视=vision; 潮=tidal;
怠=lassitude; 脐=navel; 灼=burning; 早=early; 瘿=goiter; 缓=moderate relax; 蛔=roundworm; 黑=black; 摄=contain;
硬=hard; 房=chamber; 聋=deafness; 溏=loose stool; 腮=cheek mumps; 呃=hiccup; 宁=calm; 紫=purple; 瘫=paralysis;
音=voice; 忘=forget; 壮=strong; 苦=bitter; 瘦=emaciation; 青=green blue; 颈=neck; 瘟=pestilence; 饥=hunger;
稠=thick; 寐=sleep; 肩=shoulder; 泪=tears; 慢=chronic; 紧=tight; 斜=deviated; 项=nape neck; 疲=fatigue; 卧=lying;
迟=slow; 濡=soggy; 怔=palpitation; 臭=foul; 露=lochia; 腿=leg; 涕=nasal discharge; 哑=hoarse; 哮=wheezing;
绛=crimson; 肋=ribs; 秽=foul; 畏=fear; 嗳=belching; 癃=urinary retention; 懒=lazy; 睡=sleep; 稀=thin watery;
汤=decoction; 丸=pill; 膏=paste; 丹=special pill; 饮子=drink; 煎=decoction;
"""


def _parse(block: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in block.replace("\n", " ").split(";"):
        if "=" in item:
            zh, en = item.split("=", 1)
            out[zh.strip()] = en.strip()
    return out


@lru_cache(maxsize=1)
def glossary() -> dict[str, str]:
    """Chinese term → English words (compounds and single characters)."""
    return {**_parse(_SINGLES), **_parse(_COMPOUNDS)}


@lru_cache(maxsize=1)
def _longest() -> int:
    return max(len(k) for k in glossary())


def _units(text: str) -> list[tuple[str, str]]:
    """(Chinese unit, its glossary entry), longest match first, unknown characters skipped."""
    table, longest = glossary(), _longest()
    out: list[tuple[str, str]] = []
    i, n = 0, len(text)
    while i < n:
        for j in range(min(n, i + longest), i, -1):
            en = table.get(text[i:j])
            if en:
                out.append((text[i:j], en))
                i = j
                break
        else:
            i += 1
    return out


@lru_cache(maxsize=8192)
def gloss(text: str) -> str:
    """Word-by-word English, every sense: '脾气虚证' → 'spleen qi deficiency pattern syndrome'."""
    return " ".join(en.replace("|", " ") for _zh, en in _units(text))


@lru_cache(maxsize=8192)
def gloss_primary(text: str) -> str:
    """Word-by-word English, first sense only: '肝郁气滞证' → 'liver constraint qi stagnation pattern'.

    A single character's senses are its words ('constraint depression'); a compound's are split by '|'."""
    words = []
    for zh, en in _units(text):
        words.append(en.split("|")[0] if "|" in en or len(zh) > 1 else en.split()[0])
    return " ".join(words)
