"""What every command shares: the root Typer app and its global options, the consoles
(only the command line prints), user errors turned into one message and an exit code, JSON
output and the credentials prompt.

Text from devices and inventories reaches the terminal as it is written, never as rich markup
(a description holding ``[/]`` or ``[link=...]``) nor as control sequences (ESC, BEL, CR,
backspace, C1, bidi overrides): the consoles read no markup unless a caller asks for it, and
every string they render goes through :func:`visible` first."""

from __future__ import annotations

import datetime as dt
import errno
import json
import os
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, TypeVar

import typer
from rich.console import Console
from rich.text import Text

from govnet import __version__
from govnet.app.project import Project, ProjectError
from govnet.cli.tables import Col, print_table
from govnet.model.divisions import DivisionImportError, Level
from govnet.model.problems import Problem, ProblemsError, UsageError
from govnet.model.redact import get_url_secrets, scrub
from govnet.reports.base import View, ViewTable
from govnet.store import DB_URL_ENV, StoreError

if TYPE_CHECKING:
    from govnet.app.classify import SurveyGaps
    from govnet.model.access import Credentials

EXIT_ERROR = 1


EXIT_INTERRUPTED = 130


# What a terminal acts on rather than shows: C0 but tab and newline, DEL, C1, the line and
# paragraph separators, and the characters that reorder or hide text (bidi, zero-width, BOM).
UNSAFE_CHARS = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]"
)


def visible(text: str) -> str:
    r"""``text`` with every character a terminal would act on shown as its escape instead.

    >>> visible("ge0/0 \x1b]0;owned\x07 [/] \u202eevil")
    'ge0/0 \\x1b]0;owned\\x07 [/] \\u202eevil'
    """
    return UNSAFE_CHARS.sub(_escape_char, text)


def _escape_char(match: re.Match[str]) -> str:
    code = ord(match[0])
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _json_escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match[0]):04x}"


class SafeConsole(Console):
    """A console that shows every string it renders (printed, a table cell, a title) with
    :func:`visible`, reads markup only when asked (``markup=True``) and never emoji codes."""

    def __init__(self, *, stderr: bool = False) -> None:
        super().__init__(stderr=stderr, highlight=False, soft_wrap=True, markup=False, emoji=False)

    def render_str(self, text: str, **kwargs: Any) -> Text:
        return super().render_str(visible(text), **kwargs)


out = SafeConsole()


err = SafeConsole(stderr=True)


app = typer.Typer(
    name="govnet",
    help="Survey, classify, plan and report the consolidation of e-government networks.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@dataclass
class Options:
    project: Path | None
    db: str | None

    def get_project(self) -> Project:
        return Project.find(self.project, self.db)


class UserError(Exception):
    """A mistake the user can fix; the message says how."""


F = TypeVar("F", bound=Callable[..., Any])


# The store URL's passwords (--db, else $GOVNET_DB_URL): never in a message, whatever quotes it.
_secrets: list[str] = []


def hide_secrets(url: str | None) -> None:
    """Keep ``url``'s passwords out of every error and problem printed from now on."""
    _secrets[:] = get_url_secrets(url) if url else []


def fail(message: str, code: int = EXIT_ERROR) -> NoReturn:
    err.print(f"error: {scrub(message, _secrets)}", markup=False)
    raise typer.Exit(code)


# A full disk (or quota, or file size limit) while writing: the writers leave nothing half
# written (govnet.model.files), so it is said in one line like any other user-side problem.
_NO_SPACE = frozenset({errno.ENOSPC, errno.EFBIG, errno.EDQUOT})


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn the library's user-facing errors into messages and exit codes."""
    try:
        yield
    except ProblemsError as exc:
        print_problems(exc.problems)
        raise typer.Exit(EXIT_ERROR) from None
    except (ProjectError, StoreError, UserError, UsageError, DivisionImportError) as exc:
        fail(str(exc))
    except OSError as exc:
        if exc.errno not in _NO_SPACE:
            raise
        where = f" writing {exc.filename}" if exc.filename else ""
        fail(
            f"no space{where} ({exc.strerror}): nothing was left half-written;"
            " free some space and run it again"
        )


def handles_errors(func: F) -> F:
    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with user_errors():
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def print_problems(problems: list[Problem]) -> None:
    for problem in problems:
        err.print(scrub(str(problem), _secrets), markup=False)
    errors = sum(p.severity == "error" for p in problems)
    warnings = len(problems) - errors
    err.print(f"{errors} error(s), {warnings} warning(s)", markup=False)


def print_json(data: Any) -> None:
    """JSON on stdout, indented, as is (rich's highlighter takes minutes and gigabytes on a
    whole country's coverage); the characters a terminal would act on that JSON leaves as
    they are (C1, DEL, bidi) written as ``\\uXXXX``: the same data, nothing run."""
    text = json.dumps(data, ensure_ascii=False, indent=2, default=_json_default)
    sys.stdout.write(UNSAFE_CHARS.sub(_json_escape, text))
    sys.stdout.write("\n")
    sys.stdout.flush()


def _json_default(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot serialise {type(value).__name__}")


ProjectOpt = Annotated[
    Path | None,
    typer.Option(
        "--project", "-p", help="Project folder (holds nornir_config.yaml).", file_okay=False
    ),
]


DbOpt = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="Store URL (default: $GOVNET_DB_URL, else SQLite in .govnet/).",
        show_default=False,
    ),
]


JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
# A survey's time limits, shared by `govnet survey` and the campaign worker.
ConnectTimeoutOpt = Annotated[
    float, typer.Option(min=1, help="Seconds for TCP, SSH banner and login, each.")
]
CommandTimeoutOpt = Annotated[
    float, typer.Option(min=1, help="Seconds for one command's whole output.")
]
HostTimeoutOpt = Annotated[
    float, typer.Option(min=1, help="Seconds for a whole host; then its session is cut off.")
]


FormatOpt = Annotated[
    str | None,
    typer.Option("--format", help="Also write files under reports/<date>/: csv,json."),
]


LevelOpt = Annotated[
    Level, typer.Option("--level", help="The deepest level listed (default: town).")
]


DivisionOpt = Annotated[
    str | None,
    typer.Option(
        "--division",
        help="Division code, or 'all' for the whole country (default: the smallest"
        " division holding every unit).",
    ),
]


AllowIncompleteOpt = Annotated[
    bool,
    typer.Option(
        "--allow-incomplete",
        help="Use an unfinished survey (interrupted or still running); every output names"
        " the hosts it lacks.",
    ),
]


WideOpt = Annotated[
    bool,
    typer.Option(
        "--wide",
        help="Tables at their full width, whatever the terminal's (for `less -S` or a file);"
        " otherwise a table too wide for the terminal is listed as records.",
    ),
]


ClassificationOpt = Annotated[
    int | None,
    typer.Option("--classification", help="A stored classification (default: the latest)."),
]


def _version(value: bool) -> None:
    if value:
        out.print(f"govnet {__version__}")
        raise typer.Exit()


@app.callback()
def main_callback(
    ctx: typer.Context,
    project: ProjectOpt = None,
    db: DbOpt = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print version.")
    ] = False,
) -> None:
    hide_secrets(db or os.environ.get(DB_URL_ENV))
    ctx.obj = Options(project, db)


def get_options(ctx: typer.Context) -> Options:
    obj = ctx.find_root().obj
    assert isinstance(obj, Options)
    return obj


def get_credentials(project: Project | None = None) -> Credentials:
    """Each host's login: its inventory ``access:`` settings and the credentials they name
    (govnet.model.access: GOVNET_CRED_<NAME>_* or the keyring); hosts naming none use
    GOVNET_USERNAME / GOVNET_PASSWORD (GOVNET_SECRET for IOS enable), else a prompt."""
    from govnet.model.access import (
        Access,
        Credentials,
        MissingCredentials,
        get_default_lookup,
        resolve_credentials,
    )

    lookup = get_default_lookup()
    hosts: list[tuple[str, Access | None]] = [("", None)]
    root, ssh_config = Path.cwd(), None
    if project is not None:
        inventory = project.get_inventory()
        hosts, root = [(h.name, h.access) for h in inventory.hosts], inventory.root
        ssh_config = project.get_ssh_config()
    default = None
    uses_default = any(a is None or a.credentials is None for _, a in hosts)
    if uses_default and not (lookup(None, "username") and lookup(None, "password")):
        keyless = any(a is None or not (a.key_file or a.agent) for _, a in hosts)
        if keyless and sys.stdin.isatty():
            username = lookup(None, "username") or typer.prompt("username")
            password = lookup(None, "password") or typer.prompt("password", hide_input=True)
            default = Credentials(
                username, password, lookup(None, "secret"), lookup(None, "passphrase")
            )
    try:
        return resolve_credentials(hosts, root, lookup, default, ssh_config)
    except MissingCredentials as exc:
        raise UserError(
            f"no credentials: {exc} (for the lab: source .govnet/lab/credentials.env)"
        ) from None


def warn_survey_gaps(gaps: SurveyGaps) -> None:
    """An unfinished survey used with --allow-incomplete: said, with every host it lacks."""
    if gaps.complete:
        return
    err.print(f"warning: {gaps.describe()}; used anyway (--allow-incomplete)", markup=False)
    if gaps.missing:
        err.print(f"  hosts without a result: {', '.join(gaps.missing)}", markup=False)


def render_view(view: View, wide: bool = False) -> None:
    """A report's terminal view: its tables drawn so that no id, code or figure is cut
    (:mod:`govnet.cli.tables`), its lines as they are."""
    for block in view:
        if isinstance(block, ViewTable):
            columns = [Col(c.header, c.justify, keep=c.no_wrap) for c in block.columns]
            print_table(out, columns, block.rows, block.title, wide)
        elif not block.spans:
            out.print()
        elif all(style is None for _, style in block.spans):
            out.print("".join(text for text, _ in block.spans), markup=False)
        else:
            out.print(
                Text.assemble(*[(visible(t), s) if s else visible(t) for t, s in block.spans])
            )
