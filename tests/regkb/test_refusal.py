"""Topics the knowledge base does not cover, and the laws it does not hold."""

import pytest

from regkb.refusal import not_indexed_mentions, out_of_scope_topic


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("委外催收服务费开发票按6%还是3%的税率？", "税务"),
        ("新招的催收员试用期最长多久？", "劳动用工"),
        ("我们催收员晚上加班能拿几倍工资？", "劳动用工"),
        ("想开一家催收公司需要办什么许可证？", "公司设立与资质"),
        ("美国的FDCPA对催收电话次数有什么规定？", "境外法律"),
        ("明天下雨吗？外访要不要带伞？", "行政事务"),
        ("咱们组回款率做到80%了提成比例一般多少？", "劳动用工"),
    ],
)
def test_uncovered_topics_are_named(question: str, topic: str) -> None:
    assert out_of_scope_topic(question) == topic


@pytest.mark.parametrize(
    "question",
    [
        "法院能不能直接扣债务人的工资？",
        "客户跑到香港去了，我们在内地起诉他，传票怎么送？",
        "催收员晚上加班打电话给客户合法吗？",
        "没有放贷牌照能不能放贷？",
        "客户不接电话，我能打给他同事吗？",
        "借款合同里约定的服务费和罚息加起来超过法定上限了吗？",
    ],
)
def test_collection_questions_are_not_out_of_scope(question: str) -> None:
    assert out_of_scope_topic(question) is None


def test_laws_not_in_the_corpus_are_recognised() -> None:
    assert not_indexed_mentions("劳动合同法规定加班费怎么算？") == ["劳动合同法"]
    assert not_indexed_mentions("民法典第六百八十条怎么规定？") == []
