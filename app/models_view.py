"""The data view under the explore map when the landscape is a model (surfaces/models.py):
the data with each racer's model at the map's step, train/validation curves along the paths,
sentences that read them, and training with epochs and mini-batches.

The data view is client-side (app/components/dataview/): sent once per scene, it redraws at
the map's step during playback with no rerun. The training parameters round-trip through the
URL like a lab view's (`Settings.extra`).
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from app.figures import model_plots as mp
from app.pages.lab import chart
from app.state.budget import affordable_steps
from app.state.links import choice, number, publish, seed_params
from app.state.settings import Settings
from optimizers import OPTIMIZERS, make_optimizer, make_policy
from optimizers.lab.common import stability_at_minimum
from optimizers.lab.train import Training, steps_per_epoch, train
from surfaces.models import ModelSurface

from . import compute, lab_compute
from .components.dataview import dataview_component
from .components.dataview import payload as dataview_payload
from .narration import num

VAL_PLATEAU = {"factor": 0.5, "patience": 2}  # per epoch, on the validation loss
TRAIN_PARAMS = (
    number("model_batch", 10, 1, 1000, integer=True),
    number("model_epochs", 20, 1, 500, integer=True),
    choice("model_plateau", 0, (0, 1)),
)


def pct(fraction: float) -> str:
    """An accuracy as a percentage, 3 significant digits."""
    return f"{num(100 * fraction)} %"


def lr_limit(surface) -> float | None:
    """2/λ_max at the global minimum (None without a minimum)."""
    stab = stability_at_minimum(surface)
    return None if stab is None else stab.lr_max_stable


@st.cache_resource(max_entries=16, show_spinner=False)
def data_view(_sc, scene_key: tuple, present: bool) -> tuple[list, bytes]:
    """Each racer's loss and accuracy along its path, and the data view's blob: built once per
    scene (like the map's blob), not on every rerun."""
    curves = [mp.curves_at(_sc.surface.model, out.positions) for out in _sc.outcomes]
    blob = dataview_payload.scene_blob(
        _sc.surface, _sc.runs, curves, steps=_sc.settings.steps, present=present
    )
    return curves, blob


def render_model_panel(sc, scene_key: tuple) -> None:
    """The panel for the explore Scene `sc` (identified by `scene_key`, as the map's cache is);
    nothing when its landscape is not a model."""
    surface = sc.surface
    if not isinstance(surface, ModelSurface) or surface.model is None:
        return
    s = sc.settings
    st.markdown("##### The data and the model")
    curves, blob = data_view(sc, scene_key, s.present)
    left, right = st.columns(2, gap="medium")
    with left:
        dataview_component(blob, key="model_dataview")
    with right:
        series = list(zip(sc.labels, sc.colours, curves, strict=True))
        chart(mp.curves_figure(series), "model_curves")
    limit = lr_limit(surface)
    lines = [
        f"**{label}**: {mp.overfit_sentence(c)} "
        f"{mp.settle_sentence(out.kind, racer.lr, racer.optimizer, limit)}"
        for label, racer, out, c in zip(sc.labels, s.racers, sc.outcomes, curves, strict=True)
    ]
    finder = lab_compute.range_test(sc.key, "gd", (), tuple(sc.start), 1e-7, 10.0, 100, 0.98, 4.0)
    lines.append(mp.finder_sentence(finder.suggestions["valley"], limit))
    st.markdown("\n".join(f"- {line}" for line in lines))
    st.caption(
        "The data view follows the map's step (▶ Play, ◀ ▶, the step slider) in your browser: "
        "each racer's model at that step, with its loss and accuracy. Filled marks: training "
        "rows; hollow: validation rows (never trained on). The paths on the map use the full "
        "training set at every step."
    )
    with st.expander("Train with mini-batches and epochs", expanded=False):
        render_training(sc, surface)


@st.cache_data(max_entries=32, show_spinner=False)
def training(
    key: compute.SurfaceKey,
    optimizer: str,
    lr: float,
    hyper: tuple,
    policy: str,
    policy_params: tuple,
    warmup: int,
    start: tuple[float, float],
    epochs: int,
    batch: int,
    plateau: bool,
    seed: int,
) -> Training:
    """One training run of the first racer (cached on primitives)."""
    surface = compute.get_surface(key)
    total = epochs * steps_per_epoch(len(surface.model.data.y_train), batch)
    rate = (
        lr
        if plateau
        else make_policy(policy, lr, total, min(warmup, total - 1), **dict(policy_params))
    )
    return train(
        surface,
        make_optimizer(optimizer, **dict(hyper)),
        rate,
        np.array([start], dtype=np.float64),
        epochs,
        batch,
        seed=seed,
        val_plateau=VAL_PLATEAU if plateau else None,
    )


def render_training(sc, surface: ModelSurface) -> None:
    s: Settings = sc.settings
    seed_params("model", TRAIN_PARAMS, s)
    n = len(surface.model.data.y_train)
    c1, c2, c3 = st.columns(3)
    c1.number_input("Mini-batch size", min_value=1, max_value=1000, step=1, key="model_batch")
    c2.number_input("Epochs", min_value=1, max_value=500, step=1, key="model_epochs")
    c3.selectbox(
        "Learning rate",
        (0, 1),
        key="model_plateau",
        format_func=lambda v: "halve on a validation plateau" if v else "the sidebar's policy",
    )
    publish(TRAIN_PARAMS)
    state = st.session_state
    batch = int(state["model_batch"])
    if batch > n:
        st.warning(f"The batch ({batch}) cannot be larger than the {n} training rows; using {n}.")
        batch = n
    per_epoch = steps_per_epoch(n, batch)
    asked = int(state["model_epochs"])
    steps = affordable_steps(
        asked * per_epoch,
        surface.cost,
        f"{asked} epochs × {per_epoch} mini-batches",
        "Fewer epochs or larger batches allow more.",
    )
    epochs = max(1, steps // per_epoch)
    r = s.racers[0]
    plateau = bool(state["model_plateau"])
    run = training(
        sc.key, r.optimizer, r.lr, r.hyper, s.policy, s.policy_params, s.warmup,
        tuple(map(float, sc.start)), epochs, batch, plateau, s.seed,
    )  # fmt: skip
    label = f"{OPTIMIZERS[r.optimizer].label} · lr {r.lr:g}"
    per = mp.Curves(
        *(
            run.per_epoch(c)[:, 0]
            for c in (run.train_loss, run.val_loss, run.train_acc, run.val_acc)
        )
    )
    left, right = st.columns(2, gap="medium")
    with left:
        end = run.trajectory.positions[-1, 0]
        chart(mp.data_figure(surface, [(label, sc.colours[0], end)]), "model_train_data")
    with right:
        chart(
            mp.curves_figure([(label, sc.colours[0], per)], unit="epoch"),
            "model_train_curves",
        )
    rates = run.trajectory.lr[:, 0]
    how = (
        f"the rate halves after {VAL_PLATEAU['patience']} epochs without a better validation "
        f"loss (it ended at {num(rates[-1])})"
        if plateau
        else "the sidebar's learning-rate policy, counted in steps"
    )
    st.markdown(
        f"- {epochs} epochs of {per_epoch} mini-batches of {batch} rows (shuffled every epoch, "
        f"seed {s.seed}); {how}.\n"
        f"- After training: accuracy {pct(per.train_acc[-1])} on the training rows, "
        f"{pct(per.val_acc[-1])} on the validation rows. {mp.overfit_sentence(per, 'epoch')}"
    )
