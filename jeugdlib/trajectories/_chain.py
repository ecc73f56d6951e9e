"""The one chaining algorithm: linking date intervals of one key into chains.

Both the CBS merge rule (:func:`jeugdlib.trajectories.merge_overlapping`: overlapping
rows of the same client, aanbieder and productcategorie become one trajectory) and
episode linking (:func:`jeugdlib.trajectories.episodes`: successive assignments at most
``max_gap_days`` apart form one trajectory) are the same computation with a different
gap tolerance. It lives here once.

Dates are int64 day numbers; a running interval (no end) is given a large end day
(:data:`RUNNING_DAY`), so it absorbs everything that starts after it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["OVERLAP_ONLY", "RUNNING_DAY", "chain_ids", "chain_order", "new_key_mask", "running_max_by_group"]

#: Day number standing for "still running" (about year 13,450): later than any real date.
RUNNING_DAY = np.int64(2**22)

#: Gap tolerance of the CBS merge rule: intervals must share at least one day (gap <= -1).
OVERLAP_ONLY = -1


def chain_order(keys: Sequence[np.ndarray], begin: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Positions that sort rows by ``keys`` (in the given order), then ``begin``, then ``end``.

    Parameters
    ----------
    keys:
        Integer codes of the key columns, most significant first (e.g. client, aanbieder,
        productcategorie as returned by :func:`pandas.factorize`).
    begin, end:
        Day numbers (int64); ``end`` of a running interval is :data:`RUNNING_DAY`.
    """
    return np.lexsort((end, begin, *reversed(list(keys))))


def running_max_by_group(group: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Cumulative maximum of ``values`` restarting at every new ``group`` (rows sorted by group).

    Vectorised: each group is lifted by ``group * scale`` so that one global
    :func:`numpy.maximum.accumulate` never carries a maximum into the next group.
    """
    n = len(values)
    if n == 0:
        return values.astype(np.int64)
    v = values.astype(np.int64)
    off = v.min()
    shifted = v - off  # >= 0
    scale = np.int64(shifted.max()) + 1
    if int(group.max()) * int(scale) >= 2**62:  # pragma: no cover - needs ~10^12 groups x days
        raise OverflowError("running_max_by_group: too many groups for the int64 encoding")
    lift = group.astype(np.int64) * scale
    return np.maximum.accumulate(lift + shifted) - lift + off


def chain_ids(
    new_key: np.ndarray,
    begin: np.ndarray,
    end: np.ndarray,
    *,
    max_gap_days: int,
) -> np.ndarray:
    """Chain id of each row of intervals sorted by key, begin and end.

    A row continues the current chain of its key when the number of days without
    care between the latest end so far in that chain and its ``begin`` is at most
    ``max_gap_days``: ``begin - running_max(end) - 1 <= max_gap_days``. Otherwise,
    and at every change of key, it starts a new chain.

    - ``max_gap_days = -1`` (:data:`OVERLAP_ONLY`): only intervals that share at least
      one day are chained (the CBS merge rule; adjacent intervals are *not* chained).
    - ``max_gap_days = 0``: adjacent intervals (next starts the day after) are chained.
    - ``max_gap_days = 7``: up to a week without care is bridged (episode linking).

    Parameters
    ----------
    new_key:
        Boolean, ``True`` where the row's key differs from the previous row's (the
        first row is always a new key).
    begin, end:
        int64 day numbers of the sorted rows (``end`` inclusive: the last day of care;
        running intervals carry :data:`RUNNING_DAY`).
    max_gap_days:
        Largest number of days without care that still continues a chain.

    Returns
    -------
    ndarray of int64
        Chain id per sorted row: 0, 1, 2, ... in row order (ids increase by one at
        each new chain).
    """
    n = len(begin)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    new_key = np.asarray(new_key, dtype=bool).copy()
    new_key[0] = True
    group = np.cumsum(new_key) - 1
    latest_end = running_max_by_group(group, end)
    new_chain = new_key.copy()
    new_chain[1:] |= begin[1:] - latest_end[:-1] - 1 > max_gap_days
    return np.cumsum(new_chain).astype(np.int64) - 1


def new_key_mask(*sorted_keys: np.ndarray) -> np.ndarray:
    """``True`` where any of the (already sorted) key arrays changes from the previous row."""
    n = len(sorted_keys[0]) if sorted_keys else 0
    out = np.ones(n, dtype=bool)
    if n > 1:
        change = np.zeros(n - 1, dtype=bool)
        for k in sorted_keys:
            change |= k[1:] != k[:-1]
        out[1:] = change
    return out
