"""The ``jeugdlib`` command line.

    jeugdlib data list                       embedded datasets with provenance
    jeugdlib data regions [--year 2022]      the 42 jeugdregio's
    jeugdlib data fetch TABLE_ID [...]       live CBS table, cached on disk
    jeugdlib scp [--region R] [--out DIR]    SCP model: expected vs observed per wijk
    jeugdlib report --region R [--out DIR]   render a regional report (HTML)
    jeugdlib report --all [--jobs N]         render all 42 regional reports

Everything a user sees is Dutch, argparse's own messages included (usage
errors, ``-h`` headings): :class:`DutchArgumentParser` translates them.

Exit codes: 0 success, 1 a failure during the work (a failed region in a batch,
or an unexpected error — one line naming the exception, with a request to report
it; the traceback only with ``JEUGDLIB_DEBUG=1``), 2 bad input (a usage error,
unknown region, bad file, a missing file, an unwritable ``--out``, flags that do
not go together) — in which case nothing is written — and 130 after Ctrl-C.
``report --all`` takes the same user files as a single report (each region uses
its own gemeenten' rows); every path is checked before anything runs.
"""

from __future__ import annotations

import argparse
import ast
import errno
import os
import re
import signal
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from jeugdlib.errors import DataError, RegionNotFoundError

__all__ = [
    "DEBUG_ENV",
    "REGION_YEARS",
    "DutchArgumentParser",
    "batch_failure_line",
    "batch_totals",
    "build_parser",
    "main",
    "translate_argparse_message",
]

#: Environment variable that makes unexpected errors print their traceback.
DEBUG_ENV = "JEUGDLIB_DEBUG"

#: Years with an embedded jeugdregio table (``jeugdlib.data.regions``); kept here so ``-h`` imports no data code.
REGION_YEARS = (2017, 2021, 2022)

# --------------------------------------------------------------------------- argparse in Dutch


def _plural(n: int, singular: str, plural: str) -> str:
    """``"1 rapport"``, ``"2 rapporten"``."""
    return f"{n} {singular if n == 1 else plural}"


def _unquote(text: str) -> str:
    """Python string reprs in an argparse message (``'2017'``, ``'data', 'scp'``) without their quotes."""
    return re.sub(r"'([^']*)'", r"\1", text)


_TYPE_NAMES = {"int": "een geheel getal", "float": "een getal", "str": "tekst"}


def _missing(names: str) -> str:
    n = len([x for x in names.split(", ") if x])
    return f"{'ontbrekend verplicht argument' if n == 1 else 'ontbrekende verplichte argumenten'}: {names}"


def _unknown(args: str) -> str:
    n = len(args.split())
    return f"{'onbekend argument' if n == 1 else 'onbekende argumenten'}: {args}"


#: argparse's English messages (Python 3.11-3.13) and their Dutch form; first match wins.
_ARGPARSE_MESSAGES: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    (
        re.compile(r"argument (?P<name>.+?): (?P<msg>.*)", re.S),
        lambda m: f"{m['name']}: {translate_argparse_message(m['msg'])}",
    ),
    (
        re.compile(r"invalid choice: (?P<value>.*) \(choose from (?P<choices>.*)\)", re.S),
        lambda m: f"ongeldige keuze {_unquote(m['value'])} (kies uit {_unquote(m['choices'])})",
    ),
    (
        re.compile(r"invalid (?P<type>\S+) value: (?P<value>.*)", re.S),
        lambda m: f"ongeldige waarde {m['value']}: verwacht {_TYPE_NAMES.get(m['type'], m['type'])}",
    ),
    (re.compile(r"the following arguments are required: (?P<names>.*)", re.S), lambda m: _missing(m["names"])),
    (re.compile(r"unrecognized arguments: (?P<args>.*)", re.S), lambda m: _unknown(m["args"])),
    (re.compile(r"expected one argument"), lambda m: "hier hoort één waarde achter"),
    (re.compile(r"expected at least one argument"), lambda m: "hier hoort minstens één waarde achter"),
    (re.compile(r"expected at most one argument"), lambda m: "hier hoort hoogstens één waarde achter"),
    (
        re.compile(r"expected (?P<n>\d+) arguments?"),
        lambda m: f"hier horen {_plural(int(m['n']), 'waarde', 'waarden')} achter",
    ),
    (
        re.compile(r"ambiguous option: (?P<opt>\S+) could match (?P<matches>.*)", re.S),
        lambda m: f"optie {m['opt']} is niet eenduidig: bedoelt u {_unquote(m['matches'])}?",
    ),
    (re.compile(r"not allowed with argument (?P<other>.*)", re.S), lambda m: f"niet samen met {m['other']}"),
    (
        re.compile(r"one of the arguments (?P<names>.*) is required", re.S),
        lambda m: f"een van de argumenten {m['names']} is verplicht",
    ),
    (
        re.compile(r"ignored explicit argument (?P<value>.*)", re.S),
        lambda m: f"waarde {_unquote(m['value'])} is hier niet toegestaan",
    ),
    (
        re.compile(r"can't open (?P<file>.*?): (?P<err>.*)", re.S),
        lambda m: f"kan {_unquote(m['file'])} niet openen ({m['err']})",
    ),
]


