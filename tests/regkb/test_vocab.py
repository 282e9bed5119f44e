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

import pytest

from regkb.errors import ConfigError
from regkb.types import Provenance
from regkb.vocab import (
    STOPWORDS_PATH,
    USERDICT_PATH,
    expand_jargon,
    load_aliases,
    load_conduct,
    load_jargon,
    load_stopwords,
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

UNRELATED_QUESTIONS = [
    "咱们组这个月回款率做到了80%，提成比例一般是多少？",
    "公司年会定在几号？",
    "新来的同事怎么申请工牌？",
    "催收系统登录不上去了找谁？",
    "个人所得税的起征点现在是多少？",
    "劳动合同法规定加班费怎么算？",
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
    [(cid, q) for cid, questions in CONDUCT_EXAMPLES.items() for q in questions],
)
def test_conduct_fires_on_colloquial_question(conduct_id: str, question: str) -> None:
    hits = {hit.id: hit for hit in spot_conduct(question)}
    assert conduct_id in hits
    hit = hits[conduct_id]
    assert hit.matched and all(m in question for m in hit.matched)
    assert all(isinstance(p, Provenance) for p in hit.provisions)


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
    lines = [line for line in USERDICT_PATH.read_text(encoding="utf-8").splitlines() if line.strip()]
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
    jieba = pytest.importorskip("jieba")
    tokenizer = jieba.Tokenizer()
    tokenizer.load_userdict(str(USERDICT_PATH))
    tokens = tokenizer.lcut("他的紧急联系人说诉讼时效和保证期间都过了")
    assert {"紧急联系人", "诉讼时效", "保证期间"} <= set(tokens)


def test_stopwords_hold_function_words_not_legal_terms() -> None:
    stopwords = load_stopwords()
    assert {"他", "她", "我们", "的", "了", "吗", "能不能", "怎么", "什么"} <= stopwords
    assert not {"催收", "个人信息", "征信", "利息", "担保"} & stopwords
    assert load_stopwords(STOPWORDS_PATH) is stopwords
