"""Reading the inventory files and checking them across each other: a unit named but not
defined, an unknown division code, a duplicate circuit id. Every problem is named by file,
line and field; the inventory is None when any is an error, so Nornir (and the store) only
ever see files that passed.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Collection, Iterable, Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from govnet.model.access import merge_access
from govnet.model.divisions import DivisionTree, Level, get_level, get_parent_code
from govnet.model.inventory import (
    KNOWN_PLATFORMS,
    LINES_FILE,
    NORNIR_CONFIG,
    UNIT_LEVELS,
    UNITS_FILE,
    Defaults,
    Frozen,
    Group,
    Host,
    Inventory,
    Line,
    NornirConfig,
    NornirEntry,
    ResolvedHost,
    Unit,
    UnitKind,
    get_hostname_problem,
)
from govnet.model.problems import (
    Problem,
    ProblemsError,
    YamlDoc,
    has_errors,
    load_yaml,
    validation_to_problems,
)


def _load_list(
    doc: YamlDoc, top: str, model: type[Frozen], id_field: str
) -> tuple[list[Any], list[Problem]]:
    """Validate each item of ``top:`` on its own, so one bad entry hides no other."""
    problems: list[Problem] = []
    data = doc.data
    if not isinstance(data, dict) or set(data) != {top}:
        return [], [Problem(doc.label, f"must be a mapping with the one key '{top}:'", 1)]
    items = data[top] or []
    if not isinstance(items, list):
        return [], [Problem(doc.label, f"'{top}' must be a list", doc.line_of((top,)))]
    loaded: list[Any] = []
    for index, item in enumerate(items):
        label = f"{top}[{index}]"
        if isinstance(item, dict) and item.get(id_field) is not None:
            label = f"{top}[{index}] {item[id_field]!s}"
        if not isinstance(item, dict):
            problems.append(
                Problem(doc.label, "must be a mapping", doc.line_of((top, index)), label)
            )
            continue
        try:
            loaded.append(model.model_validate(item))
        except ValidationError as exc:
            problems += validation_to_problems(exc, doc, (top, index), label)
    return loaded, problems


def _load_mapping(doc: YamlDoc | None, model: type[Frozen]) -> tuple[dict[str, Any], list[Problem]]:
    if doc is None or doc.data is None:
        return {}, []
    if not isinstance(doc.data, dict):
        return {}, [Problem(doc.label, "must be a mapping of name to entry", 1)]
    loaded: dict[str, Any] = {}
    problems: list[Problem] = []
    for name, item in doc.data.items():
        name = str(name)
        problem = get_hostname_problem(name)
        if problem is not None:
            shown = name if name.isprintable() else repr(name)
            problems.append(Problem(doc.label, f"name {problem}", doc.line_of((name,)), shown))
            continue
        try:
            loaded[name] = model.model_validate(item if item is not None else {})
        except ValidationError as exc:
            problems += validation_to_problems(exc, doc, (name,), name)
    return loaded, problems


def load_nornir_config(root: Path) -> tuple[NornirConfig | None, list[Problem]]:
    doc, problems = load_yaml(root / NORNIR_CONFIG, NORNIR_CONFIG)
    if doc is None:
        return None, problems
    try:
        return NornirConfig.model_validate(doc.data or {}), []
    except ValidationError as exc:
        return None, validation_to_problems(exc, doc, (), None)


# (project root, plugin name, its options) -> {"hosts": ..., "groups": ..., "defaults": ...}
PluginSource = Callable[[Path, str, Mapping[str, Any]], dict[str, Any]]


def load_inventory(
    root: Path,
    tree: DivisionTree,
    platforms: Collection[str] = (),
    source: PluginSource | None = None,
) -> tuple[Inventory | None, list[Problem]]:
    """Load and check every inventory file; the inventory is None when any has an error.
    ``platforms``: the project's own platforms (collectors/), known besides the bundled;
    ``source``: loads the hosts of an inventory plugin other than SimpleInventory (Nornir's
    job, so the caller's), checked here like hosts.yaml entries."""
    config, problems = load_nornir_config(root)
    if config is None:
        return None, problems
    opts = config.inventory.options
    plugin = config.inventory.plugin
    from_plugin: dict[str, YamlDoc | None] = {}
    if plugin != "SimpleInventory":
        entries, found = _load_plugin(root, plugin, opts.model_dump(exclude_unset=True), source)
        if entries is None:
            return None, found
        config_path = root / NORNIR_CONFIG
        from_plugin = {
            key: YamlDoc(config_path, f"{plugin} inventory ({key})", entries.get(key), {})
            for key in ("hosts", "groups", "defaults")
        }
    labels = {
        "hosts": opts.host_file,
        "groups": opts.group_file,
        "defaults": opts.defaults_file,
        "units": UNITS_FILE,
        "lines": LINES_FILE,
    }
    docs: dict[str, YamlDoc | None] = dict(from_plugin)
    for key, label in labels.items():
        if key in from_plugin:
            continue
        optional = key in ("groups", "defaults") and not (root / label).exists()
        if optional:
            docs[key] = None
            continue
        doc, found = load_yaml(root / label, label)
        docs[key], problems = doc, problems + found

    units: list[Unit] = []
    lines: list[Line] = []
    if docs["units"] is not None:
        units, found = _load_list(docs["units"], "units", Unit, "id")
        problems += found
    if docs["lines"] is not None:
        lines, found = _load_list(docs["lines"], "lines", Line, "circuit_id")
        problems += found
    groups, found = _load_mapping(docs["groups"], Group)
    problems += found
    hosts, found = _load_mapping(docs["hosts"], Host)
    problems += found
    defaults = Defaults()
    defaults_doc = docs["defaults"]
    if defaults_doc is not None and defaults_doc.data is not None:
        try:
            defaults = Defaults.model_validate(defaults_doc.data)
        except ValidationError as exc:
            problems += validation_to_problems(exc, defaults_doc, (), None)

    # Cross-references are checked against every name a file declares, valid or not, so
    # one bad entry is reported once and not again by every entry that names it.
    unit_ids = _get_declared(docs["units"], "units", "id")
    host_names = _get_declared(docs["hosts"], None, None)
    problems += _check_units(units, docs["units"], tree, unit_ids)
    known = KNOWN_PLATFORMS | frozenset(platforms)
    resolved, found = _resolve_hosts(hosts, groups, defaults, docs["hosts"], docs["groups"], known)
    problems += found
    problems += _check_hosts(resolved, units, docs["hosts"], tree, unit_ids)
    problems += check_lines(lines, units, resolved, docs["lines"], unit_ids, host_names)

    problems.sort(key=lambda p: (p.file, p.line or 0))
    if has_errors(problems):
        return None, problems
    files = tuple(
        root / label
        for key, label in labels.items()
        if docs[key] is not None and key not in from_plugin
    )
    digest = "" if not from_plugin else repr({k: d and d.data for k, d in from_plugin.items()})
    inventory = Inventory(root, tuple(units), tuple(resolved), tuple(lines), files, digest)
    return inventory, problems


def _load_plugin(
    root: Path, plugin: str, options: dict[str, Any], source: PluginSource | None
) -> tuple[dict[str, Any] | None, list[Problem]]:
    if source is None:
        message = f"inventory plugin {plugin!r}: only SimpleInventory can be read here"
        return None, [Problem(NORNIR_CONFIG, message, None, None, "inventory.plugin")]
    try:
        return source(root, plugin, options), []
    except Exception as exc:  # the plugin's own error: a URL, a file, a missing package
        text = " ".join(str(exc).split()) or type(exc).__name__
        message = f"inventory plugin {plugin!r} failed: {type(exc).__name__}: {text[:300]}"
        return None, [Problem(NORNIR_CONFIG, message, None, None, "inventory.plugin")]


def _get_declared(doc: YamlDoc | None, top: str | None, key: str | None) -> set[str] | None:
    """Names a file declares (None when the file could not be read: then nothing is known)."""
    if doc is None:
        return None
    data = doc.data
    if top is None:
        return {str(name) for name in data} if isinstance(data, dict) else set()
    items = data.get(top) if isinstance(data, dict) else None
    if not isinstance(items, list):
        return set()
    return {str(item[key]) for item in items if isinstance(item, dict) and key in item}


def get_inventory(
    root: Path,
    tree: DivisionTree,
    platforms: Collection[str] = (),
    source: PluginSource | None = None,
) -> Inventory:
    """The validated inventory, or ProblemsError listing every problem."""
    inventory, problems = load_inventory(root, tree, platforms, source)
    if inventory is None:
        raise ProblemsError(problems)
    return inventory


def _index_line(doc: YamlDoc | None, top: str, index: int, name: str) -> int | None:
    return None if doc is None else doc.line_of((top, index, name))


def _check_units(
    units: list[Unit], doc: YamlDoc | None, tree: DivisionTree, declared: set[str] | None
) -> list[Problem]:
    problems: list[Problem] = []
    label = doc.label if doc else UNITS_FILE
    ids = {u.id for u in units} | (declared or set())
    seen: dict[str, int] = {}
    for index, unit in enumerate(units):
        entry = f"units[{index}] {unit.id}"
        if unit.id in seen:
            problems.append(
                Problem(
                    label,
                    f"duplicate unit id (also units[{seen[unit.id]}])",
                    _index_line(doc, "units", index, "id"),
                    entry,
                    "id",
                )
            )
        seen.setdefault(unit.id, index)
        if unit.parent is not None and unit.parent not in ids:
            problems.append(
                Problem(
                    label,
                    f"unit {unit.parent!r} is not defined in {UNITS_FILE}",
                    _index_line(doc, "units", index, "parent"),
                    entry,
                    "parent",
                )
            )
        if unit.parent == unit.id:
            problems.append(
                Problem(
                    label,
                    "a unit cannot be its own parent",
                    _index_line(doc, "units", index, "parent"),
                    entry,
                    "parent",
                )
            )
        line = _index_line(doc, "units", index, "division_code")
        division = tree.get(unit.division_code)
        if division is None:
            problems.append(
                Problem(
                    label,
                    _unknown_code_message(unit.division_code, tree),
                    line,
                    entry,
                    "division_code",
                )
            )
            continue
        allowed = UNIT_LEVELS[unit.kind]
        if unit.kind is UnitKind.COUNTY and tree.is_county_level(division.code):
            continue  # a county, or a city without counties (东莞市: its towns under it)
        if division.level not in allowed:
            want = " or ".join(sorted(level.value for level in allowed))
            problems.append(
                Problem(
                    label,
                    f"a {unit.kind.value} unit needs a {want}-level code; "
                    f"{unit.division_code} is {division.name} ({division.level.value})",
                    line,
                    entry,
                    "division_code",
                )
            )
    return problems


def _unknown_code_message(code: str, tree: DivisionTree) -> str:
    try:
        level = get_level(code)
    except ValueError:
        return f"{code!r} is not a division code"
    if level is Level.VILLAGE and tree.get(get_parent_code(code) or "") is not None:
        return (
            f"unknown village code {code}: villages are not bundled, "
            "import them with `govnet divisions import`"
        )
    return f"unknown division code {code} (not in the NBS 2023 data)"


def _resolve_hosts(
    hosts: Mapping[str, Host],
    groups: Mapping[str, Group],
    defaults: Defaults,
    hosts_doc: YamlDoc | None,
    groups_doc: YamlDoc | None,
    known: frozenset[str],
) -> tuple[list[ResolvedHost], list[Problem]]:
    """Apply Nornir's inheritance (host, then groups in order, then defaults); a platform
    must be ``known``."""
    problems: list[Problem] = []
    label = hosts_doc.label if hosts_doc else "inventory/hosts.yaml"
    for name, group in groups.items():
        for parent in group.groups:
            if parent not in groups:
                glabel = groups_doc.label if groups_doc else "inventory/groups.yaml"
                line = groups_doc.line_of((name, "groups")) if groups_doc else None
                problems.append(
                    Problem(glabel, f"group {parent!r} is not defined", line, name, "groups")
                )
    resolved: list[ResolvedHost] = []
    for name, host in hosts.items():

        def line_of(*path: str | int, _name: str = name) -> int | None:
            return hosts_doc.line_of((_name, *path)) if hosts_doc else None

        chain: list[NornirEntry] = [host]
        missing = [g for g in host.groups if g not in groups]
        for g in missing:
            problems.append(
                Problem(label, f"group {g!r} is not defined", line_of("groups"), name, "groups")
            )
        host_groups = _group_chain(host.groups, groups)
        chain += host_groups
        platform = next((e.platform for e in chain if e.platform), defaults.platform)
        address = next((e.hostname for e in chain if e.hostname), defaults.hostname)
        port = next((e.port for e in chain if e.port), defaults.port) or 22
        if platform is None:
            problems.append(
                Problem(
                    label,
                    "no platform (set it on the host or one of its groups)",
                    line_of(),
                    name,
                    "platform",
                )
            )
            continue
        if platform not in known:
            problems.append(
                Problem(
                    label,
                    f"unknown platform {platform!r} (known: {', '.join(sorted(known))})",
                    line_of("platform") if host.platform else line_of("groups"),
                    name,
                    "platform",
                )
            )
            continue
        if address is None:
            problems.append(
                Problem(
                    label, "no hostname (the address to reach it by)", line_of(), name, "hostname"
                )
            )
            continue
        data = host.data
        access = merge_access(
            [data.access, *(g.data.access for g in host_groups), defaults.data.access]
        )
        resolved.append(
            ResolvedHost(
                name,
                address,
                port,
                platform,
                data.unit,
                data.division_code,
                data.site,
                data.role,
                access,
                tuple(_group_names(host.groups, groups)),
            )
        )
    return resolved, problems


def _group_names(names: Iterable[str], groups: Mapping[str, Group]) -> list[str]:
    """The groups a host is in, its own then theirs, in Nornir's inheritance order."""
    found: list[str] = []
    stack = list(names)
    while stack:
        name = stack.pop(0)
        if name in found or name not in groups:
            continue
        found.append(name)
        stack = list(groups[name].groups) + stack
    return found


def _group_chain(names: Iterable[str], groups: Mapping[str, Group]) -> list[Group]:
    chain: list[Group] = []
    seen: set[str] = set()
    stack = list(names)
    while stack:
        name = stack.pop(0)
        if name in seen or name not in groups:
            continue
        seen.add(name)
        chain.append(groups[name])
        stack = list(groups[name].groups) + stack
    return chain


def _check_hosts(
    hosts: list[ResolvedHost],
    units: list[Unit],
    doc: YamlDoc | None,
    tree: DivisionTree,
    unit_ids: set[str] | None,
) -> list[Problem]:
    problems: list[Problem] = []
    label = doc.label if doc else "inventory/hosts.yaml"
    by_id = {u.id: u for u in units}
    endpoints: dict[tuple[str, int], str] = {}
    for host in hosts:

        def line_of(*path: str, _name: str = host.name) -> int | None:
            return doc.line_of((_name, *path)) if doc else None

        unit = by_id.get(host.unit)
        if unit is None and unit_ids is not None and host.unit not in unit_ids:
            problems.append(
                Problem(
                    label,
                    f"unit {host.unit!r} is not defined in {UNITS_FILE}",
                    line_of("data", "unit"),
                    host.name,
                    "data.unit",
                )
            )
        division = tree.get(host.division_code)
        if division is None:
            problems.append(
                Problem(
                    label,
                    _unknown_code_message(host.division_code, tree),
                    line_of("data", "division_code"),
                    host.name,
                    "data.division_code",
                )
            )
        elif unit is not None and host.division_code[:6] != unit.division_code[:6]:
            problems.append(
                Problem(
                    label,
                    f"{host.division_code} ({division.name}) is outside the county of unit "
                    f"{unit.id} ({unit.division_code})",
                    line_of("data", "division_code"),
                    host.name,
                    "data.division_code",
                    "warning",
                )
            )
        endpoint = (host.address, host.port)
        if endpoint in endpoints:
            problems.append(
                Problem(
                    label,
                    f"{host.address}:{host.port} is also the address of {endpoints[endpoint]}",
                    line_of("port"),
                    host.name,
                    "hostname",
                    "warning",
                )
            )
        endpoints.setdefault(endpoint, host.name)
    return problems


def get_circuit_key(circuit_id: str) -> str:
    """What makes two circuit ids the same circuit: letters in any case, full-width or
    half-width (NFKC, then casefold), as a carrier's bill and a hand-typed sheet write it.

    >>> get_circuit_key("ＣＱ－ＤＸ－００１") == get_circuit_key("cq-dx-001")
    True
    """
    return unicodedata.normalize("NFKC", circuit_id).casefold()


def check_lines(
    lines: list[Line],
    units: list[Unit],
    hosts: list[ResolvedHost],
    doc: YamlDoc | None,
    unit_ids: set[str] | None = None,
    host_names: set[str] | None = None,
) -> list[Problem]:
    """Cross-file checks of the ledger: ids unique, units and devices defined.

    ``unit_ids``/``host_names`` are every name the other files declare, valid or not;
    None means that file could not be read, so references to it are not judged.
    """
    problems: list[Problem] = []
    label = doc.label if doc else LINES_FILE
    by_id = {u.id: u for u in units}
    known_units = {u.id for u in units} if unit_ids is None and units else unit_ids
    known_hosts = {h.name for h in hosts} if host_names is None and hosts else host_names
    seen: dict[str, int] = {}
    for index, line in enumerate(lines):
        entry = f"lines[{index}] {line.circuit_id}"

        def at(name: str, _index: int = index) -> int | None:
            return _index_line(doc, "lines", _index, name)

        key = get_circuit_key(line.circuit_id)
        if key in seen:
            first = lines[seen[key]].circuit_id
            differs = "" if first == line.circuit_id else f" {first}: only case or width differ"
            problems.append(
                Problem(
                    label,
                    f"duplicate circuit id (also lines[{seen[key]}]{differs})",
                    at("circuit_id"),
                    entry,
                    "circuit_id",
                )
            )
        seen.setdefault(key, index)
        unit = by_id.get(line.unit)
        if unit is None and known_units is not None and line.unit not in known_units:
            problems.append(
                Problem(
                    label,
                    f"unit {line.unit!r} is not defined in {UNITS_FILE}",
                    at("unit"),
                    entry,
                    "unit",
                )
            )
        elif unit is not None and line.classified and not unit.classified:
            problems.append(
                Problem(
                    label,
                    f"a classified line at unit {unit.id}, which units.yaml says "
                    "carries no classified business",
                    at("classified"),
                    entry,
                    "classified",
                    "warning",
                )
            )
        if (
            line.a_device is not None
            and known_hosts is not None
            and line.a_device not in known_hosts
        ):
            problems.append(
                Problem(
                    label,
                    f"device {line.a_device!r} is not in the hosts file",
                    at("a_device"),
                    entry,
                    "a_device",
                )
            )
        if line.monthly_fee is None and line.annual_fee is None:
            problems.append(
                Problem(
                    label,
                    "no fee: give monthly_fee or annual_fee",
                    at("circuit_id"),
                    entry,
                    "monthly_fee",
                    "warning",
                )
            )
        elif (
            line.monthly_fee is not None
            and line.annual_fee is not None
            and line.monthly_fee * 12 != line.annual_fee
        ):
            problems.append(
                Problem(
                    label,
                    f"annual_fee {line.annual_fee} is not 12 × monthly_fee {line.monthly_fee}",
                    at("annual_fee"),
                    entry,
                    "annual_fee",
                    "warning",
                )
            )
    return problems
