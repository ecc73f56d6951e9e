"""Kaplan-Meier with left truncation against R survival (tests/reference/r_survival_km.R, committed output)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

REF = Path(__file__).parent / "reference"


@pytest.fixture(scope="module")
def r_km() -> pd.DataFrame:
    return pd.read_csv(REF / "r_survival_km_output.csv", skipinitialspace=True)


def _step(times: np.ndarray, surv: np.ndarray, at: np.ndarray) -> np.ndarray:
    i = np.searchsorted(times, at, side="right") - 1
    return np.where(i >= 0, surv[np.clip(i, 0, None)], 1.0)


def test_km_estimator_matches_r_survival(r_km: pd.DataFrame) -> None:
    """jeugdlib's estimator (lifelines with entry times and aggregated weights) on the committed input."""
    from jeugdlib.trajectories._durations import _fit_km, _median

    x = pd.read_csv(REF / "km_input.csv")
    kmf = _fit_km(x.duration.to_numpy(), x.event.to_numpy(), x.entry.to_numpy())
    sf = kmf.survival_function_.iloc[:, 0]
    ours = _step(sf.index.to_numpy(dtype=float), sf.to_numpy(), r_km.time.to_numpy(dtype=float))
    assert np.max(np.abs(ours - r_km.surv.to_numpy())) < 1e-12
    assert _median(kmf) == r_km["median"].iloc[0] == 183


def test_durations_reproduce_the_reference_input_and_r_median(r_km: pd.DataFrame) -> None:
    """The public path: durations() of the same SYNTHETIC extract gives R's curve and median (183 days)."""
    import sys

    sys.path.insert(0, str(REF))
    try:
        from make_km_inputs import AS_OF, START, km_input
    finally:
        sys.path.remove(str(REF))
    from jeugdlib import trajectories as T

    committed = pd.read_csv(REF / "km_input.csv")
    pd.testing.assert_frame_equal(km_input().reset_index(drop=True), committed, check_dtype=False)
    res = T.durations(T.read_trajectories(T.simulate_trajectories(800, START, AS_OF, seed=13), as_of=AS_OF))
    assert float(res.table["median_days"].iloc[0]) == 183
    s = res.survival
    s = s[s["group"] == "totaal"] if "group" in s.columns else s
    # the published curve is on a grid of days: R's step function evaluated on that grid
    r_at_grid = _step(r_km.time.to_numpy(dtype=float), r_km.surv.to_numpy(), s["days"].to_numpy(dtype=float))
    assert len(s) > 100 and np.max(np.abs(s["survival"].to_numpy() - r_at_grid)) < 1e-12
