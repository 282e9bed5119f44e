"""Tests for regkb.vocab: aliases, jargon, conduct spotting and the word lists.

Every (title, article) cited by conduct.yaml is checked against the real texts in ../shared/corpus
(and the project's own sample policies under corpus/internal), so a mistyped article label fails.
"""

from __future__ import annotations

import functools
import json
import os
import re
from pathlib import Path

import jieba
import pytest

from regkb.errors import ConfigError
from regkb.lexical import USERDICT, tokenize
from regkb.types import Provenance
from regkb.vocab import (
    expand_jargon,
    load_aliases,
    load_conduct,
    load_jargon,
    spot_conduct,
)

REPO = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("REGKB_SHARED", REPO.parent / "shared"))
SHARED_CORPUS = SHARED / "corpus"
needs_shared = pytest.mark.skipif(
    not (SHARED_CORPUS / "manifest.json").exists(), reason="../shared/corpus is not present on this machine"
)

_LABEL_AT_LINE_START = re.compile(
    r"^(第[零〇一二两三四五六七八九十百千]+条(?:之[一二三四五六七八九十]+)?|[一二三四五六七八九十]+(?=、))",
    re.M,
)


def _document_text(root: Path, relpath: str) -> str | None:
    """The text of a corpus document; PDF/DOCX samples are read from their Markdown source in _src/."""
    path = root / relpath
    if path.suffix == ".md":
        return path.read_text(encoding="utf-8")
    source = root / "_src" / f"{path.stem}.md"
    return source.read_text(encoding="utf-8") if source.exists() else None


@functools.cache
def corpus_articles() -> dict[str, frozenset[str]]:
    """Title and short title of every corpus document -> the article labels found at line starts."""
    index: dict[str, frozenset[str]] = {}
    for root in (SHARED_CORPUS, REPO / "corpus"):
        manifest = root / "manifest.json"
        if not manifest.exists():
            continue
        for meta in json.loads(manifest.read_text(encoding="utf-8")):
            text = _document_text(root, meta["path"])
            if text is None:
                continue
            labels = frozenset(_LABEL_AT_LINE_START.findall(text)) | {"全文"}
            index[meta["title"]] = index[meta["short_title"]] = labels
    return index


def has_article(title: str, article: str) -> bool | None:
    """True when the document holds the article, False when it lacks it, None when it is unknown."""
    labels = corpus_articles().get(title)
    if labels is None:
        return None
    return article in labels


# ------------------------------------------------------------------ aliases


@pytest.mark.parametrize(
    ("name", "short_title"),
    [
        ("个保法", "个人信息保护法"),
        ("个人信息保护法", "个人信息保护法"),
        ("《中华人民共和国个人信息保护法》", "个人信息保护法"),
        ("民诉法", "民事诉讼法"),
        ("消法", "消费者权益保护法"),
        ("消保法", "消费者权益保护法"),
        ("治安法", "治安管理处罚法"),
        ("治安处罚法", "治安管理处罚法"),
        ("网安法", "网络安全法"),
        ("反电诈法", "反电信网络诈骗法"),
        ("数安法", "数据安全法"),
        ("商行法", "商业银行法"),
        ("银监法", "银行业监督管理法"),
        ("征信条例", "征信业管理条例"),
        ("《民法典》", "民法典"),
        ("刑法", "刑法"),
        ("民间借贷规定", "民间借贷司法解释"),
        ("担保制度解释", "担保制度解释"),
        ("担保解释", "担保制度解释"),
        ("合同编通则解释", "合同编通则解释"),
        ("银行卡纠纷规定", "银行卡民事纠纷规定"),
        ("寻衅滋事解释", "寻衅滋事刑事案件解释"),
        ("最高人民法院关于审理民间借贷案件适用法律若干问题的规定", "民间借贷司法解释"),
        ("催收话术规范", "示例催收话术规范"),
        ("PIPL", "个人信息保护法"),
    ],
)
def test_alias_resolves_to_short_title(name: str, short_title: str) -> None:
    assert load_aliases().resolve(name) == short_title


@pytest.mark.parametrize(
    "name", ["劳动合同法", "个人所得税法", "香港放债人条例", "《放债人条例》", "民诉法解释"]
)
def test_laws_outside_the_index_are_known_and_unresolved(name: str) -> None:
    table = load_aliases()
    assert table.resolve(name) is None
    assert table.is_not_indexed(name)


