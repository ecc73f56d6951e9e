"""ELAN/LUMC wijkprofielen: jeugdhulp use per gemeente and per wijk, 2015-2022 (Haaglanden and around).

The ELAN team (LUMC / Health Campus Den Haag) computed these figures in CBS Remote Access from
microdata (JGDHULPBUS, GBA, ...) and released them as disclosure-checked output in the public
repository elan-dcc/wijkprofielen (MIT). They are **not** a StatLine table: cite them as
:data:`ELAN_BRON` ("ELAN/LUMC op basis van CBS-microdata"); every loader row carries that text
in its ``bron`` column.

Quirks handled here
-------------------
- Jeugdhulp is measured from 2015 only; the published files hold empty cells (gemeenten) or
  zeros (wijken) before that, which are not zeros: only 2015-2022 is embedded.
- The wijk share is persons with jeugdhulp as a share of **all** residents, not of youths
  (the wijk files give no youth count): ``perc_jeugdhulp_inwoners``. The gemeente loader gives
  the same share, plus the count.
- Gemeenten are on the boundaries after the 2019 merger of Noordwijk and Noordwijkerhout for
  every year (Noordwijk has ~43,000 residents in 2015, the two gemeenten together), and the 70
  wijk codes all exist in CBS's 2021 and 2022 wijk lists (three of them not in 2017): both
  levels carry ``indelingsjaar`` 2022.
- A share of 0 in a small wijk after 2015 may be a suppressed small count:
  ``mogelijk_onderdrukt``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from jeugdlib.data._datasets import DATASETS, copying, embedded_path
from jeugdlib.data.schemas import ELAN_GEMEENTE_SCHEMA, ELAN_WIJK_SCHEMA
from jeugdlib.errors import DataError
from jeugdlib.io import Schema, read_table

__all__ = ["ELAN_BRON", "load_elan_haaglanden"]

#: How the ELAN figures must be cited wherever they are shown.
ELAN_BRON = "ELAN/LUMC op basis van CBS-microdata"
_BOUNDARY_YEAR = np.int64(2022)


def _read(name: str, schema: Schema) -> pd.DataFrame:
    ds = DATASETS[name]
    raw, label = read_table(embedded_path(name), source=ds.file, decimal=ds.decimal)
    return schema.validate(raw, label)


def _gemeenten() -> pd.DataFrame:
    df = _read("elan_jeugdhulp_gemeenten", ELAN_GEMEENTE_SCHEMA)
    out = pd.DataFrame(
        {
            "gemeentecode": df["gemeentecode"],
            "gemeentenaam": df["gemeentenaam"],
            "jaar": df["jaar"].astype("int64"),
            "inwoners": df["inwoners"].astype("int64"),
            "perc_0_20": 100 * df["aandeel_0_20"],
            "jeugdhulp_gebruikers": df["jeugdhulp_gebruikers"].astype("int64"),
        }
    )
    out["perc_jeugdhulp_inwoners"] = 100 * out["jeugdhulp_gebruikers"] / out["inwoners"]
    return out


def _wijken() -> pd.DataFrame:
    ds = DATASETS["elan_jeugdhulp_wijken"]
    df = _read("elan_jeugdhulp_wijken", ELAN_WIJK_SCHEMA)
    names = df["gemeentenaam"].str.replace(r"^Gemeente\s+", "", regex=True)
    code = "GM" + df["wijkcode"].str[2:6]
    # the wijk file names the gemeente; its code must be the one inside the wijk code
    gm = _gemeenten().drop_duplicates("gemeentecode").set_index("gemeentecode")["gemeentenaam"]
    wrong = code.map(gm).ne(names)
    if wrong.any():
        rows = list(df.index[wrong][:5] + 2)
        raise DataError(
            f"{ds.file}: gemeente names at file rows {rows} do not match the gemeente of the wijk code; "
            "the embedded file is damaged: rebuild it with scripts/extract_elan.py.",
            source=ds.file,
            column="GMN",
        )
    share = df["aandeel_jeugdhulp"]
    return pd.DataFrame(
        {
            "wijkcode": df["wijkcode"],
            "wijknaam": df["wijknaam"],
            "gemeentecode": code,
            "gemeentenaam": names,
            "jaar": df["jaar"].astype("int64"),
            "inwoners": df["inwoners"].astype("int64"),
            "perc_0_20": 100 * df["aandeel_0_20"],
            "perc_jeugdhulp_inwoners": 100 * share,
            "mogelijk_onderdrukt": share.eq(0).to_numpy(),
        }
    )


@copying
def load_elan_haaglanden(level: str = "gemeente") -> pd.DataFrame:
    """Jeugdhulp use 2015-2022 from the ELAN/LUMC wijkprofielen, long format (one row per area and year).

    Parameters
    ----------
    level : {"gemeente", "wijk"}
        ``"gemeente"``: 22 gemeenten of Haaglanden, Holland Rijnland and Alphen aan den Rijn;
        ``"wijk"``: 70 wijken of Den Haag, Leidschendam-Voorburg, Rijswijk and Wassenaar.

    Returns
    -------
    pandas.DataFrame
        Gemeente level: ``gemeentecode, gemeentenaam, jaar, indelingsjaar, inwoners, perc_0_20,
        jeugdhulp_gebruikers`` (persons with jeugdhulp in the year), ``perc_jeugdhulp_inwoners``
        (100 x users / all residents) and ``bron``. Wijk level: ``wijkcode, wijknaam,
        gemeentecode, gemeentenaam, jaar, indelingsjaar, inwoners, perc_0_20,
        perc_jeugdhulp_inwoners`` (as published: share of all residents), ``mogelijk_onderdrukt``
        (share 0: possibly a suppressed small count) and ``bron``. ``bron`` is always
        :data:`ELAN_BRON`; cite it wherever the figures are shown. Counts leaving the library
        must pass :func:`jeugdlib.disclosure.protect`.

    Raises
    ------
    DataError
        Unknown level, or a damaged embedded file.
    """
    if level == "gemeente":
        df = _gemeenten()
        lead = ["gemeentecode", "gemeentenaam", "jaar"]
    elif level == "wijk":
        df = _wijken()
        lead = ["wijkcode", "wijknaam", "gemeentecode", "gemeentenaam", "jaar"]
    else:
        raise DataError(f"load_elan_haaglanden(level={level!r}): use 'gemeente' or 'wijk'.")
    df["indelingsjaar"] = _BOUNDARY_YEAR
    df["bron"] = ELAN_BRON
    rest = [c for c in df.columns if c not in lead and c != "indelingsjaar"]
    return df[[*lead, "indelingsjaar", *rest]].sort_values(lead[:1] + ["jaar"], ignore_index=True)
