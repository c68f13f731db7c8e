"""The report as one web page: ``reports/<date>/index.html``, a single self-contained file.

Inline CSS and SVG, no script and nothing fetched: these networks are often offline, and the
page must open from a USB stick. The frame (data/reports/page.html.j2) holds the key figures;
below them each report of the registry gives its section, drawn by a template of its own
(charts are SVG made from numbers and escaped labels). Chinese by default, ``lang="en"`` for
English. Every text from inventories or devices is escaped (Jinja2 autoescape).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from jinja2 import Environment, StrictUndefined
from markupsafe import Markup

from govnet.model.labels import format_date, format_datetime, percent, target_label
from govnet.reports.base import TEMPLATES, ReportSpec
from govnet.reports.bundle import Reports

LANGS = ("zh", "en")
# The frame's words: the title and the key figures (each section has its own).
LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "title": "电子政务网络整合报告",
        "made": "生成时间",
        "source": "数据来源：{day}网络设备采集及分类结果",
        "units": "单位接入率",
        "towns": "乡镇（街道）覆盖率",
        "networks": "业务专网整合",
        "migrated": "已迁移",
        "exits": "自建互联网出口已关闭",
        "saved": "已节省线路费用（元/年）",
    },
    "en": {
        "title": "E-government network consolidation report",
        "made": "Made",
        "source": "From survey run {survey} ({day}), classification {classification}",
        "units": "Units connected",
        "towns": "Towns covered",
        "networks": "Business networks done",
        "migrated": "migrated",
        "exits": "Own internet exits closed",
        "saved": "Line fees saved (CNY/year)",
    },
}


def get_environment(lang: str) -> Environment:
    """The Jinja2 environment of the frame and every section: autoescape, and the filters
    ``percent`` and ``target`` (a target's name in ``lang``)."""
    env = Environment(autoescape=True, undefined=StrictUndefined, trim_blocks=True)
    env.filters["percent"] = percent
    env.filters["target"] = lambda value: target_label(value, lang)
    return env


def reports_to_html(reports: Reports, registry: Sequence[ReportSpec[Any]], lang: str = "zh") -> str:
    """The page: the frame with the key figures, then each report's section in the
    registry's order."""
    if lang not in LANGS:
        raise ValueError(f"--lang: {lang!r} is not one of {', '.join(LANGS)}")
    env = get_environment(lang)
    sections = []
    for report in registry:
        rows = reports.rows_of(report)
        section = report.section(rows, reports.data_of(report), lang)
        if section is not None:
            template = env.from_string(section.template.read_text("utf-8"))
            sections.append(Markup(template.render(section.context)))
    coverage, progress = reports.coverage, reports.progress
    made = reports.settings.local(reports.made_at)
    surveyed = coverage.survey_at or progress.points[-1].at
    day = format_date(surveyed) if lang == "zh" else f"{surveyed:%Y-%m-%d}"
    source = LABELS[lang]["source"].format(
        survey=coverage.survey_run_id, classification=coverage.classify_run_id, day=day
    )
    frame = env.from_string((TEMPLATES / "page.html.j2").read_text("utf-8"))
    return frame.render(
        lang=lang,
        t=LABELS[lang],
        coverage=coverage,
        top=coverage.rows[0] if coverage.rows else None,
        total=progress.total.to_dict(),
        done=progress.total.networks_done,
        made=format_datetime(made) if lang == "zh" else f"{made:%Y-%m-%d %H:%M %Z}",
        source=source,
        sections=sections,
    )
