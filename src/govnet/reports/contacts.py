"""Units and the people each names for the consolidation (分管负责人, 联系人, 技术负责人, with
phones), as units.yaml or the units sheet of the inventory workbook gives them: the list the
policy texts ask a county to keep, and who to call about a unit's cutover. A unit that has
named nobody is listed too, so the gaps show.

The report: contacts.csv, the sheet 单位联系人, the page's contacts table, the terminal's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from govnet.model.inventory import ContactRole, UnitKind
from govnet.model.labels import CONTACT_ROLE_LABELS, UNIT_KIND_LABELS, name_of
from govnet.reports.base import (
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

ROLES = tuple(ContactRole)
MISSING = "未填报"


@dataclass(frozen=True)
class UnitContacts:
    key: str
    name: str
    kind: str  # UnitKind value
    division_code: str
    people: Mapping[str, list[tuple[str, str | None]]]  # role -> [(name, phone)]

    @property
    def kind_label(self) -> str:
        return UNIT_KIND_LABELS[UnitKind(self.kind)]

    def names(self, role: ContactRole) -> str:
        return "、".join(name for name, _ in self.people.get(role.value, []))

    def phones(self, role: ContactRole) -> str:
        return "、".join(phone or "" for _, phone in self.people.get(role.value, []) if phone)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "unit": self.key,
            "name": self.name,
            "kind": self.kind,
            "division_code": self.division_code,
        }
        for role in ROLES:
            data[role.value] = self.names(role) or None
            data[f"{role.value}_phone"] = self.phones(role) or None
        return data


def get_unit_contacts(units: list[dict[str, Any]]) -> list[UnitContacts]:
    """Each current unit of the store (rows as ``Store.get_inventory_rows`` gives them)."""
    found: list[UnitContacts] = []
    for unit in units:
        people: dict[str, list[tuple[str, str | None]]] = {}
        for contact in unit.get("contacts") or ():
            people.setdefault(contact["role"], []).append((contact["name"], contact.get("phone")))
        found.append(
            UnitContacts(unit["key"], unit["name"], unit["kind"], unit["division_code"], people)
        )
    order = list(UnitKind)
    return sorted(found, key=lambda u: (order.index(UnitKind(u.kind)), u.division_code, u.key))


LABELS: dict[str, dict[str, str]] = {
    "zh": {"contacts": "单位联系人", "unit": "单位", "kind": "类型", "phone": "电话"},
    "en": {"contacts": "Unit contacts", "unit": "Unit", "kind": "Type", "phone": "Phone"},
}


class ContactsSpec(ReportSpec[list[UnitContacts]]):
    name = "contacts"
    help = (
        "Each unit's contacts (分管负责人, 联系人, 技术负责人 with phones); units naming none too."
    )

    def load(self, reading: Reading) -> list[UnitContacts]:
        return get_unit_contacts(reading.store.get_inventory_rows("units"))

    def data(self, rows: list[UnitContacts]) -> dict[str, Any]:
        missing = sum(not any(u.people.values()) for u in rows)
        return {"units": [u.to_dict() for u in rows], "without_contacts": missing}

    def tables(self, data: Mapping[str, Any]) -> dict[str, list[dict[str, Any]]]:
        return {"contacts": chinese_table(data["units"], CSV_COLUMNS)}

    def sheets(
        self, rows: list[UnitContacts], data: Mapping[str, Any], where: SheetContext
    ) -> list[SheetSpec]:
        columns = [Column("单位名称"), Column("单位类型"), Column("区划代码")]
        for role in ROLES:
            label = CONTACT_ROLE_LABELS[role]
            columns += [Column(label), Column(f"{label}电话")]
        cells = []
        for unit in rows:
            row: list[Any] = [unit.name, unit.kind_label, unit.division_code]
            for role in ROLES:
                row += [unit.names(role) or None, unit.phones(role) or None]
            cells.append(row)
        missing = data["without_contacts"]
        totals = [[f"共 {len(rows)} 个单位，{missing} 个{MISSING}联系人", *[None] * 8]]
        highlight = [i for i, u in enumerate(rows) if not any(u.people.values())]
        heading = f"单位联系人名单（{where.place}）"
        return [SheetSpec("单位联系人", heading, where.source, columns, cells, totals, highlight)]

    def section(self, rows: list[UnitContacts], data: Mapping[str, Any], lang: str) -> Section:
        roles = [(role, CONTACT_ROLE_LABELS[role]) for role in ROLES]
        context = {"t": LABELS[lang], "units": rows, "roles": roles, "missing": MISSING}
        return Section(TEMPLATES / "contacts.html.j2", context)

    def view(self, rows: list[UnitContacts], data: Mapping[str, Any]) -> View:
        columns = [ViewColumn("单位"), ViewColumn("类型", no_wrap=True)]
        columns += [ViewColumn(CONTACT_ROLE_LABELS[role]) for role in ROLES]
        cells = []
        for unit in rows:
            line = [unit.name, unit.kind_label]
            for role in ROLES:
                people = unit.people.get(role.value, [])
                line.append("\n".join(f"{n} {p}" if p else n for n, p in people) or "-")
            cells.append(line)
        return [ViewTable("单位联系人", columns, cells)]


# contacts.csv: the JSON's rows (codes kept there) with Chinese headers and words.
CSV_COLUMNS: list[tuple[str, str, Any]] = [
    ("unit", "单位标识", as_is),
    ("name", "单位名称", as_is),
    ("kind", "单位类型", lambda v: name_of(v, UNIT_KIND_LABELS)),
    ("division_code", "区划代码", as_is),
    *(
        column
        for role in ROLES
        for column in (
            (role.value, CONTACT_ROLE_LABELS[role], as_is),
            (f"{role.value}_phone", f"{CONTACT_ROLE_LABELS[role]}电话", as_is),
        )
    ),
]

REPORT = ContactsSpec()
