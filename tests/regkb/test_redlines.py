"""Tests for regkb.redlines and corpus/redlines.yaml: every rule fires on a violating clause,
lawful clauses trigger nothing, and every cited provision exists in the corpus."""

from __future__ import annotations

from pathlib import Path

import pytest

from regkb.errors import ConfigError
from regkb.redlines import SEVERITIES, load_rules, match_rules, validate_rules
from regkb.types import Provenance
from tests.regkb.test_vocab import REPO, has_article, needs_shared

RULES_PATH = REPO / "corpus" / "redlines.yaml"

RULE_EXAMPLES: dict[str, str] = {
    "RL-01-violence": "对拒不还款的客户，外访人员可采取必要的强制手段促使其还款。",
    "RL-02-threats": "催收话术可提示客户：再不还款，家人的安全我们不敢保证。",
    "RL-03-insults": "对恶意拖欠的客户，催收员可以称其为“老赖”，以增加心理压力。",
    "RL-04-impersonate-officials": "必要时催收员可以法院工作人员的名义致电借款人，告知即将强制执行。",
    "RL-05-impersonate-lawyer": "电话催收时，催收员可自称律师事务所律师，以增强威慑力。",
    "RL-06-fake-legal-documents": "对逾期90天以上的客户寄送仿真法院传票样式的催收函。",
    "RL-07-false-criminal-liability": "短信模板：您已逾期，如不还款将追究您的刑事责任。",
    "RL-08-false-consequences": "催收时可告知借款人，逾期会影响其子女上学和考公政审。",
    "RL-09-disclose-to-third-parties": "借款人失联的，催收员可以告知其同事借款人的欠款金额，请同事督促还款。",
    "RL-10-contact-list": "借款人授权本公司读取其手机通讯录，逾期后可向通讯录联系人逐一发送提醒。",
    "RL-11-contact-unrelated": "借款人不接电话的，催收员可致电借款人的单位领导说明情况。",
    "RL-12-public-exposure": "对失联客户，可在微信群、抖音等平台曝光其姓名、照片和欠款金额。",
    "RL-13-notices-banners": "外访时可在借款人家门口张贴催收告示。",
    "RL-14-following-waiting": "外访人员可在借款人住所楼下蹲守，直至其出面协商还款。",
    "RL-15-detention": "借款人到公司协商时，在其签署还款承诺书前不得离开公司。",
    "RL-16-enter-home": "外访人员可进入借款人家中核实其财产状况。",
    "RL-17-seize-property": "签订还款协议时，借款人的身份证原件由公司暂扣，还清后返还。",
    "RL-18-night-contact": "催收人员的作业时间为每日7:00至22:00。",
    "RL-19-contact-frequency": "对逾期超过30天的客户，每日电话拨打不少于10次。",
    "RL-20-recording": "电话催收可酌情录音，录音保存6个月后删除。",
    "RL-21-usurious-interest": "借款年化利率为36%，按月付息。",
    "RL-22-upfront-interest": "放款时预先扣除首期利息及服务费，借款人按合同金额还本付息。",
    "RL-23-fee-stacking": "逾期后按日收取罚息，另按月收取违约金和催收服务费。",
    "RL-24-credit-query-without-consent": "催收员可随时查询借款人的征信报告，以了解其其他负债。",
    "RL-25-credit-report-no-notice": "客户逾期超过90天的，直接将其逾期记录报送征信系统，无需另行通知客户。",
    "RL-26-sell-share-data": "本公司可将借款人的个人信息共享给合作机构用于营销推广。",
    "RL-27-subcontract": "受托催收机构可以将部分案件转委托给其合作的其他机构处理。",
    "RL-28-blanket-consent": "借款人注册即视为同意本公司收集、使用其通讯录信息并向第三方提供。",
    "RL-29-location-tracking": "对失联客户，可通过技术手段获取其手机定位信息。",
    "RL-30-borrowed-sim": "外呼团队可使用员工个人名下的手机卡拨打催收电话。",
    "RL-31-non-debtor-liability": "借款人为成年人的，其父母对借款承担连带还款责任，催收员可直接向父母追讨。",
    "RL-32-minors-students": "借款人的未成年子女接听电话的，可请其转告父母尽快还款。",
    "RL-33-limitation-waiver": "借款人自愿放弃诉讼时效抗辩权，本合同项下债权不受诉讼时效限制。",
    "RL-34-forfeiture-collateral": "借款人以名下车辆抵偿债务，如到期未能还清，该车辆直接归出借人所有，双方不再结算。",
    "RL-35-induce-borrowing": "催收员可建议借款人向其他平台借款先还清本公司欠款。",
    "RL-36-deceased-heirs": "借款人死亡的，其继承人应以个人财产全额偿还剩余欠款。",
    "RL-37-exclude-injury-liability": "外访或到店协商期间借款人发生人身伤害的，本公司概不负责。",
    "RL-38-waive-right-to-sue-complain": "借款人自愿放弃就本合同向任何机构投诉及提起诉讼的权利。",
    "RL-39-aggravate-consumer-liability": "因本合同产生的一切费用及风险均由借款人承担，本合同最终解释权归本公司所有。",
    "RL-40-irrevocable-consent": "借款人对本公司收集、使用其个人信息的授权一经作出不得撤回。",
    "RL-41-bundled-consent": "借款人不同意授权本公司读取通讯录的，本公司有权拒绝提供借款服务。",
    "RL-42-sensitive-info-no-separate-consent": "借款人同意本公司在每次登录时采集其人脸信息及声纹，并用于贷后管理。",
    "RL-43-excessive-collection": "借款人同意本公司读取其手机相册、短信记录及已安装应用列表，用于评估还款能力。",
    "RL-44-share-without-separate-consent": "借款人同意本公司将其身份信息、借款信息提供给关联公司及合作伙伴用于联合营销。",
    "RL-45-retention-beyond-necessary": "借款结清或账户注销后，本公司仍可继续保存并使用借款人的个人信息用于产品推广。",
    "RL-46-refuse-data-subject-rights": "借款人在借款存续期间及结清后均无权要求本公司删除其个人信息。",
    "RL-47-data-to-personal-devices": "催收人员可将负责案件的客户信息导出至个人U盘，以便居家办公时使用。",
    "RL-48-no-security-measures": "为提高效率，同组催收坐席可共用系统账号，客户身份证号码以明文存储于共享文件夹。",
    "RL-49-cross-border-transfer": "本公司可将借款人信息同步存储至境外母公司服务器，用于集团统一风控分析。",
    "RL-50-lockout-utilities": "借款人逾期超过90日且拒不配合的，本公司有权更换其住所门锁并停水停电，直至其清偿欠款。",
    "RL-51-compound-interest": "借款人逾期未付的利息计入下期本金，并按合同利率继续计息。",
    "RL-52-unlicensed-lending": "为扩大业务规模，员工可以个人名义向社会不特定对象出借资金，利息归个人所有。",
    "RL-53-jurisdiction-clause": "因本合同发生的争议，由本公司指定的人民法院管辖，借款人放弃提出管辖权异议的权利。",
    "RL-54-bind-third-party-without-signature": "借款人填写的紧急联系人视为本合同的连带保证人，借款人逾期时承担连带清偿责任。",
    "RL-55-spouse-presumed-joint-debt": "借款人已婚的，无论借款用途如何，本借款均视为借款人夫妻共同债务，由其配偶承担共同还款责任。",
    "RL-56-negative-credit-retention": "借款人的逾期记录将在征信系统中永久保存，结清后亦不予删除。",
    "RL-57-credit-report-misuse": "借款人授权本公司查询的信用报告可提供给合作催收机构及营销合作方使用。",
    "RL-58-workplace-visit": "借款人逾期超过30日的，本公司有权派员前往借款人工作单位进行催收。",
    "RL-59-cash-or-private-account": "外访时借款人可当场向外访人员支付现金，或将还款转入催收员个人微信账户。",
    "RL-60-revealing-mail": "催收函件可使用明信片寄送，并在正面醒目位置印有“欠款催收”字样。",
    "RL-61-any-means": "借款人逾期超过60日的，本公司有权采取一切必要手段催收。",
    "RL-62-recovery-commission": "受托机构的服务费按实际催回金额的30%计提，不设其他考核。",
    "RL-63-vulnerable-customers": "借款人以住院、重病为由拖延还款的，催收人员应照常催收，不予暂停。",
}

