"""The policy's deadlines (``deadlines:`` in policy.yaml) measured now: met, ongoing, or
overdue when their date has passed unmet. They are measured with the progress
(:func:`govnet.reports.progress.get_deadline_states`) and shown with it: its command, and
their figures in progress.json.

The report: progress-deadlines.csv, the sheet 逾期事项 (the overdue highlighted), the page's
deadlines, the terminal's deadlines table.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from govnet.model.labels import DEADLINE_STATE_NAMES, MEASURE_NAMES, format_date, name_of, percent
from govnet.reports.base import (
    DATE,
    RATE,
    TEMPLATES,
    Column,
    Reading,
    ReportSpec,
    Section,
    SheetContext,
    SheetSpec,
    View,
    ViewColumn,
    ViewTable,
    as_is,
    chinese_table,
)
from govnet.reports.progress import REPORT as PROGRESS
from govnet.reports.progress import DeadlineState

LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "deadlines": "时限要求",
        "what": "事项",
        "by": "期限",
        "goal": "目标",
        "now": "现状",
        "state": "状态",
        "met": "已完成",
        "overdue": "逾期",
        "ongoing": "进行中",
    },
    "en": {
        "deadlines": "Deadlines",
        "what": "What",
        "by": "By",
        "goal": "Goal",
        "now": "Now",
        "state": "State",
        "met": "met",
        "overdue": "OVERDUE",
        "ongoing": "ongoing",
    },
}


def _goal(state: DeadlineState) -> float:
    return state.deadline.value if state.deadline.value is not None else 1.0


class DeadlinesSpec(ReportSpec[list[DeadlineState]]):
    name = "deadlines"
    help = "The policy's deadlines: met, ongoing or overdue."
    shown_with = "progress"
    json_file = False  # progress.json holds them

    def load(self, reading: Reading) -> list[DeadlineState]:
        return reading.rows_of(PROGRESS).deadlines

    def data(self, rows: list[DeadlineState]) -> dict[str, Any]:
        return {"deadlines": [d.to_dict() for d in rows]}

    def tables(self, data: Mapping[str, Any]) -> dict[str, list[dict[str, Any]]]:
        return {"progress-deadlines": chinese_table(data["deadlines"], CSV_COLUMNS)}

    def sheets(
        self, rows: list[DeadlineState], data: Mapping[str, Any], where: SheetContext
    ) -> list[SheetSpec]:
        columns = [
            Column("事项"),
            Column("指标"),
            Column("目标", RATE),
            Column("现状", RATE),
            Column("期限", DATE),
            Column("状态"),
            Column("依据文件"),
        ]
        cells = [
            [
                d.deadline.what,
                name_of(d.deadline.measure, MEASURE_NAMES),
                _goal(d),
                d.actual,
                d.deadline.by,
                DEADLINE_STATE_NAMES[_state(d)],
                d.deadline.document,
            ]
            for d in rows
        ]
        overdue = [[f"逾期 {sum(d.overdue for d in rows)} 项", None, None, None, None, None, None]]
        return [
            SheetSpec(
                "逾期事项",
                f"时限要求完成情况（{where.place}）",
                where.source,
                columns,
                cells,
                overdue,
                [i for i, d in enumerate(rows) if d.overdue],
            )
        ]

    def section(self, rows: list[DeadlineState], data: Mapping[str, Any], lang: str) -> Section:
        day = format_date if lang == "zh" else (lambda d: d.isoformat())
        context = {"t": LABELS[lang], "deadlines": rows, "day": day}
        return Section(TEMPLATES / "deadlines.html.j2", context)

    def view(self, rows: list[DeadlineState], data: Mapping[str, Any]) -> View:
        if not rows:
            return []
        headers = ("事项", "期限", "目标", "现状", "状态")
        cells = [
            [
                d.deadline.what,
                format_date(d.deadline.by),
                f"{_goal(d):.0%}",
                percent(d.actual),
                DEADLINE_STATE_NAMES[_state(d)],
            ]
            for d in rows
        ]
        return [ViewTable("时限要求", [ViewColumn(h) for h in headers], cells)]


def _state(d: DeadlineState) -> str:
    return "met" if d.met else "overdue" if d.overdue else "ongoing"


CSV_COLUMNS: list[tuple[str, str, Any]] = [
    ("what", "事项", as_is),
    ("measure", "指标", lambda v: name_of(v, MEASURE_NAMES)),
    ("value", "目标", as_is),
    ("actual", "现状", as_is),
    ("by", "期限", lambda v: format_date(dt.date.fromisoformat(v))),
    ("document", "依据文件", as_is),
    ("met", "是否完成", lambda v: "是" if v else "否"),
    ("overdue", "是否逾期", lambda v: "是" if v else "否"),
]


REPORT = DeadlinesSpec()
