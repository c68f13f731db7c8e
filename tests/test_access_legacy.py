"""Legacy algorithms for old devices, only where the inventory asks: a lab router that offers
only what a VRP5 / IOS 12 of the 2000s offers (diffie-hellman-group1-sha1, an ssh-rsa host
key, 3des-cbc, hmac-sha1) cannot be surveyed by default, and is with ``legacy_algorithms``.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path

import asyncssh
import pytest

from govnet.model.access import Credentials
from govnet.platforms import load_platforms
from govnet.survey.collect import Budget, ErrorCategory, Target, collect_host
from govnet_lab.control import get_free_port_run, get_lab_paths
from govnet_lab.generate import generate_lab
from govnet_lab.server import LabServer, load_network

OLD_DEVICE = {  # asyncssh.create_server's algorithm lists
    "kex_algs": ["diffie-hellman-group1-sha1"],
    "signature_algs": ["ssh-rsa"],
    "encryption_algs": ["3des-cbc"],
    "mac_algs": ["hmac-sha1"],
}
LEGACY = ("diffie-hellman-group1-sha1", "ssh-rsa", "3des-cbc", "hmac-sha1")


@pytest.fixture(scope="module")
def old_router(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Target, Path]]:
    root = tmp_path_factory.mktemp("legacy") / "county"
    port = get_free_port_run(6)
    generate_lab(root, "370702", 1, 6, None, port, platform="huawei")
    devices, network = load_network(get_lab_paths(root).district)
    loop = asyncio.new_event_loop()
    server = LabServer(
        devices[:1],
        "admin",
        "Old#pass1",
        asyncssh.generate_private_key("ssh-rsa", key_size=2048),
        network=network,
        ssh_options=OLD_DEVICE,
    )
    loop.run_until_complete(server.start())
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        device = devices[0]
        yield Target(device.hostname, "127.0.0.1", device.port, device.platform), root
    finally:
        asyncio.run_coroutine_threadsafe(server.close(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)


def _survey(target: Target, root: Path, credentials: Credentials) -> ErrorCategory | None:
    platforms = load_platforms(root)
    collected = collect_host(
        target,
        platforms.get_session(target.platform),
        platforms.get_commands(target.platform)[:2],
        credentials,
        Budget(connect=5, command=10, host=30),
    )
    assert collected.error is not None or len(collected.outputs) == 2
    return collected.error


def test_old_device_refused_by_default(old_router: tuple[Target, Path]) -> None:
    target, root = old_router
    assert _survey(target, root, Credentials("admin", "Old#pass1")) is not None


def test_old_device_surveyed_with_legacy_algorithms(old_router: tuple[Target, Path]) -> None:
    target, root = old_router
    credentials = Credentials("admin", "Old#pass1", legacy=LEGACY)
    assert _survey(target, root, credentials) is None


def test_legacy_for_one_host_only(old_router: tuple[Target, Path]) -> None:
    target, root = old_router
    other = Credentials("admin", "Old#pass1", legacy=LEGACY)
    credentials = Credentials("admin", "Old#pass1", hosts={"some-other-host": other})
    assert _survey(target, root, credentials) is not None
    credentials = Credentials("admin", "Old#pass1", hosts={target.name: other})
    assert _survey(target, root, credentials) is None


def test_ssh_rsa_host_key_signature_verified_with_sha1() -> None:
    """An ssh-rsa (SHA-1) host key signature, what an old device sends in its key exchange:
    paramiko 5 no longer verifies it; LegacyRSAKey, offered only with ``ssh-rsa``, does.
    (The lab's asyncssh server still offers rsa-sha2 for an RSA key, so this is unit level.)"""
    import paramiko

    from govnet.survey.ssh import LegacyRSAKey

    key = LegacyRSAKey(key=paramiko.RSAKey.generate(2048).key)
    signature = key.sign_ssh_data(b"exchange hash", "ssh-rsa")
    public = LegacyRSAKey(data=key.asbytes())
    signature.rewind()
    assert public.verify_ssh_sig(b"exchange hash", signature)
    signature.rewind()
    assert not public.verify_ssh_sig(b"another hash", signature)
    signature.rewind()
    assert not paramiko.RSAKey(data=key.asbytes()).verify_ssh_sig(b"exchange hash", signature)