def translate_argparse_message(message: str) -> str:
    """The Dutch form of one of argparse's English error messages; other text is returned unchanged.

    ``"argument --year: invalid choice: 2017 (choose from 2021, 2022)"`` becomes
    ``"--year: ongeldige keuze 2017 (kies uit 2021, 2022)"``. Messages of our own
    ``type=`` functions are Dutch already and pass through.
    """
    for pattern, dutch in _ARGPARSE_MESSAGES:
        m = pattern.fullmatch(message.strip())
        if m:
            return dutch(m)
    return message


class _DutchHelpFormatter(argparse.HelpFormatter):
    """Help and usage with the Dutch heading ``gebruik:``."""

    def add_usage(
        self,
        usage: str | None,
        actions: Any,
        groups: Any,
        prefix: str | None = None,
    ) -> None:
        super().add_usage(usage, actions, groups, "gebruik: " if prefix is None else prefix)


class DutchArgumentParser(argparse.ArgumentParser):
    """:class:`argparse.ArgumentParser` that speaks Dutch: headings, ``-h``, usage errors (exit code 2).

    Subparsers made through ``add_subparsers`` are of this class too.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _DutchHelpFormatter)
        add_help = kwargs.pop("add_help", True)
        super().__init__(*args, add_help=False, **kwargs)
        self._positionals.title = "argumenten"
        self._optionals.title = "opties"
        if add_help:
            self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS, help="toon deze hulp en stop")

    def error(self, message: str) -> NoReturn:
        """Usage, one Dutch error line and a pointer to ``-h``; exit code 2."""
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: fout: {translate_argparse_message(message)}\nHulp: {self.prog} -h\n")


def _count(minimum: int) -> Callable[[str], int]:
    """A ``type=`` for whole numbers ≥ ``minimum`` with a Dutch message."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!s} is geen geheel getal") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{value} is te klein (minimaal {minimum})")
        return value

    return parse


# --------------------------------------------------------------------------- commands


def _cmd_data_list(args: argparse.Namespace) -> int:
    from jeugdlib.data import DATASETS

    for ds in DATASETS.values():
        size = f"{ds.path.stat().st_size / 1024:8.0f} KB" if ds.path.exists() else "ontbreekt!"
        print(f"{ds.name:28s} {size:>11s}  {ds.description}")
        print(f"{'':28s}              bron: {ds.source}; licentie: {ds.licence}")
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
        print(
            f"{args.table_id}: tabel en metadata staan in de cache "
            f"({_plural(len(paths), 'bestand', 'bestanden')} in {paths[0].parent})"
        )
        return 0
    df = cbs.fetch(
        args.table_id, select=args.select, filters=args.filters, cache_dir=args.cache_dir, refresh=args.refresh
    )
    print(
        f"{args.table_id}: {_plural(len(df), 'rij', 'rijen')}, "
        f"{_plural(df.shape[1], 'kolom', 'kolommen')} (in de cache)"
    )
    return 0


