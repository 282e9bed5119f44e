"""Engine behaviour on a real index (chromadb + BM25) of the full corpus, hash embedder."""

from __future__ import annotations

import threading

import pytest

from regkb.answer import REFUSAL
from regkb.questions import SIMPLIFIED_NOTE
from regkb.quotes import quote_matches
from regkb.types import Filters

pytestmark = pytest.mark.integration


def _squash(text: str) -> str:
    return "".join(text.split())


def _labels(hits) -> list[str]:
    return [h.passage.citation_label for h in hits]


@pytest.mark.parametrize(
    ("question", "label"),
    [
        ("民法典第六百八十条怎么规定的？", "《民法典》第六百八十条"),
        ("个保法第13条规定了哪几种可以处理个人信息的情形？", "《个人信息保护法》第十三条"),
        ("刑法293条之一是什么罪", "《刑法》第二百九十三条之一"),
        ("民诉法第二百二十五条讲的是什么？", "《民事诉讼法》第二百二十五条"),
    ],
)
def test_article_lookup_ranks_first_and_cites_only_it(hash_engine, question: str, label: str) -> None:
    answer = hash_engine.ask(question)
    assert not answer.refused
    assert answer.retrieved[0].passage.citation_label == label
    assert "lookup" in answer.retrieved[0].channels
    assert {c.label for c in answer.citations} == {label}


def test_every_citation_quote_is_verbatim_in_an_indexed_passage(hash_engine) -> None:
    by_id = {p.id: p for d in hash_engine.documents() for p in hash_engine.passages_of(d.doc_id)}
    for question in [
        "客户不接电话，我能打给他同事吗？",
        "我们把欠款人的身份证扣了，让他在仓库待一晚，算什么？",
    ]:
        answer = hash_engine.ask(question)
        assert answer.citations, question
        for c in answer.citations:
            assert by_id[c.passage.id] == c.passage
            # verbatim: each piece between elision marks (……) is in the passage, in order
            pieces = [piece for piece in c.quote.split("……") if piece]
            starts = [c.passage.text.find(piece) for piece in pieces]
            assert pieces and -1 not in starts and starts == sorted(starts), c.quote
            # the answer text may re-indent a multi-paragraph quote, nothing else
            assert c.label in answer.text and _squash(c.quote) in _squash(answer.text)


def test_refuses_a_law_the_corpus_does_not_hold(hash_engine) -> None:
    answer = hash_engine.ask("劳动合同法规定加班费怎么算？")
    assert answer.refused and answer.text.startswith(REFUSAL)
    assert answer.citations == ()


def test_an_article_of_a_law_the_index_lacks_is_refused_and_never_another_laws(hash_engine) -> None:
    """「商标法第十条」 was answered with 刑法第二百一十三条, and 「……和劳动合同法第39条」 cited 民法典第三十九条."""
    alone = hash_engine.ask("商标法第十条是什么？")
    assert alone.refused and "《商标法》" in alone.text and not alone.citations
    generic = hash_engine.ask("管理办法第十条")  # part of several policies' names: which one?
    assert generic.refused and "请说明是哪一部" in generic.text
    assert "《示例催收作业管理办法》" in generic.text and "《示例委外催收机构管理办法》" in generic.text
    mixed = hash_engine.ask("民法典第1033条和劳动合同法第39条")
    assert [c.label for c in mixed.citations] == ["《民法典》第一千零三十三条"]
    assert any("《劳动合同法》" in note for note in mixed.notes)


def test_missing_article_is_refused_not_invented(hash_engine) -> None:
    answer = hash_engine.ask("民法典第九千条怎么规定？")
    assert answer.refused and "第九千条" in answer.text


def test_criminal_exposure_is_marked(hash_engine) -> None:
    answer = hash_engine.ask("刑法第二百三十八条非法拘禁怎么处罚？")
    assert answer.criminal and "刑事" in answer.text


