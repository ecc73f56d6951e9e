"""Derive ``scp_determinanten_bronnen.csv`` from the SCP's published .ods file.

The ``bronnen`` sheet of *Jeugdhulp in de wijk* (SCP 2020) lists each variable
with a Dutch description, its source and a note. Reading the .ods takes ~10 s,
so the 27 determinant rows (plus the outcome rows) are extracted once into a
small CSV that ships with the package. Run from the repository root:

    python scripts/extract_scp_bronnen.py
"""

from pathlib import Path

import pandas as pd

EMBEDDED = Path(__file__).resolve().parents[1] / "jeugdlib" / "data" / "embedded"


def main() -> None:
    raw = pd.read_excel(EMBEDDED / "scp_jeugdhulp_in_de_wijk_2017.ods", sheet_name="bronnen", engine="odf", header=None)
    raw.columns = ["groep", "variabele", "omschrijving", "bron", "toelichting"]
    rows = []
    group = subgroup = None
    for rec in raw.itertuples(index=False):
        if isinstance(rec.groep, str) and pd.isna(rec.variabele):
            group, subgroup = rec.groep.strip(), None
            continue
        if isinstance(rec.variabele, str) and pd.isna(rec.omschrijving) and pd.isna(rec.bron):
            subgroup = rec.variabele.strip()
            continue
        if isinstance(rec.variabele, str) and isinstance(rec.bron, str):
            rows.append(
                {
                    "variabele": rec.variabele.strip(),
                    "omschrijving": None if pd.isna(rec.omschrijving) else str(rec.omschrijving).strip(),
                    "bron": rec.bron.strip(),
                    "toelichting": None if pd.isna(rec.toelichting) else str(rec.toelichting).strip(),
                    "groep": group,
                    "subgroep": subgroup,
                }
            )
    out = pd.DataFrame(rows)
    out.to_csv(EMBEDDED / "scp_determinanten_bronnen.csv", index=False)
    print(f"wrote {len(out)} rows")


if __name__ == "__main__":
    main()
