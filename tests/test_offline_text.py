"""Saved text as engineers keep it, ingested with ``govnet survey --offline DIR``: a whole
terminal session of two devices in one ``.log`` (split at its prompts), files that do not say
their platform (told by their text), and a file nothing can tell (a one-line reason, the run
goes on).

The outputs are real device text (``tests/offline_text/SOURCES.yaml``); the prompts, typed
commands, line ends and pager leftovers between them are the session's framing.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from govnet.app.project import init_project
from govnet.model.facts import HostFacts
from govnet.platforms import load_platforms
from govnet.store import open_store
from govnet.survey.saved_text import (
    clean_terminal_text,
    detect_platform,
    get_prompt_patterns,
    split_session_log,
)
from govnet_cli import run_govnet

TEXT = Path(__file__).resolve().parent / "offline_text"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
VRP_PAGER = "  ---- More ----\x1b[42D" + " " * 42 + "\x1b[42D"
IOS_PAGER = " --More-- " + "\b" * 10 + " " * 10 + "\b" * 10

# host prompt, [(typed, full command, file)]: ten commands, two devices
HUAWEI = "ne40e-pe1"
IOS = "stud-adsl"
SESSION: list[tuple[str, list[tuple[str, str, str]]]] = [
    (
        f"<{HUAWEI}>",
        [
            ("display version", "display version", "huawei_display_version.txt"),
            (
                "dis interface brief",
                "display interface brief",
                "huawei_display_interface_brief.txt",
            ),
            (
                "display ip vpn-instance",
                "display ip vpn-instance",
                "huawei_display_ip_vpn-instance.txt",
            ),
            ("display bgp peer", "display bgp peer", "huawei_display_bgp_peer.txt"),
            ("display lldp neighbor", "display lldp neighbor", "huawei_display_lldp_neighbor.txt"),
        ],
    ),
    (
        f"{IOS}#",
        [
            ("show version", "show version", "ios_show_version.txt"),
            ("sh ip int b", "show ip interface brief", "ios_show_ip_interface_brief.txt"),
            ("show ip route", "show ip route", "ios_show_ip_route.txt"),
            ("show ip bgp summary", "show ip bgp summary", "ios_show_ip_bgp_summary.txt"),
            ("show cdp neighbors", "show cdp neighbors", "ios_show_cdp_neighbors.txt"),
        ],
    ),
]


def read(name: str) -> str:
    return (TEXT / name).read_text(encoding="utf-8")


def with_pager(text: str, pager: str, after: int) -> str:
    """The output as a terminal logged it with paging on: the pager's prompt and what erased
    it before line ``after`` + 1."""
    lines = text.split("\n")
    return "\n".join([*lines[:after], pager + lines[after], *lines[after + 1 :]])


def session_log() -> str:
    """A PuTTY-style log: banner, CRLF line ends, a pager left in one output per device."""
    parts = ["=~=~=~=~=~=~=~=~=~=~=~= PuTTY log 2024.03.05 10:12:41 =~=~=~=~=~=~=~=~=~=~=~=\n"]
    for prompt, commands in SESSION:
        for index, (typed, _, name) in enumerate(commands):
            text = read(name)
            if index == 1:
                text = with_pager(text, VRP_PAGER if prompt.startswith("<") else IOS_PAGER, 5)
            parts.append(f"{prompt}{typed}\n{text.rstrip(chr(10))}\n")
        parts.append(f"{prompt}quit\n")
    return "".join(parts).replace("\n", "\r\n")


def project(root: Path) -> Path:
    init_project(root)
    return root


def survey_offline(root: Path, saved: Path) -> tuple[int, dict[str, Any]]:
    env = {"PATH": os.environ["PATH"], "HOME": str(root)}
    done = run_govnet(root, env, "survey", "--offline", str(saved), "--json")
    assert done.stdout, done.stderr
    return done.returncode, json.loads(done.stdout)


def stored(root: Path, run: int) -> tuple[dict[str, dict[str, Any]], dict[str, HostFacts | None]]:
    store = open_store(f"sqlite:///{root}/.govnet/govnet.db")
    try:
        results = {h["hostname"]: h for h in store.get_host_results(run)}
        facts = {name: store.get_host_facts(run, name) for name in results}
    finally:
        store.dispose()
    return results, facts


def test_the_splitter_finds_ten_commands_of_two_devices() -> None:
    text, _ = clean_terminal_text(session_log())
    log = split_session_log(text, get_prompt_patterns(load_platforms()))
    assert log.hosts == [HUAWEI, IOS]
    typed = [(c.host, c.command) for c in log.commands]
    expected = [(HUAWEI if p.startswith("<") else IOS, t) for p, cs in SESSION for t, _, _ in cs]
    quits = [(HUAWEI, "quit"), (IOS, "quit")]
    assert typed == expected[:5] + quits[:1] + expected[5:] + quits[1:]
    outputs = {(c.host, c.command): c.output for c in log.commands}
    for prompt, commands in SESSION:
        host = HUAWEI if prompt.startswith("<") else IOS
        for typed_command, _, name in commands:  # every output back as published
            assert outputs[(host, typed_command)] == read(name).rstrip("\n") + "\n", name
    assert log.shapes == {HUAWEI: {"huawei", "hp_comware"}, IOS: {"cisco_ios"}}


def test_a_session_log_of_two_devices_is_two_saved_hosts(tmp_path: Path) -> None:
    """Both hosts, each with the facts its outputs give read one by one, platform told by
    the prompt's shape and the text, the Huawei one named by its prompt (no sysname)."""
    root = project(tmp_path / "project")
    saved = tmp_path / "saved"
    saved.mkdir()
    (saved / "putty-2024-03-05.log").write_bytes(session_log().encode("utf-8"))
    _, summary = survey_offline(root, saved)
    assert sorted(summary["unknown"]) == [HUAWEI, IOS]
    results, facts = stored(root, summary["run"])
    assert sorted(results) == [HUAWEI, IOS]
    platforms = load_platforms()
    for (_, commands), host, platform in zip(
        SESSION, [HUAWEI, IOS], ["huawei", "cisco_ios"], strict=True
    ):
        result = results[host]
        assert result["platform"] == platform
        assert f"platform {platform} told by the text of putty-2024-03-05.log" in result["message"]
        one_by_one, _ = platforms.parse(platform, {full: read(f) for _, full, f in commands})
        got = facts[host]
        assert got is not None
        assert got.interfaces == one_by_one.interfaces and got.interfaces
        assert got.neighbours == one_by_one.neighbours and got.neighbours
        assert got.routes == one_by_one.routes
        assert got.vpn_instances == one_by_one.vpn_instances
    huawei, ios = facts[HUAWEI], facts[IOS]
    assert huawei is not None and ios is not None
    assert huawei.device.hostname == HUAWEI  # no sysname in its outputs: the prompt's name
    assert ios.device.hostname == "stud-adsl"  # show version states it
    assert "Eth-Trunk4.10" in {i.name for i in huawei.interfaces}  # after VRP's pager
    assert {n.peer for n in huawei.neighbours} >= {"192.168.1.11", "192.168.1.14"}
    assert "tsa-2960-sw01" in {n.peer for n in huawei.neighbours}  # display lldp neighbor
    admin = {i.name: i.admin_up for i in ios.interfaces}
    assert admin["Ethernet0/2"] is False  # after IOS's pager, typed `sh ip int b`


