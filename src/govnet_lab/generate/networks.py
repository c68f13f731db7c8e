"""What a district is made of: address blocks, AS numbers, the kinds of network a ledger
names, and descriptions as engineers write them."""

from __future__ import annotations

import random
from dataclasses import dataclass
from ipaddress import IPv4Network

from govnet.model.inventory import Line

# Address blocks (DOMAIN.md: blocks are configuration, *verify* 59.255/16 for the extranet).
EXTRANET_PUBLIC = IPv4Network("59.255.0.0/16")
INTRANET_BLOCK = IPv4Network("172.31.0.0/16")
LOOPBACK_BLOCK = IPv4Network("10.254.0.0/16")  # router IDs
ISP_BLOCKS = {  # carrier → public block its WAN /30s come from (Chongqing telecom/unicom/mobile)
    "telecom": IPv4Network("202.98.0.0/16"),
    "unicom": IPv4Network("113.204.0.0/16"),
    "mobile": IPv4Network("117.59.0.0/16"),
    "broadcast": IPv4Network("106.80.0.0/16"),
    "other": IPv4Network("106.80.0.0/16"),
}
COUNTY_AS = 65001
CITY_AS = 65000


@dataclass(frozen=True)
class System:
    """A kind of network the generator recognises by the ledger's network name."""

    key: str  # VPN instance / VRF name and id part
    name: str  # vertical catalogue name, as surveys write it
    keywords: tuple[str, ...]
    category: str  # intranet, extranet, internet, vertical, local
    national: bool = False
    prefixes: tuple[str, ...] = ()
    upstream_as: int | None = None


SYSTEMS: tuple[System, ...] = (
    System(
        "neiwang",
        "电子政务内网",
        ("电子政务内网", "内网", "涉密"),
        "intranet",
        prefixes=("172.30.0.0/15",),
    ),
    System("waiwang", "电子政务外网", ("电子政务外网", "外网"), "extranet"),
    System("internet", "互联网", ("互联网", "宽带"), "internet"),
    System("jinshui", "金税", ("金税", "税务"), "vertical", True, ("10.144.0.0/13",), 64601),
    System("gongan", "公安信息网", ("公安", "金盾"), "vertical", True, ("10.160.0.0/12",), 64602),
    System("fayuan", "法院", ("法院",), "vertical", True, ("10.192.0.0/16",), 64603),
    System("jiancha", "检察", ("检察",), "vertical", True, ("10.193.0.0/16",), 64604),
    System(
        "jinbao", "金保", ("金保", "人社", "社保"), "vertical", False, ("10.176.0.0/16",), 64611
    ),
    System("yibao", "医保", ("医保",), "vertical", False, ("10.177.0.0/16",), 64612),
    System(
        "weijian", "卫健", ("卫生", "卫健", "健康"), "vertical", False, ("10.178.0.0/16",), 64613
    ),
    System("minzheng", "民政", ("民政",), "vertical", False, ("10.179.0.0/16",), 64614),
    System("zrzy", "自然资源", ("自然资源", "国土"), "vertical", False, ("10.180.0.0/16",), 64615),
    System("scjg", "市场监管", ("市场监管", "工商"), "vertical", False, ("10.181.0.0/16",), 64616),
    System("yingji", "应急", ("应急",), "vertical", False, ("10.182.0.0/16",), 64617),
    System("jincai", "金财", ("金财", "财政"), "vertical", False, ("10.183.0.0/16",), 64618),
    System("tongji", "统计", ("统计",), "vertical", False, ("10.184.0.0/16",), 64619),
    System("jinnong", "金农", ("金农", "农业"), "vertical", False, ("10.185.0.0/16",), 64620),
    System("shipin", "视频会议", ("视频会议",), "vertical", False, ("10.186.0.0/16",), 64621),
    System("jiaoyu", "教育城域网", ("教育",), "local", False, ("10.188.0.0/16",), None),
)
UNKNOWN_SYSTEM = System("other", "其他", (), "other", prefixes=("172.18.0.0/16",))


def get_system(line: Line) -> System:
    """The kind of network a ledger line carries: a classified line is intranet whatever it says."""
    if line.classified:
        return SYSTEMS[0]
    return next((s for s in SYSTEMS if any(k in line.network for k in s.keywords)), UNKNOWN_SYSTEM)


# --- descriptions as engineers write them ------------------------------------------------

EXTRANET_DESC = ("至区电子政务外网", "To-ZWWW-QuJiJieDian", "电子政务外网上联")
ZONE_DESC = {100: "至区电子政务外网-公用网络区", 200: "至区电子政务外网-专用网络区"}
INTERNET_DESC = ("互联网专线-{carrier}", "Internet-{carrier_en}", "自租互联网出口({carrier})")
CARRIER_CN = {
    "telecom": "电信",
    "unicom": "联通",
    "mobile": "移动",
    "broadcast": "广电",
    "other": "其他",
}


def vertical_desc(system: System, rng: random.Random) -> str:
    options = (f"{system.name}专网上联", f"To-{system.key}-ShiJi", f"至市{system.name}汇聚")
    return rng.choice(options)
