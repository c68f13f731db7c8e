"""Values that may reach a device configuration, checked before any config is written.

A generated config is typed, line by line, into a router's CLI. Text that came from an
inventory, a ledger or a device (a unit's name, an interface description, a VPN name) must
not be able to end a line, open a new one, call the CLI's help or completion, or leave
configuration mode: a newline in a description would otherwise become a command. So every
value a template prints is a :class:`Safe` string made here, and the template engine
(``govnet.plan.templates``) refuses to print anything else.

Names (VPN instances, interfaces, ACLs) are *rejected* when they are not plain: nothing in
them may be guessed. Descriptions are free text people wrote, so they are *neutralised*:
control characters become spaces, the characters that trigger CLI help (``?``) or
completion become harmless look-alikes, and the text is cut to the vendor's length.

>>> to_description("至市应急汇聚\\nshutdown", 242)
'至市应急汇聚 shutdown'
>>> to_name("zw-jinbao", "VPN instance")
'zw-jinbao'
>>> to_name("zw jinbao\\nquit", "VPN instance")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
govnet.plan.configsafe.UnsafeValue: VPN instance 'zw jinbao\\nquit': only letters, digits, ...
"""

from __future__ import annotations

import re
import unicodedata
from ipaddress import IPv4Address, IPv4Interface, IPv4Network

from govnet.model.problems import UsageError

__all__ = [
    "Safe",
    "UnsafeValue",
    "is_safe",
    "to_address",
    "to_description",
    "to_interface",
    "to_name",
    "to_route_target",
]

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,30}")
_INTERFACE = re.compile(r"[A-Za-z][A-Za-z-]*[0-9][0-9/:]*(\.[0-9]{1,4})?")
_RT = re.compile(r"(\d{1,10}):(\d{1,10})")
# Typed into a CLI, these do something other than print themselves: help, completion,
# "end"/abort keys on some vendors. Full-width look-alikes read the same to a person.
_CLI_KEYS = str.maketrans({"?": "？", "\t": " "})


class UnsafeValue(UsageError):
    """A value that would not be safe, or not valid, in a device configuration."""

    def __init__(self, what: str, value: object, why: str) -> None:
        super().__init__(f"{what} {value!r}: {why}")
        self.what = what
        self.value = value
        self.why = why


class Safe(str):
    """Text checked by this module; the only strings a config template may print."""

    __slots__ = ()


def is_safe(value: object) -> bool:
    """Whether a template may print ``value`` as it is.

    >>> is_safe(Safe("GigabitEthernet0/0/1")), is_safe("GigabitEthernet0/0/1"), is_safe(200)
    (True, False, True)
    """
    if isinstance(value, bool):
        return False
    return isinstance(value, Safe | int | IPv4Address | IPv4Interface | IPv4Network)


def to_name(value: str, what: str) -> Safe:
    """A VPN instance, ACL or other object name: plain ASCII or rejected.

    >>> to_name("2000", "ACL")
    '2000'
    """
    if not isinstance(value, str) or not _NAME.fullmatch(value):
        raise UnsafeValue(
            what,
            value,
            "only letters, digits, '_', '-' and '.' (at most 31), starting with a letter or digit",
        )
    return Safe(value)


def to_interface(value: str, what: str = "interface") -> Safe:
    """An interface name as the device writes it (``GigabitEthernet0/0/1.200``).

    >>> to_interface("GigabitEthernet0/0/1.200")
    'GigabitEthernet0/0/1.200'
    >>> to_interface("GigabitEthernet0/0/1 ; reboot")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    govnet.plan.configsafe.UnsafeValue: interface 'GigabitEthernet0/0/1 ; reboot': not an ...
    """
    if not isinstance(value, str) or len(value) > 64 or not _INTERFACE.fullmatch(value):
        raise UnsafeValue(what, value, "not an interface name")
    return Safe(value)


def to_route_target(value: str, what: str = "route distinguisher") -> Safe:
    """``ASN:number`` (the form govnet generates).

    >>> to_route_target("65001:105")
    '65001:105'
    """
    m = _RT.fullmatch(value) if isinstance(value, str) else None
    if m is None or int(m[1]) > 4294967295 or int(m[2]) > 4294967295:
        raise UnsafeValue(what, value, "not ASN:number")
    return Safe(value)


def to_address(value: object, what: str = "address") -> Safe:
    """A dotted IPv4 address.

    >>> to_address("10.0.0.1"), to_address(IPv4Address("10.0.0.2"))
    ('10.0.0.1', '10.0.0.2')
    """
    try:
        return Safe(str(IPv4Address(str(value))))
    except ValueError:
        raise UnsafeValue(what, value, "not an IPv4 address") from None


def to_description(text: str, limit: int) -> Safe:
    """Free text made harmless for a ``description`` line of at most ``limit`` characters
    (the platform's, ``description_max`` in its platform.yaml).

    Control and format characters (newline, carriage return, escape, ctrl-Z, zero-width and
    direction marks) become single spaces; ``?`` (CLI help) becomes ``？``; leading and
    repeated spaces go; the result is cut to the vendor's length. Empty text is refused:
    a bare ``description`` is a different command.

    >>> to_description("  To PE?\\r\\n\\x1aend ", 240)
    'To PE？ end'
    >>> len(to_description("测" * 300, 240))
    240
    """
    cleaned = "".join(
        " " if unicodedata.category(ch)[0] in ("C", "Z") else ch for ch in text.translate(_CLI_KEYS)
    )
    cleaned = " ".join(cleaned.split())[:limit].rstrip()
    if not cleaned:
        raise UnsafeValue("description", text, "empty once control characters are removed")
    return Safe(cleaned)
