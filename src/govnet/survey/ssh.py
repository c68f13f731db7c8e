"""SSH options per device for netmiko: key file and agent, ``ssh_config`` (HostName, Port,
User, IdentityFile, ProxyCommand, ProxyJump through a bastion, 堡垒机), legacy algorithms.

ProxyJump is done here with paramiko, not by netmiko: netmiko's ``ssh_config_file`` turns
ProxyJump into ``ssh -F FILE -W host:port jump`` (netmiko/base_connection.py
``_use_ssh_config``), which needs the OpenSSH client on the machine, refuses more than one
hop, and leaves the bastion's authentication and timeouts to that process. Here each hop is a
paramiko client, the next opened through the previous one's ``direct-tcpip`` channel (RFC 4254
section 7.2, what ``ssh -J`` does), with the device's budget for every hop.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from hashlib import sha1
from pathlib import Path
from typing import TYPE_CHECKING, Any

import paramiko
from cryptography.hazmat.primitives import hashes
from paramiko.kex_gex import KexGexSHA256
from paramiko.kex_group14 import KexGroup14SHA256

from govnet.model.access import Credentials

if TYPE_CHECKING:
    from govnet.survey.collect import Budget, Target

# Offered only to hosts whose inventory asks for legacy algorithms (paramiko 3.x offered the
# first two by default; OpenSSH 7.0 and paramiko 4 dropped them).
DEFAULT_OFF = {"ciphers": ["3des-cbc"], "macs": ["hmac-md5", "hmac-md5-96"]}


class KexGroup1SHA1(KexGroup14SHA256):
    """diffie-hellman-group1-sha1 (RFC 4253 section 8.1: the Oakley group 2 prime, RFC 2409)."""

    P = int(
        "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B2251"
        "4A08798E3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C"
        "42E9A637ED6B0BFF5CB6F406B7EDEE386BFB5A899FA5AE9F24117C4B1FE649286651ECE65381FFFFFF"
        "FFFFFFFFFF",
        16,
    )
    name = "diffie-hellman-group1-sha1"
    hash_algo = sha1


class KexGroup14SHA1(KexGroup14SHA256):
    """diffie-hellman-group14-sha1 (RFC 4253 section 8.2)."""

    name = "diffie-hellman-group14-sha1"
    hash_algo = sha1


class KexGexSHA1(KexGexSHA256):
    """diffie-hellman-group-exchange-sha1 (RFC 4419)."""

    name = "diffie-hellman-group-exchange-sha1"
    hash_algo = sha1


class LegacyRSAKey(paramiko.RSAKey):
    """An RSA host key signing with SHA-1 (``ssh-rsa``, RFC 4253 section 6.6)."""

    HASHES = {**paramiko.RSAKey.HASHES, "ssh-rsa": hashes.SHA1}  # type: ignore[misc]  # noqa: RUF012


LEGACY_KEX: dict[str, type] = {k.name: k for k in (KexGroup1SHA1, KexGroup14SHA1, KexGexSHA1)}


def get_transport_factory(legacy: tuple[str, ...]) -> Any:
    """A paramiko Transport maker that also offers the ``legacy`` algorithms asked for,
    last in preference (the device picks the first of its list it shares with ours)."""

    def make(sock: Any, **kwargs: Any) -> paramiko.Transport:
        transport = paramiko.Transport(sock, **kwargs)
        kex = [name for name in legacy if name in LEGACY_KEX]
        if kex:
            transport._kex_info = {**transport._kex_info, **{n: LEGACY_KEX[n] for n in kex}}  # type: ignore[attr-defined]
            transport._preferred_kex = (*transport._preferred_kex, *kex)  # type: ignore[attr-defined]
        if "ssh-rsa" in legacy:
            transport._key_info = {**transport._key_info, "ssh-rsa": LegacyRSAKey}  # type: ignore[attr-defined]
            transport._preferred_keys = (*transport._preferred_keys, "ssh-rsa")  # type: ignore[attr-defined]
        return transport

    return make


def get_disabled_algorithms(legacy: tuple[str, ...]) -> dict[str, list[str]]:
    return {kind: [n for n in names if n not in legacy] for kind, names in DEFAULT_OFF.items()}


@dataclass
class Route:
    """Where netmiko connects: the address and port after ssh_config, the socket to use
    (a jump channel or a ProxyCommand; None: straight TCP), and what to close after."""

    host: str
    port: int
    sock: Any = None
    key_file: str | None = None
    closers: list[Any] = field(default_factory=list)

    def close(self) -> None:
        for closer in reversed(self.closers):
            with contextlib.suppress(Exception):
                closer.close()


def get_route(target: Target, credentials: Credentials, budget: Budget) -> Route:
    """The way to ``target`` its credentials' ssh_config gives (straight when there is none)."""
    if credentials.ssh_config is None:
        return Route(target.address, target.port, key_file=credentials.key_file)
    config = _read_config(credentials.ssh_config)
    found = config.lookup(target.address)
    port = int(found.get("port", target.port)) if target.port == 22 else target.port
    files = list(found.get("identityfile") or [])  # paramiko gives a list: one per line
    route = Route(
        found.get("hostname", target.address),
        port,
        key_file=credentials.key_file or (files[0] if files else None),
    )
    if "proxycommand" in found and found["proxycommand"].lower() != "none":
        route.sock = paramiko.ProxyCommand(found["proxycommand"])
        route.closers.append(route.sock)
    elif "proxyjump" in found and found["proxyjump"].lower() != "none":
        try:
            route.sock = _jump(config, found["proxyjump"], route, credentials, budget)
        except BaseException:
            route.close()
            raise
    return route


