"""The ``jeugdlib`` command line.

    jeugdlib data list                       embedded datasets with provenance
    jeugdlib data regions [--year 2022]      the 42 jeugdregio's
    jeugdlib data fetch TABLE_ID [...]       live CBS table, cached on disk
    jeugdlib scp [--region R] [--out DIR]    SCP model: expected vs observed per wijk
    jeugdlib report --region R [--out DIR]   render a regional report (HTML)
    jeugdlib report --all [--jobs N]         render all 42 regional reports

Exit codes: 0 success, 1 a failure during the work, 2 bad input (unknown
region, bad file, a missing file, flags that do not go together) — in which
case nothing is written. ``report --all`` takes the same user files as a single
report (each region uses its own gemeenten' rows); every path is checked before
anything runs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from jeugdlib.errors import DataError, RegionNotFoundError

__all__ = ["main"]


def _cmd_data_list(args: argparse.Namespace) -> int:
    from jeugdlib.data import DATASETS

    for ds in DATASETS.values():
        size = ds.path.stat().st_size / 1024 if ds.path.exists() else float("nan")
        print(f"{ds.name:28s} {size:8.0f} KB  {ds.description}")
        print(f"{'':28s}           bron: {ds.source}; licentie: {ds.licence}")
    return 0


def _cmd_data_regions(args: argparse.Namespace) -> int:
    from jeugdlib.data import regions

    print(regions(args.year).to_string(index=False))
    return 0


def _cmd_data_fetch(args: argparse.Namespace) -> int:
    from jeugdlib.data import cbs

    if args.select is None and args.filters is None:
        # whole table plus its metadata, so kwb()/jeugdzorg_gemeenten() work offline afterwards
        paths = cbs.prefetch(args.table_id, cache_dir=args.cache_dir, refresh=args.refresh)
        print(f"{args.table_id}: table and metadata cached ({len(paths)} files) in {paths[0].parent}")
        return 0
    df = cbs.fetch(
        args.table_id, select=args.select, filters=args.filters, cache_dir=args.cache_dir, refresh=args.refresh
    )
    print(f"{args.table_id}: {len(df)} rows, {df.shape[1]} columns (cached)")
    return 0


def _cmd_scp(args: argparse.Namespace) -> int:
    from jeugdlib import scp
    from jeugdlib.data import find_region, load_scp_2017

    region = find_region(args.region, 2017) if args.region else None
    model = scp.fit_scp_model(load_scp_2017())
    exp = model.expected()
    agreement = scp.compare_with_published(exp)
    r2 = model.r_squared()
    print(
        f"SCP-model 2017: {int(model.fit_mask.sum())} wijken in de schatting, "
        f"R2 marginaal {r2['marginal']:.3f}, conditioneel {r2['conditional']:.3f}"
    )
    print(
        f"Overeenkomst met SCP (perc_przv): r = {agreement.corr_expected:.4f}, "
        f"RMSE = {agreement.rmse_expected:.3f} procentpunt over {int(agreement.n_wijken)} wijken"
    )
    if region is not None:
        exp = exp[exp.jeugdregio_code == region.jeugdregio_code]
        print(f"Regio {region.jeugdregio_naam} ({region.jeugdregio_code}): {len(exp)} wijken")
    print("Wijken per uitkomst:", exp.flag.value_counts().to_dict())
    if args.out:
        from jeugdlib import _files

        out = _files.check_writable(args.out, hint="kies een andere --out.")
        path = out / (f"scp_verwacht_{region.jeugdregio_code}.csv" if region is not None else "scp_verwacht.csv")
        _files.atomic_write(path, exp.round(3).to_csv(index=False))
        print(f"geschreven: {path}")
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from jeugdlib import reports

    if args.all and args.region:
        return _refuse("geef --region of --all, niet allebei (met --all kiest --regions de regio's).")
    if args.regions is not None and not args.all:
        return _refuse("--regions hoort bij --all; voor één regio: --region NAAM|CODE.")
    if not args.all and not args.region:
        return _refuse("geef --region NAAM|CODE of --all.")
    paths = _user_paths(args)
    problem = _check_paths(paths)
    if problem:
        return _refuse(problem)
    if args.all:
        # the same user files go to every region; each region's section uses only its own gemeenten/wijken
        summary = reports.render_all(
            args.out,
            jobs=args.jobs,
            regions=args.regions,
            force=args.force,
            year=args.year,
            timeout=args.timeout,
            audit_dir=args.audit_dir,
            **paths,
        )
        failed = [r for r in summary if r["status"] == "failed"]
        print(
            f"{len(summary) - len(failed)} van {len(summary)} rapporten in orde; index: {Path(args.out) / 'index.html'}"
        )
        for r in failed:
            print(f"  MISLUKT {r['region']}: {r['error']}", file=sys.stderr)
        return 1 if failed else 0
    path = reports.render_region(
        args.region, args.out, year=args.year, timeout=args.timeout, audit_dir=args.audit_dir, **paths
    )
    print(f"rapport: {path}")
    return 0


#: CLI flag of each user file.
_USER_FLAGS = {
    "local_data_path": "--local-data",
    "policy_path": "--policy",
    "trajectories_path": "--trajectories",
    "claims_path": "--claims",
}


def _user_paths(args: argparse.Namespace) -> dict[str, str]:
    return {k: getattr(args, k) for k in _USER_FLAGS if getattr(args, k, None) is not None}


def _check_paths(paths: dict[str, str]) -> str | None:
    """A Dutch message for the first user file that is missing, or for claims without trajectories."""
    for k, v in paths.items():
        p = Path(v).expanduser()
        if not v.strip() or not p.exists():
            return f"{_USER_FLAGS[k]}: het bestand {Path(v).name or repr(v)} bestaat niet. Controleer het pad."
        if p.is_dir():
            return f"{_USER_FLAGS[k]}: {Path(v).name} is een map, geen bestand."
        if not p.is_file():
            return f"{_USER_FLAGS[k]}: {Path(v).name} is geen gewoon bestand (bijvoorbeeld een apparaat of pijp)."
    if "claims_path" in paths and "trajectories_path" not in paths:
        return (
            "--claims hoort bij --trajectories: de declaraties worden alleen naast de bijbehorende trajecten "
            "gebruikt. Geef beide bestanden, of laat --claims weg."
        )
    return None


def _refuse(message: str) -> int:
    print(f"fout in de invoer: {message}", file=sys.stderr)
    return 2


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="jeugdlib", description="Onderzoek naar jeugdhulpgebruik: data, modellen, rapporten."
    )
    from jeugdlib import __version__

    p.add_argument("--version", action="version", version=f"jeugdlib {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    d = sub.add_parser("data", help="embedded and live data")
    dsub = d.add_subparsers(dest="data_command", required=True)
    dl = dsub.add_parser("list", help="list the embedded datasets with source and licence")
    dl.set_defaults(func=_cmd_data_list)
    dr = dsub.add_parser("regions", help="list the 42 jeugdregio's")
    dr.add_argument("--year", type=int, default=2022)
    dr.set_defaults(func=_cmd_data_regions)
    df = dsub.add_parser("fetch", help="fetch a CBS StatLine table through cbsodata and cache it on disk")
    df.add_argument("table_id", help="e.g. 85318NED")
    df.add_argument("--select", nargs="*", default=None, help="columns to fetch")
    df.add_argument("--filters", default=None, help="OData filter, e.g. \"startswith(WijkenEnBuurten,'WK')\"")
    df.add_argument("--cache-dir", default=None, help="cache folder (default: user cache dir or $JEUGDLIB_CACHE_DIR)")
    df.add_argument("--refresh", action="store_true", help="ignore the cache and fetch again")
    df.set_defaults(func=_cmd_data_fetch)

    s = sub.add_parser("scp", help="fit the SCP model on the embedded 2017 data and list expected vs observed")
    s.add_argument("--region", default=None, help="jeugdregio name or code (2017 regions)")
    s.add_argument("--out", default=None, help="folder for a CSV of expected values")
    s.set_defaults(func=_cmd_scp)

    r = sub.add_parser("report", help="render regional reports (papermill → HTML)")
    r.add_argument("--region", default=None, help="jeugdregio name or code, e.g. Haaglanden or JZ24")
    r.add_argument("--all", action="store_true", help="render all 42 regions")
    r.add_argument("--regions", nargs="*", default=None, help="with --all: only these regions")
    r.add_argument(
        "--year", type=int, choices=(2021, 2022), default=2022, help="year of the open wijk data (2021 or 2022)"
    )
    r.add_argument("--out", default="reports", help="output folder (default: reports/)")
    r.add_argument("--jobs", type=int, default=2, help="parallel processes with --all")
    r.add_argument("--force", action="store_true", help="re-render regions whose inputs are unchanged")
    r.add_argument("--timeout", type=int, default=600, help="seconds per region")
    r.add_argument("--local-data", dest="local_data_path", default=None, help="wijk file with cohesion/safety data")
    r.add_argument("--policy", dest="policy_path", default=None, help="policy table (gemeentecode, adoption year)")
    r.add_argument("--trajectories", dest="trajectories_path", default=None, help="iJw trajectory table")
    r.add_argument("--claims", dest="claims_path", default=None, help="iJw claims table (with --trajectories)")
    r.add_argument(
        "--audit-dir",
        dest="audit_dir",
        default=None,
        help="private folder (created 0700) for the executed notebooks; never published",
    )
    r.set_defaults(func=_cmd_report)
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except RegionNotFoundError as exc:
        print(f"fout: {exc}", file=sys.stderr)
        return 2
    except DataError as exc:
        from jeugdlib.io import mask_text

        print(f"fout in de invoer: {mask_text(str(exc))}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
