"""VRP's ``display ip interface`` and ``display lldp neighbor brief`` in the lab, line for
line in the layout of what a Huawei device prints (govnet_lab.vendors._vrp_detail and
huawei.lldp_brief_text cite the sources); values masked, layout compared."""

from __future__ import annotations

import re

import pytest

from govnet.model.divisions import get_bundled_tree
from govnet.model.files import get_bundled_root
from govnet.model.inventory_files import get_inventory
from govnet_lab.district import District
from govnet_lab.generate import build_district
from govnet_lab.render import render

# The Huawei command reference's example ("display ip interface": <HUAWEI> display ip
# interface 100GE 1/0/1), from its first line to the ICMP table.
REFERENCE = """\
100GE1/0/1 current state : UP
Line protocol current state : UP
The Maximum Transmit Unit : 1500 bytes
input packets : 0, bytes : 0, multicasts : 0
output packets : 0, bytes : 0, multicasts : 0
Directed-broadcast packets:
 received packets:            0, sent packets:              0
 forwarded packets:           0, dropped packets:           0
ARP packet input number:           0
  Request packet:                  0
  Reply packet:                    0
  Unknown packet:                  0
Internet Address is 10.1.1.1/16
Broadcast address : 10.1.255.255
TTL being 1 packet number:         0
TTL invalid packet number:         0
ICMP packet input number:          0
  Echo reply:                      0
  Unreachable:                     0
  Source quench:                   0
  Routing redirect:                0
  Echo request:                    0
  Router advert:                   0
  Router solicit:                  0
  Time exceed:                     0
  IP header bad:                   0
  Timestamp request:               0
  Timestamp reply:                 0
  Information request:             0
  Information reply:               0
  Netmask request:                 0
  Netmask reply:                   0
  Unknown type:                    0
"""


@pytest.fixture(scope="module")
def district() -> District:
    return build_district(get_inventory(get_bundled_root(), get_bundled_tree()), 0)


def _mask(line: str) -> str:
    """Digits and names out, so only the layout (words, colons, column ends) is compared."""
    line = re.sub(r"^\S+( current state : )(UP|DOWN|Administratively DOWN)", r"IF\1ST", line)
    line = re.sub(r"(protocol current state : )\S.*", r"\1ST", line)
    line = re.sub(r"\d+\.\d+\.\d+\.\d+(/\d+)?", lambda m: "A" * len(m.group()), line)
    return re.sub(r"\d", "9", line)


def test_vrp_display_ip_interface_is_the_reference_block_per_addressed_interface(
    district: District,
) -> None:
    device = next(d for d in district.devices if d.platform == "huawei")
    blocks = render(device, "display ip interface").split("\n\n")
    addressed = [i for i in device.interfaces if i.address is not None]
    assert [b.split(" ", 1)[0] for b in blocks] == [i.name for i in addressed]
    for block, iface in zip(blocks, addressed, strict=True):
        lines = block.splitlines()
        assert f"Internet Address is {iface.address}" in lines
        # the same lines with the same column ends; addresses keep their own width
        assert [re.sub("A+", "A", _mask(x)) for x in lines] == [
            re.sub("A+", "A", _mask(x)) for x in REFERENCE.splitlines()
        ]


def test_vrp_lldp_brief_rows_pad_the_exptime_column(district: District) -> None:
    device = next(d for d in district.devices if d.platform == "huawei" and d.lldp_neighbours)
    header, *rows = render(device, "display lldp neighbor brief").splitlines()
    assert header.endswith("Exptime(s)")
    assert len(rows) == len(device.lldp_neighbours)
    for row in rows:
        # "GE0/0/5          21-jieru5-shengchan3     GE0/0/48                  101    "
        assert re.fullmatch(r"\S+ +\S+ +\S+ +\d+ *", row) and len(row) == 68 + 7, repr(row)