def _read_config(path: str) -> paramiko.SSHConfig:
    if not Path(path).is_file():
        raise FileNotFoundError(f"ssh_config {path} not found (access: ssh_config)")
    return paramiko.SSHConfig.from_path(path)


def _jump(
    config: paramiko.SSHConfig,
    hops: str,
    route: Route,
    credentials: Credentials,
    budget: Budget,
) -> paramiko.Channel:
    """A channel to ``route`` through each hop of ``ProxyJump host1,user@host2:port``."""
    parsed: list[tuple[str, str, int, paramiko.SSHConfigDict]] = []
    for hop in hops.split(","):
        user, _, rest = hop.strip().rpartition("@")
        name, _, port_text = rest.partition(":")
        found = config.lookup(name)
        port = int(port_text or found.get("port", "22"))
        parsed.append((name, user or found.get("user") or credentials.username, port, found))
    ends = [(f.get("hostname", n), p) for n, _, p, f in parsed[1:]] + [(route.host, route.port)]
    sock: Any = None
    for (name, user, port, found), end in zip(parsed, ends, strict=True):
        client = paramiko.SSHClient()
        route.closers.append(client)
        known = found.get("userknownhostsfile", "").split()
        if known and Path(known[0]).expanduser().is_file():
            client.load_host_keys(str(Path(known[0]).expanduser()))
        strict = found.get("stricthostkeychecking", "ask").lower() == "yes"
        client.set_missing_host_key_policy(
            paramiko.RejectPolicy() if strict else paramiko.AutoAddPolicy()
        )
        try:
            client.connect(
                found.get("hostname", name),
                port,
                username=user,
                key_filename=found.get("identityfile") or None,
                passphrase=credentials.passphrase,
                allow_agent=credentials.agent,
                look_for_keys=False,
                sock=sock,
                timeout=budget.connect,
                banner_timeout=budget.connect,
                auth_timeout=budget.connect,
                channel_timeout=budget.connect,
            )
        except paramiko.AuthenticationException as exc:
            raise JumpAuthError(f"jump host {name} refused user {user}: {exc}") from None
        transport = client.get_transport()
        assert transport is not None  # connected
        try:
            sock = transport.open_channel(
                "direct-tcpip", end, ("127.0.0.1", 0), timeout=budget.connect
            )
        except paramiko.ChannelException as exc:
            raise ConnectionRefusedError(
                f"jump host {name} refused to open {end[0]}:{end[1]}: {exc}"
            ) from None
    channel: paramiko.Channel = sock
    return channel


class JumpAuthError(paramiko.AuthenticationException):
    """The bastion refused its login (not the device: the message says which)."""
