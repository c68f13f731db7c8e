"""A PE's VPNv4 sessions to the city's route reflectors, as push treats them: shared
infrastructure of every plan whose VPN goes upstream over them (issue 23; made by
govnet.plan.vpnv4, recorded as SESSION holdings with the plans in the district registry).

- The plan made first builds them; a later plan (a dependant) is refused on the PE while no
  plan using them is applied there, naming the plan that builds them.
- A rollback keeps them while another plan using them is applied on the PE (the builder
  types its rollback without the sessions' undo, and its goal keeps their lines), and says
  so; the last user rolled back removes them (a dependant then types its rollback with
  their undo merged in, made with the plan: ``rollback_last``).

MPLS/LDP, typed with the sessions, is not undone by their rollback lines (as before): a
rollback that removes the sessions aims at a goal without them, and the remediation toward
it (``restore``) takes MPLS off where the backup had none.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from govnet.model.registry import BUILD, Kind
from govnet.platforms import Dialect
from govnet.push.drift import ConfigPath, get_paths, get_tree
from govnet.push.part import APPLY, HostPart, get_push_states
from govnet.store import Store


@dataclass(frozen=True)
class SessionRollback:
    """How a rollback treats the sessions: the lines it types, whether its goal keeps the
    sessions' lines (the device shows them) or drops them, and what it says."""

    lines: tuple[str, ...]
    keep: bool = False
    drop: bool = False
    note: str | None = None


def get_users(store: Store, part: HostPart) -> list[int]:
    """The other plans (not cancelled) that build or use the part's sessions on its host and
    are applied there now, oldest first."""
    if part.session is None:
        return []
    peers = set(part.session["peers"])
    ids = dict.fromkeys(
        h.plan_id
        for h in store.get_plan_holdings()
        if h.kind is Kind.SESSION
        and h.scope == part.host
        and h.value in peers
        and h.plan_id not in (None, part.plan_id)
    )
    return [
        plan_id
        for plan_id in ids
        if plan_id is not None
        and get_push_states(store.get_pushes(plan_id)).get(part.host) == APPLY
    ]


def get_builders(store: Store, part: HostPart) -> list[str]:
    """The plans (not cancelled) that build the part's sessions on its host: "plan N (unit)"."""
    peers = set((part.session or {}).get("peers") or ())
    return list(
        dict.fromkeys(
            f"plan {h.plan_id} ({h.unit})"
            for h in store.get_plan_holdings()
            if h.kind is Kind.SESSION
            and h.scope == part.host
            and h.value in peers
            and h.meaning == BUILD
            and h.plan_id != part.plan_id
        )
    )


def check_built(store: Store, part: HostPart) -> str | None:
    """Why a dependant may not be applied yet (None: it may): its sessions are up only while
    a plan using them is applied on the PE."""
    if part.session is None or part.session.get("builder") is None or get_users(store, part):
        return None
    peers = ", ".join(part.session["peers"])
    builders = get_builders(store, part)
    first = (
        f"push {' or '.join(builders)} on {part.host} first"
        if builders
        else "no plan that builds it is left (cancelled): make this plan again"
    )
    return (
        f"plan {part.plan_id} uses the VPNv4 session(s) from {part.host} to {peers}, which no"
        f" applied plan has built on {part.host}: {first}"
    )


def get_session_rollback(part: HostPart, users: Iterable[int]) -> SessionRollback:
    """The part's rollback as the sessions want it, given the other plans using them that
    are applied on the host (:func:`get_users`)."""
    users = list(users)
    session = part.session
    if session is None:
        return SessionRollback(part.rollback)
    peers = ", ".join(session["peers"])
    build = session.get("builder") is None
    if users:
        named = ", ".join(f"plan {n}" for n in users)
        note = f"the VPNv4 session(s) to {peers} stay: {named} still use(s) them"
        if build:
            return SessionRollback(part.rollback_keep, keep=True, note=note)
        return SessionRollback(part.rollback, note=note)
    note = f"the VPNv4 session(s) to {peers} are removed: no other applied plan uses them"
    if build:
        return SessionRollback(part.rollback, note=note)
    return SessionRollback(part.rollback_last, drop=True, note=note)


def get_goal(
    dialect: Dialect,
    goal: str,
    running: str,
    part: HostPart,
    use: SessionRollback,
    volatile: Iterable[str],
) -> str:
    """``goal`` with the sessions' lines the device shows now (``use.keep``), or without the
    sessions' lines (``use.drop``): :func:`get_session_paths`."""
    if not (use.keep or use.drop) or part.session is None:
        return goal
    tree = get_tree(dialect, goal, volatile)
    if use.keep:
        now = get_paths(get_tree(dialect, running, volatile))
        for path in get_session_paths(dialect, now, part):
            node = tree
            for line in path:  # what the goal lacks of the path
                node = node.get_child(equals=line) or node.add_child(line)
    else:
        paths = get_session_paths(dialect, get_paths(tree), part)
        for path in sorted(paths, key=lambda p: -len(p)):
            node = tree
            for line in path:
                node = node.get_child(equals=line) if node is not None else None
            if node is not None and not node.children:
                node.delete()
    return "\n".join(tree.dump_simple())


def get_session_paths(
    dialect: Dialect, paths: Iterable[ConfigPath], part: HostPart
) -> list[ConfigPath]:
    """Which of ``paths`` (a configuration's) are the sessions': a line of theirs; a line
    under a section only they write, naming no object (the VPNv4 family, where VRP adds
    ``policy vpn-target``); or a line naming a session peer in a section they write into
    (VRP also lists a new peer as enabled in its IPv4 family). A line naming a peer elsewhere
    (the static route to the reflector's loopback) is not theirs."""
    session = part.session or {}
    theirs = set(get_paths(get_tree(dialect, session.get("config") or ())))
    own = {
        path[:n]
        for path in get_paths(get_tree(dialect, part.config))
        if path not in theirs
        for n in range(1, len(path) + 1)
    }
    sections = {
        p for p in theirs if p not in own and not any(dialect.get_objects(line) for line in p)
    }
    tops = {p[0] for p in theirs}
    peers = set(session.get("peers") or ())
    return [
        path
        for path in paths
        if path in theirs
        or any(path[:n] in sections for n in range(1, len(path)))
        or (path[0] in tops and any(peers & set(line.split()) for line in path))
    ]
