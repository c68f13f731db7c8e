"""The platform registry: a platform is files (collectors/<platform>/ and its templates).

A copy of a bundled platform under a new name, put in a project by files alone, is
surveyed (offline), classified and planned exactly as the original: no Python of govnet
knows any platform's name. Hooks (hooks.py) are the one place for Python, and a bad one
is reported like any other spec problem.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from govnet.app.project import init_project
from govnet.model.divisions import get_bundled_tree
from govnet.model.files import get_bundled_root
from govnet.model.inventory_files import get_inventory
from govnet.platforms import SpecError, load_platforms
from govnet.survey.collect import RawText
from govnet.survey.offline import write_saved_host
from govnet_cli import run_govnet
from govnet_lab.generate import build_district
from govnet_lab.render import UnknownCommand, render

NEW = "vrp_copy"  # the bundled Huawei platform, copied under a name govnet has never seen
SEED = 7


def saved_outputs(folder: Path) -> None:
    """What a survey of the example district would read, in the offline layout."""
    platforms = load_platforms()
    inventory = get_inventory(get_bundled_root(), get_bundled_tree())
    for device in build_district(inventory, SEED).devices:

        def answer(command: str, device: Any = device) -> str:
            try:
                return render(device, command)
            except UnknownCommand as exc:
                return str(exc)

        outputs = {c: answer(c) for c in platforms.get_commands(device.platform)}
        for command in platforms.get_followup_commands(device.platform, outputs):
            outputs[command] = answer(command)
        raw = {c: RawText(t, "utf-8") for c, t in outputs.items()}
        write_saved_host(folder, device.hostname, None, raw)


def project(root: Path, *, renamed: bool) -> Path:
    """The example district; ``renamed``: its Huawei routers are platform NEW, whose
    collectors and templates are the project's own copies of the bundled Huawei files."""
    init_project(root)
    if renamed:
        bundled = get_bundled_root()
        shutil.copytree(bundled / "collectors/huawei", root / "collectors" / NEW)
        shutil.copytree(bundled / "playbooks/templates/huawei", root / "playbooks/templates" / NEW)
        groups = root / "inventory/groups.yaml"
        text = groups.read_text(encoding="utf-8")
        assert "  platform: huawei\n" in text
        groups.write_text(text.replace("  platform: huawei\n", f"  platform: {NEW}\n"))
    return root


def govnet_json(root: Path, *args: str) -> Any:
    env = {"PATH": os.environ["PATH"], "HOME": str(root)}
    done = run_govnet(root, env, *args, "--json")
    assert done.returncode == 0, done.stderr + done.stdout
    return json.loads(done.stdout)


def without_platform(value: Any) -> Any:
    """The same data with the new platform's name read as the original's."""
    return json.loads(json.dumps(value, ensure_ascii=False).replace(NEW, "huawei"))


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    base = tmp_path_factory.mktemp("platforms")
    saved_outputs(base / "saved")
    out = {}
    for name, renamed in (("original", False), ("renamed", True)):
        root = project(base / name, renamed=renamed)
        survey = govnet_json(root, "survey", "--offline", str(base / "saved"))
        classified = govnet_json(root, "classify")
        plans = govnet_json(root, "plan", "--all", "--window", "2026-12-20 22:00-02:00")
        configs = {
            p.relative_to(root / "reports/plans").as_posix(): p.read_text(encoding="utf-8")
            for p in sorted((root / "reports/plans").rglob("*.cfg"))
        }
        show = govnet_json(root, "survey", "show", "jlp-dsj-core1")
        out[name] = {"survey": survey, "classify": classified, "plans": plans}
        out[name] |= {"configs": configs, "show": show, "root": root}
    return out


def test_a_new_platform_folder_is_surveyed_like_the_original(
    runs: dict[str, dict[str, Any]],
) -> None:
    original, renamed = runs["original"]["survey"], runs["renamed"]["survey"]
    assert renamed["by_status"] == original["by_status"] == {"ok": 30}
    assert renamed["failed"] == [] and renamed["unknown"] == []
    show = runs["renamed"]["show"]
    assert show["result"]["platform"] == NEW
    assert show["facts"] == runs["original"]["show"]["facts"]
    assert show["facts"]["interfaces"] and show["facts"]["routes"]


def test_a_new_platform_is_classified_and_planned_like_the_original(
    runs: dict[str, dict[str, Any]],
) -> None:
    original, renamed = runs["original"], runs["renamed"]
    for key in ("breaches", "networks", "lines", "units", "findings"):
        assert without_platform(renamed["classify"][key]) == original["classify"][key], key
    assert len(renamed["plans"]) == len(original["plans"]) > 0
    for mine, theirs in zip(renamed["plans"], original["plans"], strict=True):
        assert {k: v for k, v in mine.items() if k not in ("path", "plan")} == {
            k: v for k, v in theirs.items() if k not in ("path", "plan")
        }
    assert renamed["configs"] == original["configs"]
    typed = [
        text
        for name, text in renamed["configs"].items()
        if not name.endswith(".rollback.cfg") and text.startswith("ip vpn-instance")
    ]
    assert typed and all("\n quit\n" in c for c in typed)  # the copy's dialect: VRP's exit


