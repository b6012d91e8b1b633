"""The theory's rate strip as self-contained HTML + inline SVG (no Plotly, no JS).

A log number line of learning rates from `low` to `high`: where gradient descent is stable
near the minimum (lr·λ_max < 2, a green band) or not (orange), the limit 2/λ_max, the best
fixed rate 2/(λ_min + λ_max), each racer's rate as a marker in its colour AND shape (the
map's marker for that racer) and a racer's own limit (momentum, Nesterov, weight decay,
Newton) as a dotted rule in its colour. NaN limits (adaptive methods) draw nothing.

Labels have a fixed pixel size while the strip stretches (width 100 %), so they are placed
for the narrowest strip (`MIN_WIDTH` px): each grows right of its rate or, where that would
leave the strip, left; labels that would overlap stack in lanes (first fit). A wider strip only
moves them apart. Text is currentColor and colours are mixed with it, so the strip reads in
light and dark themes; `present` scales it for a projector. No Streamlit here (pure).

Draw it with `st.markdown(html, unsafe_allow_html=True)`: Streamlit 1.67's `st.html` sanitizer
removes inline <svg> (bands, rules and markers vanish; checked in Chromium).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from app.components.map.payload import MARKERS
from app.figures.ticks import power_label
from optimizers.numbers import num

MIN_WIDTH = 280  # px: the narrowest plot area labels are placed for (a phone's column)
FONT = 13  # px, × PRESENT_SCALE in present mode
PRESENT_SCALE = 1.3
CHAR = 0.62  # a character's width in em, generous for digits and capitals
MARKER = 14  # px, a racer's marker (× scale)
GAP = 6  # px between two labels in a lane
LABEL_GAP = 4  # px between a plain label and its rate
LANE = 1.7  # lane height in em
STABLE, UNSTABLE, BEST = "#009E73", "#D55E00", "#009E73"
SHAPES = {  # in a 0…14 box, the map's marker kinds (app/components/map/map.js drawMarker)
    "circle": "<circle cx='7' cy='7' r='5.6'/>",
    "square": "<rect x='1.8' y='1.8' width='10.4' height='10.4'/>",
    "triangle": "<path d='M7 1 L13 11.5 L1 11.5 Z'/>",
    "down": "<path d='M7 13 L13 2.5 L1 2.5 Z'/>",
    "diamond": "<path d='M7 0.5 L13 7 L7 13.5 L1 7 Z'/>",
    "star": "<path d='M7 0.3 L8.6 5 L13.4 5 L9.6 8 L11 12.9 L7 10 L3 12.9 L4.4 8 L0.6 5 L5.4 5Z'/>",
}


@dataclass(frozen=True)
class Label:
    """A label at `at` (0 … 1 along the strip), with a racer's marker when `marker` is set."""

    at: float
    text: str
    kind: str  # "region", "limit", "best" or "racer"
    colour: str
    prefer_left: bool = False
    marker: str = ""
    title: str = ""


def fraction(lr: float, low: float, high: float) -> float:
    """Where lr sits on the log axis from low (0) to high (1), clipped to the strip."""
    return min(max(math.log10(lr / low) / math.log10(high / low), 0.0), 1.0)


def tinted(colour: str, share: int = 70) -> str:
    """A colour mixed with the text colour: darker on a light theme, lighter on a dark one."""
    return f"color-mix(in srgb, {colour} {share}%, currentColor)"


def label_width(label: Label, scale: float) -> float:
    """Estimated width of a label in px (text + the marker and its gap)."""
    text = len(label.text) * CHAR * FONT * scale
    return text + ((MARKER + 4) * scale if label.marker else 0.0)


def place(labels: Sequence[Label], scale: float = 1.0) -> list[tuple[int, bool]]:
    """(lane, grows left) per label, in px on a MIN_WIDTH strip: the first lane where one of
    its sides (the preferred one first) stays inside the strip and overlaps no label placed
    before it."""
    lanes: list[list[tuple[float, float]]] = []
    out = []
    for label in labels:
        w, x = label_width(label, scale), label.at * MIN_WIDTH
        pad = _pad(label, scale)
        sides = {True: (x + pad - w, x + pad), False: (x - pad, x - pad + w)}
        inside = [
            s
            for s in (label.prefer_left, not label.prefer_left)
            if _inside(sides[s], max(pad, 0.0))
        ]
        fits = inside or [x > MIN_WIDTH / 2]  # too wide either way: towards the middle
        lane, left = next(
            ((i, s) for i, used in enumerate(lanes) for s in fits if _free(sides[s], used)),
            (len(lanes), fits[0]),
        )
        if lane == len(lanes):
            lanes.append([])
        lanes[lane].append(sides[left])
        out.append((lane, left))
    return out


