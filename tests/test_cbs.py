"""Tests for jeugdlib.data.cbs — no network: a fake cbsodata client on recorded fixtures."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import requests

from jeugdlib.data import cbs
from jeugdlib.data.cbs import cache as cbs_cache
from jeugdlib.data.cbs.jeugdzorg import _vorm_name
from jeugdlib.errors import DataError, JeugdlibWarning, OfflineError

FIXTURES = Path(__file__).parent / "fixtures" / "cbs"
CBS_PACKAGE = Path(cbs.__file__).resolve().parent
EMBEDDED = CBS_PACKAGE.parent / "embedded"


# ---------------------------------------------------------------------------
# Fake cbsodata client
# ---------------------------------------------------------------------------


def _load(table_id: str) -> dict[str, Any]:
    return json.loads((FIXTURES / f"{table_id}.json").read_text(encoding="utf-8"))


def _odata_filter(expr: str):
    """Compile the small OData subset jeugdlib uses (startswith, eq, and, or, parentheses)."""
    py = re.sub(r"startswith\((\w+),\s*'([^']*)'\)", r"_sw(r, '\1', '\2')", expr)
    py = re.sub(r"(\w+) eq '([^']*)'", r"_eq(r, '\1', '\2')", py)
    leftover = re.sub(r"_(sw|eq)\(r, '[^']*', '[^']*'\)|\band\b|\bor\b|[()\s]", "", py)
    assert not leftover, f"fake client cannot parse filter {expr!r}"
    ns = {
        "_sw": lambda r, c, v: str(r[c]).startswith(v),
        "_eq": lambda r, c, v: str(r[c]) == v,
    }
    return lambda r: eval(py, {"__builtins__": {}}, {**ns, "r": r})  # noqa: S307 - test-only, validated above


class FakeCBS:
    """Stand-in for the cbsodata module (same call signatures and return shapes).

    Like cbsodata 1.3.5, ``get_data`` replaces dimension keys by their titles and
    raises ``requests.HTTPError`` (without response, message with the status)
    for unknown tables; ``offline=True`` raises ``requests.ConnectionError``.
    """

    __version__ = "1.3.5"

    def __init__(self, tables: dict[str, dict[str, Any]] | None = None, offline: bool = False):
        self.tables = tables if tables is not None else {t: _load(t) for t in ALL_TABLES}
        self.offline = offline
        self.calls: list[tuple[str, str, Any]] = []

    def _table(self, table_id: str) -> dict[str, Any]:
        if self.offline:
            raise requests.ConnectionError(
                "HTTPSConnectionPool(host='opendata.cbs.nl', port=443): Max retries exceeded"
            )
        if table_id not in self.tables:
            raise requests.HTTPError(
                f"Downloading table '{table_id}' failed. 404 Client Error: Not Found for url: "
                f"https://opendata.cbs.nl/ODataApi/odata/{table_id}"
            )
        return self.tables[table_id]

    def get_meta(self, table_id: str, name: str, catalog_url: str | None = None, **kwargs: Any) -> list[dict]:
        self.calls.append(("meta", table_id, name))
        t = self._table(table_id)
        if name in ("TableInfos", "DataProperties"):
            return copy.deepcopy(t[name])
        if name in t["dimensions"]:
            return copy.deepcopy(t["dimensions"][name])
        raise requests.HTTPError(f"Downloading table '{table_id}' failed. 404 Client Error: Not Found")

    def get_data(
        self,
        table_id: str,
        dir: str | None = None,
        typed: bool = False,
        select: list[str] | None = None,
        filters: str | None = None,
        catalog_url: str | None = None,
        **kwargs: Any,
    ) -> list[dict]:
        self.calls.append(("data", table_id, (select, filters)))
        t = self._table(table_id)
        rows = copy.deepcopy(t["rows"])
        if filters:
            keep = _odata_filter(filters)
            rows = [r for r in rows if keep(r)]
        if select:
            rows = [{k: r[k] for k in select} for r in rows]
        titles = {d: {e["Key"]: e["Title"] for e in es} for d, es in t["dimensions"].items()}
        for r in rows:
            for dim, m in titles.items():
                if dim in r and r[dim] in m:
                    r[dim] = m[r[dim]]
        return rows


class RaisingClient:
    """A client that must not be called (proves cache hits)."""

    __version__ = "1.3.5"

    def get_data(self, *a: Any, **k: Any) -> Any:
        raise AssertionError("network used although the query is cached")

    get_meta = get_data


ALL_TABLES = ("83765NED", "85318NED", "85984NED", "84134NED", "85099NED")


@pytest.fixture(autouse=True)
def _no_network_cbs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Any real cbsodata call fails loudly; the default cache lives in tmp_path."""
    import cbsodata

    def boom(*a: Any, **k: Any) -> Any:
        raise AssertionError("real cbsodata called in tests (no network allowed)")

    for name in ("get_data", "get_meta", "get_info", "download_data", "get_table_list"):
        if hasattr(cbsodata, name):
            monkeypatch.setattr(cbsodata, name, boom)
    monkeypatch.setenv("JEUGDLIB_CACHE_DIR", str(tmp_path / "envcache"))


@pytest.fixture
def fake() -> FakeCBS:
    return FakeCBS()