def test_follow_up_carries_the_previous_subject(hash_engine) -> None:
    first = "客户不接电话，我能不能打到他单位，跟他同事说他欠钱不还？"
    answer = hash_engine.ask("那如果打给他家人呢？", history=[first])
    assert answer.notes and answer.notes[0].startswith("沿用上文")
    alone = hash_engine.ask("那如果打给他家人呢？")
    assert not alone.notes


@pytest.mark.parametrize(
    ("previous", "follow_up", "label"),
    [
        ("民法典第680条是什么", "那第681条呢？", "《民法典》第六百八十一条"),  # it cited 民法典第十一条
        ("民法典第680条是什么", "681条呢", "《民法典》第六百八十一条"),
        ("民法典第六百八十條", "那第六百八十一條呢？", "《民法典》第六百八十一条"),  # it cited 第六百八十条
    ],
)
def test_a_follow_up_naming_an_article_reads_it_in_the_previous_document(
    hash_engine, previous: str, follow_up: str, label: str
) -> None:
    answer = hash_engine.ask(follow_up, history=[previous])
    assert [c.label for c in answer.citations] == [label]
    assert "沿用上文：民法典" in answer.notes


@pytest.mark.parametrize(
    ("history", "follow_up", "label"),
    [
        (["民法典第1033条是什么"], "第三项呢？", "《民法典》第一千零三十三条"),  # it cited 民法典第三条
        (["民法典第1033条是什么", "第三项呢？"], "那第二款呢", "《民法典》第一千零三十三条"),  # refused
        (["催收作业管理办法第十条", "第十一条呢"], "（二）呢", "《示例催收作业管理办法》第十一条"),  # refused
        (["客户不接电话，我能打给他同事吗？"], "那第1034条呢？", "《民法典》第一千零三十四条"),  # refused
    ],
)
def test_a_follow_up_naming_a_part_or_an_article_reads_the_turns_before_it(
    hash_engine, history: list[str], follow_up: str, label: str
) -> None:
    """A 款 or 项 alone is that part of the article the conversation is on, read through the turns
    before it; an article after a question that named no document is its one holder's."""
    answer = hash_engine.ask(follow_up, history=history)
    assert [c.label for c in answer.citations] == [label], answer.text


@pytest.mark.parametrize("follow_up", ["刑法呢？", "那个人信息保护法呢"])
def test_a_follow_up_naming_only_another_document_after_a_lookup_shows_that_document(
    hash_engine, follow_up: str
) -> None:
    """It was read with the lookup's words (「刑法呢？ 民法典 是什么」) and cited 刑法第二百六十四条 (theft)."""
    answer = hash_engine.ask(follow_up, history=["民法典第1033条是什么"])
    alone = hash_engine.ask(follow_up.removeprefix("那"))
    labels = [c.label for c in answer.citations]
    assert labels == [c.label for c in alone.citations] and labels[0].endswith("第一条")


def test_level_filter_keeps_only_that_level(hash_engine) -> None:
    hits = hash_engine.retrieve("催收时能不能联系紧急联系人", Filters(levels=("内部制度",)))
    assert hits and all(h.passage.level == "内部制度" for h in hits)


def test_as_of_date_excludes_text_not_yet_in_force(hash_engine) -> None:
    hits = hash_engine.retrieve("个人信息处理者的义务", Filters(as_of="2020-01-01"), k=30)
    assert hits and all((h.passage.effective or "") <= "2020-01-01" for h in hits)


def test_clause_check_flags_and_clears(hash_engine) -> None:
    bad = hash_engine.check("催收员可以在抖音、微信群公开失联客户的照片、姓名和欠款金额进行曝光。")
    assert bad[0].verdict == "违规风险" and bad[0].redlines
    ok = hash_engine.check(
        "借款人失联时，可联系其紧急联系人，但只能询问借款人的联系方式，不得向其透露欠款信息。"
    )
    assert ok[0].verdict != "违规风险"


def test_verdict_is_emitted_for_quoted_clause_questions(hash_engine) -> None:
    answer = hash_engine.ask("我们打算在催收话术里写'不还款将追究刑事责任'，合规吗？")
    assert answer.verdict == "违规风险"
    assert hash_engine.ask("民法典第六百八十条怎么规定的？").verdict is None


