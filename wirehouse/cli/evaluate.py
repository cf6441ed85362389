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
                  "../shared/corpora/news-events-gold/dev_gold.jsonl")
def eval_events(
    file: Annotated[str, typer.Argument(
        metavar="FILE", help="PLOVER gold JSONL, or a news-events gold file.")],
    news: Annotated[bool, typer.Option(
        "--news", help="Score as news-events gold (found by its format without this).")] = False,
    warehouse: Annotated[str | None, typer.Option(
        metavar="PATH",
        help="News gold: score this warehouse's event mentions instead of coding the "
             "articles beside the gold file.")] = None,
) -> None:
    """PLOVER gold sentences: event-type precision/recall/F1 and actor country accuracy. News
    gold (corpora/news-events-gold): precision/recall/F1 at the levels type, type+source and
    full, scored by the gold's own scorer."""
    from wirehouse.evaluate.events import evaluate_events
    from wirehouse.evaluate.events_news import evaluate_news_events, is_news_gold

    settings = get_settings()
    if news or is_news_gold(file):
        result = evaluate_news_events(file, settings, warehouse=warehouse)
    else:
        result = evaluate_events(file, settings.model)
    typer.echo(json.dumps(result, indent=1))


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
