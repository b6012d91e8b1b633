"""Update rules, learning-rate policies, their registries and `simulate` (pure NumPy).

The lab experiments are the subpackage optimizers.lab (imported on its own: `from optimizers.lab
import fair_race`); diagnostics and stability are optimizers.diagnostics / optimizers.stability.
"""

from .base import LRPolicy, Optimizer, from_schedule, lr_column
from .registry import OptimizerSpec, PolicySpec, is_flag
from .rules import (
    OPTIMIZERS,
    adagrad,
    adam,
    adamw,
    gd,
    make_optimizer,
    momentum,
    nadam,
    nesterov,
    newton,
    rmsprop,
    sgd,
)
from .schedules import (
    POLICIES,
    constant,
    cosine,
    cosine_warm_restarts,
    cyclic,
    exponential,
    inverse_time,
    make_policy,
    multistep,
    one_cycle,
    reduce_on_plateau,
    step_lr,
    warmup,
)
from .simulate import StartError, Trajectory, simulate

__all__ = [
    "OPTIMIZERS",
    "POLICIES",
    "LRPolicy",
    "Optimizer",
    "OptimizerSpec",
    "PolicySpec",
    "StartError",
    "Trajectory",
    "adagrad",
    "adam",
    "adamw",
    "constant",
    "cosine",
    "cosine_warm_restarts",
    "cyclic",
    "exponential",
    "from_schedule",
    "gd",
    "inverse_time",
    "is_flag",
    "lr_column",
    "make_optimizer",
    "make_policy",
    "momentum",
    "multistep",
    "nadam",
    "nesterov",
    "newton",
    "one_cycle",
    "reduce_on_plateau",
    "rmsprop",
    "sgd",
    "simulate",
    "step_lr",
    "warmup",
]
