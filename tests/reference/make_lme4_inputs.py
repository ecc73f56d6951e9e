"""Write ``lme4_scp_input.csv``: the rows and predictors jeugdlib's SCP model is fitted on.

The R script ``r_lme4_scp.R`` fits the same three-level model with lme4 on this file, so
both fits use exactly the same wijken and the same imputed predictor values. The file
holds only the wijken with an observed outcome (the rows of the fit), the two level
codes, the outcome, the 27 SCP determinants after jeugdlib's hierarchical imputation
(gemeente -> jeugdregio -> national mean over the fitted wijken,
:func:`jeugdlib.scp.impute_hierarchical`) and a weight column ``w`` for the weighted
comparison (50 for a small wijk, 500 otherwise: the weights of ``tests/test_scp.py``).
Floats are written with the shortest representation that round-trips (full precision).

Run from the repository root::

    python tests/reference/make_lme4_inputs.py
    Rscript tests/reference/r_lme4_scp.R
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from jeugdlib.data import load_scp_2017
from jeugdlib.scp import SCP_DETERMINANTS, impute_hierarchical

HERE = Path(__file__).resolve().parent
INPUT_CSV = HERE / "lme4_scp_input.csv"
LEVELS = ("jeugdregio_code", "gemeentecode")
OUTCOME = "perc_jhzv"


def lme4_input() -> pd.DataFrame:
    """The fitted wijken with imputed SCP determinants, as jeugdlib's ``fit_scp_model`` sees them."""
    df = load_scp_2017()
    fit = df[df[OUTCOME].notna()].reset_index(drop=True)
    imputed = impute_hierarchical(fit, SCP_DETERMINANTS, LEVELS)
    out = pd.concat([fit[list(LEVELS)], fit[[OUTCOME]], imputed], axis=1)
    out["w"] = np.where(fit["kleinewijk"] == 1, 50.0, 500.0)
    return out


def main() -> None:
    lme4_input().to_csv(INPUT_CSV, index=False, lineterminator="\n")
    print(f"wrote {INPUT_CSV} ({INPUT_CSV.stat().st_size / 1e3:.0f} kB)")


if __name__ == "__main__":
    main()
