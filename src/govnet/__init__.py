"""govnet: survey, classify, plan and report the consolidation of e-government networks."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("govnet")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"
