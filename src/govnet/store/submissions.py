"""County submissions in a province store: one per county and month, written whole in one
transaction (a refused one leaves nothing), never an older month over a newer one."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, inspect, select

from govnet.store.base import StoreBase, StoreError, get_os_user
from govnet.store.models import SubmissionRow

_COLUMNS = [attr.key for attr in inspect(SubmissionRow).column_attrs]


class SubmissionRefusedError(StoreError):
    """A submission the store already holds a newer one of."""


class SubmissionStore(StoreBase):
    def put_submission(
        self,
        county: str,
        county_name: str,
        period: str,
        version: int,
        checksum: str,
        made_at: str,
        content: dict[str, Any],
        file_name: str | None = None,
    ) -> str:
        """Store one county's month; returns ``added``, ``replaced`` (the same month sent
        again, changed) or ``unchanged``. A month older than the county's newest is refused,
        checked in the transaction that writes (two imports at once cannot both pass)."""
        with self.session() as session:
            periods = select(SubmissionRow.period).where(SubmissionRow.county == county)
            if self.dialect != "sqlite":  # SQLite's writer lock already serialises imports
                periods = periods.with_for_update()
            newest = max(session.scalars(periods), default=None)
            if newest is not None and newest > period:
                raise SubmissionRefusedError(
                    f"{county} {county_name}: the store holds its submission for {newest}; "
                    f"one for the older {period} is not loaded over it"
                )
            old = session.scalar(
                select(SubmissionRow).where(
                    SubmissionRow.county == county, SubmissionRow.period == period
                )
            )
            if old is not None and old.checksum == checksum:
                return "unchanged"
            if old is not None:
                session.execute(delete(SubmissionRow).where(SubmissionRow.id == old.id))
            session.add(
                SubmissionRow(
                    county=county,
                    county_name=county_name,
                    period=period,
                    version=version,
                    checksum=checksum,
                    made_at=made_at,
                    imported_by=get_os_user(),
                    content=content,
                    file_name=file_name,
                )
            )
            return "added" if old is None else "replaced"

    def get_submission_periods(self) -> list[str]:
        """The months any county submitted, oldest first."""
        with self.session() as session:
            return list(
                session.scalars(
                    select(SubmissionRow.period).distinct().order_by(SubmissionRow.period)
                )
            )

    def get_submission_counties(self) -> list[str]:
        """The counties that ever submitted (6 digits), in code order."""
        with self.session() as session:
            query = select(SubmissionRow.county).distinct().order_by(SubmissionRow.county)
            return list(session.scalars(query))

    def get_submissions(self, period: str) -> list[dict[str, Any]]:
        """Every county's submission for ``period``, by county code, content included."""
        with self.session() as session:
            rows = session.scalars(
                select(SubmissionRow)
                .where(SubmissionRow.period == period)
                .order_by(SubmissionRow.county)
            )
            return [{c: getattr(r, c) for c in _COLUMNS} for r in rows]

    def get_submission_index(self) -> list[dict[str, Any]]:
        """Every submission the store holds without its content (what `submission list`
        shows), by county then period."""
        with self.session() as session:
            rows = session.execute(
                select(*(getattr(SubmissionRow, c) for c in _COLUMNS if c != "content")).order_by(
                    SubmissionRow.county, SubmissionRow.period
                )
            )
            return [dict(r._mapping) for r in rows]
