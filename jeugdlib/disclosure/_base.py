"""Shared building blocks of disclosure control: the error type and CBS rounding."""

from __future__ import annotations

import numpy as np
import pandas as pd

from jeugdlib.errors import DataError

__all__ = ["DisclosureError", "rounding_bounds", "round_to_base"]


class DisclosureError(DataError):
    """A table that was about to be published violates disclosure rules."""


def round_to_base(values: pd.Series | np.ndarray, base: int = 5) -> np.ndarray:
    """Round to the nearest multiple of ``base``; halves round up (CBS convention)."""
    arr = np.asarray(values, dtype=float)
    return np.floor(arr / base + 0.5) * base


def rounding_bounds(published: np.ndarray, base: int) -> tuple[np.ndarray, np.ndarray]:
    """The integer counts that :func:`round_to_base` maps to ``published``.

    With halves rounding up, an integer count ``x`` is published as ``v`` when
    ``v - base/2 <= x < v + base/2``: ``v - floor(base/2) .. v + ceil(base/2) - 1``
    (``v-2 .. v+2`` for base 5, ``v-5 .. v+4`` for base 10), never below 0.
    Counts of persons are integers, so these tight bounds are exactly what a
    reader knows; ``base <= 1`` means no rounding (the value is exact).
    """
    v = np.asarray(published, dtype=float)
    if base <= 1:
        return v.copy(), v.copy()
    lo = np.maximum(v - base // 2, 0.0)
    hi = v + (base - 1) // 2
    return lo, hi
