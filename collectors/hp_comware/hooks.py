"""Comware's configuration as hier_config's driver reads it (govnet.platforms.hooks).

Comware ends a section with a ``#`` line, and prints some global commands with one leading
space right after one (`` ip route-static`` after an interface is global, not the
interface's); hier_config's Comware 5 driver reads indentation only.
"""


def prepare_config(text: str) -> str:
    """``#`` lines dropped (each ends the open section); a line indented by one space
    outside any section moved to the top level.

    >>> prepare_config("interface G1/0/1\\n shutdown\\n#\\n ip route-static 0.0.0.0 0 1.1.1.1\\n")
    'interface G1/0/1\\n shutdown\\nip route-static 0.0.0.0 0 1.1.1.1'
    """
    out, in_section = [], False
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            if not line.startswith(" "):
                in_section = False
            continue
        if not line.startswith(" "):
            in_section = True
        elif not in_section:
            line = line[1:]
        out.append(line)
    return "\n".join(out)
