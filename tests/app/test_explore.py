"""The explore view driven through AppTest: every control, asserting on the figures' data."""

from __future__ import annotations

import numpy as np
import pytest

from app import compute
from app.lessons import LESSONS
from app.markup import plain
from app.state.settings import to_query
from optimizers import OPTIMIZERS, POLICIES, make_optimizer, make_policy
from optimizers.diagnostics import Outcome, diagnose
from optimizers.simulate import simulate
from surfaces import SURFACES, make_surface
from tests.app.conftest import figures, go_to, map_curves, map_figure, map_scene, new_app, values


def chart(at, kind: str) -> dict:
    """What the map component draws, as a figure dict: the map ("contour", see map_figure) or
    the curves under it ("curves", see map_curves)."""
    return map_figure(at) if kind == "contour" else map_curves(at)


def paths(fig: dict) -> list[dict]:
    """The optimizer path traces of a map (lines+markers scatter)."""
    return [t for t in fig["data"] if t.get("mode") == "lines+markers"]


def heads(fig: dict) -> dict:
    """The trace of current positions (one marker per racer: dot, or ✕ once diverged)."""
    return next(t for t in fig["data"] if t.get("name") == "position")


def xy(trace: dict) -> np.ndarray:
    return np.column_stack([values(trace["x"]), values(trace["y"])])


def narration(at) -> list[str]:
    """One sentence per racer."""
    text = "".join(m.value for m in at.markdown if "●" in m.value)
    return [line for line in text.split("</div>") if "●" in line]


def settle(at):
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


# --------------------------------------------------------------------------- default scene


def test_default_scene_shows_ravine_zigzag(run_app):
    at = run_app()
    fig = chart(at, "contour")
    (path,) = paths(fig)
    assert np.allclose(xy(path)[0], make_surface("ravine").start)
    assert "Zig-zags" in narration(at)[0]
    assert not at.warning and not at.error
    assert not [f for f in figures(at) if any(t.get("type") == "contour" for t in f["data"])]


def test_map_is_sent_every_step_once_as_float32_within_budget(run_app):
    """Playback runs in the browser on what is sent once: every step up to 2 000 (thinned
    beyond, first and last kept), float32, the scrub batches (lr and μ) included, ≤ 1.5 MB."""
    at = run_app(steps="1000", opt=";".join(["momentum:lr=0.1"] * 6))
    header, a = map_scene(at)
    (el,) = at.get("bidi_component")
    size = len(el.proto.bytes)
    rows = " + ".join(f"{len(b['values'])} {b['param']}" for b in header["scrubs"])
    print(f"map blob, 6 racers × 1000 steps + batches of {rows}: {size / 1e6:.3f} MB")
    assert size <= 1.5e6
    assert np.array_equal(a["idx"], np.arange(1001))
    assert len(header["runs"]) == 6 and header["steps"] == 1000
    assert all(v.dtype == np.float32 for v in a.values())
    assert a["r0.px"].shape == (1001,) and a["z"].size == header["grid"]["w"] * header["grid"]["h"]
    at = run_app(steps="5000", opt=";".join(["momentum:lr=0.1"] * 6))
    header, a = map_scene(at)
    size = len(at.get("bidi_component")[0].proto.bytes)
    print(f"map blob, 6 racers × 5000 steps: {size / 1e6:.3f} MB")
    assert size <= 1.5e6
    assert a["idx"][0] == 0 and a["idx"][-1] == 5000 and len(a["idx"]) <= 2001


def test_rate_batch_spans_the_rate_and_holds_it_exactly(run_app):
    at = run_app(opt="gd:lr=0.4")
    header, a = map_scene(at)
    (b,) = header["scrubs"]  # GD has no momentum to scrub
    rates = np.array(b["values"])
    assert b["param"] == "lr" and b["racer"] == 0 and rates[b["current"]] == 0.4
    step = 10 ** (1 / compute.SCRUB_DECADE)  # the lattice's: ÷ 30 to its next point, × 30 capped
    assert 0.4 / 30 <= rates[0] < 0.4 / 30 * step and rates[-1] == 10.0  # at LR_MAX
    assert 64 <= len(rates) <= 129 and np.all(np.diff(rates) > 0)
    assert b["mark"] == pytest.approx(0.5)  # 2/λ_max of the ravine's minimum, λ_max = 4
    k = b["k"]
    px = a["s0.px"].reshape(len(rates), k)
    # the batch's own rate draws the racer's own path
    own = np.isfinite(px[b["current"]])
    steps = a["s0.idx"][own].astype(int)
    assert np.allclose(px[b["current"]][own], a["r0.px"][steps])
    assert b["labels"][b["current"]] in narration(at)[0]
    assert "Diverged" in b["labels"][-1] and "crawling" in b["labels"][0]


