"""Hostile links against the real app (streamlit_app.py in AppTest), every URL key it reads.

For every view and every key that view reads — the scene's keys (tests/app/test_settings.py
fuzzes `from_query` itself) and the view's own (View.params, app/state/links.py) — one hostile value
at a time, then a few random mixes per view: the page never shows an exception, a warning (or,
for a formula, the formula error) names what was refused, and every other key of the link is
kept. Hostile values rotate over the views, so each value of each key runs somewhere. About
150 page runs, ~60 s on a 2-core machine.
"""

from __future__ import annotations

import random

import pytest

from app.lessons import LESSONS, NAMES
from app.shell import VIEWS as PAGES
from app.state.settings import to_query

from .conftest import new_app

HOSTILE: dict[str, tuple] = {
    "view": ("nope", "__init__", "", "Sweep"),
    "lesson": ("nope", "", "../etc/passwd"),
    "present": ("banana", "2", "nan", ""),
    "inspect": ("abc", "", "-1", "99999", "1.5", ("3", "x")),
    "map": ("hologram", "", "3D"),
    "surface": ("moon", "ravine:kappa=-3", "ravine:kappa", "bowl:zz=1", "x" * 700),
    "f": ("__import__('os').getpid()", "9**9**9", "x" * 301, "sin(", "z", "", "x = 1"),
    "domain": ("1,2", "3,2,1,0", "nan,1,2,3", "1e99,1,2,3", "a,b,c,d"),
    "start": ("1", "a,b", "nan,0", "1e9,0", "1,2,3", ""),
    "opt": ("warp", "gd:lr=nan", "gd:lr", "adam:beta1=2", ";;;", "gd:lr=1e9"),
    "policy": ("warp", "step:gamma=-1", "cosine:T_max=x", "exponential:nope=1"),
    "steps": ("abc", "-1", "99999", "1e999", "nan", "2.5", ""),
    "warmup": ("-1", "x", "99999", "100"),  # 100: not below any base scene's steps (80, 100)
    "noise": ("-1", "inf", "nan", "1e9", "loud"),
    "seed": ("-1", "1.5", "9" * 700, "seed"),
}
NUMBER = ("abc", "-1", "1e999", "nan", "", "0x10")
CHOICE = ("99", "x", "nan", "")
LAB_HOSTILE = {
    "sweep_lrs": ("1, banana", "0", "1e9", ",,", "__import__('os')"),
    "race_opts": (
        "gd,__import__('os')",
        "",
        "warp",
        "gd,momentum,nesterov,adagrad,rmsprop,adam,adamw",
    ),
    "race_mode": ("fast", ""),
    "race_lr": ("0.33", "big", "nan"),
    "sgd_lr": ("0.33", "big", "-1"),
    "sgd_decay": ("linear", "", "__class__"),
    "pd_colour": ("red", ""),
    "lf_min": CHOICE,
    "lf_max": CHOICE,
    "lf_beta": CHOICE,
    "lf_stop": CHOICE,
    "bm_n": CHOICE,
    "pd_n": CHOICE,
    "race_tol": CHOICE,
    "bm_racer": ("5", "0", "one"),
}
# a valid, non-default scene around the hostile value: it must survive
BASE = {"surface": "bowl", "opt": "gd:lr=0.3", "steps": "80", "seed": "2"}
FORMULA_BASE = {"surface": "formula", "f": "x^2+2*y^2", "opt": "gd:lr=0.3", "steps": "80"}
LIGHT = {  # small, quick scenes for the heavy views
    "basins": {"bm_n": "40", "bm_steps": "60"},
    "phase": {"pd_n": "15", "pd_steps": "60"},
    "sgd": {"sgd_runs": "4", "sgd_steps": "60"},
    "finder": {"lf_steps": "60"},
    "sweep": {"sweep_steps": "60"},
    "race": {"race_steps": "60", "race_opts": "gd,adam"},
}
NEEDLES = {  # what a warning about a key says, besides the key itself
    "opt": ("optimizer", "lr="),
    "f": ("Formula problem", "'f'"),
    "warmup": ("warm-up",),
}
VIEWS = tuple(PAGES)
SCENE_KEYS = tuple(HOSTILE)
FORMULA_KEYS = {"f", "domain"}


