"""The observation window (``as_of``, ``observed_from``) must survive ``traj, claims = simulate_trajectories(...)``.

Regression found in review: after the window moved from ``DataFrame.attrs`` to typed fields,
unpacking a :class:`SimulatedTrajectories` gave plain DataFrames and the analyses silently
fell back to the latest date and no left truncation (``flows`` started years before the
extract, Kaplan–Meier survival moved by up to 0.07, ``trend`` gained incomplete cohorts).
The former version read the window from ``attrs``, i.e. it gave the numbers of passing
``as_of``/``observed_from`` explicitly; these tests compare the unpacked path with that
explicit path (no hard-coded figures) and check that a plain DataFrame warns.
"""

from __future__ import annotations

import copy
import pickle
import warnings
from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest

from jeugdlib import trajectories as T
from jeugdlib.errors import JeugdlibWarning

N_CLIENTS, SEED = 3000, 11  # the reviewer's reproducer (simulation defaults: 2018-01-01 to 2023-12-31)
BASE_YEAR, END_YEAR = 2019, 2022


@pytest.fixture(scope="module")
def sim() -> T.SimulatedTrajectories:
    return T.simulate_trajectories(n_clients=N_CLIENTS, seed=SEED)


@pytest.fixture(scope="module")
def unpacked(sim: T.SimulatedTrajectories) -> tuple[T.LoadedTable, T.LoadedTable]:
    traj, claims = sim
    return traj, claims