def test_heavy_ball_gets_a_momentum_scrub_with_its_stable_limit(run_app):
    at = run_app(opt="momentum:lr=0.6,momentum=0.5")
    header, a = map_scene(at)
    lr, mu = header["scrubs"]
    assert (lr["param"], mu["param"]) == ("lr", "momentum")
    values = np.array(mu["values"])
    assert values[mu["current"]] == 0.5 and values[0] == 0.0 and values[-1] == 0.99
    # heavy ball on the quadratic model: stable iff lr·λ_max < 2 + 2μ, so μ > 0.6·4/2 − 1
    assert mu["mark"] == pytest.approx(0.2)
    labels = mu["labels"]
    assert "Diverged" in labels[1] and "Diverged" not in labels[mu["current"]]  # μ ≈ 0.016
    px = a["s1.px"].reshape(len(values), mu["k"])
    own = np.isfinite(px[mu["current"]])
    steps = a["s1.idx"][own].astype(int)
    assert np.allclose(px[mu["current"]][own], a["r0.px"][steps])  # its own μ: its own path


@pytest.mark.parametrize(
    ("point", "box", "rounded"),
    [
        ((4.18321, 2.7549), (-6, 6, -3, 3), (4.18, 2.75)),  # the default ravine
        ((0.123456, -0.98765), (-2, 2, -1, 3), (0.12, -0.99)),  # Rosenbrock's view
        ((100.34567, 0.5), (100, 101, 0, 1), (100.35, 0.5)),  # narrow: its width sets it
        ((-0.0001, 0.0), (-6, 6, -3, 3), (0.0, 0.0)),  # no "-0"
    ],
)
def test_a_map_click_is_rounded_to_what_the_eye_can_place(point, box, rounded):
    from app.components.map.payload import round_to_scale

    assert round_to_scale(point, box) == rounded
    assert str(round_to_scale(point, box)[0]) != "-0.0"


# --------------------------------------------------------------------------- learning rate


def test_lr_slider_changes_the_path_and_diverges(run_app):
    at = run_app()
    before = xy(paths(chart(at, "contour"))[0])
    at.select_slider(key="r0:lrs").set_value(0.6)
    settle(at)
    assert at.number_input(key="r0:lr").value == 0.6
    fig = chart(at, "contour")
    after = paths(fig)[0]
    assert not np.array_equal(before, xy(after)[: len(before)])
    assert heads(fig)["marker"]["symbol"] == ["x"]
    assert narration(at)[0].count("Diverged at step")
    assert at.query_params["opt"] == "gd:lr=0.6"


def test_diverged_path_ends_where_diagnose_says(run_app):
    at = run_app(opt="gd:lr=0.6", steps="60")
    surface = make_surface("ravine")
    traj = simulate(surface, make_optimizer("gd"), 0.6, np.array([surface.start]), 60)
    k = int(diagnose(surface, traj).steps[0])
    assert int(traj.diverged_at[0]) == k > 0
    fig = chart(at, "contour")
    path = paths(fig)[0]
    steps = values(path["customdata"]).astype(int)
    # drawn up to where it last leaves the map: the last point on the map is a real iterate …
    assert np.allclose(xy(path)[-2], traj.positions[steps[-2], 0], rtol=1e-5)
    x, y = xy(path)[-1]  # … then the path ends on the border, where the ✕ sits
    assert np.isclose(abs(x), 6, rtol=1e-5) or np.isclose(abs(y), 3, rtol=1e-5)
    head = heads(fig)
    assert head["marker"]["symbol"] == ["x"]
    assert np.allclose((values(head["x"])[0], values(head["y"])[0]), (x, y))
    assert f"diverged at step {k}" in head["text"][0]
    assert f"Diverged at step {k}" in narration(at)[0]


def test_exact_lr_entry_is_used_and_moves_the_slider(run_app):
    at = run_app()
    at.number_input(key="r0:lr").set_value(0.123)
    settle(at)
    assert at.select_slider(key="r0:lrs").value == 0.12
    assert "lr 0.123" in paths(chart(at, "contour"))[0]["name"]
    assert at.query_params["opt"] == "gd:lr=0.123"


