"""Read one router through a NAPALM driver's getters: the second collector path.

A platform that declares ``driver: napalm:<name>`` in its platform.yaml can be surveyed with
``govnet survey --driver napalm``. Each getter's result is kept as the host's raw output
``napalm <getter>`` (JSON), so :mod:`govnet.platforms.napalm` reads it into facts now and
again offline. Errors, budgets and the snapshot are the CLI path's: the login's exception
(which NAPALM wraps in its ConnectionException) is categorised by its cause, the connect
budget goes to netmiko's connect/auth/banner timeouts, the command budget is the driver's
``timeout``, and the whole-host budget closes the session from outside as the CLI path does.

napalm is used directly, not through nornir_napalm: its ``napalm_get`` task fails the whole
host at the first getter that raises (one missing getter would lose every fact), and its
connection plugin takes the login from the Nornir inventory, whereas the survey resolves
credentials per host itself (:class:`Credentials`). The hosts still run on the survey's
Nornir threads. Jump hosts and legacy SSH algorithms are not passed to the drivers (not every
driver hands netmiko those arguments): such hosts are surveyed by the CLI path.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from govnet.model.redact import scrub
from govnet.platforms.napalm import GETTERS, PREFIX
from govnet.survey.collect import (
    Budget,
    Collected,
    Credentials,
    ErrorCategory,
    RawText,
    Target,
    _Watchdog,
    close_quickly,
    get_error_category,
    get_error_message,
)


def collect_napalm(
    target: Target,
    driver_name: str | None,
    credentials: Credentials,
    budget: Budget,
    is_stopped: Callable[[], bool] = lambda: False,
) -> Collected:
    """Open the driver, call every getter, close; never raises for anything the device
    does. A getter that raises is noted and the host is partial; one the driver only
    declares (it returns None) is kept as ``null``, its topic then not collected."""
    result = Collected()
    if driver_name is None:
        result.error = ErrorCategory.UNSUPPORTED_PLATFORM
        result.message = (
            f"platform {target.platform!r} declares no NAPALM driver"
            " (driver: napalm:<name> in collectors/<platform>/platform.yaml)"
        )
        return result
    credentials = credentials.for_host(target.name)
    try:
        from napalm import get_network_driver  # type: ignore[import-untyped]
    except ImportError:
        result.error = ErrorCategory.UNSUPPORTED_PLATFORM
        result.message = "napalm is not installed (pip install 'govnet[napalm]')"
        return result
    watchdog = _Watchdog(budget.host)
    device: Any = None
    failed: list[str] = []
    try:
        driver = get_network_driver(driver_name)
        device = driver(
            target.address,
            credentials.username,
            credentials.password,
            timeout=budget.command,
            optional_args={
                "port": target.port,
                "secret": credentials.secret or credentials.password,
                "conn_timeout": budget.connect,
                "auth_timeout": budget.connect,
                "banner_timeout": budget.connect,
                "allow_agent": credentials.agent,
                "key_file": credentials.key_file,
                "use_keys": credentials.key_file is not None,
                "passphrase": credentials.passphrase,
            },
        )
        device.open()
        watchdog.watch(device.device)
        for getter in GETTERS:
            if is_stopped() or watchdog.fired:
                break
            try:
                value = _call(device, getter)
            except Exception as exc:  # one getter: the others still count
                if watchdog.fired or not _is_alive(device):
                    raise
                failed.append(f"{getter}: {get_error_message(exc)}")
                continue
            text = json.dumps(value, sort_keys=True, default=str, ensure_ascii=False)
            result.outputs[PREFIX + getter] = RawText(text, "utf-8")
    except Exception as exc:
        cause = _root(exc)
        result.error = get_error_category(
            cause, connected=device is not None and bool(result.outputs)
        )
        result.message = scrub(get_error_message(cause), credentials.get_secrets())
    finally:
        watchdog.cancel()
        if device is not None and getattr(device, "device", None) is not None:
            close_quickly(device.device)
            # NAPALM's __del__ asks a closed session whether it is alive, which netmiko
            # answers by logging an error: the driver is told it has no session
            device.device = None
    if watchdog.fired:
        result.error = ErrorCategory.TIMEOUT
        result.message = f"cut off: the host took more than its {budget.host:.0f} s budget"
    elif failed:
        result.error = result.error or ErrorCategory.PARSE
        notes = [result.message] if result.message else []
        result.message = scrub("; ".join(notes + failed)[:2000], credentials.get_secrets())
    return result


def _call(device: Any, getter: str) -> Any:
    """One getter; the configuration is the running one only (a startup one is no fact)."""
    if getter == "get_config":
        return device.get_config(retrieve="running")
    return getattr(device, getter)()


def _is_alive(device: Any) -> bool:
    """Whether the session is still open (netmiko's is_alive writes to it, and logs an
    error when it is closed): the channel's own flag."""
    channel = getattr(getattr(device, "device", None), "remote_conn", None)
    return bool(channel is not None and not getattr(channel, "closed", True))


def _root(exc: BaseException) -> BaseException:
    """The exception under NAPALM's wrappers (ConnectionException "Cannot connect to ...")."""
    seen = exc
    while seen.__cause__ is not None or seen.__context__ is not None:
        seen = seen.__cause__ or seen.__context__  # type: ignore[assignment]
    return seen if type(exc).__module__.startswith("napalm") else exc
