"""Timing of the report maps: region geometry (cold and cached) and the inline-SVG map block.

Run: ``python benchmarks/bench_maps.py``. Prints seconds per region (goal: map block < 0.3 s warm).
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from jeugdlib.data import load_wijken
from jeugdlib.data.geometry import region_wijk_geometries
from jeugdlib.plots import svgmap

REGIONS = ("JZ24", "JZ13", "JZ29")


def _values(region: pd.DataFrame) -> pd.DataFrame:
    obs = region["perc_jz_van_0_24_proxy"].to_numpy(dtype=float)
    exp = np.full(len(region), float(np.nanmedian(obs)))
    return pd.DataFrame(
        {"wijkcode": region["wijkcode"].to_numpy(), "waargenomen": obs, "verwacht": exp, "verschil": obs - exp,
         "pi_laag": obs - exp - 4, "pi_hoog": obs - exp + 4,
         "status": np.where(np.isnan(obs), "afgeschermd", "gepubliceerd")}
    )  # fmt: skip


def main() -> None:
    wijken = load_wijken(2022)
    print(f"{'regio':6} {'wijken':>6} {'geo koud':>9} {'geo warm':>9} {'kaarten 1e':>10} {'kaarten':>8} {'KB':>5}")
    for code in REGIONS:
        region = wijken[wijken.jeugdregio_code == code]
        t = time.perf_counter()
        geo = region_wijk_geometries(code)
        cold = time.perf_counter() - t
        t = time.perf_counter()
        geo = region_wijk_geometries(code)
        warm = time.perf_counter() - t
        frame = svgmap.map_frame(geo, _values(region))
        t = time.perf_counter()
        svgmap.region_maps_html(frame, region_name=code, note=geo.note)
        first = time.perf_counter() - t
        runs = []
        for _ in range(3):
            t = time.perf_counter()
            html = svgmap.region_maps_html(frame, region_name=code, note=geo.note)
            runs.append(time.perf_counter() - t)
        print(
            f"{code:6} {len(region):6d} {cold:9.3f} {warm:9.4f} {first:10.3f} {min(runs):8.3f} {len(html) // 1024:5d}"
        )


if __name__ == "__main__":
    main()
