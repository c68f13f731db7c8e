"""The lab's SSH server: every simulated router on its own 127.0.0.1 port, in one process.

One asyncio loop serves all devices (a listener each) so a district of a thousand routers
costs one process. Faults are applied here, around the session: a refused password, a
listener that never speaks SSH, delayed or dropped output, GBK bytes.

Run as ``python -m govnet_lab.server --district PATH --creds PATH --host-key PATH``.
"""

from __future__ import annotations

import argparse
import asyncio
import codecs
import contextlib
import json
import logging
import re
import resource
import secrets
import signal
from collections.abc import Mapping, Sequence
from ipaddress import IPv4Address
from pathlib import Path
from typing import Any

import asyncssh

from govnet_lab.configure import apply_lines
from govnet_lab.control import APPLY_FOLDER
from govnet_lab.dataplane import Network, Outcome
from govnet_lab.district import load_district
from govnet_lab.model import Device, Fault
from govnet_lab.revert import MINUTE_S, Reverts, is_reachable
from govnet_lab.session import PAGE_LINES, Session
from govnet_lab.shell import Chunk, ChunkKind

log = logging.getLogger("govnet_lab.server")

SLOW_DELAY_S = 2.0
# A lab-wide delay before every answer (0: none), as a province's collector sees county routers
# over WAN links; issue 21's Must-show compares one collector with several workers with each
# answer delayed 1 s, where the speed-up comes from sessions in flight, not CPU.
ANSWER_DELAY_S = 0.0
REVERT_TICK_S = 0.2  # how often the server looks for revert timers run out
TRICKLE_S = 0.2  # seconds between the bytes of a TRICKLE device
DROP_MIN_LINES = 30  # outputs at least this long are cut in half on a DROP device
CONFIGURATION = re.compile(r"^(?: sysname|hostname) ", re.MULTILINE)  # ...and every config


class _DeviceAuth(asyncssh.SSHServer):
    """Password authentication against the lab's one username and password, and public
    keys per user: ``authorized`` maps a user to its authorized_keys file.

    The keys are set per connection in ``begin_auth`` with
    ``SSHServerConnection.set_authorized_keys``, as asyncssh's API reference says to
    (https://asyncssh.readthedocs.io/en/latest/api.html#asyncssh.SSHServer.begin_auth:
    "such as loading in the set of authorized keys for that user"); a user without a file
    has no key login, as sshd(8) with no ~/.ssh/authorized_keys."""

    def __init__(
        self,
        username: str,
        password: str,
        refuse: bool,
        authorized: Mapping[str, asyncssh.SSHAuthorizedKeys] | None = None,
    ) -> None:
        self._username = username.encode()
        self._password = password.encode()
        self._refuse = refuse
        self._authorized = authorized or {}
        self._conn: asyncssh.SSHServerConnection | None = None

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self._conn = conn

    def begin_auth(self, username: str) -> bool:
        keys = self._authorized.get(username)
        if keys is not None and self._conn is not None and not self._refuse:
            self._conn.set_authorized_keys(keys)
        return True

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        user_ok = secrets.compare_digest(username.encode(), self._username)
        password_ok = secrets.compare_digest(password.encode(), self._password)
        return user_ok and password_ok and not self._refuse


def read_authorized(specs: Sequence[str]) -> dict[str, asyncssh.SSHAuthorizedKeys]:
    """``USER=PATH`` each: the user's authorized_keys file (OpenSSH format)."""
    found: dict[str, asyncssh.SSHAuthorizedKeys] = {}
    for spec in specs:
        user, sep, path = spec.partition("=")
        if not sep or not user or not path:
            raise ValueError(f"--authorized-keys {spec!r}: write USER=PATH")
        found[user] = asyncssh.read_authorized_keys(path)
    return found