# --------------------------------------------------------------------------- optimizers


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_each_optimizer_runs_from_the_start(run_app, name):
    at = run_app(opt="gd:lr=0.4" if name != "gd" else "adam:lr=0.3")
    at.selectbox(key="r0:opt").set_value(name)
    settle(at)
    assert at.number_input(key="r0:lr").value == pytest.approx(OPTIMIZERS[name].default_lr)
    path = paths(chart(at, "contour"))[0]
    assert OPTIMIZERS[name].label in path["name"]
    assert np.allclose(xy(path)[0], (-5, -2))
    assert narration(at)


def test_race_of_six_has_six_coloured_paths(run_app):
    at = run_app()
    for _ in range(5):
        at.button(key="add_racer").click()
        settle(at)
    fig = chart(at, "contour")
    racers = paths(fig)
    assert len(racers) == 6 and len(narration(at)) == 6
    assert len({t["line"]["color"] for t in racers}) == 6
    assert at.button(key="add_racer").disabled
    assert len({r["marker"] for r in fig["header"]["runs"]}) == 6  # told apart by shape too
    assert len({tuple(r["dash"]) for r in fig["header"]["runs"]}) == 6  # and by dash
    at.button(key="r1:remove").click()
    settle(at)
    assert len(paths(chart(at, "contour"))) == 5


def test_optimizer_hyperparameter_changes_the_path(run_app):
    at = run_app(opt="momentum:lr=0.4,momentum=0.5")
    before = xy(paths(chart(at, "contour"))[0])
    at.slider(key="r0:momentum:momentum").set_value(0.7)
    settle(at)
    assert not np.allclose(before, xy(paths(chart(at, "contour"))[0]))
    assert at.query_params["opt"] == "momentum:lr=0.4,momentum=0.7"


def test_hyperparameter_sliders_show_their_value_unrounded(run_app):
    """Adam's β2 = 0.999 must not be displayed as "1.00"."""
    at = run_app(opt="adam:lr=0.05")
    beta2 = at.slider(key="r0:adam:beta2")
    assert beta2.value == pytest.approx(0.999) and beta2.proto.format == "%g"


# --------------------------------------------------------------------------- landscapes


@pytest.mark.parametrize("name", list(SURFACES))
def test_each_landscape_starts_at_its_start(run_app, name):
    at = run_app()
    at.selectbox(key="surface").set_value(name)
    settle(at)
    surface = make_surface(name)
    fig = chart(at, "contour")
    assert np.allclose(xy(paths(fig)[0])[0], surface.start, atol=1e-6)
    assert at.number_input(key="start_x").value == surface.start[0]
    xs = values(fig["data"][0]["x"])
    assert xs[0] == pytest.approx(surface.domain[0][0])


def test_landscape_parameter_changes_the_contours(run_app):
    at = run_app()
    before = values(chart(at, "contour")["data"][0]["z"])
    at.number_input(key="sp:ravine:kappa").set_value(50.0)
    settle(at)
    assert not np.allclose(before, values(chart(at, "contour")["data"][0]["z"]))
    assert at.query_params["surface"] == "ravine:kappa=50"


def test_formula_ok_and_formula_error_keeps_the_scene(run_app):
    at = run_app()
    at.selectbox(key="surface").set_value("formula")
    settle(at)
    at.text_input(key="formula").set_value("(x - 1)**2 + 4*y**2")
    settle(at)
    assert not at.error
    good = chart(at, "contour")
    assert at.query_params["f"] == "(x - 1)**2 + 4*y**2"
    at.text_input(key="formula").set_value("x + z")
    settle(at)
    assert at.error and "z" in at.error[0].value
    kept = chart(at, "contour")
    assert np.allclose(values(kept["data"][0]["z"]), values(good["data"][0]["z"]))
    assert narration(at)


# --------------------------------------------------------------------------- start, steps, noise


def test_typed_start_moves_the_path(run_app):
    at = run_app()
    at.number_input(key="start_x").set_value(4.0)
    at.number_input(key="start_y").set_value(1.5)
    settle(at)
    assert np.allclose(xy(paths(chart(at, "contour"))[0])[0], (4.0, 1.5))
    assert at.query_params["start"] == "4,1.5"


def test_steps_set_the_length_of_every_curve(run_app):
    at = run_app()
    at.number_input(key="steps").set_value(120)
    settle(at)
    path = paths(chart(at, "contour"))[0]
    assert int(values(path["customdata"])[-1]) == 120
    loss = chart(at, "curves")["data"][0]
    assert int(values(loss["x"])[-1]) == 120


