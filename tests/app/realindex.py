"""A tiny real index for the app tests: an invented sample rule, ingested with the hash embedder."""

from __future__ import annotations

from pathlib import Path

DEMO_RULE = """---
title: 示例公司催收行为规定
short_title: 示例催收规定
level: 内部制度
issuer: 示例消费金融有限公司
effective: 2024-01-01
---
# 示例公司催收行为规定

## 第一章 总则

第一条 为规范示例公司的催收活动，保护债务人的合法权益，制定本规定。

第二条 本规定适用于示例公司的全部催收人员和委外催收机构。

## 第二章 催收行为

第三条 催收人员不得向债务人以外的第三人透露债务信息。确需联系债务人的同事或者家人的，只能询问联系方式，不得透露欠款事实。

第四条 催收人员每日联系同一债务人不得超过三次；晚上九点至次日早上八点之间不得拨打催收电话。

第五条 催收人员不得使用暴力、威胁或者侮辱的方式催收，不得冒充公安机关、法院或者律师。
"""

UPLOADED_RULE = """---
title: 示例公司投诉处理细则
short_title: 示例投诉细则
level: 内部制度
issuer: 示例消费金融有限公司
---
# 示例公司投诉处理细则

第一条 客户投诉应当在十五个工作日内答复。

第二条 投诉记录保存不少于五年。
"""


def build_index(base: Path) -> dict[str, str]:
    """Write the demo corpus under base, ingest it, and return the REGKB_ env for the app."""
    from ingest.pipeline import ingest_paths

    corpus = base / "corpus"
    corpus.mkdir(parents=True)
    (corpus / "demo.md").write_text(DEMO_RULE, encoding="utf-8")
    index = base / "index"
    report = ingest_paths([corpus], index, dense=["hash"], max_tokens=480, threads=1)
    assert report.committed and report.passages == 5, report.format_text()
    return {
        "REGKB_INDEX_DIR": str(index),
        "REGKB_DENSE": '["hash"]',
        "REGKB_CORPUS_ROOTS": f'["{corpus}"]',
        "REGKB_UPLOAD_DIR": str(base / "uploads"),
        "REGKB_AUDIT_DB": str(base / "audit.sqlite"),
    }
