"""Headless Chromium, driven over the DevTools protocol, for checking generated web pages.

Debian's ``chromium`` (``.ci/run`` installs it). The page is loaded from its file; every console
message, uncaught exception and network request is recorded, so a test can assert that a
self-contained page asks for nothing and logs no error.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import websocket

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def require_chromium() -> str:
    """The browser, or a skip (a failure when GOVNET_REQUIRE_CHROMIUM is set, as in CI)."""
    if CHROMIUM is None:
        if os.environ.get("GOVNET_REQUIRE_CHROMIUM"):
            pytest.fail("chromium is required (apt-get install chromium)")
        pytest.skip("chromium not installed")
    return CHROMIUM


@dataclass
class Page:
    url: str
    console: list[dict[str, Any]] = field(default_factory=list)  # type, text
    errors: list[str] = field(default_factory=list)  # uncaught exceptions, log errors
    requests: list[str] = field(default_factory=list)  # every URL the page asked for
    _ws: Any = None
    _session: str = ""
    _next: int = 0

    def send(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        self._next += 1
        message = {"id": self._next, "method": method, "params": params or {}}
        if self._session:
            message["sessionId"] = self._session
        self._ws.send(json.dumps(message))
        while True:
            reply = json.loads(self._ws.recv())
            if reply.get("id") == self._next:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return dict(reply.get("result", {}))
            self._event(reply)

    def _event(self, event: dict[str, Any]) -> None:
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.consoleAPICalled":
            text = " ".join(str(a.get("value", a.get("description", ""))) for a in params["args"])
            self.console.append({"type": params["type"], "text": text})
        elif method == "Runtime.exceptionThrown":
            self.errors.append(str(params["exceptionDetails"].get("text")))
        elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
            self.errors.append(str(params["entry"].get("text")))
        elif method == "Network.requestWillBeSent":
            self.requests.append(str(params["request"]["url"]))

    def evaluate(self, expression: str) -> Any:
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def screenshot(self, path: Path) -> None:
        data = self.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})
        path.write_bytes(base64.b64decode(data["data"]))


@contextmanager
def open_page(path: Path, width: int = 1280, height: int = 900) -> Iterator[Page]:
    """The page at ``path`` loaded in a fresh headless Chromium (settled: load event, then
    a short quiet moment for late requests)."""
    browser = require_chromium()
    # Chromium's helpers may still write the profile as the browser exits: a profile left
    # half-removed in the temporary folder is no failure of the page.
    with tempfile.TemporaryDirectory(
        prefix="govnet-chromium-", ignore_cleanup_errors=True
    ) as profile:
        process = subprocess.Popen(
            [
                browser,
                "--headless=new",
                "--no-sandbox",  # CI runs as root
                "--disable-gpu",
                "--disable-dev-shm-usage",  # containers have a small /dev/shm
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-background-networking",
                "--disable-component-update",
                "--remote-debugging-port=0",
                f"--user-data-dir={profile}",
                f"--window-size={width},{height}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            assert process.stderr is not None
            deadline = time.monotonic() + 30
            url = None
            while url is None and time.monotonic() < deadline:
                line = process.stderr.readline()
                match = re.search(r"DevTools listening on (ws://\S+)", line)
                url = match.group(1) if match else None
            assert url is not None, "chromium did not start its DevTools endpoint"
            ws = websocket.create_connection(url, timeout=30, suppress_origin=True)
            page = Page(path.resolve().as_uri(), _ws=ws)
            target = page.send("Target.createTarget", {"url": "about:blank"})["targetId"]
            page._session = page.send(
                "Target.attachToTarget", {"targetId": target, "flatten": True}
            )["sessionId"]
            for domain in ("Page", "Runtime", "Log", "Network"):
                page.send(f"{domain}.enable")
            page.send("Page.navigate", {"url": page.url})
            ws.settimeout(30)
            while True:
                event = json.loads(ws.recv())
                page._event(event)
                if event.get("method") == "Page.loadEventFired":
                    break
            ws.settimeout(0.5)
            try:
                while True:
                    page._event(json.loads(ws.recv()))
            except websocket.WebSocketTimeoutException:
                pass
            ws.settimeout(30)
            yield page
            ws.close()
        finally:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
