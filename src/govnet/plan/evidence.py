"""Evidence in Chinese for the plan document. The classification words its evidence in
English for engineers (`govnet explain`); a plan is signed by a department, so each
sentence it quotes is reworded here, form by form, from the sentences `govnet.classify`
writes (reconcile, reading, judging, access; ``route_text``, ``nat_text``). A sentence of a
form not known here is shown as it is, marked 原文, never dropped
(tests/test_plan_document.py checks every form the lab's districts give is known)."""

from __future__ import annotations

import re
from collections.abc import Callable

from govnet.model.labels import CARRIER_LABELS, KIND_LABELS
from govnet.model.verdicts import Evidence

_CARRIERS = {c.value: label for c, label in CARRIER_LABELS.items()}
_KINDS = {k.value: label for k, label in KIND_LABELS.items()}
_STATES = {
    "up": "运行正常（up）",
    "down": "物理断开（down）",
    "shut down": "已关闭（shutdown）",
    "state unknown": "状态未知",
    "live": "在用",
    "zombie": "无业务流量（僵尸线路）",
    "not on a device": "设备上未见",
    "on device": "设备上在用",
    "ledger only": "仅见于台账",
}
_PROTOCOLS = {"static": "静态", "bgp": " BGP ", "ospf": " OSPF ", "direct": "直连", "rip": " RIP "}
_NAT = re.compile(
    r"^(easy-ip|outbound|static|nat-server|[\w-]+)(?: ACL (\S+))?(?: pool (\S+))?(.*)$"
)


def _nat(text: str) -> str:
    """``nat_text``: kind, ACL, pool, addresses."""
    match = _NAT.match(text)
    if match is None:
        return text
    kind, acl, pool, rest = match.groups()
    words = {"easy-ip": "Easy IP 地址转换", "outbound": "出方向地址转换（outbound）"}
    parts = [words.get(kind, f"地址转换 {kind}")]
    parts += [f"ACL {acl}"] if acl else []
    parts += [f"地址池 {pool}"] if pool else []
    parts += [f"地址 {rest.strip()}"] if rest.strip() else []
    return "，".join(parts)


def _route(m: re.Match[str]) -> str:
    """``route_text``: protocol, prefix, table, next hops (maybe in another table), port."""
    proto, prefix, where, via, out, tail = m.groups()
    table = "全局路由表" if where == "global" else f"VPN {where.removeprefix('vpn ')} "
    via_text = via
    if " in " in via:
        hops, _, other = via.partition(" in ")
        other = "全局路由表" if other == "the global table" else f"VPN {other}"
        via_text = f"{hops}（位于{other}，跨表）"
    proto = _PROTOCOLS.get(proto, proto)
    text = f"{table}内{proto}路由 {prefix}，下一跳 {via_text}"
    text += f"，出接口 {out}" if out else ""
    if tail:
        text += "（已配置但不在路由表中：未生效）"
    return text


def _ledger(m: re.Match[str]) -> str:
    circuit, network, carrier, kind, rest = m.groups()
    parts = [
        f"台账线路 {circuit}：{network}，{_CARRIERS.get(carrier, carrier)}{_KINDS.get(kind, kind)}"
    ]
    for item in filter(None, (p.strip() for p in rest.split(", "))):
        if item.endswith(" Mbps"):
            parts.append(f"{item.removesuffix(' Mbps')}M")
        elif item.startswith("A end "):
            parts.append(f"本端 {item.removeprefix('A end ')}")
        elif item == "no device named":
            parts.append("未填设备")
        elif item == "classified":
            parts.append("涉密")
        else:
            parts.append(item)  # a word of the ledger's own
    return "，".join(parts)


def _details(text: str) -> str | None:
    """An interface's state, description, VPN instance and addresses (reading)."""
    parts = []
    rest = text
    state = next(
        (s for s in ("shut down", "state unknown", "up", "down") if rest.startswith(s)), None
    )
    if state is None:
        return None
    parts.append(f"接口{_STATES[state]}")
    rest = rest[len(state) :]
    for piece in re.finditer(
        r", (description '(?P<d>[^']*)'|VPN instance (?P<v>[^,\s]+)|address (?P<a>.+)$)", rest
    ):
        if piece.group("d") is not None:
            parts.append(f"描述“{piece.group('d')}”")
        elif piece.group("v") is not None:
            parts.append(f"绑定 VPN {piece.group('v')}")
        else:
            parts.append(f"地址 {piece.group('a')}")
    return "，".join(parts)


def _why(text: str) -> str | None:
    """How a device named a system (``device_system_why``)."""
    for pattern, words in (
        (r"^description '(.*)'$", "接口描述“{0}”"),
        (r"^VPN instance (\S+)$", "VPN 实例 {0}"),
        (r"^(\S+) in the (.+)$", "接口 {0} 位于{1}"),
        (r"^extranet address (\S+)$", "电子政务外网地址 {0}"),
        (r"^intranet address (\S+)$", "电子政务内网地址 {0}"),
        (r"^address (\S+) in (.+)'s block$", "地址 {0} 属于{1}的地址段"),
        (r"^public address (\S+) on (\S+)$", "{1} 上的公网地址 {0}"),
    ):
        match = re.match(pattern, text)
        if match:
            return words.format(*match.groups())
    return None


