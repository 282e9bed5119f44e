"""The 评测 page's view of an eval output directory (report.md, metrics.json, *.png)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from regkb.errors import ConfigError
from regkb.ui.blocks import Block, Group, Image, Table, View


@dataclass(frozen=True, slots=True)
class EvalReport:
    directory: Path
    report_md: str  # "" when the run wrote no report.md
    metrics: dict[str, Any]
    charts: tuple[Path, ...]


def load_report(directory: Path) -> EvalReport | None:
    """The report in directory, or None when there is none yet."""
    directory = Path(directory)
    metrics_path = directory / "metrics.json"
    report_path = directory / "report.md"
    if not metrics_path.is_file() and not report_path.is_file():
        return None
    metrics: dict[str, Any] = {}
    if metrics_path.is_file():
        try:
            metrics = json.loads(metrics_path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(
                f"{metrics_path}: not valid JSON ({exc}); re-run `regkb eval --out {directory}`"
            ) from exc
    report = report_path.read_text(encoding="utf-8") if report_path.is_file() else ""
    charts = tuple(sorted(directory.glob("*.png")))
    return EvalReport(
        directory, report, metrics if isinstance(metrics, dict) else {"metrics": metrics}, charts
    )


def metric_tables(metrics: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Split metrics.json into tables: scalars under "总体", each nested mapping as its own table.

    A mapping of mappings ({"colloquial": {"recall@5": 0.9}, ...}) becomes one row per key;
    a flat mapping becomes one row of metric/value pairs.
    """
    tables: dict[str, list[dict[str, Any]]] = {}
    overall = [{"指标": k, "值": v} for k, v in metrics.items() if _is_scalar(v)]
    if overall:
        tables["总体"] = overall
    for key, value in metrics.items():
        if isinstance(value, dict) and value:
            if all(isinstance(v, dict) for v in value.values()):
                tables[key] = [
                    {"": name, **{k: v for k, v in row.items() if _is_scalar(v)}}
                    for name, row in value.items()
                ]
            else:
                tables[key] = [{"指标": k, "值": v} for k, v in value.items() if _is_scalar(v)]
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            tables[key] = [{k: v for k, v in row.items() if _is_scalar(v)} for row in value]
    return tables


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def report_view(directory: str | Path) -> View:
    """The 评测 page under its directory input: each metric table, the charts, report.md collapsed."""
    report = load_report(Path(directory))
    if report is None:
        return [Block("info", f"{directory} 下还没有评测报告。请运行 `regkb eval --out {directory}`。")]
    view: View = []
    for name, rows in metric_tables(report.metrics).items():
        view += [Block("subheader", name), Table(rows)]
    view += [Image(str(chart), chart.stem) for chart in report.charts]
    if report.report_md:
        view.append(Group((Block("markdown", report.report_md),), "完整报告 report.md"))
    return view
