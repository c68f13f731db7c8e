"""Per-department cutover plans: ordered steps with vendor configs, rollback and checks.

A plan is made from one classification and the survey snapshot it was computed from: the
unit's networks and lines with their targets say *what* moves; the facts (interfaces,
addresses, VPN instances, routes, NAT) and the running configurations say *how*. Each step
is one device and one migration approach (``playbooks/templates/<platform>/<approach>.j2``
and its ``.rollback.j2``), with the checks that prove it worked. The templates print only
values checked by :mod:`govnet.plan.configsafe`: the engine refuses anything else.

Approaches: ``dedicated_vpn`` (carry a business network as a dedicated-zone VPN: PE and CE
side), ``public_zone`` (reach a local network's prefixes through the public zone),
``internet_zone`` (default route toward the extranet), ``close_exit`` (NAT outbound and the
ISP routes off, port shut) and ``decommission_line`` (shut a line's port).
"""

from govnet.plan.checks import evaluate_checks, get_plan_digest
from govnet.plan.document import (
    RUNBOOKS,
    get_host_parts,
    get_plan_dir,
    plan_to_markdown,
    write_plan,
)
from govnet.plan.planner import get_unsurveyed_hosts, make_plan
from govnet.plan.steps import PlanInput
from govnet.plan.templates import (
    APPROACHES,
    TEMPLATES,
    PlanError,
    get_template_env,
    render_approach,
)

__all__ = [
    "APPROACHES",
    "RUNBOOKS",
    "TEMPLATES",
    "PlanError",
    "PlanInput",
    "evaluate_checks",
    "get_host_parts",
    "get_plan_digest",
    "get_plan_dir",
    "get_template_env",
    "get_unsurveyed_hosts",
    "make_plan",
    "plan_to_markdown",
    "render_approach",
    "write_plan",
]
