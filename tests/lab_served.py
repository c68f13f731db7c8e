"""A lab served over SSH for one module's tests: its district as saved, and the login."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from govnet_lab.control import get_free_port_run, get_lab_paths, start_lab, stop_lab
from govnet_lab.district import District, load_district
from govnet_lab.server import read_credentials


@contextmanager
def serve_district(
    county: str, seed: int, routers: int, faults: str | None = None
) -> Iterator[tuple[District, str, str]]:
    """Start a synthesized lab, yield (district, username, password), stop it whatever
    happens."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "county"
        start_lab(
            root,
            county=county,
            seed=seed,
            devices=routers,
            faults=faults,
            first_port=get_free_port_run(routers),
            timeout=60,
        )
        try:
            paths = get_lab_paths(root)
            username, password = read_credentials(paths.credentials)
            yield load_district(paths.district), username, password
        finally:
            stop_lab(root)
