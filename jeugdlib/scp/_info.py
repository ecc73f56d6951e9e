"""The SCP determinants and their documentation (the ``bronnen`` sheet), read lazily."""

from __future__ import annotations

from functools import cache
from typing import Literal

import pandas as pd

from jeugdlib.data import SCP_DETERMINANT_COLUMNS

#: The 27 SCP determinants in SCP order.
SCP_DETERMINANTS: list[str] = list(SCP_DETERMINANT_COLUMNS)

#: Outcome transformation of the SCP model: none (shares as they are), log or logit.
Transform = Literal["log", "logit"] | None

#: Optimizers tried in turn by :func:`jeugdlib.scp.fit_scp_model`.
OPTIMIZERS = ("lbfgs", "bfgs", "powell", "nm")


@cache
def _determinant_info_cached() -> pd.DataFrame:
    from jeugdlib.data import embedded_path

    info = pd.read_csv(embedded_path("scp_bronnen"))
    info = info[info.variabele.isin(SCP_DETERMINANTS)].set_index("variabele").loc[SCP_DETERMINANTS]
    info = info.rename(columns={"omschrijving": "label", "toelichting": "bron_detail"})
    return info.reset_index()


def determinant_info() -> pd.DataFrame:
    """Dutch label, definition source and group of each SCP determinant (the ``bronnen`` sheet).

    Returns
    -------
    DataFrame with ``variabele, label, bron, bron_detail, groep, subgroep``, one row per
    determinant in SCP order. The file is read on the first call and cached; every call
    returns a fresh copy, so callers may modify it.
    """
    return _determinant_info_cached().copy()


@cache
def determinant_labels() -> pd.Series:
    """Dutch label per determinant (``variabele`` -> ``label``), cached."""
    return _determinant_info_cached().set_index("variabele")["label"]