#: Dutch labels of the SCP model's ``flag`` column, in print order.
_SCP_FLAGS = {"higher": "hoger dan verwacht", "lower": "lager dan verwacht", "as_expected": "zoals verwacht"}


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
        print(f"Regio {region.jeugdregio_naam} ({region.jeugdregio_code}): {_plural(len(exp), 'wijk', 'wijken')}")
    counts = exp.flag.value_counts()
    parts = [f"{label} {int(counts.get(flag, 0))}" for flag, label in _SCP_FLAGS.items()]
    parts.append(f"zonder waarneming {int(exp.flag.isna().sum())}")
    print("Wijken per uitkomst: " + ", ".join(parts))
    if args.out:
        from jeugdlib import _files

        out = _files.check_writable(args.out, hint="kies een andere --out.")
        path = out / (f"scp_verwacht_{region.jeugdregio_code}.csv" if region is not None else "scp_verwacht.csv")
        _files.atomic_write(path, exp.round(3).to_csv(index=False))
        print(f"geschreven: {path}")
    return 0


#: Dutch words for the batch statuses of :func:`jeugdlib.reports.render_all`, in print order.
_BATCH_STATUS = {"ok": "gemaakt", "skipped": "ongewijzigd", "failed": "mislukt"}


def batch_totals(results: Sequence[dict[str, Any]]) -> str:
    """One Dutch line with the totals of a batch, e.g. ``"42 rapporten: 40 gemaakt, 1 ongewijzigd, 1 mislukt"``.

    Statuses with a count of zero are left out; an unknown status is counted under its own name.
    """
    if not results:
        return "0 rapporten: geen regio's gekozen"
    counts: dict[str, int] = {}
    for r in results:
        status = str(r.get("status", "?"))
        counts[status] = counts.get(status, 0) + 1
    order = [s for s in _BATCH_STATUS if s in counts] + sorted(s for s in counts if s not in _BATCH_STATUS)
    parts = [f"{counts[s]} {_BATCH_STATUS.get(s, s)}" for s in order]
    return f"{_plural(len(results), 'rapport', 'rapporten')}: {', '.join(parts)}"


def _one_line(text: str, limit: int | None = None) -> str:
    """Text on one line (runs of white space, newlines included, become one space), optionally shortened."""
    line = " ".join(str(text).split())
    if limit is not None and len(line) > limit:
        line = line[: limit - 1].rstrip() + "…"
    return line


def batch_failure_line(result: dict[str, Any]) -> str:
    """``"MISLUKT JZ24 (Haaglanden): CellTimeoutError: ..."`` for one failed region of a batch.

    Uses the keys ``region``, ``name``, ``error_type`` and ``error`` where present; BSN-like
    numbers in the error are masked and the error is kept to one line.
    """
    from jeugdlib.io import mask_text

    region = str(result.get("region", "?"))
    name = result.get("name")
    label = f"{region} ({name})" if name and str(name) != region else region
    error = _one_line(mask_text(str(result.get("error") or "")), limit=400)
    etype = result.get("error_type")
    if etype and not error.startswith(f"{etype}:"):
        error = f"{etype}: {error}" if error else str(etype)
    return f"MISLUKT {label}: {error or 'reden onbekend'}"


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
        failed = [r for r in summary if r.get("status") == "failed"]
        print(f"{batch_totals(summary)}; index: {Path(args.out) / 'index.html'}")
        for r in failed:
            print(f"  {batch_failure_line(r)}", file=sys.stderr)
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
            name = Path(v).name or "(leeg)"
            return f"{_USER_FLAGS[k]}: het bestand {name} bestaat niet. Controleer het pad."
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


# --------------------------------------------------------------------------- errors for users


def _region_message(exc: RegionNotFoundError) -> str:
    """A Dutch sentence for :func:`jeugdlib.data.find_region`'s (English) refusal, with its suggestions."""
    text = str(exc)
    if text.startswith("empty region name"):
        return "lege regionaam; geef een code zoals JZ24 of een naam zoals Haaglanden."
    m = re.match(
        r"(?:unknown jeugdregio|region) ('(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\") (?:for|is ambiguous in) (\d+)", text
    )
    if m is None:
        return _one_line(text)
    try:
        query = str(ast.literal_eval(m.group(1)))
    except (ValueError, SyntaxError):
        query = m.group(1).strip("'\"")
    options = ", ".join(exc.suggestions)
    if "is ambiguous" in text:
        return f'regio "{query}" is niet eenduidig in {m.group(2)}: {options}. Gebruik de code.'
    return (
        f'onbekende jeugdregio "{query}" in {m.group(2)}.'
        + (f" Bedoelt u: {options}?" if options else "")
        + " `jeugdlib data regions` toont de volledige lijst."
    )


