"""Figures of several panels: the grid of axes and a title above each panel."""

from __future__ import annotations

from app.figures.data import Spec


def axis_names(i: int) -> tuple[str, str, str]:
    """('x3', 'y3', '3') for panel i = 2 (the first panel is plain 'x', 'y')."""
    suffix = "" if i == 0 else str(i + 1)
    return f"x{suffix}", f"y{suffix}", suffix


def grid_domains(n: int, cols: int, gap: float = 0.04, vgap: float = 0.1):
    """(x-domain, y-domain) of each of n panels in a grid of `cols` columns, row by row."""
    rows = -(-n // cols)
    width = (1 - gap * (cols - 1)) / cols
    height = (1 - vgap * (rows - 1)) / rows
    for i in range(n):
        r, c = divmod(i, cols)
        x0 = c * (width + gap)
        y1 = 1 - r * (height + vgap)
        yield [max(x0, 0.0), min(x0 + width, 1.0)], [max(y1 - height, 0.0), min(y1, 1.0)]


def panel_title(text: str, x_domain, top: float, colour: str, size: int) -> Spec:
    """A title centred above one panel of a multi-panel figure (paper coordinates), keyed by a
    ■ in `colour`; the words take the theme's text colour, readable on a light and a dark page
    (coloured words are not: most of the palette is < 4.5:1 on one of them)."""
    return {
        "text": f'<span style="color:{colour}">■</span> {text}',
        "x": (x_domain[0] + x_domain[1]) / 2,
        "y": top,
        "xref": "paper",
        "yref": "paper",
        "xanchor": "center",  # "auto" would left-align titles in the left third, etc.
        "yanchor": "bottom",
        "showarrow": False,
        "font": {"size": size},
    }