def read_keys(view: str) -> tuple[str, ...]:
    """The link keys `view` reads: the scene's (a lesson's landscape is never a typed formula,
    so the lessons page reads no `f` / `domain`) and its own."""
    scene = [k for k in SCENE_KEYS if not (view == "lessons" and k in FORMULA_KEYS)]
    return (*scene, *own_keys(view))


def hostile_values(key: str) -> tuple:
    if key in HOSTILE:
        return HOSTILE[key]
    return LAB_HOSTILE.get(key, NUMBER)


def own_keys(view: str) -> list[str]:
    """The view's own link keys it always reads (explore's, the model panel's, are read only on
    a model landscape: tests/app/test_models_app.py)."""
    return [p.key for p in PAGES[view].params] if view != "explore" else []


def cases() -> list[tuple[str, str, object]]:
    """(view, key, value): every key each view reads, its hostile values rotating over views."""
    out = []
    for v, view in enumerate(VIEWS):
        own = own_keys(view)
        for k, key in enumerate(read_keys(view)):
            values = hostile_values(key)
            rounds = len(values) if key in own else 1  # own keys: every value, in their view
            for r in range(rounds):
                out.append((view, key, values[(v + k + r) % len(values)]))
    return out


def base_scene(view: str, keys) -> dict[str, str]:
    """A valid scene for `view`; the lessons page's scene is a lesson's (it opens one)."""
    formula = FORMULA_KEYS & set(keys)
    if view == "lessons":  # a refused `lesson=` opens the first lesson too
        return {"view": view, **to_query(LESSONS[NAMES[0]].settings)}
    scene = {**(FORMULA_BASE if formula else BASE), **LIGHT.get(view, {})}
    if view != "explore":
        scene["view"] = view
    return scene


def shown_problems(at) -> str:
    text = "\n".join(e.value for kind in ("warning", "error") for e in getattr(at, kind))
    return text.replace("\\", "")  # markup.plain escapes Markdown


def run_hostile(view: str, hostile: dict) -> None:
    base = base_scene(view, hostile)
    query = {**base, **hostile}
    at = new_app(**query)
    at.run()
    assert not at.exception, (query, [e.message for e in at.exception])
    problems = shown_problems(at)
    for key, value in hostile.items():
        if key == "f" and view == "sgd":
            continue  # the SGD view fits its own model: it never builds the typed landscape
        named = value.partition(":")[0] if isinstance(value, str) and ":" in value else key
        needles = (key, named, *NEEDLES.get(key, ()))  # 'Ignored beta1='2' in adam: …'
        assert any(n in problems for n in needles), (key, value, problems)
    kept = {k: v for k, v in base.items() if k not in hostile and k != "view"}  # the path
    if "view" in hostile:  # a refused view opens explore: the lab view's own keys stay behind
        kept = {k: v for k, v in kept.items() if k not in own_keys(view)}
    if "surface" in hostile:  # a refused landscape takes its formula with it
        kept.pop("f", None)
    url = dict(at.query_params)
    for key, value in kept.items():
        got = url.get(key)
        assert got == value or got == [value], (query, key, url)


@pytest.mark.parametrize(("view", "key", "value"), cases(), ids=lambda x: str(x)[:24])
def test_one_hostile_key(view, key, value):
    run_hostile(view, {key: value})


@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize("mix", range(2))
def test_a_random_mix_of_hostile_keys(view, mix):
    rng = random.Random(f"{view}-{mix}")  # the same mixes on every run
    keys = rng.sample([k for k in read_keys(view) if k != "view"], 3)  # the view stays
    run_hostile(view, {key: rng.choice(hostile_values(key)) for key in keys})