def test_answers_lead_with_a_conclusion_and_keep_quotes_verifiable(hash_engine) -> None:
    answer = hash_engine.ask("我们打算在催收话术里写'不还款将追究刑事责任'，合规吗？")
    assert answer.conclusion is not None and answer.conclusion.label == "不可以"
    assert answer.text.startswith("结论：【不可以】")
    cited = {(c.passage.doc_id, c.passage.article) for c in answer.citations}
    assert all((r.passage.doc_id, r.passage.article) not in cited for r in answer.related)
    for c in (*answer.citations, *answer.related):
        assert quote_matches(c.quote, c.passage.text)  # verbatim pieces, elisions marked ……
    lookup = hash_engine.ask("民法典第六百八十条怎么规定的？")
    assert lookup.conclusion is not None and lookup.conclusion.label is None and lookup.conclusion.text


def test_concurrent_asks_match_serial_results(hash_engine) -> None:
    questions = [
        "客户不接电话，我能打给他同事吗？",
        "保证期间怎么算？",
        "征信不良信息保存多久？",
        "刑法293条之一",
    ]
    serial = {q: _labels(hash_engine.ask(q).retrieved) for q in questions}
    results: dict[str, list[str]] = {}

    def worker(q: str) -> None:
        results[q] = _labels(hash_engine.ask(q).retrieved)

    threads = [threading.Thread(target=worker, args=(q,)) for q in questions * 2]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == serial


def test_lookup_and_documents(hash_engine) -> None:
    passages = hash_engine.lookup("《民法典》第680条")
    assert [p.article for p in passages] == ["第六百八十条"]
    titles = {d.short_title for d in hash_engine.documents()}
    assert {"民法典", "刑法", "示例催收作业管理办法"} <= titles
    civil = next(d for d in hash_engine.documents() if d.short_title == "民法典")
    assert (
        len({p.article for p in hash_engine.passages_of(civil.doc_id) if p.article.startswith("第")}) == 1260
    )


class _ScriptedChat:
    """A chat model that answers from a script and records its prompts."""

    def __init__(self, reply: str) -> None:
        self.reply = reply
        self.prompts: list[tuple[str, str]] = []

    def complete(self, system: str, user: str) -> str:
        self.prompts.append((system, user))
        return self.reply


class _BrokenChat:
    def complete(self, system: str, user: str) -> str:
        raise TimeoutError("endpoint down")


def test_llm_answer_invented_citation_is_removed_and_flagged(hash_engine, monkeypatch) -> None:
    chat = _ScriptedChat("不可以向同事透露欠款[1]。另见《民法典》第九千条，规定了催收时间。")
    monkeypatch.setattr(hash_engine, "_chat", chat)
    answer = hash_engine.ask("客户不接电话，我能不能打到他单位，跟他同事说他欠钱不还？")
    assert chat.prompts and "客户不接电话" in chat.prompts[0][1]
    assert "第九千条" not in answer.text.split("⚠")[0]
    assert any("第九千条" in n for n in answer.notes) or "第九千条" in answer.text.split("⚠")[-1]
    assert answer.citations and answer.citations[0].passage == answer.retrieved[0].passage


def test_llm_failure_falls_back_to_extractive(hash_engine, monkeypatch) -> None:
    monkeypatch.setattr(hash_engine, "_chat", _BrokenChat())
    answer = hash_engine.ask("客户不接电话，我能不能打到他单位，跟他同事说他欠钱不还？")
    assert answer.text.startswith("结论：") and answer.citations
    assert any("摘录式" in n for n in answer.notes)


def test_internal_only_red_line_asks_for_review(hash_engine) -> None:
    results = hash_engine.check("催收员可在夜间及凌晨拨打借款人电话。")
    assert results[0].redlines and {r.severity for r in results[0].redlines} == {"内部"}
    assert results[0].verdict == "需复核" and results[0].severity == "内部"