def test_files_without_a_platform_are_told_by_their_text(tmp_path: Path) -> None:
    """A .cfg, a host folder without its platform file and a capture with its prompt are
    read as the platform their text says; a text nothing tells is failed with a one-line
    reason naming the file, and the run goes on."""
    root = project(tmp_path / "project")
    saved = tmp_path / "saved"
    (saved / "pe2").mkdir(parents=True)
    (saved / "core-sw1.cfg").write_bytes(
        (TEXT / "comware_display_current-configuration.txt").read_bytes()
    )
    (saved / "pe2" / "display_interface_brief.txt").write_bytes(
        (TEXT / "huawei_display_interface_brief.txt").read_bytes()
    )
    (saved / "capture.log").write_bytes(
        (TEXT / "comware_display_ip_routing-table.txt").read_bytes()
    )
    vague = "".join(read("huawei_display_ip_vpn-instance.txt").splitlines(keepends=True)[:3])
    (saved / "mystery.cfg").write_text(vague, encoding="utf-8")
    code, summary = survey_offline(root, saved)
    results, facts = stored(root, summary["run"])
    assert {h: r["platform"] for h, r in results.items()} == {
        "core-sw1": "hp_comware",
        "pe2": "huawei",
        "HS125X": "hp_comware",
        "mystery": None,
    }
    mystery = results["mystery"]
    assert mystery["status"] == "failed"
    assert mystery["error_category"] == "unsupported_platform"
    assert mystery["message"].startswith(
        "mystery.cfg: cannot tell the platform (its text says nothing that tells"
    )
    assert "\n" not in mystery["message"]
    assert code == 1  # a host failed; the others are in the run
    routes = facts["HS125X"]
    assert routes is not None and routes.routes  # `dis ip routing-table`, typed abbreviated
    assert routes.device.hostname == "HS125X"


