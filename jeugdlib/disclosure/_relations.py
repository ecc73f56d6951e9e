"""Additive relations between the cells of published tables.

A reader who sees several cells of a table also sees how they hang together:
a total row is the sum of the rows above it, a stock at the end of a year is
the stock at its start plus the inflow minus the outflow, a gemeente total
published elsewhere is the sum of its wijken. Each such fact is a
:class:`Relation` ``sum_k coefs[k] * x[cells[k]] == 0``; :func:`relation_matrix`
stacks relations over integer cell ids into the sparse matrix ``A`` of
``A x = 0`` that the interval audit (:mod:`jeugdlib.disclosure._audit`) uses.

Totals published elsewhere
--------------------------
A total that is not a cell of the table at hand but is (or may be) published
elsewhere -- the gemeente total below a table of its wijken -- is modelled as
an extra cell that the reader knows *exactly* (the conservative choice: the
other publication may round it differently, or not at all).
:func:`add_external_totals` appends such cells (ids ``n_cells, n_cells + 1,
...``) and their relations; the caller gives them their value (or ``NaN`` when
only the reader knows it) and marks them in the ``exact`` mask of
:func:`~jeugdlib.disclosure.feasible_intervals`,
:func:`~jeugdlib.disclosure.secondary_suppression` and
:func:`~jeugdlib.disclosure.audit_published`.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp

__all__ = ["ExternalTotals", "Relation", "add_external_totals", "relation_matrix"]


@dataclass(frozen=True)
class Relation:
    """An additive relation ``sum_k coefs[k] * x[cells[k]] == 0`` between published cells.

    Parameters
    ----------
    cells:
        The cells. At the array level (:func:`relation_matrix`) integer cell ids;
        in :func:`~jeugdlib.disclosure.protect_table` ``(row label, column)`` pairs.
    coefs:
        One non-zero coefficient per cell.

    Examples
    --------
    >>> Relation.total(0, [1, 2])            # x0 == x1 + x2
    Relation(cells=(0, 1, 2), coefs=(1.0, -1.0, -1.0))
    >>> Relation.identity(plus=[3, 2], minus=[0, 1])  # stock_end - stock_start - inflow + outflow == 0
    Relation(cells=(3, 2, 0, 1), coefs=(1.0, 1.0, -1.0, -1.0))
    """

    cells: tuple[Hashable, ...]
    coefs: tuple[float, ...]

    def __post_init__(self) -> None:
        cells, coefs = tuple(self.cells), tuple(float(c) for c in self.coefs)
        if len(cells) != len(coefs):
            raise ValueError(f"Relation: {len(cells)} cells but {len(coefs)} coefficients.")
        if not cells:
            raise ValueError("Relation: no cells.")
        if len(set(cells)) != len(cells):
            raise ValueError(f"Relation: a cell appears twice in {cells}; merge its coefficients.")
        if any(c == 0 or not np.isfinite(c) for c in coefs):
            raise ValueError(f"Relation: coefficients must be finite and non-zero, got {coefs}.")
        object.__setattr__(self, "cells", cells)
        object.__setattr__(self, "coefs", coefs)

    @classmethod
    def total(cls, total_cell: Hashable, members: Iterable[Hashable]) -> Relation:
        """``x[total_cell] == sum(x[m] for m in members)``."""
        members = tuple(members)
        return cls((total_cell, *members), (1.0, *(-1.0 for _ in members)))

    @classmethod
    def identity(cls, *, plus: Iterable[Hashable], minus: Iterable[Hashable]) -> Relation:
        """``sum(x[plus]) == sum(x[minus])``, e.g. ``plus=[stock_end, outflow], minus=[stock_start, inflow]``."""
        plus, minus = tuple(plus), tuple(minus)
        return cls((*plus, *minus), (*(1.0 for _ in plus), *(-1.0 for _ in minus)))

    def relabel(self, mapping: Callable[[Hashable], Hashable]) -> Relation:
        """The same relation over relabelled cells (e.g. ``(row, column)`` to an integer id)."""
        return Relation(tuple(mapping(c) for c in self.cells), self.coefs)


def relation_matrix(relations: Sequence[Relation], n_cells: int) -> sp.csr_matrix:
    """Stack relations over integer cell ids ``0 .. n_cells-1`` into the matrix ``A`` of ``A x = 0``.

    Returns
    -------
    scipy.sparse.csr_matrix
        Shape ``(len(relations), n_cells)``; row ``r`` holds the coefficients of ``relations[r]``.
    """
    rows, cols, vals = [], [], []
    for r, rel in enumerate(relations):
        for cell, coef in zip(rel.cells, rel.coefs):
            if not isinstance(cell, int | np.integer) or not 0 <= int(cell) < n_cells:
                raise ValueError(f"relation {r}: cell {cell!r} is not an integer id in 0..{n_cells - 1}.")
            rows.append(r)
            cols.append(int(cell))
            vals.append(coef)
    return sp.csr_matrix((vals, (rows, cols)), shape=(len(relations), n_cells), dtype=float)


class ExternalTotals(NamedTuple):
    """Result of :func:`add_external_totals`."""

    relations: list[Relation]
    """One ``Relation.total(new cell, members)`` per member set."""
    cells: list[int]
    """The new cell ids, in the order of the member sets."""
    n_cells: int
    """The number of cells including the new ones."""


def add_external_totals(member_sets: Sequence[Sequence[int]], n_cells: int) -> ExternalTotals:
    """Model totals published elsewhere as extra cells ``n_cells, n_cells + 1, ...``.

    Parameters
    ----------
    member_sets:
        For each total published elsewhere, the ids of the cells it sums.
    n_cells:
        The number of cells so far.

    Returns
    -------
    ExternalTotals
        The relations to add, the new cell ids and the new number of cells. Give the
        new cells their value (``NaN`` if unknown to the auditor) and mark them ``exact``.
    """
    relations, cells = [], []
    for k, members in enumerate(member_sets):
        cell = n_cells + k
        relations.append(Relation.total(cell, [int(m) for m in members]))
        cells.append(cell)
    return ExternalTotals(relations, cells, n_cells + len(cells))