#: Dutch reasons for the operating-system errors a user can cause (a wrong path, a folder without rights).
_OS_REASONS = {
    errno.ENOENT: "bestaat niet",
    errno.EACCES: "geen toegang (rechten)",
    errno.EPERM: "geen toegang (rechten)",
    errno.EISDIR: "is een map, geen bestand",
    errno.ENOTDIR: "een deel van het pad is geen map",
    errno.EEXIST: "bestaat al",
    errno.ENOSPC: "de schijf is vol",
    errno.EROFS: "het bestandssysteem is alleen-lezen",
    errno.ENAMETOOLONG: "de naam is te lang",
}


def _os_message(exc: OSError) -> str | None:
    """A Dutch line for an :class:`OSError` a user can fix (see ``_OS_REASONS``), else ``None``."""
    reason = _OS_REASONS.get(exc.errno) if exc.errno is not None else None
    if reason is None:
        return None
    where = exc.filename if exc.filename is not None else None
    return f"{where}: {reason}." if where is not None else f"{reason}."


def _debug() -> bool:
    return os.environ.get(DEBUG_ENV, "").strip() not in ("", "0")


def _fail(code: int, line: str) -> int:
    """Print the traceback (only with ``JEUGDLIB_DEBUG=1``) and one line on stderr; return ``code``."""
    if _debug():
        traceback.print_exc(file=sys.stderr)
    print(line, file=sys.stderr)
    return code


# --------------------------------------------------------------------------- parser and entry point


