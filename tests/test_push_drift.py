"""Drift judged by what a plan touches (issue 23), on configuration text per dialect: a hand
edit blocks a push only in a section the plan writes into, a section holding one of its
lines, or a line naming an object it touches (interface and its port, VPN instance, a
route's VPN and prefix); edits elsewhere, and changes other plans' recorded pushes made,
are reported and never block. A rollback after another plan's push undoes only its share."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from govnet.model.plans import Check
from govnet.platforms import Dialect, load_platforms
from govnet.push.drift import get_changes, get_share_undone, get_touched, judge

DIALECTS: dict[str, Dialect] = load_platforms().get_dialects()

# Per dialect: a PE already carrying department B's VPN, plan A's lines and rollback, and the
# words each vendor writes for them (VRP and Comware alike; IOS its own).
VRP: dict[str, Any] = {
    "snapshot": """\
#
ip vpn-instance zw-b
 ipv4-family
  route-distinguisher 65001:2
#
interface GigabitEthernet0/0/3
 description To-CE
#
interface GigabitEthernet0/0/3.100
 dot1q termination vid 100
 ip binding vpn-instance zw-b
#
bgp 100
 ipv4-family vpn-instance zw-b
  import-route direct
#
ip route-static 0.0.0.0 0.0.0.0 192.0.2.1
ip route-static vpn-instance zw-b 10.2.0.0 255.255.0.0 172.16.0.9
#
return""",
    "plan": [
        "ip vpn-instance zw-a",
        " ipv4-family",
        "  route-distinguisher 65001:1",
        "interface GigabitEthernet0/0/3.200",
        " dot1q termination vid 200",
        " ip binding vpn-instance zw-a",
        "bgp 100",
        " ipv4-family vpn-instance zw-a",
        "  import-route direct",
        " ipv4-family vpnv4",
        "  peer 10.9.9.9 enable",
        "ip route-static vpn-instance zw-a 10.1.0.0 255.255.0.0 172.16.0.1",
    ],
    "rollback": [
        "undo ip route-static vpn-instance zw-a 10.1.0.0 255.255.0.0 172.16.0.1",
        "bgp 100",
        " undo ipv4-family vpn-instance zw-a",
        " quit",
        "undo interface GigabitEthernet0/0/3.200",
        "undo ip vpn-instance zw-a",
    ],
    # (where: a line of the snapshot, or None for the end; the edit: replace or add; blocks)
    "edits": [
        ("  import-route direct", "  import-route direct\n  import-route static", False),
        ("#\nbgp 100", "#\nip vpn-instance zw-c\n#\nbgp 100", False),
        (" dot1q termination vid 100", " dot1q termination vid 100\n shutdown", False),
        (" description To-CE", " description changed by hand", True),
        (None, "ip route-static vpn-instance zw-a 10.1.0.0 255.255.0.0 172.16.9.9", True),
        (None, "ip route-static vpn-instance zw-b 10.3.0.0 255.255.0.0 172.16.9.9", False),
        (None, "ip route-static 10.1.0.0 255.255.0.0 192.0.2.9", False),
        (None, "interface GigabitEthernet0/0/3.200\n shutdown", True),
        (None, "ip vpn-instance zw-a\n description someone else's", True),
        (" import-route direct\n", " import-route direct\n peer 10.0.0.1 as-number 200\n", False),
        (
            "  import-route direct\n#\nip",
            "  import-route direct\n ipv4-family vpnv4\n  peer 10.8.8.8 enable\n#\nip",
            True,
        ),
    ],
    "later": "ip vpn-instance zw-b",
}
IOS: dict[str, Any] = {
    "snapshot": """\
vrf definition zw-b
 rd 65001:2
 address-family ipv4
 exit-address-family
!
interface GigabitEthernet0/0/3
 description To-CE
!
interface GigabitEthernet0/0/3.100
 encapsulation dot1Q 100
 vrf forwarding zw-b
!
router bgp 100
 address-family ipv4 vrf zw-b
  redistribute connected
 exit-address-family
