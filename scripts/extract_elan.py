"""Derive the embedded ELAN/LUMC youth-care tables from the ELAN wijkprofielen output.

Source: public repository elan-dcc/wijkprofielen (MIT licence, copyright 2023 elan-dcc),
``data/df_count_gem_ver_6.csv`` (@ aeba9c9, per gemeente per year) and ``data/df_count_ver_3.csv``
(@ 44d1331, per wijk per year). The ELAN team (LUMC / Health Campus Den Haag) computed them in
CBS Remote Access from microdata (JGDHULPBUS, GBA, ...) and released them as disclosure-checked
output: cite as "ELAN/LUMC op basis van CBS-microdata". Jeugdhulp (``JGDHULP_user``) is filled
from 2015 only (earlier rows hold empty cells or 0 placeholders), so only 2015-2022 rows are
kept, and only the columns jeugdlib uses; every cell is copied byte for byte. Run from the
repository root:

    python scripts/extract_elan.py DIR_WITH_THE_CSV_FILES_AND_LICENSE
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pandas as pd

EMBEDDED = Path(__file__).resolve().parents[1] / "jeugdlib" / "data" / "embedded"
FILES = {
    "df_count_gem_ver_6.csv": (
        "elan_jeugdhulp_gemeenten_2015_2022.csv",
        ["GMC", "GMN", "YEAR", "Total_All_Pop", "0to20", "JGDHULP_user"],
    ),
    "df_count_ver_3.csv": (
        "elan_jeugdhulp_wijken_2015_2022.csv",
        ["WKC", "GMN", "Wijknaam", "YEAR", "Total_Population", "%_0to20", "%_JGDHULP_user"],
    ),
}


def main(folder: str) -> None:
    src = Path(folder)
    for name, (target, cols) in FILES.items():
        raw = pd.read_csv(src / name, dtype=str, keep_default_na=False)
        rows = raw.loc[raw["YEAR"].astype(int) >= 2015, cols]
        rows.to_csv(EMBEDDED / target, index=False, lineterminator="\n")
        back = pd.read_csv(EMBEDDED / target, dtype=str, keep_default_na=False)
        assert back.equals(rows.reset_index(drop=True)), "cells changed on the way"
        print(f"{target}: {len(rows)} rows of {len(raw)}")
    shutil.copyfile(src / "LICENSE", EMBEDDED / "elan_wijkprofielen_LICENSE.txt")


if __name__ == "__main__":
    main(sys.argv[1])
