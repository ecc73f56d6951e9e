"""Build the Almere KWB test fixture (``tests/fixtures/kwb_almere/``) from the real CBS rows.

The source is ``cbs_kwb_almere_2018_2025_stacked.csv``: CBS *Kerncijfers wijken en
buurten* OData rows (UntypedDataSet) of gemeente Almere (GM0034), its wijken and
buurten, one block per yearly table 2018–2025, the union of all years' column keys
(public repository Ismael-991/almere-jeugd-voorspelling @ ba3326c,
``data/raw/CBS_Kerncijfers.csv``, CC BY 4.0 — Bron: CBS). Run once from the
repository root with the path of that file; the output is committed:

    python scripts/build_kwb_almere_fixture.py /path/to/cbs_kwb_almere_2018_2025_stacked.csv

What is written
---------------
``kwb_almere_rows.csv``
    The gemeente and wijk rows of every year and the buurt rows of wijk 01
    (to prove buurten are excluded), restricted to the identification columns and
    the columns behind ``jeugdlib.data.cbs.KWB_COLUMNS``. Every cell is copied
    byte for byte (space padding, ``.`` for secret, empty where a year lacks a key).
``kwb_almere_metadata.json``
    Per yearly table: the table id, ``TableInfos`` and ``DataProperties`` derived
    from the rows. A year's keys are the columns with at least one filled cell in
    its block; columns filled in no block are attributed to 2025 (the only table
    whose block can have produced them: 2018–2024 each fill their own youth-care
    keys, 2025 fills none). Titles are the keys without their positional suffix
    (the file has no titles). ``Decimals`` comes from :data:`DECIMALS`, and every
    entry there is checked against the rows below (the file stores one-decimal
    values without their decimal point: ``23`` is a household size of 2.3).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from jeugdlib.data.cbs.kwb import KWB_TABLES

OUT = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "kwb_almere"

TABLES = {year: table for year, table in KWB_TABLES.items() if year >= 2018}  # the years of the rows

#: Keys (without positional suffix) that the fixture keeps: identification and the KWB_COLUMNS sources.
KEYS = (
    "Gemeentenaam", "SoortRegio", "Codering", "IndelingswijzigingWijkenEnBuurten",
    "IndelingswijzigingGemeenteWijkBuurt", "AantalInwoners", "Mannen", "Vrouwen", "k_0Tot15Jaar",
    "k_15Tot25Jaar", "k_25Tot45Jaar", "k_45Tot65Jaar", "k_65JaarOfOuder", "Gescheiden", "HuishoudensTotaal",
    "Eenpersoonshuishoudens", "HuishoudensMetKinderen", "GemiddeldeHuishoudensgrootte", "Woningvoorraad",
    "GemiddeldeWOZWaardeVanWoningen", "Koopwoningen", "HuurwoningenTotaal", "InBezitWoningcorporatie",
    "EigendomOnbekend", "PersonenPerSoortUitkeringBijstand", "AfstandTotHuisartsenpraktijk", "Bevolkingsdichtheid",
    "MateVanStedelijkheid", "JongerenMetJeugdzorgInNatura", "PercentageJongerenMetJeugdzorg",
)  # fmt: skip

#: Decimals of the kept keys in CBS's DataProperties (0 when not listed); each is checked in ``check_decimals``.
DECIMALS = {"GemiddeldeHuishoudensgrootte": 1, "AfstandTotHuisartsenpraktijk": 1, "PercentageJongerenMetJeugdzorg": 1}

_SUFFIX = re.compile(r"_\d+$")
_STRING_KEYS = {"Gemeentenaam", "SoortRegio", "Codering"}


def _strip(key: str) -> str:
    return _SUFFIX.sub("", key)


def _num(s: pd.Series) -> pd.Series:
    return pd.to_numeric(s.str.strip().replace({".": None, "": None}), errors="coerce")


def _one_reading(stored: pd.Series, target: pd.Series, lo: float, hi: float) -> pd.Series:
    """Which reading of each stored one-decimal value fits ``target``: 10 (x10, '97' = 9.7) or 1 (whole).

    Asserts that exactly one of ``stored / 10`` and ``stored`` lies within ``[lo, hi]`` times the target.
    """
    tenth = (stored / 10 / target).between(lo, hi)
    whole = (stored / target).between(lo, hi)
    assert (tenth ^ whole).all(), pd.DataFrame({"stored": stored, "target": target})[~(tenth ^ whole)]
    return tenth.map({True: 10, False: 1})


def check_decimals(df: pd.DataFrame, year_keys: dict[int, list[str]]) -> dict[str, int]:
    """Check :data:`DECIMALS` against the rows (raises AssertionError); count whole values written without '.0'.

    No cell of the file has a decimal separator. Values of one-decimal columns are stored x10
    (``97`` = 9.7) unless they were whole: those lost their ``.0`` and are stored as is (``8`` =
    8.0, ``2`` = 2.0 persons). Each stored value is matched to the independent quantity it
    estimates (household size: inhabitants per household; % youths with jeugdzorg: the count
    over the 0-24 population), and exactly one reading must fit.
    """
    assert not df.drop(columns=["Peildatum", "_jaar"]).apply(lambda s: s.str.contains(r"\d[.,]\d").any()).any()
    whole = {"GemiddeldeHuishoudensgrootte": 0, "PercentageJongerenMetJeugdzorg": 0}
    for year, keys in year_keys.items():
        block = df[df["Peildatum"].str.endswith(str(year))]
        k = {_strip(c): c for c in keys}
        area = block[block["SoortRegio_2"].str.strip().isin(["Gemeente", "Wijk"])]
        inw, hh = _num(area[k["AantalInwoners"]]), _num(area[k["HuishoudensTotaal"]])
        size = _num(area[k["GemiddeldeHuishoudensgrootte"]])
        ok = (hh > 100) & size.notna()
        # institutions make inhabitants per private household a little higher than the household size
        reading = _one_reading(size[ok], inw[ok] / hh[ok], 0.8, 1.15)
        whole["GemiddeldeHuishoudensgrootte"] += int((reading == 1).sum())
        if "PercentageJongerenMetJeugdzorg" in k and "JongerenMetJeugdzorgInNatura" in k:
            perc = _num(area[k["PercentageJongerenMetJeugdzorg"]])
            n = _num(area[k["JongerenMetJeugdzorgInNatura"]])
            young = _num(area[k["k_0Tot15Jaar"]]) + _num(area[k["k_15Tot25Jaar"]])
            ok = perc.notna() & n.notna() & (young > 500)
            if ok.any():
                # % of 0-22 year olds: above the share of the 0-24 population, below 1.4 times it
                reading = _one_reading(perc[ok], 100 * n[ok] / young[ok], 1.0, 1.4)
                whole["PercentageJongerenMetJeugdzorg"] += int((reading == 1).sum())
        if "GemiddeldeWOZWaardeVanWoningen" not in k:  # the provisional 2025 table has few columns
            continue
        gp = _num(area[k["AfstandTotHuisartsenpraktijk"]]).dropna()
        assert gp.between(0, 150).all(), year  # km x 10 (or whole km): at most 15 km in Almere
        woz = _num(area[k["GemiddeldeWOZWaardeVanWoningen"]]).dropna()
        assert woz.between(100, 2000).all(), year  # x 1,000 euro, whole numbers (not x10)
        if "EigendomOnbekend" in k:
            own = (
                _num(area[k["Koopwoningen"]]) + _num(area[k["HuurwoningenTotaal"]]) + _num(area[k["EigendomOnbekend"]])
            )
            assert own.dropna().between(98, 102).all(), year  # whole percentages: owner + rented + unknown = 100
    return whole


def main(source: str) -> None:
    raw = pd.read_csv(source, sep=";", dtype=str, encoding="utf-8-sig", keep_default_na=False)
    raw["_jaar"] = raw["Peildatum"].str[-4:].astype(int)
    years = sorted(raw["_jaar"].unique())
    assert years == list(TABLES), years
    data_cols = [c for c in raw.columns if c not in ("ID", "Peildatum", "WijkenEnBuurten", "_jaar")]
    year_keys: dict[int, list[str]] = {}
    for y in years:
        block = raw[raw["_jaar"] == y]
        year_keys[y] = [c for c in data_cols if (block[c] != "").any()]
    unattributed = [c for c in data_cols if not any(c in ks for ks in year_keys.values())]
    clash = {_SUFFIX.search(c).group() for c in unattributed} & {_SUFFIX.search(c).group() for c in year_keys[2025]}
    assert not clash, clash
    year_keys[2025] += unattributed
    keep_cols = [c for c in data_cols if _strip(c) in KEYS]
    year_keys = {y: [c for c in data_cols if c in ks and c in keep_cols] for y, ks in year_keys.items()}
    whole = check_decimals(raw, year_keys)
    print("checked cells stored as whole numbers (lost '.0'):", whole)

    kind = raw["SoortRegio_2"].str.strip()
    code = raw["Codering_3"].str.strip()
    rows = raw[kind.isin(["Gemeente", "Wijk"]) | code.str.startswith("BU003401")]
    rows = rows[["ID", "Peildatum", "WijkenEnBuurten", *keep_cols]]
    OUT.mkdir(parents=True, exist_ok=True)
    rows.to_csv(OUT / "kwb_almere_rows.csv", sep=";", index=False, encoding="utf-8")

    meta = {}
    for y in years:
        props = [
            {"ID": 0, "Position": None, "Type": "GeoDimension", "Key": "WijkenEnBuurten", "Title": "Wijken en buurten"}
        ]
        for i, key in enumerate(year_keys[y], start=1):
            base = _strip(key)
            props.append(
                {
                    "ID": i,
                    "Position": int(key.rsplit("_", 1)[1]),
                    "Type": "Topic",
                    "Key": key,
                    "Title": base,
                    "Datatype": "String" if base in _STRING_KEYS else "Long",
                    "Decimals": DECIMALS.get(base, 0),
                }
            )
        meta[str(y)] = {
            "table_id": TABLES[y],
            "TableInfos": [{"Identifier": TABLES[y], "Title": f"Kerncijfers wijken en buurten {y}", "Period": str(y)}],
            "DataProperties": props,
        }
    (OUT / "kwb_almere_metadata.json").write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    print(f"{len(rows)} rows x {rows.shape[1]} columns; keys per year:", {y: len(k) for y, k in year_keys.items()})
    print("sha of source rows kept verbatim:", np.all(rows.to_numpy() == raw.loc[rows.index, rows.columns].to_numpy()))


if __name__ == "__main__":
    main(sys.argv[1])
