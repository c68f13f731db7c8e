"""Configuration mode for the lab routers: vendor syntax in, model changes out.

A cutover plan is only proven if the lab accepts the very lines a real router would (and
rejects the ones it would reject, with the same text), and if a later survey then sees the
change. So this package keeps ONE set of model operations (create a sub-interface, bind a VPN
instance and clear the address, set an address, add a route or peer...) and thin syntax
layers: per vendor, a table of command patterns -> shared handler, the prompts of each
view, and the vendor's texts for each error. A rejected line never changes the model:
handlers check everything before they change anything.

Floors, each importing only those below: ``patterns`` (the mini-language), ``syntax`` (what a
vendor's configuration mode is made of), ``operations`` (model changes), ``handlers``
(shared by all vendors), the vendors' tables, ``session`` (the engine).
"""

from __future__ import annotations

from govnet_lab.configure.session import (
    ConfigSession,
    ExecInConfig,
    apply_lines,
    get_config_command,
)

__all__ = ["ConfigSession", "ExecInConfig", "apply_lines", "get_config_command"]
