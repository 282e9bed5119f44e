"""Terms the indexed texts define, and meaning questions answered by the defining provision.

The provisions here are written for the tests in the drafting style of Chinese rules; none is copied
from the shared corpus.
"""

from __future__ import annotations

import pytest

from regkb.definitions import Definitions, defined_terms
from regkb.types import Passage
from tests.regkb.supports import passage as make_passage


def passage(text: str, article: str) -> Passage:
    return make_passage(text, article, "示例还款管理规定", "内部制度")


@pytest.mark.parametrize(
    ("text", "terms"),
    [
        ("第二条 本规定所称展期，是指借款到期前经双方协商延长还款期限。", ["展期"]),
        ("本规定所称的提前结清，是指借款人在到期日前一次归还全部本息。", ["提前结清"]),
        ("本细则所称“宽限期”，是指到期日后三日。", ["宽限期"]),
        ("（二）减免申请，是指借款人书面请求减少应还金额；", ["减免申请"]),
        ("逾期天数是指自到期日次日起算的自然日数。", ["逾期天数"]),
        # what these point at is no term of their own
        ("前款规定的情形是指借款人失联。", []),
        ("下列行为是指：", []),
        ("借款人应当按期还款。", []),
    ],
)
def test_defined_terms(text: str, terms: list[str]) -> None:
    assert defined_terms(text) == terms


def test_meaning_questions_find_the_defining_passages() -> None:
    extension = passage("第二条 本规定所称展期，是指借款到期前经双方协商延长还款期限。", "第二条")
    settlement = passage("第三条 本规定所称提前结清，是指借款人在到期日前一次归还全部本息。", "第三条")
    other = passage("第九条 展期申请由贷后部门审批。", "第九条")
    definitions = Definitions([extension, settlement, other])
    assert len(definitions) == 2
    assert definitions.asked("展期是什么意思？") == (extension.id,)
    assert definitions.asked("什么叫提前结清") == (settlement.id,)
    # two terms asked, in the question's order
    assert definitions.asked("提前结清和展期分别指什么？") == (settlement.id, extension.id)
    # the term named, but no meaning asked: the ranking decides
    assert definitions.asked("展期要找谁审批？") == ()
    # a meaning asked of a word no text defines
    assert definitions.asked("什么是催收？") == ()


def test_a_term_inside_a_longer_one_is_not_asked_too() -> None:
    loan = passage("第二条 本规定所称借贷，是指出借资金。", "第二条")
    private = passage("第三条 本规定所称民间借贷，是指自然人之间的借贷。", "第三条")
    assert Definitions([loan, private]).asked("民间借贷是指什么") == (private.id,)


def test_the_term_asked_is_the_whole_word_before_or_after_the_question() -> None:
    info = passage("第四条 本规定所称个人信息，是指与借款人有关的各种信息。", "第四条")
    decision = passage("第五条 本规定所称自动化决策，是指通过程序自动作出决定的活动。", "第五条")
    definitions = Definitions([info, decision])
    # 敏感个人信息 is another word than 个人信息, whose definition does not answer it
    assert definitions.asked("什么是敏感个人信息？欠款人的银行账户信息算不算？") == ()
    # the document and quotes before the term are no part of it
    assert definitions.asked("规定里说的“自动化决策”是什么意思？") == (decision.id,)
    assert definitions.asked("什么是个人信息？") == (info.id,)


def test_what_a_term_includes_is_asked_as_its_meaning() -> None:
    contacts = passage("第三条 本规定所称第三方联系人，是指借款人填报的紧急联系人和共同借款人。", "第三条")
    definitions = Definitions([contacts])
    assert definitions.asked("制度里说的第三方联系人都包括谁？担保人算不算？") == (contacts.id,)
    assert definitions.asked("第三方联系人包括哪些？") == (contacts.id,)
