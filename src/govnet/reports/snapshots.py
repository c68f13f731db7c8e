"""What the reports read from the store: every classified survey run (a snapshot, oldest
first) and every ledger line the store has known, cancelled ones included."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from govnet.model.problems import UsageError
from govnet.model.verdicts import Classification

if TYPE_CHECKING:
    from govnet.store import Store


class NotClassifiedError(UsageError):
    """No classified survey run yet; the message says what to run."""


@dataclass(frozen=True)
class Snapshot:
    """One point's input: when, and its classification."""

    survey_run_id: int
    classify_run_id: int
    at: dt.datetime
    classification: Classification


@dataclass(frozen=True)
class LedgerLine:
    circuit_id: str
    unit: str
    monthly_fee: Decimal | None
    annual_fee: Decimal | None
    retired_at: dt.datetime | None  # left the ledger: cancelled
    network: str = ""
    carrier: str = ""
    kind: str = ""
    bandwidth_mbps: float | None = None
    security_grade: str | None = None  # a SecurityGrade value: 等保 level or 分保 secrecy
    funding_source: str | None = None  # 经费来源
    payer: str | None = None  # 付费单位

    @property
    def yearly(self) -> Decimal:
        if self.annual_fee is not None:
            return self.annual_fee
        return (self.monthly_fee or Decimal(0)) * 12


def get_snapshots(store: Store) -> list[Snapshot]:
    """Every survey run that has a classification (its latest), oldest first."""
    runs = {r["id"]: r for r in store.get_survey_runs()}
    latest: dict[int, int] = {}
    for run in store.get_classify_runs():
        if run["survey_run_id"] is not None:
            latest[run["survey_run_id"]] = run["id"]
    if not latest:
        raise NotClassifiedError("no classification yet: run `govnet classify` first")
    snapshots = []
    for survey_run_id, classify_run_id in sorted(latest.items()):
        result = store.get_classification(classify_run_id)
        assert result is not None
        at = runs[survey_run_id]["started_at"]
        snapshots.append(Snapshot(survey_run_id, classify_run_id, at, result))
    return snapshots


def get_ledger(store: Store) -> list[LedgerLine]:
    """Every ledger line the store has known, cancelled ones (retired) included."""
    return [
        LedgerLine(
            r["circuit_id"],
            r["unit_key"],
            r["monthly_fee"],
            r["annual_fee"],
            r["retired_at"],
            r["network"],
            r["carrier"],
            r["kind"],
            r["bandwidth_mbps"],
            r["security_grade"],
            r["funding_source"],
            r["payer"],
        )
        for r in store.get_inventory_rows("lines", include_retired=True)
    ]


def get_exit_key(circuit: str | None, host: str | None, interface: str | None) -> str:
    """An own exit is the same over the snapshots by its circuit, else its device port."""
    return circuit or f"{host}:{interface}"
