"""Input of the R survival reference for Kaplan-Meier with left truncation (tests/test_km_reference.py).

SYNTHETIC trajectories (jeugdlib.trajectories.simulate_trajectories, seed 13, 800 clients, extract
2018-01-01 .. 2023-12-31). Each trajectory (episode) contributes (entry, duration, event): entry is the
number of days it had already run on the first day of the extract (left truncation), duration its
length in days up to its end or the as-of date, event 1 if it ended. Rows with duration <= entry are
outside the risk set from the start and are left out (as R's counting-process Surv requires).

Run from the repository root: ``python tests/reference/make_km_inputs.py`` then
``Rscript tests/reference/r_survival_km.R``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from jeugdlib import trajectories as T

HERE = Path(__file__).parent
START, AS_OF = "2018-01-01", "2023-12-31"


def km_input() -> pd.DataFrame:
    sim = T.simulate_trajectories(800, START, AS_OF, seed=13)
    loaded = T.read_trajectories(sim, as_of=AS_OF)
    ep = T.episodes(loaded)
    d = ep["duur_dagen"].to_numpy()
    ev = (~ep["lopend"]).to_numpy().astype(int)
    entry = np.maximum((pd.Timestamp(START) - ep["begindatum"]).dt.days.to_numpy(), 0)
    keep = d > entry
    return pd.DataFrame({"entry": entry[keep], "duration": d[keep], "event": ev[keep]})


if __name__ == "__main__":
    km_input().to_csv(HERE / "km_input.csv", index=False)
    print("wrote", HERE / "km_input.csv")