@pytest.mark.parametrize(
    ("path", "platform"),
    [
        *[
            (TEXT / s["file"], s["file"].split("_")[0])
            for s in yaml.safe_load((TEXT / "SOURCES.yaml").read_text())
        ],
        # ntc-templates samples among the fixtures
        (FIXTURES / "huawei/display_interface_brief.txt", "huawei"),
        (FIXTURES / "huawei/display_ip_vpn-instance.txt", "huawei"),
        (FIXTURES / "hp_comware/display_bgp_peer_ipv4.txt", "hp_comware"),
        (FIXTURES / "hp_comware/display_interface_brief.txt", "hp_comware"),
        (FIXTURES / "cisco_ios/show_ip_ospf_neighbor.txt", "cisco_ios"),
        (FIXTURES / "cisco_ios/show_vrf.txt", "cisco_ios"),
    ],
    ids=lambda v: v.name if isinstance(v, Path) else v,
)
def test_detection_on_real_text(path: Path, platform: str) -> None:
    names = {"huawei": "huawei", "comware": "hp_comware", "ios": "cisco_ios"}
    expected = names.get(platform, platform)
    found, why = detect_platform(load_platforms(), path.read_text(encoding="utf-8"))
    assert found == expected, why


def test_a_host_in_two_logs_is_said_not_merged_silently(tmp_path: Path) -> None:
    root = project(tmp_path / "project")
    saved = tmp_path / "saved"
    saved.mkdir()
    for name, file in (("a.log", "ios_show_version.txt"), ("b.log", "ios_show_cdp_neighbors.txt")):
        command = "show version" if "version" in file else "show cdp neighbors"
        (saved / name).write_text(f"{IOS}#{command}\n{read(file)}{IOS}#\n", encoding="utf-8")
    _, summary = survey_offline(root, saved)
    results, facts = stored(root, summary["run"])
    assert list(results) == [IOS]
    assert "saved in a.log and b.log" in results[IOS]["message"]
    got = facts[IOS]
    assert got is not None and got.neighbours and got.device.os_version


def test_the_corpus_reads_a_session_log_sample_as_offline_ingestion_does() -> None:
    """``tests/real`` samples may be whole sessions (``session_log:``): one host, its
    platform told by the text when the manifest gives none."""
    from real.corpus import Sample, parse_sample

    sample = Sample("comware-capture", None, TEXT, {}, "comware_display_ip_routing-table.txt", ())
    facts = parse_sample(load_platforms(), sample)
    assert facts["device"]["hostname"] == "HS125X"
    routes = {(r["prefix"], tuple(r["next_hops"])) for r in facts["routes"]}
    assert ("10.211.0.0/16", ("10.6.12.86",)) in routes  # the capture's last line


def test_system_views_and_a_configuration_heading_are_not_hosts() -> None:
    """VRP's system-view prompts ([R1-GigabitEthernet0/0/1], VRP8 [~R1]) are R1's, and the
    `[V200R010C10SPC700]` heading a configuration is output, not a prompt (framing around
    the lab's rendering of a VRP5 configuration)."""
    config = (FIXTURES / "huawei/display_current-configuration.txt").read_text(encoding="utf-8")
    assert config.startswith("[V200R010C10SPC700]\n")
    text = (
        f"<R1>display current-configuration\n{config}<R1>system-view\n"
        "Enter system view, return user view with Ctrl+Z.\n"
        "[R1]interface GigabitEthernet0/0/1\n"
        f"[R1-GigabitEthernet0/0/1]display this\n{config}"
        "[R1-GigabitEthernet0/0/1]return\n<R1>\n"
        "[~R1]display current-configuration\n[~R1]\n"
    )
    log = split_session_log(text, get_prompt_patterns(load_platforms()))
    assert log.hosts == ["R1"]
    assert [c.command for c in log.commands] == [
        "display current-configuration",
        "system-view",
        "interface GigabitEthernet0/0/1",
        "display this",
        "return",
        "display current-configuration",
    ]
    assert log.commands[0].output == config
    assert log.shapes == {"R1": {"huawei"}}  # [~R1] is VRP8's alone


def test_a_prompt_that_is_no_host_name_is_refused(tmp_path: Path) -> None:
    from govnet.survey.offline import OfflineError, read_saved_hosts

    saved = tmp_path / "saved"
    saved.mkdir()
    version = read("huawei_display_version.txt")
    (saved / "s.log").write_text(
        f"<政务外网R1>display version\n{version}<政务外网R1>quit\n", encoding="utf-8"
    )
    with pytest.raises(OfflineError, match=r"^.*s\.log: prompt 政务外网R1: host name is not"):
        read_saved_hosts(saved, load_platforms())


def test_detection_on_the_real_corpus_is_never_wrong() -> None:
    """Every sample of ``tests/real`` is told as its own platform or not at all (a table
    with nothing only one vendor prints), never as another's; most are told."""
    from real.corpus import load_samples

    platforms = load_platforms()
    told = 0
    samples = [s for s in load_samples() if s.platform is not None]
    for sample in samples:
        files = [*sample.outputs.values(), *([sample.session_log] if sample.session_log else [])]
        found, why = detect_platform(platforms, "\n".join(sample.read(f) for f in files))
        assert found in (sample.platform, None), f"{sample.name}: {found} ({why})"
        told += found is not None
    assert told >= 0.8 * len(samples), f"{told} of {len(samples)} told"
