"""The 知识库 page's admin messages: ingest progress, upload refusals, the last ingest's outcome.

The messages are display blocks (regkb.ui.blocks), so app.py only places them.
"""

from __future__ import annotations

from regkb.service.app_service import IngestOutcome
from regkb.ui.blocks import Block, Group, error_block
from regkb.uploads import UploadOutcome

STAGES = {"files": "读取文件", "passages": "写入条文", "documents": "完成文档"}


def progress_view(stage: str, done: int, total: int) -> tuple[float, str]:
    """The progress bar's fraction and text for one step of an ingest (other stages embed vectors)."""
    name = STAGES.get(stage, f"向量化（{stage}）")
    fraction = min(done / total, 1.0) if total else 1.0
    return fraction, f"{name} {done}/{total}"


def upload_messages(outcome: UploadOutcome | None) -> list[Block]:
    """One error per refused file with its reason, one warning per duplicate."""
    if outcome is None:
        return []
    messages = [Block("error", f"{name}：{reason}") for name, reason in outcome.rejected]
    messages += [
        Block("warning", f"{name}：与已上传的 {existing} 内容相同，未重复保存。")
        for name, existing in outcome.duplicates
    ]
    return messages


def outcome_messages(outcome: IngestOutcome) -> list[Block]:
    """Refused uploads; then why the ingest failed or was not committed, each file that failed, and
    each warning (a policy kept whole with no clause to cite, a level inferred from a title …)."""
    messages = upload_messages(outcome.upload)
    if outcome.error is not None:
        return [*messages, error_block(outcome.error)]
    report = outcome.report
    if report is None:
        return messages
    if not report.committed:
        messages.append(Block("error", "入库未提交：原索引保持不变。"))
    messages += [Block("error", f"{f.file}：{f.reason}") for f in report.files_failed]
    return messages + [Block("warning", warning) for warning in report.warnings]


def report_view(outcome: IngestOutcome) -> Group:
    """最近一次入库报告, open: what failed, then the report as the CLI prints it."""
    report = [Block("code", outcome.report.format_text())] if outcome.report is not None else []
    return Group((*outcome_messages(outcome), *report), "最近一次入库报告", expanded=True)