def test_real_cbsodata_is_blocked() -> None:
    import cbsodata

    # the autouse fixture's stand-in, not a network error: the message proves which one raised
    with pytest.raises(AssertionError, match="real cbsodata called in tests"):
        cbsodata.get_data("85318NED")
    with pytest.raises(AssertionError, match="real cbsodata called in tests"):
        cbsodata.get_meta("85318NED", "DataProperties")
    # and jeugdlib's default client is that same (blocked) module
    with pytest.raises(AssertionError, match="real cbsodata called in tests"):
        cbs.fetch("85318NED", cache_dir=None)


# ---------------------------------------------------------------------------
# fetch / cache
# ---------------------------------------------------------------------------

FILT = "startswith(WijkenEnBuurten,'WK')"


def test_fetch_caches_and_second_call_is_offline(tmp_path: Path, fake: FakeCBS) -> None:
    df1 = cbs.fetch("85318NED", ["WijkenEnBuurten", "Codering_3"], FILT, cache_dir=tmp_path, client=fake)
    assert len(fake.calls) == 1
    assert list(df1["Codering_3"]) == ["WK001400  ", "WK001401  ", "WK036300  "]
    # cbsodata returns titles for dimension columns
    assert list(df1["WijkenEnBuurten"]) == ["Centrum", "Oud-Zuid", "Burgwallen-Oude Zijde"]
    # select order does not matter for the cache key
    df2 = cbs.fetch("85318NED", ["Codering_3", "WijkenEnBuurten"], FILT, cache_dir=tmp_path, client=RaisingClient())
    pd.testing.assert_frame_equal(df1, df2)

    path = cbs.cache_path("85318NED", ["WijkenEnBuurten", "Codering_3"], FILT, cache_dir=tmp_path)
    assert path.exists() and path.parent == tmp_path / "cbs"
    side = json.loads(path.with_suffix(".json").read_text())
    assert side["table_id"] == "85318NED"
    assert side["query"] == {"select": ["Codering_3", "WijkenEnBuurten"], "filters": FILT}
    assert side["cbsodata_version"] == "1.3.5"
    assert re.match(r"\d{4}-\d\d-\d\dT", side["fetched_at"])
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".tmp")]

    listing = cbs.list_cache(tmp_path)
    assert listing["table_id"].tolist() == ["85318NED"] and listing["path"].notna().all()


def test_cache_key_depends_on_query() -> None:
    k = cbs.cache_key("85318NED", ["A", "B"], FILT)
    assert k == cbs.cache_key("85318NED", ["B", "A", "A"], FILT)
    assert k != cbs.cache_key("85318NED", ["A", "B"], None)
    assert k != cbs.cache_key("85039NED", ["A", "B"], FILT)
    assert k != cbs.cache_key("85318NED", ["A", "B"], FILT, kind="meta:DataProperties")


def test_refresh_refetches(tmp_path: Path, fake: FakeCBS) -> None:
    cbs.fetch("85318NED", cache_dir=tmp_path, client=fake)
    cbs.fetch("85318NED", cache_dir=tmp_path, client=fake, refresh=True)
    assert len(fake.calls) == 2


def test_cache_dir_from_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, fake: FakeCBS) -> None:
    monkeypatch.setenv("JEUGDLIB_CACHE_DIR", str(tmp_path / "viaenv"))
    assert cbs.default_cache_dir() == tmp_path / "viaenv"
    cbs.fetch("85318NED", cache_dir=None, client=fake)
    assert list((tmp_path / "viaenv" / "cbs").glob("85318NED_*.parquet"))
    monkeypatch.delenv("JEUGDLIB_CACHE_DIR")
    from platformdirs import user_cache_dir

    assert cbs.default_cache_dir() == Path(user_cache_dir("jeugdlib"))