LAWFUL_CLAUSES = [
    # The two lawful clauses of the brief: permission with limits, and a proper entrustment.
    "借款人失联时，可联系其预留的紧急联系人，但只能询问借款人的联系方式或请其转告回电，"
    "不得向其透露借款人的欠款金额等债务信息。",
    "委托方向受托催收公司提供逾期客户的姓名、电话及欠款信息，受托方仅限于本项目催收使用，不得转委托；"
    "合作终止后受托方应删除全部客户信息，委托方有权对受托方的处理活动进行监督检查。",
    "催收人员主动联系借款人的时间为每日8:00至21:00，夜间不得主动联系。",
    "严禁以暴力、威胁、侮辱等方式催收，严禁冒充公检法人员或律师。",
    "本公司向金融信用信息基础数据库报送借款人不良信息前，应当事先告知借款人本人。",
    "经借款人书面授权后，风险管理部专岗人员方可查询其信用报告，并限于约定用途。",
    "逾期利息、违约金及其他费用合计不超过合同成立时一年期贷款市场报价利率四倍。",
    "电话催收应当全程录音，录音自贷款结清之日起保存五年。",
    "外访人员未经借款人同意不得进入其住宅，不得在借款人住所张贴告示或拉挂横幅。",
    "借款人到期不履行债务的，出借人可以就抵押车辆折价或者拍卖、变卖所得价款优先受偿。",
    "对同一借款人，电话拨打每日不超过六次，短信每日不超过两条。",
    "借款人的配偶、父母不是借款合同当事人的，不负有代为清偿的义务，不得要求其还款。",
    "本公司不得出售、非法提供借款人的个人信息。",
    "借款人辱骂催收人员的，催收人员应保持冷静，礼貌结束通话。",
    "借款人死亡的，本公司可以向继承人主张在遗产实际价值范围内清偿。",
    "借款年利率为6%，按月付息，到期还本。",
    "借款人可以随时联系客服查询欠款。",
    "本公司可以依法向人民法院提起诉讼。",
    "催收人员在催收活动中严禁实施下列行为：\n（一）使用暴力或者以暴力相威胁；\n（二）限制他人人身自由；\n"
    "（三）在朋友圈公开借款人的欠款信息。",
    "催收人员有辱骂客户行为的，扣减当月绩效。",
]

