"""Generate a district for the lab: inventory files, every router's state, ground truth, faults.

Two stages. ``synthesize_inventory`` invents a plausible inventory for any real county (its
NBS towns, departments, routers, ledger), and ``build_district`` turns any validated
inventory, invented or a user's, into routers whose state agrees with the ledger except
where it deliberately does not. Every choice comes from ``random.Random`` seeded with text
built from the seed, so the same inputs give byte-identical files.

Modules, in the order a district is made: ``inventory`` (stage one, and the project's
files; ``policy`` its policy, with the probes of the systems built), ``networks`` (blocks, AS
numbers, kinds of network, descriptions), then the builder in four steps, each a class on the
one before: ``devices`` (routers, links), ``plans`` (which line is what), ``lines`` (each
line built), ``truth`` (the district and its ground truth); ``faults`` last.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import yaml

from govnet.model.divisions import get_bundled_tree
from govnet.model.files import write_atomically
from govnet.model.inventory import NORNIR_CONFIG, Inventory
from govnet.model.inventory_files import get_inventory
from govnet.model.policy import POLICY_FILE
from govnet_lab.dataplane import settle_sessions
from govnet_lab.district import District, GroundTruth, load_district, save_district
from govnet_lab.generate.dataplane_faults import apply_dataplane_faults, parse_dataplane_faults
from govnet_lab.generate.devices import as_platform
from govnet_lab.generate.faults import FaultSpecError, apply_faults, parse_fault_spec
from govnet_lab.generate.inventory import (
    DEFAULT_COUNTY,
    DEFAULT_DEVICES,
    FIRST_PORT,
    LabMismatchError,
    check_county,
    get_county_code,
    serve_hosts_as,
    synthesize_inventory,
    write_project,
)
from govnet_lab.generate.policy import get_lab_policy_text
from govnet_lab.generate.truth import DistrictBuilder, truth_to_yaml
from govnet_lab.generate.vpnv4 import HANDOFFS, Handoff

__all__ = [
    "DISTRICT_FILE",
    "TRUTH_FILE",
    "District",
    "FaultSpecError",
    "GroundTruth",
    "LabMismatchError",
    "apply_faults",
    "as_platform",
    "build_district",
    "generate_lab",
    "load_district",
    "parse_fault_spec",
    "save_district",
    "synthesize_inventory",
]

DISTRICT_FILE = Path(".govnet/lab/district.json")
TRUTH_FILE = Path("lab/ground_truth.yaml")


def build_district(inventory: Inventory, seed: int, handoff: Handoff = "option_a") -> District:
    """Every router's state, consistent with the inventory except where truth records it;
    the dedicated zone handed to the city by Option A or VPNv4 (``handoff``)."""
    return DistrictBuilder(inventory, seed, handoff).build()


def generate_lab(
    project_root: Path,
    county: str | None,
    seed: int,
    devices: int | None,
    faults: str | None,
    first_port: int | None = None,
    handoff: Handoff = "option_a",
    platform: str | None = None,
) -> Path:
    """Build (or first synthesize) the district of a project; returns district.json's path.

    Every check (county, size, ports, fault spec, a data-plane fault naming a host it does
    not fit) runs before any file is written. ``platform`` serves a synthesized district's
    every router as that vendor (:func:`as_platform`: the same design, that vendor's
    syntax), its inventory saying so; a later build from that inventory makes each router
    that vendor's from the start (its ports named the vendor's way).
    """
    if handoff not in HANDOFFS:
        raise LabMismatchError(f"handoff {handoff!r}: choose one of {', '.join(HANDOFFS)}")
    tree = get_bundled_tree()
    if (project_root / NORNIR_CONFIG).exists():
        inventory = get_inventory(project_root, tree)
        actual = get_county_code(inventory)
        if county is not None and check_county(county, tree) != actual:
            raise LabMismatchError(
                f"the project's inventory is for county {actual[:6]}, not {county}"
            )
        if devices is not None and devices != len(inventory.hosts):
            raise LabMismatchError(
                f"the project's inventory has {len(inventory.hosts)} routers, not {devices}"
            )
        if first_port is not None:
            raise LabMismatchError("the project's inventory already sets every router's port")
        if platform is not None:
            raise LabMismatchError(
                "the project's inventory already sets every router's platform"
                " (--platform serves a district the lab synthesizes, in an empty folder)"
            )
        names = [h.name for h in inventory.hosts]
        texts = built = None
    else:
        code = county or DEFAULT_COUNTY
        texts = synthesize_inventory(
            code,
            seed,
            DEFAULT_DEVICES if devices is None else devices,  # 0 is a mistake, not "default"
            tree,
            FIRST_PORT if first_port is None else first_port,
        )
        names = list(yaml.safe_load(texts[1]))
        built = texts  # the mix of vendors the district is designed with
        if platform is not None:
            texts = (texts[0], serve_hosts_as(texts[1], platform), texts[2])
    chosen = parse_fault_spec(faults or "", names, seed)
    requests = parse_dataplane_faults(faults or "", names)
    if built is not None:  # read from a scratch copy: nothing is written before faults fit
        with tempfile.TemporaryDirectory() as scratch:
            write_project(Path(scratch), *built)
            inventory = get_inventory(Path(scratch), tree)
    district = build_district(inventory, seed, handoff)
    if platform is not None:
        district.devices = [as_platform(d, platform) for d in district.devices]
    apply_faults(district, chosen)
    apply_dataplane_faults(district, requests, seed)  # a host it does not fit: FaultSpecError
    settle_sessions(district)  # after the faults: a faulted line takes its sessions down
    if texts is not None:  # a project of its own: its policy names the lab's probes
        write_project(project_root, *texts)
        write_atomically(project_root / POLICY_FILE, get_lab_policy_text(district))
    path = project_root / DISTRICT_FILE
    save_district(district, path)
    write_atomically(project_root / TRUTH_FILE, truth_to_yaml(district))
    return path