def test_a_quoted_draft_crossing_a_red_line_is_answered_on_the_red_line_basis(
    hash_engine, monkeypatch
) -> None:
    """However weak the retrieval (here every question refused), a draft clause flagged 违规风险 is not
    answered 「没有找到依据」: the provisions of the red lines it crosses lead the hits and are cited.
    A draft that crosses no red line is refused as the policy decides."""
    from regkb.refusal import Decision

    monkeypatch.setattr(hash_engine.refusal, "decide", lambda *args: Decision(True, "相关度不足"))
    answer = hash_engine.ask("我们打算在催收话术里写'不还款将追究刑事责任'，合规吗？")
    review = hash_engine.check("不还款将追究刑事责任")[0]
    basis = {p.id for red in review.redlines for p in red.provisions}
    assert review.verdict == "违规风险" and basis
    assert not answer.refused and answer.verdict == "违规风险"
    assert {h.passage.id for h in answer.retrieved[: len(basis)]} == basis
    assert basis & {c.passage.id for c in answer.citations}
    clean = hash_engine.ask("我们打算在催收话术里写'请您按时还款，谢谢配合'，合规吗？")
    assert clean.refused and clean.verdict != "违规风险"


def test_a_question_in_traditional_characters_is_answered_as_in_simplified(hash_engine) -> None:
    """「民法典第六百八十條」 is the lookup of 第六百八十条 (it found no 条 and cited other articles), and a
    permission question gets the same conclusion and citations as its simplified form."""
    lookup = hash_engine.ask("民法典第六百八十條怎麼規定的？")
    assert [c.label for c in lookup.citations] == ["《民法典》第六百八十条"]
    assert SIMPLIFIED_NOTE in lookup.notes
    spaced = hash_engine.ask("民法典 第 680 条 说了啥")  # a phone keyboard's spaces
    assert [c.label for c in spaced.citations] == [
        "《民法典》第六百八十条"
    ] and SIMPLIFIED_NOTE not in spaced.notes
    traditional = hash_engine.ask("我們打算在催收話術裡寫'不還款將追究刑事責任'，合規嗎？")
    simplified = hash_engine.ask("我们打算在催收话术里写'不还款将追究刑事责任'，合规吗？")
    assert (
        traditional.conclusion == simplified.conclusion
        and traditional.verdict == simplified.verdict == "违规风险"
    )
    assert [c.label for c in traditional.citations] == [c.label for c in simplified.citations]
    assert [h.passage.id for h in hash_engine.retrieve("客戶不接電話，我能打給他同事嗎？")] == [
        h.passage.id for h in hash_engine.retrieve("客户不接电话，我能打给他同事吗？")
    ]


@pytest.mark.parametrize(
    "question", ["民法典", "《个人信息保护法》讲了什么？", "中华人民共和国刑法", "个保法是什么"]
)
def test_a_question_that_only_names_a_document_gets_its_first_article(hash_engine, question: str) -> None:
    """「民法典」 alone was answered by whatever article matched the word (民法典第十一条); now the
    document's first article (its purpose) stands for it, with a note pointing to 法规浏览."""
    from regkb.engine import OVERVIEW_NOTE

    answer = hash_engine.ask(question)
    assert not answer.refused and [c.passage.article for c in answer.citations] == ["第一条"]
    assert OVERVIEW_NOTE in answer.notes


def test_a_question_about_something_in_a_document_is_no_overview(hash_engine) -> None:
    from regkb.engine import OVERVIEW_NOTE

    for question in ("民法典和刑法", "民法典里关于合同的规定", "民法典第六百八十条"):
        plan = hash_engine.plan(question)
        assert not plan.overview and OVERVIEW_NOTE not in hash_engine.ask(question).notes


def test_an_article_asked_alone_is_its_one_holders_or_a_question_back(hash_engine) -> None:
    """「第293条之一是什么」 (only 刑法 has it) was refused, and 「第十条说了什么」 answered with 民法典第十条:
    now the one document holding the article is looked up, and an article many documents hold is
    asked back, naming them."""
    alone = hash_engine.ask("第293条之一是什么")
    assert [c.label for c in alone.citations] == ["《刑法》第二百九十三条之一"]
    many = hash_engine.ask("第十条说了什么")
    assert many.refused and "请说明是哪一部的第十条" in many.text and "《民法典》" in many.text


