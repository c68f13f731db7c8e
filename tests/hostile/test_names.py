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


def test_a_village_name_with_a_bidi_or_control_character_is_skipped_and_named(
    example_project: Path,
) -> None:
    """A villages.csv row whose name holds U+202E or a control character: that row is skipped
    and named by line and code point, the clean rows imported."""
    villages = example_project / "villages.csv"
    villages.write_text(
        "code,name\n"
        "500107001001,正常社区居民委员会\n"
        "500107001002,假\u202e会员委民居区社\n"
        "500107001003,坏\x1b[2J村\n",
        encoding="utf-8",
    )
    done = run_govnet(example_project, dict(os.environ), "divisions", "import", str(villages))
    assert done.returncode == 0, done.stderr
    assert "imported 1 villages/communities" in done.stdout, done.stdout
    assert "villages.csv:3: column 'name'" in done.stdout and "U+202E" in done.stdout
    assert "villages.csv:4: column 'name'" in done.stdout and "U+001B" in done.stdout
