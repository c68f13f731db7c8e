"""The lab's vendors: one module each, found by this registry.

A vendor is one module in this folder (``huawei.py``, ``comware.py``, ``ios.py``) defining
``VENDOR``, a :class:`Vendor` that holds everything vendor-specific the lab has: its
``display``/``show`` commands and their output, its configuration mode (command table,
views and prompts, error texts), its shell (banner, prompts, paging, the commands about
the session), the hardware the generator gives its routers, and what the oracle's facts
take from its output. The engines (render, configure, session, generate, facts) look a
vendor up here by platform name, the netmiko device type the inventory uses ("huawei",
"hp_comware", "cisco_ios"), and never test for a particular one.

**Adding a vendor is adding one module here** that defines ``VENDOR`` (a package works
too, should one grow too big for a file); nothing else changes. Modules whose name starts
with ``_`` are parts shared by several vendors (``_vrp``: Huawei VRP and H3C Comware), not
vendors. The registry imports the modules on first use, so the engines they plug into can
import it without a circle.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from govnet_lab.shell import Mode

if TYPE_CHECKING:
    from govnet_lab.configure.syntax import ConfigSyntax
    from govnet_lab.dataplane.probe import Probes
    from govnet_lab.model import Device, NatRule, RouteEntry
    from govnet_lab.render.common import Command, Syntax
    from govnet_lab.session import Session
    from govnet_lab.shell import Chunk

__all__ = ["UnknownPlatform", "Vendor", "get_platforms", "get_vendor", "get_vendors"]

Models = tuple[tuple[str, tuple[str, ...]], ...]  # (model, its OS versions), as drawn


def _never_legacy(used: set[str]) -> bool:
    return False


def _as_configured(device: Device, rule: NatRule) -> tuple[str | None, str | None]:
    return rule.pool, rule.interface


@dataclass(frozen=True)
class Vendor:
    """Everything the lab knows about one vendor's routers."""

    platform: str  # the netmiko device type the inventory names it by
    order: int  # its place in listings and in the generator's draws; a new vendor takes the next
    name: str  # the vendor as the normalised facts write it (huawei, h3c, cisco)

    # user/exec-mode commands and what they print (govnet_lab.render)
    commands: Sequence[Command]
    show_syntax: Syntax
    running_config: str  # the command that prints the running configuration

    # the shell (govnet_lab.session)
    banner: str  # printed between login and the first prompt
    prompt: Callable[[str, Mode], str]  # the prompt of a sysname in an exec mode
    more: tuple[str, str]  # the More prompt of a paged output, and what erases it
    saved: str  # what saving the configuration prints
    # Commands about the session itself (leave, enable, enter configuration mode, paging):
    # the chunks to send, or None when the line is a command for the renderer.
    session_command: Callable[[Session, list[str]], list[Chunk] | None]

    # configuration mode (govnet_lab.configure)
    config: ConfigSyntax

    # the hardware the generator gives its routers (govnet_lab.generate)
    models: Models
    make_serial: Callable[[random.Random], str]  # a serial number drawn from the router's rng
    port_names: Callable[[bool], Iterator[str]]  # physical ports in order (legacy or not)
    mac_prefix: str  # the vendor's OUI, as xxxx-xx
    loopback: str  # the router-ID loopback's name
    first_acl: int  # the number of a router's first ACL
    factory_sysname: str  # the sysname of a router fresh from the factory

    after_config: Mode = Mode.USER  # the exec mode configuration mode returns to
    bad_secret: str = ""  # what a wrong enable secret prints (where there is an enable mode)
    paging_stops_on_any_key: bool = False  # at a More prompt (else only q and Ctrl-C stop)
    # Older routers: the inventory's interface names tell (legacy_models and port names).
    is_legacy: Callable[[set[str]], bool] = _never_legacy
    legacy_models: Models = ()
    pooled_county_exit: bool = True  # the county's internet exit NATs to an address pool

    # what the oracle's facts take from this vendor's output (govnet_lab.facts)
    neighbour_protocol: str = "lldp"  # the neighbour discovery protocol it shows
    ospf_peer_is_router_id: bool = False  # its OSPF peer list shows router IDs, not addresses
    arp_shows_own: bool = True  # its ARP table lists its own addresses (Comware's does not)
    arp_shows_vpn: bool = True  # its ARP table says each entry's VPN instance / VRF
    # A table route's preference as its routing table prints it; None: the model's own value
    # (VRP's and Comware's defaults). IOS prints its administrative distance, and none at all
    # on a connected line.
    shown_preference: Callable[[RouteEntry, Device], int | None] | None = None
    # How its NAT listing shows a rule: (pool, interface).
    nat_as_shown: Callable[[Device, NatRule], tuple[str | None, str | None]] = _as_configured

    # how it types and prints ping and traceroute (govnet_lab.dataplane answers them)
    probes: Probes | None = None


class UnknownPlatform(KeyError):
    """No vendor module serves this platform."""


@functools.cache
def _load() -> dict[str, Vendor]:
    """Every vendor module's VENDOR, by platform, in the vendors' order."""
    found: list[Vendor] = []
    for module in pkgutil.iter_modules(__path__):
        if not module.name.startswith("_"):
            found.append(importlib.import_module(f"{__name__}.{module.name}").VENDOR)
    found.sort(key=lambda v: (v.order, v.platform))
    return {v.platform: v for v in found}


def get_vendor(platform: str) -> Vendor:
    """The vendor serving a platform (the netmiko device type); UnknownPlatform if none."""
    try:
        return _load()[platform]
    except KeyError:
        raise UnknownPlatform(platform) from None


def get_vendors() -> tuple[Vendor, ...]:
    """Every vendor, in order."""
    return tuple(_load().values())


def get_platforms() -> tuple[str, ...]:
    """The platforms the lab serves, in the vendors' order."""
    return tuple(_load())
