"""The model landscapes in the app: every view opens on them (no exception, no NaN/None/inf on
screen), the data view under the explore map is sent what the scene holds, the training panel
round-trips through the URL, and the two model lessons do what their text says."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from app.figures import model_plots as mp
from app.lessons import LESSONS
from optimizers import make_optimizer
from optimizers.diagnostics import Outcome, diagnose
from optimizers.simulate import simulate
from optimizers.stability import analyze
from surfaces import make_surface

from .conftest import drew, map_scene

MODELS = ["logistic", "tiny_net"]
VIEWS = ["explore", "sweep", "finder", "basins", "phase", "race"]
BAD = re.compile(r"\b(nan|NaN|None|inf)\b")


def screen_text(at) -> str:
    """Every sentence on screen: markdown, captions, alerts, table cells."""
    parts = [e.value for kind in ("markdown", "caption", "warning", "error", "info", "success")
             for e in getattr(at, kind)]  # fmt: skip
    for frame in at.dataframe:
        parts.append(frame.value.to_string())
    return "\n".join(str(p) for p in parts)


def plain_text(markdown: str) -> str:
    """Markdown with its backslash escapes removed."""
    return re.sub(r"\\(.)", r"\1", markdown)


def no_problems(at) -> None:
    assert not at.exception, [e.message for e in at.exception]
    text = screen_text(at)
    assert not BAD.search(text), BAD.search(text)


@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize("surface", MODELS)
def test_every_view_works_on_every_model(run_app, surface, view):
    at = run_app(surface=surface, view=view)
    no_problems(at)
    assert drew(at)
    if view in ("phase", "race"):  # the work budget scales with the data's rows
        assert any("costs about" in w.value for w in at.warning) or view == "race"
    if view == "basins":  # its defaults fit the budget: a resolution whose steps run as asked
        assert not any("costs about" in w.value for w in at.warning)


def data_scene(at) -> tuple[dict, dict[str, np.ndarray]]:
    """The header and arrays the data view component was sent (its one binary blob)."""
    from app.components.map.payload import unpack

    (el,) = [
        e for e in at.get("bidi_component") if e.proto.component_name == "descent_lab_dataview"
    ]
    return unpack(el.proto.bytes)


def test_data_view_is_sent_the_path_thinned_like_the_map_with_its_curves(run_app):
    at = run_app(surface="logistic", opt="gd:lr=0.75;adam:lr=0.1", steps="5000")
    no_problems(at)
    header, a = data_scene(at)
    _, m = map_scene(at)
    np.testing.assert_array_equal(a["idx"], m["idx"])  # the map's thinning, the same steps
    steps = header["steps"]  # the work budget may allow fewer than asked
    assert len(a["idx"]) <= 2001 and a["idx"][-1] == steps and steps == m["idx"][-1]
    assert header["kind"] == "linear"
    assert header["axes"] == ["feature 1", "feature 2"]
    assert all(v.dtype == np.float32 for v in a.values())
    s = make_surface("logistic")
    path = simulate(s, make_optimizer("gd"), 0.75, np.array([s.start]), steps).positions[:, 0]
    at_idx = path[a["idx"].astype(int)]
    np.testing.assert_allclose(np.column_stack([a["r0.w"], a["r0.v"]]), at_idx, rtol=1e-6)
    # the loss and accuracy at each kept step are the per-sample ones at that step's weights
    x, y = s.model.data.x_val, s.model.data.y_val
    for k in (0, 7, len(a["idx"]) - 1):
        w = at_idx[k]
        z = x @ w
        assert a["r0.val_acc"][k] == pytest.approx(np.mean((z > 0) == (y == 1)), abs=1e-6)
        loss = np.mean([math.log1p(math.exp(zi)) - yi * zi for zi, yi in zip(z, y, strict=True)])
        assert a["r0.val_loss"][k] == pytest.approx(loss, rel=1e-5)
    rows = sum(len(a[f"{which}.x"]) for which in ("train", "val"))
    assert rows == 100 and np.array_equal(a["val.c"], y)  # every row, its class
    lo = np.concatenate([s.model.data.x_train, x]).min(axis=0)
    assert header["box"][0] < lo[0] and header["box"][2] < lo[1]  # the rows' own units


def test_network_data_view_rows(run_app):
    at = run_app(surface="tiny_net", steps="60")
    no_problems(at)
    header, a = data_scene(at)
    assert header["kind"] == "tanh" and header["box"][2:] == [-0.15, 1.15]
    assert header["axes"] == ["feature x", "class · P(class 1 | x)"]
    y = make_surface("tiny_net").model.data.y_train
    assert np.abs(a["train.y"] - y).max() <= 0.06  # the label, jittered
    assert np.isfinite(a["r0.w"]).all() and np.isfinite(a["r0.val_loss"]).all()


def test_a_rate_too_high_to_settle_sends_finite_models(run_app):
    at = run_app(surface="logistic", opt="gd:lr=10", steps="60")  # bounces across the ravine
    no_problems(at)
    assert "cannot settle there" in screen_text(at)
    _, a = data_scene(at)
    for name in ("w", "v", "train_loss", "val_loss", "train_acc", "val_acc"):
        assert np.isfinite(a[f"r0.{name}"]).all(), name


def test_scaled_features_are_labelled_as_z_scores(run_app):
    at = run_app(surface="logistic:scaled=1")
    no_problems(at)
    header, _ = data_scene(at)
    assert header["axes"] == ["feature 1 (z-score)", "feature 2 (z-score)"]


def test_the_narration_reads_the_whole_run_not_one_step(run_app):
    at = run_app(surface="logistic", opt="gd:lr=0.75", steps="40")
    text = screen_text(at)
    assert "**Gradient descent" in text and not re.search(r"at step \d+:", text)
    assert "validation loss" in text and "The LR finder" in text
    assert "follows the map's step" in text


def test_training_panel_round_trips_and_refuses_bad_values(run_app):
    at = run_app(surface="logistic", model_batch="70", model_epochs="30", model_plateau="1")
    no_problems(at)
    assert at.query_params["model_batch"] == "70"
    text = screen_text(at)
    assert "30 epochs of 1 mini-batches of 70 rows" in text
    assert "the rate halves after 2 epochs" in text
    at = run_app(surface="logistic", model_batch="-3")
    assert any("must be between 1 and 1000; using 10" in plain_text(w.value) for w in at.warning)
    no_problems(at)


def test_a_network_without_a_minimum_in_view_and_bad_parameters(run_app):
    assert not make_surface("tiny_net", n=200, seed=5).minima
    at = run_app(surface="tiny_net:n=200,seed=5")
    no_problems(at)
    assert "no 2/λ_max to compare with" in screen_text(at)
    for bad in ("logistic:n=5", "logistic:scaled=0.5", "tiny_net:val=0.9", "logistic:seed=-1"):
        at = run_app(surface=bad)
        no_problems(at)
        assert at.warning


def test_training_panel_caps_the_work(run_app):
    at = run_app(surface="tiny_net", model_batch="1", model_epochs="500")
    no_problems(at)
    assert any("500 epochs × 70 mini-batches" in w.value for w in at.warning)


# --------------------------------------------------------------------------- sentences


def test_boundary_segment_lies_on_the_line_and_in_the_box():
    box = (-2.0, 3.0, -1.0, 1.0)
    seg = mp.boundary_segment((0.5, 2.0), box)
    assert seg is not None and np.abs(seg @ np.array([0.5, 2.0])).max() < 1e-12
    assert (seg[:, 0] >= -2 - 1e-12).all() and (seg[:, 1] <= 1 + 1e-12).all()
    assert mp.boundary_segment((0.0, 0.0), box) is None
    assert mp.boundary_segment((1.0, 0.0), (1.0, 2.0, -1.0, 1.0)) is None  # x = 0 misses


def curves(val, train) -> mp.Curves:
    n = len(val)
    return mp.Curves(np.array(train, float), np.array(val, float), np.ones(n), np.ones(n))


def test_overfit_sentence_says_what_the_curves_do():
    turns = mp.overfit_sentence(curves([1.0, 0.5, 0.4, 0.45, 0.5], [1.0, 0.5, 0.3, 0.2, 0.1]))
    assert "lowest at step 2 (0.4), then turns up to 0.5" in turns and "0.3 → 0.1" in turns
    both = mp.overfit_sentence(curves([1.0, 0.4, 0.6], [1.0, 0.3, 0.8]))
    assert "Both losses rise" in both and "not over-fitting" in both
    falling = mp.overfit_sentence(curves([1.0, 0.5, 0.4], [1.0, 0.5, 0.3]), "epoch")
    assert "still at its lowest at the last epoch (0.4)" in falling


def test_settle_and_finder_sentences():
    assert "blew up" in mp.settle_sentence(Outcome.DIVERGED, 2.0, "gd", 0.8)
    assert "still bounces" in mp.settle_sentence(Outcome.OSCILLATING, 0.9, "gd", 0.831)
    assert "above GD's limit 2/λ_max = 0.8" in mp.settle_sentence(Outcome.CRAWLING, 1.0, "gd", 0.8)
    assert "settles" in mp.settle_sentence(Outcome.CONVERGED, 0.5, "gd", 0.8)
    assert "0.5× that limit — inside" in mp.finder_sentence(0.4, 0.8)
    assert "above it" in mp.finder_sentence(1.6, 0.8)
    assert "0.01× that limit — far inside" in mp.finder_sentence(0.008, 0.8)
    assert "no 2/λ_max" in mp.finder_sentence(0.4, None)
    assert "too early" in mp.finder_sentence(math.nan, 0.8)


# --------------------------------------------------------------------------- lessons


def lesson_run(name: str):
    lesson = LESSONS[name].settings
    s = make_surface(lesson.surface, **dict(lesson.surface_params))
    start = np.array([lesson.start if lesson.start is not None else s.start])
    runs = []
    for r in lesson.racers:
        traj = simulate(s, make_optimizer(r.optimizer), r.lr, start, lesson.steps)
        runs.append((traj, diagnose(s, traj)))
    return s, runs


def test_unscaled_features_lesson_claims():
    s, ((_, d_slow), (_, d_fast)) = lesson_run("unscaled")
    stab = analyze(s, s.minima[0].point)
    assert f"{stab.lr_max_stable:.3g}" == "0.831" and f"{stab.condition:.3g}" == "28.4"
    assert 0.75 < stab.lr_max_stable < 0.9
    assert d_slow.kind[0] == Outcome.CONVERGED and d_slow.zigzag[0]
    assert d_fast.kind[0] == Outcome.OSCILLATING
    scaled = make_surface("logistic", scaled=1)
    assert f"{analyze(scaled, scaled.minima[0].point).condition:.2g}" == "2.1"
    traj = simulate(scaled, make_optimizer("gd"), 10.0, np.array([scaled.start]), 150)
    d = diagnose(scaled, traj)
    assert d.kind[0] == Outcome.CONVERGED and d.steps[0] < 10


def test_network_plateau_lesson_claims():
    s, runs = lesson_run("net_plateau")
    flat = []
    for traj, _ in runs:
        loss = traj.loss[:, 0]
        assert abs(loss[0] - math.log(2)) < 0.02  # it starts on the plateau
        on = np.abs(loss - math.log(2)) < 0.01
        flat.append(int(np.flatnonzero(on)[-1]))  # the last step on the plateau
        assert f"{loss[-1]:.3g}" == "0.391" == f"{s.f_min:.3g}"
    assert 15 <= flat[0] <= 25 and 3 <= flat[1] <= 9
    lo, _ = np.linalg.eigvalsh(s.hess(np.zeros(2)))
    assert f"{-lo:.3g}" == "0.354"
    ends = [traj.positions[-1, 0] for traj, _ in runs]
    assert np.linalg.norm(ends[0] - ends[1]) < 0.1  # the same minimum for both


def test_model_lessons_fit_the_work_budget(run_app):
    for name in ("unscaled", "net_plateau"):
        at = run_app(lesson=name)
        no_problems(at)
        assert not any("more than one student" in w.value for w in at.warning)
