"""Plans and pushes: each plan's hosts' shares as pushed, every push with its backup, the
lines typed so far (the journal), and the lease one push at a time holds on a device."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Iterable
from typing import Any

from sqlalchemy import delete, inspect, select, update
from sqlalchemy.exc import IntegrityError

from govnet.model.registry import Holding, Kind
from govnet.store.base import StoreBase, StoreError, get_os_user
from govnet.store.models import DeviceLock, Plan, PlanAllocation, Push, utcnow

CANCELLED = "cancelled"  # a plan's status once cancelled: it holds nothing in the registry


class PlanStore(StoreBase):
    def add_plan(
        self,
        unit_key: str,
        classify_run_id: int | None,
        path: str,
        digest: str,
        detail: dict[str, Any],
        allocations: Iterable[Holding] = (),
    ) -> int:
        """Record a plan and the values it took from the district registry, together."""
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
            session.add_all(
                PlanAllocation(
                    plan_id=row.id,
                    kind=str(h.kind),
                    value=h.value,
                    scope=h.scope,
                    meaning=h.meaning,
                )
                for h in allocations
            )
            return row.id

    def get_plan_holdings(self) -> list[Holding]:
        """What every plan not cancelled holds in the district registry. Plans stored before
        the registry held only their links (in their detail): those count too."""
        with self.session() as session:
            plans = {
                p.id: (p.unit_key, p.detail)
                for p in session.scalars(select(Plan).where(Plan.status != CANCELLED))
            }
            rows = session.scalars(
                select(PlanAllocation)
                .where(PlanAllocation.plan_id.in_(list(plans)))
                .order_by(PlanAllocation.id)
            ).all()
            held = [
                Holding(
                    Kind(r.kind),
                    r.value,
                    r.scope,
                    r.meaning,
                    plans[r.plan_id][0],
                    plan_id=r.plan_id,
                )
                for r in rows
            ]
        with_rows = {h.plan_id for h in held}
        for plan_id, (unit, detail) in plans.items():
            if plan_id not in with_rows:
                held += [
                    Holding(Kind.LINK, str(n), None, None, unit, plan_id=plan_id)
                    for n in (detail or {}).get("links", [])
                ]
        return held

    def cancel_plan(self, plan_id: int) -> None:
        """Mark a plan cancelled: the values it took go back to the registry."""
        with self.session() as session:
            row = session.get(Plan, plan_id)
            if row is None:
                raise StoreError(f"no plan {plan_id}")
            row.status = CANCELLED

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
        self,
        plan_id: int,
        hostname: str,
        action: str,
        backup: str | None,
        detail: dict[str, Any],
        holder: str | None = None,
    ) -> int:
        """Record a push as it starts (result ``running``), with the backup taken first;
        the device's lease, if ``holder`` holds it, names the push from now on."""
        with self.session() as session:
            row = Push(
                plan_id=plan_id,
                hostname=hostname,
                action=action,
                made_by=get_os_user(),
                result="running",
                backup=backup,
                detail=detail,
                holder=holder,
                typed=0,
            )
            session.add(row)
            session.flush()
            if holder is not None:
                session.execute(
                    update(DeviceLock)
                    .where(DeviceLock.hostname == hostname, DeviceLock.holder == holder)
                    .values(push_id=row.id)
                )
            return row.id

    def journal_push(self, push_id: int, typed: int) -> None:
        """How many of the push's lines have been sent to the device so far."""
        with self.session() as session:
            session.execute(update(Push).where(Push.id == push_id).values(typed=typed))

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
        self,
        plan_id: int | None = None,
        hostname: str | None = None,
        results: Collection[str] | None = None,
    ) -> list[dict[str, Any]]:
        with self.session() as session:
            query = select(Push).order_by(Push.id)
            if plan_id is not None:
                query = query.where(Push.plan_id == plan_id)
            if hostname is not None:
                query = query.where(Push.hostname == hostname)
            if results is not None:
                query = query.where(Push.result.in_(list(results)))
            columns = [attr.key for attr in inspect(Push).column_attrs]
            return [{c: getattr(p, c) for c in columns} for p in session.scalars(query)]

    def take_device_lock(
        self,
        hostname: str,
        holder: str,
        machine: str,
        pid: int,
        lease: dt.timedelta,
        is_stale: Callable[[dict[str, Any]], bool],
    ) -> dict[str, Any] | None:
        """Take the device's lease; None when taken, else the live lease that holds it. A
        stale lease (``is_stale``) is taken over only if nobody changed it meanwhile."""
        now = utcnow()
        mine = {"holder": holder, "machine": machine, "pid": pid, "push_id": None}
        try:
            with self.session() as session:
                session.add(
                    DeviceLock(hostname=hostname, acquired_at=now, expires_at=now + lease, **mine)
                )
        except IntegrityError:
            pass
        else:
            return None
        for held in self.get_device_locks(hostname):
            if not is_stale(held):
                return held
            with self.session() as session:
                taken = session.execute(
                    update(DeviceLock)
                    .where(
                        DeviceLock.hostname == hostname,
                        DeviceLock.holder == held["holder"],
                        DeviceLock.acquired_at == held["acquired_at"],
                    )
                    .values(acquired_at=now, expires_at=now + lease, **mine)
                )
                if getattr(taken, "rowcount", 0) == 1:
                    return None
        held_now = self.get_device_locks(hostname)
        if not held_now:  # released between the two steps: try once more
            return self.take_device_lock(hostname, holder, machine, pid, lease, is_stale)
        return held_now[0]

    def renew_device_lock(self, hostname: str, holder: str, lease: dt.timedelta) -> bool:
        """Push the lease's end further; False when ``holder`` no longer holds it."""
        with self.session() as session:
            renewed = session.execute(
                update(DeviceLock)
                .where(DeviceLock.hostname == hostname, DeviceLock.holder == holder)
                .values(expires_at=utcnow() + lease)
            )
            return getattr(renewed, "rowcount", 0) == 1

    def release_device_lock(self, hostname: str, holder: str) -> None:
        with self.session() as session:
            session.execute(
                delete(DeviceLock).where(
                    DeviceLock.hostname == hostname, DeviceLock.holder == holder
                )
            )

    def get_device_locks(self, hostname: str | None = None) -> list[dict[str, Any]]:
        """The leases held now (live or stale), times in UTC."""
        with self.session() as session:
            query = select(DeviceLock).order_by(DeviceLock.hostname)
            if hostname is not None:
                query = query.where(DeviceLock.hostname == hostname)
            columns = [attr.key for attr in inspect(DeviceLock).column_attrs]
            rows = [{c: getattr(lock, c) for c in columns} for lock in session.scalars(query)]
        for row in rows:  # SQLite gives back naive datetimes
            for key in ("acquired_at", "expires_at"):
                if row[key].tzinfo is None:
                    row[key] = row[key].replace(tzinfo=dt.UTC)
        return rows
