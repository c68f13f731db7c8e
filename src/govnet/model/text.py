"""What text read from files and devices may hold before it names something an official reads:
no control characters, and nothing that reorders or hides what a reader sees."""

from __future__ import annotations

import re

CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")  # C0, DEL, C1, line breaks
# Characters that make a name look like another (or reorder the text around it) on a screen.
BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\ufeff")


def find_hidden_char(text: str) -> tuple[str, str] | None:
    """The first control, bidi or zero-width character of ``text``: (what it is, its code
    point), or None.

    >>> find_hidden_char("r1\\n")
    ('control character', 'U+000A')
    """
    for char in text:
        code = f"U+{ord(char):04X}"
        if char in BIDI:
            return "bidi control character", code
        if char in ZERO_WIDTH:
            return "zero-width character", code
        if CONTROL_CHARS.match(char):
            return "control character", code
    return None


_EFFECT = {
    "bidi control character": ", which reorders what a reader sees",
    "zero-width character": ", which hides what a reader sees",
}


def get_hidden_char_problem(text: str) -> str | None:
    """Why ``text`` cannot name something a reader sees, or None: the first control, bidi or
    zero-width character, by its code point (never the character itself, which would act).

    >>> get_hidden_char_problem("九龙坡区") is None
    True
    >>> get_hidden_char_problem("人社局\\u202e")
    'has a bidi control character (U+202E), which reorders what a reader sees'
    >>> get_hidden_char_problem("a\\u200bb")
    'has a zero-width character (U+200B), which hides what a reader sees'
    """
    found = find_hidden_char(text)
    if found is None:
        return None
    what, code = found
    return f"has a {what} ({code}){_EFFECT.get(what, '')}"
