"""Faults for a district: which routers misbehave how, from a --faults spec and the seed."""

from __future__ import annotations

import random
import re

from govnet_lab.district import District
from govnet_lab.model import Device, Fault, link_end, link_host
from govnet_lab.vendors import get_vendor


class FaultSpecError(ValueError):
    """A --faults value that cannot be read; the message says which part and why."""


def parse_fault_spec(spec: str, hostnames: list[str], seed: int) -> dict[str, set[Fault]]:
    """Hosts per fault from e.g. ``bad_password=1,slow=0.05,gbk=r1+r2``, chosen from the seed.

    Each value is a count, a share (0 < x < 1, at least one host) or hostnames joined with
    '+'. Hosts are drawn in a fixed order from those without a fault yet, so faults spread.
    """
    chosen: dict[str, set[Fault]] = {}
    names = sorted(hostnames)
    known = set(names)
    valid = ", ".join(f.value for f in Fault)
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        key, sep, value = part.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not value:
            raise FaultSpecError(f"{part!r}: expected FAULT=COUNT, FAULT=SHARE or FAULT=HOST+HOST")
        try:
            fault = Fault(key)
        except ValueError:
            raise FaultSpecError(f"{key!r} is not a fault (one of: {valid})") from None
        picked: list[str]
        if re.fullmatch(r"\d+", value):
            count = int(value)
            if count > len(names):
                raise FaultSpecError(f"{part!r}: only {len(names)} devices")
            picked = _pick_hosts(names, chosen, count, f"{seed}:fault:{fault.value}")
        elif re.fullmatch(r"\d*\.\d+", value):
            share = float(value)
            if not 0 < share < 1:
                raise FaultSpecError(f"{part!r}: a share must be between 0 and 1")
            count = max(1, round(share * len(names)))
            picked = _pick_hosts(names, chosen, count, f"{seed}:fault:{fault.value}")
        else:
            picked = [h.strip() for h in value.split("+")]
            unknown = [h for h in picked if h not in known]
            if unknown:
                raise FaultSpecError(f"{part!r}: no such device: {', '.join(unknown)}")
        for host in picked:
            chosen.setdefault(host, set()).add(fault)
    return chosen


def _pick_hosts(
    names: list[str], chosen: dict[str, set[Fault]], count: int, salt: str
) -> list[str]:
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