def test_atomic_write_leaves_no_partial_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, fake: FakeCBS) -> None:
    def failing_replace(src: Any, dst: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(cbs_cache.os, "replace", failing_replace)
    with pytest.raises(DataError, match=r"CBS cache folder .*cbs cannot be written \(disk full\).*85318NED"):
        cbs.fetch("85318NED", cache_dir=tmp_path, client=fake)
    assert not list((tmp_path / "cbs").iterdir())


# ---------------------------------------------------------------------------
# cache integrity: checksum, table id, query; unwritable folder
# ---------------------------------------------------------------------------


def _entry(tmp_path: Path, fake: FakeCBS, select: list[str] | None = None) -> tuple[pd.DataFrame, Path]:
    df = cbs.fetch("85318NED", select, cache_dir=tmp_path, client=fake)
    return df, cbs.cache_path("85318NED", select, cache_dir=tmp_path)


def test_sidecar_carries_checksum_table_and_query(tmp_path: Path, fake: FakeCBS) -> None:
    import hashlib

    _, path = _entry(tmp_path, fake, ["Codering_3"])
    side = json.loads(path.with_suffix(".json").read_text())
    assert side["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert side["table_id"] == "85318NED" and side["kind"] == "data"
    assert side["query"] == {"select": ["Codering_3"], "filters": None}


@pytest.mark.parametrize("damage", ["truncate", "garbage", "flip"])
def test_corrupt_entry_is_refetched_online(tmp_path: Path, fake: FakeCBS, damage: str) -> None:
    df, path = _entry(tmp_path, fake)
    blob = bytearray(path.read_bytes())
    if damage == "truncate":
        blob = blob[: len(blob) // 2]
    elif damage == "garbage":
        blob = bytearray(b"not parquet")
    else:  # one bit in the middle: may still parse, only the checksum can tell
        blob[len(blob) // 2] ^= 1
    path.write_bytes(bytes(blob))
    again = cbs.fetch("85318NED", cache_dir=tmp_path, client=fake)
    assert len(fake.calls) == 2  # fetched again
    pd.testing.assert_frame_equal(df, again)
    # and the entry is whole again: the next call needs no network
    pd.testing.assert_frame_equal(df, cbs.fetch("85318NED", cache_dir=tmp_path, client=RaisingClient()))


@pytest.mark.parametrize("refresh", [False, True])
def test_corrupt_entry_offline_is_a_clear_data_error(tmp_path: Path, fake: FakeCBS, refresh: bool) -> None:
    _, path = _entry(tmp_path, fake)
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(DataError) as info:
        cbs.fetch("85318NED", cache_dir=tmp_path, client=FakeCBS(offline=True), refresh=refresh)
    msg = str(info.value)
    assert "cached copy of CBS table 85318NED" in msg and "does not match its checksum" in msg
    assert f"Delete {path.name}" in msg and "jeugdlib data fetch 85318NED" in msg
    assert "Arrow" not in msg and "ArrowInvalid" not in type(info.value).__name__


def test_foreign_entry_is_never_returned(tmp_path: Path, fake: FakeCBS) -> None:
    """Another table's (or query's) files copied over an entry: detected by the sidecar or the checksum."""
    df, path = _entry(tmp_path, fake)
    other = cbs.fetch("83765NED", cache_dir=tmp_path, client=fake)
    other_path = cbs.cache_path("83765NED", cache_dir=tmp_path)
    assert not other.equals(df)
    # 1. parquet and sidecar both replaced by the other table's: the sidecar names another table
    path.write_bytes(other_path.read_bytes())
    path.with_suffix(".json").write_bytes(other_path.with_suffix(".json").read_bytes())
    with pytest.raises(DataError, match=r"belongs to another query \(table '83765NED'"):
        cbs.fetch("85318NED", cache_dir=tmp_path, client=FakeCBS(offline=True))
    pd.testing.assert_frame_equal(cbs.fetch("85318NED", cache_dir=tmp_path, client=fake), df)
    # 2. only the parquet replaced: the checksum does not match
    path.write_bytes(other_path.read_bytes())
    with pytest.raises(DataError, match="does not match its checksum"):
        cbs.fetch("85318NED", cache_dir=tmp_path, client=FakeCBS(offline=True))
    # 3. a narrower query's files under the full table's name: another selection
    _, narrow = _entry(tmp_path, fake, ["Codering_3"])
    path.write_bytes(narrow.read_bytes())
    path.with_suffix(".json").write_bytes(narrow.with_suffix(".json").read_bytes())
    with pytest.raises(DataError, match="another selection or filter"):
        cbs.fetch("85318NED", cache_dir=tmp_path, client=FakeCBS(offline=True))


def test_entry_without_checksum_or_sidecar_is_refetched(tmp_path: Path, fake: FakeCBS) -> None:
    df, path = _entry(tmp_path, fake)
    side = path.with_suffix(".json")
    meta = json.loads(side.read_text())
    meta.pop("sha256")  # as an older jeugdlib wrote it
    side.write_text(json.dumps(meta))
    with pytest.raises(DataError, match="no checksum"):
        cbs.fetch("85318NED", cache_dir=tmp_path, client=FakeCBS(offline=True))
    pd.testing.assert_frame_equal(cbs.fetch("85318NED", cache_dir=tmp_path, client=fake), df)
    side.unlink()
    with pytest.raises(DataError, match="description .*json is missing"):
        cbs.fetch("85318NED", cache_dir=tmp_path, client=FakeCBS(offline=True))
    side.write_text("{not json")
    with pytest.raises(DataError, match="cannot be read"):
        cbs.fetch("85318NED", cache_dir=tmp_path, client=FakeCBS(offline=True))
    pd.testing.assert_frame_equal(cbs.fetch("85318NED", cache_dir=tmp_path, client=fake), df)
    assert len(fake.calls) == 3


def test_corrupt_full_table_in_offline_fallback(tmp_path: Path, fake: FakeCBS) -> None:
    """kwb() offline falls back to the cached full table; a damaged one is a DataError, not an Arrow error."""
    cbs.prefetch("85318NED", cache_dir=tmp_path, client=fake)
    full = cbs.cache_path("85318NED", cache_dir=tmp_path)
    full.write_bytes(b"PAR1" + b"\0" * 50)
    with pytest.raises(DataError, match=r"cached full table 85318NED .*cannot be used either.*jeugdlib data fetch"):
        cbs.kwb(2022, "wijk", cache_dir=tmp_path, client=FakeCBS(offline=True))


def test_unwritable_cache_dir_is_a_data_error(tmp_path: Path, fake: FakeCBS, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")  # a file where the cache folder should be
    with pytest.raises(DataError, match=r"CBS cache folder .*file/cbs cannot be written.*JEUGDLIB_CACHE_DIR"):
        cbs.fetch("85318NED", cache_dir=blocker, client=fake)
    # a read-only folder (simulated: CI runs as root, which ignores permission bits)
    import tempfile

    def denied(*a: Any, **k: Any) -> Any:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", denied)
    with pytest.raises(DataError, match=r"cannot be written \(Permission denied\)") as info:
        cbs.fetch("85318NED", cache_dir=tmp_path / "ro", client=fake)
    assert info.value.source == str(tmp_path / "ro" / "cbs")


def test_cache_write_never_follows_planted_links(tmp_path: Path, fake: FakeCBS) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("do not touch")
    path = cbs.cache_path("85318NED", cache_dir=tmp_path / "c")
    path.parent.mkdir(parents=True)
    for p in (path, path.with_suffix(".json"), path.with_suffix(".tmp"), path.with_suffix(".json.tmp")):
        p.symlink_to(victim)
    df = cbs.fetch("85318NED", cache_dir=tmp_path / "c", client=fake)
    assert victim.read_text() == "do not touch"
    assert not path.is_symlink() and not path.with_suffix(".json").is_symlink()
    pd.testing.assert_frame_equal(df, cbs.fetch("85318NED", cache_dir=tmp_path / "c", client=RaisingClient()))


def test_offline_without_cache_raises_clear_error(tmp_path: Path) -> None:
    with pytest.raises(OfflineError) as info:
        cbs.fetch("85318NED", ["Codering_3"], FILT, cache_dir=tmp_path, client=FakeCBS(offline=True))
    msg = str(info.value)
    assert "85318NED" in msg and FILT in msg
    assert "jeugdlib data fetch 85318NED" in msg and "JEUGDLIB_CACHE_DIR" in msg
    assert isinstance(info.value, ConnectionError) and isinstance(info.value, DataError)


def test_offline_refresh_falls_back_to_cache(tmp_path: Path, fake: FakeCBS) -> None:
    df = cbs.fetch("85318NED", cache_dir=tmp_path, client=fake)
    with pytest.warns(JeugdlibWarning, match="cached copy"):
        again = cbs.fetch("85318NED", cache_dir=tmp_path, client=FakeCBS(offline=True), refresh=True)
    pd.testing.assert_frame_equal(df, again)


@pytest.mark.parametrize("bad", ["85318", "8531BNED", "", "85318NEDX"])
def test_malformed_table_id(bad: str, tmp_path: Path, fake: FakeCBS) -> None:
    with pytest.raises(DataError, match="not valid"):
        cbs.fetch(bad, cache_dir=tmp_path, client=fake)


def test_unknown_table_id(tmp_path: Path, fake: FakeCBS) -> None:
    with pytest.raises(DataError, match="99999NED.*does not exist"):
        cbs.fetch("99999NED", cache_dir=tmp_path, client=fake)


def test_prefetch_then_kwb_offline(tmp_path: Path, fake: FakeCBS) -> None:
    paths = cbs.prefetch("85318NED", cache_dir=tmp_path, client=fake)
    assert all(p.exists() for p in paths) and len(paths) == 4  # infos, props, 1 dimension, data
    out = cbs.kwb(2022, "wijk", cache_dir=tmp_path, client=FakeCBS(offline=True))
    assert out["wijkcode"].tolist() == ["WK001400", "WK001401", "WK036300"]


# ---------------------------------------------------------------------------
# kwb
# ---------------------------------------------------------------------------


def test_kwb_2017_wijk(tmp_path: Path, fake: FakeCBS) -> None:
    out = cbs.kwb(2017, "wijk", cache_dir=tmp_path, client=fake)
    assert list(out.columns) == [
        "wijkcode", "gemeentecode", "naam", "gemeentenaam", "jaar",
        "inwoners", "inw_0_14", "inw_15_24", "gescheiden", "huishoudens", "huishoudens_met_kinderen",
        "woz_waarde", "perc_corporatiewoningen", "bijstand", "afstand_huisarts", "voorlopig",
    ]  # fmt: skip
    row = out.iloc[0]
    assert len(out) == 1  # the buurt and the gemeente rows are excluded
    assert row["wijkcode"] == "WK036300" and row["gemeentecode"] == "GM0363"
    assert row["naam"] == "Burgwallen-Oude Zijde" and row["gemeentenaam"] == "Amsterdam"
    # real values of 83765NED (see the embedded Amsterdam extract)
    assert row["inwoners"] == 4245 and row["inw_15_24"] == 645 and row["woz_waarde"] == 341.0
    assert row["bijstand"] == 100 and row["afstand_huisarts"] == pytest.approx(0.2)
    assert not row["voorlopig"] and row["jaar"] == 2017
    for c in cbs.KWB_COLUMNS:
        if c in out:
            assert out[c].dtype == float


def test_kwb_2022_gemeente_missing_values(tmp_path: Path, fake: FakeCBS) -> None:
    out = cbs.kwb(2022, "gemeente", cache_dir=tmp_path, client=fake)
    assert out["gemeentecode"].tolist() == ["GM0014", "GM0363"]
    assert "wijkcode" not in out
    ams = out.set_index("gemeentecode").loc["GM0363"]
    assert ams["inwoners"] == 882633 and ams["woz_waarde"] == 434.0  # WOZ under a different key than 2017
    assert np.isnan(ams["bijstand"]) and np.isnan(ams["afstand_huisarts"])  # '.' in the table


def test_kwb_same_columns_across_layouts(tmp_path: Path, fake: FakeCBS) -> None:
    cols = [
        "inwoners",
        "huishoudens_met_kinderen",
        "woz_waarde",
        "perc_corporatiewoningen",
        "bijstand",
        "stedelijkheid",
    ]
    frames = {y: cbs.kwb(y, "gemeente", columns=cols, cache_dir=tmp_path, client=fake) for y in (2017, 2022, 2024)}
    for y, f in frames.items():
        assert list(f.columns) == ["gemeentecode", "naam", "gemeentenaam", "jaar", *cols, "voorlopig"], y
    assert frames[2024].iloc[0]["huishoudens_met_kinderen"] == 8200
    assert frames[2024].iloc[0]["stedelijkheid"] == 4


def test_kwb_never_uses_positional_suffix(tmp_path: Path) -> None:
    t = _load("85318NED")
    renum = {}
    for p in t["DataProperties"]:
        m = re.match(r"^(.*)_(\d+)$", p["Key"])
        if m:
            renum[p["Key"]] = f"{m.group(1)}_{int(m.group(2)) + 7}"
            p["Key"] = renum[p["Key"]]
    t["rows"] = [{renum.get(k, k): v for k, v in r.items()} for r in t["rows"]]
    shifted = cbs.kwb(2022, "wijk", cache_dir=tmp_path / "a", client=FakeCBS({"85318NED": t}))
    plain = cbs.kwb(2022, "wijk", cache_dir=tmp_path / "b", client=FakeCBS())
    pd.testing.assert_frame_equal(shifted, plain)


def test_kwb_resolves_by_title_when_key_renamed(tmp_path: Path) -> None:
    t = _load("83765NED")
    for p in t["DataProperties"]:
        if p["Key"] == "GemiddeldeWoningwaarde_35":
            p["Key"] = "WOZWaardeWoningen_35"
    for r in t["rows"]:
        r["WOZWaardeWoningen_35"] = r.pop("GemiddeldeWoningwaarde_35")
    out = cbs.kwb(2017, "gemeente", columns=["woz_waarde"], cache_dir=tmp_path, client=FakeCBS({"83765NED": t}))
    assert out["woz_waarde"].tolist() == [290.0]


def test_kwb_voorlopig_from_table_infos(tmp_path: Path) -> None:
    t = _load("85984NED")
    t["TableInfos"][0]["Period"] = "2024*"
    out = cbs.kwb(2024, "wijk", cache_dir=tmp_path, client=FakeCBS({"85984NED": t}))
    assert out["voorlopig"].all()
    assert np.isnan(out.iloc[0]["bijstand"])


def test_kwb_codes_normalised_and_malformed_refused(tmp_path: Path) -> None:
    t = _load("85318NED")
    codering = next(p["Key"] for p in t["DataProperties"] if p["Key"].startswith("Codering"))
    padded = [r[codering] for r in t["rows"] if str(r[codering]).startswith("WK")]
    assert padded and all(c != c.strip() for c in padded)  # CBS pads codes with spaces: 'WK001400  '
    out = cbs.kwb(2022, "wijk", cache_dir=tmp_path / "a", client=FakeCBS({"85318NED": t}))
    assert out["wijkcode"].tolist() == [c.strip() for c in padded]
    assert out["gemeentecode"].tolist() == ["GM" + c.strip()[2:6] for c in padded]
    for r in t["rows"]:
        if str(r[codering]).startswith("WK0014"):
            r[codering] = "WK00X400  "
    with pytest.raises(DataError, match=r"CBS table 85318NED.*WK \+ 6 digits: 'WK00X400' at rows \[0, 1\]"):
        cbs.kwb(2022, "wijk", cache_dir=tmp_path / "b", client=FakeCBS({"85318NED": t}))


def test_kwb_unknown_year(tmp_path: Path, fake: FakeCBS) -> None:
    with pytest.raises(DataError, match=r"2016.*Supported years: 2017, 2018.*2025"):
        cbs.kwb(2016, cache_dir=tmp_path, client=fake)
    assert fake.calls == []


def test_kwb_bad_level_and_column(tmp_path: Path, fake: FakeCBS) -> None:
    with pytest.raises(DataError, match="buurt"):
        cbs.kwb(2022, "buurt", cache_dir=tmp_path, client=fake)  # type: ignore[arg-type]
    with pytest.raises(DataError, match="inkomen"):
        cbs.kwb(2022, columns=["inkomen"], cache_dir=tmp_path, client=fake)


def test_kwb_metadata_missing_key(tmp_path: Path) -> None:
    t = _load("85318NED")
    t["DataProperties"] = [p for p in t["DataProperties"] if not p["Key"].startswith("InBezitWoningcorporatie")]
    with pytest.raises(DataError, match=r"85318NED.*InBezitWoningcorporatie.*perc_corporatiewoningen"):
        cbs.kwb(2022, cache_dir=tmp_path, client=FakeCBS({"85318NED": t}))


def test_kwb_metadata_without_key_field(tmp_path: Path) -> None:
    t = _load("85318NED")
    for p in t["DataProperties"]:
        p.pop("Key")
    with pytest.raises(DataError, match=r"85318NED.*Key"):
        cbs.kwb(2022, cache_dir=tmp_path, client=FakeCBS({"85318NED": t}))


def test_kwb_second_call_from_cache(tmp_path: Path, fake: FakeCBS) -> None:
    a = cbs.kwb(2022, "wijk", cache_dir=tmp_path, client=fake)
    b = cbs.kwb(2022, "wijk", cache_dir=tmp_path, client=RaisingClient())
    pd.testing.assert_frame_equal(a, b)


def test_kwb_offline_error(tmp_path: Path) -> None:
    with pytest.raises(OfflineError, match="85318NED"):
        cbs.kwb(2022, cache_dir=tmp_path, client=FakeCBS(offline=True))


# ---------------------------------------------------------------------------
# Mergers
# ---------------------------------------------------------------------------


def test_successor_map_basic() -> None:
    m = cbs.successor_map(2021, 2022)
    assert len(m) == 10 and m["GM0370"] == "GM0439" and m["GM1685"] == "GM1991"
    assert "GM0457" not in m  # Weesp merged on 24 March 2022: first absent on 1 January 2023
    assert cbs.successor_map(2022, 2023)["GM0457"] == "GM0363"
    assert cbs.successor_map(2022, 2022) == {}
    chained = cbs.successor_map(2015, 2022)
    assert chained["GM0005"] == "GM1966" and chained["GM0860"] == "GM1948" and chained["GM0003"] == "GM1979"
    assert cbs.successor_map(2019, 2022).get("GM0005") is None  # Bedum no longer exists in 2019
    with pytest.raises(DataError, match="backwards"):
        cbs.successor_map(2022, 2021)
    with pytest.raises(DataError, match="2015-2025"):
        cbs.successor_map(2010, 2022)


def _gemeenten(year: int) -> pd.DataFrame:
    return pd.read_csv(EMBEDDED / f"gemeente_jeugdregio_{year}.csv", dtype=str)


# Merged 2017 gemeenten whose 2017 jeugdregio differs from the 2022 jeugdregio of their successor.
EXPECTED_REGION_EXCEPTIONS = {
    "GM0545": ("JZ31", "GM1961", "JZ26"),  # Leerdam -> Vijfheerenlanden (Zuid-Holland Zuid -> Lekstroom)
    "GM0707": ("JZ31", "GM1961", "JZ26"),  # Zederik -> Vijfheerenlanden
    "GM0393": ("JZ11", "GM0394", "JZ15"),  # Haarlemmerliede en Spaarnwoude -> Haarlemmermeer
    "GM0788": ("JZ33", "GM0824", "JZ35"),  # Haaren (partitioned) -> Oisterwijk (main successor)
}


def test_merger_table_against_reference_lists() -> None:
    g17, g22 = _gemeenten(2017), _gemeenten(2022)
    codes17, codes22 = set(g17["gemeentecode"]), set(g22["gemeentecode"])
    assert (len(codes17), len(codes22)) == (388, 345)
    her = cbs.herindelingen()
    assert her["oude_gemeentecode"].is_unique
    assert her["oude_gemeentecode"].str.match(r"^GM\d{4}$").all()
    assert her["nieuwe_gemeentecode"].str.match(r"^GM\d{4}$").all()
    # Applying the mergers year by year reproduces the official counts and the exact 2022 list.
    current = set(codes17)
    counts = {}
    for year in range(2018, 2026):
        step = her[her["ingangsjaar"] == year]
        assert set(step["oude_gemeentecode"]) <= current, year
        current = (current - set(step["oude_gemeentecode"])) | set(step["nieuwe_gemeentecode"])
        counts[year] = len(current)
        if year == 2022:
            assert current == codes22
    assert counts == {2018: 380, 2019: 355, 2020: 355, 2021: 352, 2022: 345, 2023: 342, 2024: 342, 2025: 342}
    # every 2017 code exists in 2022 or maps to a 2022 code
    m = cbs.successor_map(2017, 2022)
    mapped = {c: m.get(c, c) for c in codes17}
    assert set(mapped.values()) == codes22
    assert sum(c in m for c in codes17) == 59 and len(codes17 & codes22) == 329
    # jeugdregio continuity; exceptions are listed explicitly
    r17 = dict(zip(g17["gemeentecode"], g17["jeugdregio_code"]))
    r22 = dict(zip(g22["gemeentecode"], g22["jeugdregio_code"]))
    exceptions = {c: (r17[c], m[c], r22[m[c]]) for c in codes17 if c in m and r17[c] != r22[m[c]]}
    assert exceptions == EXPECTED_REGION_EXCEPTIONS
    # partitions are documented
    notes = her.set_index("oude_gemeentecode")["opmerking"]
    for c in ("GM0140", "GM0788", "GM0053"):
        assert "partitioned" in notes[c]
    assert notes.map(type).eq(str).all() and notes.eq("").sum() == 56  # an empty note is "", never None
    # the same table as jeugdlib.data.load_mergers() reads and checks (one reader), apart from the "" notes
    from jeugdlib.data import load_mergers

    pd.testing.assert_frame_equal(her.drop(columns="opmerking"), load_mergers().drop(columns="opmerking"))
    # 2016 and 2017 mergers precede the 2017 list
    early = her[her["ingangsjaar"] <= 2017]
    assert not set(early["oude_gemeentecode"]) & codes17 and set(early["nieuwe_gemeentecode"]) <= codes17


def test_harmonise_gemeenten_sums_and_flags() -> None:
    df = pd.DataFrame(
        {
            "gemeentecode": ["GM0014", "GM0017", "GM0009", "GM0014", "GM0003", "GM0363"],
            "gemeentenaam": ["Groningen", "Haren", "Ten Boer", "Groningen", "Appingedam", "Amsterdam"],
            "jaar": [2018, 2018, 2018, 2019, 2018, 2022],
            "n": [100.0, 10.0, np.nan, 120.0, 5.0, 1000.0],
            "m": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
        }
    )
    out = cbs.harmonise_gemeenten(df, sum_cols=["n", "m"]).set_index(["gemeentecode", "jaar"])
    assert out.loc[("GM0014", 2018), "n"] == 110 and out.loc[("GM0014", 2018), "m"] == 6
    assert out.loc[("GM0014", 2018), "n_bronnen"] == 3 and out.loc[("GM0014", 2018), "onvolledig"]
    assert not out.loc[("GM0014", 2019), "onvolledig"] and out.loc[("GM0014", 2019), "n_bronnen"] == 1
    assert out.loc[("GM1979", 2018), "gemeentenaam"] == "Eemsdelta"
    assert out.loc[("GM0363", 2022), "n"] == 1000
    with pytest.raises(DataError, match="sum_cols"):
        cbs.harmonise_gemeenten(df, sum_cols=["x"])
    later = pd.DataFrame({"gemeentecode": ["GM0363"], "jaar": [2023], "n": [1.0]})
    with pytest.raises(DataError, match="boundary_year=2023"):
        cbs.harmonise_gemeenten(later)
    ok = cbs.harmonise_gemeenten(later, boundary_year=2023)
    assert ok["n"].tolist() == [1.0]


# ---------------------------------------------------------------------------
# jeugdzorg_gemeenten
# ---------------------------------------------------------------------------


def test_jeugdzorg_long_harmonised(tmp_path: Path, fake: FakeCBS) -> None:
    out = cbs.jeugdzorg_gemeenten([2018, 2019, 2021, 2022], cache_dir=tmp_path, client=fake)
    assert list(out.columns) == [
        "gemeentecode", "gemeentenaam", "jaar", "vorm", "aantal_jongeren", "voorlopig",
        "onderdrukt", "onvolledig", "n_bronnen", "tabel",
    ]  # fmt: skip
    assert set(out["vorm"]) == {
        "jeugdzorg_totaal", "jeugdhulp_totaal", "jeugdhulp_zonder_verblijf", "jeugdhulp_wijkteam",
        "jeugdhulp_met_verblijf", "jeugdbescherming", "jeugdreclassering",
    }  # fmt: skip
    assert set(out["jaar"]) == {2018, 2019, 2021, 2022}
    assert out["gemeentecode"].str.match(r"^GM\d{4}$").all()
    idx = out.set_index(["gemeentecode", "jaar", "vorm"]).sort_index()
    # Groningen 2018 = Groningen + Haren + Ten Boer (2019 merger)
    g = idx.loc[("GM0014", 2018)]
    assert g.loc["jeugdzorg_totaal", "aantal_jongeren"] == 6950 + 560 + 165
    assert g.loc["jeugdzorg_totaal", "n_bronnen"] == 3
    assert g.loc["jeugdbescherming", "aantal_jongeren"] == 680 + 25  # Ten Boer suppressed
    assert g.loc["jeugdbescherming", "onvolledig"] and not g.loc["jeugdbescherming", "onderdrukt"]
    assert not g.loc["jeugdzorg_totaal", "onvolledig"]
    assert (g["gemeentenaam"] == "Groningen").all()
    # Appingedam 2018 -> Eemsdelta (2021); a single suppressed source stays missing
    e = idx.loc[("GM1979", 2018)]
    assert e.loc["jeugdhulp_totaal", "aantal_jongeren"] == 365 and e.loc["jeugdreclassering", "onderdrukt"]
    # Land van Cuijk 2021 = five gemeenten (2022 merger)
    lvc = idx.loc[("GM1982", 2021)]
    assert lvc.loc["jeugdhulp_wijkteam", "aantal_jongeren"] == 380 + 155 + 140 + 360 + 205
    assert lvc.loc["jeugdreclassering", "aantal_jongeren"] == 30 and lvc.loc["jeugdreclassering", "onvolledig"]
    assert (lvc["n_bronnen"] == 5).all() and (lvc["gemeentenaam"] == "Land van Cuijk").all()
    # provisional 2022, definitive 2021; table per year
    assert out.loc[out["jaar"] == 2022, "voorlopig"].all() and not out.loc[out["jaar"] < 2022, "voorlopig"].any()
    assert set(out.loc[out["jaar"] <= 2020, "tabel"]) == {"84134NED"}
    assert set(out.loc[out["jaar"] >= 2021, "tabel"]) == {"85099NED"}
    # Nederland and jeugdregio rows are not gemeenten
    assert not out["gemeentecode"].isin(["NL01", "JZ01"]).any()


def test_jeugdzorg_wide_and_cache(tmp_path: Path, fake: FakeCBS) -> None:
    wide = cbs.jeugdzorg_gemeenten([2021, 2022], wide=True, cache_dir=tmp_path, client=fake)
    assert {"gemeentecode", "gemeentenaam", "jaar", "jeugdhulp_wijkteam", "jeugdbescherming", "voorlopig"} <= set(wide)
    row = wide.set_index(["gemeentecode", "jaar"]).loc[("GM0363", 2022)]
    assert row["jeugdhulp_wijkteam"] == 13050 and row["voorlopig"]
    again = cbs.jeugdzorg_gemeenten([2021, 2022], wide=True, cache_dir=tmp_path, client=RaisingClient())
    pd.testing.assert_frame_equal(wide, again)


def test_jeugdzorg_bad_years(tmp_path: Path, fake: FakeCBS) -> None:
    with pytest.raises(DataError, match="2014"):
        cbs.jeugdzorg_gemeenten([2014], cache_dir=tmp_path, client=fake)
    with pytest.raises(DataError, match="2020"):
        cbs.jeugdzorg_gemeenten([2020], cache_dir=tmp_path, client=fake)  # period exists, no gemeente rows


def test_jeugdzorg_metadata_missing_dimension(tmp_path: Path) -> None:
    t = _load("85099NED")
    t["DataProperties"] = [p for p in t["DataProperties"] if p["Key"] != "VormenVanJeugdzorg"]
    with pytest.raises(DataError, match=r"85099NED.*VormenVanJeugdzorg"):
        cbs.jeugdzorg_gemeenten([2021], cache_dir=tmp_path, client=FakeCBS({"85099NED": t}))
    t = _load("85099NED")
    t["DataProperties"] = [p for p in t["DataProperties"] if p["Type"] != "Topic"]
    with pytest.raises(DataError, match=r"85099NED.*JongerenMetJeugdzorg"):
        cbs.jeugdzorg_gemeenten([2021], cache_dir=tmp_path / "b", client=FakeCBS({"85099NED": t}))


def test_jeugdzorg_offline(tmp_path: Path) -> None:
    with pytest.raises(OfflineError, match="84134NED"):
        cbs.jeugdzorg_gemeenten([2019], cache_dir=tmp_path, client=FakeCBS(offline=True))


def test_vorm_names() -> None:
    assert _vorm_name("Jeugdhulp zonder verblijf: door wijkteam") == "jeugdhulp_wijkteam"
    assert _vorm_name("Jeugdhulp zonder verblijf: overig") == "jeugdhulp_zonder_verblijf_overig"
    assert _vorm_name("Jeugdhulp met verblijf") == "jeugdhulp_met_verblijf"
    assert _vorm_name("Totaal jeugdzorg") == "jeugdzorg_totaal"
    assert set(cbs.VORMEN) >= {"jeugdhulp_totaal", "jeugdbescherming"}


def test_no_shared_reads_and_every_module_checked() -> None:
    """No module of the cbs package (nor a fixture) points at the read-only shared folder."""
    modules = sorted(CBS_PACKAGE.glob("*.py"))
    names = {p.name for p in modules}
    # the test must see every module of the split package, not only __init__.py
    assert {"__init__.py", "cache.py", "_client.py", "kwb.py", "jeugdzorg.py", "mergers.py"} <= names
    pattern = re.compile(r"/work/shared|\.\./shared|[\\/]shared[\\/]")
    offenders = [p.name for p in modules if pattern.search(p.read_text(encoding="utf-8"))]
    offenders += [p.name for p in FIXTURES.iterdir() if p.is_file() and pattern.search(p.read_text(encoding="utf-8"))]
    assert offenders == []
    assert "shared" not in FIXTURES.resolve().parts


def test_fetch_leaves_no_tmp_files(tmp_path: Path, fake: FakeCBS) -> None:
    cbs.prefetch("85318NED", cache_dir=tmp_path, client=fake)
    files = list((tmp_path / "cbs").iterdir())
    assert files and not [p for p in files if p.name.endswith(".tmp") or p.name.startswith(".")]
    # every parquet file has its JSON sidecar
    assert {p.stem for p in files if p.suffix == ".parquet"} == {p.stem for p in files if p.suffix == ".json"}


def test_mixed_untyped_column_round_trips(tmp_path: Path, fake: FakeCBS) -> None:
    # 85984NED has an int (1190) and a padded '.' in the same column, as untyped CBS output can
    a = cbs.fetch("85984NED", cache_dir=tmp_path, client=fake)
    b = cbs.fetch("85984NED", cache_dir=tmp_path, client=RaisingClient())
    pd.testing.assert_frame_equal(a, b)
    assert a["PersonenPerSoortUitkeringBijstand_83"].tolist() == ["1190", "       ."]