# Lawful counterparts of the contract and data-protection red lines: none may raise a legal risk
# (a rule of severity 刑事/行政/民事); they withdraw consent, delete after a fixed period, limit access,
# register a mortgage, obtain a guarantor's written consent, restate the law …
LAWFUL_COUNTERPARTS = [
    "借款人可以随时在APP“设置—隐私”中撤回对通讯录读取的授权，撤回同意不影响撤回前已进行的处理活动的效力。",
    "催收录音自贷款结清之日起保存五年，期满后删除。",
    "客户信息仅限经授权的催收岗位人员在公司内网系统中访问，严禁下载、拷贝至U盘、个人网盘或带离办公场所。",
    "抵押车辆应当在车辆管理所办理抵押登记，借款人到期不履行债务的，出借人可以就抵押车辆折价或者拍卖、变卖所得价款优先受偿。",
    "借款展期的，本公司应当取得保证人的书面同意；未经保证人书面同意的，保证期间不受影响。",
    "因本公司故意或者重大过失造成借款人财产损失的，本公司依法承担赔偿责任。",
    "借款人对催收行为有异议的，可以向本公司投诉，也可以向金融监管部门投诉或依法提起诉讼。",
    "借款人可以拒绝接收营销短信，拒绝不影响其正常使用借款服务。",
    "本公司在取得借款人单独同意后采集其人脸信息，仅用于身份核验。",
    "本公司不读取借款人的相册、短信和通话记录。",
    "经借款人单独同意，本公司可将其姓名和联系方式提供给合作保险公司，借款人可随时撤回该同意。",
    "借款人有权查阅、复制、更正、删除其个人信息，本公司应当在十五个工作日内予以处理，不得拒绝。",
    "催收系统实行一人一号，访问权限按岗位最小化授予，客户信息加密存储并留存访问日志。",
    "确需向境外提供个人信息的，应当通过国家网信部门组织的安全评估并取得个人单独同意。",
    "逾期处置仅限于依法提起诉讼或申请财产保全，不得擅自换锁、停水停电。",
    "逾期利息按未还本金计算，不计复利。",
    "本公司依法取得小额贷款公司经营许可，在许可范围内向个人发放贷款。",
    "因本合同发生的争议，由合同签订地有管辖权的人民法院管辖。",
    "经配偶本人书面签字同意的，配偶作为共同借款人承担还款责任。",
    "夫妻双方共同签字的借款，属于夫妻共同债务。",
    "借款人的不良信息自不良行为终止之日起保存5年，期满后予以删除。",
    "信用报告仅用于审核借款申请，不得用于其他用途。",
    "外访应当以借款人住所为限，不得前往借款人的工作单位。",
    "借款人应通过本公司公布的对公账户还款，催收人员不得收取现金。",
    "服务费按回款金额计提，并根据合规考核结果实行合规扣减。",
    "借款人住院治疗的，暂停催收三十日，期间只发送还款方式说明。",
    "本公司可以采取依法提起诉讼等合法方式催收。",
    "因借款人违约产生的诉讼费、保全费等实际发生的合理费用，由借款人承担。",
    "借款人以自杀相威胁的，催收人员应立即停止催收话题并报告主管。",
    "本公司应在营业场所显著位置张贴收费标准告示。",
    "催收人员应持续跟踪还款进度，客服中心安排专人值守热线。",
    "本公司核验借款人身份证原件后当场返还，仅留存复印件。",
    "借款人到期不还的，本公司可以依法申请人民法院对抵押车辆采取查封、扣押等保全措施。",
    "借款人可以委托他人代为还款。",
    "法务部可依法制作起诉状并加盖本公司公章。",
    "借款人可通过中国人民银行征信中心自行查询个人信用报告。",
    "利息按实际到账金额计算，服务费按月收取，不从本金中扣除。",
    "本公司调整收费标准的，应当提前三十日通知借款人并经借款人同意。",
    "借款人可以随时撤回对个人信息处理的同意，本公司提供便捷的撤回方式。",
    "客户敏感信息应加密存储，严禁明文传输，系统账号严禁共用。",
    "借款结清后，本公司依法保存借款合同及还款记录，保存期限届满后予以删除。",
    "本公司不公开借款人的个人信息，取得借款人单独同意的除外。",
    "借款人失联的，可联系紧急联系人询问借款人的有效联系方式，不得透露其欠款信息。",
    "借款人提出删除请求的，本公司应当及时删除，不得无故拒绝。",
]

