"""The report as one web page: ``reports/<date>/index.html``, a single self-contained file.

Inline CSS and SVG, no script and nothing fetched: these networks are often offline, and the
page must open from a USB stick. The coverage tree is nested ``<details>`` (the browser
expands it, no script needed) down to towns; charts are SVG drawn here. Chinese by default,
``lang="en"`` for English. Every text from inventories or devices is escaped (Jinja2
autoescape); the SVG is built from numbers and escaped labels only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape
from importlib import resources
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, StrictUndefined
from markupsafe import Markup

from govnet.model.labels import percent, target_label

if TYPE_CHECKING:
    from govnet.reports.coverage import CoverageRow
    from govnet.reports.files import Reports

LANGS = ("zh", "en")
STATUS_COLOURS = {
    "migrated": "#2e7d32",
    "retained": "#1565c0",
    "to_cancel": "#ef6c00",
    "closed": "#6d4c41",
    "remaining": "#9e9e9e",
}
LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "title": "电子政务网络整合报告",
        "made": "生成时间",
        "source": "数据来源：采集批次 {survey}，分类 {classification}",
        "units": "单位接入率",
        "towns": "乡镇（街道）覆盖率",
        "networks": "业务专网整合",
        "exits": "自建互联网出口已关闭",
        "saved": "已节省线路费用（元/年）",
        "coverage": "覆盖情况",
        "division": "区划",
        "code": "代码",
        "should": "应接入",
        "connected": "已接入",
        "rate": "接入率",
        "covered": "乡镇覆盖",
        "ledger_only": "仅台账",
        "progress": "整合进度",
        "trend": "各次采集的整合进度",
        "status": "业务专网现状",
        "migrated": "已迁移",
        "retained": "保留",
        "to_cancel": "待撤销",
        "closed": "已关闭",
        "remaining": "待整合",
        "exits_open": "未关闭出口",
        "exits_title": "互联网出口与隔离违规",
        "breaches": "隔离违规（须立即处理）",
        "no_breach": "未发现隔离违规",
        "unit": "单位",
        "device": "设备",
        "interface": "接口",
        "kind": "方式",
        "carrier": "运营商",
        "circuit": "电路编号",
        "annual_fee": "年费（元）",
        "state": "状态",
        "open": "未关闭",
        "lines": "专线与费用",
        "network": "网络",
        "monthly_fee": "月租（元）",
        "target": "整合目标",
        "in_use": "在用",
        "cancelled": "已撤销",
        "total": "合计",
        "deadlines": "时限要求",
        "what": "事项",
        "by": "期限",
        "goal": "目标",
        "now": "现状",
        "met": "已完成",
        "overdue": "逾期",
        "ongoing": "进行中",
        "town_strip": "各乡镇（街道）覆盖：绿色已覆盖，灰色未覆盖",
        "survey": "采集",
    },
    "en": {
        "title": "E-government network consolidation report",
        "made": "Made",
        "source": "From survey run {survey}, classification {classification}",
        "units": "Units connected",
        "towns": "Towns covered",
        "networks": "Business networks done",
        "exits": "Own internet exits closed",
        "saved": "Line fees saved (CNY/year)",
        "coverage": "Coverage",
        "division": "Division",
        "code": "Code",
        "should": "Units",
        "connected": "Connected",
        "rate": "Rate",
        "covered": "Towns covered",
        "ledger_only": "ledger only",
        "progress": "Progress",
        "trend": "Progress over the surveys",
        "status": "Business networks now",
        "migrated": "migrated",
        "retained": "retained",
        "to_cancel": "to cancel",
        "closed": "closed",
        "remaining": "remaining",
        "exits_open": "open exits",
        "exits_title": "Internet exits and isolation breaches",
        "breaches": "Isolation breaches (act now)",
        "no_breach": "No isolation breach found",
        "unit": "Unit",
        "device": "Device",
        "interface": "Interface",
        "kind": "Kind",
        "carrier": "Carrier",
        "circuit": "Circuit",
        "annual_fee": "CNY/year",
        "state": "State",
        "open": "open",
        "lines": "Lines and fees",
        "network": "Network",
        "monthly_fee": "CNY/month",
        "target": "Target",
        "in_use": "in use",
        "cancelled": "cancelled",
        "total": "Total",
        "deadlines": "Deadlines",
        "what": "What",
        "by": "By",
        "goal": "Goal",
        "now": "Now",
        "met": "met",
        "overdue": "OVERDUE",
        "ongoing": "ongoing",
        "town_strip": "Towns: green covered, grey not yet",
        "survey": "survey",
    },
}


@dataclass
class Node:
    """One division in the coverage tree, with those below it."""

    row: CoverageRow
    children: list[Node] = field(default_factory=list)


def rows_to_tree(rows: Sequence[CoverageRow]) -> list[Node]:
    """Coverage rows (tree order, each with its parent's code) as nested nodes."""
    nodes: dict[str, Node] = {}
    roots: list[Node] = []
    for row in rows:
        node = Node(row)
        nodes[row.code] = node
        parent = nodes.get(row.parent) if row.parent is not None else None
        (parent.children if parent is not None else roots).append(node)
    return roots


def trend_chart(points: Sequence[dict[str, Any]], labels: dict[str, str]) -> Markup:
    """Lines over the surveys: networks migrated, remaining, own exits still open."""
    width, height, left, bottom, top = 640, 240, 48, 36, 16
    series = [
        ("migrated", [int(p["migrated"]) for p in points], STATUS_COLOURS["migrated"]),
        ("remaining", [int(p["remaining"]) for p in points], STATUS_COLOURS["remaining"]),
        (
            "exits_open",
            [int(p["exits_found"]) - int(p["exits_closed"]) for p in points],
            "#c62828",
        ),
    ]
    peak = max([1, *(v for _, values, _ in series for v in values)])
    span = max(1, len(points) - 1)
    plot_w, plot_h = width - left - 16, height - top - bottom

    def x(i: int) -> float:
        return left + plot_w * (i / span if len(points) > 1 else 0.5)

    def y(v: float) -> float:
        return top + plot_h * (1 - v / peak)

    parts = [
        f'<svg class="chart trend" viewBox="0 0 {width} {height}" role="img"'
        f' aria-label="{escape(labels["trend"])}" xmlns="http://www.w3.org/2000/svg">',
        f'<line x1="{left}" y1="{y(0):.1f}" x2="{width - 16}" y2="{y(0):.1f}" stroke="#888"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{y(0):.1f}" stroke="#888"/>',
        f'<text x="{left - 6}" y="{top + 4}" text-anchor="end" font-size="11">{peak}</text>',
        f'<text x="{left - 6}" y="{y(0):.1f}" text-anchor="end" font-size="11">0</text>',
    ]
    for i, point in enumerate(points):
        label = escape(f"{labels['survey']} {point['survey_run']}")
        parts.append(
            f'<text x="{x(i):.1f}" y="{height - 14}" text-anchor="middle" font-size="11">'
            f"{label}</text>"
        )
    for n, (key, values, colour) in enumerate(series):
        coords = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))
        parts.append(
            f'<polyline points="{coords}" fill="none" stroke="{colour}" stroke-width="2"/>'
        )
        for i, v in enumerate(values):
            parts.append(
                f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="3.5" fill="{colour}">'
                f"<title>{escape(labels[key])}: {v}</title></circle>"
            )
        parts.append(
            f'<rect x="{left + 8 + n * 150}" y="{top - 12}" width="10" height="10"'
            f' fill="{colour}"/><text x="{left + 22 + n * 150}" y="{top - 3}"'
            f' font-size="11">{escape(labels[key])}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def status_chart(total: dict[str, Any], labels: dict[str, str]) -> Markup:
    """One stacked bar: the business networks found, by where they stand now."""
    width, height = 640, 56
    found = max(1, int(total["networks"]))
    parts = [
        f'<svg class="chart status" viewBox="0 0 {width} {height}" role="img"'
        f' aria-label="{escape(labels["status"])}" xmlns="http://www.w3.org/2000/svg">'
    ]
    x = 0.0
    for n, (key, colour) in enumerate(STATUS_COLOURS.items()):
        count = int(total[key])
        w = width * count / found
        if count:
            parts.append(
                f'<rect x="{x:.1f}" y="0" width="{w:.1f}" height="24" fill="{colour}">'
                f"<title>{escape(labels[key])}: {count}</title></rect>"
            )
        parts.append(
            f'<rect x="{n * 128}" y="34" width="10" height="10" fill="{colour}"/>'
            f'<text x="{n * 128 + 14}" y="43" font-size="11">{escape(labels[key])} {count}'
            "</text>"
        )
        x += w
    parts.append("</svg>")
    return Markup("".join(parts))


def town_strip(rows: Sequence[CoverageRow], labels: dict[str, str]) -> Markup:
    """A cell per town, green when covered: the gaps at a glance."""
    from govnet.model.divisions import Level

    towns = [r for r in rows if r.level is Level.TOWN]
    if not towns:
        return Markup("")
    per_row, size = 40, 16
    height = ((len(towns) - 1) // per_row + 1) * (size + 2)
    parts = [
        f'<svg class="chart towns" viewBox="0 0 {per_row * (size + 2)} {height}" role="img"'
        f' aria-label="{escape(labels["town_strip"])}" xmlns="http://www.w3.org/2000/svg">'
    ]
    for i, town in enumerate(towns):
        colour = "#2e7d32" if town.towns_covered else "#cfcfcf"
        parts.append(
            f'<rect x="{(i % per_row) * (size + 2)}" y="{(i // per_row) * (size + 2)}"'
            f' width="{size}" height="{size}" fill="{colour}">'
            f"<title>{escape(town.name)} {town.code}</title></rect>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def reports_to_html(reports: Reports, lang: str = "zh") -> str:
    if lang not in LANGS:
        raise ValueError(f"--lang: {lang!r} is not one of {', '.join(LANGS)}")
    labels = LABELS[lang]
    progress = reports.progress.to_dict()
    total = progress["points"][-1]
    text = resources.files("govnet").joinpath("data/reports/page.html.j2").read_text("utf-8")
    env = Environment(autoescape=True, undefined=StrictUndefined, trim_blocks=True)
    env.filters["percent"] = percent
    env.filters["target"] = lambda value: target_label(value, lang)
    template = env.from_string(text)
    coverage = reports.coverage
    top = coverage.rows[0] if coverage.rows else None
    return template.render(
        lang=lang,
        t=labels,
        reports=reports,
        coverage=coverage,
        top=top,
        tree=rows_to_tree(coverage.rows),
        total=total,
        done=reports.progress.total.networks_done,
        exits=reports.exits_data(),
        lines=reports.lines_data(),
        deadlines=reports.progress.deadlines,
        trend=trend_chart(progress["points"], labels),
        status=status_chart(total, labels),
        strip=town_strip(coverage.rows, labels),
        made=reports.made_at.strftime("%Y-%m-%d %H:%M"),
        names=reports.unit_names,
    )
