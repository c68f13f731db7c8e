"""Drift judged by what a plan touches (issue 23): a district's plans share the county PE,
so a push must not refuse a device only because another plan was pushed there since the
survey, nor because someone changed a section the plan never reads or writes.

A configuration is read as the set of its lines' hierarchical paths (hier_config's tree:
``("interface GE0/0/1.200", "ip binding vpn-instance zw-a")``). What changed since the
plan's baseline is the paths gone and the paths new; each change is then

- **by a push** when a push govnet recorded on this host since the baseline made that very
  change (a path its ``after`` has and its backup had not, or the reverse): reported
  ("push N (plan P)"), never blocking;
- else a hand edit, which **blocks** when it touches the plan (:func:`touches`), and is
  reported without blocking when it does not.

A hand edit made before another plan's push stays a hand edit: that push's backup already
held it, so its own change (backup -> after) does not explain it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from ipaddress import IPv4Network
from typing import Any

from hier_config import HConfig

from govnet.model.plans import Check
from govnet.platforms import Dialect, any_of
from govnet.store import Store

ConfigPath = tuple[str, ...]
EXITS = {"quit", "exit", "exit-address-family", "return", "end"}


@dataclass(frozen=True)
class Change:
    """One path gone (``-``) or new (``+``) since the baseline; ``leaf``: a line with no
    lines under it (in the configuration that holds it)."""

    sign: str
    path: ConfigPath
    leaf: bool

    @property
    def text(self) -> str:
        return f"{self.sign} " + " / ".join(self.path)


@dataclass
class Drift:
    """What differs from the baseline, sorted by what it means for this push."""

    blocking: list[str] = field(default_factory=list)  # hand edits in what the plan touches
    elsewhere: list[str] = field(default_factory=list)  # hand edits the plan does not touch
    by_pushes: list[str] = field(default_factory=list)  # "push N (plan P): + a / b"


@dataclass(frozen=True)
class Touched:
    """What a plan reads or writes on one host: the sections it writes a line into, its
    lines' paths (and their ancestors), and the objects its lines and checks name."""

    sections: frozenset[ConfigPath]
    paths: frozenset[ConfigPath]
    objects: frozenset[tuple[str, str]]


def get_tree(dialect: Dialect, text: str | Sequence[str], volatile: Iterable[str] = ()) -> Any:
    """The configuration as hier_config's tree, ``volatile`` lines left out; a plan's lines
    (a sequence) without the words that leave a section."""
    drop = any_of(volatile)
    if isinstance(text, str):
        lines = text.splitlines()
    else:
        lines = [ln for ln in text if ln.strip() not in EXITS]
    return dialect.get_hconfig([ln for ln in lines if drop is None or not drop.search(ln)])


def get_paths(tree: HConfig) -> dict[ConfigPath, bool]:
    """Every line's path in the tree, and whether it is a leaf."""
    return {tuple(child.path()): child.is_leaf for child in tree.all_children()}


def get_changes(
    dialect: Dialect, before: str, after: str, volatile: Iterable[str] = ()
) -> list[Change]:
    """The paths ``before`` has and ``after`` has not (-), then the reverse (+)."""
    old = get_paths(get_tree(dialect, before, volatile))
    new = get_paths(get_tree(dialect, after, volatile))
    gone = [Change("-", p, leaf) for p, leaf in old.items() if p not in new]
    return gone + [Change("+", p, leaf) for p, leaf in new.items() if p not in old]


def get_touched(
    dialect: Dialect, host: str, lines: Sequence[str], undo: Sequence[str], checks: Iterable[Check]
) -> Touched:
    """What a plan's lines, rollback lines and checks on ``host`` touch. A section a plan
    line sits directly in is written into; a header with lines of its own under it does not
    write into its parent (a plan adding ``bgp 100 / ipv4-family vpn-instance zw-a`` leaves
    the rest of ``bgp 100`` alone)."""
    sections: set[ConfigPath] = set()
    paths: set[ConfigPath] = set()
    objects: set[tuple[str, str]] = set()
    negation = dialect.negation
    undone = [  # a rollback line names what it removes
        ln[: len(ln) - len(ln.lstrip())] + ln.strip().removeprefix(negation) for ln in undo
    ]
    written = get_paths(get_tree(dialect, lines))
    for group in (written, get_paths(get_tree(dialect, undone))):
        for path, leaf in group.items():
            paths.update(path[:n] for n in range(1, len(path) + 1))
            # ``undo`` of a section the plan adds removes the section: no line of its parent
            if leaf and written.get(path, True) and len(path) > 1:
                sections.add(path[:-1])
            for line in path:
                objects |= dialect.get_objects(line)
    for check in checks:
        if check.host != host:
            continue
        if check.interface:
            objects.add(("interface", check.interface))
        if check.vpn:
            objects.add(("vpn", check.vpn))
        if check.kind == "route" and check.prefix:
            try:
                prefix = str(IPv4Network(check.prefix, strict=False))
            except ValueError:
                prefix = check.prefix
            objects.add(("route", f"{check.vpn or ''} {prefix}".strip()))
    # a sub-interface touches its port too (a port shut takes its sub-interfaces down)
    ports = {("interface", name.split(".")[0]) for kind, name in objects if kind == "interface"}
    return Touched(frozenset(sections), frozenset(paths), frozenset(objects | ports))


