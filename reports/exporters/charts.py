"""Charts as Plotly figures (the same figures the dashboards show) and their PNG rendering.

PNG rendering goes through Kaleido, which drives a headless Chromium (Debian's ``chromium`` package); one
:class:`Renderer` keeps the browser open so a dossier's charts render in about a quarter of a second each. Where
no browser is available the renderer says so and the documents list the chart as not rendered.
"""

from __future__ import annotations

import warnings

import plotly.graph_objects as go

FONT = "DejaVu Sans, Liberation Sans, Arial, sans-serif"
BRAND = "#b3261e"
OK = "#1b6e3a"
GREY = "#8a94a6"


def base_layout(fig: go.Figure, title: str, x_title: str = "", y_title: str = "") -> go.Figure:
    fig.update_layout(title={"text": title, "x": 0.01}, font={"family": FONT, "size": 13}, template="plotly_white",
                      margin={"l": 60, "r": 20, "t": 60, "b": 60}, xaxis_title=x_title, yaxis_title=y_title,
                      legend={"orientation": "h", "y": -0.2}, separators=",.")
    return fig


def bar(title: str, labels: list[str], values: list[float], *, y_title: str = "", color: str = BRAND,
        target: float | None = None, target_label: str = "") -> go.Figure:
    fig = go.Figure(go.Bar(x=labels, y=values, marker_color=color, text=[_fmt(v) for v in values],
                           textposition="outside", cliponaxis=False))
    if target is not None:
        fig.add_hline(y=target, line_dash="dash", line_color=GREY, annotation_text=target_label)
    return base_layout(fig, title, y_title=y_title)


PALETTE = [BRAND, OK, "#0b4fb3", "#8a5a00", GREY, "#6b21a8", "#0e7490", "#be185d", "#4d7c0f", "#1f2937", "#c2410c",
           "#0369a1", "#a16207"]


def grouped_bar(title: str, labels: list[str], series: dict[str, list[float]], *, y_title: str = "") -> go.Figure:
    colors = PALETTE
    fig = go.Figure([go.Bar(name=name, x=labels, y=values, marker_color=colors[i % len(colors)])
                     for i, (name, values) in enumerate(series.items())])
    fig.update_layout(barmode="group")
    return base_layout(fig, title, y_title=y_title)


def share_bars(title: str, labels: list[str], shares: list[float | None], counts: list[int]) -> go.Figure:
    """Horizontal bars of a percentage per category (long Vietnamese labels stay readable), n in the hover."""
    fig = go.Figure(go.Bar(y=labels, x=[s or 0 for s in shares], orientation="h", marker_color=BRAND,
                           text=[_fmt(s) for s in shares], textposition="outside", cliponaxis=False,
                           customdata=counts, hovertemplate="%{y}: %{x:.1f}% (%{customdata} ý kiến)<extra></extra>"))
    fig = base_layout(fig, title)
    fig.update_layout(xaxis={"range": [0, 105], "title": "%"}, yaxis={"autorange": "reversed", "automargin": True},
                      height=max(260, 60 + 34 * len(labels)))
    return fig


def points_chart(title: str, labels: list[str], points: list[float], maxima: list[float]) -> go.Figure:
    """Points against their maximum per criterion or item."""
    fig = go.Figure([
        go.Bar(name="Điểm chuẩn", x=labels, y=maxima, marker_color="#e5e7eb"),
        go.Bar(name="Điểm đạt", x=labels, y=points, marker_color=BRAND, text=[_fmt(p) for p in points],
               textposition="outside", cliponaxis=False),
    ])
    fig.update_layout(barmode="overlay")
    return base_layout(fig, title, y_title="Điểm")


def embeddable_json(fig: go.Figure) -> str:
    """The figure as JSON safe to place inside an HTML ``<script>`` element: ``<``, ``>`` and ``&`` are written
    as \\u escapes, so a name someone typed (a centre, an officer) can never close the element."""
    return fig.to_json().replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _fmt(value: float | None) -> str:
    if value is None:
        return ""
    return (f"{value:.1f}" if isinstance(value, float) and not value.is_integer() else f"{value:.0f}").replace(".", ",")


class Renderer:
    """Renders figures to PNG with one browser for many figures; use as a context manager."""

    def __init__(self) -> None:
        self.available = True
        self.problem = ""
        self._started = False

    def __enter__(self) -> Renderer:
        try:
            import kaleido

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                kaleido.start_sync_server(silence_warnings=True)
            self._started = True
        except Exception as exc:  # no browser, or kaleido missing: documents go without pictures
            self.available, self.problem = False, f"{type(exc).__name__}: {exc}"
        return self

    def __exit__(self, *exc_info) -> None:
        if self._started:
            import kaleido

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                kaleido.stop_sync_server(silence_warnings=True)

    def png(self, fig: go.Figure, width: int = 900, height: int = 450) -> bytes | None:
        """PNG bytes, or None when the renderer is not available (``problem`` says why)."""
        if not self.available:
            return None
        import plotly.io as pio

        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # Kaleido warns that per-call options are ignored with a server
                return pio.to_image(fig, format="png", width=width, height=height, scale=1)
        except Exception as exc:  # a browser that died mid-way: stop trying, keep building the documents
            self.available, self.problem = False, f"{type(exc).__name__}: {exc}"
            return None
