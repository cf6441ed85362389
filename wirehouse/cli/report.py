"""`wirehouse report` (the HTML report of the events) and `wirehouse review` (its review
loop: import the marks, draw a sample, estimate precision)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from wirehouse.cli.app import WarehouseOpt, app
from wirehouse.core.settings import get_settings
from wirehouse.warehouse.store import readable

review_app = typer.Typer(help="Mark what the event coder got wrong, and measure its "
                              "precision.", no_args_is_help=True,
                         epilog="Example: wirehouse review sample --n 60 --seed 7")
app.add_typer(review_app, name="review")

OutOpt = Annotated[Path | None, typer.Option(
    "--out", metavar="PATH", help="HTML file to write (default: beside the warehouse).")]


def _local(warehouse: str | None) -> tuple[str, str]:
    settings = get_settings()
    path = warehouse or settings.warehouse
    local = readable(path, settings.cache_dir or None)
    if local is None:
        raise typer.BadParameter(f"no warehouse at {path}: run `wirehouse run` first")
    return path, local


def _default_out(warehouse: str, name: str) -> Path:
    return Path(name) if "://" in warehouse else Path(warehouse).with_name(name)


def _since(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise typer.BadParameter(f"--since {text!r}: expected YYYY-MM-DD") from exc


@app.command(epilog="Example: wirehouse report --since 2017-03-01 --country TUR --country NLD")
def report(
    out: OutOpt = None,
    since: Annotated[str | None, typer.Option(
        metavar="DATE", help="Only events on or after this date (YYYY-MM-DD).")] = None,
    country: Annotated[list[str] | None, typer.Option(
        metavar="ISO3",
        help="Only events with this ISO 3166 alpha-3 country as source, target or place "
             "(repeat for more).")] = None,
    max_evidence: Annotated[int, typer.Option(
        min=1, metavar="N",
        help="Events whose sentences the file carries, the most recent first; the charts "
             "count every event.")] = 20_000,
    warehouse: WarehouseOpt = None,
) -> None:
    """Write the events report: one HTML file that opens with no network."""
    # Imported here: plotly's import costs every other command time it does not need.
    from wirehouse.report import Scope, write_report

    countries = tuple(c.strip().upper() for c in country or [])
    bad = [c for c in countries if len(c) != 3 or not c.isalpha()]
    if bad:
        raise typer.BadParameter(f"--country {', '.join(bad)}: expected ISO 3166 alpha-3 "
                                 "codes (CUB, VEN, ...)")
    path, local = _local(warehouse)
    target = out or _default_out(path, "report.html")
    written = write_report(local, target, Scope(_since(since), countries,
                                                max_evidence_events=max_evidence))
    typer.echo(f"{written.path}: {written.events} events, {written.events_with_evidence} "
               f"with their sentences; {written.bytes / 1e6:.1f} MB in "
               f"{written.seconds:.1f} s")


@review_app.command("import", epilog="Example: wirehouse review import ~/Downloads/"
                                      "wirehouse-review-marks.json")
def review_import(
    file: Annotated[Path, typer.Argument(help="Marks exported from the report (JSON).")],
    warehouse: WarehouseOpt = None,
    lake: Annotated[str | None, typer.Option(
        metavar="PATH", help="Parquet lake folder (WIREHOUSE_LAKE).")] = None,
) -> None:
    """Load a review export into raw.reviews; the marts' review status and
    marts.review_precision follow."""
    from wirehouse.report.review import ReviewFileError, import_reviews

    settings = get_settings().with_(warehouse=warehouse, lake=lake)
    try:
        done = import_reviews(file, settings)
    except ReviewFileError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc
    notes = []
    if done.older_than_stored:
        notes.append(f"{done.older_than_stored} not newer than the stored mark (kept the "
                     "stored)")
    if done.unknown_mentions:
        notes.append(f"{done.unknown_mentions} for mentions this warehouse does not hold")
    typer.echo(f"{done.loaded} of {done.marks} mark(s) loaded into raw.reviews"
               + (f"; {'; '.join(notes)}" if notes else ""))


@review_app.command("sample", epilog="Example: wirehouse review sample --n 60 --seed 7")
def review_sample(
    n: Annotated[int, typer.Option("--n", min=1, metavar="N",
                                   help="Event mentions to draw.")] = 60,
    seed: Annotated[int, typer.Option(metavar="S",
                                      help="The same seed draws the same sample.")] = 1,
    out: OutOpt = None,
    warehouse: WarehouseOpt = None,
) -> None:
    """Draw a random sample of event mentions, write a report to review them in, and print
    the precision the reviewed part of the sample estimates, with its 95% interval."""
    from wirehouse.report import Scope, write_report
    from wirehouse.report import sample as sampling

    path, local = _local(warehouse)
    drawn = sampling.draw(local, n, seed)
    events = sampling.events_of(local, drawn)
    target = out or _default_out(path, f"review-sample-{seed}.html")
    write_report(local, target, Scope(event_ids=tuple(events),
                                      max_evidence_events=max(1, len(events))),
                 sample=drawn, sample_seed=seed)
    typer.echo(f"{len(drawn)} event mentions drawn (seed {seed}); review them in {target}")
    typer.echo(sampling.estimate(local, drawn).describe())
