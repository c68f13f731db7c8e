"""A jump host (堡垒机) for the lab, in its own process: SSH with key login per user, no shell,
and TCP forwarding (``direct-tcpip``, what ``ssh -J`` and ProxyJump ask for) to the lab's
routers on 127.0.0.1 only.

asyncssh server options used (https://asyncssh.readthedocs.io/en/latest/api.html):
``SSHServer.begin_auth`` + ``SSHServerConnection.set_authorized_keys`` for keys per user;
``SSHServer.connection_requested`` returning True "to allow standard port forwarding of data
on the connection to the requested destination", False to answer "Connection refused";
``SSHServer.session_requested`` returning False refuses a shell or command, as a bastion that
only forwards; ``allow_scp=False``, ``agent_forwarding=False``, ``x11_forwarding=False``.

Run as ``python -m govnet_lab.bastion --port P --host-key PATH --authorized-keys USER=PATH
[--allow-port N ...]``; it prints ``listening on 127.0.0.1:P`` once it accepts connections.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
from collections.abc import Collection, Mapping, Sequence

import asyncssh

from govnet_lab.server import read_authorized

log = logging.getLogger("govnet_lab.bastion")
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


class _Bastion(asyncssh.SSHServer):
    def __init__(
        self, authorized: Mapping[str, asyncssh.SSHAuthorizedKeys], ports: Collection[int]
    ) -> None:
        self._authorized = authorized
        self._ports = ports
        self._conn: asyncssh.SSHServerConnection | None = None
        self._user = ""

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self._conn = conn

    def begin_auth(self, username: str) -> bool:
        self._user = username
        keys = self._authorized.get(username)
        if keys is not None and self._conn is not None:
            self._conn.set_authorized_keys(keys)
        return True  # no key file for the user: no login at all

    def session_requested(self) -> bool:
        return False

    def connection_requested(
        self, dest_host: str, dest_port: int, orig_host: str, orig_port: int
    ) -> bool:
        allowed = dest_host in LOOPBACK and (not self._ports or dest_port in self._ports)
        log.info(
            "%s: %s to %s:%d", self._user, "forward" if allowed else "refuse", dest_host, dest_port
        )
        return allowed


async def start_bastion(
    port: int,
    host_key: asyncssh.SSHKey,
    authorized: Mapping[str, asyncssh.SSHAuthorizedKeys],
    ports: Collection[int] = (),
    host: str = "127.0.0.1",
) -> asyncssh.SSHAcceptor:
    return await asyncssh.create_server(
        lambda: _Bastion(authorized, frozenset(ports)),
        host,
        port,
        server_host_keys=[host_key],
        allow_scp=False,
        agent_forwarding=False,
        x11_forwarding=False,
        reuse_address=True,
        login_timeout=30,
    )


async def _serve(args: argparse.Namespace) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    acceptor = await start_bastion(
        args.port,
        asyncssh.read_private_key(args.host_key),
        read_authorized(args.authorized_keys),
        args.allow_port,
        args.host,
    )
    print(f"listening on {args.host}:{args.port}", flush=True)
    await stop.wait()
    acceptor.close()
    await acceptor.wait_closed()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m govnet_lab.bastion", description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--host-key", required=True)
    parser.add_argument("--authorized-keys", action="append", default=[], metavar="USER=PATH")
    parser.add_argument("--allow-port", action="append", type=int, default=[], metavar="N")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    logging.getLogger("asyncssh").setLevel(logging.WARNING)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
