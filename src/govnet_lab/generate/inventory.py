"""An inventory for any real county (the generator's first stage): its NBS towns, departments,
routers and ledger, written as a govnet project; and the county an inventory describes."""

from __future__ import annotations

import datetime as dt
import itertools
import random
from pathlib import Path
from typing import Any

import yaml

from govnet.model.divisions import DivisionTree, Level, to_full_code
from govnet.model.files import write_atomically
from govnet.model.inventory import NORNIR_CONFIG, Inventory, UnitKind
from govnet_lab.vendors import get_platforms, get_vendor

DEFAULT_COUNTY = "500107"
DEFAULT_DEVICES = 30
FIRST_PORT = 20001


class LabMismatchError(ValueError):
    """The county or device count asked for does not match the project's inventory."""


def get_county_code(inventory: Inventory) -> str:
    """The county the inventory describes: its county unit, else the most common county."""
    county = next((u for u in inventory.units if u.kind is UnitKind.COUNTY), None)
    if county is not None:
        return county.division_code[:6].ljust(12, "0")
    codes = sorted(u.division_code[:6] for u in inventory.units)
    if not codes:
        raise ValueError("the inventory has no units: cannot tell its county")
    return max(codes, key=codes.count).ljust(12, "0")


# (id part, name after the county prefix, the vertical network its ledger names, extras)
_DEPARTMENTS: tuple[tuple[str, str, str | None, str], ...] = (
    ("gongan", "公安局{county}分局", "公安信息网", "inet"),
    ("shuiwu", "税务局", "金税三期专网", ""),
    ("renshe", "人力资源和社会保障局", "金保工程专网", ""),
    ("yibao", "医疗保障局", "医保专网", ""),
    ("weijian", "卫生健康委员会", "卫生健康专网", "inet,ce2"),
    ("jiaowei", "教育委员会", "教育城域网", "inet"),
    ("minzheng", "民政局", "民政业务专网", ""),
    ("ziranziyuan", "自然资源局", "自然资源业务网", "inet"),
    ("shichang", "市场监督管理局", "市场监管专网", ""),
    ("yingji", "应急管理局", "应急指挥专网", "inet,ce2"),
    ("caizheng", "财政局", "金财工程专网", ""),
    ("tongji", "统计局", "统计专网", "zombie"),
    ("fayuan", "人民法院", "法院专网", ""),
    ("jiancha", "人民检察院", "检察专网", ""),
    ("nongye", "农业农村委员会", "金农工程专网", ""),
    ("sifa", "司法局", None, ""),
    ("fagai", "发展和改革委员会", None, "inet"),
    ("zhujian", "住房和城乡建设委员会", None, ""),
)
_PROVINCE_ABBR = {
    "11": "BJ",
    "12": "TJ",
    "13": "HE",
    "14": "SX",
    "21": "LN",
    "31": "SH",
    "32": "JS",
    "33": "ZJ",
    "34": "AH",
    "35": "FJ",
    "36": "JX",
    "37": "SD",
    "41": "HA",
    "42": "HB",
    "43": "HN",
    "44": "GD",
    "50": "CQ",
    "51": "SC",
    "52": "GZ",
    "53": "YN",
    "61": "SN",
}
_CARRIER_CODE = {"telecom": "DX", "unicom": "LT", "mobile": "YD", "broadcast": "GD"}
_KIND_CODE = {
    "mstp": "MSTP",
    "sdh": "SDH",
    "mpls_vpn": "MPLS",
    "dark_fibre": "DF",
    "internet": "INT",
    "broadband": "KD",
    "cellular": "WLW",
}


def _get_county_names(county: str, tree: DivisionTree) -> tuple[str, str]:
    """(prefix as unit names start, e.g. 潍坊市潍城区 / 重庆市九龙坡区 / 东莞市; the county's own
    name)."""
    path = [d.name for d in tree.get_path(county)]
    if len(path) == 2 or path[1] == path[-1]:  # 东莞市 (no counties); 嘉峪关市 (one, its name)
        return path[-1], path[-1]
    city = path[0] if len(path) < 3 or path[1] in ("市辖区", "县") else path[1]
    return city + path[-1], path[-1]


