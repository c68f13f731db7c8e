"""A project's own settings for what people read: ``playbooks/settings.yaml`` (optional; the
bundled one has the defaults). The local time zone every date and time is shown in (Asia/
Shanghai unless the project says otherwise: stores keep UTC), and the statistics workbook's
signature block and per-unit notes, as the office that submits it fills them in:

.. code-block:: yaml

    timezone: Asia/Shanghai
    statistics:
      unit: 潍坊市奎文区大数据中心        # 填报单位（盖章）
      preparer: 张三                     # 填报人
      reviewer: 李四                     # 审核人
      phone: 0536-8888888                # 联系电话
      form_number: 奎政数统{n}表          # 表号; {n}: the sheet's number, 1 first
      date: 2026-12-01                   # 填报日期; default: the day the report is made
      notes:                             # 存在问题 / 下步计划, by unit id or division code
        c370705-renshe: {problems: 金保专线合同未到期, next_steps: 2027年1月合同到期后撤销}

A typo fails at load time naming file, line and field, like the policy.

``schedule:`` makes campaigns periodic (PostgreSQL, workers started with ``--schedule``): a cron
in the project's time zone, the zones (default: all) and what follows the survey::

    schedule:
      survey: "0 2 20 * *"     # minute hour day month weekday [second]: the 20th, 02:00
      zones: [a, b]
      then: [classify, reports]   # or report names: coverage, progress, ...
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from govnet.model.files import resolve
from govnet.model.problems import Problem, ProblemsError, load_yaml, validation_to_problems

SETTINGS_FILE = "playbooks/settings.yaml"
DEFAULT_TIMEZONE = "Asia/Shanghai"


def _zone(value: str) -> str:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {value!r} (an IANA name such as Asia/Shanghai)"
        ) from None
    return value


Text = Annotated[str, Field(min_length=1, max_length=200)]
LongText = Annotated[str, Field(min_length=1, max_length=2000)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class UnitNote(_Frozen):
    """What the office writes about a unit (or a division) in the statistics workbook."""

    problems: LongText | None = None  # 存在问题
    next_steps: LongText | None = None  # 下步计划


class Statistics(_Frozen):
    """The statistics workbook's header and footer block (填报单位、填报人、审核人...)."""

    unit: Text | None = None  # 填报单位（盖章）
    preparer: Text | None = None  # 填报人
    reviewer: Text | None = None  # 审核人
    phone: Text | None = None  # 联系电话
    form_number: Text | None = None  # 表号; "{n}" is the sheet's number
    date: dt.date | None = None  # 填报日期; None: the day the report is made
    notes: dict[str, UnitNote] = {}

    def get_form_number(self, n: int) -> str:
        """
        >>> Statistics(form_number="奎政数统{n}表").get_form_number(2)
        '奎政数统2表'
        """
        return (self.form_number or "").replace("{n}", str(n))


def _cron(value: str) -> str:
    """Five cron fields (minute hour day month weekday) and an optional sixth, seconds, as
    croniter (procrastinate's periodic tasks) reads them; checked by croniter itself when
    the jobs extra is installed."""
    fields = value.split()
    if len(fields) not in (5, 6):
        raise ValueError(
            f"{value!r} is not a cron: five fields (minute hour day month weekday, e.g."
            ' "0 2 20 * *") and an optional sixth, seconds'
        )
    try:
        from croniter import croniter  # type: ignore[import-untyped]
    except ImportError:  # no jobs extra: the worker that needs it checks it again
        return value
    if not croniter.is_valid(value):
        raise ValueError(f'{value!r} is not a valid cron (e.g. "0 2 20 * *": the 20th, 02:00)')
    return value


FOLLOW_UPS = ("classify", "reports")  # then: besides report names
ZoneName = Annotated[str, Field(pattern=r"^[\w-]{1,60}$")]


class Schedule(_Frozen):
    """A periodic campaign: surveyed at ``survey`` (cron, the project's time zone), then
    classified and reported, by the workers started with ``--schedule``."""

    survey: Annotated[str, AfterValidator(_cron)]
    zones: list[ZoneName] | None = None  # None: every zone of the inventory
    then: list[Text] = list(FOLLOW_UPS)  # classify, reports (all), or report names
    allow_incomplete: bool = False  # classify even with hosts failed, as --allow-incomplete
    check_every: Annotated[float, Field(gt=0, le=3600)] = 60.0  # s between looks at the run


class Settings(_Frozen):
    timezone: Annotated[str, AfterValidator(_zone)] = DEFAULT_TIMEZONE
    statistics: Statistics = Statistics()
    schedule: Schedule | None = None

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    def local(self, when: dt.datetime) -> dt.datetime:
        """A stored time in the project's zone (a naive one is UTC, as the store keeps it).

        >>> Settings().local(dt.datetime(2026, 1, 5, 17, 30)).isoformat()
        '2026-01-06T01:30:00+08:00'
        """
        return to_zone(when, self.zone)


def to_zone(when: dt.datetime, zone: dt.tzinfo) -> dt.datetime:
    """``when`` in ``zone``; a naive time is UTC (the store's)."""
    aware = when if when.tzinfo is not None else when.replace(tzinfo=dt.UTC)
    return aware.astimezone(zone)


def load_settings(project_root: Path | None = None) -> Settings:
    """The project's playbooks/settings.yaml, else the defaults; ProblemsError naming file,
    line and field of every problem."""
    path = resolve(project_root, SETTINGS_FILE)
    if not path.exists():
        return Settings()
    doc, problems = load_yaml(path, SETTINGS_FILE)
    if doc is None:
        raise ProblemsError(problems)
    if doc.data is None:
        return Settings()
    if not isinstance(doc.data, dict):
        raise ProblemsError([Problem(SETTINGS_FILE, "must be a mapping", 1)])
    try:
        return Settings.model_validate(doc.data)
    except ValidationError as exc:
        raise ProblemsError(validation_to_problems(exc, doc, (), None)) from None
