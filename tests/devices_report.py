"""A report that is not part of govnet: devices per platform. The test of the registry
(tests/test_reports.py) registers it to show that a new report is this one module and its
template (tests/fixtures/reports/devices.html.j2), nothing else."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from govnet.reports.base import (
    COUNT,
    Column,
    Reading,
    ReportSpec,
    Section,
    SheetContext,
    SheetSpec,
)

TEMPLATE = Path(__file__).resolve().parent / "fixtures" / "reports" / "devices.html.j2"


@dataclass(frozen=True)
class PlatformCount:
    platform: str
    devices: int
    units: int


class DevicesSpec(ReportSpec[list[PlatformCount]]):
    name = "devices"
    help = "Devices per platform in the inventory, and the units they serve."

    def load(self, reading: Reading) -> list[PlatformCount]:
        devices = reading.store.get_inventory_rows("devices")
        counts = Counter(d["platform"] for d in devices)
        units = {p: len({d["unit_key"] for d in devices if d["platform"] == p}) for p in counts}
        return [PlatformCount(p, n, units[p]) for p, n in sorted(counts.items())]

    def data(self, rows: list[PlatformCount]) -> dict[str, Any]:
        return {"platforms": [row.__dict__ for row in rows]}

    def tables(self, data: Mapping[str, Any]) -> dict[str, list[dict[str, Any]]]:
        return {"devices": data["platforms"]}

    def sheets(
        self, rows: list[PlatformCount], data: Mapping[str, Any], where: SheetContext
    ) -> list[SheetSpec]:
        columns = [Column("平台"), Column("设备数", COUNT), Column("单位数", COUNT)]
        cells: list[list[Any]] = [[r.platform, r.devices, r.units] for r in rows]
        totals: list[list[Any]] = [["合计", sum(r.devices for r in rows), None]]
        heading = f"设备平台统计（{where.place}）"
        return [SheetSpec("设备平台", heading, where.source, columns, cells, totals)]

    def section(self, rows: list[PlatformCount], data: Mapping[str, Any], lang: str) -> Section:
        title = "设备平台" if lang == "zh" else "Devices per platform"
        peak = max([1, *(r.devices for r in rows)])
        return Section(TEMPLATE, {"title": title, "rows": rows, "peak": peak})


REPORT = DevicesSpec()
