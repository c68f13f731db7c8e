"""A county's submission to the province (issue 21 item 4): one JSON file holding the county's
latest snapshot (units, hosts with their facts), its classification, the ledger and the plans,
with the county code, the period (YYYY-MM) and a checksum over everything else.

The file is written in a canonical form (sorted keys, no spaces), and the checksum is the
SHA-256 of that form without the ``checksum`` field: an edited file, even one value, is
refused on import, as is a schema this govnet does not know. Nothing in it is secret beyond
what the county's own store holds (no passwords: the inventory's credentials never reach the
store).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from govnet.model.problems import UsageError

SCHEMA = "govnet-submission"
VERSION = 1
KINDS = ("snapshot", "classification", "ledger", "plans")
PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
COUNTY = re.compile(r"^\d{6}$")


class SubmissionError(UsageError):
    """A submission file that cannot be read or must not be loaded; says which and why."""


def to_period(when: dt.datetime, zone: dt.tzinfo) -> str:
    """The month (YYYY-MM) ``when`` falls in, in ``zone`` (a naive time is UTC, as stored).

    >>> import zoneinfo
    >>> to_period(dt.datetime(2026, 11, 30, 17, 0), zoneinfo.ZoneInfo("Asia/Shanghai"))
    '2026-12'
    """
    aware = when if when.tzinfo is not None else when.replace(tzinfo=dt.UTC)
    return aware.astimezone(zone).strftime("%Y-%m")


def check_period(value: str, where: str = "--period") -> str:
    """
    >>> check_period("2026-13")
    Traceback (most recent call last):
    ...
    govnet.model.submission.SubmissionError: --period '2026-13': a month as YYYY-MM, e.g. 2026-12
    """
    if not PERIOD.match(value):
        raise SubmissionError(f"{where} {value!r}: a month as YYYY-MM, e.g. 2026-12")
    return value


@dataclass(frozen=True)
class Submission:
    county: str  # 6 digits
    county_name: str
    period: str  # YYYY-MM
    made_at: str  # ISO time, UTC
    content: dict[str, Any]  # snapshot, classification, ledger, plans
    checksum: str = ""
    version: int = VERSION

    def body(self) -> dict[str, Any]:
        """Everything the checksum covers."""
        return {
            "schema": SCHEMA,
            "version": self.version,
            "county": self.county,
            "county_name": self.county_name,
            "period": self.period,
            "made_at": self.made_at,
            **self.content,
        }

    def get_units(self) -> list[dict[str, Any]]:
        units: list[dict[str, Any]] = self.content["snapshot"]["units"]
        return units

    def get_connected_by(self) -> dict[str, str | None]:
        """Each unit's extranet access as its classification found it (None: none)."""
        return {
            u["unit"]: u.get("connected_by") if u.get("category") is not None else None
            for u in self.content["classification"]["units"]
        }


def _canonical(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def get_checksum(body: dict[str, Any]) -> str:
    return "sha256:" + hashlib.sha256(_canonical(body)).hexdigest()


def dump_submission(sub: Submission) -> bytes:
    """The file's bytes: the body and its checksum, canonical JSON."""
    body = sub.body()
    return _canonical({**body, "checksum": get_checksum(body)})


def load_submission(path: Path) -> Submission:
    """A submission file checked: JSON, our schema and a version we know, county, period and
    checksum; SubmissionError naming the file and what is wrong otherwise."""
    name = path.name
    try:
        data = json.loads(path.read_bytes())
    except OSError as exc:
        raise SubmissionError(f"{path}: cannot read ({exc.strerror})") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise SubmissionError(f"{name}: not a submission file (not JSON: {exc})") from None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        raise SubmissionError(f"{name}: not a submission file (no schema {SCHEMA!r})")
    version = data.get("version")
    if version != VERSION:
        raise SubmissionError(
            f"{name}: schema version {version!r} is unknown to this govnet (it reads {VERSION})"
        )
    missing = [k for k in ("county", "county_name", "period", "made_at", *KINDS) if k not in data]
    if missing:
        raise SubmissionError(f"{name}: field {missing[0]!r} missing")
    checksum = data.pop("checksum", None)
    if checksum != get_checksum(data):
        raise SubmissionError(
            f"{name}: checksum does not match its content: the file was changed after "
            "`govnet submission export` wrote it; ask the county for the file again"
        )
    county = data["county"]
    if not isinstance(county, str) or not COUNTY.match(county):
        raise SubmissionError(f"{name}: field 'county' {county!r}: a 6-digit county code")
    check_period(str(data["period"]), f"{name}: field 'period'")
    _check_shape(data, name)
    return Submission(
        county,
        str(data["county_name"]),
        data["period"],
        str(data["made_at"]),
        {k: data[k] for k in KINDS},
        checksum,
        version,
    )


def _check_shape(data: dict[str, Any], name: str) -> None:
    """What the province reads of a file, of the types it reads: a file made by hand (with
    its checksum recomputed) is refused naming the field, never a traceback later."""

    def fail(where: str, what: str) -> SubmissionError:
        return SubmissionError(f"{name}: field {where!r}: {what}")

    for kind in KINDS:
        expected = list if kind in ("ledger", "plans") else dict
        if not isinstance(data[kind], expected):
            raise fail(kind, f"must be a {'list' if expected is list else 'mapping'}")
    for part, fields in (("snapshot", ("units", "hosts")), ("classification", ("units",))):
        for key in fields:
            if not isinstance(data[part].get(key), list):
                raise fail(f"{part}.{key}", "must be a list")
    for i, unit in enumerate(data["snapshot"]["units"]):
        where = f"snapshot.units[{i}]"
        if not isinstance(unit, dict) or not isinstance(unit.get("key"), str):
            raise fail(f"{where}.key", "a unit's id (text) is needed")
        code = unit.get("division_code")
        if not isinstance(code, str) or not (len(code) == 12 and code.isdigit()):
            raise fail(f"{where}.division_code", f"{code!r} is not a 12-digit division code")
    for i, access in enumerate(data["classification"]["units"]):
        if not isinstance(access, dict) or not isinstance(access.get("unit"), str):
            raise fail(f"classification.units[{i}].unit", "a unit's id (text) is needed")
