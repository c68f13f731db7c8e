"""The policy file: the shipped one loads; a broken one fails naming file, line and field."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from govnet.model.files import get_bundled_root
from govnet.model.policy import POLICY_FILE, Target, Zone, load_policy
from govnet.model.problems import ProblemsError


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "playbooks").mkdir()
    shutil.copyfile(get_bundled_root() / POLICY_FILE, tmp_path / POLICY_FILE)
    return tmp_path


def edit(project: Path, old: str, new: str) -> None:
    path = project / POLICY_FILE
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_the_shipped_policy_loads_and_covers_every_target() -> None:
    policy = load_policy()
    assert [z.value for z in policy.zones] == ["internet", "public", "dedicated"]
    assert {r.target for r in policy.rules} == set(Target) - {Target.RETAIN_EXCEPTION}
    assert not policy.rules[-1].when.signals()  # a catch-all comes last
    assert {s.key for s in policy.catalogue if s.national_plan} == {
        "jinshui",
        "gongan",
        "fayuan",
        "jiancha",
    }


def test_a_project_policy_wins_over_the_bundled_one(project: Path) -> None:
    edit(project, "name: 公用网络区", "name: 公共服务域")  # Weifang's own zone names
    assert load_policy(project).zones[Zone.PUBLIC].name == "公共服务域"
    assert load_policy(project.parent).zones[Zone.PUBLIC].name == "公用网络区"


@pytest.mark.parametrize(
    ("old", "new", "field", "message"),
    [
        ("    target: intranet\n", "    target: neiwang\n", "rules.6.target", "Input should be"),
        (
            "    when: {zombie: true}",
            "    when: {zombi: true}",
            "rules.3.when.zombi",
            "unknown field",
        ),
        (
            "    confidence: 0.5\n",
            "    confidence: 0.5\n    owner: 张三\n",
            "rules.4.owner",
            "unknown",
        ),
        (
            "patterns: ['医保', 'yibao']",
            "patterns: ['医保(', 'yibao']",
            "catalogue.8.patterns.0",
            "not a regular expression",
        ),
        (
            "extranet_public: [59.255.0.0/16]",
            "extranet_public: [59.255.0.0/33]",
            "address_blocks.extranet_public.0",
            "IPv4",
        ),
        (
            "exceptions: []",
            "exceptions:\n  - {subject: jlp-gongan:gongan, date: 2024-05-01}",
            "exceptions.0.document",
            "required field is missing",
        ),
        ("    vlans: [200]", "    vlans: [5000]", "zones.dedicated.vlans.0", "less than or equal"),
        ("  public_access: nat", "  public_access: snat", "migration.public_access", "'nat'"),
    ],
)
def test_a_broken_policy_names_file_line_and_field(
    project: Path, old: str, new: str, field: str, message: str
) -> None:
    edit(project, old, new)
    with pytest.raises(ProblemsError) as caught:
        load_policy(project)
    (problem,) = caught.value.problems
    assert problem.file == POLICY_FILE and problem.field == field, problem
    assert message in problem.message and problem.line is not None


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "  - id: unknown\n    target: review",
            "  - id: unknown\n    when: {zombie: false}\n    target: review",
            "the last rule must have no `when`",
        ),
        (
            "    when: {system_category: vertical}",
            "    when: {system: [jinshui, tax]}",
            "rule vertical: not in the catalogue: tax",
        ),
        ("  - id: zombie\n", "  - id: classified\n", "rule ids used twice: classified"),
        # the public zone carries only the extranet's public blocks
        ("  public_access: nat\n", "  public_access: renumber\n", "public_pool is not set"),
        (
            "  public_access_of: {}",
            "  public_access_of: {'jlp-jw:jiaoyu': renumber}",
            "jlp-jw:jiaoyu renumbers into the public zone but public_pool is not set",
        ),
        (
            "  # public_pool: 59.255.200.0/22",
            "  public_pool: 10.1.0.0/22",
            "public_pool 10.1.0.0/22 is not inside the extranet's public blocks",
        ),
        (
            "  # public_probe: 59.255.1.10",
            "  public_probe: 8.8.8.8",
            "public_probe 8.8.8.8 is not inside the extranet's public blocks",
        ),
    ],
)
def test_policy_wide_mistakes_are_named(project: Path, old: str, new: str, message: str) -> None:
    edit(project, old, new)
    with pytest.raises(ProblemsError) as caught:
        load_policy(project)
    assert any(message in p.message for p in caught.value.problems), caught.value.problems


def test_an_impossible_date_is_a_problem_not_a_traceback(project: Path) -> None:
    edit(project, "by: 2025-06-30}", "by: 2025-13-30}")
    with pytest.raises(ProblemsError) as caught:
        load_policy(project)
    (problem,) = caught.value.problems
    assert problem.line is not None and "'2025-13-30': month must be in 1..12" in problem.message


def test_a_duplicate_key_is_caught_with_its_line(project: Path) -> None:
    edit(project, "exceptions: []", "exceptions: []\nexceptions: []")
    with pytest.raises(ProblemsError) as caught:
        load_policy(project)
    assert "duplicate key 'exceptions'" in caught.value.problems[0].message
