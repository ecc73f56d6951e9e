"""The iJw trajectory and claims tables, declared once as :class:`jeugdlib.io.Schema`.

The schemas fix the column names (headers are matched ignoring case, spaces,
underscores and a BOM), which columns are required and what each holds. The
loaders (:func:`read_trajectories`, :func:`read_claims`) parse the columns with
the input layer (:mod:`jeugdlib.io`: codes, dates, numbers) and then check what
a schema cannot express: iJw code lists, end before start, dates in the future,
duplicates, BSN-like identifiers. ``schema.describe()`` prints the table.
"""

from __future__ import annotations

from jeugdlib.io import Column, Schema

__all__ = ["CLAIMS_SCHEMA", "TRAJECTORY_SCHEMA"]

TRAJECTORY_SCHEMA = Schema(
    "trajectory table",
    [
        Column("client_id", "str", description="pseudonym of the client (never a BSN)"),
        Column("gemeentecode", "code:gemeente", description="responsible gemeente (GM0363; 363 is read as GM0363)"),
        Column("aanbieder", "str", description="provider (name or AGB code)"),
        Column("toewijzingnummer", "str", description="assignment number (JW301); unique within a gemeente"),
        Column("productcategorie", "str", description="JZ020 product category, e.g. 45 (4 is read as 04)"),
        Column("productcode", "str", description="product code of the assignment"),
        Column("begindatum", "date", description="first day of care (YYYY-MM-DD)"),
        Column("einddatum", "date", description="last day of care (YYYY-MM-DD); empty = still running"),
        Column("reden_beeindiging", "str", required=False, description="JZ588 reason the care ended"),
        Column("reden_wijziging", "str", required=False, description="JZ002 reason for change (04 = extension)"),
        Column("verwijzer", "str", required=False, description="COD327 referrer"),
    ],
    description=(
        "One row per assignment (JW301 toewijzing with start and stop of care, JW305/JW307). "
        "gemeentecode + toewijzingnummer identify a row; exact duplicate rows may be dropped."
    ),
)

CLAIMS_SCHEMA = Schema(
    "claims table",
    [
        Column("toewijzingnummer", "str", description="assignment the claim is for"),
        Column("periode_start", "date", description="first day of the claimed period (YYYY-MM-DD)"),
        Column("periode_eind", "date", description="last day of the claimed period (YYYY-MM-DD)"),
        Column("volume", "float", description="units delivered (decimal comma or point)"),
        Column("eenheid", "str", description="WJ756 unit, e.g. 04 hours, 14 etmaal, 82 product"),
        Column("tarief", "float", description="euro per unit"),
        Column("bedrag", "float", description="euro; negative for credit lines"),
    ],
    description="One row per JW323 declaratie line.",
)
