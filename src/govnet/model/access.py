"""How govnet logs in to each device: the ``access:`` settings an inventory gives per host,
group or defaults (under ``data:``, where every Nornir inventory plugin keeps custom fields),
and the credentials they name, looked up in the environment or a secret store, never in a
project file.

A credential *reference* (``credentials: core``) names a set of secrets:
``GOVNET_CRED_CORE_USERNAME`` / ``_PASSWORD`` / ``_SECRET`` / ``_PASSPHRASE`` in the
environment, else the ``keyring`` package's store (service ``govnet:core``) when it is
installed. A host with no reference uses ``GOVNET_USERNAME`` / ``GOVNET_PASSWORD`` /
``GOVNET_SECRET`` / ``GOVNET_PASSPHRASE`` (service ``govnet``), as before. A service started
by systemd may instead get each one as a credential of that name (``LoadCredential=``), read
from ``$CREDENTIALS_DIRECTORY`` after the environment.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field
from pydantic_core import PydanticCustomError

from govnet.model.problems import SECRET_ERROR

# Algorithms old devices still need (VRP5, Comware 5, IOS 12 of the 2000s: 1024-bit DH group 1,
# SHA-1 host keys, CBC ciphers). Off unless an inventory asks, per host or group.
LEGACY_ALGORITHMS = (
    "diffie-hellman-group1-sha1",
    "diffie-hellman-group14-sha1",
    "diffie-hellman-group-exchange-sha1",
    "ssh-rsa",
    "3des-cbc",
    "aes128-cbc",
    "aes256-cbc",
    "hmac-sha1",
)
FIELDS = ("username", "password", "secret", "passphrase")
_REFERENCE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


def _check_reference(value: str) -> str:
    if not _REFERENCE.match(value):
        raise ValueError("must be a name of lowercase letters, digits, '-' or '_' (at most 64)")
    return value


def _check_path(value: str) -> str:
    if not value.strip() or "\n" in value or "\x00" in value:
        raise ValueError("must be a file path on one line")
    return value.strip()


def _check_legacy(value: bool | list[str]) -> bool | list[str]:
    if isinstance(value, list):
        unknown = [name for name in value if name not in LEGACY_ALGORITHMS]
        if unknown:
            raise ValueError(
                f"unknown legacy algorithm {', '.join(unknown)}"
                f" (known: {', '.join(LEGACY_ALGORITHMS)})"
            )
    return value


def _refuse_secret(value: Any) -> None:
    if value is not None:
        raise PydanticCustomError(
            SECRET_ERROR,
            "secrets never go in project files: name a credential reference"
            " (credentials: NAME) and set GOVNET_CRED_<NAME>_PASSWORD (_SECRET, _PASSPHRASE)"
            " in the environment or the keyring",
        )


Secret = Annotated[None, BeforeValidator(_refuse_secret)]
Reference = Annotated[str, AfterValidator(_check_reference)]
FilePath = Annotated[str, AfterValidator(_check_path)]


class Access(BaseModel):
    """``data: access:`` of a host, group or the defaults; a host inherits each field from
    its groups (in order), then the defaults, as Nornir inherits ``data``.

    No field holds a secret: a password, passphrase or token here is refused by name."""

    model_config = ConfigDict(
        frozen=True, extra="forbid", str_strip_whitespace=True, populate_by_name=True
    )
    credentials: Reference | None = None
    key_file: FilePath | None = None  # a private key; relative paths from the project folder
    agent: bool | None = None  # offer the keys of the running ssh-agent
    ssh_config: FilePath | None = None  # ssh_config(5): HostName, Port, User, ProxyJump...
    legacy_algorithms: Annotated[bool | list[str], AfterValidator(_check_legacy)] | None = None
    # Refused by name, the value never repeated (any other key is an unknown field).
    password: Secret = None
    secret: Secret = None
    passphrase: Secret = None
    key_passphrase: Secret = Field(None, alias="key-passphrase")
    token: Secret = None

    def over(self, base: Access | None) -> Access:
        """These settings, each field not set here taken from ``base``."""
        if base is None:
            return self
        mine = self.model_dump(exclude_none=True, by_alias=False)
        return base.model_copy(update=mine)

    def get_legacy(self) -> tuple[str, ...]:
        if self.legacy_algorithms is True:
            return LEGACY_ALGORITHMS
        return tuple(self.legacy_algorithms or ())


def merge_access(chain: Iterable[Access | None]) -> Access | None:
    """The host's settings from the most to the least specific (host, groups, defaults)."""
    merged: Access | None = None
    for access in reversed(list(chain)):
        if access is not None:
            merged = access.over(merged)
    return merged


