"""One vocabulary for people: how targets, access classes, carriers, line kinds, levels and
states are named in Chinese output (and English where a page offers it). No internal code
(``telecom``, ``easy_ip``) reaches a Chinese cell; every writer takes its words from here.

>>> TARGET_LABELS[Target.RETAIN_NATIONAL]
'保留（国家规划） retain (national plan)'
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from govnet.model.divisions import Level as DivisionLevel
from govnet.model.inventory import Carrier, ContactRole, LineKind, Role, SecurityGrade, UnitKind
from govnet.model.policy import DEADLINE_MEASURES, Category, Level, SubjectKind, Target, Zone

TARGET_LABELS: dict[Target, str] = {
    Target.INTRANET: "电子政务内网 intranet",
    Target.EXTRANET_DEDICATED_VPN: "外网专用网络区VPN extranet dedicated-zone VPN",
    Target.EXTRANET_PUBLIC: "外网公用网络区 extranet public zone",
    Target.EXTRANET_INTERNET: "外网互联网接入区 extranet internet zone",
    Target.RETAIN_NATIONAL: "保留（国家规划） retain (national plan)",
    Target.RETAIN_EXCEPTION: "保留（批准例外） retain (approved exception)",
    Target.DECOMMISSION: "撤销 decommission",
    Target.REVIEW: "人工复核 review",
}
CATEGORY_LABELS = {
    "A": "A 仅公用网络区 (public zone only)",
    "B": "B 公用网络区 + 统一互联网出口 (public zone + unified exit)",
    "C": "C 公用网络区 + 自有出口 (public zone + own exit)",
    "D": "D 公用 + 专用网络区 + 统一出口 (public + dedicated zone + unified exit)",
    "E": "E 公用 + 专用网络区 + 自有出口 (public + dedicated zone + own exit)",
    "F": "F 经园区网接入 (through a campus network)",
}
# Chinese labels written on a ledger export; every label is also accepted on import.
CARRIER_LABELS: dict[Carrier, str] = {
    Carrier.TELECOM: "电信",
    Carrier.UNICOM: "联通",
    Carrier.MOBILE: "移动",
    Carrier.BROADCAST: "广电",
    Carrier.OTHER: "其他",
}
KIND_LABELS: dict[LineKind, str] = {
    LineKind.MSTP: "MSTP",
    LineKind.SDH: "SDH",
    LineKind.MPLS_VPN: "MPLS VPN",
    LineKind.DARK_FIBRE: "裸光纤",
    LineKind.INTERNET: "互联网专线",
    LineKind.BROADBAND: "宽带",
    LineKind.CELLULAR: "4G/5G",
    LineKind.OTHER: "其他",
}
# Words of the inventory workbook (`govnet inventory template`): each also read back on import.
UNIT_KIND_LABELS: dict[UnitKind, str] = {
    UnitKind.COUNTY: "县（区）政府",
    UnitKind.DEPARTMENT: "部门",
    UnitKind.TOWN: "乡镇（街道）",
    UnitKind.VILLAGE: "村（社区）",
}
CONTACT_ROLE_LABELS: dict[ContactRole, str] = {
    ContactRole.LEADER: "分管负责人",
    ContactRole.CONTACT: "联系人",
    ContactRole.TECHNICAL: "技术负责人",
}
ROLE_LABELS: dict[Role, str] = {
    Role.CORE: "核心路由器",
    Role.EDGE: "出口路由器",
    Role.ACCESS: "接入设备",
    Role.INTERNET: "互联网出口",
    Role.FIREWALL: "防火墙",
}
PLATFORM_LABELS: dict[str, str] = {
    "huawei": "华为 VRP",
    "huawei_vrpv8": "华为 VRP V8",
    "hp_comware": "华三 Comware",
    "cisco_ios": "思科 IOS",
    "cisco_xe": "思科 IOS XE",
    "ruijie_os": "锐捷 RGOS",
    "zte_zxros": "中兴 ZXROS",
}
SECURITY_GRADE_LABELS: dict[SecurityGrade, str] = {
    SecurityGrade.DENGBAO_1: "等保一级",
    SecurityGrade.DENGBAO_2: "等保二级",
    SecurityGrade.DENGBAO_3: "等保三级",
    SecurityGrade.DENGBAO_4: "等保四级",
    SecurityGrade.FENBAO_MIMI: "分保秘密级",
    SecurityGrade.FENBAO_JIMI: "分保机密级",
    SecurityGrade.FENBAO_JUEMI: "分保绝密级",
}
LEVEL_NAMES = {
    "province": "省",
    "city": "市",
    "county": "县（区）",
    "town": "乡镇（街道）",
    "village": "村（社区）",
    "country": "全国",
}
STATUS_NAMES = {
    "in_use": "在用",
    "to_cancel": "待撤销",
    "cancelled": "已撤销",
    "open": "未关闭",
    "closed": "已关闭",
}


# Where a business network stands in the progress report.
PROGRESS_NAMES = {
    "migrated": "已迁移",
    "retained": "保留",
    "to_cancel": "待撤销",
    "closed": "已关闭",
    "remaining": "待整合",
}
# How a unit's extranet access is known (coverage).
CONNECTED_BY_NAMES = {"survey": "采集确认", "ledger": "仅台账"}
MEASURE_NAMES = {
    "town_coverage": "乡镇（街道）覆盖率",
    "village_coverage": "村（社区）覆盖率",
    "unit_coverage": "单位接入率",
    "own_exits_closed": "自建互联网出口关闭率",
    "networks_done": "业务专网整合完成率",
}
DEADLINE_STATE_NAMES = {"met": "已完成", "overdue": "逾期", "ongoing": "进行中"}
ZONE_NAMES: dict[Zone, str] = {
    Zone.PUBLIC: "公用网络区",
    Zone.DEDICATED: "专用网络区",
    Zone.INTERNET: "互联网接入区",
}
SYSTEM_CATEGORY_NAMES: dict[Category, str] = {
    Category.INTRANET: "电子政务内网",
    Category.EXTRANET: "电子政务外网",
    Category.INTERNET: "互联网",
    Category.VERTICAL: "垂直业务专网",
    Category.LOCAL: "本地业务专网",
}
SUBJECT_NAMES: dict[SubjectKind, str] = {SubjectKind.LINE: "线路", SubjectKind.NETWORK: "业务专网"}
# A plan's checks, for documents people sign (Check.kind; its steps: APPROACH_LABELS).
CHECK_KIND_NAMES = {
    "interface": "接口状态",
    "route": "路由",
    "nat": "地址转换",
    "vpn": "VPN实例",
    "ping": "连通性测试",
    "quiet": "原线路流量静默",
    "bgp": "BGP邻居状态",
}
# Dates in Chinese text, and as Excel number formats (a date cell, never text).
DATE_FORMAT_XLSX = 'yyyy"年"m"月"d"日"'
DATETIME_FORMAT_XLSX = 'yyyy"年"m"月"d"日" hh:mm'


def name_of(value: object, names: Mapping[Any, str]) -> str:
    """A code's Chinese name from one of the tables above; "-" for none. An unknown code is
    shown as it is (a project's own value): the vocabulary test lists every known one.

    >>> name_of("telecom", CARRIER_LABELS), name_of(None, KIND_LABELS), name_of("x", ROLE_LABELS)
    ('电信', '-', 'x')
    """
    if value is None or value == "":
        return "-"
    key = value.value if isinstance(value, StrEnum) else str(value)
    for code, name in names.items():
        if code == key:
            return name
    return key


def format_date(day: dt.date | dt.datetime | None) -> str:
    """
    >>> format_date(dt.date(2026, 1, 5)), format_date(None)
    ('2026年1月5日', '-')
    """
    return "-" if day is None else f"{day.year}年{day.month}月{day.day}日"


def format_datetime(when: dt.datetime) -> str:
    """
    >>> format_datetime(dt.datetime(2026, 1, 5, 9, 3))
    '2026年1月5日 09:03'
    """
    return f"{format_date(when)} {when:%H:%M}"


def get_internal_codes() -> frozenset[str]:
    """Every internal code a Chinese output must never show: each enum value of the model
    (carriers, line kinds, targets, categories, zones, levels, unit kinds, roles) and the
    report states, exit kinds and measures above."""
    enums: list[type[StrEnum]] = [
        Carrier,
        LineKind,
        Target,
        Category,
        Zone,
        Level,
        DivisionLevel,
        SubjectKind,
        UnitKind,
        Role,
    ]
    codes = {member.value for enum in enums for member in enum}
    for table in (
        STATUS_NAMES,
        PROGRESS_NAMES,
        EXIT_KIND_NAMES,
        CONNECTED_BY_NAMES,
        MEASURE_NAMES,
        DEADLINE_STATE_NAMES,
    ):
        codes.update(table)
    codes.update(DEADLINE_MEASURES)
    return frozenset(codes)


def target_label(value: str | None, lang: str = "zh") -> str:
    """A target's name for people: Chinese, or English.

    >>> target_label("extranet_dedicated_vpn"), target_label("decommission", "en")
    ('外网专用网络区VPN', 'decommission')
    """
    if not value:
        return "-"
    chinese, _, english = TARGET_LABELS[Target(value)].partition(" ")
    return chinese if lang == "zh" else english


def category_label(code: str, lang: str = "zh") -> str:
    """An access class's name for people: Chinese, or English.

    >>> category_label("B")
    'B 公用网络区 + 统一互联网出口'
    >>> category_label("B", "en"), category_label("Z")
    ('B public zone + unified exit', 'Z')
    """
    label = CATEGORY_LABELS.get(code)
    if label is None:
        return code
    chinese, _, english = label.partition(" (")
    return chinese if lang == "zh" else f"{code} {english.rstrip(')')}"


def percent(value: float | None) -> str:
    """
    >>> percent(0.3158), percent(None)
    ('31.6%', '-')
    """
    return "-" if value is None else f"{value:.1%}"


# The plan document's words for what shows a unit's own internet exit (an exit's signs), and
# for each kind of step (a migration approach: its template's name stays beside it).
EXIT_SIGN_LABELS = {
    "nat_outbound": "出方向地址转换（NAT）",
    "easy_ip": "Easy IP 地址转换",
    "default_route": "默认路由",
    "public_address": "公网地址",
    "dialer": "拨号接口",
    "cellular": "4G/5G 无线接口",
    "ledger": "仅台账登记",
    "broadband": "宽带",  # an exit the ledger alone knows, by its line's kind
}
# The reports' name for an exit's kind (its strongest sign): the same words.
EXIT_KIND_NAMES = EXIT_SIGN_LABELS
APPROACH_LABELS = {
    "dedicated_vpn": "专用网络区VPN",
    "business_gateway": "新建业务网关",
    "rebind_business": "业务网关改绑VPN",
    "retire_gateway": "撤除旧业务网关",
    "public_zone": "公用网络区接入",
    "internet_zone": "互联网接入区",
    "close_exit": "关闭自建互联网出口",
    "decommission_line": "关闭线路",
}
