"""Classroom presets: one scene per phenomenon, a short explanation, and a question to predict.

Each lesson is plain data: the `Settings` of its scene (so selecting it sets the whole scene
and the URL), two or three sentences of why, a question to answer before pressing play, a
"try this next" that changes one control (its claimed outcome is tested by running it), the
controls that stay movable when the lesson locks the rest, and, where the end point is the
question, the racer whose end the student clicks on the map (`where`; the lessons page asks
that instead of the choices). `LESSON_LIST` is the sequence.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from app.state.settings import Settings, make_racer
from optimizers.diagnostics import Outcome

CONVERGED, TRAPPED, CRAWLING = Outcome.CONVERGED, Outcome.TRAPPED, Outcome.CRAWLING
DIVERGED, OSCILLATING = Outcome.DIVERGED, Outcome.OSCILLATING


@dataclass(frozen=True)
class TryNext:
    """One change to the lesson's scene, what it claims, and the outcome kind of each racer
    after it (None where the claim is not about kinds; its test then checks the claim)."""

    text: str
    settings: Settings
    kinds: tuple[Outcome, ...] | None


@dataclass(frozen=True)
class Lesson:
    name: str
    title: str
    settings: Settings
    explanation: str
    question: str
    try_next: TryNext
    free: tuple[str, ...]  # controls (app/lesson_flow.CONTROLS) left movable when locked
    where: int | None = None  # "where will it end?": the racer asked about (a map click)


def _lesson(
    name: str,
    title: str,
    explanation: str,
    question: str,
    try_next: tuple[str, dict, tuple[Outcome, ...] | None],
    free: tuple[str, ...],
    where: int | None = None,
    **scene,
) -> Lesson:
    settings = Settings(lesson=name, **scene)
    text, change, kinds = try_next
    after = TryNext(text, replace(settings, **change), kinds)
    return Lesson(name, title, settings, explanation, question, after, free, where)


def _gd(lr: float):
    return make_racer("gd", lr)


def _momentum(lr: float, mu: float):
    return make_racer("momentum", lr, momentum=mu)


LESSON_LIST = (
    _lesson(
        "too_large",
        "Too large: overshoot and divergence",
        "Across this ravine the curvature is λ_max = 4. Each gradient step multiplies the "
        "distance across it by (1 − lr·λ_max). At lr = 0.45 that factor is −0.8: the path "
        "overshoots but each jump is shorter. At lr = 0.6 it is −1.4: every jump overshoots "
        "further than the last, and the run blows up. The boundary is lr = 2/λ_max = 0.5.",
        "The two rates differ by only 0.15. Will both reach the minimum? Predict, then press ▶.",
        try_next=(
            "Halve both rates (0.225 and 0.3): neither blows up any more — 0.3 reaches the "
            "minimum (lr·λ_max = 1.2 < 2) and 0.225 is almost there after 100 steps.",
            {"racers": (_gd(0.225), _gd(0.3))},
            (CRAWLING, CONVERGED),
        ),
        free=("lr",),
        racers=(_gd(0.45), _gd(0.6)),
        steps=100,
    ),
    _lesson(
        "too_small",
        "Too small: crawling",
        "Along the floor of the ravine the curvature is only λ_min = 0.2, so with lr = 0.02 each "
        "step removes just lr·λ_min = 0.4 % of the remaining distance. The run is perfectly "
        "stable and hopelessly slow; lr = 0.4 gets there in a few dozen steps.",
        "After 150 steps, how far will the small rate have got: a quarter, half, all the way?",
        try_next=(
            "Make the small rate 10× larger (0.2): it reaches the minimum within the 150 "
            "steps too.",
            {"racers": (_gd(0.2), _gd(0.4))},
            (CONVERGED, CONVERGED),
        ),
        free=("lr",),
        racers=(_gd(0.02), _gd(0.4)),
        steps=150,
    ),
    _lesson(
        "zigzag",
        "Zig-zag in a ravine",
        "The ravine is 20× steeper across than along. A rate large enough to make progress "
        "along the floor is almost too large across it: the gradient points mostly across, "
        "so the path bounces from wall to wall while it creeps along the floor.",
        "Where does the gradient point at the start: at the minimum, or across the ravine?",
        try_next=(
            "Add heavy-ball momentum μ = 0.5 at the same rate: it reaches the minimum "
            "within the 80 steps.",
            {"racers": (_momentum(0.2, 0.5),)},
            (CONVERGED,),
        ),
        free=("optimizer", "momentum"),
        surface_params=(("kappa", 40.0), ("angle", 25.0)),
        racers=(_gd(0.2),),
        steps=80,
    ),
    _lesson(
        "trapped",
        "Trapped in a local minimum",
        "Gradient descent only looks downhill from where it stands. From this start the "
        "nearest valley is a local minimum (f ≈ 2.1), and a small rate slides into it and "
        "stays: the gradient there is zero. The global minima (f ≈ −1.03) are out of sight.",
        "Will a larger learning rate help it escape, or just make it bounce inside the valley?",
        try_next=(
            "Switch both to heavy-ball momentum (μ = 0.9) at the same rates: both roll past "
            "the local valley into a global minimum.",
            {"racers": (_momentum(0.02, 0.9), _momentum(0.05, 0.9))},
            (CONVERGED, CONVERGED),
        ),
        free=("optimizer", "momentum", "lr"),
        where=1,
        surface="six_hump_camel",
        racers=(_gd(0.02), _gd(0.05)),
        steps=150,
    ),
    _lesson(
        "momentum",
        "Momentum accelerates and escapes",
        "Heavy-ball momentum adds up past gradients, v ← μ·v + g, so the steps grow along a "
        "consistent direction and the run carries speed through small bumps. With μ = 0.9 "
        "it rolls through the shallow well that traps plain gradient descent at the same rate.",
        "Same start, same rate: which optimizer ends in the deepest well?",
        try_next=(
            "Lower the momentum to μ = 0.5: it no longer carries the run through, and it is "
            "trapped in the shallow well like gradient descent.",
            {"racers": (_gd(0.1), _momentum(0.1, 0.5))},
            (TRAPPED, TRAPPED),
        ),
        free=("momentum",),
        where=1,
        surface="wells",
        racers=(_gd(0.1), _momentum(0.1, 0.9)),
        steps=200,
    ),
    _lesson(
        "decay",
        "Decay: speed early, precision late",
        "With noisy gradients (σ = 2, like mini-batch SGD) a constant rate keeps the point "
        "jittering around the minimum: the noise kicks it by about lr·σ every step. A cosine "
        "decay keeps the large rate while far away and shrinks it at the end, so the jitter "
        "dies out. Watch the learning-rate panel and the loss together.",
        "As the rate shrinks, will the loss keep falling, or freeze where it is?",
        try_next=(
            "Set the schedule back to constant: without the decay it bounces around the "
            "minimum without settling.",
            {"policy": "constant"},
            (OSCILLATING,),
        ),
        free=("schedule",),
        surface="bowl",
        racers=(_gd(0.3),),
        policy="cosine",
        noise=2.0,
        steps=150,
    ),
    _lesson(
        "adaptive",
        "Adaptive methods on Rosenbrock",
        "Rosenbrock's valley is a curved, nearly flat banana with steep walls. Plain gradient "
        "descent needs a tiny rate to survive the walls and then crawls along the floor. "
        "Momentum builds speed along the floor; Adam divides each coordinate by its recent "
        "gradient size, so its steps stay about lr long whatever the slope.",
        "Which one reaches (1, 1) first, and which one never gets there in 2 000 steps?",
        try_next=(
            "Double gradient descent's rate to 0.002: it gets closer, but after 2 000 steps it "
            "is still crawling along the valley.",
            {"racers": (_gd(0.002), _momentum(0.001, 0.9), make_racer("adam", 0.05))},
            (CRAWLING, CONVERGED, CONVERGED),
        ),
        free=("lr",),
        surface="rosenbrock",
        racers=(_gd(0.001), _momentum(0.001, 0.9), make_racer("adam", 0.05)),
        steps=2000,
    ),
    _lesson(
        "unscaled",
        "The same zig-zag: unscaled features",
        "Each point of this map is a logistic-regression classifier of real (seeded) data. "
        "Feature 2 is measured in units 5× larger than feature 1, so the loss is 28× more "
        "curved across the valley than along it (κ = 28.4): the ravine of lesson 3, for "
        "real. GD is stable only below 2/λ_max = 0.831: at lr 0.75 it zig-zags across the "
        "ravine and converges, at "
        "lr 0.9 it bounces from wall to wall and never settles. Now switch on **Scale the "
        "features** in the sidebar: z-scored features turn the ravine into a bowl (κ ≈ 2.1), "
        "and GD converges in under 10 steps even at lr 10.",
        "Both rates are close to each other. Will both classifiers settle at the best weights?",
        try_next=(
            "Scale the features: at the same rates, lr 0.9 now reaches the best weights and "
            "lr 0.75 is almost there.",
            {"surface_params": (("scaled", 1.0),)},
            (CRAWLING, CONVERGED),
        ),
        free=("landscape",),
        surface="logistic",
        racers=(_gd(0.75), _gd(0.9)),
        steps=150,
    ),
    _lesson(
        "net_plateau",
        "A plateau a real network sits on",
        "A tiny network ŷ = σ(v·tanh(w·x)) starts with small weights, as networks are "
        "initialised. Near w = v = 0 every prediction is ½, the loss is log 2 ≈ 0.693 and the "
        "gradient almost vanishes: the origin is a saddle. GD creeps away from it, each step "
        "multiplying the distance by about 1 + lr·0.354, so the loss stays flat for about "
        "20 steps at lr 0.5 and about 6 at lr 2 — then it falls quickly to 0.391, the same "
        "minimum for both. A flat start of the loss curve is not a dead network.",
        "Both start on the same flat loss. Which one leaves the plateau first — and does the "
        "slow one ever leave it?",
        try_next=(
            "Double the steps to 200: the slow run has left the plateau too and is almost at "
            "the same minimum.",
            {"steps": 200},
            (CRAWLING, CONVERGED),
        ),
        free=("steps",),
        surface="tiny_net",
        start=(0.2, -0.19),
        racers=(_gd(0.5), _gd(2.0)),
        steps=100,
    ),
    _lesson(
        "one_cycle",
        "Warm-up tames a diverging rate",
        "Lesson 1's ravine again (λ_max = 4, limit 2/λ_max = 0.5), and lesson 1's lr 0.6 that "
        "blew up at a constant rate, now as the peak of a one-cycle schedule: the rate starts "
        "at lr/25 = 0.024, warms up to 0.6 at step 29 and anneals back down. It is above the "
        "limit for only 26 of the 100 steps (steps 22–47). Those stretch the distance across "
        "the ravine 448-fold, but the 22 warm-up steps before them had already shrunk it "
        "2.85 × 10⁷-fold, and the cool-down after them shrinks it much further.",
        "The same lr 0.6 that blew up in lesson 1, now as the peak of a one-cycle schedule. "
        "What will it do within 100 steps? Predict, then press ▶.",
        try_next=(
            "Set the schedule back to constant: lr 0.6 blows up again, as in lesson 1.",
            {"policy": "constant"},
            (DIVERGED,),
        ),
        free=("schedule",),
        racers=(_gd(0.6),),
        policy="one_cycle",
        steps=100,
    ),
    _lesson(
        "noise",
        "Noise: hovering, not settling",
        "Here the optimizer sees the bowl's gradient plus noise σ·ξ with σ = 0.5, as a "
        "mini-batch gradient differs from the full one. With a constant rate the point cannot "
        "stop: each step shrinks its distance by (1 − lr·s) and the noise kicks it by lr·σ·ξ. "
        "The two balance at a root-mean-square distance √(2·lr·σ²/(s·(2 − lr·s))) from the "
        "minimum (s = 1): 0.408 at lr 0.5 and 0.113 at lr 0.05. The smaller rate hovers "
        "closer, but it takes longer to get there.",
        "Both feel the same noisy gradient. Over the last 150 of 300 steps, which one hovers "
        "closer to the minimum, or do both stop on it? Predict, then press ▶.",
        try_next=(
            "Switch on a cosine decay: as the rate shrinks, so do the kicks, and both end much "
            "closer to the minimum than they hovered at a constant rate.",
            {"policy": "cosine"},
            None,
        ),
        free=("schedule", "lr", "noise"),
        surface="bowl",
        racers=(_gd(0.5), _gd(0.05)),
        noise=0.5,
        steps=300,
    ),
)
LESSONS = {lesson.name: lesson for lesson in LESSON_LIST}
NAMES = tuple(LESSONS)


def next_lesson(name: str) -> str | None:
    """The lesson after `name` in the sequence (the first after a non-lesson; None after the
    last)."""
    i = NAMES.index(name) + 1 if name in LESSONS else 0
    return NAMES[i] if i < len(NAMES) else None


def previous_lesson(name: str) -> str | None:
    """The lesson before `name` (None for the first lesson and for a non-lesson)."""
    i = NAMES.index(name) if name in LESSONS else 0
    return NAMES[i - 1] if i > 0 else None


def progress(name: str) -> str:
    """Where `name` is in the sequence: "3 of 11" ("" for a non-lesson)."""
    return f"{NAMES.index(name) + 1} of {len(NAMES)}" if name in LESSONS else ""