def test_noise_and_seed_change_the_path_reproducibly(run_app):
    at = run_app()
    clean = xy(paths(chart(at, "contour"))[0])
    at.number_input(key="noise").set_value(0.5)
    settle(at)
    noisy = xy(paths(chart(at, "contour"))[0])
    at.number_input(key="seed").set_value(7)
    settle(at)
    other = xy(paths(chart(at, "contour"))[0])
    assert not np.allclose(clean, noisy) and not np.allclose(noisy, other)
    again = new_app(noise="0.5", seed="7").run()
    assert np.array_equal(xy(paths(chart(again, "contour"))[0]), other)


# --------------------------------------------------------------------------- schedules


@pytest.mark.parametrize("name", list(POLICIES))
def test_each_policy_draws_its_schedule(run_app, name):
    at = run_app(steps="60")
    at.selectbox(key="policy").set_value(name)
    settle(at)
    curves = chart(at, "curves")
    lr_trace = next(t for t in curves["data"] if t.get("xaxis") == "x2")
    steps, shown = values(lr_trace["x"]).astype(int), values(lr_trace["y"])
    if name == "plateau":  # loss-driven: read back from the same simulation
        assert np.all(shown > 0)
        return
    policy = make_policy(name, 0.4, 60)
    state, expected = policy.init(1), []
    for t in range(60):
        lr, state = policy.lr_at(t, np.zeros(1), state)
        expected.append(float(np.ravel(lr)[0]))
    assert np.allclose(shown, np.asarray(expected)[steps], rtol=1e-6)


def test_warmup_ramps_the_rate(run_app):
    at = run_app(policy="cosine", warmup="10", steps="60")
    lr_trace = next(t for t in chart(at, "curves")["data"] if t.get("xaxis") == "x2")
    shown = values(lr_trace["y"])
    assert shown[0] < shown[10] and np.argmax(shown) >= 9


def test_inspector_shows_position_gradient_step_and_state(run_app):
    at = run_app(opt="momentum:lr=0.1")
    assert not at.dataframe
    at.toggle(key="inspecting").set_value(True)
    settle(at)
    at.slider(key="inspect").set_value(1)
    settle(at)
    row = at.dataframe[0].value.iloc[0]
    surface = make_surface("ravine")
    g = surface.grad(np.array(surface.start))
    v1 = -0.1 * g  # heavy ball, first step: v = g, x ← x − lr·v
    minus = str.maketrans("-", "−")  # the formatter's real minus sign
    assert row["position"] == f"({-5 + v1[0]:.3g}, {-2 + v1[1]:.3g})".translate(minus)
    assert row["lr"] == "0.1" and row["velocity"] == f"({g[0]:.3g}, {g[1]:.3g})".translate(minus)
    assert at.query_params["inspect"] == "1"


# --------------------------------------------------------------------------- views, lessons, URL


def test_view_switch_renders_only_the_chosen_view_and_keeps_the_scene(run_app):
    at = run_app(opt="adam:lr=0.2")
    go_to(at, "sweep")
    assert "view" not in at.query_params and at.query_params["opt"] == "adam:lr=0.2"
    assert not any("What happened" in m.value for m in at.markdown)  # explore not rendered
    go_to(at, "explore")
    assert paths(chart(at, "contour"))[0]["name"] == "Adam · lr 0.2"
    assert "view" not in at.query_params


def test_the_link_opens_the_map_in_3d_with_the_same_scene():
    at = new_app(map="3d").run()
    assert not at.exception, [e.message for e in at.exception]
    header, a = map_scene(at)
    assert header["mode"] == "3d" and at.query_params["map"] == "3d"
    assert not at.get("plotly_chart")  # no Plotly 3-D any more: the component draws it
    contour, c = map_scene(new_app().run())
    assert contour["mode"] == "contour"
    assert np.array_equal(a["r0.px"], c["r0.px"], equal_nan=True)  # same paths, other view


def test_presentation_mode_hides_controls_and_can_be_left(run_app):
    at = run_app(present="1", opt="gd:lr=0.4;momentum:lr=0.4")
    assert any("stSidebar" in m.value and "display: none" in m.value for m in at.markdown)
    # the rates move onto the stage, and still drive the scene
    assert not at.sidebar.select_slider and len(at.main.select_slider) == 2
    at.select_slider(key="r1:lrs").set_value(0.05)
    settle(at)
    assert [t["name"] for t in paths(chart(at, "contour"))][1].endswith("lr 0.05")
    assert chart(at, "contour")["header"]["present"]  # text sized for a projector
    at.button(key="exit_present").click()
    settle(at)
    assert not any("stSidebar" in m.value for m in at.markdown)
    assert "present" not in at.query_params
    assert not chart(at, "contour")["header"]["present"]