def _pad(label: Label, scale: float) -> float:
    """How far a label reaches back over its x: a marker's half (centred on x), or −LABEL_GAP
    (plain text keeps clear of the rule at x)."""
    return MARKER * scale / 2 if label.marker else -LABEL_GAP * scale


def _inside(span: tuple[float, float], slack: float) -> bool:
    """Inside the strip, a marker's half allowed over its edge (into the strip's inset)."""
    return span[0] >= -slack and span[1] <= MIN_WIDTH + slack


def _free(span: tuple[float, float], used: list[tuple[float, float]]) -> bool:
    return all(span[1] + GAP <= a or b + GAP <= span[0] for a, b in used)


def rate_strip_labels(
    lr_max_stable: float, lr_best: float, rates: Sequence[tuple], low: float, high: float
) -> tuple[list[Label], list[tuple[float, str, str, str]]]:
    """The strip's labels and its rules (at, colour, dash, title), as rate_line_figure has."""
    at = lambda v: fraction(v, low, high)  # noqa: E731
    inside = lambda v: math.isfinite(v) and low <= v <= high  # noqa: E731
    labels, rules = [], []
    stable = lr_max_stable
    if math.isfinite(stable):
        if stable > low:
            labels.append(Label(0.0, "GD stable", "region", STABLE))
        if stable < high:
            labels.append(Label(1.0, "GD diverges", "region", UNSTABLE, prefer_left=True))
        if inside(stable):
            text = f"2/λ_max = {num(stable)}"
            labels.append(Label(at(stable), text, "limit", UNSTABLE, prefer_left=True))
            rules.append((at(stable), UNSTABLE, "6 4", text))
    if inside(lr_best):
        text = f"best {num(lr_best)}"
        labels.append(Label(at(lr_best), text, "best", BEST))
        rules.append(
            (at(lr_best), BEST, "6 4", f"best fixed rate 2/(λ_min + λ_max) = {num(lr_best)}")
        )
    for label, _lr, colour, limit in rates:
        if inside(limit) and not math.isclose(limit, stable, rel_tol=1e-9):
            rules.append((at(limit), colour, "2 3", f"{label}: stable below {num(limit)}"))
    for i, (label, lr, colour, limit) in enumerate(rates):
        own = f", stable below {num(limit)}" if math.isfinite(limit) else ""
        shape = MARKERS[i % len(MARKERS)]
        title = f"{label}: lr = {num(lr)} ({shape}{own})"
        labels.append(Label(at(lr), num(lr), "racer", colour, marker=shape, title=title))
    return labels, rules


def describe(lr_max_stable: float, lr_best: float, rates: Sequence[tuple], low, high) -> str:
    """The strip in words, for screen readers."""
    parts = [f"Learning rates on a log scale from {num(low)} to {num(high)}."]
    if math.isfinite(lr_max_stable):
        parts.append(f"Gradient descent is stable below 2/λ_max = {num(lr_max_stable)}.")
    else:
        parts.append("No curvature limit for gradient descent here.")
    if math.isfinite(lr_best):
        parts.append(f"Best fixed rate {num(lr_best)}.")
    labels, _ = rate_strip_labels(lr_max_stable, lr_best, rates, low, high)
    parts += [f"{lab.title}." for lab in labels if lab.kind == "racer"]
    return " ".join(parts)


def _marker(shape: str, colour: str, size: float) -> str:
    return (
        f"<svg width='{size:g}' height='{size:g}' viewBox='0 0 14 14' aria-hidden='true' "
        f"style='flex:none;overflow:visible' fill='{escape(colour)}' stroke='currentColor' "
        f"stroke-width='0.9'>{SHAPES[shape]}</svg>"
    )


def _label_html(label: Label, lane: int, left: bool, scale: float) -> str:
    pct = f"{label.at * 100:.3f}%"
    pad = f"{_pad(label, scale):g}px"
    side = (
        f"right:calc({100 - label.at * 100:.3f}% - {pad})" if left else f"left:calc({pct} - {pad})"
    )
    colour = "currentColor" if label.kind == "racer" else tinted(label.colour)
    weight = "600" if label.kind == "racer" else "500"
    marker = _marker(label.marker, label.colour, MARKER * scale) if label.marker else ""
    title = f" title='{escape(label.title)}'" if label.title else ""
    return (
        f"<span class='dl-rs-label' data-kind='{label.kind}'{title} style='position:absolute;"
        f"top:{0.25 + lane * LANE:.2f}em;{side};display:flex;align-items:center;"
        f"gap:{4 * scale:g}px;flex-direction:{'row-reverse' if left else 'row'};"
        "white-space:nowrap;line-height:1.2;"
        f"color:{colour};font-weight:{weight}'>{marker}<span>{escape(label.text)}</span></span>"
    )


