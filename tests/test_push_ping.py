"""Checks that test traffic: the ping each platform types (its syntax is data in
collectors/<platform>/platform.yaml), what its answer says, read from real outputs
(tests/fixtures/probes/<platform>/SOURCES.yaml), and how a ping check is judged."""

from __future__ import annotations

from pathlib import Path

import pytest

from govnet.model.facts import HostFacts
from govnet.model.plans import Check, PingAnswer
from govnet.plan import evaluate_checks
from govnet.plan.configsafe import UnsafeValue
from govnet.platforms import load_platforms
from govnet.platforms.specs import PingSpec
from govnet.push.ping import get_ping_command, get_ping_timeout, read_ping

PROBES = Path(__file__).parent / "fixtures" / "probes"
CHECK = Check(
    "ce1", "ping", 3, vpn="zw-yibao", source="10.255.0.2", destination="10.255.0.1", count=5
)


def ping_spec(platform: str) -> PingSpec:
    push = load_platforms(None).get_push(platform)
    assert push is not None and push.ping is not None
    return push.ping


@pytest.mark.parametrize(
    ("platform", "file", "sent", "received"),
    [
        ("huawei", "ping_8_8_8_8.raw", 5, 5),
        ("hp_comware", "ping_vpn_instance_doc.raw", 5, 5),
        ("cisco_ios", "cisco_ios_ping_source.raw", 4, 4),
        ("cisco_ios", "cisco_ios_ping_200.raw", 200, 200),
        ("cisco_ios", "cisco_ios_ping_unreachable.raw", 5, 0),
        ("cisco_ios", "ping_fail_8_8_8_8.raw", 5, 0),
    ],
)
def test_each_platform_reads_what_its_ping_printed(
    platform: str, file: str, sent: int, received: int
) -> None:
    text = (PROBES / platform / file).read_text(encoding="utf-8")
    assert read_ping(ping_spec(platform), text) == PingAnswer(sent, received)


@pytest.mark.parametrize("platform", ["huawei", "hp_comware", "cisco_ios"])
def test_an_answer_without_statistics_is_not_read(platform: str) -> None:
    errors = [
        "Error: Unrecognized command found at '^' position.",
        " % Wrong parameter found at '^' position.",
        "% Invalid input detected at '^' marker.",
        "",
    ]
    assert [read_ping(ping_spec(platform), e) for e in errors] == [None] * 4


@pytest.mark.parametrize(
    ("platform", "command"),
    [
        ("huawei", "ping -vpn-instance zw-yibao -a 10.255.0.2 -c 5 10.255.0.1"),
        ("hp_comware", "ping -vpn-instance zw-yibao -a 10.255.0.2 -c 5 10.255.0.1"),
        ("cisco_ios", "ping vrf zw-yibao 10.255.0.1 source 10.255.0.2 repeat 5"),
    ],
)
def test_each_platform_types_its_own_ping(platform: str, command: str) -> None:
    spec = ping_spec(platform)
    assert get_ping_command(spec, CHECK) == command
    global_table = Check("r1", "ping", 1, source="10.0.0.1", destination="10.0.0.2", count=3)
    assert "vpn" not in get_ping_command(spec, global_table).replace("-vpn", "vpn")
    assert get_ping_timeout(spec, CHECK) >= 5 * 2  # every echo may wait its 2 s


@pytest.mark.parametrize(
    "bad",
    [
        {"vpn": "zw-yibao\nreturn"},
        {"vpn": "zw yibao"},
        {"vpn": "?"},
        {"source": "10.255.0.2 -c 100000"},
        {"destination": "10.255.0.1\nundo ip vpn-instance zw-yibao"},
        {"destination": "host.example"},
        {"count": 100000},
    ],
)
def test_nothing_unchecked_reaches_the_command(bad: dict[str, object]) -> None:
    check = Check(**{**CHECK.__dict__, **bad})
    with pytest.raises(UnsafeValue):
        get_ping_command(ping_spec("huawei"), check)


def test_a_ping_check_holds_on_one_reply_and_never_without_an_answer() -> None:
    facts = {"ce1": HostFacts()}
    closed = Check(**{**CHECK.__dict__, "present": False})
    cases: list[tuple[Check, PingAnswer | str, bool, str]] = [
        (CHECK, PingAnswer(5, 5), True, "sent 5, received 5"),
        (CHECK, PingAnswer(5, 1), True, "sent 5, received 1"),
        (CHECK, PingAnswer(5, 0), False, "sent 5, received 0"),
        (CHECK, "answer not understood: % Invalid input", False, "answer not understood"),
        (closed, PingAnswer(5, 0), True, "sent 5, received 0"),
        (closed, PingAnswer(5, 2), False, "sent 5, received 2"),
        (closed, "session lost", False, "session lost"),
    ]
    for check, answer, held, seen in cases:
        ((judged, ok, said),) = evaluate_checks([check], facts, {check: answer})
        assert (judged, ok) == (check, held) and said.startswith(seen), (check, answer)
    ((_, ok, said),) = evaluate_checks([CHECK], facts)  # never pinged: never held
    assert not ok and said == "not pinged"


def test_the_check_reads_as_an_engineer_says_it() -> None:
    assert CHECK.text == (
        "ce1: 在VPN zw-yibao 内以 10.255.0.2 为源地址 ping 10.255.0.1（5 个报文），"
        "至少收到 1 个回应 replies"
    )
    assert Check(**CHECK.to_dict()) == CHECK  # stored with the plan, read back by push
