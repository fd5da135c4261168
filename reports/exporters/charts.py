"""Charts as Plotly figure specifications (plain ``{"data": […], "layout": {…}}`` dicts, the same for the dashboards
and the dossier's pictures) and their PNG rendering.

The specs are built as dicts, not ``plotly.graph_objects`` figures: the browser's Plotly reads them as they are,
and a page builds its eight charts in a millisecond instead of paying for Python-side validation on every request.
PNG rendering goes through Kaleido, which drives a headless Chromium (Debian's ``chromium`` package); one
:class:`Renderer` keeps the browser open so a dossier's charts render in about a quarter of a second each. Where no
browser is available the renderer says so and the documents list the chart as not rendered.
"""

from __future__ import annotations

import json
import warnings

from survey_app.numbers import number_vi

Spec = dict

FONT = "DejaVu Sans, Liberation Sans, Arial, sans-serif"
BRAND = "#b3261e"
OK = "#1b6e3a"
GREY = "#8a94a6"
PALETTE = [BRAND, OK, "#0b4fb3", "#8a5a00", GREY, "#6b21a8", "#0e7490", "#be185d", "#4d7c0f", "#1f2937", "#c2410c",
           "#0369a1", "#a16207"]


def _fmt(value: float | None, digits: int = 2) -> str:
    """A bar's label: as many decimals as the value needs, up to ``digits`` (points on the 0,25 step keep two)."""
    if value is None:
        return ""
    return number_vi(value, digits)


def figure(title: str, traces: list[dict], x_title: str = "", y_title: str = "", **layout) -> Spec:
    base = {"title": {"text": title, "x": 0.01}, "font": {"family": FONT, "size": 13}, "template": "plotly_white",
            "margin": {"l": 60, "r": 20, "t": 60, "b": 60}, "xaxis": {"title": {"text": x_title}},
            "yaxis": {"title": {"text": y_title}}, "legend": {"orientation": "h", "y": -0.2}, "separators": ",.",
            "paper_bgcolor": "white", "plot_bgcolor": "white"}
    for key, value in layout.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            base[key] = {**base[key], **value}
        else:
            base[key] = value
    return {"data": traces, "layout": base}


def bar(title: str, labels: list[str], values: list[float], *, y_title: str = "", color: str = BRAND,
        target: float | None = None, target_label: str = "") -> Spec:
    spec = figure(title, [{"type": "bar", "x": labels, "y": values, "marker": {"color": color},
                           "text": [_fmt(v) for v in values], "textposition": "outside", "cliponaxis": False}],
                  y_title=y_title)
    if target is not None:
        add_hline(spec, target, target_label)
    return spec


def grouped_bar(title: str, labels: list[str], series: dict[str, list[float]], *, y_title: str = "",
                stacked: bool = False) -> Spec:
    traces = [{"type": "bar", "name": name, "x": labels, "y": values, "marker": {"color": PALETTE[i % len(PALETTE)]}}
              for i, (name, values) in enumerate(series.items())]
    return figure(title, traces, y_title=y_title, barmode="stack" if stacked else "group")


def count_and_index(title: str, labels: list[str], counts: dict[str, list[int]], index: list[float | None],
                    index_name: str = "Chỉ số hài lòng (%)", y_title: str = "") -> Spec:
    """Bars of counts per period with a satisfaction index (0–100) as a line on the right-hand axis."""
    spec = grouped_bar(title, labels, counts, y_title=y_title)
    spec["data"].append({"type": "scatter", "mode": "lines+markers", "name": index_name, "x": labels, "y": index,
                         "yaxis": "y2", "line": {"color": BRAND}, "marker": {"color": BRAND}})
    spec["layout"]["yaxis2"] = {"overlaying": "y", "side": "right", "range": [0, 100], "dtick": 20,
                                "title": {"text": "%"}, "showgrid": False}
    return spec


def share_bars(title: str, labels: list[str], shares: list[float | None], counts: list[int]) -> Spec:
    """Horizontal bars of a percentage per category (long Vietnamese labels stay readable), n in the hover."""
    trace = {"type": "bar", "orientation": "h", "y": labels, "x": [s or 0 for s in shares],
             "marker": {"color": BRAND}, "text": [_fmt(s, 1) for s in shares], "textposition": "outside",
             "cliponaxis": False, "customdata": counts,
             "hovertemplate": "%{y}: %{x:.1f}% (%{customdata} ý kiến)<extra></extra>"}
    return figure(title, [trace], xaxis={"range": [0, 105], "title": {"text": "%"}},
                  yaxis={"autorange": "reversed", "automargin": True}, height=max(260, 60 + 34 * len(labels)))


def points_chart(title: str, labels: list[str], points: list[float], maxima: list[float]) -> Spec:
    """Points against their maximum per criterion or item."""
    return figure(title, [
        {"type": "bar", "name": "Điểm chuẩn", "x": labels, "y": maxima, "marker": {"color": "#e5e7eb"}},
        {"type": "bar", "name": "Điểm đạt", "x": labels, "y": points, "marker": {"color": BRAND},
         "text": [_fmt(p) for p in points], "textposition": "outside", "cliponaxis": False},
    ], y_title="Điểm", barmode="overlay")


def add_hline(spec: Spec, y: float, label: str = "") -> Spec:
    spec["layout"].setdefault("shapes", []).append({"type": "line", "xref": "paper", "x0": 0, "x1": 1, "y0": y,
                                                    "y1": y, "line": {"dash": "dash", "color": GREY}})
    if label:
        spec["layout"].setdefault("annotations", []).append({"xref": "paper", "x": 1, "y": y, "text": label,
                                                             "showarrow": False, "xanchor": "right",
                                                             "yanchor": "bottom"})
    return spec


def embeddable_json(spec: Spec) -> str:
    """The spec as JSON safe inside an HTML ``<script>`` element: ``<``, ``>`` and ``&`` become \\u escapes, so a
    name someone typed (a centre, an officer) can never close the element."""
    return (json.dumps(spec, ensure_ascii=False, separators=(",", ":"))
            .replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


class Renderer:
    """Renders specs to PNG with one browser for many figures; use as a context manager."""

    def __init__(self) -> None:
        self.available = True
        self.problem = ""
        self._started = False

    def __enter__(self) -> Renderer:
        try:
            import kaleido
            from choreographer.browsers.chromium import Chromium

            # without a browser kaleido's server thread dies at its start and every figure then waits for it
            # forever (a dossier export hung that way on a machine without Chromium): look for one first
            if Chromium.find_browser(skip_local=False) is None:
                self.available, self.problem = False, "Không tìm thấy trình duyệt Chromium để vẽ biểu đồ"
                return self
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

    def png(self, spec: Spec, width: int = 900, height: int = 450) -> bytes | None:
        """PNG bytes, or None when the renderer is not available (``problem`` says why)."""
        if not self.available:
            return None
        import plotly.io as pio

        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # Kaleido warns that per-call options are ignored with a server
                return pio.to_image(spec, format="png", width=width, height=height, scale=1)
        except Exception as exc:  # a browser that died mid-way: stop trying, keep building the documents
            self.available, self.problem = False, f"{type(exc).__name__}: {exc}"
            return None
