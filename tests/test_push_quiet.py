"""Quiet checks (the old line carries nothing): each platform's counter lines, read from real
outputs (tests/real/), how a quiet check is judged, and, on the lab, a line carrying a working
flow that is not quiet until it is shut, in-process and over SSH."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import ValidationError

from govnet.model.facts import HostFacts
from govnet.model.plans import Check, PingAnswer, QuietAnswer
from govnet.plan import evaluate_checks
from govnet.plan.configsafe import UnsafeValue
from govnet.platforms import load_platforms
from govnet.platforms.specs import CountersSpec
from govnet.push import Device
from govnet.push.journal import Stop, Stopped
from govnet.push.quiet import get_counters_command, read_counters
from govnet.push.stepwise import prove
from govnet.survey.collect import Budget, Credentials, Target
from govnet_lab.configure import apply_lines
from govnet_lab.dataplane import Network
from govnet_lab.district import District, load_district
from govnet_lab.generate import generate_lab
from govnet_lab.model import InterfaceKind
from lab_served import serve_district

REAL = Path(__file__).parent / "real"
DISTRICT = ("370702", 1, 30)
PLATFORMS = ["huawei", "hp_comware", "cisco_ios"]
CHECK = Check("ce1", "quiet", 4, interface="GigabitEthernet0/0/1", seconds=10, rate=1.0)


def counters_spec(platform: str) -> CountersSpec:
    push = load_platforms(None).get_push(platform)
    assert push is not None and push.counters is not None
    return push.counters


# (platform, file, interface, first line, last line, input packets, output packets): one
# interface's block, cut from the real text as `display interface NAME` prints it alone,
# and its totals as read by eye. None: the block prints no packet totals of its own.
BLOCKS = [
    ("huawei", "vrp5-ar-interface-dhcp.txt", "GigabitEthernet0/0/0", 1, 26, 24, 8),
    ("huawei", "vrp5-ar-interface-dhcp.txt", "GigabitEthernet0/0/1", 27, 52, 0, 1),
    ("huawei", "vrp8-ne40e-interface-arp.interface.txt", "Eth-Trunk10", 1, 26, 0, 0),
    (
        "huawei",
        "vrp8-ne40e-interface-arp.interface.txt",
        "GigabitEthernet1/0/0",
        27,
        69,
        8072105483,
        3947616196,
    ),
    ("huawei", "vrp8-ce-interface-arp.interface.txt", "NULL0", 11, 28, 0, 0),
    ("huawei", "vrp8-ce-interface-arp.interface.txt", "MEth0/0/0", 29, 62, 1039148, 7557),
    ("huawei", "vrp8-ce-interface-arp.interface.txt", "Vlanif3000", 1, 10, None, None),
    ("huawei", "vrp5-ar-interface-dialer.txt", "Dialer1", 1, 11, None, None),
    ("huawei", "vrp5-ar-interface-dialer.txt", "Dialer1:0", 13, 23, 86, 135),
    ("hp_comware", "di-hge-xge.txt", "HundredGigE3/0/23", 1, 57, 0, 0),
    ("hp_comware", "di-hge-xge.txt", "Ten-GigabitEthernet13/2/12", 58, 99, 0, 72002554),
    ("hp_comware", "di-vlanif-bagg-ge-xge.txt", "Vlan-interface2000", 1, 15, 9103, 18587),
    (
        "hp_comware",
        "di-vlanif-bagg-ge-xge.txt",
        "Bridge-Aggregation20",
        16,
        46,
        80274398,
        110103849,
    ),
    ("hp_comware", "di-bagg.txt", "Bridge-Aggregation1", 1, 29, 5540021, 18114817),
    ("hp_comware", "di-cw5-bagg-vlanif.txt", "Bridge-Aggregation1", 1, 28, 12780551, 3188930),
    ("hp_comware", "di-cw5-bagg-vlanif.txt", "Vlan-interface123", 29, 40, 0, 0),
    ("hp_comware", "di-eth-channel-cellular.txt", "Eth-channel2/0:0", 1, 28, 23120286, 34587959),
    ("cisco_ios", "show-interfaces-dot1q.txt", "GigabitEthernet0/0", 1, 28, 338297234, 336857668),
    ("cisco_ios", "show-interfaces-dot1q.txt", "GigabitEthernet0/0.6", 29, 38, None, None),
    ("cisco_ios", "show-interfaces-dot1q.txt", "FastEthernet0/1/0", 96, 123, 338645504, 350115018),
    ("cisco_ios", "show-interfaces-dot1q.txt", "Loopback0", 162, 184, 2292, 0),
]


@pytest.mark.parametrize(
    ("platform", "file", "interface", "first", "last", "packets_in", "packets_out"),
    BLOCKS,
    ids=[f"{b[0]}-{b[1]}-{b[2]}" for b in BLOCKS],
)
def test_each_platform_reads_the_counters_of_real_outputs(
    platform: str,
    file: str,
    interface: str,
    first: int,
    last: int,
    packets_in: int | None,
    packets_out: int | None,
) -> None:
    lines = (REAL / platform / file).read_text(encoding="utf-8").splitlines()
    block = lines[first - 1 : last]
    assert block[0].strip().startswith(interface), block[0]
    read = read_counters(counters_spec(platform), "\n".join(block))
    assert read == (None if packets_in is None else (packets_in, packets_out))


@pytest.mark.parametrize(
    "bad",
    [
        {"command": "display interface"},  # no {interface}
        {"command": "display interface {interface} {vpn}"},
        {"input": []},
        {"input": [r"Input: (\d+) packets"]},  # no named group packets
        {"output": ["(?P<packets>"]},  # not a regex
    ],
)
def test_a_counters_spec_without_what_it_needs_is_refused(bad: dict[str, object]) -> None:
    good = counters_spec("huawei").model_dump()
    with pytest.raises(ValidationError):
        CountersSpec(**{**good, **bad})


@pytest.mark.parametrize("platform", PLATFORMS)
def test_an_answer_without_counters_is_not_read(platform: str) -> None:
    errors = [
        "Error: Wrong parameter found at '^' position.",
        " % Wrong parameter found at '^' position.",
        "% Invalid input detected at '^' marker.",
        "Input:  24 packets, 4936 bytes",  # half an answer (a cut session) is none
        "",
    ]
    assert [read_counters(counters_spec(platform), e) for e in errors] == [None] * 5


@pytest.mark.parametrize(
    ("platform", "command"),
    [
        ("huawei", "display interface GigabitEthernet0/0/1"),
        ("hp_comware", "display interface GigabitEthernet0/0/1"),
        ("cisco_ios", "show interfaces GigabitEthernet0/0/1"),
    ],
)
def test_each_platform_types_its_own_command(platform: str, command: str) -> None:
    assert get_counters_command(counters_spec(platform), CHECK) == command


@pytest.mark.parametrize(
    "bad",
    [
        {"interface": "GigabitEthernet0/0/1\nreturn"},
        {"interface": "GigabitEthernet0/0/1 | include Input"},
        {"interface": "?"},
        {"interface": None},
        {"seconds": 0},
        {"seconds": 100000},
        {"seconds": None},
        {"rate": None},
        {"rate": -1.0},
    ],
)
def test_nothing_unchecked_reaches_the_command(bad: dict[str, object]) -> None:
    check = Check(**{**CHECK.__dict__, **bad})
    with pytest.raises(UnsafeValue):
        get_counters_command(counters_spec("huawei"), check)


def test_a_quiet_check_holds_on_idle_counters_and_never_without_two_readings() -> None:
    facts = {"ce1": HostFacts()}
    cases: list[tuple[Check, QuietAnswer | PingAnswer | str, bool, str]] = [
        (CHECK, QuietAnswer(100, 200, 100, 200, 10.0), True, "0.0 packets/s over 10 s"),
        (CHECK, QuietAnswer(100, 200, 105, 205, 10.0), True, "1.0 packets/s over 10 s"),
        (CHECK, QuietAnswer(100, 200, 160, 260, 10.0), False, "12.0 packets/s over 10 s"),
        (CHECK, QuietAnswer(100, 200, 3, 200, 10.0), False, "a counter went back"),
        (CHECK, "no packet counters in the answer: Error: Wrong", False, "no packet counters"),
        (CHECK, PingAnswer(5, 5), False, "not counters"),
        # a pre-check ("before anything changes, this line carries nothing"): judged alike
        (Check(**{**CHECK.__dict__, "step": 0}), QuietAnswer(1, 1, 1, 1, 10.0), True, "0.0"),
        (Check(**{**CHECK.__dict__, "step": 0}), QuietAnswer(1, 1, 90, 90, 10.0), False, "17.8"),
    ]
    for check, answer, held, seen in cases:
        ((judged, ok, said),) = evaluate_checks([check], facts, {check: answer})
        assert (judged, ok) == (check, held) and said.startswith(seen), (answer, said)
    ((_, ok, said),) = evaluate_checks([CHECK], facts)  # never read: never held
    assert not ok and said == "counters not read"


def test_the_check_reads_as_an_engineer_says_it() -> None:
    assert CHECK.text == (
        "ce1 GigabitEthernet0/0/1: 10 秒内收发报文不超过每秒 1 个（线路已无业务流量）quiet"
    )
    assert Check(**CHECK.to_dict()) == CHECK  # stored with the plan, read back by push


# --- on the lab -------------------------------------------------------------------------------


def build() -> District:
    with tempfile.TemporaryDirectory() as root:
        return load_district(generate_lab(Path(root), *DISTRICT, None))


def find_lines(district: District) -> dict[str, tuple[str, str]]:
    """Per platform, a router's line (a port that is not the LAN of a flow) carrying a
    working flow now, as the lab's data plane has it: (host, interface). A port without
    sub-interfaces: shut, it would end every line on it at once."""
    network = Network(district)
    found: dict[str, tuple[str, str]] = {}
    for flow in (f for f in district.truth.flows if f.works):
        device = district.get_device(flow.host)
        assert device is not None
        if device.platform in found:
            continue
        for iface in device.interfaces:
            lan = iface.address is not None and str(iface.address.ip) == flow.source
            if lan or iface.kind is not InterfaceKind.PHYSICAL:
                continue
            if any(i.parent == iface.name for i in device.interfaces):
                continue
            if min(network.counters.get_pps(flow.host, iface.name)) > 0:
                found[device.platform] = (flow.host, iface.name)
                break
    return found


def lab_quiet(network: Network, check: Check) -> tuple[bool, str]:
    """A quiet check on the lab's data plane, without waiting: the port's rate now."""
    assert check.interface is not None and check.seconds is not None
    rate_in, rate_out = network.counters.get_pps(check.host, check.interface)
    seconds = check.seconds
    answer = QuietAnswer(0, 0, round(rate_in * seconds), round(rate_out * seconds), seconds)
    ((_, held, seen),) = evaluate_checks([check], {}, {check: answer})
    return held, seen


def test_on_the_data_plane_a_line_is_quiet_once_shut() -> None:
    lines = find_lines(build())
    assert set(lines) == set(PLATFORMS)
    for host, interface in lines.values():
        network = Network(build())  # each line shut alone
        check = Check(host, "quiet", 1, interface=interface, seconds=10, rate=1.0)
        held, seen = lab_quiet(network, check)
        assert not held and float(seen.split()[0]) >= 20, seen  # a flow: 20 to 200 packets/s
        device = network.get_device(host)
        network.before_change(host)
        assert apply_lines(device, [f"interface {interface}", "shutdown"]) == []
        network.note_change()
        assert lab_quiet(network, check) == (True, "0.0 packets/s over 10 s")


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[District, str, str]]:
    with serve_district(*DISTRICT) as served:
        yield served


def lab_device(served: tuple[District, str, str], host: str) -> Device:
    district, username, password = served
    device = district.get_device(host)
    assert device is not None
    return Device(
        Target(host, "127.0.0.1", device.port, device.platform),
        load_platforms(None),
        Credentials(username, password),
        Budget(),
    )


@pytest.mark.parametrize("platform", PLATFORMS)
def test_over_ssh_a_line_carrying_a_flow_is_quiet_only_once_shut(
    served: tuple[District, str, str], platform: str
) -> None:
    host, interface = find_lines(served[0])[platform]
    device = lab_device(served, host)
    check = Check(host, "quiet", 2, interface=interface, seconds=1, rate=1.0)
    answer = device.quiet([check])[check]
    assert isinstance(answer, QuietAnswer) and not answer.wrapped, answer
    assert answer.elapsed >= 1.0 and answer.rate >= 20, answer  # the flow's 20-200 packets/s
    ((_, held, seen),) = evaluate_checks([check], {}, {check: answer})
    assert not held and seen.endswith(" s") and "packets/s over 1" in seen, seen
    assert device.configure([f"interface {interface}", "shutdown"], stop_at_refusal=True) == []
    try:
        ((_, held, seen),) = evaluate_checks([check], {}, device.quiet([check]))
        assert held and seen.startswith("0.0 packets/s over 1"), seen
    finally:  # the other platforms' lines carry their flows again
        undo = "no shutdown" if platform == "cisco_ios" else "undo shutdown"
        assert device.configure([f"interface {interface}", undo], stop_at_refusal=True) == []


def test_over_ssh_what_cannot_be_read_is_said_and_a_signal_stops_the_wait(
    served: tuple[District, str, str],
) -> None:
    host, interface = find_lines(served[0])["huawei"]
    device = lab_device(served, host)
    missing = Check(host, "quiet", 1, interface="GigabitEthernet9/9/9", seconds=1, rate=1.0)
    unsafe = Check(host, "quiet", 1, interface=f"{interface} ; reboot", seconds=1, rate=1.0)
    pre = Check(host, "quiet", 0, interface=interface, seconds=1, rate=1.0)
    answers = device.quiet([missing, unsafe, pre])
    assert str(answers[missing]).startswith("no packet counters in the answer: Error:"), answers
    assert str(answers[unsafe]).startswith("not typed: interface"), answers
    assert isinstance(answers[pre], QuietAnswer), answers  # a pre-check is read like any
    watched = Check(host, "quiet", 1, interface=interface, seconds=5, rate=1.0)
    with pytest.raises(Stopped):
        device.quiet([watched], Stop(signum=2))


def test_a_step_watches_lines_on_its_own_router_and_on_another_one(
    served: tuple[District, str, str],
) -> None:
    """Through the step-by-step push's traffic dispatch (stepwise.prove): quiet pre- and
    post-checks on the router pushed and on another one, read-only; the truth's zombie line
    (down, no business) is quiet, a line carrying a flow is not; a router done on site is
    never logged in to; a signal stops the wait on the other router too."""
    district = served[0]
    busy_host, busy = find_lines(district)["huawei"]
    (zombie,) = [ln for ln in district.truth.lines if ln.zombie and ln.on_device]
    assert zombie.host is not None and zombie.interface is not None
    assert zombie.host != busy_host
    here = lab_device(served, busy_host)
    checks = [
        Check(busy_host, "quiet", 0, interface=busy, seconds=1, rate=1.0),
        Check(zombie.host, "quiet", 0, interface=zombie.interface, seconds=1, rate=1.0),
        Check(zombie.host, "quiet", 2, interface=zombie.interface, seconds=1, rate=1.0),
    ]
    said: list[str] = []
    judged = prove(
        checks, here, HostFacts(), lambda host: lab_device(served, host), say=said.append
    )
    assert [c for c, _held, _seen in judged] == checks
    (busy_held, busy_seen), *elsewhere = [(held, seen) for _c, held, seen in judged]
    assert not busy_held and float(busy_seen.split()[0]) >= 20, busy_seen
    assert all(held and seen.startswith("0.0 packets/s") for held, seen in elsewhere), elsewhere
    assert any(f"from {zombie.host} (watching 2 interface(s)" in line for line in said), said
    judged = prove(checks[1:2], here, HostFacts(), lambda h: lab_device(served, h), [zombie.host])
    assert [(held, seen.split(":")[0]) for _c, held, seen in judged] == [
        (False, f"{zombie.host} is never logged in to over the network")
    ]
    with pytest.raises(Stopped):
        prove(checks[1:2], here, HostFacts(), lambda h: lab_device(served, h), stop=Stop(signum=2))
