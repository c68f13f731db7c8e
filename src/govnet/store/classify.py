"""A classification to rows and back: verdicts, unit access classes, exits, findings."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from govnet.model.policy import SubjectKind, Target
from govnet.model.verdicts import (
    Breach,
    Classification,
    Evidence,
    Exit,
    Finding,
    UnitAccess,
    Verdict,
)
from govnet.store.base import StoreBase, get_os_user
from govnet.store.models import Base, ClassifyRun, FindingRow, InternetExit, UnitAccessRow
from govnet.store.models import Classification as ClassificationRow

CHUNK = 5000
_DETAIL_FIELDS = (
    "system",
    "signals",
    "circuits",
    "devices",
    "interfaces",
    "vpn_instance",
    "document",
    "host",
    "interface",
    "network",
)


def write_classification(session: Session, run_id: int, result: Classification) -> None:
    """Insert every verdict, unit, exit and finding of one classification, in bulk."""
    verdicts = [*result.networks, *result.lines]
    for start in range(0, len(verdicts), CHUNK):  # chunks: a province is 300,000 rows
        session.execute(
            insert(_table(ClassificationRow)),
            [
                {
                    "classify_run_id": run_id,
                    "subject_kind": v.kind.value,
                    "subject_key": v.key,
                    "unit_key": v.unit,
                    "name": v.name,
                    "target": v.target.value,
                    "rule": v.rule,
                    "confidence": v.confidence,
                    "reason": v.reason,
                    "evidence": _evidence_rows(v.evidence),
                    "detail": {k: getattr(v, k) for k in _DETAIL_FIELDS},
                }
                for v in verdicts[start : start + CHUNK]
            ],
        )
    if result.units:
        session.execute(
            insert(_table(UnitAccessRow)),
            [
                {
                    "classify_run_id": run_id,
                    "unit_key": u.unit,
                    "category": u.category,
                    "own_exit": u.own_exit,
                    "detail": {
                        "name": u.name,
                        "public": u.public,
                        "dedicated": u.dedicated,
                        "unified": u.unified,
                        "connected_by": u.connected_by,
                        "evidence": _evidence_rows(u.evidence),
                    },
                }
                for u in result.units
            ],
        )
    categories = {u.unit: u.category for u in result.units}
    exits = result.exits
    if exits:
        session.execute(
            insert(_table(InternetExit)),
            [
                {
                    "classify_run_id": run_id,
                    "unit_key": e.unit,
                    "hostname": e.host,
                    "interface": e.interface,
                    "kind": e.kind,
                    "own_exit": e.own_exit,
                    "access_category": categories.get(e.unit),
                    "circuit_id": e.circuit_id,
                    "evidence": _evidence_rows(e.evidence),
                    "detail": {
                        "signs": e.signs,
                        "carrier": e.carrier,
                        "bandwidth_mbps": e.bandwidth_mbps,
                        "monthly_fee": e.monthly_fee,
                        "annual_fee": e.annual_fee,
                    },
                }
                for e in exits
            ],
        )
    findings = [
        {
            "classify_run_id": run_id,
            "kind": "breach",
            "severity": b.severity,
            "unit_key": b.unit,
            "hostname": b.host,
            "interface": None,
            "circuit_id": None,
            "text": f"{b.host} touches {' and '.join(b.touches)}",
            "detail": {
                "touches": b.touches,
                "interfaces": b.interfaces,
                "evidence": _evidence_rows(b.evidence),
            },
        }
        for b in result.breaches
    ] + [
        {
            "classify_run_id": run_id,
            "kind": f.kind,
            "severity": "warning",
            "unit_key": f.unit,
            "hostname": f.host,
            "interface": f.interface,
            "circuit_id": f.circuit_id,
            "text": f.text,
            "detail": {},
        }
        for f in result.findings
    ]
    if findings:
        session.execute(insert(_table(FindingRow)), findings)


def _table(model: type[Base]) -> Table:
    """The Core table of a model: Core inserts skip the ORM's per-row bookkeeping."""
    return Base.metadata.tables[model.__tablename__]


def _evidence_rows(evidence: list[Evidence]) -> list[list[str | None]]:
    """Evidence as short arrays (source, text, host, interface, circuit id): a province has
    over a million of them, and this is the bulk of what is written."""
    return [[e.source, e.text, e.host, e.interface, e.circuit_id] for e in evidence]


def _evidence(items: list[Any] | None) -> list[Evidence]:
    return [Evidence(*item) for item in items or ()]