def test_repealed_law_points_to_its_successor() -> None:
    table = load_aliases()
    assert table.resolve("合同法") is None
    assert table.successor("《合同法》") == "民法典"
    assert table.successor("劳动合同法") is None


def test_an_unknown_name_is_neither_indexed_nor_known() -> None:
    table = load_aliases()
    assert table.resolve("火星法") is None
    assert not table.is_not_indexed("火星法")
    assert not table.is_not_indexed("民法典")


def test_names_are_longest_first_and_include_every_form() -> None:
    table = load_aliases()
    names = table.names()
    assert [len(n) for n in names] == sorted((len(n) for n in names), reverse=True)
    assert {"个保法", "民法典", "中华人民共和国民法典"} <= set(names)
    everything = table.names(include_not_indexed=True)
    assert everything.index("人民银行法") < everything.index("银行法")
    assert "劳动合同法" in everything and "劳动合同法" not in names


def test_titles_map_short_to_full_title() -> None:
    titles = load_aliases().titles
    assert titles["民法典"] == "中华人民共和国民法典"
    assert titles["担保制度解释"].startswith("最高人民法院关于适用")


@needs_shared
def test_every_corpus_document_is_in_the_alias_table() -> None:
    table = load_aliases()
    for root in (SHARED_CORPUS, REPO / "corpus"):
        for meta in json.loads((root / "manifest.json").read_text(encoding="utf-8")):
            assert table.resolve(meta["title"]) == meta["short_title"], meta["path"]
            assert table.titles[meta["short_title"]] == meta["title"]


