"""The figures' house style: colours, fonts, the base layout, and the projector scaling.

Every figure is drawn by `st.plotly_chart(theme="streamlit")`, which colours the fonts, the
axes and the grid for the page's light or dark theme: our layouts leave those alone, keep the
paper and the plot area transparent (the page shows through) and use only colours that read
on a white and on a dark page (mid tones; the pale landscape palette is drawn as in the light
theme, as the map component does).
"""

from __future__ import annotations

from collections.abc import Sequence

from app.figures.data import Spec, f32

# Okabe–Ito colours (colour-blind safe, saturated enough for a projector), one per optimizer.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
OPTIMIZER_COLOURS = {
    "gd": "#0072B2",
    "momentum": "#D55E00",
    "nesterov": "#E69F00",
    "adagrad": "#009E73",
    "rmsprop": "#56B4E9",
    "adam": "#CC79A7",
    "adamw": "#882255",
    "nadam": "#117733",
    "newton": "#000000",
}
# Pale slate from valley (white) to ridge, so the saturated paths stand out on it.
LANDSCAPE_SCALE = [[0.0, "#ffffff"], [0.35, "#dfe7ef"], [0.7, "#a9b9cb"], [1.0, "#6d7f95"]]
FONT = {"family": "Inter, Segoe UI, Helvetica, Arial, sans-serif", "size": 14}
TRANSPARENT = "rgba(0,0,0,0)"
NEUTRAL = "#8c96a3"  # thin lines and outlines that read on white and on the dark page
INK = "#64748b"  # a strong neutral line (slate): 4.8:1 on white, 3.8:1 on the dark page


def colours_for(names: Sequence[str]) -> list[str]:
    """One colour per racer: the optimizer's own colour, or an unused one for repeats."""
    used: list[str] = []
    for name in names:
        colour = OPTIMIZER_COLOURS.get(name, PALETTE[0])
        if colour in used:
            colour = next(c for c in (*PALETTE, *OPTIMIZER_COLOURS.values()) if c not in used)
        used.append(colour)
    return used


def base_layout(**extra) -> Spec:
    """The layout every figure starts from: the house font, transparent paper and plot area
    (the page's theme shows through), a horizontal legend above the plot."""
    layout = {
        "font": FONT,
        "margin": {"l": 10, "r": 10, "t": 40, "b": 10},
        "paper_bgcolor": TRANSPARENT,
        "plot_bgcolor": TRANSPARENT,
        "legend": {"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0, "font": FONT},
    }
    layout.update(extra)
    return layout


def line_trace(x, y, name: str, colour: str, width: float = 2.5, **extra) -> Spec:
    """A plain line (float32 data, no hover of its own); `extra`: axes, showlegend, …"""
    return {
        "type": "scatter",
        "mode": "lines",
        "x": f32(x),
        "y": f32(y),
        "name": name,
        "line": {"color": colour, "width": width},
        "hoverinfo": "skip",
        **extra,
    }


def tint(hex_colour: str, alpha: float) -> str:
    """'#rrggbb' as 'rgba(r,g,b,alpha)'."""
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


PROJECTOR_SCALE = 1.3
_TEXT_KEYS = frozenset({"font", "textfont", "tickfont", "insidetextfont", "outsidetextfont"})
_SPACING_KEYS = frozenset({"margin", "pad"})


def for_projector(spec: Spec, factor: float = PROJECTOR_SCALE) -> Spec:
    """The figure for presentation mode: every font size, margin and control padding × factor,
    and the height × factor too — except for equal-aspect maps, whose plot area is set by the
    column's width: they grow by what their top and bottom margins grew. Only the layout and
    the traces' text styles are copied; data and frames are shared."""
    layout = _scaled(spec.get("layout", {}), factor)
    font = layout.setdefault("font", {})
    font.setdefault("size", round(12 * factor, 1))  # Plotly's default, scaled
    old, new = spec.get("layout", {}).get("margin", {}), layout.get("margin", {})
    if "height" in layout:
        equal_aspect = any(k.startswith("yaxis") and "scaleanchor" in v for k, v in layout.items())
        grown = sum(new.get(side, 0) - old.get(side, 0) for side in ("t", "b"))
        height = layout["height"]
        layout["height"] = round(height + grown if equal_aspect else height * factor)
    data = [
        {**t, **{k: _scaled(t[k], factor, k) for k in _TEXT_KEYS & t.keys()}}
        for t in spec.get("data", [])
    ]
    return {**spec, "layout": layout, "data": data}


def _scaled(node, factor: float, parent: str = ""):
    """A copy of a layout (sub)tree with sizes under text keys and sides under margin/pad keys
    multiplied by `factor`."""
    if isinstance(node, dict):
        return {k: _scaled_item(k, v, factor, parent) for k, v in node.items()}
    if isinstance(node, list):
        return [_scaled(v, factor, parent) for v in node]
    return node


def _scaled_item(key: str, value, factor: float, parent: str):
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if number and (
        (parent in _TEXT_KEYS and key == "size")
        or (parent in _SPACING_KEYS and key in ("l", "r", "t", "b"))
    ):
        return round(value * factor, 1)
    if isinstance(value, list) and parent in _TEXT_KEYS and key == "size":
        return [round(v * factor, 1) for v in value]  # per-point text sizes
    return _scaled(value, factor, key)