def check_county(county: str, tree: DivisionTree) -> str:
    """The 12-digit code of the district ``county`` names: a county, or a city without
    counties (东莞 441900, 中山 442000, 儋州 460400; 嘉峪关 620200 is its county 620201)."""
    try:
        code = to_full_code(county)
    except ValueError as exc:
        raise LabMismatchError(str(exc)) from exc
    division = tree.get_district(code)
    if division is None:
        raise LabMismatchError(f"{county} is not a county-level division in the bundled data")
    return division.code


def _dump_yaml(header: str, data: Any) -> str:
    body = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000)
    return header + "\n" + body


def synthesize_inventory(
    county: str, seed: int, devices: int, tree: DivisionTree, first_port: int = FIRST_PORT
) -> tuple[str, str, str]:
    """units.yaml, hosts.yaml and lines.yaml texts for a plausible district of ~``devices``."""
    code = check_county(county, tree)
    if devices < 6:
        raise ValueError(f"a district needs at least 6 routers, not {devices}")
    if not 1024 <= first_port <= 65536 - devices:
        raise ValueError(f"ports {first_port}..{first_port + devices - 1} are not all usable")
    prefix, county_name = _get_county_names(code, tree)
    short = "jlp" if code[:6] == DEFAULT_COUNTY else f"c{code[:6]}"
    province = _PROVINCE_ABBR.get(code[:2], f"P{code[:2]}")
    rng = random.Random(f"{seed}:synthesize:{code}")
    towns = tree.get_descendants(code[:6], Level.TOWN)
    units: list[dict[str, Any]] = [
        {
            "id": short,
            "name": f"{prefix}人民政府",
            "kind": "county",
            "division_code": code,
            "classified": False,
        },
        {
            "id": f"{short}-dsj",
            "name": f"{prefix}大数据应用发展管理局",
            "kind": "department",
            "division_code": code,
            "parent": short,
            "classified": False,
            "note": "区电子政务外网运维单位，区级节点所在地",
        },
        {
            "id": f"{short}-jiyao",
            "name": f"中共{prefix}委机要局",
            "kind": "department",
            "division_code": code,
            "parent": short,
            "classified": True,
            "note": "电子政务内网（涉密）运维单位",
        },
    ]
    hosts: list[tuple[str, str, str, str, str]] = [  # name, unit, division, site, role
        (f"{short}-dsj-core1", f"{short}-dsj", code, f"{county_name}大数据局区级节点机房A", "core"),
        (f"{short}-dsj-core2", f"{short}-dsj", code, f"{county_name}大数据局区级节点机房B", "core"),
        (
            f"{short}-dsj-inet1",
            f"{short}-dsj",
            code,
            f"{county_name}大数据局互联网接入区",
            "internet",
        ),
        (
            f"{short}-dsj-fw1",
            f"{short}-dsj",
            code,
            f"{county_name}大数据局互联网接入区",
            "firewall",
        ),
        (f"{short}-jiyao-ce1", f"{short}-jiyao", code, f"{county_name}委机要局机房", "edge"),
    ]
    extras: dict[str, set[str]] = {}
    budget = devices - len(hosts)
    departments = list(_DEPARTMENTS)
    town_list = list(towns)
    slots: list[tuple[str, int]] = []  # ("d", index) or ("t", index), interleaved
    for i in range(max(len(departments), len(town_list))):
        if i < len(departments):
            slots.append(("d", i))
        if i < len(town_list) and i % 3 != 2:  # about a third of the towns get no router
            slots.append(("t", i))
    for kind, index in slots:
        if budget <= 0:
            break
        if kind == "d":
            key, name, _, flags = departments[index]
            unit = f"{short}-{key}"
            city = prefix[: -len(county_name)]
            if "{county}" in name:  # 潍坊市公安局潍城区分局; a city without counties: 东莞市公安局
                full_name = (
                    city + name.format(county=county_name)
                    if city
                    else prefix + name.split("{county}")[0]
                )
            else:
                full_name = prefix + name
            units.append(
                {
                    "id": unit,
                    "name": full_name,
                    "kind": "department",
                    "division_code": code,
                    "parent": short,
                    "classified": False,
                }
            )
            hosts.append((f"{unit}-ce1", unit, code, f"{units[-1]['name']}机房", "edge"))
            budget -= 1
            extras[unit] = set(flags.split(",")) - {""}
            for flag, role in (("ce2", "edge"), ("inet", "internet")):
                if flag in extras[unit] and budget > 0:
                    suffix = "ce2" if flag == "ce2" else "inet1"
                    hosts.append((f"{unit}-{suffix}", unit, code, f"{units[-1]['name']}机房", role))
                    budget -= 1
        else:
            town = town_list[index]
            unit = f"town-{town.code[6:9]}"
            hosts.append((f"{unit}-ce1", unit, town.code, f"{town.name}党政办机房", "edge"))
            budget -= 1
    # Still routers to place: first the towns left out, then more routers at departments.
    placed = {h[1] for h in hosts}
    for town in town_list:
        unit = f"town-{town.code[6:9]}"
        if budget > 0 and unit not in placed:
            hosts.append((f"{unit}-ce1", unit, town.code, f"{town.name}党政办机房", "edge"))
            budget -= 1
    departments_placed = [u["id"] for u in units if u["kind"] == "department"][2:]
    number = 3
    while budget > 0 and departments_placed:
        for unit in departments_placed:
            if budget > 0:
                hosts.append((f"{unit}-ce{number}", unit, code, f"{unit}机房", "edge"))
                budget -= 1
        number += 1
    for town in town_list:
        units.append(
            {
                "id": f"town-{town.code[6:9]}",
                "name": f"{prefix}{town.name}"
                + ("办事处" if town.name.endswith("街道") else "人民政府"),
                "kind": "town",
                "division_code": town.code,
                "parent": short,
                "classified": False,
            }
        )
    platforms = _get_platform_mix(len(hosts), rng)
    host_names = {h[0] for h in hosts}
    lines: list[dict[str, Any]] = []
    seen_ids: set[str] = set()

    def add_line(
        unit: str,
        network: str,
        carrier: str,
        kind: str,
        host: str | None,
        port: int | None,
        z_end: str,
        note: str | None = None,
        classified: bool = False,
    ) -> None:
        year = rng.randrange(2015, 2024)
        while True:
            cid = (
                f"{province}-{_CARRIER_CODE[carrier]}-{_KIND_CODE[kind]}-{year}-"
                f"{rng.randrange(1, 2000):04d}"
            )
            if cid not in seen_ids:
                seen_ids.add(cid)
                break
        bandwidth = rng.choice((20, 50, 100, 200) if kind != "dark_fibre" else (1000,))
        start = dt.date(rng.randrange(2022, 2026), rng.choice((1, 4, 7, 10)), 1)
        entry: dict[str, Any] = {
            "circuit_id": cid,
            "unit": unit,
            "network": network,
            "carrier": carrier,
            "kind": kind,
            "bandwidth_mbps": bandwidth,
            "monthly_fee": bandwidth * rng.choice((20, 30, 40)) + rng.choice((300, 600, 800)),
            "contract_start": start,
            "contract_end": dt.date(start.year + 3, start.month, 1) - dt.timedelta(days=1),
            "classified": classified,
        }
        entry = _with_contract_terms(seed, cid, entry)
        if host is not None and port is not None:
            platform = platforms[[h[0] for h in hosts].index(host)]
            entry["a_device"] = host
            entry["a_interface"] = _nth_port(platform, port)
        entry["z_end"] = z_end
        if note:
            entry["note"] = note
        lines.append(entry)

    node = f"{county_name}大数据局电子政务外网区级节点"
    city_node = "市电子政务外网市级节点"
    add_line(
        f"{short}-dsj",
        "电子政务外网",
        "telecom",
        "dark_fibre",
        f"{short}-dsj-core1",
        9,
        city_node,
        "区级节点至市级节点主用上联",
    )
    add_line(
        f"{short}-dsj",
        "电子政务外网",
        "unicom",
        "mpls_vpn",
        f"{short}-dsj-core2",
        9,
        city_node,
        "区级节点至市级节点备用上联",
    )
    add_line(
        f"{short}-dsj",
        "互联网",
        "telecom",
        "internet",
        f"{short}-dsj-inet1",
        1,
        "电信城域网",
        "电子政务外网统一互联网出口",
    )
    add_line(
        f"{short}-jiyao",
        "电子政务内网",
        "telecom",
        "dark_fibre",
        f"{short}-jiyao-ce1",
        1,
        "市委机要局电子政务内网节点",
        "涉密线路，物理隔离",
        classified=True,
    )
    for key, _, network, flags in departments:
        unit = f"{short}-{key}"
        ce1 = f"{unit}-ce1"
        if ce1 not in host_names:
            continue
        ce2 = f"{unit}-ce2" if f"{unit}-ce2" in host_names else ce1
        if rng.random() < 0.85:
            add_line(
                unit,
                "电子政务外网",
                rng.choice(("telecom", "unicom", "mobile")),
                "mstp",
                ce1,
                1,
                node,
            )
        if network is not None:
            zombie = "zombie" in flags
            add_line(
                unit,
                network,
                rng.choice(("telecom", "unicom")),
                rng.choice(("mstp", "sdh")) if zombie else "mstp",
                ce2,
                2,
                f"市{network}汇聚节点",
                "疑似停用：合同到期未续签，待核实是否仍在计费" if zombie else None,
            )
        if "inet" in flags:
            inet = f"{unit}-inet1" if f"{unit}-inet1" in host_names else ce1
            add_line(
                unit,
                "互联网",
                rng.choice(("telecom", "unicom")),
                "internet",
                inet,
                3,
                "运营商城域网",
                "自租互联网专线",
            )
    for index, town in enumerate(town_list):
        unit = f"town-{town.code[6:9]}"
        host = f"{unit}-ce1" if f"{unit}-ce1" in host_names else None
        roll = rng.random()
        if host is not None and roll < 0.75:
            add_line(
                unit,
                "电子政务外网",
                rng.choice(("telecom", "unicom", "mobile")),
                "mstp",
                host,
                1,
                node,
            )
        elif host is None and roll < 0.3:
            add_line(
                unit,
                "电子政务外网",
                "mobile",
                "cellular",
                None,
                None,
                node,
                "4G路由器（物联网卡），设备未纳入清单",
            )
        if rng.random() < 0.35:
            zombie = index % 5 == 4
            add_line(
                unit,
                "互联网",
                rng.choice(("telecom", "unicom")),
                "broadband",
                host,
                2 if host else None,
                "运营商宽带",
                "疑似停用：账单仍按月扣费，待核实" if zombie else "镇街办公宽带",
            )
    header = "# {what} of {name} ({code}), synthesized by `govnet lab` (seed {seed}).\n"
    full = tree.get_full_name(code)
    units_text = _dump_yaml(
        header.format(what="Units", name=full, code=code[:6], seed=seed)
        + "# division_code is a quoted 12-digit NBS code; one unit is classified (机要局).",
        {"units": units},
    )
    hosts_doc = {
        name: {
            "hostname": "127.0.0.1",
            "port": first_port + i,
            "groups": [platforms[i]],
            "data": {"unit": unit, "division_code": division, "site": site, "role": role},
        }
        for i, (name, unit, division, site, role) in enumerate(hosts)
    }
    hosts_text = _dump_yaml(
        header.format(what="Routers", name=full, code=code[:6], seed=seed)
        + "# All on 127.0.0.1, one port each, served by the lab. Credentials never go here.",
        hosts_doc,
    )
    lines_text = _dump_yaml(
        header.format(what="Line ledger (台账)", name=full, code=code[:6], seed=seed)
        + "# Fees in CNY; a_device/a_interface name the router end when the ledger knows it.",
        {"lines": lines},
    )
    return units_text, hosts_text, lines_text


