"""Plans and pushes: each plan's hosts' shares as pushed, every push with its backup."""

from __future__ import annotations

from typing import Any

from sqlalchemy import inspect, select

from govnet.store.base import StoreBase, StoreError, get_os_user
from govnet.store.models import Plan, Push, utcnow


class PlanStore(StoreBase):
    def add_plan(
        self,
        unit_key: str,
        classify_run_id: int | None,
        path: str,
        digest: str,
        detail: dict[str, Any],
    ) -> int:
        with self.session() as session:
            row = Plan(
                unit_key=unit_key,
                classify_run_id=classify_run_id,
                created_by=get_os_user(),
                path=path,
                digest=digest,
                detail=detail,
            )
            session.add(row)
            session.flush()
            return row.id

    def get_plans(self, unit_key: str | None = None) -> list[dict[str, Any]]:
        query = select(Plan).order_by(Plan.id)
        if unit_key is not None:
            query = query.where(Plan.unit_key == unit_key)
        return self._plans(query)

    def _plans(self, query: Any) -> list[dict[str, Any]]:
        with self.session() as session:
            columns = [attr.key for attr in inspect(Plan).column_attrs]
            return [{c: getattr(p, c) for c in columns} for p in session.scalars(query)]

    def get_plan(self, plan_id: int) -> dict[str, Any] | None:
        plans = self._plans(select(Plan).where(Plan.id == plan_id))
        return plans[0] if plans else None

    def start_push(
        self, plan_id: int, hostname: str, action: str, backup: str | None, detail: dict[str, Any]
    ) -> int:
        """Record a push as it starts (result ``running``), with the backup taken first."""
        with self.session() as session:
            row = Push(
                plan_id=plan_id,
                hostname=hostname,
                action=action,
                made_by=get_os_user(),
                result="running",
                backup=backup,
                detail=detail,
            )
            session.add(row)
            session.flush()
            return row.id

    def finish_push(
        self,
        push_id: int,
        result: str,
        reason: str | None,
        after: str | None,
        detail: dict[str, Any],
    ) -> None:
        with self.session() as session:
            row = session.get(Push, push_id)
            if row is None:
                raise StoreError(f"no push {push_id}")
            row.result, row.reason, row.after = result, reason, after
            row.detail = {**row.detail, **detail}
            row.finished_at = utcnow()

    def get_pushes(
        self, plan_id: int | None = None, hostname: str | None = None
    ) -> list[dict[str, Any]]:
        with self.session() as session:
            query = select(Push).order_by(Push.id)
            if plan_id is not None:
                query = query.where(Push.plan_id == plan_id)
            if hostname is not None:
                query = query.where(Push.hostname == hostname)
            columns = [attr.key for attr in inspect(Push).column_attrs]
            return [{c: getattr(p, c) for c in columns} for p in session.scalars(query)]