def read_classification(
    session: Session, run_id: int, survey_run_id: int | None, campaign: str | None
) -> Classification:
    """One stored classification, as :func:`govnet.classify.classify` returned it."""
    networks: list[Verdict] = []
    lines: list[Verdict] = []
    query = (
        select(ClassificationRow)
        .where(ClassificationRow.classify_run_id == run_id)
        .order_by(ClassificationRow.id)
    )
    for row in session.scalars(query):
        detail = dict(row.detail or {})  # rules tried are not stored: explain works them out
        verdict = Verdict(
            SubjectKind(row.subject_kind),
            row.subject_key,
            row.unit_key or "",
            row.name or row.subject_key,
            target=Target(row.target),
            rule=row.rule or "",
            reason=row.reason,
            confidence=row.confidence,
            evidence=_evidence(row.evidence),
            **detail,
        )
        (networks if verdict.kind is SubjectKind.NETWORK else lines).append(verdict)
    exits: dict[str, list[Exit]] = {}
    query_exits = (
        select(InternetExit).where(InternetExit.classify_run_id == run_id).order_by(InternetExit.id)
    )
    for e in session.scalars(query_exits):
        detail = dict(e.detail or {})
        exits.setdefault(e.unit_key or "", []).append(
            Exit(
                e.unit_key or "",
                e.hostname,
                e.interface,
                e.kind,
                e.own_exit,
                list(detail.get("signs", ())),
                e.circuit_id,
                detail.get("carrier"),
                detail.get("bandwidth_mbps"),
                detail.get("monthly_fee"),
                detail.get("annual_fee"),
                _evidence(e.evidence),
            )
        )
    units = []
    query_units = (
        select(UnitAccessRow)
        .where(UnitAccessRow.classify_run_id == run_id)
        .order_by(UnitAccessRow.id)
    )
    for u in session.scalars(query_units):
        d = u.detail
        units.append(
            UnitAccess(
                u.unit_key,
                d.get("name", u.unit_key),
                u.category,
                u.own_exit,
                d.get("public", False),
                d.get("dedicated", False),
                d.get("unified", False),
                exits.get(u.unit_key, []),
                _evidence(d.get("evidence")),
                d.get("connected_by", "survey" if u.category else None),
            )
        )
    breaches: list[Breach] = []
    findings: list[Finding] = []
    query_findings = (
        select(FindingRow).where(FindingRow.classify_run_id == run_id).order_by(FindingRow.id)
    )
    for f in session.scalars(query_findings):
        if f.kind == "breach":
            breaches.append(
                Breach(
                    f.hostname or "",
                    f.unit_key or "",
                    list(f.detail.get("touches", ())),
                    list(f.detail.get("interfaces", ())),
                    _evidence(f.detail.get("evidence")),
                    f.severity,
                )
            )
        else:
            findings.append(
                Finding(f.kind, f.unit_key or "", f.text, f.circuit_id, f.hostname, f.interface)
            )
    return Classification(breaches, lines, networks, units, findings, survey_run_id, campaign)


class ClassificationStore(StoreBase):
    def add_classification(self, result: Classification, policy_digest: str) -> int:
        """Store one classification against the snapshot it was computed from; its id."""
        with self.session() as session:
            run = ClassifyRun(
                survey_run_id=result.survey_run_id,
                policy_digest=policy_digest,
                campaign=result.campaign,
                created_by=get_os_user(),
                summary={
                    "lines": len(result.lines),
                    "networks": len(result.networks),
                    "units": len(result.units),
                    "breaches": len(result.breaches),
                    "exits": len(result.exits),
                    "findings": len(result.findings),
                },
            )
            session.add(run)
            session.flush()
            write_classification(session, run.id, result)
            return run.id

    def get_classify_runs(self) -> list[dict[str, Any]]:
        with self.session() as session:
            return [
                {
                    "id": r.id,
                    "survey_run_id": r.survey_run_id,
                    "campaign": r.campaign,
                    "computed_at": r.computed_at,
                    "created_by": r.created_by,
                    "policy_digest": r.policy_digest,
                    "summary": r.summary or {},
                }
                for r in session.scalars(select(ClassifyRun).order_by(ClassifyRun.id))
            ]

    def get_classification(self, classify_run_id: int | None = None) -> Classification | None:
        """A stored classification (the latest by default); None when there is none."""
        with self.session() as session:
            query = select(ClassifyRun).order_by(ClassifyRun.id.desc()).limit(1)
            if classify_run_id is not None:
                query = select(ClassifyRun).where(ClassifyRun.id == classify_run_id)
            run = session.scalars(query).first()
            if run is None:
                return None
            return read_classification(session, run.id, run.survey_run_id, run.campaign)