# Further drafting variants (formal clause language) that must fire the named rule.
DRAFTING_VARIANTS = [
    (
        "RL-54-bind-third-party-without-signature",
        "借款展期无需征得保证人同意，保证人仍按展期后的期限承担保证责任。",
    ),
    (
        "RL-40-irrevocable-consent",
        "借款人不可撤销地授权本公司查询、使用其征信信息及通讯录，直至借款全部结清。",
    ),
    ("RL-40-irrevocable-consent", "借款人撤回对个人信息处理的同意的，视为违约，本公司有权宣布借款提前到期。"),
    ("RL-45-retention-beyond-necessary", "借款人的个人信息及通讯录数据将由本公司永久保存。"),
    ("RL-15-detention", "外访人员可将借款人带至公司，直至其家属筹齐欠款。"),
    ("RL-17-seize-property", "借款人应将身份证原件及手机交由本公司保管，还清欠款后返还。"),
    (
        "RL-22-upfront-interest",
        "借款人实际到账金额为借款金额扣除服务费后的余额，借款人仍按合同载明的借款金额还本付息。",
    ),
    ("RL-33-limitation-waiver", "借款人承诺不以超过诉讼时效为由拒绝还款。"),
    ("RL-34-forfeiture-collateral", "借款人到期未能还清借款的，应将抵押车辆过户至出借人名下抵偿债务。"),
    ("RL-12-public-exposure", "借款人逾期超过60日的，本公司有权在官网及APP公示其姓名、照片和欠款金额。"),
    ("RL-09-disclose-to-third-parties", "借款人同意本公司在其逾期时联系其紧急联系人、亲友告知其逾期情况。"),
    ("RL-07-false-criminal-liability", "借款人逾期超过90天的，本公司将以贷款诈骗向公安机关报案。"),
    ("RL-30-borrowed-sim", "外呼中心可使用GOIP设备及租用的物联网卡开展批量外呼。"),
    ("RL-18-night-contact", "借款人同意本公司在任何时间与其联系。"),
    ("RL-38-waive-right-to-sue-complain", "借款人投诉前须先结清全部欠款。"),
    ("RL-39-aggravate-consumer-liability", "本公司有权随时调整借款利率及服务费率，无需另行通知借款人。"),
    ("RL-28-blanket-consent", "借款人勾选同意即视为授权本公司处理其全部个人信息。"),
    (
        "RL-37-exclude-injury-liability",
        "催收人员上门期间与借款人发生冲突造成其受伤的，本公司不承担任何责任。",
    ),
    ("RL-37-exclude-injury-liability", "因受托催收机构工作人员的故意行为造成借款人财产损失的，本公司免责。"),
    ("RL-37-exclude-injury-liability", "借款人在本公司营业场所内发生的任何人身损害，本公司一概不负责。"),
    ("RL-38-waive-right-to-sue-complain", "借款人承诺不就催收行为向监管部门投诉或举报。"),
    ("RL-38-waive-right-to-sue-complain", "借款人不得就本合同项下任何争议提起诉讼。"),
    ("RL-39-aggravate-consumer-liability", "借款人违约的，无论何种原因，借款人均应赔偿本公司全部损失。"),
    ("RL-39-aggravate-consumer-liability", "本公司有权单方调整服务费标准，调整后的标准自公布之日起生效。"),
    (
        "RL-40-irrevocable-consent",
        "本授权书为不可撤销的授权，授权期限至借款人结清全部债务之日止，授权期间借款人不得撤回对其个人信息处理的同意。",
    ),
    ("RL-40-irrevocable-consent", "借款人撤回授权须经本公司书面同意。"),
    ("RL-41-bundled-consent", "用户须同时同意接收营销推送及向合作方共享其信息方可申请借款。"),
    ("RL-41-bundled-consent", "借款人关闭定位权限的，本公司将停止提供借款服务。"),
    (
        "RL-42-sensitive-info-no-separate-consent",
        "借款人同意本公司获取其银行流水及其他银行账户信息，用于贷后管理。",
    ),
    (
        "RL-42-sensitive-info-no-separate-consent",
        "本公司可收集借款人未成年子女的个人信息，用于核实家庭状况。",
    ),
    ("RL-42-sensitive-info-no-separate-consent", "为贷后管理需要，本公司将持续获取借款人的实时位置。"),
    ("RL-43-excessive-collection", "借款人授权本公司访问其手机摄像头、麦克风及相册。"),
    ("RL-43-excessive-collection", "本公司可将收集的信息用于本公司认为必要的其他用途。"),
    ("RL-44-share-without-separate-consent", "本公司有权向集团内其他公司及合作机构提供借款人的个人信息。"),
    ("RL-44-share-without-separate-consent", "借款人同意本公司与第三方共享其个人信息及借款数据。"),
    ("RL-45-retention-beyond-necessary", "借款人的个人信息保存期限由本公司根据业务需要自行确定。"),
    ("RL-45-retention-beyond-necessary", "借款人撤回同意后，本公司仍有权继续使用其已提供的个人信息。"),
    ("RL-46-refuse-data-subject-rights", "对于借款人提出的删除个人信息的申请，本公司有权拒绝。"),
    ("RL-46-refuse-data-subject-rights", "本公司不接受借款人查阅、复制其个人信息的请求。"),
    ("RL-47-data-to-personal-devices", "受托机构可将案件信息下载至本地电脑并通过个人微信发送给催收员。"),
    ("RL-47-data-to-personal-devices", "催收员可将客户名单打印后带回家中继续作业。"),
    ("RL-48-no-security-measures", "所有催收人员均可查看全部客户信息。"),
    ("RL-48-no-security-measures", "客户信息无需加密，可通过普通邮件传输。"),
    ("RL-49-cross-border-transfer", "借款人同意本公司将其个人信息传输至境外服务商进行处理，无需另行评估。"),
    ("RL-50-lockout-utilities", "借款人逾期的，本公司有权收回其抵押房屋并搬走屋内家具抵债。"),
    ("RL-51-compound-interest", "逾期罚息按日计收复利。"),
    ("RL-51-compound-interest", "到期未付的利息自动转为本金，继续按日计息。"),
    ("RL-52-unlicensed-lending", "本公司无需取得放贷资质即可向社会公众发放小额借款。"),
    ("RL-53-jurisdiction-clause", "因本合同引起的纠纷，出借人可向其选择的任意法院提起诉讼。"),
    ("RL-54-bind-third-party-without-signature", "借款人推荐的担保人自动成为共同借款人，无需本人签字。"),
    (
        "RL-54-bind-third-party-without-signature",
        "本公司与借款人协商增加借款金额的，无需通知保证人，保证人对增加部分承担连带责任。",
    ),
    (
        "RL-55-spouse-presumed-joint-debt",
        "借款人配偶对本借款承担共同还款责任，无论其是否知情，本借款均按夫妻共同债务处理。",
    ),
    ("RL-56-negative-credit-retention", "借款人的不良记录将在本公司系统及征信报告中保留十年。"),
    ("RL-57-credit-report-misuse", "本公司可将借款人的征信报告提供给合作营销机构用于产品推荐。"),
    ("RL-58-workplace-visit", "外访人员可上门至借款人单位面谈，直至其还清欠款。"),
    ("RL-59-cash-or-private-account", "借款人可将还款直接支付至外访人员个人支付宝。"),
    ("RL-60-revealing-mail", "催收信件外封套注明“逾期欠款催收”字样。"),
    ("RL-61-any-means", "催收人员可以使用任何方式迫使借款人还款。"),
    ("RL-62-recovery-commission", "催收员提成按回款金额的5%计算。"),
    ("RL-63-vulnerable-customers", "对年满七十周岁的借款人一律照常催收。"),
    ("RL-15-detention", "借款人须随外访人员到公司签署还款协议，还清前不得离开。"),
    ("RL-17-seize-property", "借款人同意将手机及身份证押在公司，作为还款担保。"),
    ("RL-22-upfront-interest", "本公司在放款金额中直接扣除服务费和首期利息。"),
    ("RL-33-limitation-waiver", "双方约定本合同诉讼时效为十年。"),
    ("RL-34-forfeiture-collateral", "借款人同意以其房屋抵押，到期不能还款的，房屋直接归出借人所有。"),
    ("RL-28-blanket-consent", "借款人未明确拒绝的，视为同意本公司向第三方提供其信息。"),
    ("RL-26-sell-share-data", "本公司有权出售借款人的数据。"),
    ("RL-09-disclose-to-third-parties", "本公司有权向借款人的工作单位发送催收函。"),
    ("RL-10-contact-list", "本公司有权在借款人逾期时向其通讯录联系人发送提醒短信。"),
    ("RL-12-public-exposure", "逾期客户的姓名、照片将在本公司公众号公示。"),
    ("RL-24-credit-query-without-consent", "本公司可随时查询借款人配偶的征信报告。"),
    ("RL-25-credit-report-no-notice", "借款人逾期的，本公司无需事先告知即将其逾期信息报送征信机构。"),
    ("RL-30-borrowed-sim", "催收坐席可使用改号软件显示为法院号码。"),
]