@dataclass(frozen=True)
class Credentials:
    """How to log in to one device: secrets from the environment or a secret store, and the
    SSH options the inventory gives (key file, agent, ssh_config, legacy algorithms).
    ``hosts`` holds the devices that log in otherwise than this default."""

    username: str
    password: str = ""
    secret: str | None = None  # IOS enable secret; the password when not given
    passphrase: str | None = None  # of key_file
    key_file: str | None = None
    agent: bool = False
    ssh_config: str | None = None
    legacy: tuple[str, ...] = ()
    reference: str | None = None  # the credential reference it came from (None: the default)
    hosts: Mapping[str, Credentials] = field(default_factory=dict, compare=False)

    def __repr__(self) -> str:  # never a secret in a log or a traceback
        ref = f", reference={self.reference!r}" if self.reference else ""
        return f"Credentials(username={self.username!r}, password=***{ref})"

    def for_host(self, name: str) -> Credentials:
        """The credentials ``name`` logs in with."""
        return self.hosts.get(name, self)

    def get_secrets(self) -> list[str]:
        """Every secret held, for scrubbing messages (longest first)."""
        found = {self.password, self.secret or "", self.passphrase or ""}
        for other in self.hosts.values():
            found |= set(other.get_secrets())
        return sorted((s for s in found if len(s) >= 3), key=len, reverse=True)


# (reference or None for the default, field) -> the value, or None when this store has none
SecretLookup = Callable[[str | None, str], str | None]


def get_env_name(reference: str | None, name: str) -> str:
    """The environment variable that holds ``name`` for a credential reference.

    >>> get_env_name("core-2", "password"), get_env_name(None, "secret")
    ('GOVNET_CRED_CORE_2_PASSWORD', 'GOVNET_SECRET')
    """
    if reference is None:
        return f"GOVNET_{name.upper()}"
    return f"GOVNET_CRED_{reference.upper().replace('-', '_')}_{name.upper()}"


def env_lookup(environ: Mapping[str, str] | None = None) -> SecretLookup:
    env = os.environ if environ is None else environ

    def lookup(reference: str | None, name: str) -> str | None:
        return env.get(get_env_name(reference, name)) or None

    return lookup


def credentials_dir_lookup(environ: Mapping[str, str] | None = None) -> SecretLookup | None:
    """systemd's credentials of a service (``LoadCredential=GOVNET_PASSWORD:/etc/...``): the
    file named like the environment variable in ``$CREDENTIALS_DIRECTORY``, or None outside
    such a service. systemd.exec(5), "Credentials": the folder is private to the service and
    its files are read-only, so a secret is neither in the environment (readable by every
    process of the user via /proc) nor in a unit or project file."""
    env = os.environ if environ is None else environ
    folder = env.get("CREDENTIALS_DIRECTORY")
    if not folder:
        return None
    root = Path(folder)

    def lookup(reference: str | None, name: str) -> str | None:
        try:
            value = (root / get_env_name(reference, name)).read_text(encoding="utf-8")
        except (FileNotFoundError, NotADirectoryError):
            return None
        return value.rstrip("\r\n") or None  # `echo secret > file` adds a newline

    return lookup


def get_keyring_service(reference: str | None) -> str:
    return "govnet" if reference is None else f"govnet:{reference}"