def _bands_and_rules(lr_max_stable: float, rules, low: float, high: float) -> str:
    """The stable / unstable bands and the vertical rules, stretched over the plot area."""
    shapes = []
    if math.isfinite(lr_max_stable):
        split = 1000 * fraction(lr_max_stable, low, high)
        if split > 0:
            shapes.append(
                f"<rect x='0' y='0' width='{split:.2f}' height='1' fill='{STABLE}' "
                "fill-opacity='0.2'/>"
            )
        if split < 1000:
            shapes.append(
                f"<rect x='{split:.2f}' y='0' width='{1000 - split:.2f}' height='1' "
                f"fill='{UNSTABLE}' fill-opacity='0.2'/>"
            )
    for at, colour, dash, title in rules:
        x = f"{1000 * at:.2f}"
        shapes.append(
            f"<line x1='{x}' x2='{x}' y1='0' y2='1' stroke='{escape(colour)}' stroke-width='2.5' "
            f"stroke-dasharray='{dash}' vector-effect='non-scaling-stroke'>"
            f"<title>{escape(title)}</title></line>"
        )
    return (
        "<svg viewBox='0 0 1000 1' preserveAspectRatio='none' aria-hidden='true' "
        "style='position:absolute;left:0;top:0;width:100%;height:100%;overflow:visible'>"
        + "".join(shapes)
        + "</svg>"
    )


def _axis(low: float, high: float, scale: float) -> str:
    """Decade ticks 10⁻⁴ … 10 under the strip, and the axis title."""
    e0, e1 = math.ceil(math.log10(low) - 1e-9), math.floor(math.log10(high) + 1e-9)
    ticks = []
    for e in range(e0, e1 + 1):
        pct = f"{fraction(10.0**e, low, high) * 100:.3f}%"
        ticks.append(
            f"<span class='dl-rs-tick' style='position:absolute;left:{pct};top:0;width:1px;"
            f"height:{5 * scale:g}px;background:currentColor'></span>"
            f"<span class='dl-rs-ticklabel' style='position:absolute;left:{pct};"
            f"top:{7 * scale:g}px;transform:translateX(-50%);white-space:nowrap'>"
            f"{power_label(e)}</span>"
        )
    return (
        "<div style='position:relative;height:2.1em;border-top:1px solid currentColor'>"
        + "".join(ticks)
        + "</div><div class='dl-rs-title' style='text-align:center;opacity:0.8'>"
        "learning rate (log scale)</div>"
    )


def rate_strip_html(
    lr_max_stable: float,
    lr_best: float,
    rates: Sequence[tuple[str, float, str, float]],
    low: float,
    high: float,
    present: bool = False,
) -> str:
    """The strip as one HTML fragment (for `st.html`): bands, rules, stacked labels, the log
    axis and an aria-label saying it all. rates: (label, lr, colour, own limit or NaN)."""
    scale = PRESENT_SCALE if present else 1.0
    labels, rules = rate_strip_labels(lr_max_stable, lr_best, rates, low, high)
    spots = place(labels, scale)
    lanes = 1 + max((lane for lane, _ in spots), default=0)
    body = "".join(
        _label_html(lab, lane, left, scale) for lab, (lane, left) in zip(labels, spots, strict=True)
    )
    text = describe(lr_max_stable, lr_best, rates, low, high)
    inset = f"{1.4 * FONT * scale:g}px"  # room for the centred end ticks 10⁻⁴ and 10
    return (
        f"<div class='dl-rate-strip' role='img' aria-label='{escape(text)}' "
        f"style='font-size:{FONT * scale:g}px;padding:0 {inset};margin:0.2em 0 0.6em 0;"
        "font-family:inherit;color:inherit;min-width:0'>"
        f"<div class='dl-rs-plot' style='position:relative;height:{0.5 + lanes * LANE:.2f}em'>"
        + _bands_and_rules(lr_max_stable, rules, low, high)
        + body
        + "</div>"
        + _axis(low, high, scale)
        + "</div>"
    )