# Early-termination clauses as carriers' dedicated-line contracts word them (the penalty is
# a share of the rent left, or a few months' rent, or the discounts given back).
_TERMS = (
    "合同期内提前解约的，按剩余合同期月租费总额的30%支付违约金",
    "提前终止合同须书面通知，并按剩余月数月租费的50%支付违约金",
    "合同期内单方解约的，退还已享受的资费优惠，并按剩余月租费的20%支付违约金",
    "提前拆机按3个月月租费收取违约金",
)


def _with_contract_terms(seed: int, circuit_id: str, entry: dict[str, Any]) -> dict[str, Any]:
    """A line's contract as ledgers keep it: about one in six has none recorded (its dates
    dropped too), the rest a notice period and most an early-termination clause. Drawn
    from the seed and the circuit alone, so the rest of the district does not move."""
    rng = random.Random(f"{seed}:contract:{circuit_id}")
    if rng.random() < 1 / 6:
        return {k: v for k, v in entry.items() if k not in ("contract_start", "contract_end")}
    terms: dict[str, Any] = {"notice_days": rng.choice((30, 30, 60, 90))}
    if rng.random() < 0.8:
        terms["termination_terms"] = rng.choice(_TERMS)
    out: dict[str, Any] = {}
    for key, value in entry.items():
        out[key] = value
        if key == "contract_end":
            out.update(terms)
    return out


