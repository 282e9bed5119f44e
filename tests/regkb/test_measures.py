"""The provisions that set hours or caps lead the hits of a permission question they measure.

The provisions here are written for the tests; none is copied from the shared corpus or a fixture.
"""

from __future__ import annotations

import pytest

from regkb.definitions import Definitions
from regkb.measures import Measures
from regkb.types import Passage
from tests.regkb.supports import passage as make_passage


def passage(text: str, article: str) -> Passage:
    return make_passage(text, article, "示例外呼管理规定", "内部制度")


HOURS = passage("第三条 外呼时间为每日9:00至20:00，此外不得拨打债务人电话。", "第三条")
CALLS = passage("第四条 对同一债务人每日外呼不得超过3次。", "第四条")
TEXTS = passage("第五条 每周向同一债务人发送短信不得超过5条。", "第五条")
# a window of no contact: the office's hours are no rule about calling anyone
OFFICE = passage("第九条 办公室开放时间为每日9:00至17:00。", "第九条")
VISITS = passage("第十条 外访只能在9:00至18:00之间进行。", "第十条")
MEASURES = Measures([HOURS, CALLS, TEXTS, OFFICE, VISITS])


@pytest.mark.parametrize(
    ("question", "leading"),
    [
        ("晚上八点半还能给客户打电话吗？", (HOURS.id,)),
        ("今天打了两次，还能再打一次吗？", (CALLS.id,)),
        ("这周已经发了5条短信，再发一条可以吗？", (TEXTS.id,)),
        ("晚上八点半打第四次电话可以吗？", (HOURS.id,)),  # the time; the count has no period
        ("今天晚上八点半打第四次电话可以吗？", (HOURS.id, CALLS.id)),
        ("一天发三条短信可以吗？", ()),  # texts are capped by the week, not the day
        ("晚上十点打电话会被怎么处罚？", ()),  # a consequence, which other provisions set
        ("下午三点开会可以吗？", ()),  # a time, but of no contact
        ("系统每半小时自动拨一次，一天几十个，可以吗？", ()),  # a rate, no count of the day
        ("晚上七点上门可以吗？", (VISITS.id,)),  # visiting hours, not calling hours
        # a call in floor words
        ("晚上快九点的时候再打一个行不行？", (HOURS.id,)),
        ("客户让我晚上九点多打给他，能打吗？", (HOURS.id,)),
    ],
)
def test_the_measuring_provisions_of_a_permission_question(question: str, leading: tuple[str, ...]) -> None:
    assert MEASURES.asked(question) == leading


class Unread(list):
    """Passages that may not be read: the tables are built only for a question that needs them."""

    def __iter__(self):
        raise AssertionError("the passages were read")


def test_passages_are_read_only_for_a_question_that_needs_them() -> None:
    measures, definitions = Measures(Unread()), Definitions(Unread())
    for question in (
        "客户不接电话，我能打给他同事吗？",
        "晚上十点打电话会被怎么处罚？",
        "下午三点开会可以吗？",
    ):
        assert measures.asked(question) == ()
        assert definitions.asked(question) == ()
    with pytest.raises(AssertionError, match="were read"):
        measures.asked("晚上八点半还能给客户打电话吗？")
    with pytest.raises(AssertionError, match="were read"):
        definitions.asked("无关第三人是什么意思")