def _jeugdlib_warnings(func: Callable[[], Any]) -> tuple[Any, list[warnings.WarningMessage]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = func()
    return out, [w for w in caught if issubclass(w.category, JeugdlibWarning)]


def _quiet(func: Callable[[], Any]) -> Any:
    """Run ``func``; it must not issue a JeugdlibWarning (the window is known)."""
    out, caught = _jeugdlib_warnings(func)
    assert not caught, [str(w.message) for w in caught]
    return out


# --------------------------------------------------------------------------- unpacking


def test_unpacking_gives_loaded_tables_with_the_window(sim: T.SimulatedTrajectories, unpacked) -> None:
    traj, claims = unpacked
    assert isinstance(traj, T.LoadedTable) and isinstance(claims, T.LoadedTable)
    assert traj.table is sim.trajectories and claims.table is sim.claims
    assert traj.as_of == sim.as_of and traj.observed_from == sim.observed_from
    assert claims.as_of == sim.as_of and claims.observed_from is None
    assert traj.report.table == "trajectories" and claims.report.table == "claims"
    assert traj.report.n_rows_out == len(sim.trajectories)
    assert traj.report.n_running == int(sim.trajectories["einddatum"].isna().sum())
    # the former NamedTuple's indexing; the same objects as unpacking
    assert sim[0] is traj and sim[1] is claims and len(sim) == 2
    # the SYNTHETIC label still travels with the tables
    assert traj.attrs["synthetic"] is True and "SYNTHETIC" in claims.attrs["description"]
    no_claims, none = T.simulate_trajectories(n_clients=50, seed=1, claims=False)
    assert isinstance(no_claims, T.LoadedTable) and none is None


# --------------------------------------------------------------------------- same numbers as explicit arguments


def _explicit(sim: T.SimulatedTrajectories) -> dict[str, Any]:
    return {"as_of": sim.as_of, "observed_from": sim.observed_from}


@pytest.mark.parametrize("by", [None, "productcategorie"])
def test_durations_unpacked_equal_explicit(sim: T.SimulatedTrajectories, unpacked, by: str | None) -> None:
    traj, _ = unpacked
    explicit = _quiet(lambda: T.durations(sim.trajectories, by=by, **_explicit(sim)))
    for data in (traj, sim):
        res = _quiet(lambda data=data: T.durations(data, by=by))
        for name in ("table", "buckets", "trend", "survival"):
            pd.testing.assert_frame_equal(getattr(res, name), getattr(explicit, name), check_exact=True)
        assert res.as_of == explicit.as_of == sim.as_of and res.observed_from == sim.observed_from
        assert res.tidy().equals(explicit.tidy())
    # the trend holds the cohorts of the extract only
    assert explicit.trend["start_year"].min() == sim.observed_from.year
    # and the window matters here: without it (the regression) the numbers differ
    with pytest.warns(JeugdlibWarning, match="no left truncation"):
        lost = T.durations(sim.trajectories, by=by, as_of=sim.as_of)
    assert len(lost.trend) > len(explicit.trend)
    assert (lost.survival["survival"] - explicit.survival["survival"]).abs().max() > 0


@pytest.mark.parametrize(
    "kwargs", [{}, {"freq": "quarter"}, {"by": "productcategorie"}, {"freq": "quarter", "by": "productcategorie"}]
)
def test_flows_unpacked_equal_explicit(sim: T.SimulatedTrajectories, unpacked, kwargs: dict) -> None:
    traj, _ = unpacked
    explicit = _quiet(lambda: T.flows(sim.trajectories, start=sim.observed_from, as_of=sim.as_of, **kwargs))
    for data in (traj, sim):
        pd.testing.assert_frame_equal(_quiet(lambda data=data: T.flows(data, **kwargs)), explicit, check_exact=True)
    periods = explicit.index.get_level_values("period")
    assert periods.min().startswith(str(sim.observed_from.year))
    assert periods.max().startswith(str(sim.as_of.year))
    # without observed_from (the regression) the flows start at the earliest begindatum instead
    with pytest.warns(JeugdlibWarning, match="earliest begindatum"):
        lost = T.flows(sim.trajectories, as_of=sim.as_of, **kwargs)
    assert lost.index.get_level_values("period").min() < periods.min()


def test_episodes_extensions_care_paths_unpacked_equal_explicit(sim: T.SimulatedTrajectories, unpacked) -> None:
    traj, _ = unpacked
    df, as_of = sim.trajectories, sim.as_of
    pd.testing.assert_frame_equal(_quiet(lambda: T.episodes(traj)), _quiet(lambda: T.episodes(df, as_of=as_of)))
    ext, ext_x = _quiet(lambda: T.extensions(traj)), _quiet(lambda: T.extensions(df, as_of=as_of))
    for name in ("per_trajectory", "table", "distribution"):
        pd.testing.assert_frame_equal(getattr(ext, name), getattr(ext_x, name), check_exact=True)
    done, done_x = T.extensions(traj, completed_only=True), T.extensions(df, as_of=as_of, completed_only=True)
    pd.testing.assert_frame_equal(done.table, done_x.table, check_exact=True)
    paths, paths_x = _quiet(lambda: T.care_paths(traj)), _quiet(lambda: T.care_paths(df, as_of=as_of))
    for name in ("transitions", "common_paths", "time_to_next", "scale_down"):
        pd.testing.assert_frame_equal(getattr(paths, name), getattr(paths_x, name), check_exact=True)
    assert (paths.share_sequential, paths.n_clients) == (paths_x.share_sequential, paths_x.n_clients)


def test_cost_and_provider_indicators_unpacked_equal_explicit(sim: T.SimulatedTrajectories, unpacked) -> None:
    traj, claims = unpacked
    df, as_of = sim.trajectories, sim.as_of
    cost = _quiet(lambda: T.cost_decomposition(traj, claims, BASE_YEAR, END_YEAR))
    cost_x = _quiet(lambda: T.cost_decomposition(df, sim.claims, BASE_YEAR, END_YEAR, as_of=as_of))
    for name in ("yearly", "effects", "chained"):
        pd.testing.assert_frame_equal(getattr(cost, name), getattr(cost_x, name), check_exact=True)
    assert cost.n_unmatched_claims == cost_x.n_unmatched_claims
    prov = _quiet(lambda: T.provider_indicators(traj))
    pd.testing.assert_frame_equal(prov, _quiet(lambda: T.provider_indicators(df, as_of=as_of)), check_exact=True)
    pd.testing.assert_frame_equal(prov, _quiet(lambda: T.provider_indicators(sim)), check_exact=True)


def test_subset_keeps_the_window(sim: T.SimulatedTrajectories, unpacked) -> None:
    traj, _ = unpacked
    mask = traj["gemeentecode"] == "GM9901"
    sub = traj.subset(mask)
    assert isinstance(sub, T.LoadedTable) and (sub.as_of, sub.observed_from) == (traj.as_of, traj.observed_from)
    explicit = T.durations(sim.trajectories.loc[mask], **_explicit(sim))
    pd.testing.assert_frame_equal(_quiet(lambda: T.durations(sub)).trend, explicit.trend, check_exact=True)


# --------------------------------------------------------------------------- plain DataFrames warn


def _analyses(claims: pd.DataFrame) -> dict[str, Callable[[pd.DataFrame], Any]]:
    return {
        "episodes": T.episodes,
        "durations": T.durations,
        "extensions": T.extensions,
        "care_paths": T.care_paths,
        "flows": T.flows,
        "cost_decomposition": lambda df: T.cost_decomposition(df, claims, BASE_YEAR, END_YEAR),
        "provider_indicators": T.provider_indicators,
    }


@pytest.mark.parametrize("name", list(_analyses(pd.DataFrame())))
def test_plain_dataframe_warns_once_with_what_it_assumes(sim: T.SimulatedTrajectories, name: str) -> None:
    func = _analyses(sim.claims)[name]
    df = sim.trajectories
    _, caught = _jeugdlib_warnings(lambda: func(df))
    assert len(caught) == 1, [str(w.message) for w in caught]
    msg = str(caught[0].message)
    latest = max(df["begindatum"].max(), df["einddatum"].max()).date()
    assert msg.startswith(f"{name}: got a plain DataFrame")
    assert f"censored at the latest date in the table ({latest})" in msg and "as_of=" in msg
    assert "LoadedTable" in msg and "simulate_trajectories" in msg
    if name == "durations":
        assert "no left truncation" in msg and "observed_from=" in msg
    if name == "flows":
        assert "earliest begindatum" in msg and "start=" in msg
    assert caught[0].filename == __file__  # points at the caller, not inside jeugdlib


def test_plain_dataframe_with_the_window_does_not_warn(sim: T.SimulatedTrajectories, unpacked) -> None:
    df, as_of = sim.trajectories, sim.as_of
    traj, _ = unpacked
    _quiet(lambda: T.durations(df, **_explicit(sim)))
    _quiet(lambda: T.flows(df, start=sim.observed_from, as_of=as_of))
    for func in (T.episodes, T.extensions, T.care_paths, T.provider_indicators):
        _quiet(lambda func=func: func(df, as_of=as_of))
    # an episode table knows its censoring date through its running rows
    _quiet(lambda: T.care_paths(T.episodes(traj)))
    _quiet(lambda: T.episodes(T.episodes(traj)))
    # but durations/flows still miss the start of the extract on it
    _, caught = _jeugdlib_warnings(lambda: T.durations(T.episodes(traj)))
    assert len(caught) == 1 and "observed_from=" in str(caught[0].message)
    assert "latest date" not in str(caught[0].message)
    # a part of the window is still reported: as_of alone leaves the start unknown
    _, caught = _jeugdlib_warnings(lambda: T.flows(df, as_of=as_of))
    assert len(caught) == 1 and "start=" in str(caught[0].message) and "latest date" not in str(caught[0].message)


# --------------------------------------------------------------------------- LoadedTable conveniences


def test_loaded_table_dataframe_conveniences(sim: T.SimulatedTrajectories, unpacked) -> None:
    traj, claims = unpacked
    df = sim.trajectories
    assert len(traj) == len(df)
    pd.testing.assert_series_equal(traj["client_id"], df["client_id"])
    pd.testing.assert_frame_equal(traj[["client_id", "begindatum"]], df[["client_id", "begindatum"]])
    mask = df["einddatum"].isna()
    pd.testing.assert_frame_equal(traj[mask], df[mask])
    assert "productcategorie" in traj and "bedrag" not in traj and "bedrag" in claims
    assert list(traj) == list(df.columns)
    assert traj.shape == df.shape and list(traj.columns) == list(df.columns)
    pd.testing.assert_frame_equal(traj.head(3), df.head(3))
    pd.testing.assert_frame_equal(traj.loc[df.index[:5]], df.loc[df.index[:5]])
    assert traj.begindatum.min() == df["begindatum"].min()
    assert isinstance(traj.copy(), pd.DataFrame)  # a DataFrame taken from it: the window stays behind
    with pytest.raises(AttributeError, match="no_such_column"):
        _ = traj.no_such_column
    with pytest.raises(AttributeError):
        _ = traj._private
    # a column set on it lands in the table and the window stays
    part = copy.deepcopy(traj)
    part["startjaar"] = part["begindatum"].dt.year
    assert "startjaar" in part.table and "startjaar" not in df and part.as_of == traj.as_of
    recent = part.subset(part["startjaar"] >= sim.observed_from.year)
    explicit = T.durations(part.table.loc[part["startjaar"] >= sim.observed_from.year], **_explicit(sim))
    pd.testing.assert_frame_equal(_quiet(lambda: T.durations(recent)).table, explicit.table, check_exact=True)
    # prints as the table under a header with the window
    text = repr(traj)
    assert text.startswith("LoadedTable (trajectories")
    assert f"as_of={sim.as_of.date()}" in text and f"observed_from={sim.observed_from.date()}" in text
    assert repr(df) in text
    html = traj._repr_html_()
    assert f"as_of={sim.as_of.date()}" in html and "<table" in html
    assert repr(claims).startswith("LoadedTable (claims") and "observed_from" not in repr(claims).splitlines()[0]
    # copies and pickles like a dataclass (attribute delegation must not recurse)
    for clone in (copy.copy(traj), copy.deepcopy(traj), pickle.loads(pickle.dumps(traj))):
        assert isinstance(clone, T.LoadedTable) and clone.as_of == traj.as_of
        pd.testing.assert_frame_equal(clone.table, df)


def test_loaders_accept_unpacked_loaded_tables_and_keep_their_window() -> None:
    """`traj, claims = simulate_trajectories(...)` gives LoadedTables; the loaders read them with their window."""
    sim = T.simulate_trajectories(300, "2018-01-01", "2023-12-31", seed=5)
    traj, claims = sim
    loaded = T.read_trajectories(traj)
    direct = T.read_trajectories(sim)
    pd.testing.assert_frame_equal(loaded.table, direct.table)
    assert (
        (loaded.as_of, loaded.observed_from) == (direct.as_of, direct.observed_from) == (sim.as_of, sim.observed_from)
    )
    c = T.read_claims(claims)
    assert c.as_of == sim.as_of and len(c.table) == len(sim.claims)
    pd.testing.assert_frame_equal(T.load_claims(claims), c.table)