# The categories the red lines must cover, each by the rule that covers it.
REQUIRED_RULES = {
    "violence": "RL-01-violence",
    "threats": "RL-02-threats",
    "insults": "RL-03-insults",
    "impersonating officials or courts": "RL-04-impersonate-officials",
    "impersonating lawyers": "RL-05-impersonate-lawyer",
    "disclosure to third parties": "RL-09-disclose-to-third-parties",
    "contact-list exposure": "RL-10-contact-list",
    "social-media exposure": "RL-12-public-exposure",
    "following and waiting outside a home": "RL-14-following-waiting",
    "illegal detention": "RL-15-detention",
    "interest above four times LPR": "RL-21-usurious-interest",
    "upfront interest (砍头息)": "RL-22-upfront-interest",
    "penalty and fee stacking": "RL-23-fee-stacking",
    "credit query without authorisation": "RL-24-credit-query-without-consent",
    "negative credit info without notice": "RL-25-credit-report-no-notice",
    "selling or sharing personal data": "RL-26-sell-share-data",
    "false claims of criminal liability": "RL-07-false-criminal-liability",
    "pressing non-debtors": "RL-31-non-debtor-liability",
    "pressing minors": "RL-32-minors-students",
    "waiving limitation defences": "RL-33-limitation-waiver",
    "流质/流押": "RL-34-forfeiture-collateral",
    "blanket consent": "RL-28-blanket-consent",
    "night-time contact": "RL-18-night-contact",
    "contact frequency": "RL-19-contact-frequency",
    "recording not kept": "RL-20-recording",
}