def test_url_round_trip_reproduces_the_figures(run_app):
    scene = to_query(LESSONS["adaptive"].settings)  # a lesson's scene, explored
    at = run_app(**{k: v for k, v in scene.items() if k != "lesson"})
    at.number_input(key="noise").set_value(0.1)
    settle(at)
    query = {k: at.query_params[k] for k in at.query_params}
    fresh = new_app(**query).run()
    assert not fresh.warning
    a, b = chart(at, "contour"), chart(fresh, "contour")
    assert [t["name"] for t in paths(a)] == [t["name"] for t in paths(b)]
    for ta, tb in zip(paths(a), paths(b), strict=True):
        assert np.array_equal(xy(ta), xy(tb))
    for ta, tb in zip(chart(at, "curves")["data"], chart(fresh, "curves")["data"], strict=True):
        assert np.array_equal(ta["y"], tb["y"])


HOSTILE = [
    ("steps", "-5"),
    ("steps", "1e999"),
    ("steps", "NaN"),
    ("opt", "gd:lr=nan"),
    ("opt", "rocket:lr=1"),
    ("opt", "gd:lr=1e999;;;:"),
    ("surface", "nowhere"),
    ("surface", "ravine:kappa=-1"),
    ("surface", "ravine:kappa"),
    ("start", "1,2,3"),
    ("start", "inf,0"),
    ("noise", "-1"),
    ("seed", "x" * 5000),
    ("policy", "cosine:T_max=1e400"),
    ("view", "<script>alert(1)</script>"),
    ("lesson", "ünïcødé 🚀"),
    ("f", "__import__('os')"),
    ("domain", "1,0,0,1"),
]


def test_a_start_where_the_loss_is_undefined_falls_back_to_the_landscape_start():
    at = new_app(surface="formula", f="log(x) + y**2", domain="0.5,3,-1,1", start="-1,0").run()
    assert not at.exception, [e.message for e in at.exception]
    assert any("Cannot start at (−1, 0)" in w.value for w in at.warning)
    assert values(paths(chart(at, "contour"))[0]["x"])[0] > 0


@pytest.mark.parametrize(("key", "value"), HOSTILE)
def test_hostile_url_values_warn_and_keep_the_scene(key, value):
    query = {key: value}
    if key in ("f", "domain"):
        query["surface"] = "formula"
    at = new_app(**query).run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.warning or at.error, f"no warning for {key}={value!r}"
    assert chart(at, "contour") and narration(at)


def test_link_warnings_go_away_once_the_scene_changes():
    at = new_app(steps="-3").run()
    assert any(plain("steps='-3'") in w.value for w in at.warning)
    at.number_input(key="steps").set_value(70)
    settle(at)
    assert not at.warning


def test_repeated_keys_warn_and_use_the_last():
    at = new_app()
    at.query_params["steps"] = ["20", "30"]
    at.run()
    assert not at.exception
    assert any("2 times" in w.value for w in at.warning)
    assert int(values(paths(chart(at, "contour"))[0]["customdata"])[-1]) == 30


def test_the_live_scrub_follows_the_chosen_racer_and_survives_its_removal(run_app):
    """The map's own "Live scrub for" picker sets `scrub_racer` (on_map_racer, below); the
    scene then carries that racer's batches. No Streamlit selectbox above the map any more."""
    at = run_app(opt="gd:lr=0.3;momentum:lr=0.3;adam:lr=0.1")
    assert [(b["param"], b["racer"]) for b in map_scene(at)[0]["scrubs"]] == [("lr", 0)]
    assert not [b for b in at.selectbox if "scrub" in (b.label or "").lower()]
    at.session_state["scrub_racer"] = 1
    settle(at)
    assert [(b["param"], b["racer"]) for b in map_scene(at)[0]["scrubs"]] == [
        ("lr", 1),
        ("momentum", 1),
    ]
    at.session_state["scrub_racer"] = 2
    settle(at)
    at.button(key="r2:remove").click()
    settle(at)  # the chosen racer is gone: the first one is scrubbed
    assert [b["racer"] for b in map_scene(at)[0]["scrubs"]] == [0]


