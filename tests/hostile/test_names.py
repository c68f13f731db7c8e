"""Text that hides or reorders what a reader sees (bidi controls, zero-width characters) in a
unit's name or a ledger line: refused where it enters, before a workbook, page or CSV shows it
to an official in another order than the file holds it."""

from __future__ import annotations

import os
from pathlib import Path

from govnet_cli import run_govnet


def test_unit_and_line_text_with_bidi_or_zero_width_characters_is_refused(
    example_project: Path,
) -> None:
    """A unit named with U+202E (right-to-left override) and a ledger network with U+200B:
    `inventory check` fails naming each file, line, field and code point."""
    units = example_project / "inventory" / "units.yaml"
    text = units.read_text(encoding="utf-8")
    assert "name: 重庆市九龙坡区大数据应用发展管理局" in text
    units.write_text(
        text.replace(
            "name: 重庆市九龙坡区大数据应用发展管理局", "name: 重庆市九龙坡区\u202e局理管展发", 1
        ),
        encoding="utf-8",
    )
    lines = example_project / "inventory" / "lines.yaml"
    text = lines.read_text(encoding="utf-8")
    lines.write_text(text.replace("network: 电子政务外网", "network: 电子政务\u200b外网", 1))
    done = run_govnet(example_project, dict(os.environ), "inventory", "check")
    assert done.returncode != 0, done.stdout
    assert "Traceback" not in done.stderr
    errors = done.stderr.splitlines()
    assert any("units.yaml" in e and "name" in e and "U+202E" in e for e in errors), errors
    assert any("lines.yaml" in e and "network" in e and "U+200B" in e for e in errors), errors
    assert "\u202e" not in done.stderr and "\u200b" not in done.stderr  # shown as code points
