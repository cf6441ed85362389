"""`wirehouse eval ...`: extraction measured against gold files written by others."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from wirehouse.cli.app import app
from wirehouse.core.settings import get_settings

eval_app = typer.Typer(help="Measure extraction against gold files.", no_args_is_help=True,
                       epilog="Example: wirehouse eval entities "
                              "../shared/corpora/uner-en-pud/en_pud_news.conll")
app.add_typer(eval_app, name="eval")


@eval_app.command("entities", epilog="Example: wirehouse eval entities "
                  "../shared/corpora/uner-en-pud/en_pud_news.conll")
def eval_entities(file: Annotated[str, typer.Argument(
        metavar="FILE", help="CoNLL-2003 format file.")]) -> None:
    """Exact-span NER precision/recall/F1 of the entity stage on a CoNLL file."""
    from wirehouse.evaluate.entities import evaluate_entities

    typer.echo(json.dumps(evaluate_entities(file, get_settings()), indent=1))


@eval_app.command("events", epilog="Example: wirehouse eval events "
                  "../shared/corpora/plover-gsr/dev.jsonl")
def eval_events(file: Annotated[str, typer.Argument(
        metavar="FILE", help="PLOVER gold JSONL file.")]) -> None:
    """Event-type precision/recall/F1 and actor country accuracy on PLOVER gold sentences."""
    from wirehouse.evaluate.events import evaluate_events

    typer.echo(json.dumps(evaluate_events(file, get_settings().model), indent=1))


@eval_app.command("countries", epilog="Example: wirehouse eval countries "
                  "../shared/corpora/news-events-gold/dev_articles.jsonl")
def eval_countries(
    file: Annotated[str, typer.Argument(help="Articles JSONL (text, published_at).")],
    expected: Annotated[str | None, typer.Option(
        metavar="FILE",
        help="Reviewed expected values (default tests/golden/entity_countries.json).")] = None,
) -> None:
    """Entities with more than 2 mentions (type, country, IGO code) as marts.entities gives
    them, and the reviewed expected values checked."""
    from wirehouse.evaluate.countries import evaluate_countries

    typer.echo(json.dumps(evaluate_countries(file, get_settings(), expected), indent=1,
                          default=str))
