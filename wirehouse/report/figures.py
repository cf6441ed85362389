"""The report's charts, as Plotly figures built from the aggregates in ReportData."""

from __future__ import annotations

import html
import math
from datetime import timedelta
from functools import lru_cache
from typing import Any

import plotly.graph_objects as go
from countryinfo import CountryInfo

from wirehouse.report.data import ReportData

QUAD_NAMES = {1: "Verbal cooperation", 2: "Material cooperation", 3: "Verbal conflict",
              4: "Material conflict"}
QUAD_COLOURS = {1: "#4e9a06", 2: "#1f6fb2", 3: "#e69f00", 4: "#c0392b"}
GOLDSTEIN_SCALE = "RdBu"  # red = conflict (-10), blue = cooperation (+10)
OUTLINE_REF = "world-outline"  # the map trace's geojson, replaced by the page's outline
# Events count where first reported; an entity counts once per document that names it.
SERIES = ("documents", "events", "entities (per document)")
_LAYOUT: dict[str, Any] = {"margin": {"l": 10, "r": 10, "t": 40, "b": 10},
                           # The page applies the plotly_white template once for every chart
                           # (page._template): resolving it per figure cost 0.15 s each.
                           "template": "none", "height": 360,
                           "font": {"family": "system-ui, sans-serif", "size": 12}}


def label(value: object) -> str:
    """Article text for a chart label: Plotly reads a little HTML in labels (<a href>, <b>),
    and names come from news articles."""
    return html.escape(str(value if value is not None else ""), quote=False)


def readable(name: str) -> str:
    """CAMEO names are upper case in the codebook ("MAKE PUBLIC STATEMENT")."""
    return name[:1].upper() + name[1:].lower() if name.isupper() else name


def _figure(title: str, **layout: Any) -> go.Figure:
    fig = go.Figure()
    fig.update_layout({**_LAYOUT, "title": {"text": title, "x": 0.01}, **layout})
    return fig


def overview_by_day(data: ReportData) -> go.Figure:
    days = [r[0] for r in data.loaded_by_day]
    # A category axis for a few days: a date axis draws one day as a bar a year wide.
    fig = _figure("Loaded per day (first seen)", barmode="group",
                  xaxis={"type": "category" if len(days) <= 31 else "date"})
    days = [d.isoformat() if len(days) <= 31 else d for d in days]
    for i, name in enumerate(SERIES, start=1):
        fig.add_bar(x=days, y=[r[i] for r in data.loaded_by_day], name=name)
    return fig


def overview_by_source(data: ReportData) -> go.Figure:
    rows = list(reversed(data.documents_by_source))
    fig = _figure("By source", barmode="group",
                  height=max(260, 60 + 28 * len(rows)), yaxis={"automargin": True})
    for i, name in enumerate(SERIES, start=1):
        fig.add_bar(y=[label(r[0]) for r in rows], x=[r[i] for r in rows], name=name,
                    orientation="h")
    return fig


def quarantine(data: ReportData) -> go.Figure:
    fig = _figure("Quarantined inputs by reason", height=260)
    rows = data.quarantine_by_reason
    fig.add_bar(x=[r[0] for r in rows], y=[r[1] for r in rows], marker_color="#888")
    if not rows:
        fig.add_annotation(text="no input was quarantined", showarrow=False,
                           xref="paper", yref="paper", x=0.5, y=0.5)
        fig.update_xaxes(visible=False)
        fig.update_yaxes(visible=False)
    return fig


def events_over_time(data: ReportData) -> go.Figure:
    low, high = data.bulk_dates
    xaxis: dict[str, Any] = {"type": "date"}
    if low and high:  # zoom out (double-click) to see events dated outside the bulk
        pad = timedelta(days={"day": 1, "week": 7, "month": 31}[data.period])
        xaxis["range"] = [(low - pad).isoformat(), (high + pad).isoformat()]
    fig = _figure(f"Events per {data.period} by quad class", barmode="stack", xaxis=xaxis)
    for quad, name in QUAD_NAMES.items():
        rows = [r for r in data.events_by_day_quad if r[1] == quad]
        fig.add_bar(x=[r[0] for r in rows], y=[r[2] for r in rows], name=name,
                    marker_color=QUAD_COLOURS[quad])
    return fig