!
ip route 0.0.0.0 0.0.0.0 192.0.2.1
ip route vrf zw-b 10.2.0.0 255.255.0.0 172.16.0.9
!
end""",
    "plan": [
        "vrf definition zw-a",
        " rd 65001:1",
        " address-family ipv4",
        "  route-target export 65001:1",
        "interface GigabitEthernet0/0/3.200",
        " encapsulation dot1Q 200",
        " vrf forwarding zw-a",
        "router bgp 100",
        " address-family ipv4 vrf zw-a",
        "  redistribute connected",
        " address-family vpnv4",
        "  neighbor 10.9.9.9 activate",
        "ip route vrf zw-a 10.1.0.0 255.255.0.0 172.16.0.1",
    ],
    "rollback": [
        "no ip route vrf zw-a 10.1.0.0 255.255.0.0 172.16.0.1",
        "router bgp 100",
        " no address-family ipv4 vrf zw-a",
        " exit",
        "no interface GigabitEthernet0/0/3.200",
        "no vrf definition zw-a",
    ],
    "edits": [
        ("  redistribute connected", "  redistribute connected\n  redistribute static", False),
        ("!\nrouter bgp 100", "!\nip vrf zw-c\n!\nrouter bgp 100", False),
        (" encapsulation dot1Q 100", " encapsulation dot1Q 100\n shutdown", False),
        (" description To-CE", " description changed by hand", True),
        (None, "ip route vrf zw-a 10.1.0.0 255.255.0.0 172.16.9.9", True),
        (None, "ip route vrf zw-b 10.3.0.0 255.255.0.0 172.16.9.9", False),
        (None, "ip route 10.1.0.0 255.255.0.0 192.0.2.9", False),
        (None, "interface GigabitEthernet0/0/3.200\n shutdown", True),
        (None, "vrf definition zw-a\n description someone else's", True),
        ("router bgp 100\n", "router bgp 100\n neighbor 10.0.0.1 remote-as 200\n", False),
        (
            " exit-address-family\n!\nip",
            " exit-address-family\n address-family vpnv4\n  neighbor 10.8.8.8 activate\n"
            " exit-address-family\n!\nip",
            True,
        ),
    ],
    "later": "vrf definition zw-b",
}
CASES: dict[str, dict[str, Any]] = {"huawei": VRP, "hp_comware": VRP, "cisco_ios": IOS}


def edit(snapshot: str, where: str | None, text: str) -> str:
    if where is None:
        end = snapshot.rindex("\n")
        return f"{snapshot[:end]}\n{text}{snapshot[end:]}"
    assert where in snapshot, where
    return snapshot.replace(where, text, 1)


def judged(platform: str, now: str, pushes: Sequence[dict[str, Any]] = ()) -> Any:
    case, dialect = CASES[platform], DIALECTS[platform]
    touched = get_touched(dialect, "pe", case["plan"], case["rollback"], [])
    return judge(dialect, get_changes(dialect, case["snapshot"], now), touched, pushes)


@pytest.mark.parametrize("platform", list(CASES))
@pytest.mark.parametrize("n", range(11))
def test_a_hand_edit_blocks_only_where_the_plan_touches(platform: str, n: int) -> None:
    case = CASES[platform]
    where, text, blocks = case["edits"][n]
    drift = judged(platform, edit(case["snapshot"], where, text))
    assert drift.by_pushes == []
    changed = drift.blocking + drift.elsewhere
    assert changed, "the edit changed nothing: the case proves nothing"
    assert (drift.blocking, drift.elsewhere) == ((changed, []) if blocks else ([], changed))


@pytest.mark.parametrize("platform", list(CASES))
def test_another_plans_push_explains_its_lines_and_a_hand_edit_before_it_stays(
    platform: str,
) -> None:
    """Department C's plan was pushed (recorded backup -> after) after someone had edited
    the port A's sub-interface sits on: C's lines are reported as its push's, the edit
    still blocks A, though C's backup held it."""
    case = CASES[platform]
    hand = edit(case["snapshot"], " description To-CE", " description changed by hand")
    other = edit(hand, None, f"{case['later'].split()[0]} {case['later'].split()[1]} zw-c")
    push = {"id": 7, "plan_id": 3, "backup": hand, "after": other}
    drift = judged(platform, other, [push])
    assert drift.by_pushes and all(p.startswith("push 7 (plan 3): + ") for p in drift.by_pushes)
    assert any("zw-c" in p for p in drift.by_pushes)
    assert drift.blocking and all("description" in line for line in drift.blocking)
    assert drift.elsewhere == []


@pytest.mark.parametrize("platform", list(CASES))
def test_checks_touch_their_objects(platform: str) -> None:
    """A check on an interface the plan's lines never name still makes it touched; a check
    on another host does not."""
    case, dialect = CASES[platform], DIALECTS[platform]
    where, text, _blocks = case["edits"][2]  # the sibling sub-interface shut
    now = edit(case["snapshot"], where, text)
    changes = get_changes(dialect, case["snapshot"], now)
    port = "GigabitEthernet0/0/3.100"
    for host, blocks in (("pe", True), ("ce", False)):
        check = Check(host, "interface", 1, interface=port, up=True)
        touched = get_touched(dialect, "pe", case["plan"], case["rollback"], [check])
        drift = judge(dialect, changes, touched, [])
        assert bool(drift.blocking) is blocks and bool(drift.elsewhere) is not blocks
    # a route check: the global 10.1.0.0/16 route someone added now touches the plan
    where, text, _blocks = case["edits"][6]
    changes = get_changes(dialect, case["snapshot"], edit(case["snapshot"], where, text))
    for prefix, blocks in (("10.1.0.0/16", True), ("10.1.0.0/24", False)):
        check = Check("pe", "route", 1, prefix=prefix)
        touched = get_touched(dialect, "pe", case["plan"], case["rollback"], [check])
        assert bool(judge(dialect, changes, touched, []).blocking) is blocks, prefix


@pytest.mark.parametrize("platform", list(CASES))
def test_a_rollback_after_another_plan_undoes_only_its_share(platform: str) -> None:
    case, dialect = CASES[platform], DIALECTS[platform]
    before = case["snapshot"]
    tree = dialect.get_hconfig(before)
    applied = "\n".join(tree.future(dialect.get_hconfig(case["plan"])).dump_simple())
    keyword = " ".join(case["later"].split()[:-1])
    later = edit(applied, None, f"{keyword} zw-c")  # department C's VPN, pushed after A
    goal = get_share_undone(dialect, later, before, applied)
    assert get_changes(dialect, edit(before, None, f"{keyword} zw-c"), goal) == []
    # nothing else changed: the share undone is the backup
    assert get_changes(dialect, before, get_share_undone(dialect, applied, before, applied)) == []