def _nth_port(platform: str, n: int) -> str:
    """The name of a router's port number ``n`` (from 0), as its vendor numbers them."""
    return next(itertools.islice(get_vendor(platform).port_names(False), n, None))


# The vendors of a synthesized district (a choice of this generator: an inventory may name
# any vendor the lab has): shares of the routers; the main vendor takes the rest and the
# county core routers.
MAIN_PLATFORM = "huawei"
PLATFORM_SHARES = (("hp_comware", 0.3), ("cisco_ios", 0.2))


def _get_platform_mix(count: int, rng: random.Random) -> list[str]:
    """About half Huawei, 30% H3C, 20% Cisco; the county core routers are Huawei."""
    mix: list[str] = []
    for platform, share in PLATFORM_SHARES:
        mix += [platform] * round(count * share)
    mix += [MAIN_PLATFORM] * (count - len(mix))
    rng.shuffle(mix)
    for i in range(2):  # core1, core2
        if mix[i] != MAIN_PLATFORM:
            j = mix.index(MAIN_PLATFORM, 2)
            mix[i], mix[j] = mix[j], mix[i]
    return mix


# --- the project's files --------------------------------------------------------------------

_NORNIR_CONFIG_TEXT = """\
# Nornir configuration for this govnet project (written by `govnet lab`).
inventory:
  plugin: SimpleInventory
  options:
    host_file: inventory/hosts.yaml
    group_file: inventory/groups.yaml
    defaults_file: inventory/defaults.yaml
runner:
  plugin: threaded
  options:
    num_workers: 20
logging:
  enabled: false
"""
_GROUPS_HEADER = (
    "# Nornir groups: one per platform (the netmiko device type). Hosts take their platform here.\n"
)