def _pick_racers():
    from types import SimpleNamespace

    import streamlit as st

    from app.pages import explore

    picked = []
    for value in (2, 5, -1, "1", None, 0):  # the map's trigger value "racer"
        st.session_state.pop("scrub_racer", None)
        st.session_state[explore.MAP_KEY] = SimpleNamespace(racer=value)
        explore.on_map_racer(3)
        picked.append(st.session_state.get("scrub_racer"))
    st.write(repr(picked))


def test_the_maps_racer_pick_sets_the_scrubbed_racer_only_when_valid():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_pick_racers).run()
    assert not at.exception
    assert at.markdown[0].value == "[2, None, None, None, None, 0]"


@pytest.mark.parametrize("surface", ["ravine", "rosenbrock", "logistic", "formula"])
def test_the_try_it_line_is_the_landscapes_own_measured_tip(surface):
    """The ravine's '0.6 diverges / 0.02 crawls' was shown on every landscape; now each shows
    its own tip, whose rates were run on it (a typed formula: advice without numbers)."""
    from app import compute
    from app.state.settings import Settings

    at = new_app(surface=surface)
    at.run()
    caption = next(c.value for c in at.caption if "Try it" in c.value).replace("\\", "")
    if surface == "formula":
        assert not any(ch.isdigit() for ch in caption)
        return
    tip = compute.landscape_tip(compute.surface_key(Settings(surface=surface)))
    assert tip and tip.split(":")[0][:20] in caption
    assert ("0.6" in caption) == (surface == "ravine")


@pytest.mark.parametrize(
    "query",
    [{}, {"steps": "30"}, *({"surface": name} for name in sorted(SURFACES) if name != "formula")],
    ids=lambda q: "-".join(q.values()) or "default",
)
def test_every_tip_holds_for_a_run_of_the_scene_it_is_shown_on(query):
    """The ravine's tip said "still crawling after 200 steps" in a scene of 50 steps. Each
    claim of the Try-it line is now measured at the scene's step count: rerun through the
    app's own cached racer (compute.run_racer) with the scene's policy, steps and seed at the
    claimed rate from the landscape's start, the outcome and its step are what it says."""
    from app import compute
    from app.state.settings import Racer
    from optimizers import suggest as sg

    at = new_app(**query).run()
    assert not at.exception
    s = at.session_state["scene"]
    caption = plain(next(c.value for c in at.caption if "Try it" in c.value)).replace("\\", "")
    key = compute.surface_key(s)
    surface = compute.get_surface(key)
    claims = sg.tip_claims(surface, s.steps)
    assert claims, "every built-in landscape has a measured tip"
    for claim in claims:
        racer = Racer(claim.optimizer, claim.lr)
        out = compute.run_racer(
            key, racer.optimizer, racer.lr, racer.hyper, s.policy, s.policy_params, s.warmup,
            s.steps, tuple(surface.start), s.noise, s.seed,
        )  # fmt: skip
        assert out.kind == claim.outcome, (claim, out.sentence)
        if claim.outcome == Outcome.DIVERGED:
            assert out.diverged_at == claim.steps
            assert f"step {claim.steps}" in caption
        if claim.outcome == Outcome.CRAWLING:
            assert f"after {s.steps} steps" in caption
    assert "200 steps" not in caption or s.steps == 200, caption


def test_the_tip_says_what_the_scene_does_differently():
    at = new_app(start="1,1", policy="cosine", noise="0.1").run()
    caption = next(c.value for c in at.caption if "Try it" in c.value)
    for said in ("own start", "constant rate", "without gradient noise"):
        assert said in caption
    plain_scene = next(c.value for c in new_app().run().caption if "Try it" in c.value)
    assert "(" not in plain_scene.split(":")[0]


@pytest.mark.parametrize("step", ["0", "50"])
def test_the_step_inspector_never_prints_none(step):
    """Racers with different state (GD none, Adam its averages) and the last step (no step
    taken after it): every cell holds a value or "—", never "None", NaN or an empty cell."""
    at = new_app(opt="gd:lr=0.4;adam:lr=0.2", inspect=step).run()
    at.toggle(key="inspecting").set_value(True).run()
    table = at.dataframe[0].value
    assert len(table) == 2 and not table.isna().any().any()
    cells = table.astype(str).to_numpy().ravel()
    assert not any(c in ("None", "nan", "") for c in cells), cells
    assert (step == "50") == ("lr" not in table.columns)  # no step is taken after the last
