"""The words of a router shell, shared by the session engine and the vendors that plug into it.

A session (govnet_lab.session) is a pure state machine, text in, chunks out; the vendors'
session commands (govnet_lab.vendors) change its mode and answer in the same chunks.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class ChunkKind(Enum):
    ECHO = "echo"  # the user's own keystrokes (and the newline that ends a command)
    OUTPUT = "output"  # a command's answer (or its first page); the server may delay it
    PAGE = "page"  # more prompts, their erasure and the pages after the first
    PROMPT = "prompt"


@dataclass(frozen=True)
class Chunk:
    kind: ChunkKind
    text: str


class Mode(Enum):
    USER = "user"  # Huawei/H3C user view, IOS user EXEC
    ENABLE = "enable"  # IOS privileged EXEC
    CONFIG = "config"
    PASSWORD = "password"  # IOS `enable` waiting for the secret
    CONFIRM = "confirm"  # Huawei `save` waiting for y/n


def to_crlf(text: str) -> str:
    """Output as devices send it: every line ending in CR LF, none left open."""
    if not text:
        return ""
    return "".join(line + "\r\n" for line in text.splitlines())


def abbreviates(word: str, keyword: str, minimum: int) -> bool:
    """Whether ``word`` is ``keyword`` or an accepted abbreviation of it."""
    return len(word) >= minimum and keyword.startswith(word)