def test_alias_file_errors_name_the_conflict(tmp_path: Path) -> None:
    path = tmp_path / "aliases.yaml"
    path.write_text(
        "documents:\n"
        "  - {title: 中华人民共和国甲法, short_title: 甲法, aliases: [简称]}\n"
        "  - {title: 中华人民共和国乙法, short_title: 乙法, aliases: [简称]}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match="简称"):
        load_aliases(path)


def test_load_aliases_reads_each_file_once() -> None:
    assert load_aliases() is load_aliases()


# ------------------------------------------------------------------ jargon


def test_jargon_has_at_least_forty_entries() -> None:
    assert len(load_jargon()) >= 40


@pytest.mark.parametrize(
    ("text", "slang", "term"),
    [
        ("他们把客户的通讯录都爆了，这叫爆通讯录", "爆通讯录", "个人信息"),
        ("组长让我们联系紧急联系人", "紧急联系人", "第三人"),
        ("明天去外访", "外访", "住宅"),
        ("天天在他家楼下蹲守", "蹲守", "跟踪"),
        ("用呼死你软件打他", "呼死你", "干扰他人正常生活"),
        ("有人冒充公检法给客户打电话", "冒充公检法", "冒充国家机关工作人员"),
        ("借五万扣了五千砍头息", "砍头息", "实际借款数额"),
        ("客户问能不能停息挂账", "停息挂账", "分期"),
        ("这是M3的老账户", "M3", "逾期"),
        ("客户说要修复征信", "修复征信", "异议"),
        ("对方是个老赖", "老赖", "被执行人"),
        ("这是典型的套路贷", "套路贷", "诈骗"),
        ("债转以后谁来催", "债转", "债权转让"),
        ("同事把他照片P图了", "P图", "肖像权"),
    ],
)
def test_jargon_expands_slang_to_legal_terms(text: str, slang: str, term: str) -> None:
    expansions = dict(expand_jargon(text))
    assert slang in expansions
    assert term in expansions[slang]


def test_jargon_is_case_insensitive_for_latin_slang() -> None:
    assert "M3" in dict(expand_jargon("这个客户是m3阶段"))


def test_jargon_finds_nothing_in_plain_questions() -> None:
    assert expand_jargon("明天北京会不会下雨") == []


# ------------------------------------------------------------------ conduct

CONDUCT_EXAMPLES: dict[str, list[str]] = {
    "contact-workplace": [
        "客户电话一直关机，我直接打去他公司前台找人行不行？",
        "能不能联系一下借款人的领导，让领导督促他还钱",
    ],
    "disclose-debt-third-party": [
        "我跟他邻居说了他欠我们三万块钱，这样有问题吗",
        "把他逾期的事情告诉他老婆算不算违法",
    ],
    "emergency-contact": ["借款人留的紧急联系人是他表哥，我能天天打给他表哥吗？"],
    "contact-list-blast": [
        "组长让我们把客户通讯录里的人挨个打一遍，这合规吗",
        "听说同行都在爆通讯录，我们也能这么干吗",
    ],
    "contact-family": ["客户不理我们，能不能去找他爸妈聊聊"],
    "demand-non-debtor-pay": ["借款人跑了，我们能不能让他爸妈替他还钱？"],
    "spouse-debt": ["老公在外面借了网贷，老婆完全不知情，她要不要一起还？"],
    "deceased-debtor-heirs": ["借款人出车祸过世了，他留下一套房子，这笔钱还能要回来吗？"],
    "minor-borrower": ["有个高中生在我们平台借了钱，现在逾期了，该找谁催？"],
    "publish-online": ["客户老不还钱，我把他的欠款截图发到抖音上曝光可以吗"],
    "portrait-misuse": ["同事把客户的照片P图做成通缉令的样子，这个违法吗"],
    "insult": ["电话里实在忍不住骂了客户几句难听的，会被处罚吗"],
    "defamation": ["我们跟他村里人说他是诈骗犯，其实他就是还不上钱，这算诽谤吗"],
    "post-notices": ["在客户家门上贴催收告示，写明他欠款不还，这样行吗？"],
    "workplace-disturbance": ["几个外访员跑到客户的单位去闹，拉横幅要钱，会有什么后果"],
    "photograph-home": ["外访时偷拍客户家里的照片留证据，有没有风险？"],
    "night-calls": ["凌晨两点给客户打催收电话违法吗？"],
    "call-bombing": ["一天给同一个客户打了四十多个电话，他说我们骚扰，真的算吗"],
    "threats": ["我跟客户说再不还钱就让他出门小心点，这算威胁吗"],
    "threaten-family-children": ["说要去他孩子学校门口等他孩子放学，这样逼他还钱可以吗"],
    "abusive-messages": ["给客户发了好多恐吓短信，他去报警了怎么办"],
    "violence": ["外访的时候跟客户起了冲突，推搡了几下他摔伤了"],
    "self-defence": ["上门时欠款人拿刀出来，我把他打伤了，算不算正当防卫"],
    "employer-liability": ["催收员私下打了客户，公司要不要担责？"],
    "acting-on-orders": ["都是领导让我们这么催的，出了事我个人要负责吗"],
    "stalking": ["我们安排人天天跟着欠款人上下班，算违法吗？"],
    "block-intercept": ["我们三个人在他公司楼下把他拦住要钱，他说要报警"],
    "wait-at-home": ["能不能每天晚上去客户家楼下守着，等他回来再谈还款"],
    "enter-home": ["客户不开门，我们能不能翻墙进他院子里找他"],
    "home-visit": ["明天准备去客户老家实地催收，需要注意什么？"],
    "detention": ["客户来公司谈还款，我们不让他走，直到他家里人打钱过来，这样可以吗"],
    "seize-documents": ["客户不还钱，我们把他的车钥匙和驾驶证先扣下来当抵押行吗"],
    "take-property": ["他欠钱不还，我们直接把他店里的货拉走抵账行不行"],
    "damage-property": ["有同行往欠款人家门口泼油漆，这种情况会判刑吗"],
    "extortion": ["拿客户的私密视频威胁他，不还钱就发给他老婆，这样会怎么样"],
    "illegal-debt-collection": ["帮朋友追一笔高利贷，对方一直拖着，我们能上门去要吗"],
    "gambling-debt": ["他打牌输了欠我五万，这笔赌债法律上能追吗？"],
    "impersonate-officials": ["有的催收员打电话时自称是派出所的民警，这样会怎样"],
    "impersonate-lawyer-other": ["我能不能假装是律师给客户打电话，说要起诉他"],
    "fake-legal-documents": ["同事自己做了一份假的法院传票发给客户吓他，后果严重吗"],
    "criminal-liability-claims": ["跟客户说再不还款就报案让警察抓他，这个说法合规吗"],
    "effective-collection": ["信用卡欠款多久不还会被认定为恶意透支？"],
    "duress-signing": ["客户说还款协议是我们逼他签的，这份协议还有效吗"],
    "trade-personal-data": ["有人出价收购我们的逾期客户名单，能卖吗？"],
    "leak-data": ["前员工离职时把客户资料拷走了，公司要承担责任吗"],
    "locate-debtor": ["能不能花钱找人查一下客户最近的开房记录和航班信息"],
    "lookup-assets": ["我想查一下欠款人名下有没有房产和存款，自己能查吗"],
    "scrape-social-media": ["用脚本批量抓取客户微信朋友圈的公开信息合法吗"],
    "human-flesh-search": ["客户失联了，能不能在网上人肉一下他"],
    "sim-cards": [
        "公司让员工用自己名下的手机卡给客户打电话，这样有问题吗",
        "用改号软件显示成别的号码打给客户可以吗",
    ],
    "consent-and-permissions": ["APP借款前必须授权读取通讯录，不同意就不给借，这样合法吗"],
    "outsourcing-data": ["银行把逾期客户的资料交给委外的催收公司，需要客户同意吗"],
    "sensitive-info": ["客户的银行卡号和身份证号属于敏感信息吗"],
    "what-is-personal-info": ["客户的手机号码和家庭住址算个人信息吗"],
    "data-deletion": ["客户已经结清了，他要求我们删除他的全部资料，必须删吗"],
    "complaint-pipl": ["客户说要去网信办举报我们，会怎么处理"],
    "personal-info-damages": ["客户说我们泄露了他的个人信息，要我们赔精神损失，他能赢吗"],
    "consumer-dignity": ["我们是消费金融公司，催收时要注意消费者的哪些权利？"],
    "credit-dispute": ["客户说他征信上的逾期记录不对，要求我们更正，怎么处理"],
    "credit-terms": ["征信里的信息提供者指的是谁？"],
    "credit-retention": ["逾期记录会在征信上保留几年？"],
    "credit-negative-report": ["客户逾期了，直接上报征信之前要不要先通知他"],
    "credit-query": ["催收员能不能自己查客户的征信报告看看他还欠哪些钱"],
    "complaint-credit": ["客户扬言要去人民银行投诉我们乱报征信"],
    "complaint-financial-regulator": ["客户打12378投诉我们催收态度不好，后果是什么"],
    "interest-cap": ["借款合同约定年利率24%，法院会支持吗"],
    "upfront-interest": ["借了五万，放款时先扣了五千服务费，实际到手四万五，本金怎么算"],
    "penalty-and-fees": ["逾期后除了罚息还要收违约金，能同时收吗"],
    "compound-interest": ["利息到期没还，我们把利息算进本金重新打了一张借条，可以吗"],
    "card-fees": ["信用卡的分期手续费和违约金太高了，客户不认，怎么办"],
    "card-fraud": ["客户说这张卡不是他本人办的，是被人冒名申请的，不认账"],
    "private-lending-scope": ["小额贷款公司放的贷款适用民间借贷的规定吗"],
    "iou-evidence": ["当时借钱没打借条，只有微信转账记录，还能起诉吗"],
    "professional-lending": ["我朋友经常放贷给别人赚利息，没有任何牌照，合法吗"],
    "limitation-period": ["这笔钱是五年前借的，一直没要，现在还能起诉吗"],
    "limitation-interruption": ["我们每个月都给客户发催收短信，这样诉讼时效会中断吗"],
    "limitation-waiver": ["能不能在合同里约定借款人放弃诉讼时效抗辩"],
    "enforcement-deadline": ["法院判了两年多了，现在申请执行还来得及吗"],
    "judgment-not-performed": ["官司赢了但对方还是不还，有什么办法"],
    "payment-order": ["欠款事实很清楚，能不能直接向法院申请支付令"],
    "jurisdiction": ["借款人户籍在外地，我们能在公司所在地起诉吗"],
    "property-preservation": ["起诉之前能不能先把他的银行账户冻住"],
    "fraudulent-transfer": ["欠钱的人把车过户给了他弟弟，我们能要回来吗"],
    "subrogation": ["借款人说别人也欠他的钱没还，我们能直接找那个人要吗"],
    "fake-lawsuit": ["有人建议我们虚构一笔借款去起诉，这样能多拿点钱，可以吗"],
    "guarantee-mode": ["合同里写的是连带责任保证，我们能不能跳过借款人直接找担保人"],
    "guarantee-period": ["担保人说担保已经过期了，不用再还了，真的吗"],
    "guarantor": ["借款人不还钱，我们能找他的担保人吗"],
    "signer-not-guarantor": ["借条上有个介绍人签了字，他要不要承担还款责任"],
    "debt-assignment": ["我们从银行买来的不良债权，要怎么通知欠款人"],
    "assignment-guarantor": ["债权转让以后还能找原来的担保人吗"],
    "debt-assumption": ["借款人的哥哥主动说愿意替他还，这算数吗"],
    "collateral-forfeit": ["合同约定到期不还，抵押的房子直接归我们，这个约定有效吗"],
    "format-clause": ["借款合同里的霸王条款有效吗"],
    "early-repayment": ["客户想提前还款，利息还要按整个借期算吗"],
    "repayment-allocation": ["客户还的钱不够，应该先抵利息还是先抵本金"],
    "unlicensed-finance": ["没有金融牌照能不能对外放贷"],
    "bank-loan-repayment": ["客户的银行经营贷逾期了，银行能怎么追"],
}

# Patterns added by the corpus-wide coverage pass (one article family at a time); the questions are
# written independently of any evaluation set.
COVERAGE_EXAMPLES: dict[str, list[str]] = {
    "extortion-iou": ["外访时逼着他写了一张二十万的欠条，其实他只欠八万，这样有事吗"],
    "extra-fee-demand": ["外访员上门后还找客户要了五百块辛苦费，这算不算敲诈"],
    "embezzle-repayment": ["有个催收员让客户把钱转到他个人微信上，收了三万没交给公司"],
    "loan-application-fraud": ["客户借款时用的是假的收入证明和流水，现在逾期了能报案吗"],
    "debt-fraud-accusation": ["借了钱就玩消失，这种能不能告他诈骗啊"],
    "card-cash-out": ["客户一直用POS机刷信用卡套现，以卡养卡，现在还不上了"],
    "false-accusation": ["同事想去派出所假报案说客户偷了东西，逼他出来还钱"],
    "provoking-trouble": ["几个人去客户小区里起哄闹事，会被定寻衅滋事吗"],
    "personal-info-crime-threshold": ["卖了几千条客户信息，会不会被判刑啊"],
    "hide-assets-enforcement": ["判决后他把名下的车偷偷过户给他小舅子了，法院管不管"],
    "loan-relending": ["他从银行贷了一百万出来，转手高息借给别人，合法吗"],
    "help-network-crime": ["客户说他把自己的银行卡租给别人走账了，会有什么后果"],
    "unit-crime": ["如果催收公司被认定违法，老板会不会坐牢"],
    "accomplice-role": ["我只是开车送他们过去的，没动手，也算共犯吗"],
    "surrender": ["同事打了客户，现在想去派出所投案，能从轻吗"],
    "tracking-device": ["车贷公司在客户车上装了GPS定位，这个合法吗"],
    "forged-seals": ["有人私刻了一个律所的公章，往客户家里寄律师函"],
    "gang-soft-violence": ["我们公司的催收方式会不会被认定为软暴力、恶势力"],
    "forced-labour": ["让欠款人来我们店里打工抵债，不干完不让走，可以吗"],
    "nude-loan": ["网上有人放裸贷，拿借款女生的裸照威胁她还钱"],
    "funeral-items": ["有催收给欠款人家门口寄了花圈和寿衣，这属于什么行为"],
    "set-off": ["客户在我们这还有一笔保证金，能不能直接扣了抵欠款"],
    "penalty-reduction": ["合同里的违约金太离谱了，能不能请求法院调低"],
    "earnest-money": ["他交了两万定金后反悔不借了，定金能不退吗"],
    "no-interest-agreed": ["借给朋友五万块，当时没约定利息，现在能要利息吗"],
    "loan-purpose-misuse": ["说好是经营贷，结果他拿去炒股了，银行能提前收回吗"],
    "loan-term-unclear": ["借条上没写还款期限，我什么时候可以要他还"],
    "loan-contract-formation": ["借款合同签了但钱还没打过去，这个合同成立了吗"],
    "debt-waiver-settlement": ["我们跟客户签了减免协议，只还本金剩下的利息全免，现在公司想反悔"],
    "paid-off-still-chased": ["客户说他早就还清了还在催，还一直打电话"],
    "force-majeure": ["因为疫情封控三个月没收入，逾期了能算不可抗力吗"],
    "revocation-deadline": ["债务人去年把房子白送给亲戚，撤销权现在还在期限内吗"],
    "agent-overreach": ["你们的催收员口头答应给我免息，现在公司又不认了"],
    "unfair-contract": ["他当时急着救命才借的，利息特别高，能不能说显失公平"],
    "incapacitated-borrower": ["借款人有精神病，他签的借款合同有效吗"],
    "sale-contract-security": ["借钱时让他签了一份房屋买卖合同作为担保，到期不还能直接要房子吗"],
    "criminal-civil-overlap": ["借款人涉嫌诈骗已经被刑事立案了，我们还能起诉担保人吗"],
    "legal-rep-loan": ["老板以公司名义借的钱，实际是他自己花了，能找他个人要吗"],
    "illegal-purpose-loan": ["明知他借钱是拿去赌博还借给他，这钱还能要回来吗"],
    "platform-liability": ["我们只是助贷平台，借款人不还钱，平台要承担担保责任吗"],
    "co-guarantors": ["这笔借款有两个保证人，能只找其中一个要全部吗"],
    "maximum-amount-security": ["签的是最高额保证合同，后面新增的借款担保人也要负责吗"],
    "guarantor-recourse": ["担保人替借款人还了十万，他能向借款人追偿吗"],
    "guarantee-change-without-consent": ["借款展期了但保证人不知道，他还要承担担保责任吗"],
    "new-loan-repays-old": ["银行搞借新还旧，原来的担保人还要负责吗"],
    "public-body-guarantor": ["村委会给村民的贷款做了担保，这个担保有效吗"],
    "mortgage-enforcement": ["客户的车已经抵押给我们了，逾期以后怎么处置"],
    "unregistered-mortgage": ["房子押给我们了，但是没去办抵押登记，有用吗"],
    "pledge": ["他把金条质押在我这里借了钱，到期不还我能卖吗"],
    "lien": ["修车厂可以留置欠款人的车吗"],
    "limitation-start": ["分期还款的借款，诉讼时效从什么时候开始算"],
    "dignity": ["催收员在电话里说客户不配做人，侮辱人格，这侵犯人格权吗"],
    "personality-injunction": ["催收一直骚扰我，我能申请法院让他们停止骚扰吗"],
    "debtor-suicide": ["客户被催得受不了说要跳楼，如果出事我们要担责吗"],
    "mental-distress": ["天天被电话骚扰，我妈都被吓出病住院了，能要精神损失费吗"],
    "agreed-jurisdiction": ["借款合同里约定由我们公司所在地法院管辖，这个条款有效吗"],
    "service-of-process": ["借款人失联了，起诉的话法院怎么送达"],
    "payment-order-objection": ["客户收到支付令后提出了异议，接下来怎么办"],
    "advance-execution": ["案子还没判，能不能申请先予执行"],
    "enforcement-objection": ["我老婆名下的房子被法院查封了，但债是我欠的，能提执行异议吗"],
    "asset-report": ["申请执行以后，法院会去查他名下的存款和车吗"],
    "small-claims": ["就欠了几千块，值不值得起诉，是不是小额诉讼"],
    "recording-evidence": ["催收时的电话录音能作为证据在法院用吗"],
    "default-judgment": ["欠款人收到传票就是不去开庭，法院会怎么判"],
    "court-mediation": ["法院诉前调解达成了调解协议，对方不履行怎么办"],
    "evidence-forgery": ["同事想伪造一份聊天记录作为证据去起诉，这样做会怎样"],
    "delayed-performance-interest": ["判决以后他一直拖着不还，迟延履行的利息怎么算"],
    "separate-consent": ["把客户信息提供给合作方，需要单独同意吗"],
    "withdraw-consent": ["客户打电话要撤回授权，不让我们用他的通讯录了"],
    "notice-rules": ["收集借款人信息的时候，没告诉他用途，这样违法吗"],
    "access-copy-request": ["客户要求调取他的催收录音和还款记录，我们必须给吗"],
    "share-third-party": ["我们把逾期客户名单推送给了合作方，这样违规吗"],
    "merger-transfer": ["公司被收购以后，原来的客户信息能直接转给新公司用吗"],
    "automated-decision": ["用AI外呼机器人给客户打催收电话需要注意什么"],
    "pia-audit": ["委外催收之前要不要先做个人信息保护影响评估"],
    "security-incident": ["我们系统被黑客攻击了，客户资料可能泄露，要通知谁"],
    "insider-data-misuse": ["有个坐席偷偷用U盘拷走了几千条客户资料"],
    "cross-border-transfer": ["公司把催收数据存到境外服务器上，合规吗"],
    "pipl-penalties": ["违法处理客户个人信息，最多罚多少钱"],
    "minors-info": ["客户孩子的学校地址和班级信息能不能收集"],
    "credit-authorization": ["我没授权，怎么征信上多了好几条查询记录"],
    "credit-self-query": ["怎么免费查自己的征信报告"],
    "credit-prohibited-data": ["征信机构能采集病史和指纹信息吗"],
    "credit-agency": ["百行征信这种征信公司也能报送逾期吗"],
    "credit-damage": ["征信记录错了，害得我房贷批不下来，能要赔偿吗"],
    "card-password-liability": ["信用卡验证码被骗子骗走了，发卡行有没有责任"],
    "bulk-sim-iot": ["公司批量办了几十张手机卡给催收员用，有什么风险"],
    "outbound-lines": ["我们的外呼号码老是被标记为骚扰，被封了怎么办"],
    "fake-collector-scam": ["有人自称平台客服，说要注销网贷账户，让我转账到个人账户"],
    "fraud-app": ["我们的网贷APP还没备案就上架了，被下架后还能继续放款吗"],
    "bank-loan-review": ["银行放贷时根本没认真审核，现在借款人还不上，银行有没有责任"],
    "bank-secrecy": ["银行的客户经理把我的存款和流水告诉了催收，这合法吗"],
    "marketing-messages": ["客户已经还清了，我们还能给他发营销短信推荐新贷款吗"],
}

UNRELATED_QUESTIONS = [
    "咱们组这个月回款率做到了80%，提成比例一般是多少？",
    "公司年会定在几号？",
    "新来的同事怎么申请工牌？",
    "催收系统登录不上去了找谁？",
    "个人所得税的起征点现在是多少？",
    "劳动合同法规定加班费怎么算？",
    "明天上海会下雨吗？要不要带伞",
    "这个月工资什么时候发，绩效奖金怎么算",
    "年终奖要交多少个人所得税",
    "从公司到地铁站坐几路公交最快",
    "食堂今天中午有什么菜",
    "Python 里怎么把列表去重",
    "电脑蓝屏了怎么重装系统",
    "周末去哪里爬山比较好",
    "怎么用Excel做数据透视表",
    "请假三天需要哪个领导审批",
    "新人入职培训一般持续多久",
    "会议室投影仪连不上笔记本怎么办",
    "打印机卡纸了找谁修",
    "公司团建去哪里玩比较好",
    "社保和公积金的缴费基数怎么确定",
    "共享单车月卡怎么办理",
    "最近失眠严重，有什么改善睡眠的办法",
    "清明节回老家扫墓要准备什么",
    "员工怎么在系统里查看自己的考勤",
    "我的微信账号被封了怎么解封",
]


def test_there_are_at_least_sixty_conduct_patterns_with_provisions() -> None:
    patterns = load_conduct()
    assert len(patterns) >= 60
    assert all(p.provisions and p.name for p in patterns)


def test_at_least_forty_conduct_patterns_have_examples() -> None:
    known = {p.id for p in load_conduct()}
    assert set(CONDUCT_EXAMPLES) <= known
    assert len(CONDUCT_EXAMPLES) >= 40


@pytest.mark.parametrize(
    ("conduct_id", "question"),
    [
        (cid, q)
        for examples in (CONDUCT_EXAMPLES, COVERAGE_EXAMPLES)
        for cid, questions in examples.items()
        for q in questions
    ],
)
def test_conduct_fires_on_colloquial_question(conduct_id: str, question: str) -> None:
    hits = {hit.id: hit for hit in spot_conduct(question)}
    assert conduct_id in hits
    hit = hits[conduct_id]
    assert hit.matched and all(m in question for m in hit.matched)
    assert all(isinstance(p, Provenance) for p in hit.provisions)


def test_every_conduct_pattern_has_a_colloquial_example() -> None:
    known = [p.id for p in load_conduct()]
    assert not set(CONDUCT_EXAMPLES) & set(COVERAGE_EXAMPLES)
    assert set(known) == set(CONDUCT_EXAMPLES) | set(COVERAGE_EXAMPLES)
    assert len(known) >= 158


def test_coverage_pass_reaches_the_key_article_families() -> None:
    cited = {(prov.title, prov.article) for p in load_conduct() for prov in p.provisions}
    assert {
        ("刑法", "第二百七十一条"),
        ("刑法", "第一百九十三条"),
        ("刑法", "第二百八十七条之二"),
        ("刑法", "第三十条"),
        ("民法典", "第五百六十八条"),
        ("民法典", "第一百七十二条"),
        ("民法典", "第六百九十九条"),
        ("民事诉讼法", "第九十五条"),
        ("民事诉讼法", "第二百三十八条"),
        ("个人信息保护法", "第十五条"),
        ("个人信息保护法", "第五十七条"),
        ("征信业管理条例", "第十七条"),
        ("反电信网络诈骗法", "第十三条"),
        ("商业银行法", "第二十九条"),
    } <= cited


@pytest.mark.parametrize(
    ("question", "silent"),
    [
        ("留置送达是什么意思", "lien"),
        ("被限制出境的信息在哪里能查到", "cross-border-transfer"),
        ("我就去了趟银行办业务", "accomplice-role"),
        ("经理要进去开会了", "unit-crime"),
    ],
)
def test_coverage_patterns_do_not_fire_on_look_alike_phrases(question: str, silent: str) -> None:
    assert silent not in {h.id for h in spot_conduct(question)}


@pytest.mark.parametrize("question", UNRELATED_QUESTIONS)
def test_conduct_stays_silent_on_unrelated_questions(question: str) -> None:
    assert spot_conduct(question) == []


def test_conduct_hit_carries_the_provisions_and_terms() -> None:
    hits = {h.id: h for h in spot_conduct("客户不接电话，我能打给他同事吗？")}
    hit = hits["contact-workplace"]
    assert Provenance("民法典", "第一千零三十二条") in hit.provisions
    assert "隐私权" in hit.terms


def test_conduct_exclude_vetoes_a_match() -> None:
    # 担保人 is a debtor by contract: asking the guarantor to pay is not pressing a non-debtor.
    ids = {h.id for h in spot_conduct("借款人不还，能让他的担保人替他还吗")}
    assert "demand-non-debtor-pay" not in ids
    assert "guarantor" in ids


@needs_shared
def test_every_conduct_provision_exists_in_the_corpus() -> None:
    missing = [
        (p.id, prov.title, prov.article)
        for p in load_conduct()
        for prov in p.provisions
        if has_article(prov.title, prov.article) is not True
    ]
    assert missing == []


def test_conduct_file_errors_name_the_entry_and_field(tmp_path: Path) -> None:
    path = tmp_path / "conduct.yaml"
    path.write_text(
        "- id: broken\n  name: 坏\n  patterns: ['(未闭合']\n  provisions: [{title: 民法典, article: 第一条}]\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match=r"entry 'broken' field 'patterns"):
        load_conduct(path)


def test_conduct_file_rejects_duplicate_ids(tmp_path: Path) -> None:
    entry = "- id: twice\n  name: 重\n  patterns: ['甲']\n  provisions: [{title: 民法典, article: 第一条}]\n"
    path = tmp_path / "conduct.yaml"
    path.write_text(entry + entry, encoding="utf-8")
    with pytest.raises(ConfigError, match="twice"):
        load_conduct(path)


def test_conduct_and_jargon_can_be_loaded_from_a_test_file(tmp_path: Path) -> None:
    path = tmp_path / "conduct.yaml"
    path.write_text(
        "- id: and-group\n  name: 同时出现\n  patterns: [['甲', '乙']]\n"
        "  provisions: [{title: 民法典, article: 第一条}]\n",
        encoding="utf-8",
    )
    assert [h.id for h in spot_conduct("甲和乙", path)] == ["and-group"]
    assert spot_conduct("只有甲", path) == []


# ------------------------------------------------------------------ word lists


def test_userdict_is_a_wellformed_jieba_dictionary_of_domain_terms() -> None:
    lines = [line for line in USERDICT.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(lines) >= 150
    words = set()
    for line in lines:
        word, freq, tag = line.split(" ")
        assert freq.isdigit() and tag.isalpha()
        words.add(word)
    assert {
        "催收",
        "个人信息",
        "通讯录",
        "征信",
        "债务人",
        "第三人",
        "紧急联系人",
        "诉讼时效",
        "保证期间",
    } <= words


def test_userdict_keeps_terms_whole_in_jieba() -> None:
    tokenizer = jieba.Tokenizer()
    tokenizer.load_userdict(str(USERDICT))
    tokens = tokenizer.lcut("他的紧急联系人说诉讼时效和保证期间都过了")
    assert {"紧急联系人", "诉讼时效", "保证期间"} <= set(tokens)


def test_stopwords_drop_function_words_not_legal_terms() -> None:
    tokens = set(tokenize("他的利息我们怎么催收？能不能找征信和担保人了吗"))
    assert {"利息", "催收", "征信", "担保人"} <= tokens
    assert not {"他", "的", "我们", "怎么", "能不能", "了", "吗"} & tokens
