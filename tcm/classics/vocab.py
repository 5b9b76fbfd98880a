"""Query vocabulary for the classics: modern Chinese → the classics' own words, and English terms of
Shang Han Lun scholarship → Chinese. The project's own wording (standard textbook equivalences, no
text copied from any book); used only to widen a query, never shown as a translation.
"""

from __future__ import annotations

import re
from functools import lru_cache

from tcm.retrieval.lexical import stem

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
下午发烧=日晡所发潮热|日晡潮热; 大便不通=不大便; 拉稀=下利|溏; 大便稀=溏|便溏; 胡言乱语=谵语; 神志不清=不识人|神昏;
肚脐=脐; 两肋=两胁|胁; 肋下=胁下; 胁肋=胁; 胸闷=胸满|胸中窒; 痰多=痰|唾; 吐痰=吐涎|唾; 水肿=水气|肿; 腿肿=足肿|胫肿;
眼睛黄=目黄; 皮肤黄=身黄; 小便黄=小便黄|小便赤; 小便多=小便数|小便利; 尿频=小便数; 遗尿=遗溺; 阳痿=阴痿;
遗精=失精; 梦遗=梦失精|梦交; 不孕=无子; 痛经=经水不利|经来腹痛; 乳汁少=乳汁不下|无乳; 难产=难产|产难; 胎动不安=胎动;
牙痛=齿痛; 耳鸣=耳鸣; 耳聋=耳聋; 视力模糊=目不明|目昏; 看不清=目不明|目昏; 眼睛红=目赤; 嗓子哑=声嘶|喑;
吞咽困难=噎|膈; 食欲不振=不欲食; 消化不良=宿食|不消; 积食=宿食; 吃多了=宿食|伤食; 胃痛=胃脘痛|心下痛;
口臭=口臭; 口疮=口疮|口糜; 舌苔=苔; 舌苔黄=苔黄; 舌苔白=苔白; 舌红=舌赤|舌红; 舌头干=舌燥; 咳血=咳血|唾血;
尿血=尿血|溺血; 血块=瘀血|瘀; 健脾=健脾|补脾; 补气=益气|补气; 补血=养血|补血; 化瘀=逐瘀|化瘀; 利尿=利小便|利水;
通便=通大便|下之; 止咳=止咳; 化痰=化痰|消痰; 安神=安神|安精神; 长期服用=久服; 长期吃=久服; 长寿=延年|不老;
延年益寿=延年|不老; 没有毒=无毒; 无毒=无毒; 身体轻=轻身; 春天=春; 夏天=夏; 秋天=秋; 冬天=冬; 情绪=情志|七情;
思虑=思; 忧愁=忧; 惊吓=惊; 针刺=刺|针; 扎针=刺|针; 艾灸=灸; 穴位=穴|俞; 经络=经络|经脉; 中暑=中暍|暑;
感冒=伤风|伤寒|中风; 出疹=疹|斑疹; 疹子=疹; 疟疾=疟; 瘟疫=疫|温疫; 传染=相染|传染; 癫痫=痫|癫; 老人=老人|老;
年纪大=年老|老; 治不好=不治|死; 难治=难治|不治; 能治=可治; 劳累=劳倦|劳; 疲劳=劳倦|倦怠; 没精神=倦怠|神疲;
懒得说话=懒言; 手脚无力=四肢不收|四肢无力; 腿软=痿|足痿; 走不了路=不能行; 骨头疼=骨节疼痛|骨痛; 出汗多=汗出多|大汗出;
大汗=大汗出; 汗多=汗多|汗出多; 头出汗=头汗出; 气往上冲=气上冲; 脉跳得快=脉数; 脉跳得慢=脉迟;
脉有力=脉实; 脉无力=脉虚|脉弱;
躺不下=不得卧; 不能躺=不得卧|不能卧; 不能平躺=不得卧|不能卧; 躺着=卧; 躺下=卧; 牵到=彻|引; 牵扯=引|彻; 放射到=彻|引;
温性的药=温药; 温药=温药; 寒凉的药=寒药|凉药; 调和=和之|和;
稍微=微; 轻微=微; 有点=微; 关节疼=肢节疼痛|骨节疼痛|肢节烦痛; 表证=表证|外证|表; 没解=未解|不解; 没去=未去;
津液耗干=津液内竭; 耗干=竭; 耗伤=伤|竭; 泻下药=攻|下; 蜂蜜=蜜; 栓剂=导; 喝进去=饮入; 喝下去=饮入;
往上=上; 往下=下; 送到=输|归; 传到=输|传; 疏通=通调|通; 暑邪=暑; 感受=受|感; 发病=发|病; 发作=发; 霜降=霜降|霜;
头昏=冒|眩|头眩; 头昏眼花=冒眩|目眩; 蒙住=冒; 胃脘=心下|胃脘; 胃脘下方=心下; 两味=二味; 汗流不停=漏不止|汗出不止;
小便解不出来=小便难|小便不利; 抽紧=急|拘急; 伸屈=屈伸; 屈伸困难=难以屈伸|屈伸不利; 动不了=不用|不能动|不举;
输送=输|行; 发甜=甘; 甜=甘; 肥腻=肥|肥美; 甜食=甘美|甘; 嘴里=口中|口; 早晨=朝|旦|晨; 中午=日中; 日落=日入; 半夜=夜半;
汗法=发汗|汗之; 下法=下之; 吐法=吐之; 没好=未解|不解|不愈|不差; 病还没好=病仍不解|病不解; 烦躁不安=烦躁;
僵=强; 项僵=项强; 痞塞=痞; 发硬=硬|痞硬; 喘不上气=不得息|短气; 寸脉=寸脉|寸口; 稍浮=微浮;
入腑=入府|入腑; 入脏=入藏|入脏;
在脏=在藏|在脏; 在腑=在府|在腑; 积病=积; 聚病=聚; 区分=别|辨; 额头=额; 发黑=黑; 脚心=足下|足心; 发烫=热; 房劳=女劳|房劳;
健康人=平人; 正常人=平人; 不吃不喝=不饮食|不食饮|绝谷; 就会死=死; 会死=死;
病情=病; 进了胃=入于胃|入胃; 先进入=先走|先入; 哪个脏=何脏; 虚损=损|虚劳; 伤了=损|伤; 调节=调|适; 冷暖=寒温;
没排便=不大便; 不排便=不大便; 几天没大便=不大便; 大便干结=大便硬|燥屎; 干结=燥|坚; 肚脐周围=绕脐; 阵阵=时|发作有时;
一阵一阵=发作有时|时; 肠子=肠; 稀水=清水|稀水; 臭=臭|秽; 早亡=夭; 短命=夭; 早死=夭; 寿命=寿; 皮肤=皮|肤|皮肤; 体形=形;
肌肉=肉|肌肉|分肉; 颧骨=颧; 烧心=嘈杂; 嗳气=噫气|噫; 牙齿=齿; 头发=发; 白发=发白; 咯血=唾血|咳血; 尿床=遗溺|遗尿;
崩漏=崩|漏下; 乳房=乳; 儿童=小儿; 做梦=梦; 多梦=多梦|梦; 心烦=心烦|烦; 焦虑=忧|虑; 担心=忧; 忧虑=忧|思; 恐惧=恐|惧;
发呆=默默; 皮肤痒=痒|身痒; 化脓=脓|成脓; 红肿=赤肿|肿; 刺痛=刺痛|如刺; 胀痛=胀痛|满痛; 僵硬=强|拘急; 走路=行; 躺=卧;
坐起=起|坐; 起不来=不能起; 喜欢=喜|好; 不喜欢=恶; 讨厌=恶; 想要=欲; 有时候=时|或; 慢慢=渐|徐; 突然=卒|暴|忽;
好几天=数日; 几天=数日; 一个月=一月|月; 潮湿=湿; 干燥=燥; 衰老=衰|老; 变老=老|衰; 年轻=少|壮; 力气=力;
疲倦=倦|懈怠; 乏力=乏力|无力|倦; 面色=色|面色; 脸红=面赤|面红; 脸色发白=面白|色白; 发青=青; 口唇=唇|口唇; 指甲=爪|爪甲;
偏头痛=偏头痛|头角痛; 腰酸=腰酸|腰痛; 脚肿=足肿|跗肿; 手抖=手颤|振掉; 流泪=泪出|泣; 流口水=涎出|流涎; 声音=声|音;
呼吸=息|呼吸; 喘不过气=喘|息不利|短气; 腹胀=腹满|腹胀; 呕血=吐血|呕血; 便溏=溏|鹜溏; 尿痛=小便痛|淋; 尿黄=小便黄|溺黄;
尿急=小便急|淋; 多饮=饮水多|消渴; 多尿=小便多|小便数; 肥胖=肥; 胖=肥; 吃得多=能食|善食|消谷; 饥饿=饥; 食欲=食;
伤食=伤食|宿食; 喝酒=饮酒; 醉酒=酒醉|醉; 治疗=治; 方子=方; 药方=方; 原因=故|所以; 病因=因|所因; 症状=证|候;
诊断=诊; 预后=生死|死生; 死亡=死; 误治=误|逆; 用错=误; 治错=误治|逆; 催吐=吐之|涌吐; 放血=刺血|出血;
按摩=按摩|按跷|导引;
刚好=新差|新瘥|初愈; 初愈=新差|新瘥|差后; 病刚好=病新差|新瘥; 恢复正常=已解|平|和; 恢复=复|愈; 硬让=强与|强; 强迫=强;
少吃=损谷|少食|节食; 多吃=强与谷|多食|过食; 吃太多=过食|饱食|多食; 吃太饱=饱食|过饱; 吃饱=饱; 节食=损谷|节饮食; 有钱=富;
富贵=富贵|贵; 穷=贫; 贫穷=贫; 地位高=贵; 地位低=贱; 落魄=贱|失势; 以前=尝|昔|先; 从前=尝|昔; 原来=本|故; 后来=后;
外邪=邪|外邪; 发火=怒; 爱发火=善怒|多怒; 脾气大=善怒|多怒; 性子=心|性; 刚烈=刚|悍; 性格=性|心; 急躁=躁|急;
胆小=怯|胆怯; 毒性大=大毒; 没毒=无毒; 毒性=毒; 六成=十去其六; 七成=十去其七; 八成=十去其八; 九成=十去其九;
过头=过之|太过; 过度=过|太过; 体质=形|质; 强壮=强|壮|盛; 耐受=胜|耐; 忍受=耐|胜; 受得了=胜; 受不了=不胜|不耐;
猛烈=猛|峻; 猛药=峻药|毒药; 补药=补|补剂; 泻药=下药|攻; 吐药=吐剂|吐之; 针灸=针|灸|刺; 血管=脉|血脉; 骨头=骨;
脑子=脑|髓; 头脑=脑|头; 心脏=心; 肝脏=肝; 脾脏=脾; 肺脏=肺; 肾脏=肾; 胆囊=胆; 子宫=胞|子处|女子胞; 精液=精; 精子=精;
经期=经水|月事; 怀孕期间=妊娠; 分娩=产|生产; 坐月子=产后; 乳汁=乳|乳汁; 小孩子=小儿; 婴儿=小儿|婴儿; 新生儿=初生|小儿;
老年人=老人|老者; 丈夫=夫|丈夫; 妻子=妻|妇; 家里人=家人|人; 亲人=亲; 医生=医|工; 大夫=医; 患者=病人|病者;
庸医=粗工|庸工; 误诊=误|失; 活不了=不治|死; 救活=活|生; 救命=救; 危险=危|殆; 危重=危|笃|剧; 严重=甚|重|剧;
好转=愈|瘥|差; 加重=甚|加|剧; 复发=复|复发; 反复发作=复发|数发; 季节=时|四时; 气候=气|时气; 寒冷=寒|冷; 炎热=热|暑;
下雨=雨; 风吹=风|当风; 受凉=受寒|中寒|感寒; 着凉=中寒|受寒; 烧退了=热退|热除|身凉; 退热=热退|热除;
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
burner=焦; mist=雾; foam=沤; froth=沤; ditch=渎; wishes to die=欲死; wants to die=欲死; agitation=烦躁|躁;
vomiting and diarrhea=吐利; abdominal fullness=腹满; periodic pain=时痛; wrongful purgation=反下之|下之; purgation=下之;
counterflow cold of the limbs=手足逆冷|四逆; cold limbs=手足逆冷|四逆
pulse=脉; pulses=脉; surging=洪; flooding=洪; soggy=濡; scallion stalk=芤; hollow pulse=芤; rough=涩; choppy=涩;
hidden pulse=伏; hasty=促; stirred pulse=动; string-like=弦; bowstring=弦; large pulse=脉大; weak pulse=脉弱;
cun opening=寸口; wrist pulse=寸口; radial pulse=寸口; inch=寸; bar=关; cubit=尺;
liver=肝; lung=肺; kidney=肾; stomach=胃; gallbladder=胆; bladder=膀胱; small intestine=小肠; large intestine=大肠;
pericardium=心包|心主; uterus=胞|子宫; womb=胞|子宫; blood chamber=血室; brain=脑; marrow=髓; bone=骨; sinew=筋;
tendon=筋; flesh=肉; muscle=肌肉|肉; skin=皮|肤; body hair=毛; hair=发|毛; vessel=脉; bowels=腑; six bowels=六腑;
viscera=脏; zang=脏; fu=腑; eye=目; ear=耳; nose=鼻; mouth=口; tongue=舌; lip=唇; teeth=齿; tooth=齿; navel=脐;
umbilicus=脐; rib-side=胁; hypochondrium=胁; flank=胁; abdomen=腹; belly=腹; chest=胸; nape=项; neck=项|颈;
lower back=腰; lumbar=腰; knee=膝; foot=足; feet=足; hand=手; limbs=四肢; four limbs=四肢; joint=节|关节;
qi=气; essence=精; spirit=神; fluids=津液; body fluids=津液; yin=阴; yang=阳; defense=卫; defensive=卫;
construction=营; nutrient=营; original qi=元气; source qi=元气; ancestral qi=宗气; grain qi=谷气; stomach qi=胃气;
kidney qi=肾气; clear yang=清阳; turbid yin=浊阴; ascend=升; descend=降; ascending and descending=升降;
wind=风; cold=寒; heat=热; damp=湿; dampness=湿; dryness=燥; fire=火; phlegm=痰; water=水; toxin=毒; worm=虫;
roundworm=蛔; pestilence=疫|瘟疫; epidemic=疫|瘟疫; damp-heat=湿热; damp heat=湿热; wind-cold=风寒; wind cold=风寒;
wind-heat=风热|风温; cold-damp=寒湿; cold damp=寒湿; summerheat-damp=暑湿; warm pathogen=温邪; latent=伏;
wood=木; earth=土; metal=金; five phases=五行; five elements=五行; engender=生; generate=生; restrain=克|胜;
spring=春; summer=夏; autumn=秋; fall=秋; winter=冬; late summer=长夏; four seasons=四时;
anger=怒; joy=喜; worry=忧; pensiveness=思; thought=思; sorrow=悲; grief=悲; fear=恐; fright=惊; seven emotions=七情;
tidal fever=潮热; afternoon fever=日晡潮热|日晡所发热; delirious speech=谵语; delirium=谵语; constipation=不大便|大便难;
hard stool=大便硬; dry stool=燥屎; spontaneous sweating=自汗; night sweating=盗汗; night sweats=盗汗;
profuse sweating=大汗出; great sweating=大汗出; sweating from the head=头汗出; great thirst=大渴; heart vexation=心烦;
vexing heat=烦热; fright palpitation=惊悸; vertigo=眩|头眩; tinnitus=耳鸣; deafness=耳聋; blurred vision=目眩|目不明;
red eyes=目赤; nosebleed=衄; epistaxis=衄; coughing blood=咳血|唾血; spitting blood=唾血; vomiting blood=吐血;
blood in the stool=便血|下血; bloody stool=便血|下血; blood in the urine=尿血|溺血; edema=水肿|肿; swelling=肿;
chest pain=胸痛; heart pain=心痛; epigastric pain=心下痛|胃脘痛; stomach pain=胃脘痛|心下痛; rib-side pain=胁痛;
stiff neck=项强; stiffness of the nape=项强|项背强; numbness=不仁|麻木; hemiplegia=半身不遂|偏枯;
convulsion=痉|瘈疭; tetany=痉; spasm=拘急|挛; cramp=转筋; hypertonicity=拘急|拘挛; paralysis=不遂|痿;
fatigue=倦|懈惰; lassitude=倦|懈惰; somnolence=嗜卧|欲寐; poor appetite=不欲食|不能食; indigestion=不消|宿食;
food stagnation=宿食|食积; food damage=伤食|宿食; abdominal distension=腹胀|腹满; retching=干呕; dry retching=干呕;
acid regurgitation=吞酸|吐酸; scanty urine=小便少|小便不利; frequent urination=小便数; enuresis=遗溺;
seminal emission=失精|遗精; nocturnal emission=失精|梦遗; impotence=阴痿|阳痿; infertility=无子|不孕;
menstruation=经水|月经; menses=经水|月经; menstrual=经水|月经; amenorrhea=经闭|经水不通; vaginal discharge=带下;
leukorrhea=带下; uterine bleeding=崩|漏下; flooding and spotting=崩漏; miscarriage=半产|堕胎; childbirth=产|生产;
postpartum=产后; after childbirth=产后; breast milk=乳|乳汁; lochia=恶露; sore throat=咽痛|喉痹; hoarse voice=声嘶|喑;
loss of voice=喑|不能言; unconscious=不识人|不省人事; loss of consciousness=不识人|不省人事; coma=不识人|神昏;
syncope=厥; fainting=厥|昏厥; reversal=厥; collapse=脱; yang collapse=亡阳; collapse of yang=亡阳; chills=恶寒|振寒;
shivering=振寒|战栗; heat effusion=发热; aversion to heat=恶热; heavy body=身重; heaviness=重; itching=痒;
rash=疹; macules=斑; papules=疹; sores=疮; ulcer=疮; abscess=痈; carbuncle=痈|疽; boil=疖|疔; scrofula=瘰疬; goiter=瘿;
hernia=疝; mounting=疝; accumulation=积|积聚; masses=癥瘕|积聚; malaria=疟; consumption=痨|劳瘵;
dysphagia=噎膈|噎; wasting thirst=消渴; diabetes=消渴; impediment=痹; painful obstruction=痹; bi=痹; atrophy=痿;
epilepsy=痫|癫; madness=狂|癫; insanity=狂|癫; depression=郁; constraint=郁; plum-pit qi=梅核气|炙脔;
cholera=霍乱; sudden turmoil=霍乱; drum distension=鼓胀|臌胀; ascites=鼓胀|臌胀;
tongue coating=苔; tongue fur=苔; white coating=白苔|苔白; yellow coating=黄苔|苔黄; crimson tongue=舌绛;
red tongue=舌赤|舌红;
promote sweating=发汗; induce sweating=发汗; diaphoresis=发汗; purge=下; precipitate=下; precipitation=下;
induce vomiting=吐; ejection=吐; harmonize=和; warm the interior=温里|温中; warm the center=温中; clear heat=清热;
tonify=补; nourish=养|补; drain=泻; astringe=收|涩; moisten=润; resolve phlegm=化痰|消痰; dispel dampness=除湿|祛湿;
quicken the blood=活血; activate blood=活血; invigorate blood=活血; dispel stasis=逐瘀|祛瘀; move qi=行气|理气;
rectify qi=理气; boost qi=益气; nourish yin=养阴|滋阴; raise yang=升阳; needle=针|刺; needling=刺|针; acupuncture=针|刺;
moxibustion=灸; acupoint=穴|俞; point=穴|俞; channel=经|经脉; meridian=经|经脉; network vessel=络; collateral=络;
decoction=汤; pill=丸; powder=散; paste=膏; plaster=膏; wine=酒; honey=蜜; prescription=方; formula=方;
taken long term=久服; long-term use=久服; prolonged use=久服; lighten the body=轻身; light body=轻身;
prolong life=延年|不老; longevity=延年|不老|长年; non-toxic=无毒; nontoxic=无毒; toxic=有毒; poisonous=有毒;
upper class=上品|上经; superior grade=上品|上经; middle class=中品|中经; lower class=下品|下经; flavor=味; flavour=味;
nature=性|气; cool=凉; neutral=平; deficiency=虚; vacuity=虚; half exterior half interior=半表半里; transmit=传;
counterflow=逆; rebellious qi=气逆|上逆; sinking=陷|下陷; qi aspect=气分; blood aspect=血分; nutrient aspect=营分;
construction aspect=营分; defense aspect=卫分; inspection=望; listening and smelling=闻; inquiry=问;
palpation=切; diagnosis=诊; complexion=色|面色; color=色; colour=色; voice=声; five flavors=五味; five flavours=五味;
five colors=五色; five colours=五色; five grains=五谷; grain=谷; child=小儿; children=小儿; infant=小儿; elderly=老;
old age=老|年老; blood-quickening=活血; orifice-opening=通窍; stasis-expelling=逐瘀; stasis-dispelling=逐瘀;
house of blood=血府; diaphragm=膈; sorghum=秫; millet=秫|粟|黍; reed=苇; thousand li=千里;
ten thousand=万; cup=杯;
with child=有子; unresolved=未解|不解; exterior is unresolved=表未解; cold reversal=寒厥; heat reversal=热厥;
sole=足下|足心; soles of the feet=足下|足心; back transport=背俞; back shu=背俞; vertebra=椎; vertebrae=椎;
ghost gate=鬼门;
clean bowel=净府; mild=微; slight=微; slightly=微; beating=搏; is called=谓之; added to=加于;
incurable=不治|死; untreatable=不治|死; fatal=死; death=死; die=死; dream=梦; heaven=天
alarm point=募; mu point=募; front mu=募; front alarm=募; shu point=俞|输; transport point=俞|输; well point=井;
spring point=荥; stream point=输|俞; river point=经; sea point=合; source point=原; connecting point=络; luo point=络;
cleft point=郄; xi cleft=郄; chronic asthma=喘家; asthmatic=喘家|喘; asthma=喘; strangury=淋; habitual drinker=酒客;
drinker=酒客; alcoholic=酒客; blood loss=亡血; lose blood=亡血; lard=猪膏|猪脂; sneeze=嚏; sneezing=嚏;
hold breath=闭气|引息; startle=惊; mass=积|癥|块; plate=盘; water rheum=水饮; plum pit=梅核;
bi syndrome=痹; consumptive thirst=消渴; emaciation=羸瘦|消瘦;
deficiency vexation=虚烦; yin fire=阴火; center qi=中气; middle qi=中气; prolapse=脱; wind stroke=中风;
blood stasis=瘀血; static blood=瘀血; withdrawal=癫; macule=斑; papule=疹
"""


def _parse(block: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for item in re.split(r"[;\n]", block):  # an entry never spans lines, and a line may end without ';'
        if "=" in item:
            k, v = item.split("=", 1)
            out[k.strip()] = [x.strip() for x in v.split("|") if x.strip()]
    return out


_DAYS = re.compile(r"([一二三四五六七八九十两几数]+)天")  # 七天 → 七日


def modern_form(zh: str) -> str:
    """A modern query with its particle 的 read as the classics' 之 (肾的府 → 肾之府) and its days counted in 日
    (七天 → 七日): the classics seldom write either, so the pairs around them match nothing as typed."""
    return _DAYS.sub(r"\1日", zh.replace("的", "之"))


@lru_cache(maxsize=1)
def modern() -> dict[str, list[str]]:
    return {modern_form(k): v for k, v in _parse(_MODERN).items()}


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


def _words(text: str) -> list[str]:
    """Lower-case English words, lightly stemmed ('pulses' → 'pulse', 'sweating' → 'sweat'), stop words kept."""
    return [stem(w) for w in re.findall(r"[a-z]+", text.lower())]


@lru_cache(maxsize=1)
def _english_keys() -> dict[tuple[str, ...], list[str]]:
    return {tuple(_words(k)): v for k, v in english().items()}


def english_spans(words: list[str]) -> list[tuple[int, int, list[str]]]:
    """(start, end, Chinese) for every classical English term in stemmed ``words``, overlapping ones included:
    the caller picks among them and the glossary's phrases, longest first."""
    keys = _english_keys()
    longest = max(map(len, keys), default=1)
    return [(i, i + n, keys[t]) for i in range(len(words)) for n in range(1, min(longest, len(words) - i) + 1)
            if (t := tuple(words[i : i + n])) in keys]


def longest_first(spans: list[tuple[int, int, int, list[str]]]) -> list[list[str]]:
    """Of overlapping (start, end, rank, wordings) spans of a query's words, the longest ones (the lower rank on a
    tie), in the query's order."""
    taken: set[int] = set()
    chosen: list[tuple[int, list[str]]] = []
    for s, e, _rank, alts in sorted(spans, key=lambda t: (t[0] - t[1], t[2], t[0])):
        if taken.isdisjoint(range(s, e)):
            taken.update(range(s, e))
            chosen.append((s, alts))
    return [alts for _s, alts in sorted(chosen, key=lambda t: t[0])]


def english_classical_terms(query: str) -> list[str]:
    """Chinese for the classical English terms in a query ('lesser yin' → 少阴, 'glomus' → 痞), the longer term
    where two overlap."""
    groups = longest_first([(s, e, 0, alts) for s, e, alts in english_spans(_words(query))])
    return list(dict.fromkeys(t for g in groups for t in g))