def keyring_lookup() -> SecretLookup | None:
    """The ``keyring`` package's store (service ``govnet:<reference>``, the field as the
    user name), or None when the package is not installed."""
    try:
        import keyring
        from keyring.errors import KeyringError
    except ImportError:
        return None

    def lookup(reference: str | None, name: str) -> str | None:
        try:
            value: str | None = keyring.get_password(get_keyring_service(reference), name)
        except (KeyringError, RuntimeError):  # no usable backend (a headless server)
            return None
        return value or None

    return lookup


def chain_lookups(*lookups: SecretLookup | None) -> SecretLookup:
    """The first store that has the value: the environment wins over systemd's credentials,
    and both over the keyring."""
    found = [lookup for lookup in lookups if lookup is not None]

    def lookup(reference: str | None, name: str) -> str | None:
        return next((v for one in found if (v := one(reference, name)) is not None), None)

    return lookup


def get_default_lookup() -> SecretLookup:
    return chain_lookups(env_lookup(), credentials_dir_lookup(), keyring_lookup())


class MissingCredentials(ValueError):
    """A reference (or the default) some hosts use has no username, or no password or key."""


@dataclass
class _Needed:
    hosts: list[str] = field(default_factory=list)
    keyless: bool = False  # some host has neither key file nor agent: a password is needed


def resolve_credentials(
    hosts: Iterable[tuple[str, Access | None]],
    root: Path,
    lookup: SecretLookup,
    default: Credentials | None = None,
    ssh_config: str | None = None,
) -> Credentials:
    """Each host's credentials: its reference's secrets (or the default's) with its SSH
    options; paths relative to the project ``root``. ``default``: the default secrets when
    already known (a prompt); else they are looked up like a reference's. ``ssh_config``:
    for hosts whose settings name none (nornir_config.yaml's ``ssh: config_file:``).

    Raises MissingCredentials naming every reference without what its hosts need, and the
    environment variables to set."""
    needed: dict[str | None, _Needed] = {}
    settings: dict[str, Access] = {}
    for name, access in hosts:
        access = access or Access()
        settings[name] = access
        entry = needed.setdefault(access.credentials, _Needed())
        entry.hosts.append(name)
        entry.keyless |= not (access.key_file or access.agent)
    secrets: dict[str | None, Credentials] = {}
    problems: list[str] = []
    for reference, entry in needed.items():
        if reference is None and default is not None:
            secrets[None] = default
            continue
        values = {name: lookup(reference, name) for name in FIELDS}
        missing = [n for n in ("username", "password") if not values[n]]
        if not entry.keyless and missing == ["password"]:
            missing = []  # every host logs in with a key
        if missing:
            named = [h for h in entry.hosts if h]
            shown = ", ".join(named[:3]) + (" ..." if len(named) > 3 else "")
            what = "the default credentials" if reference is None else f"credentials {reference!r}"
            names = " and ".join(get_env_name(reference, n) for n in missing)
            problems.append(
                f"set {names} for {what}{f' (hosts {shown})' if shown else ''}"
                f" (or keyring service {get_keyring_service(reference)!r})"
            )
            continue
        secrets[reference] = Credentials(
            values["username"] or "",
            values["password"] or "",
            values["secret"],
            values["passphrase"],
            reference=reference,
        )
    if problems:
        raise MissingCredentials("; ".join(problems))
    plain = secrets.get(None) or next(iter(secrets.values()), Credentials(""))
    per_host: dict[str, Credentials] = {}
    shared: dict[tuple[Any, ...], Credentials] = {}
    for name, access in settings.items():
        base = secrets[access.credentials]
        options = (
            _get_path(access.key_file, root),
            bool(access.agent),
            _get_path(access.ssh_config or ssh_config, root),
            access.get_legacy(),
        )
        if base is plain and options == (None, False, None, ()):
            continue
        key = (access.credentials, options)
        if key not in shared:
            shared[key] = replace(
                base,
                key_file=options[0],
                agent=options[1],
                ssh_config=options[2],
                legacy=options[3],
            )
        per_host[name] = shared[key]
    return replace(plain, hosts=per_host)


def _get_path(value: str | None, root: Path) -> str | None:
    if value is None:
        return None
    path = Path(value).expanduser()
    return str(path if path.is_absolute() else root / path)