def events_by_cameo_root(data: ReportData) -> go.Figure:
    rows = data.events_by_root
    fig = _figure("Events by CAMEO root", height=max(300, 60 + 24 * len(rows)),
                  yaxis={"automargin": True, "autorange": "reversed"}, showlegend=False)
    fig.add_bar(y=[readable(r[1]) for r in rows], x=[r[3] for r in rows], orientation="h",
                marker_color=[QUAD_COLOURS.get(r[2], "#888") for r in rows],
                customdata=[[r[0], QUAD_NAMES.get(r[2], ""), r[4]] for r in rows],
                hovertemplate="%{y} (CAMEO %{customdata[0]}, %{customdata[1]})<br>"
                              "%{x} events, mean Goldstein %{customdata[2]:.1f}<extra></extra>")
    return fig


def events_by_plover(data: ReportData) -> go.Figure:
    rows = data.events_by_plover
    fig = _figure("Events by PLOVER type", height=max(300, 60 + 24 * len(rows)),
                  yaxis={"automargin": True, "autorange": "reversed"}, showlegend=False)
    fig.add_bar(y=[readable(r[0]) for r in rows], x=[r[2] for r in rows], orientation="h",
                marker_color=[QUAD_COLOURS.get(r[1], "#888") for r in rows],
                hovertemplate="%{y}: %{x} events<extra></extra>")
    return fig


def dyads(data: ReportData, top: int = 25) -> go.Figure:
    """Who acts on whom: a matrix of the countries with the most events, a bubble per
    directed pair, sized by events and coloured by mean Goldstein."""
    weight: dict[str, int] = {}
    for src, tgt, n, _ in data.dyads:
        weight[src] = weight.get(src, 0) + n
        weight[tgt] = weight.get(tgt, 0) + n
    keep = sorted(weight, key=lambda c: (-weight[c], c))[:top]
    order = sorted(keep)
    rows = [r for r in data.dyads if r[0] in keep and r[1] in keep]
    biggest = max((r[2] for r in rows), default=1)
    side = max(360, 120 + 22 * len(order))
    fig = _figure("Country dyads: source (rows) acts on target (columns)", height=side,
                  xaxis={"categoryorder": "array", "categoryarray": order, "side": "top",
                         "title": "target"},
                  yaxis={"categoryorder": "array", "categoryarray": order,
                         "autorange": "reversed", "title": "source"})
    fig.add_scatter(
        x=[r[1] for r in rows], y=[r[0] for r in rows], mode="markers",
        marker={"size": [8 + 30 * math.sqrt(r[2] / biggest) for r in rows],
                "color": [r[3] for r in rows], "colorscale": GOLDSTEIN_SCALE, "cmin": -10,
                "cmax": 10, "colorbar": {"title": "mean<br>Goldstein"},
                "line": {"width": 0.5, "color": "#333"}},
        customdata=[[r[2], r[3]] for r in rows],
        hovertemplate="%{y} → %{x}<br>%{customdata[0]} events, mean Goldstein "
                      "%{customdata[1]:.1f}<extra></extra>")
    if not rows:
        fig.add_annotation(text="no event has a country on both sides", showarrow=False,
                           xref="paper", yref="paper", x=0.5, y=0.5)
    return fig


@lru_cache(maxsize=1)
def world_outline() -> dict[str, Any]:
    """Country outlines (Natural Earth 1:110m, from the countryinfo package), coordinates
    rounded to 0.1 degree: the map is a backdrop, and it is a third the size."""
    features = []
    for country in CountryInfo.all().values():
        for feature in (country.get("geoJSON") or {}).get("features", []):
            geometry = feature["geometry"]
            features.append({"type": "Feature", "id": feature["id"], "properties": {},
                             "geometry": {"type": geometry["type"],
                                          "coordinates": _round(geometry["coordinates"])}})
    return {"type": "FeatureCollection", "features": features}