def build_parser() -> DutchArgumentParser:
    """The ``jeugdlib`` argument parser (Dutch help and messages)."""
    from jeugdlib import __version__

    p = DutchArgumentParser(prog="jeugdlib", description="Onderzoek naar jeugdhulpgebruik: data, modellen, rapporten.")
    p.add_argument(
        "--version", action="version", version=f"jeugdlib {__version__}", help="toon het versienummer en stop"
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="OPDRACHT")

    d = sub.add_parser("data", help="ingebouwde en live gegevens", description="Ingebouwde en live gegevens.")
    dsub = d.add_subparsers(dest="data_command", required=True, metavar="OPDRACHT")
    dl = dsub.add_parser(
        "list", help="toon de ingebouwde datasets met bron en licentie", description="De ingebouwde datasets."
    )
    dl.set_defaults(func=_cmd_data_list)
    dr = dsub.add_parser("regions", help="toon de jeugdregio's", description="De jeugdregio's van een jaar.")
    dr.add_argument(
        "--year",
        type=int,
        choices=REGION_YEARS,
        default=2022,
        metavar="JAAR",
        help="jaar van de indeling: 2017, 2021 of 2022 (standaard 2022)",
    )
    dr.set_defaults(func=_cmd_data_regions)
    df = dsub.add_parser(
        "fetch",
        help="haal een CBS StatLine-tabel op (cbsodata) en bewaar die in de cache",
        description="Haal een CBS StatLine-tabel op en bewaar die op schijf, zodat hij daarna offline werkt.",
    )
    df.add_argument("table_id", metavar="TABEL", help="CBS-tabelnummer, bijvoorbeeld 85318NED")
    df.add_argument("--select", nargs="*", default=None, metavar="KOLOM", help="alleen deze kolommen")
    df.add_argument(
        "--filters",
        default=None,
        metavar="FILTER",
        help="OData-filter, bijvoorbeeld \"startswith(WijkenEnBuurten,'WK')\"",
    )
    df.add_argument(
        "--cache-dir",
        default=None,
        metavar="MAP",
        help="map voor de cache (standaard: de cachemap van de gebruiker of $JEUGDLIB_CACHE_DIR)",
    )
    df.add_argument("--refresh", action="store_true", help="negeer de cache en haal opnieuw op")
    df.set_defaults(func=_cmd_data_fetch)

    s = sub.add_parser(
        "scp",
        help="schat het SCP-model op de ingebouwde gegevens van 2017; verwacht tegenover waargenomen",
        description="Schat het SCP-model op de ingebouwde gegevens van 2017 en vergelijk verwacht met waargenomen.",
    )
    s.add_argument("--region", default=None, metavar="REGIO", help="naam of code van een jeugdregio (indeling 2017)")
    s.add_argument("--out", default=None, metavar="MAP", help="map voor een CSV met de verwachte waarden")
    s.set_defaults(func=_cmd_scp)

    r = sub.add_parser(
        "report",
        help="maak regionale rapporten (papermill → HTML)",
        description="Maak het rapport van één jeugdregio (--region) of van alle regio's (--all).",
    )
    r.add_argument(
        "--region", default=None, metavar="REGIO", help="naam of code van de jeugdregio, bv. Haaglanden of JZ24"
    )
    r.add_argument("--all", action="store_true", help="maak de rapporten van alle 42 regio's")
    r.add_argument("--regions", nargs="*", default=None, metavar="REGIO", help="met --all: alleen deze regio's")
    r.add_argument(
        "--year",
        type=int,
        choices=(2021, 2022),
        default=2022,
        metavar="JAAR",
        help="jaar van de open wijkgegevens: 2021 of 2022 (standaard 2022)",
    )
    r.add_argument("--out", default="reports", metavar="MAP", help="map voor de rapporten (standaard: reports/)")
    r.add_argument("--jobs", type=_count(1), default=2, metavar="N", help="aantal parallelle processen met --all")
    r.add_argument("--force", action="store_true", help="maak ook rapporten opnieuw waarvan de invoer niet veranderde")
    r.add_argument("--timeout", type=_count(1), default=600, metavar="SECONDEN", help="tijdslimiet per regio")
    r.add_argument(
        "--local-data",
        dest="local_data_path",
        default=None,
        metavar="BESTAND",
        help="eigen wijkbestand met gegevens over sociale samenhang en veiligheid",
    )
    r.add_argument(
        "--policy",
        dest="policy_path",
        default=None,
        metavar="BESTAND",
        help="beleidstabel: gemeentecode en het eerste jaar van het beleid (jaar_wijkteam, jaar_poh of adoptiejaar; "
        "leeg of 0 = nooit) en/of intensiteit_…",
    )
    r.add_argument(
        "--trajectories", dest="trajectories_path", default=None, metavar="BESTAND", help="iJw-trajectentabel"
    )
    r.add_argument(
        "--claims", dest="claims_path", default=None, metavar="BESTAND", help="iJw-declaratietabel (met --trajectories)"
    )
    r.add_argument(
        "--audit-dir",
        dest="audit_dir",
        default=None,
        metavar="MAP",
        help="besloten map (aangemaakt met rechten 0700) voor de uitgevoerde notebooks; wordt nooit gepubliceerd",
    )
    r.set_defaults(func=_cmd_report)
    return p


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit code (usage errors, ``-h`` and ``--version`` raise SystemExit).

    User errors (bad data, unknown region, a missing or unwritable path) print one Dutch line and
    return 2; Ctrl-C returns 130; any other exception prints one line naming it, asks to report
    it and returns 1. ``JEUGDLIB_DEBUG=1`` adds the traceback.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        return _fail(130, "afgebroken (Ctrl-C).")
    except SystemExit as exc:  # the batch turns SIGTERM into SystemExit(143) so its clean-up runs
        if exc.code == 128 + signal.SIGTERM:
            return _fail(exc.code, "afgebroken (SIGTERM).")
        raise
    except RegionNotFoundError as exc:
        return _fail(2, f"fout in de invoer: {_region_message(exc)}")
    except DataError as exc:
        from jeugdlib.io import mask_text

        return _fail(2, f"fout in de invoer: {_one_line(mask_text(str(exc)))}")
    except Exception as exc:  # noqa: BLE001 - the last line of defence: no traceback for users
        from jeugdlib.io import mask_text
        from jeugdlib.reports import ReportError

        if isinstance(exc, ReportError):  # the region's reason is already recorded in <out>/logboek/
            return _fail(1, f"MISLUKT {exc.region}: {exc.error_type}: {_one_line(exc.message, limit=300)}")
        if isinstance(exc, OSError):
            message = _os_message(exc)
            if message is not None:
                return _fail(2, f"fout in de invoer: {mask_text(message)}")
        detail = _one_line(mask_text(str(exc)), limit=300)
        return _fail(
            1,
            f"onverwachte fout: {type(exc).__name__}{': ' + detail if detail else ''}. "
            f"Dit is waarschijnlijk een fout in jeugdlib: meld dit als fout, met de opdracht die u gaf "
            f"(met {DEBUG_ENV}=1 ziet u de technische details).",
        )


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
