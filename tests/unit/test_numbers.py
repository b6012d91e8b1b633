"""The one number formatter: 3 significant digits, ×10ⁿ, a real minus, no nan/inf text."""

from __future__ import annotations

import pytest

from optimizers.numbers import count, num, plural, point


@pytest.mark.parametrize(
    "value, text",
    [
        (0.0, "0"),
        (-0.0, "0"),
        (1.0, "1"),
        (0.5, "0.5"),
        (-2.5, "−2.5"),
        (3.14159, "3.14"),
        (0.0123456, "0.0123"),
        (0.001, "0.001"),
        (999.7, "1 000"),
        (1234.5, "1 230"),
        (12345.0, "12 300"),
        (99999.6, "1 × 10⁵"),
        (123456.0, "1.23 × 10⁵"),
        (0.000999, "9.99 × 10⁻⁴"),
        (-5.7e-5, "−5.7 × 10⁻⁵"),
        (8.3543515e173, "8.35 × 10¹⁷³"),  # exp(400x)'s λ_max: once 174 digits long
        (float("inf"), "∞"),
        (float("-inf"), "−∞"),
        (float("nan"), "undefined"),
    ],
)
def test_num(value, text):
    assert num(value) == text


def test_noise_relative_to_scale():
    assert num(2.22e-16, scale=1.0) == "0"
    assert num(2.22e-16) == "2.22 × 10⁻¹⁶"  # without a scale nothing is noise
    assert num(1e-4, scale=1.0) == "1 × 10⁻⁴"
    assert point((-1.3064, -6.23e-16)) == "(−1.31, 0)"
    assert point((7.5e-20, 7.5e-20), scale=6.0) == "(0, 0)"
    assert point((float("nan"), 1.0)) == "(undefined, 1)"


def test_counts():
    assert count(1000) == "1 000" and count(-12345) == "−12 345"
    assert plural(1, "step") == "1 step" and plural(1000, "step") == "1 000 steps"