def _round(coords: Any) -> Any:
    if coords and isinstance(coords[0], (int, float)):
        return [round(coords[0], 1), round(coords[1], 1)]
    return [_round(c) for c in coords]


def event_map(data: ReportData) -> go.Figure:
    # The outline is in the page once (id "world-outline"), put into the trace by the page:
    # as a figure property Plotly copied and checked its 70k points four times (0.8 s).
    ids = [f["id"] for f in world_outline()["features"]]
    fig = _figure("Where events happened (place coordinates from the warehouse)", height=460,
                  geo={"projection": {"type": "natural earth"}, "showland": False,
                       "showcoastlines": False, "showcountries": False, "showlakes": False,
                       "showocean": False, "showframe": True, "framecolor": "#bbb"})
    fig.add_choropleth(geojson=OUTLINE_REF, locations=ids, z=[0] * len(ids), featureidkey="id",
                       colorscale=[[0, "#eef0f2"], [1, "#eef0f2"]], showscale=False,
                       marker={"line": {"color": "#b9bec4", "width": 0.5}}, hoverinfo="skip")
    rows = data.places
    biggest = max((r[4] for r in rows), default=1)
    fig.add_scattergeo(
        lat=[r[2] for r in rows], lon=[r[3] for r in rows], mode="markers",
        text=[label(r[0]) for r in rows],
        marker={"size": [6 + 24 * math.sqrt(r[4] / biggest) for r in rows],
                "color": [r[5] for r in rows], "colorscale": GOLDSTEIN_SCALE, "cmin": -10,
                "cmax": 10, "colorbar": {"title": "mean<br>Goldstein"},
                "line": {"width": 0.5, "color": "#333"}, "opacity": 0.85},
        customdata=[[r[1], r[4], r[5]] for r in rows],
        hovertemplate="%{text} (%{customdata[0]})<br>%{customdata[1]} events, mean Goldstein "
                      "%{customdata[2]:.1f}<extra></extra>")
    return fig


def top_actors(data: ReportData) -> go.Figure:
    rows = data.top_actors
    fig = _figure("Top actors (source or target)", height=max(300, 60 + 22 * len(rows)),
                  yaxis={"automargin": True, "autorange": "reversed"}, showlegend=False)
    fig.add_bar(y=[label(r[0]) for r in rows], x=[r[2] for r in rows], orientation="h",
                customdata=[[label(r[1])] for r in rows], marker_color="#5b6b7b",
                hovertemplate="%{y} (%{customdata[0]}): %{x} events<extra></extra>")
    return fig


def top_entities(data: ReportData) -> go.Figure:
    rows = data.top_entities
    fig = _figure("Top named entities", height=max(300, 60 + 22 * len(rows)),
                  yaxis={"automargin": True, "autorange": "reversed"}, showlegend=False)
    fig.add_bar(y=[label(r[0]) for r in rows], x=[r[3] for r in rows], orientation="h",
                customdata=[[r[1], label(r[2]), r[4]] for r in rows], marker_color="#7b6b8b",
                hovertemplate="%{y} (%{customdata[0]} %{customdata[1]}): %{x} mentions in "
                              "%{customdata[2]} documents<extra></extra>")
    return fig


def all_figures(data: ReportData) -> dict[str, go.Figure]:
    """Section id -> figure, in page order."""
    return {
        "loaded-by-day": overview_by_day(data),
        "loaded-by-source": overview_by_source(data),
        "quarantine": quarantine(data),
        "events-over-time": events_over_time(data),
        "events-by-root": events_by_cameo_root(data),
        "events-by-plover": events_by_plover(data),
        "dyads": dyads(data),
        "map": event_map(data),
        "top-actors": top_actors(data),
        "top-entities": top_entities(data),
    }
