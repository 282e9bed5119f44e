"""The conditions a conclusion names are whole 「……的」 phrases and exceptions, not script fragments."""

from __future__ import annotations

from regkb.conclusion import conditions
from tests.regkb.supports import supports_of


def test_a_quoted_reply_in_a_script_is_no_condition() -> None:
    supports = supports_of(
        "第一条 接听人答复“好的，我会转告”的，催收人员不得再次拨打；借款人委托律师处理的，应当停止联系。"
    )
    assert conditions(supports) == ["借款人委托律师处理的"]


def test_conditions_of_four_characters_or_more_are_kept() -> None:
    supports = supports_of("第一条 借款人明确拒绝还款的，催收人员不得威胁。")
    assert conditions(supports) == ["借款人明确拒绝还款的"]