def touches(dialect: Dialect, change: Change, touched: Touched) -> bool:
    """Whether a hand edit touches the plan: a line in a section the plan writes into, a
    plan line itself or a section holding one, or a line naming an object the plan names
    (an interface, a VPN instance, a route's VPN and prefix; a sibling sub-interface is
    another object)."""
    if change.leaf and change.path[:-1] in touched.sections:
        return True
    if change.path in touched.paths:
        return True
    named = {o for line in change.path for o in dialect.get_objects(line)}
    return not named.isdisjoint(touched.objects)


def judge(
    dialect: Dialect,
    changes: Sequence[Change],
    touched: Touched,
    pushes: Sequence[Mapping[str, Any]],
    volatile: Iterable[str] = (),
) -> Drift:
    """Sort ``changes`` (baseline -> device now): made by one of ``pushes`` (the host's
    recorded pushes since the baseline, oldest first; the newest that made a change names
    it), else a hand edit that blocks when it touches the plan."""
    made: list[tuple[Mapping[str, Any], set[tuple[str, ConfigPath]]]] = []
    for push in pushes:
        if push.get("backup") and push.get("after"):
            theirs = get_changes(dialect, push["backup"], push["after"], volatile)
            made.append((push, {(c.sign, c.path) for c in theirs}))
    sorted_: dict[tuple[str, ConfigPath], str] = {}  # (sign, path) -> where it goes
    drift = Drift()
    for change in changes:
        key = (change.sign, change.path)
        by = next((p for p, theirs in reversed(made) if key in theirs), None)
        if by is not None:
            where = f"push {by['id']} (plan {by['plan_id']})"
        elif touches(dialect, change, touched):
            where = "blocking"
        else:
            where = "elsewhere"
        sorted_[key] = where
        if sorted_.get((change.sign, change.path[:-1])) == where:
            continue  # its section is listed, gone or new as a whole, for the same reason
        if where == "blocking":
            drift.blocking.append(change.text)
        elif where == "elsewhere":
            drift.elsewhere.append(change.text)
        else:
            drift.by_pushes.append(f"{where}: {change.text}")
    return drift


def get_share_undone(
    dialect: Dialect, running: str, backup: str, after: str, volatile: Iterable[str] = ()
) -> str:
    """The device as it should be once a plan's push (``backup`` -> ``after``) is undone and
    nothing else: ``running`` without the paths that push added (a section keeps its header
    while lines of others' stay under it) and with the paths it removed back. A rollback
    after other plans' pushes on the same PE aims here, not at its backup, which would undo
    theirs."""
    tree = get_tree(dialect, running, volatile)
    changes = get_changes(dialect, backup, after, volatile)
    for change in sorted(changes, key=lambda c: -len(c.path)):
        if change.sign == "+":
            node: Any = tree
            for line in change.path:
                node = node.get_child(equals=line) if node is not None else None
            if node is not None and not node.children:
                node.delete()
    for change in sorted(changes, key=lambda c: len(c.path)):
        if change.sign == "-":
            tree.add_children_deep(change.path)
    return "\n".join(tree.dump_simple())


def get_pushes_since(
    store: Store, host: str, survey_run: int | None = None, after_push: int | None = None
) -> list[dict[str, Any]]:
    """The pushes recorded on ``host`` that a baseline does not hold, oldest first: those
    after push ``after_push`` (a rollback's baseline is its apply's ``after``), or those that
    ended after the snapshot of ``survey_run`` began to be read (its campaign's first run)."""
    pushes = store.get_pushes(hostname=host)
    if after_push is not None:
        return [p for p in pushes if p["id"] > after_push]
    runs = store.get_survey_runs()
    run = next((r for r in runs if r["id"] == survey_run), None)
    if run is None:
        return pushes
    same = [r for r in runs if r["id"] <= run["id"]]
    if run["campaign"] is not None:
        same = [r for r in same if r["campaign"] == run["campaign"]]
    else:
        same = [run]
    start = min(r["started_at"] for r in same)
    return [p for p in pushes if (p["finished_at"] or p["started_at"]) >= start]
