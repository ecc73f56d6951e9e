"""The SCP model on open CBS wijk data (KWB stand-ins for the SCP determinants)."""

from __future__ import annotations

import pandas as pd

from jeugdlib.scp._fit import fit_scp_model
from jeugdlib.scp._model import ScpModel

__all__ = ["OPEN_DATA_MAPPING", "OPEN_OUTCOME", "fit_open_model", "open_data_frame"]


#: SCP determinant → open KWB stand-in in :func:`jeugdlib.data.load_wijken` (None: no open equivalent).
OPEN_DATA_MAPPING: dict[str, str | None] = {
    "perc_sbo_g": None,
    "perc_vso_g": None,
    "perc_praktijk_g": None,
    "perc_hhmk": "perc_hh_met_kinderen",
    "perc_jong04": None,
    "perc_1ouder": None,
    "perc_tienmam": None,
    "perc_hhmkhgink": None,
    "perc_kind_sch5": "perc_gescheiden",
    "perc_ouderpsy": None,
    "perc_hhverd": None,
    "perc_hhbijs": "perc_bijstand",
    "perc_hhwan": None,
    "groenedruk": "groene_druk_proxy",
    "grijzedruk": "grijze_druk_proxy",
    "perc_ao": "perc_ao_uitkering",
    "perc_laagopl": None,
    "gem_gestink": "gem_inkomen_per_inwoner_x1000",
    "polchrplus": None,
    "perc_nwmig": "perc_nietwesters",
    "perc_antsur": "perc_antillen_suriname",
    "perc_1gez": None,
    "huur_corp": "perc_corporatiewoningen",
    "woonwaarde": "woz_waarde_x1000",
    "afstandhuisarts": "afstand_huisarts",
    "samenw": None,
    "kleinewijk": "kleinewijk",
}
#: The open-data outcome: youths with jeugdzorg in natura as % of the 0–24 proxy population.
OPEN_OUTCOME = "perc_jz_van_0_24_proxy"


def open_data_frame(year: int, min_inwoners: int = 100) -> tuple[pd.DataFrame, list[str]]:
    """Wijken of ``year`` (2021/2022) ready for the open SCP model, and the usable predictors.

    Wijken under ``min_inwoners`` inhabitants are excluded (as SCP did).
    Stand-ins that are empty in that year's file (bijstand, income and distances
    for 2022) are left out of the predictor list.
    """
    from jeugdlib.data import load_wijken

    w = load_wijken(year)
    w = w[w.inwoners >= min_inwoners].reset_index(drop=True)
    preds = [v for v in OPEN_DATA_MAPPING.values() if v is not None and w[v].notna().mean() > 0.5]
    return w, preds


def fit_open_model(year: int, **fit_kwargs) -> ScpModel:
    """The SCP model on open CBS wijk data of ``year`` (see :data:`OPEN_DATA_MAPPING`).

    The outcome is :data:`OPEN_OUTCOME` (jeugdzorg in natura over the 0–24
    proxy population — not the same as SCP's jeugdhulp zonder verblijf among
    0–17 year olds); the levels are the 2022 jeugdregio's and the gemeente of
    the data year.
    """
    w, preds = open_data_frame(year)
    return fit_scp_model(w, outcome=OPEN_OUTCOME, predictors=preds, **fit_kwargs)