def test_a_platform_without_a_dialect_is_surveyed_but_not_planned(tmp_path: Path) -> None:
    folder = tmp_path / "collectors" / "read_only"
    folder.mkdir(parents=True)
    (folder / "platform.yaml").write_text("extends: huawei\n", encoding="utf-8")
    platforms = load_platforms(tmp_path)
    assert platforms.get_dialect("read_only") is not None  # extends takes the dialect too
    text = (get_bundled_root() / "collectors/huawei/platform.yaml").read_text(encoding="utf-8")
    start = text.index("dialect:")
    end = text.index("interface_names:")
    (folder / "platform.yaml").write_text(
        "vendor: huawei\n" + text[:start].split("vendor: huawei\n", 1)[1] + text[end:],
        encoding="utf-8",
    )
    platforms = load_platforms(tmp_path)
    assert platforms.get_dialect("read_only") is None
    assert platforms.get_session("read_only") is not None
    assert "read_only" not in platforms.get_dialects()


def test_hooks_are_inherited_and_bad_ones_are_reported(tmp_path: Path) -> None:
    comware = load_platforms().get_dialect("hp_comware")
    assert comware is not None
    text = "interface G1/0/1\n shutdown\n#\n ip route-static 0.0.0.0 0 1.1.1.1\n"
    assert [c.text for c in comware.get_hconfig(text).children] == [
        "interface G1/0/1",
        "ip route-static 0.0.0.0 0 1.1.1.1",
    ]
    folder = tmp_path / "collectors" / "comware_copy"
    folder.mkdir(parents=True)
    (folder / "platform.yaml").write_text("extends: hp_comware\n", encoding="utf-8")
    inherited = load_platforms(tmp_path).get_dialect("comware_copy")
    assert inherited is not None
    assert inherited.prepare_config.__code__.co_filename.endswith("hp_comware/hooks.py")
    assert inherited.prepare_config(text) == comware.prepare_config(text) != text

    (folder / "hooks.py").write_text(
        "def prepare_configs(text):\n    return text\n", encoding="utf-8"
    )
    with pytest.raises(SpecError) as caught:
        load_platforms(tmp_path)
    (problem,) = caught.value.problems
    assert problem.file == "collectors/comware_copy/hooks.py"
    assert "prepare_configs() is not a hook" in problem.message

    (folder / "hooks.py").write_text("import nothing_of_that_name\n", encoding="utf-8")
    with pytest.raises(SpecError) as caught:
        load_platforms(tmp_path)
    (problem,) = caught.value.problems
    assert "does not import: ModuleNotFoundError" in problem.message

    (folder / "hooks.py").write_text(
        "def prepare_config(text):\n    return text.replace('G1/0/1', 'G1/0/9')\n",
        encoding="utf-8",
    )
    own = load_platforms(tmp_path).get_dialect("comware_copy")
    assert own is not None
    assert own.get_hconfig("interface G1/0/1\n").children[0].text == "interface G1/0/9"


@pytest.mark.parametrize(
    ("dialect", "field", "message"),
    [
        ("  hier_config: junos_x\n", "dialect.hier_config", "not a hier_config platform"),
        ("  static_route: 'ip route (?P<prefix>\\S+)'\n", "dialect.static_route", "named group"),
        ("  bgp_asn: '^bgp \\d+$'\n", "dialect.bgp_asn", "needs a group"),
    ],
)
def test_a_bad_dialect_names_its_field(
    tmp_path: Path, dialect: str, field: str, message: str
) -> None:
    folder = tmp_path / "collectors" / "x"
    folder.mkdir(parents=True)
    base = "dialect:\n  hier_config: huawei_vrp\n  exit: quit\n  description_max: 242\n"
    key = dialect.split(":")[0]
    lines = [ln for ln in base.splitlines(keepends=True) if not ln.startswith(key + ":")]
    (folder / "platform.yaml").write_text(
        "extends: huawei\n" + "".join(lines) + dialect, encoding="utf-8"
    )
    with pytest.raises(SpecError) as caught:
        load_platforms(tmp_path)
    (problem,) = caught.value.problems
    assert problem.file == "collectors/x/platform.yaml"
    assert problem.field == field and message in problem.message


def test_plan_takes_its_change_window_from_the_command_line(
    runs: dict[str, dict[str, Any]],
) -> None:
    """`plan --window` reaches every plan.md and plan.docx written by the command."""
    from docx import Document

    folders = sorted((runs["original"]["root"] / "reports/plans").iterdir())
    assert folders
    for folder in folders:
        md = (folder / "plan.md").read_text(encoding="utf-8")
        assert "| 割接窗口 | 2026-12-20 22:00 至 2026-12-21 02:00 |" in md
        text = "\n".join(p.text for p in Document(str(folder / "plan.docx")).paragraphs)
        assert "割接窗口 2026-12-20 22:00 至 2026-12-21 02:00，共 240 分钟" in text
