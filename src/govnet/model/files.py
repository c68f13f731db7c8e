"""Files govnet writes and finds: one atomic writer, one resolver of a project's file else
the bundled one.

A report, a plan or an inventory file is replaced whole or not at all: it is written to a
temporary file beside the target, flushed to disk, given the permissions an ordinary new
file gets (or the replaced file's), and renamed over the target, so a reader (or a crash)
never sees half a file. A folder (a plan's) is built aside and swapped in the same way.

A project may hold its own copy of any bundled file (``playbooks/policy.yaml``, templates,
collectors); its copy wins:

>>> resolve(None, "playbooks/policy.yaml") == get_bundled_root() / "playbooks/policy.yaml"
True

A CSV cell is written so a spreadsheet shows it rather than runs it: text starting like a
formula gets a leading tab (:func:`neutralise_csv_cell`), which a ledger import strips again.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

__all__ = [
    "get_bundled_data",
    "get_bundled_root",
    "get_umask",
    "neutralise_csv_cell",
    "resolve",
    "search_path",
    "write_atomically",
    "write_atomically_with",
    "writing_folder",
]


def get_bundled_root() -> Path:
    """The example project shipped with govnet: its inventory, collectors and playbooks are
    the defaults a project does not copy."""
    return Path(str(resources.files("govnet").joinpath("data/example")))


def get_bundled_data(name: str) -> Path:
    """A data file of the govnet package itself (divisions, ledger columns, page template)."""
    return Path(str(resources.files("govnet").joinpath("data", name)))


def resolve(root: Path | None, relative: str | Path) -> Path:
    """The project's ``relative`` file if it has one, else the bundled one."""
    if root is not None and (root / relative).exists():
        return root / relative
    return get_bundled_root() / relative


def search_path(root: Path | None, relative: str | Path) -> list[Path]:
    """Folders to look in, in order: the project's ``relative`` folder, then the bundled one
    (templates and runbooks: a project's file of a name wins)."""
    bundled = get_bundled_root() / relative
    own = [root / relative] if root is not None and root / relative != bundled else []
    return [*own, bundled]


# What makes Excel or LibreOffice run a cell as a formula (or a DDE call): =, +, -, @ first,
# or a tab or CR before one (OWASP's list).
FORMULA_STARTS = frozenset("=+-@\t\r")


def neutralise_csv_cell(text: str) -> str:
    r"""``text`` as a CSV cell a spreadsheet opens as text, never as a formula: a cell that
    starts like one gets a leading tab. Only text is given to it: a number written as a
    number (``-12.5``) is a number; text that looks like one (a circuit id ``-0042``) stays
    text.

    >>> neutralise_csv_cell('=HYPERLINK("http://x","y")')
    '\t=HYPERLINK("http://x","y")'
    >>> neutralise_csv_cell("@SUM(A1)"), neutralise_csv_cell("-0042"), neutralise_csv_cell("九龙坡")
    ('\t@SUM(A1)', '\t-0042', '九龙坡')
    """
    if text[:1] in FORMULA_STARTS:
        return "\t" + text
    return text


def get_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_atomically(path: Path, text: str) -> None:
    """``text`` (UTF-8, newlines as given) into ``path``, whole or not at all."""

    def save(temp: Path) -> None:
        temp.write_text(text, encoding="utf-8", newline="")

    write_atomically_with(path, save)


def write_atomically_with(path: Path, save: Callable[[Path], object]) -> None:
    """``save`` writes a temporary file beside ``path``; it is flushed to disk, given an
    ordinary file's permissions (the replaced file's, else what the umask gives a new file,
    not mkstemp's 0600) and renamed over ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    temp = Path(name)
    try:
        save(temp)
        with temp.open("rb+") as handle:
            os.fsync(handle.fileno())
        if path.exists():
            shutil.copymode(path, temp)
        else:
            temp.chmod(0o666 & ~get_umask())
        os.replace(temp, path)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise _naming(exc, path) from exc
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def _naming(exc: OSError, path: Path) -> OSError:
    """The error with the file it was writing (a failed write() names none: disk full)."""
    if exc.filename is not None:
        return exc
    return type(exc)(exc.errno, exc.strerror, str(path))


@contextmanager
def writing_folder(target: Path) -> Iterator[Path]:
    """A new folder to fill, swapped in for ``target`` when the block ends without error
    (the old one removed), or removed if it fails: ``target`` is whole, old or new."""
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    work.chmod(0o777 & ~get_umask())  # an ordinary folder, not mkdtemp's 0700
    try:
        yield work
        old = target.with_name(f".{target.name}.old")
        if old.exists():
            shutil.rmtree(old)
        if target.exists():
            target.rename(old)
        work.rename(target)
        if old.exists():
            shutil.rmtree(old)
    except OSError as exc:
        shutil.rmtree(work, ignore_errors=True)
        raise _naming(exc, target) from exc
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