def _catalogue(text: str) -> str | None:
    parts: list[str] = []
    for part in text.split("; "):
        if m := re.match(r"^ledger '(.*)' -> (.+)$", part):
            parts.append(f"台账网络名“{m[1]}”对应{m[2]}")
        elif m := re.match(r"^ledger '(.*)' is not in the catalogue$", part):
            parts.append(f"台账网络名“{m[1]}”不在系统目录中")
        elif (m := re.match(r"^device (.+) -> (.+)$", part)) and (why := _why(m[1])):
            parts.append(f"设备上{why}对应{m[2]}")
        elif part == "the device names no network the catalogue knows":
            parts.append("设备上未见目录中的网络名称")
        elif part == "no name to match":
            parts.append("无可匹配的名称")
        else:
            return None
    return "；".join(parts)


Rule = tuple[re.Pattern[str], Callable[[re.Match[str]], str]]
_RULES: list[Rule] = [
    (
        re.compile(r"^ledger line (\S+): (.*?), (\S+) (\S+)((?:, .*)?)$"),
        _ledger,
    ),
    (re.compile(r"^(\S+) was not read: (.+)$"), lambda m: f"设备 {m[1]} 未采集到：{m[2]}"),
    (
        re.compile(r"^(\S+) answered only in part and shows no (\S+)$"),
        lambda m: f"设备 {m[1]} 只采集到部分结果，未见接口 {m[2]}",
    ),
    (
        re.compile(r"^(\S+) has no interface (\S+)$"),
        lambda m: f"设备 {m[1]} 上没有台账所列接口 {m[2]}",
    ),
    (
        re.compile(r"^the provider-edge side of this line \((.+)\)$"),
        lambda m: f"本线路的 PE 端（{m[1]}）",
    ),
    (
        re.compile(
            r"^carries VPN instance (\S+) upstream for the units (\S+) is the provider edge of$"
        ),
        lambda m: f"为 {m[2]} 所接入的各单位向上级承载 VPN 实例 {m[1]}",
    ),
    (
        re.compile(
            r"^(\S+) (\S+) \((global|vpn \S+)\) via (.+?)(?: out (\S+))?"
            r"( \(configured, not in the routing table: inactive\))?$"
        ),
        _route,
    ),
    (re.compile(r"^and (\d+) more routes$"), lambda m: f"另有 {m[1]} 条路由"),
    (
        re.compile(
            r"^no route uses it \(ARP is not collected: the routing table stands for traffic\)$"
        ),
        lambda m: "没有路由经过该线路（未采集 ARP，以路由表代表流量）",
    ),
    (re.compile(r"^NAT (.+) on (\S+)$"), lambda m: f"{m[2]} 上配置{_nat(m[1])}"),
    (
        re.compile(r"^(.+) runs in the (.+): VPN instance (\S+) on (\S+) \(up\)$"),
        lambda m: f"{m[1]}运行在{m[2]}：接口 {m[4]} 绑定 VPN 实例 {m[3]}（运行正常）",
    ),
    (
        re.compile(
            r"^the same device carries (the classified network|the isolated network (.+)) on (.+)$"
        ),
        lambda m: (
            f"同一设备在 {m[3]} 上承载"
            + ("涉密网络" if m[2] is None else f"须隔离的网络 {m[2]}")
            + "，又连接其他网络（隔离违规）"
        ),
    ),
    (
        re.compile(r"^line (\S+): (zombie|on device|ledger only)$"),
        lambda m: f"线路 {m[1]}：{_STATES[m[2]]}",
    ),
    (
        re.compile(r"^extranet line (\S+) \((live|zombie|not on a device)\)(?:: (.+))?$"),
        lambda m: f"外网线路 {m[1]}（{_STATES[m[2]]}）" + (f"：{m[3]}" if m[3] else ""),
    ),
    (
        re.compile(r"^runs the level's extranet node \(core\)$"),
        lambda m: "运行本级电子政务外网节点（核心）",
    ),
    (
        re.compile(r"^default route toward the extranet$"),
        lambda m: "默认路由指向电子政务外网",
    ),
]


def get_evidence_text(evidence: Evidence) -> str | None:
    """The evidence in Chinese, or None when its form is not known here."""
    text = evidence.text
    if evidence.source == "catalogue" and (parts := _catalogue(text)) is not None:
        return parts
    if evidence.source == "interfaces" and (details := _details(text)) is not None:
        return details
    for pattern, reword in _RULES:
        match = pattern.match(text)
        if match is not None:
            return reword(match)
    return None


def to_chinese(evidence: Evidence) -> str:
    """The evidence in Chinese; a form not known here as it is, marked 原文."""
    text = get_evidence_text(evidence)
    return text if text is not None else f"（原文）{evidence.text}"
