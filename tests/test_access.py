"""Credentials per group and host: what each host logs in with, where the secrets come from
(environment, keyring), what is refused in project files, and what never reaches a message."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import pytest
import yaml

from govnet.model.access import (
    LEGACY_ALGORITHMS,
    Access,
    Credentials,
    MissingCredentials,
    chain_lookups,
    env_lookup,
    keyring_lookup,
    resolve_credentials,
)
from govnet.model.divisions import DivisionTree
from govnet.model.inventory_files import load_inventory

ENV = {
    "GOVNET_USERNAME": "admin",
    "GOVNET_PASSWORD": "Default#1",
    "GOVNET_CRED_CORE_USERNAME": "netops-core",
    "GOVNET_CRED_CORE_PASSWORD": "Core#pass1",
    "GOVNET_CRED_CORE_SECRET": "Enable#1",
    "GOVNET_CRED_OLD_IOS_USERNAME": "cisco",
    "GOVNET_CRED_OLD_IOS_PASSWORD": "Old#pass1",
}


def _edit(path: Path, change: Any) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


@pytest.fixture
def project(example_project: Path) -> Path:
    """The example with access settings: defaults use the agent, the huawei group logs in
    as 'core' with a key, one IOS host as 'old-ios' with legacy algorithms."""

    def groups(data: dict[str, Any]) -> None:
        data["huawei"]["data"] = {
            "access": {"credentials": "core", "key_file": "keys/core", "ssh_config": "ssh_config"}
        }

    def defaults(data: dict[str, Any]) -> None:
        data["data"] = {"access": {"agent": True}}

    root = example_project
    _edit(root / "inventory/groups.yaml", groups)
    _edit(root / "inventory/defaults.yaml", defaults)
    hosts = yaml.safe_load((root / "inventory/hosts.yaml").read_text(encoding="utf-8"))
    ios = next(n for n, h in hosts.items() if h.get("groups") == ["cisco_ios"])

    def one_host(data: dict[str, Any]) -> None:
        data[ios]["data"]["access"] = {
            "credentials": "old-ios",
            "legacy_algorithms": ["diffie-hellman-group1-sha1", "ssh-rsa"],
            "agent": False,
        }

    _edit(root / "inventory/hosts.yaml", one_host)
    (root / "ios_host").write_text(ios)
    return root


def test_each_host_gets_its_groups_and_its_own_settings(project: Path, tree: DivisionTree) -> None:
    inventory, problems = load_inventory(project, tree)
    assert inventory is not None, problems
    creds = resolve_credentials(
        [(h.name, h.access) for h in inventory.hosts], project, env_lookup(ENV)
    )
    ios = (project / "ios_host").read_text()
    by_platform = {h.name: h.platform for h in inventory.hosts}
    for name, platform in by_platform.items():
        mine = creds.for_host(name)
        if name == ios:  # the host's own reference and options win over its group's
            assert (mine.username, mine.password) == ("cisco", "Old#pass1")
            assert mine.legacy == ("diffie-hellman-group1-sha1", "ssh-rsa")
            assert mine.agent is False and mine.key_file is None
        elif platform == "huawei":  # the group's reference, key, ssh_config; the agent
            assert (mine.username, mine.password, mine.secret) == (
                "netops-core",
                "Core#pass1",
                "Enable#1",
            )
            assert mine.key_file == str(project / "keys/core")
            assert mine.ssh_config == str(project / "ssh_config")
            assert mine.agent is True and mine.legacy == ()
        else:  # the default secrets, the defaults' agent
            assert (mine.username, mine.password, mine.reference) == ("admin", "Default#1", None)
            assert mine.agent is True and mine.key_file is None


def test_missing_reference_names_its_hosts_and_variables() -> None:
    hosts = [
        ("r1", Access(credentials="core")),
        ("r2", Access(credentials="core")),
        ("r3", None),
    ]
    env = {"GOVNET_USERNAME": "admin", "GOVNET_PASSWORD": "x1234", "GOVNET_CRED_CORE_USERNAME": "u"}
    with pytest.raises(MissingCredentials) as caught:
        resolve_credentials(hosts, Path("/p"), env_lookup(env))
    message = str(caught.value)
    assert "GOVNET_CRED_CORE_PASSWORD" in message and "'core' (hosts r1, r2)" in message
    assert "x1234" not in message and "GOVNET_USERNAME" not in message


def test_a_key_login_needs_no_password() -> None:
    hosts = [("r1", Access(credentials="edge", key_file="/k/edge"))]
    creds = resolve_credentials(hosts, Path("/p"), env_lookup({"GOVNET_CRED_EDGE_USERNAME": "e"}))
    assert creds.for_host("r1").username == "e" and creds.for_host("r1").password == ""
    # ...but a host of the same reference without a key does
    hosts.append(("r2", Access(credentials="edge")))
    with pytest.raises(MissingCredentials, match="GOVNET_CRED_EDGE_PASSWORD"):
        resolve_credentials(hosts, Path("/p"), env_lookup({"GOVNET_CRED_EDGE_USERNAME": "e"}))


def test_keyring_gives_what_the_environment_lacks(monkeypatch: pytest.MonkeyPatch) -> None:
    keyring = pytest.importorskip("keyring")
    from keyring.backend import KeyringBackend

    class Memory(KeyringBackend):
        priority = 1
        store: ClassVar[dict[tuple[str, str], str]] = {
            ("govnet:core", "username"): "kr-user",
            ("govnet:core", "password"): "kr-pass",
        }

        def get_password(self, service: str, username: str) -> str | None:
            return self.store.get((service, username))

        def set_password(self, service: str, username: str, password: str) -> None:
            raise NotImplementedError

        def delete_password(self, service: str, username: str) -> None:
            raise NotImplementedError

    monkeypatch.setattr(keyring.core, "_keyring_backend", Memory())  # type: ignore[no-untyped-call]
    lookup = chain_lookups(env_lookup({"GOVNET_CRED_CORE_USERNAME": "env-user"}), keyring_lookup())
    creds = resolve_credentials([("r1", Access(credentials="core"))], Path("/p"), lookup)
    # the environment wins for the username, the keyring gives the password
    assert (creds.for_host("r1").username, creds.for_host("r1").password) == ("env-user", "kr-pass")


def test_keyring_without_a_backend_is_no_store(monkeypatch: pytest.MonkeyPatch) -> None:
    keyring = pytest.importorskip("keyring")
    from keyring.backends.fail import Keyring as Fail

    monkeypatch.setattr(keyring.core, "_keyring_backend", Fail())  # type: ignore[no-untyped-call]
    lookup = keyring_lookup()
    assert lookup is not None and lookup("core", "password") is None


def test_secrets_never_in_repr_and_listed_for_scrubbing() -> None:
    creds = resolve_credentials(
        [("r1", Access(credentials="core")), ("r2", None)], Path("/p"), env_lookup(ENV)
    )
    assert "Core#pass1" not in repr(creds) and "Default#1" not in repr(creds.for_host("r1"))
    assert {"Core#pass1", "Enable#1", "Default#1"} <= set(creds.get_secrets())


@pytest.mark.parametrize(
    ("access", "shown"),
    [
        ({"password": "Huawei@123"}, "password"),
        ({"key-passphrase": "s3cret!"}, "key-passphrase"),
        ({"token": "nb-123456"}, "token"),
        ({"pass_word": "x1234567"}, "pass_word"),  # unknown: refused, not shown either
    ],
)
def test_secret_in_project_files_is_refused_unshown(
    project: Path, tree: DivisionTree, access: dict[str, str], shown: str
) -> None:
    def groups(data: dict[str, Any]) -> None:
        data["huawei"]["data"]["access"] |= access

    _edit(project / "inventory/groups.yaml", groups)
    inventory, problems = load_inventory(project, tree)
    assert inventory is None
    (problem,) = [p for p in problems if p.file == "inventory/groups.yaml"]
    assert problem.field is not None and problem.field.endswith(shown)
    assert problem.line is not None
    line = (project / problem.file).read_text(encoding="utf-8").splitlines()[problem.line - 1]
    assert shown in line
    value = next(iter(access.values()))
    assert not any(value in str(p) for p in problems)


def test_token_in_nornir_config_is_refused(project: Path, tree: DivisionTree) -> None:
    def config(data: dict[str, Any]) -> None:
        data["inventory"]["options"]["nb_token"] = "0123456789abcdef"

    _edit(project / "nornir_config.yaml", config)
    inventory, problems = load_inventory(project, tree)
    assert inventory is None
    (problem,) = problems
    assert problem.file == "nornir_config.yaml" and "nb_token" in problem.message
    assert "0123456789abcdef" not in str(problem)


def test_legacy_true_means_every_known_legacy_algorithm() -> None:
    assert Access(legacy_algorithms=True).get_legacy() == LEGACY_ALGORITHMS
    assert Access().get_legacy() == ()
    assert isinstance(Credentials("u").for_host("any"), Credentials)


def test_nornir_ssh_config_file_is_the_default_ssh_config() -> None:
    hosts = [("r1", None), ("r2", Access(ssh_config="/etc/govnet/jump_config"))]
    creds = resolve_credentials(hosts, Path("/p"), env_lookup(ENV), ssh_config="ssh_config")
    assert creds.for_host("r1").ssh_config == "/p/ssh_config"
    assert creds.for_host("r2").ssh_config == "/etc/govnet/jump_config"


def test_a_secret_in_a_device_error_is_hidden(monkeypatch: pytest.MonkeyPatch) -> None:
    from govnet.platforms import SessionSpec
    from govnet.survey import collect

    def connect(*args: Any) -> None:
        raise OSError("login as netops-core with Core#pass1 refused")

    monkeypatch.setattr(collect, "connect", connect)
    creds = resolve_credentials([("r1", Access(credentials="core"))], Path("/p"), env_lookup(ENV))
    session = SessionSpec(prompt=r"<r1>", paging_off=())
    target = collect.Target("r1", "10.0.0.1", 22, "huawei")
    result = collect.collect_host(target, session, [], creds)
    assert result.message is not None and "Core#pass1" not in result.message
    assert "***" in result.message