@pytest.fixture(scope="module")
def rules():
    return load_rules(RULES_PATH)


def _fired(rules, text: str) -> set[str]:
    return {rule.id for rule, _ in match_rules(rules, text)}


def test_at_least_twenty_five_rules_with_valid_severities(rules) -> None:
    assert len(rules) >= 63
    assert len({r.id for r in rules}) == len(rules)
    assert {r.severity for r in rules} <= set(SEVERITIES)
    assert all(r.provisions and r.description for r in rules)


def test_required_categories_are_covered(rules) -> None:
    ids = {r.id for r in rules}
    assert {rule_id for rule_id in REQUIRED_RULES.values() if rule_id not in ids} == set()


def test_every_rule_has_an_example(rules) -> None:
    assert {r.id for r in rules} == set(RULE_EXAMPLES)


@pytest.mark.parametrize(("rule_id", "clause"), sorted(RULE_EXAMPLES.items()))
def test_rule_fires_on_violating_clause(rules, rule_id: str, clause: str) -> None:
    by_id = {rule.id: spans for rule, spans in match_rules(rules, clause)}
    assert rule_id in by_id
    assert all(span in clause for span in by_id[rule_id])


@pytest.mark.parametrize("clause", LAWFUL_CLAUSES)
def test_lawful_clause_triggers_no_rule(rules, clause: str) -> None:
    assert _fired(rules, clause) == set()


