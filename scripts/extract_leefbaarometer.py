"""Derive the embedded Leefbaarometer 3.0 (meting 2024) tables from the published layers.

Source: the Ministerie van BZK's official WFS layers ``lbm3:buurtscore24`` and
``lbm3:gemeentescore24`` (Leefbaarometer 3.0, open data, CC0), as copied verbatim with the
geometry dropped in public repository 42answers/thuisscan @ 479ac9c. The embedded copies keep
only the columns jeugdlib uses (code, the score ``afw`` and the five dimension scores; the
gemeente table also its name), every cell byte for byte. Run from the repository root:

    python scripts/extract_leefbaarometer.py BUURTEN.csv GEMEENTEN.csv
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

EMBEDDED = Path(__file__).resolve().parents[1] / "jeugdlib" / "data" / "embedded"
SCORES = ["afw", "won", "fys", "vrz", "soc", "onv"]


def _copy(source: str, columns: list[str], target: str) -> pd.DataFrame:
    raw = pd.read_csv(source, dtype=str, keep_default_na=False)
    assert (raw["year"] == "2024").all(), "expected the 2024 measurement only"
    assert raw["code"].is_unique
    out = raw[columns]
    out.to_csv(EMBEDDED / target, index=False, lineterminator="\n")
    back = pd.read_csv(EMBEDDED / target, dtype=str, keep_default_na=False)
    assert back.equals(out.reset_index(drop=True)), "cells changed on the way"
    return out


def main(buurten: str, gemeenten: str) -> None:
    b = _copy(buurten, ["code", *SCORES], "leefbaarometer3_2024_buurten.csv")
    g = _copy(gemeenten, ["code", "naam", *SCORES], "leefbaarometer3_2024_gemeenten.csv")
    print(f"{len(b)} buurten, {len(g)} gemeenten written to {EMBEDDED}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