def test_articles_asked_together_alone_are_asked_back_or_looked_up(hash_engine) -> None:
    """「第十条和第十一条」 was answered with 民法典第十一条 (retrieval matched the words): two articles
    many documents hold are asked back, naming the articles; articles with one holder each are looked up."""
    many = hash_engine.ask("第十条和第十一条")
    assert many.refused and "请说明是哪一部的第十条、第十一条" in many.text, many.text
    assert "《民法典》" in many.text
    plan = hash_engine.plan("第293条之一和第1033条分别是什么")
    assert [(r.document, r.article) for r in plan.refs] == [
        ("刑法", "第二百九十三条之一"),
        ("民法典", "第一千零三十三条"),
    ]


def test_a_grouped_or_bare_arabic_article_number_is_the_article(hash_engine) -> None:
    """「民法典第1,033条」 cited 民法典第一条 and 第三十三条 (the comma split the number), and 「1033条是什么」
    was refused: the separator is dropped, and an Arabic number with 条 alone is an article asked alone."""
    for question in ("民法典第1,033条", "1033条是什么"):
        assert [c.label for c in hash_engine.ask(question).citations] == ["《民法典》第一千零三十三条"], (
            question
        )
    assert not hash_engine.plan("三条是什么").refs  # 三条 is three articles, not 第三条


def test_an_article_before_its_documents_name_or_with_a_dash_suffix_is_that_article(hash_engine) -> None:
    """「第1033条民法典」 cited 民法典第十一条 and 「刑法第293-1条」 刑法第一条: the name after the article and
    the dash written for 之一 are read as the user meant them."""
    asked = {"第1033条民法典": "《民法典》第一千零三十三条", "刑法第293-1条": "《刑法》第二百九十三条之一"}
    for question, label in asked.items():
        assert [c.label for c in hash_engine.ask(question).citations] == [label], question
    reversed_ = [(r.document, r.article) for r in hash_engine.plan("第13条第1款 个保法").refs]
    assert reversed_ == [("个人信息保护法", "第十三条")]  # it cited 民法典第三条
    listed = [r.article for r in hash_engine.plan("民法典第1033条、1034、1035条").refs]
    assert listed == ["第一千零三十三条", "第一千零三十四条", "第一千零三十五条"]  # 1034 was lost
    spelled = [(r.document, r.article) for r in hash_engine.plan("民法典第1032-1034条").refs]
    assert [a for _, a in spelled] == [
        "第一千零三十二条",
        "第一千零三十三条",
        "第一千零三十四条",
    ]  # still a range
    # a list before the name, its second number without 第 (it found neither article)
    for question in ("第十条、十一条话术规范", "第10、11条话术规范"):
        opening = [(r.document, r.article) for r in hash_engine.plan(question).refs]
        assert opening == [("示例催收话术规范", "第十条"), ("示例催收话术规范", "第十一条")], question


def test_a_shortened_policy_name_the_finder_does_not_trust_is_refused_naming_the_policies(
    hash_engine,
) -> None:
    """「催收办法第10条」 was refused as 知识库未收录《催收办法》, though three sample policies' names keep
    those characters in order: the refusal names them and asks which; one that fits a single policy
    (「个信细则」) is named as what the user may mean."""
    several = hash_engine.ask("催收办法第10条")
    assert several.refused and "未收录" not in several.text and "请说明是哪一部" in several.text
    assert "《示例催收作业管理办法》" in several.text and "《示例催收人员培训与考核办法》" in several.text
    one = hash_engine.ask("个信细则第十七条")
    assert one.refused and "「个信细则」可能指《示例个人信息保护管理细则》" in one.text
    assert "知识库未收录《公司法》" in hash_engine.ask("公司法第十条").text  # a law's name is no shortening