def _groups_text() -> str:
    """One Nornir group per platform the lab serves."""
    return _GROUPS_HEADER + "".join(f"{p}:\n  platform: {p}\n" for p in get_platforms())


_DEFAULTS_TEXT = """\
# Nornir defaults. Credentials never go here: GOVNET_USERNAME / GOVNET_PASSWORD.
port: 22
"""


def serve_hosts_as(hosts: str, platform: str) -> str:
    """A synthesized hosts.yaml with every router in ``platform``'s group (its comments
    kept): the inventory of a district served as one vendor (``govnet lab up --platform``)."""
    if platform not in get_platforms():
        raise ValueError(
            f"the lab cannot serve platform {platform!r} (only {', '.join(get_platforms())})"
        )
    header = "".join(line + "\n" for line in hosts.splitlines() if line.startswith("#"))
    data = yaml.safe_load(hosts)
    for host in data.values():
        host["groups"] = [platform]
    return _dump_yaml(header.rstrip("\n"), data)


def write_project(root: Path, units: str, hosts: str, lines: str) -> None:
    """A synthesized project's files: Nornir's config, groups and defaults, the inventory."""
    files = {
        NORNIR_CONFIG: _NORNIR_CONFIG_TEXT,
        "inventory/hosts.yaml": hosts,
        "inventory/groups.yaml": _groups_text(),
        "inventory/defaults.yaml": _DEFAULTS_TEXT,
        "inventory/units.yaml": units,
        "inventory/lines.yaml": lines,
    }
    for name, text in files.items():
        write_atomically(root / name, text)
