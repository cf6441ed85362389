"""Assemble the one-file HTML report: template, inlined libraries, figures and evidence."""

from __future__ import annotations

import base64
import gzip
import hashlib
import html
import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from importlib import resources
from pathlib import Path
from string import Template
from typing import Any

import plotly.graph_objects as go
import plotly.io as pio
import plotly.offline

from wirehouse.report import evidence, figures
from wirehouse.report.data import ReportData, Scope, read

# Plotly's geo charts fetch their base map from a CDN unless it is in PlotlyGeoAssets; the
# map's outline comes from a choropleth trace instead, so the base map is an empty topology.
_GEO_ASSETS = ('window.PlotlyGeoAssets = {topojson: {world_110m: '
               '{type: "Topology", objects: {}, arcs: []}}};')
_CONFIG = {"displaylogo": False, "responsive": True}


@dataclass
class Written:
    path: Path
    bytes: int
    events: int
    events_with_evidence: int
    mentions: int
    seconds: float


def _asset(name: str) -> str:
    return (resources.files(__package__) / "assets" / name).read_text(encoding="utf-8")


def _packed(text: str) -> str:
    """Base64 of the gzip: a third of plotly.js's size, and a library inlined this way is
    neither parsed before the page first paints nor able to end its <script> element early
    (the DataTables bundle holds "<!--" and "<script" in its regular expressions)."""
    return base64.b64encode(gzip.compress(text.encode(), compresslevel=6, mtime=0)).decode()


@lru_cache(maxsize=1)
def _template() -> dict[str, Any]:
    return dict(pio.templates["plotly_white"].to_plotly_json())


@lru_cache(maxsize=1)
def _libraries() -> dict[str, str]:
    folder = resources.files("itables") / "html"
    return {"plotly_js": _packed(plotly.offline.get_plotlyjs()),
            "datatables_js": _packed((folder / "dt_bundle.js").read_text(encoding="utf-8")),
            "datatables_css": (folder / "dt_bundle.css").read_text(encoding="utf-8")}


def _figure_div(key: str, fig: go.Figure) -> str:
    """A chart's place and its Plotly figure (JSON); the page draws it with Plotly.newPlot."""
    spec = pio.to_json(fig, validate=False, pretty=False).replace("</", "<\\/")
    return (f'<div class="plot" id="fig-{key}" data-figure="figure-{key}"></div>'
            f'<script type="application/json" id="figure-{key}">{spec}</script>')


def _script_json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":")).replace("</", "<\\/")


def render(data: ReportData, scope: Scope, sample: list[str] | None = None,
           sample_seed: int | None = None) -> str:
    figs = figures.all_figures(data)
    parts = {f"fig_{key.replace('-', '_')}": _figure_div(key, fig) for key, fig in figs.items()}
    payload = evidence.build(data)
    totals = "".join(f"<div><b>{v:,}</b>{html.escape(k.replace('_', ' '))}</div>"
                     for k, v in data.totals.items())
    filters = []
    if scope.since:
        filters.append(f"since {scope.since.isoformat()}")
    if scope.countries:
        filters.append("countries " + ", ".join(scope.countries))
    subtitle = (f"{data.generated_from} · written {datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
                + (" · " + "; ".join(filters) if filters else ""))
    meta = {"warehouse_id": hashlib.sha256(data.generated_from.encode()).hexdigest()[:12],
            "code_names": {k: figures.readable(v) for k, v in data.code_names.items()},
            "sample": sample or [], "sample_seed": sample_seed, "plotly_config": _CONFIG,
            "plotly_template": _template(),
            "events_in_scope": data.events_in_scope, "events_with_evidence": len(data.events),
            "mentions_with_evidence": len(data.mentions)}
    return Template(_asset("page.html")).substitute(
        title="wirehouse events report", subtitle=html.escape(subtitle), totals=totals,
        css=_asset("report.css"), js=_asset("report.js"), plotly_geo_assets=_GEO_ASSETS,
        meta=_script_json(meta), evidence=evidence.pack(payload),
        world_outline=_script_json(figures.world_outline()), **_libraries(), **parts)


def write_report(warehouse: str, out: str | Path, scope: Scope | None = None,
                 sample: list[str] | None = None, sample_seed: int | None = None) -> Written:
    start = time.perf_counter()
    scope = scope or Scope()
    data = read(warehouse, scope)
    text = render(data, scope, sample, sample_seed)
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return Written(path, path.stat().st_size, data.events_in_scope, len(data.events),
                   len(data.mentions), time.perf_counter() - start)
