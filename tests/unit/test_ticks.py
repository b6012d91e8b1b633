"""Log-axis tick labels (app/figures/ticks.py): 10⁻³, 10⁻², … accepted by Plotly."""

from __future__ import annotations

import math

import plotly.graph_objects as go
import pytest

from app.figures.ticks import log_ticks, power_label


def test_power_labels_use_unicode_superscripts():
    assert power_label(-3) == "10⁻³"
    assert power_label(-12) == "10⁻¹²"
    assert power_label(4) == "10⁴"
    assert power_label(-3, 2) == "2×10⁻³"
    assert [power_label(0), power_label(1), power_label(0, 5), power_label(1, 2)] == [
        "1",
        "10",
        "5",
        "20",
    ]


def test_decades_of_a_sweep():
    ticks = log_ticks([1e-4, 10])
    assert ticks["ticktext"] == ["10⁻⁴", "10⁻³", "10⁻²", "10⁻¹", "1", "10"]
    assert ticks["tickvals"] == pytest.approx([1e-4, 1e-3, 1e-2, 0.1, 1, 10])


def test_a_short_range_gets_2_and_5_with_their_power():
    ticks = log_ticks([0.02, 0.09])
    assert ticks["ticktext"] == ["10⁻²", "2×10⁻²", "5×10⁻²", "10⁻¹"]
    assert ticks["tickvals"] == pytest.approx([0.01, 0.02, 0.05, 0.1])


def test_a_wide_range_is_thinned_to_at_most_eight_labels():
    ticks = log_ticks([1e-16, 1e3])
    assert len(ticks["tickvals"]) <= 8
    assert ticks["ticktext"][0] == "10⁻¹⁶"
    steps = {
        round(math.log10(b / a))
        for a, b in zip(ticks["tickvals"], ticks["tickvals"][1:], strict=False)
    }
    assert steps == {3}


def test_nothing_to_show_gives_one_decade_and_ignores_bad_values():
    assert log_ticks([])["ticktext"] == ["1", "2", "5", "10"]
    assert log_ticks([float("nan"), -1.0, 0.0, float("inf")]) == log_ticks([])


def test_plotly_accepts_the_ticks_on_a_log_axis():
    fig = go.Figure(
        {
            "data": [{"type": "scatter", "x": [1e-4, 1.0], "y": [1, 2]}],
            "layout": {"xaxis": {"type": "log", **log_ticks([1e-4, 1.0])}},
        }
    )
    assert fig.layout.xaxis.ticktext[0] == "10⁻⁴"
    assert fig.layout.xaxis.tickmode == "array"