def test_a_turn_after_a_prohibition_restores_the_violation(rules) -> None:
    assert "RL-14-following-waiting" not in _fired(rules, "严禁在借款人单位门口守候。")
    assert "RL-14-following-waiting" in _fired(rules, "严禁殴打借款人，但可以在借款人单位门口守候。")


def test_a_permissive_list_is_still_checked(rules) -> None:
    clause = "催收人员可以采取下列措施：\n（一）电话提醒；\n（二）在朋友圈公开借款人的欠款信息。"
    assert "RL-12-public-exposure" in _fired(rules, clause)


def test_dev_style_unlawful_clauses_are_caught(rules) -> None:
    assert "RL-25-credit-report-no-notice" in _fired(
        rules, "客户逾期超过90天的，直接将其逾期记录报送征信系统，无需另行通知客户。"
    )
    assert {"RL-21-usurious-interest", "RL-23-fee-stacking"} <= _fired(
        rules, "逾期后按未还本金每日千分之五计收罚息，另每月收取催收服务费200元。"
    )


@pytest.mark.parametrize("clause", LAWFUL_COUNTERPARTS)
def test_lawful_counterpart_raises_no_legal_risk(rules, clause: str) -> None:
    legal = {rule.id for rule, _ in match_rules(rules, clause) if rule.severity != "内部"}
    assert legal == set()


