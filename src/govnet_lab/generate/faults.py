"""Faults for a district: which routers misbehave how, from a --faults spec and the seed."""

from __future__ import annotations

import random
import re
from collections.abc import Collection, Iterator

from govnet_lab.district import District
from govnet_lab.model import Device, Fault, link_end, link_host
from govnet_lab.vendors import get_vendor


class FaultSpecError(ValueError):
    """A --faults value that cannot be read; the message says which part and why."""


# Faults of the data plane, made in the district's links and upstream routes rather than in
# a device's sessions (govnet_lab.generate.dataplane_faults).
DATAPLANE_FAULTS = ("drop_vlan", "one_way", "blackhole", "no_return")


def parse_fault_spec(spec: str, hostnames: list[str], seed: int) -> dict[str, set[Fault]]:
    """Hosts per fault from e.g. ``bad_password=1,slow=0.05,gbk=r1+r2``, chosen from the seed.

    Each value is a count, a share (0 < x < 1, at least one host) or hostnames joined with
    '+'. Hosts are drawn in a fixed order from those without a fault yet, so faults spread.
    Faults of the data plane (DATAPLANE_FAULTS) are checked here but chosen once the district
    is built (generate.dataplane_faults): only hosts with a line they fit can be drawn.
    """
    chosen: dict[str, set[Fault]] = {}
    names = sorted(hostnames)
    for part, key, value in iter_fault_parts(spec):
        if key in DATAPLANE_FAULTS:
            read_fault_value(part, value, names)
            continue
        fault = Fault(key)
        amount = read_fault_value(part, value, names)
        if isinstance(amount, list):
            picked = amount
        else:
            count = amount if isinstance(amount, int) else max(1, round(amount * len(names)))
            picked = pick_hosts(names, chosen, count, f"{seed}:fault:{fault.value}")
        for host in picked:
            chosen.setdefault(host, set()).add(fault)
    return chosen


def iter_fault_parts(spec: str) -> Iterator[tuple[str, str, str]]:
    """(part, fault, value) for each comma-separated part of a spec naming a known fault."""
    valid = ", ".join([*(f.value for f in Fault), *DATAPLANE_FAULTS])
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        key, sep, value = part.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not value:
            raise FaultSpecError(f"{part!r}: expected FAULT=COUNT, FAULT=SHARE or FAULT=HOST+HOST")
        if key not in DATAPLANE_FAULTS and key not in {f.value for f in Fault}:
            raise FaultSpecError(f"{key!r} is not a fault (one of: {valid})")
        yield part, key, value


def read_fault_value(part: str, value: str, names: list[str]) -> int | float | list[str]:
    """A count (int, at most the hosts there are), a share (float) or the hosts named."""
    if re.fullmatch(r"\d+", value):
        count = int(value)
        if count > len(names):
            raise FaultSpecError(f"{part!r}: only {len(names)} devices")
        return count
    if re.fullmatch(r"\d*\.\d+", value):
        share = float(value)
        if not 0 < share < 1:
            raise FaultSpecError(f"{part!r}: a share must be between 0 and 1")
        return share
    picked = [h.strip() for h in value.split("+")]
    known = set(names)
    unknown = [h for h in picked if h not in known]
    if unknown:
        raise FaultSpecError(f"{part!r}: no such device: {', '.join(unknown)}")
    return picked


def pick_hosts(names: list[str], chosen: Collection[str], count: int, salt: str) -> list[str]:
    """``count`` of ``names`` in an order drawn from ``salt``, those not ``chosen`` first."""
    rng = random.Random(salt)
    fresh = [n for n in names if n not in chosen]
    used = [n for n in names if n in chosen]
    rng.shuffle(fresh)
    rng.shuffle(used)
    return (fresh + used)[:count]


def apply_faults(district: District, faults: dict[str, set[Fault]]) -> None:
    """Mark devices; an odd prompt is the vendor's factory sysname instead of the hostname."""
    for device in district.devices:
        device.faults = set(faults.get(device.hostname, set()))
        if Fault.ODD_PROMPT in device.faults:
            device.prompt_name = get_vendor(device.platform).factory_sysname
        if Fault.CLOSED_VLANS in device.faults:
            close_vlans(district, device)


def close_vlans(district: District, device: Device) -> None:
    """The carrier circuits of the device's lines pass only the VLANs their ends have now:
    a sub-interface added later comes up, as real ones do, but its VLAN never crosses."""
    for link in district.links:
        if link.circuit is None or device.hostname not in (link_host(link.a), link_host(link.b)):
            continue
        vlans = {
            iface.dot1q
            for end in (link.a, link.b)
            if (peer := district.get_device(link_host(end))) is not None
            for iface in peer.interfaces
            if iface.dot1q is not None and link_end(peer.hostname, iface.name) == end
        }
        link.allowed_vlans = sorted(vlans)
