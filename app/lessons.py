"""Classroom presets: one scene per phenomenon, a short explanation, and a question to predict.

Each lesson is plain data: the `Settings` of its scene (so selecting it sets the whole scene
and the URL), two or three sentences of why, and a question to answer before pressing play.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.state.settings import Settings, make_racer


@dataclass(frozen=True)
class Lesson:
    name: str
    title: str
    settings: Settings
    explanation: str
    question: str


def _lesson(name: str, title: str, explanation: str, question: str, **scene) -> Lesson:
    return Lesson(name, title, Settings(lesson=name, **scene), explanation, question)


def _gd(lr: float):
    return make_racer("gd", lr)


def _momentum(lr: float, mu: float):
    return make_racer("momentum", lr, momentum=mu)


LESSON_LIST = (
    _lesson(
        "too_large",
        "1 · Too large: overshoot and divergence",
        "Across this ravine the curvature is λ_max = 4. Each gradient step multiplies the "
        "distance across it by (1 − lr·λ_max). At lr = 0.45 that factor is −0.8: the path "
        "overshoots but each jump is shorter. At lr = 0.6 it is −1.4: every jump overshoots "
        "further than the last, and the run blows up. The boundary is lr = 2/λ_max = 0.5.",
        "The two rates differ by only 0.15. Will both reach the minimum? Predict, then press ▶.",
        racers=(_gd(0.45), _gd(0.6)),
        steps=100,
    ),
    _lesson(
        "too_small",
        "2 · Too small: crawling",
        "Along the floor of the ravine the curvature is only λ_min = 0.2, so with lr = 0.02 each "
        "step removes just lr·λ_min = 0.4 % of the remaining distance. The run is perfectly "
        "stable and hopelessly slow; lr = 0.4 gets there in a few dozen steps.",
        "After 150 steps, how far will the small rate have got: a quarter, half, all the way?",
        racers=(_gd(0.02), _gd(0.4)),
        steps=150,
    ),
    _lesson(
        "zigzag",
        "3 · Zig-zag in a ravine",
        "The ravine is 20× steeper across than along. A rate large enough to make progress "
        "along the floor is almost too large across it: the gradient points mostly across, "
        "so the path bounces from wall to wall while it creeps along the floor.",
        "Where does the gradient point at the start: at the minimum, or across the ravine?",
        surface_params=(("kappa", 40.0), ("angle", 25.0)),
        racers=(_gd(0.2),),
        steps=80,
    ),
    _lesson(
        "trapped",
        "4 · Trapped in a local minimum",
        "Gradient descent only looks downhill from where it stands. From this start the "
        "nearest valley is a local minimum (f ≈ 2.1), and a small rate slides into it and "
        "stays: the gradient there is zero. The global minima (f ≈ −1.03) are out of sight.",
        "Will a larger learning rate help it escape, or just make it bounce inside the valley?",
        surface="six_hump_camel",
        racers=(_gd(0.02), _gd(0.05)),
        steps=150,
    ),
    _lesson(
        "momentum",
        "5 · Momentum accelerates and escapes",
        "Heavy-ball momentum adds up past gradients, v ← μ·v + g, so the steps grow along a "
        "consistent direction and the run carries speed through small bumps. With μ = 0.9 "
        "it rolls through the shallow well that traps plain gradient descent at the same rate.",
        "Same start, same rate: which optimizer ends in the deepest well?",
        surface="wells",
        racers=(_gd(0.1), _momentum(0.1, 0.9)),
        steps=200,
    ),
    _lesson(
        "decay",
        "6 · Decay: speed early, precision late",
        "With noisy gradients (σ = 2, like mini-batch SGD) a constant rate keeps the point "
        "jittering around the minimum: the noise kicks it by about lr·σ every step. A cosine "
        "decay keeps the large rate while far away and shrinks it at the end, so the jitter "
        "dies out. Watch the learning-rate panel and the loss together.",
        "As the rate shrinks, will the loss keep falling, or freeze where it is?",
        surface="bowl",
        racers=(_gd(0.3),),
        policy="cosine",
        noise=2.0,
        steps=150,
    ),
    _lesson(
        "adaptive",
        "7 · Adaptive methods on Rosenbrock",
        "Rosenbrock's valley is a curved, nearly flat banana with steep walls. Plain gradient "
        "descent needs a tiny rate to survive the walls and then crawls along the floor. "
        "Momentum builds speed along the floor; Adam divides each coordinate by its recent "
        "gradient size, so its steps stay about lr long whatever the slope.",
        "Which one reaches (1, 1) first, and which one never gets there in 2 000 steps?",
        surface="rosenbrock",
        racers=(_gd(0.001), _momentum(0.001, 0.9), make_racer("adam", 0.05)),
        steps=2000,
    ),
    _lesson(
        "unscaled",
        "8 · The same zig-zag: unscaled features",
        "Each point of this map is a logistic-regression classifier of real (seeded) data. "
        "Feature 2 is measured in units 5× larger than feature 1, so the loss is 28× more "
        "curved across the valley than along it (κ = 28.4): the ravine of lesson 3, for "
        "real. GD is stable only below 2/λ_max = 0.831: at lr 0.75 it zig-zags across the "
        "ravine and converges, at "
        "lr 0.9 it bounces from wall to wall and never settles. Now switch on **Scale the "
        "features** in the sidebar: z-scored features turn the ravine into a bowl (κ ≈ 2.1), "
        "and GD converges in under 10 steps even at lr 10.",
        "Both rates are close to each other. Will both classifiers settle at the best weights?",
        surface="logistic",
        racers=(_gd(0.75), _gd(0.9)),
        steps=150,
    ),
    _lesson(
        "net_plateau",
        "9 · A plateau a real network sits on",
        "A tiny network ŷ = σ(v·tanh(w·x)) starts with small weights, as networks are "
        "initialised. Near w = v = 0 every prediction is ½, the loss is log 2 ≈ 0.693 and the "
        "gradient almost vanishes: the origin is a saddle. GD creeps away from it, each step "
        "multiplying the distance by about 1 + lr·0.354, so the loss stays flat for about "
        "20 steps at lr 0.5 and about 6 at lr 2 — then it falls quickly to 0.391, the same "
        "minimum for both. A flat start of the loss curve is not a dead network.",
        "Both start on the same flat loss. Which one leaves the plateau first — and does the "
        "slow one ever leave it?",
        surface="tiny_net",
        start=(0.2, -0.19),
        racers=(_gd(0.5), _gd(2.0)),
        steps=100,
    ),
)
LESSONS = {lesson.name: lesson for lesson in LESSON_LIST}
