"""The learning-rate lab (optimizers/lab*.py): every experiment against facts worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from optimizers.lab_grid import DEFAULT_LRS, decade_grid, parse_lr_grid
from optimizers.lab_range import (
    explain_disagreement,
    exponential_rates,
    lr_range_test,
    smooth_loss,
)
from optimizers.rules import gd
from surfaces import make_surface


@pytest.fixture(scope="module")
def ravine():
    """d2l's f = 0.1x² + 2y²: Hessian diag(0.2, 4), λ_max = 4, GD stable iff lr < 0.5."""
    return make_surface("ravine")


# ----------------------------------------------------------------------------- grids


def test_default_grid_is_the_decades_from_10_down_to_1e_4():
    np.testing.assert_allclose(DEFAULT_LRS, [10, 1, 0.1, 0.01, 1e-3, 1e-4])


def test_one_three_grid():
    np.testing.assert_allclose(decade_grid(1, 1e-3, (1, 3)), [1, 0.3, 0.1, 0.03, 0.01, 3e-3, 1e-3])


def test_parse_lr_grid_accepts_commas_and_spaces_sorted_descending():
    np.testing.assert_allclose(parse_lr_grid("0.1, 1  0.3,1e-3"), [1, 0.3, 0.1, 1e-3])
    np.testing.assert_allclose(parse_lr_grid("0.5,0.5"), [0.5])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "at least one"),
        ("1, abc", "'abc' is not a number"),
        ("0", "between"),
        ("-0.1", "between"),
        ("nan", "between"),
        ("1e9", "between"),
        ("__import__('os')", "not a number"),
        (", ".join(["0.1"] * 100), "at most"),
    ],
)
def test_parse_lr_grid_errors_say_what_is_wrong(text, message):
    with pytest.raises(ValueError, match=message):
        parse_lr_grid(text)


# ----------------------------------------------------------------------------- range test


def fastai_valley(lrs, losses):
    """fastai's `valley`, transcribed loop for loop (the reference for ours)."""
    n = len(losses)
    max_start, max_end = 0, 0
    lds = [1] * n
    for i in range(1, n):
        for j in range(0, i):
            if (losses[i] < losses[j]) and (lds[i] < lds[j] + 1):
                lds[i] = lds[j] + 1
            if lds[max_end] < lds[i]:
                max_end = i
                max_start = max_end - lds[max_end]
    sections = (max_end - max_start) / 3
    idx = max_start + int(sections) + int(sections / 2)
    return float(lrs[idx])


def hand_range_test(lr_min, lr_max, steps, start, beta=0.98, factor=4.0):
    """The range test on f = 0.1x² + 2y² with plain loops: (lrs, losses, smoothed) recorded."""
    x, y = start
    lrs, losses, smoothed = [], [], []
    avg, best = 0.0, math.inf
    for t in range(steps):
        lr = lr_min * (lr_max / lr_min) ** (t / (steps - 1))
        loss = 0.1 * x * x + 2 * y * y  # recorded before the step that uses lr (fastai)
        avg = beta * avg + (1 - beta) * loss
        s = avg / (1 - beta ** (t + 1))
        lrs.append(lr)
        losses.append(loss)
        smoothed.append(s)
        best = min(best, s)
        if s > factor * best:
            break
        x, y = x - lr * 0.2 * x, y - lr * 4 * y
    return np.array(lrs), np.array(losses), np.array(smoothed)


def test_range_test_matches_a_hand_computed_run(ravine):
    steps = 60
    result = lr_range_test(ravine, gd(), (-5.0, -2.0), lr_min=1e-3, lr_max=10.0, steps=steps)
    lrs, losses, smoothed = hand_range_test(1e-3, 10.0, steps, (-5.0, -2.0))
    assert result.stop_reason.startswith("loss above 4")
    assert result.stopped_at == len(lrs) - 1 < steps - 1
    np.testing.assert_allclose(result.lrs, lrs, rtol=1e-12)
    np.testing.assert_allclose(result.loss, losses, rtol=1e-10)
    np.testing.assert_allclose(result.smoothed, smoothed, rtol=1e-10)
    # fastai lr_find: suggestions on recorder[num_it//10 : -5]
    cut_lrs, cut = lrs[steps // 10 : -5], smoothed[steps // 10 : -5]
    slopes = np.diff(cut) / np.diff(np.log(cut_lrs))
    assert result.suggestions["valley"] == pytest.approx(fastai_valley(cut_lrs, cut))
    assert result.suggestions["steep"] == pytest.approx(cut_lrs[np.argmin(slopes)])
    assert result.suggestions["minimum/10"] == pytest.approx(cut_lrs[np.argmin(cut)] / 10)
    assert result.marks["minimum/10"] == steps // 10 + np.argmin(cut)
    assert result.lr_max_stable == pytest.approx(0.5)


def test_range_test_stops_within_a_decade_after_the_rate_crosses_2_over_lambda_max(ravine):
    """Below 0.5 every component shrinks, so the (convex-combination) smoothed loss only falls:
    no stop. Above it the stiff component grows — but rates near 1/λ_max = 0.25 had nearly
    zeroed it (y ≈ 1e-6), so it needs about ten steps of compounding to show: the stop comes
    within one decade of rate (12.4 steps of this 8-decade, 100-step test)."""
    result = lr_range_test(ravine, gd(), ravine.start)  # fastai defaults: 1e-7 → 10, 100 steps
    crossed = int(np.argmax(result.lrs > 0.5))
    assert result.lrs[crossed - 1] < 0.5 < result.lrs[crossed]
    assert result.stop_reason.startswith("loss above")
    assert crossed <= result.stopped_at
    assert result.lrs[-1] < 10 * 0.5
    assert (np.diff(result.smoothed[:crossed]) <= 0).all()


def test_valley_matches_fastai_on_awkward_curves():
    rng = np.random.default_rng(0)
    from optimizers.lab_range import valley

    for n in (1, 2, 3, 7, 40):
        for _ in range(30):
            losses = rng.integers(0, 6, n).astype(float)  # ties and plateaus included
            lrs = np.geomspace(1e-4, 1, n)
            assert valley(lrs, losses)[0] == fastai_valley(lrs, losses)


def test_smoothing_is_bias_corrected():
    np.testing.assert_allclose(smooth_loss(np.full(5, 3.0)), 3.0)  # a constant stays put
    assert smooth_loss([1.0, 0.0], beta=0.5)[1] == pytest.approx(0.5 * 0.5 / 0.75)


def test_exponential_rates_span_the_range():
    rates = exponential_rates(1e-7, 10.0, 100)
    assert rates[0] == pytest.approx(1e-7) and rates[-1] == pytest.approx(10.0)
    np.testing.assert_allclose(rates[1:] / rates[:-1], (1e8) ** (1 / 99))


def test_range_test_stops_at_divergence_without_warnings(ravine):
    """A runaway step ends the test; the diverged point itself is not recorded."""
    result = lr_range_test(ravine, gd(), ravine.start, lr_min=5.0, lr_max=1e4, steps=50)
    assert result.stopped_at >= 0
    assert np.isfinite(result.loss).all() and np.isfinite(result.smoothed).all()


def test_explanation_names_each_rule_and_the_stability_limit(ravine):
    result = lr_range_test(ravine, gd(), ravine.start)
    text = " ".join(explain_disagreement(result))
    for word in ("valley", "steep", "minimum/10", "2/λ_max", "0.5"):
        assert word in text