@pytest.mark.parametrize(("rule_id", "clause"), DRAFTING_VARIANTS)
def test_rule_fires_on_drafting_variant(rules, rule_id: str, clause: str) -> None:
    assert rule_id in _fired(rules, clause)


def test_irrevocable_consent_is_caught_but_withdrawable_consent_is_not(rules) -> None:
    assert "RL-40-irrevocable-consent" in _fired(rules, "借款人同意，上述个人信息处理授权一经作出不得撤回。")
    assert _fired(rules, "借款人可以随时撤回对个人信息处理的同意，本公司提供便捷的撤回方式。") == set()


def test_adjacent_negation_cancels_a_match(rules) -> None:
    assert "RL-43-excessive-collection" in _fired(rules, "本公司读取借款人的相册和短信记录。")
    assert "RL-43-excessive-collection" not in _fired(rules, "本公司不读取借款人的相册和短信记录。")
    assert "RL-22-upfront-interest" not in _fired(rules, "服务费按月收取，不从本金中扣除。")


@needs_shared
def test_every_cited_provision_exists_in_the_corpus(rules) -> None:
    assert validate_rules(rules, has_article) == []


def test_validate_rules_raises_naming_rule_and_provision_for_a_missing_article(rules) -> None:
    def lacks_one(title: str, article: str) -> bool | None:
        return not (title == "刑法" and article == "第二百三十八条")

    with pytest.raises(ConfigError, match=r"RL-15-detention.*《刑法》第二百三十八条"):
        validate_rules(rules, lacks_one)


def test_validate_rules_warns_and_keeps_rules_for_documents_not_indexed(rules) -> None:
    def internal_not_indexed(title: str, article: str) -> bool | None:
        return None if title.startswith("示例") else True

    warnings = validate_rules(rules, internal_not_indexed)
    assert warnings and all("示例" in w for w in warnings)
    assert any("RL-18-night-contact" in w for w in warnings)


def _write_rules(tmp_path: Path, rule: str) -> Path:
    path = tmp_path / "redlines.yaml"
    path.write_text("rules:\n" + rule, encoding="utf-8")
    return path


GOOD_RULE = (
    "  - id: R1\n    name: 规则\n    description: 说明\n    severity: 民事\n"
    "    patterns: ['甲']\n    provisions: [{title: 民法典, article: 第一条}]\n"
)


def test_load_rules_names_the_rule_and_field_for_a_bad_severity(tmp_path: Path) -> None:
    path = _write_rules(tmp_path, GOOD_RULE.replace("民事", "严重"))
    with pytest.raises(ConfigError, match=r"rule 'R1' field 'severity'"):
        load_rules(path)


def test_load_rules_names_the_rule_and_field_for_a_bad_regex(tmp_path: Path) -> None:
    path = _write_rules(tmp_path, GOOD_RULE.replace("['甲']", "['(甲']"))
    with pytest.raises(ConfigError, match=r"rule 'R1' field 'patterns'"):
        load_rules(path)


def test_load_rules_rejects_duplicate_ids_and_bad_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="R1"):
        load_rules(_write_rules(tmp_path, GOOD_RULE + GOOD_RULE))
    bad = tmp_path / "bad.yaml"
    bad.write_text("- just a list\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="rules"):
        load_rules(bad)


def test_loaded_rule_uses_default_negation(tmp_path: Path) -> None:
    path = tmp_path / "redlines.yaml"
    path.write_text("defaults:\n  unless: ['不得']\nrules:\n" + GOOD_RULE, encoding="utf-8")
    (rule,) = load_rules(path)
    assert rule.provisions == (Provenance("民法典", "第一条"),)
    assert match_rules([rule], "可以甲") == [(rule, ("甲",))]
    assert match_rules([rule], "不得甲") == []
