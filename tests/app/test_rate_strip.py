"""The theory's rate strip as HTML + SVG (app/figures/rate_strip.py): what it draws."""

from __future__ import annotations

import math
import re
from html.parser import HTMLParser

import pytest

from app.components.map.payload import MARKERS
from app.figures.rate_strip import (
    MIN_WIDTH,
    SHAPES,
    label_width,
    place,
    rate_strip_html,
    rate_strip_labels,
)
from app.narration import racer_limit
from optimizers.stability import analyze
from surfaces import make_surface

LOW, HIGH = 1e-4, 10.0
NAN = float("nan")


class Elements(HTMLParser):
    """Every start tag as (tag, attributes) and every text node, in order."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        if data.strip():
            self.text.append(data.strip())

    def with_class(self, name: str) -> list[dict]:
        return [a for _, a in self.tags if name in a.get("class", "").split()]


def ravine_rates(*racers: tuple[str, str, float, dict]):
    stab = analyze(make_surface("ravine"), (0.0, 0.0))
    rates = [
        (label, lr, "#0072B2", racer_limit(opt, hyper, stab)) for label, opt, lr, hyper in racers
    ]
    return stab, rates


def test_ravine_marks_two_over_lambda_and_the_best_rate():
    stab, rates = ravine_rates(("GD", "gd", 0.4, {}))
    assert stab.lr_max_stable == pytest.approx(0.5)  # λ_max = 4
    html = rate_strip_html(stab.lr_max_stable, stab.lr_best, rates, LOW, HIGH)
    page = Elements(html)
    assert "2/λ_max = 0.5" in page.text and "best 0.476" in page.text
    assert "GD stable" in page.text and "GD diverges" in page.text
    assert [a["data-kind"] for a in page.with_class("dl-rs-label")].count("racer") == 1
    # the axis: one tick per decade, labelled with superscripts, never bare mantissas
    assert [t for t in page.text if t.startswith("10") or t == "1"][-6:] == [
        "10⁻⁴", "10⁻³", "10⁻²", "10⁻¹", "1", "10"
    ]  # fmt: skip
    assert len(page.with_class("dl-rs-tick")) == 6
    # the bands split at 2/λ_max: log10(0.5/1e-4)/5 of the width is stable
    split = 1000 * math.log10(0.5 / LOW) / 5
    rects = [a for t, a in page.tags if t == "rect" and a.get("fill-opacity")]
    assert [float(r["width"]) for r in rects] == pytest.approx([split, 1000 - split], abs=0.01)
    assert "stable below 2/λ_max = 0.5" in re.search(r"aria-label='([^']*)'", html).group(1)


def test_each_racer_has_its_maps_marker_and_its_own_limit():
    stab, rates = ravine_rates(
        ("GD", "gd", 0.4, {}), ("HB", "momentum", 0.6, {"momentum": 0.5}), ("Adam", "adam", 0.1, {})
    )
    html = rate_strip_html(stab.lr_max_stable, stab.lr_best, rates, LOW, HIGH)
    page = Elements(html)
    racers = [a for a in page.with_class("dl-rs-label") if a["data-kind"] == "racer"]
    assert [r["title"] for r in racers] == [
        "GD: lr = 0.4 (circle, stable below 0.5)",
        "HB: lr = 0.6 (square, stable below 0.75)",  # heavy ball: 2(1 + μ)/λ_max
        "Adam: lr = 0.1 (triangle)",  # adaptive: no limit, no "nan"
    ]
    dotted = [a for t, a in page.tags if t == "line" and a["stroke-dasharray"] == "2 3"]
    assert len(dotted) == 1  # HB's own 0.75; GD's equals 2/λ_max, Adam has none
    assert float(dotted[0]["x1"]) == pytest.approx(1000 * math.log10(0.75 / LOW) / 5, abs=0.01)
    assert "nan" not in html.lower() and "undefined" not in html and "None" not in html


def test_six_racers_all_drawn_distinct_and_in_separate_spans():
    stab, _ = ravine_rates()
    rates = [(f"R{i}", 0.1 * (i + 1), f"#00000{i}", NAN) for i in range(6)]
    html = rate_strip_html(stab.lr_max_stable, stab.lr_best, rates, LOW, HIGH)
    page = Elements(html)
    svgs = [a for t, a in page.tags if t == "svg" and a.get("viewbox") == "0 0 14 14"]
    assert [s["fill"] for s in svgs] == [f"#00000{i}" for i in range(6)]
    drawn = [re.search(r"viewBox='0 0 14 14'[^>]*>(<[^>]*>)</svg>", part).group(1)
             for part in html.split("dl-rs-label' data-kind='racer'")[1:]]  # fmt: skip
    assert drawn == [SHAPES[m] for m in MARKERS] and len(set(drawn)) == 6
    for i in range(6):
        assert f"R{i}: lr = {['0.1', '0.2', '0.3', '0.4', '0.5', '0.6'][i]} ({MARKERS[i]})" in html


def test_no_two_labels_overlap_on_the_narrowest_strip():
    stab, _ = ravine_rates()
    rates = [(f"R{i}", 0.4 + 0.01 * i, "#000", NAN) for i in range(6)] + [("far", 9.9, "#000", NAN)]
    for scale in (1.0, 1.3):
        labels, _ = rate_strip_labels(stab.lr_max_stable, stab.lr_best, rates, LOW, HIGH)
        spots = place(labels, scale)
        boxes = []
        for label, (lane, left) in zip(labels, spots, strict=True):
            w, x = label_width(label, scale), label.at * MIN_WIDTH
            pad = 7 * scale if label.marker else -4 * scale  # marker centred / text clear of x
            box = (x + pad - w, x + pad) if left else (x - pad, x - pad + w)
            assert -max(pad, 0) <= box[0] and box[1] <= MIN_WIDTH + max(pad, 0), (
                label
            )  # inside (its inset)
            for other_lane, other in boxes:
                assert other_lane != lane or box[1] <= other[0] or other[1] <= box[0]
            boxes.append((lane, box))


def test_no_curvature_limit_draws_no_band_and_no_number():
    html = rate_strip_html(math.inf, NAN, [("GD", 0.4, "#000", math.inf)], LOW, HIGH)
    page = Elements(html)
    assert not [a for t, a in page.tags if t in ("rect", "line")]
    assert "∞" not in html and "nan" not in html.lower()
    assert "No curvature limit for gradient descent here." in html


def test_present_mode_scales_the_text_and_labels_are_escaped():
    rates = [("<b>x</b>", 0.4, "#000", NAN)]
    normal, present = (rate_strip_html(0.5, 0.476, rates, LOW, HIGH, p) for p in (False, True))
    assert "font-size:13px" in normal and "font-size:16.9px" in present
    assert "<b>" not in normal and "&lt;b&gt;" in normal