def test_a_permission_question_naming_an_article_is_decided_by_all_of_its_clauses(hash_engine) -> None:
    """「按催收作业管理办法第十条，晚上十点还能打吗？」 was 视情况而定: only the sentence sharing words with the
    question (the 8:00至21:00 hours) was read, not 「在此时段以外，不得拨打电话」, which decides it."""
    answer = hash_engine.ask("按催收作业管理办法第十条，晚上十点还能打吗？")
    assert answer.conclusion is not None and answer.conclusion.label == "不可以", answer.text
    assert "不得拨打电话" in answer.conclusion.text


def test_an_article_no_document_holds_is_refused_and_a_huge_number_does_not_fail(hash_engine) -> None:
    """「第2000条是什么」 was answered with 民法典第一百三十八条, and 「民法典第99999999999999999999条」 raised
    ValueError (no Chinese numeral writes it) out of the engine."""
    unheld = hash_engine.ask("第2000条是什么")
    assert unheld.refused and "知识库中没有哪一部文件有第二千条" in unheld.text and not unheld.citations
    huge = hash_engine.ask("民法典第99999999999999999999条")
    assert huge.refused and "知识库中没有《民法典》第99999999999999999999条" in huge.text


def test_english_names_of_laws_in_any_case_are_looked_up(hash_engine) -> None:
    """「Civil Code第1033条」 was refused (no document named) and 「Pipl 第13条」 missed the alias PIPL by
    its case: the official translations' names are aliases, matched in any case."""
    asked = {
        "Civil Code第1033条": ("民法典", "第一千零三十三条"),
        "Pipl 第13条": ("个人信息保护法", "第十三条"),
        "《criminal law》第293条之一是什么": ("刑法", "第二百九十三条之一"),
    }
    for question, ref in asked.items():
        assert [(r.document, r.article) for r in hash_engine.plan(question).refs] == [ref], question
    assert [c.label for c in hash_engine.ask("Civil Code第1033条").citations] == [
        "《民法典》第一千零三十三条"
    ]


def test_a_question_without_chinese_is_refused_asking_for_chinese(hash_engine) -> None:
    """「Can a collector call the debtor's colleagues?」 was refused as 知识库中未出现：can、collector、call、the
    …, as if the knowledge base lacked the subject: the refusal now says the question must be in Chinese.
    An English law name with an article is still looked up."""
    answer = hash_engine.ask("Can a collector call the debtor's colleagues?")
    assert answer.refused and "请用中文提问" in answer.text and "the" not in answer.text
    assert not hash_engine.ask("PIPL第13条").refused


def test_a_repealed_law_is_answered_from_the_law_that_took_over_its_rules(hash_engine) -> None:
    """aliases.yaml says 合同法 and 婚姻法 were replaced by 民法典, and nothing used it: a question on them
    was refused as 「知识库未收录合同法」. Now it is answered from 民法典, saying so; an article number of the
    repealed law is no 民法典 article, so that lookup is refused with the same explanation."""
    answer = hash_engine.ask("婚姻法规定夫妻共同债务怎么认定？")
    assert not answer.refused and answer.citations
    assert {c.passage.short_title for c in answer.citations} == {"民法典"}
    assert any("《婚姻法》已废止" in note and "《民法典》" in note for note in answer.notes)
    lookup = hash_engine.ask("合同法第52条")
    assert lookup.refused and "《合同法》已废止" in lookup.text and not lookup.citations
    assert hash_engine.plan("劳动合同法规定加班费怎么算").replaced == ()  # not repealed: no successor


def test_a_draft_in_traditional_characters_gets_the_verdict_of_its_simplified_text(hash_engine) -> None:
    """The red lines' patterns are simplified: 「因本公司催收行为……概不负责」 typed in traditional characters
    was cleared (未发现明显冲突), and 「第一條」 labels were no articles."""
    draft = "因本公司催收行为给用户造成的任何人身或财产损失，本公司概不负责。"
    traditional = "因本公司催收行為給用戶造成的任何人身或財產損失，本公司概不負責。"
    assert hash_engine.check(traditional)[0].verdict == hash_engine.check(draft)[0].verdict == "违规风险"
    policy = "第一條 催收應當文明。\n第二條 不還款將追究刑事責任。"
    assert [(r.label, r.verdict) for r in hash_engine.check(policy)][1] == ("第二条", "违规风险")
