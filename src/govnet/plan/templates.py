"""The plan's configuration templates: ``playbooks/templates/<platform>/<approach>.j2`` and
its ``.rollback.j2``, a project's own copy first. A template may print only values checked by
:mod:`govnet.plan.configsafe` (or numbers and addresses): anything else is refused, so text
from an inventory or a device never reaches a configuration unchecked."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from ipaddress import IPv4Address, IPv4Network
from pathlib import Path
from typing import Any

import jinja2

from govnet.model.problems import UsageError
from govnet.plan.configsafe import Safe, UnsafeValue, is_safe, to_address, to_interface, to_name
from govnet.platforms import StaticRoute

APPROACHES = (
    "dedicated_vpn",
    "business_gateway",
    "rebind_business",
    "retire_gateway",
    "public_zone",
    "internet_zone",
    "close_exit",
    "decommission_line",
)
TEMPLATES = Path("playbooks/templates")


class PlanError(UsageError):
    """A plan that cannot be made (unknown unit, no classification, no migration policy)."""


def _checked(value: Any) -> Any:
    if value is None or is_safe(value):
        return "" if value is None else value
    raise UnsafeValue("template value", value, "not checked by govnet.plan.configsafe")


def get_template_env(folders: Sequence[Path]) -> jinja2.Environment:
    """Jinja2 over the template folders in order (the project's, then the bundled ones);
    unchecked values refused."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(p) for p in folders]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
        finalize=_checked,
    )


def render_approach(
    env: jinja2.Environment,
    platform: str,
    approach: str,
    context: Mapping[str, Any],
    *,
    rollback: bool = False,
) -> list[str]:
    """One approach's change (or rollback) for one device, as hierarchical config lines."""
    name = f"{platform}/{approach}{'.rollback' if rollback else ''}.j2"
    try:
        template = env.get_template(name)
    except jinja2.TemplateNotFound:
        raise PlanError(f"no template {TEMPLATES / name}") from None
    text = template.render(**context)
    return [line.rstrip() for line in text.splitlines() if line.strip()]


def merge_sections(lines: Sequence[str], *, last: bool = False) -> list[str]:
    """Hierarchical lines with a section entered twice written as one, where it is first
    entered (``last``: where it is last entered, its earlier lines moved there): a step made
    of two templates' lines (the shared VPNv4 session and the VPN's own) is one
    configuration, which hier_config (drift, the dry run's diff) reads only so. The session
    joins ``bgp`` where the VPN's lines enter it, after the VPN instance exists; its undo
    joins the VPN's undo there, before the VPN instance goes."""
    root: dict[str, Any] = {}
    stack: list[tuple[int, dict[str, Any]]] = [(-1, root)]
    for line in lines:
        depth = len(line) - len(line.lstrip())
        while depth <= stack[-1][0]:
            stack.pop()
        parent = stack[-1][1]
        children = parent.pop(line, {}) if last else parent.setdefault(line, {})
        parent[line] = children
        stack.append((depth, children))

    def emit(tree: dict[str, Any]) -> list[str]:
        return [out for line, sub in tree.items() for out in (line, *emit(sub))]

    return emit(root)


def mask(prefixlen: int) -> Safe:
    return to_address(IPv4Network(f"0.0.0.0/{prefixlen}").netmask)


def route_context(prefix: IPv4Network, next_hop: IPv4Address) -> dict[str, Any]:
    """A static route as the templates take it."""
    return {
        "prefix": to_address(prefix.network_address),
        "mask": mask(prefix.prefixlen),
        "prefixlen": prefix.prefixlen,
        "next_hop": to_address(next_hop),
    }


def static_context(route: StaticRoute) -> dict[str, Any]:
    """A static route of the running configuration as the templates take it (checked)."""
    return {
        "vpn": to_name(route.vpn, "VPN instance") if route.vpn else None,
        "prefix": to_address(route.prefix.network_address),
        "mask": mask(route.prefix.prefixlen),
        "prefixlen": route.prefix.prefixlen,
        "next_hop": to_address(route.next_hop) if route.next_hop else None,
        "interface": to_interface(route.interface) if route.interface else None,
        "preference": route.preference,
    }