class LabServer:
    """Serves ``devices`` on their ports until closed; one instance per process is enough."""

    def __init__(
        self,
        devices: Sequence[Device],
        username: str,
        password: str,
        host_key: asyncssh.SSHKey,
        *,
        host: str = "127.0.0.1",
        slow_delay: float = SLOW_DELAY_S,
        answer_delay: float = ANSWER_DELAY_S,
        page_lines: int = PAGE_LINES,
        network: Network | None = None,
        authorized: Mapping[str, asyncssh.SSHAuthorizedKeys] | None = None,
        ssh_options: Mapping[str, Any] | None = None,
        revert_minute_s: float = MINUTE_S,
    ) -> None:
        self.devices = list(devices)
        # revert timers (IOS configure terminal revert timer), checked every REVERT_TICK_S
        self.reverts = Reverts(revert_minute_s, network)
        self._reverting: asyncio.Task[None] | None = None
        # asyncssh.create_server's algorithm lists (kex_algs, server_host_key_algs,
        # encryption_algs, mac_algs): an old device that offers only SHA-1 and CBC
        self._ssh_options = dict(ssh_options or {})
        self._authorized = dict(authorized or {})
        self.network = network  # the data plane ping and traceroute ask (None: no probes)
        self.host = host
        self.slow_delay = slow_delay
        self.answer_delay = answer_delay  # every device, before each answer (WAN latency)
        self.page_lines = page_lines
        self._username = username
        self._password = password
        self._host_key = host_key
        self._listeners: list[asyncssh.SSHAcceptor | asyncio.Server] = []
        self._silent: set[asyncio.StreamWriter] = set()

    @property
    def ports(self) -> list[int]:
        return [d.port for d in self.devices]

    async def start(self) -> None:
        """Open every device's listener; on any failure, close those already open."""
        try:
            for device in self.devices:
                self._listeners.append(await self._listen(device))
        except BaseException:
            await self.close()
            raise
        self._reverting = asyncio.create_task(self._expire_reverts())

    async def _expire_reverts(self) -> None:
        by_name = {d.hostname: d for d in self.devices}
        while True:
            await asyncio.sleep(REVERT_TICK_S)
            for host in self.reverts.expire(by_name):
                log.info("%s: revert timer expired, configuration restored", host)

    async def close(self) -> None:
        if self._reverting is not None:
            self._reverting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reverting
            self._reverting = None
        for listener in self._listeners:
            listener.close()
        for writer in list(self._silent):
            writer.close()
        for listener in self._listeners:
            await listener.wait_closed()
        self._listeners.clear()

    async def _listen(self, device: Device) -> asyncssh.SSHAcceptor | asyncio.Server:
        if Fault.SILENT in device.faults:
            return await asyncio.start_server(self._hold_silently, self.host, device.port)
        refuse = Fault.BAD_PASSWORD in device.faults

        def make_auth() -> asyncssh.SSHServer:
            return _DeviceAuth(self._username, self._password, refuse, self._authorized)

        async def serve(process: asyncssh.SSHServerProcess[bytes]) -> None:
            await self._serve(device, process)

        return await asyncssh.create_server(
            make_auth,
            self.host,
            device.port,
            server_host_keys=[self._host_key],
            process_factory=serve,
            line_editor=False,
            encoding=None,
            allow_scp=False,
            agent_forwarding=False,
            x11_forwarding=False,
            reuse_address=True,
            login_timeout=30,
            **self._ssh_options,
        )

    async def _hold_silently(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        """A SILENT device: the TCP connection is accepted and nothing is ever sent."""
        self._silent.add(writer)
        try:
            while await reader.read(4096):
                pass
        except ConnectionError:
            pass
        finally:
            self._silent.discard(writer)
            writer.close()

    def get_session(self, device: Device) -> Session:
        return Session(
            device,
            self._password,
            page_lines=self.page_lines,
            network=self.network,
            reverts=self.reverts,
        )

    async def _serve(self, device: Device, process: asyncssh.SSHServerProcess[bytes]) -> None:
        encoding = "gbk" if Fault.GBK in device.faults else "utf-8"
        session = self.get_session(device)
        send = _Sender(process, device, encoding, self.slow_delay, self.answer_delay)
        try:
            if not is_reachable(device):  # its management path is down: nobody gets in
                process.close()
                return
            if process.command:
                await send.chunks([Chunk(ChunkKind.OUTPUT, session.run(process.command))])
                process.exit(0)
                return
            decoder = codecs.getincrementaldecoder(encoding)("replace")
            if Fault.STALL in device.faults:
                await send.chunks(session.get_greeting())
                while await process.stdin.read(4096):  # read, never answer, until closed
                    pass
                return
            if await send.chunks(session.get_greeting()):
                while not session.closed:
                    data = await process.stdin.read(4096)
                    if not data:
                        break
                    if not await send.chunks(session.feed(decoder.decode(data))):
                        return
                    if not is_reachable(device):  # a line cut the path this shell came by
                        process.close()
                        return
            process.exit(0)
        except (asyncssh.Error, ConnectionError, asyncio.IncompleteReadError):
            process.close()
        except Exception:
            log.exception("session on %s failed", device.hostname)
            process.close()


class _Sender:
    """Writes a session's chunks to the channel with the device's faults applied."""

    def __init__(
        self,
        process: asyncssh.SSHServerProcess[bytes],
        device: Device,
        encoding: str,
        slow_delay: float,
        answer_delay: float = 0.0,
    ) -> None:
        self.process = process
        self.encoding = encoding
        # a SLOW device's own delay comes on top of the lab-wide one (a slow router far away)
        self.slow = (slow_delay if Fault.SLOW in device.faults else 0.0) + answer_delay
        self.drop = Fault.DROP in device.faults
        self.trickle = Fault.TRICKLE in device.faults
        self.greeted = False

    async def chunks(self, chunks: list[Chunk]) -> bool:
        """Send the chunks; False when a DROP fault cut the connection."""
        if self.trickle and self.greeted:
            await self._trickle(chunks)
        self.greeted = True
        for chunk in chunks:
            text = chunk.text
            if chunk.kind is ChunkKind.OUTPUT and self.slow:
                await asyncio.sleep(self.slow)
            if chunk.kind is ChunkKind.OUTPUT and self.drop:
                lines = text.splitlines(keepends=True)
                if len(lines) >= DROP_MIN_LINES or CONFIGURATION.search(text):
                    self.process.stdout.write(self._encode("".join(lines[: len(lines) // 2])))
                    await self.process.stdout.drain()
                    self.process.get_extra_info("connection").abort()
                    return False
            if text:
                self.process.stdout.write(self._encode(text))
        await self.process.stdout.drain()
        return True

    async def _trickle(self, chunks: list[Chunk]) -> None:
        """A TRICKLE device: the answer a byte every TRICKLE_S seconds, then dots, forever
        (the prompt never comes); ends when the client goes."""
        data = self._encode("".join(c.text for c in chunks if c.kind is not ChunkKind.PROMPT))
        while True:
            for i in range(len(data)):
                self.process.stdout.write(data[i : i + 1])
                await self.process.stdout.drain()
                await asyncio.sleep(TRICKLE_S)
            data = b"."

    def _encode(self, text: str) -> bytes:
        return text.encode(self.encoding, "replace")


def raise_open_file_limit() -> int:
    """Raise the soft RLIMIT_NOFILE to the hard limit (a listener and sessions per device)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        return hard
    return soft


def read_credentials(path: Path) -> tuple[str, str]:
    """Username and password from a credentials.env file (GOVNET_USERNAME/GOVNET_PASSWORD)."""
    values: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        key, sep, value = line.strip().removeprefix("export ").partition("=")
        if sep:
            values[key.strip()] = value.strip().strip("'\"")
    try:
        return values["GOVNET_USERNAME"], values["GOVNET_PASSWORD"]
    except KeyError as exc:
        raise ValueError(f"{path}: no {exc.args[0]}=... line") from None


def load_network(path: Path) -> tuple[list[Device], Network]:
    """The county's routers of a district.json, and the data plane over them and the
    upstream routers: one set of objects, so a configuration typed in changes what a ping
    sees."""
    district = load_district(path)
    return list(district.devices), Network(district)


def apply_requests(folder: Path, network: Network) -> None:
    """Requests through the lab's control channel, each answered in ``<name>.done``, then
    removed: lines for upstream routers (govnet_lab.control.apply_upstream), applied to the
    router in the data plane's model; or ``{"flows": true}`` (govnet_lab.control
    .get_lab_flows): every ground-truth flow sent now, as the routers are configured now."""
    for request in sorted(folder.glob("*.json")):
        answer: dict[str, object]
        try:
            data = json.loads(request.read_text(encoding="utf-8"))
            flows = data.get("flows") is True
            if not flows:
                host, lines = str(data["host"]), [str(line) for line in data["lines"]]
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            answer = {"error": f"unreadable request {request.name}: {exc}"}
        else:
            if flows:
                answer = {"flows": get_flow_states(network)}
            else:
                answer = _apply_upstream(network, host, lines)
        done = request.with_suffix(".tmp")
        done.write_text(json.dumps(answer, ensure_ascii=False), encoding="utf-8")
        done.replace(request.with_suffix(".done"))
        request.unlink(missing_ok=True)


def _apply_upstream(network: Network, host: str, lines: list[str]) -> dict[str, object]:
    device = network.forwarding.devices.get(host)
    if device is None or device.role != "upstream":
        return {
            "error": f"{host} is not an upstream router of this lab"
            " (county routers are configured over SSH)"
        }
    network.before_change(host)
    rejected = apply_lines(device, lines)
    network.note_change()
    log.info("applied %d line(s) to %s, %d refused", len(lines), host, len(rejected))
    return {"rejected": rejected}


def get_flow_states(network: Network) -> list[dict[str, object]]:
    """Every ground-truth flow as the data plane carries it now: sent by the router that
    owns its gateway address now (``sender``: a cutover may have moved it), whether it gets
    its reply, and the routers it crosses. A probe only: no counter moves."""
    states: list[dict[str, object]] = []
    for flow in network.flows:
        sender, vpn = network.forwarding.sender(
            flow.host, flow.vpn_instance, IPv4Address(flow.source)
        )
        probe = network.check_flow(flow)
        states.append(
            {
                "id": flow.id,
                "unit": flow.unit,
                "kind": flow.kind,
                "must_work": flow.must_work,
                "works": probe.outcome is Outcome.REPLY,
                "outcome": probe.outcome.value,
                "sender": sender,
                "sender_vpn": vpn,  # the table it is sent in there now
                "source": flow.source,
                "destination": flow.destination,
                "vpn_instance": flow.vpn_instance,  # as built
                "path": list(probe.path),
                "reason": probe.reason,
            }
        )
    return states


async def serve_forever(server: LabServer, requests: Path | None = None) -> None:
    """Start the server and run until SIGTERM or SIGINT; on SIGUSR1, apply the requests for
    upstream routers waiting in ``requests``."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    if requests is not None and server.network is not None:
        loop.add_signal_handler(signal.SIGUSR1, apply_requests, requests, server.network)
    await server.start()
    log.info("serving %d devices on %s", len(server.devices), server.host)
    await stop.wait()
    log.info("stopping")
    await server.close()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m govnet_lab.server", description=__doc__)
    parser.add_argument("--district", type=Path, required=True)
    parser.add_argument("--creds", type=Path, required=True)
    parser.add_argument("--host-key", type=Path, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--slow-delay", type=float, default=SLOW_DELAY_S)
    parser.add_argument(
        "--answer-delay",
        type=float,
        default=ANSWER_DELAY_S,
        help="seconds every device waits before each answer (as over a WAN link)",
    )
    parser.add_argument("--page-lines", type=int, default=PAGE_LINES)
    parser.add_argument(
        "--authorized-keys",
        action="append",
        default=[],
        metavar="USER=PATH",
        help="an authorized_keys file for USER (key login); repeat for more users",
    )
    parser.add_argument(
        "--revert-minute",
        type=float,
        default=MINUTE_S,
        metavar="SECONDS",
        help="how long a revert timer's minute lasts in the lab (tests: 1)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    logging.getLogger("asyncssh").setLevel(logging.WARNING)
    limit = raise_open_file_limit()
    username, password = read_credentials(args.creds)
    devices, network = load_network(args.district)
    log.info("open file limit %d; district %s", limit, args.district)
    server = LabServer(
        devices,
        username,
        password,
        asyncssh.read_private_key(args.host_key),
        host=args.host,
        slow_delay=args.slow_delay,
        answer_delay=args.answer_delay,
        page_lines=args.page_lines,
        network=network,
        authorized=read_authorized(args.authorized_keys),
        revert_minute_s=args.revert_minute,
    )
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve_forever(server, args.district.parent / APPLY_FOLDER))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
