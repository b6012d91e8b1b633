"""Pure parts of the load tool: nginx config rendering, widget values, percentiles."""

from __future__ import annotations

import random
import re

import pytest
from streamlit.proto.Element_pb2 import Element
from streamlit.proto.Slider_pb2 import Slider

from bench.load import (
    LR_PATTERN,
    Session,
    changed_state,
    default_state,
    distribution,
    percentile,
    widget_from_element,
)
from deploy.replicas import NGINX_CONF, render_nginx_conf


def test_render_nginx_conf_sets_listen_port_and_every_replica():
    text = render_nginx_conf(NGINX_CONF.read_text(), 9000, [7001, 7002, 7003])
    assert "listen 127.0.0.1:9000;" in text
    servers = re.findall(r"server 127\.0\.0\.1:(\d+)([^;]*);", text)
    assert [port for port, _ in servers] == ["7001", "7002", "7003"]
    assert all("max_fails" in options for _, options in servers)  # options kept
    assert text.index("hash $dl_sticky_key consistent") < text.index("server 127.0.0.1:7001")


def test_render_nginx_conf_refuses_a_config_without_upstream():
    with pytest.raises(ValueError):
        render_nginx_conf("events {}\n", 9000, [7001])


def _element(kind: str, **fields) -> Element:
    element = Element()
    getattr(element, kind).MergeFrom(type(getattr(element, kind))(**fields))
    return element


def test_float_slider_default_and_change_stay_on_the_grid():
    el = _element("slider", id="s1", label="Steps", min=0, max=1, step=0.25, default=[0.5])
    el.slider.data_type = Slider.FLOAT
    w = widget_from_element(el, "")
    assert list(default_state(w).double_array_value.data) == [0.5]
    rng = random.Random(0)
    for _ in range(20):
        (value,) = changed_state(w, rng).double_array_value.data
        assert value in {0, 0.25, 0.5, 0.75, 1.0}


def test_select_slider_sends_option_labels():
    el = _element(
        "slider", id="lr", label="Learning rate (log scale)", options=["0.01", "0.1", "1"]
    )
    el.slider.type = Slider.SELECT_SLIDER
    el.slider.default.append(1)
    w = widget_from_element(el, "")
    assert list(default_state(w).string_array_value.data) == ["0.1"]
    (label,) = changed_state(w, random.Random(1)).string_array_value.data
    assert label in {"0.01", "0.1", "1"}


def test_selectbox_uses_the_formatted_option_and_unbounded_number_is_left_alone():
    el = _element("selectbox", id="sb", label="Landscape", options=["Bowl", "Ravine"], default=1)
    w = widget_from_element(el, "frag")
    assert default_state(w).string_value == "Ravine"
    assert changed_state(w, random.Random(2)).string_value in {"Bowl", "Ravine"}
    assert w.fragment_id == "frag"
    free = widget_from_element(_element("number_input", id="n", label="x from"), "")
    assert changed_state(free, random.Random(0)) is None


def test_pick_change_prefers_the_learning_rate_and_avoids_listed_widgets():
    session = Session("http://127.0.0.1:1")
    lr = _element("slider", id="a", label="Learning rate", min=0, max=1, step=0.1, default=[0.1])
    lr.slider.data_type = Slider.FLOAT
    policy = _element("selectbox", id="b", label="Learning-rate policy", options=["a", "b"])
    present = _element("checkbox", id="c", label="Presentation mode")
    session.widgets = {w.id: w for w in (widget_from_element(e, "") for e in (lr, policy, present))}
    rng, target = random.Random(3), re.compile(LR_PATTERN, re.I)
    picked = [session.pick_change(rng, target, 0.0)[0].id for _ in range(10)]
    assert picked == ["a"] * 10
    mixed = {
        session.pick_change(rng, target, 1.0, re.compile("presentation", re.I))[0].id
        for _ in range(20)
    }
    assert mixed == {"b"}


def test_percentiles():
    assert percentile([3, 1, 2], 50) == 2
    assert percentile([0, 10], 95) == pytest.approx(9.5)
    assert distribution([]) == {"n": 0}
    assert distribution([1.0, 2.0])["max"] == 2.0


def test_latency_is_also_reported_per_changed_widget():
    from bench.load import RunResult, Stats

    stats = Stats()
    for latency, widget in ((0.1, "lr"), (0.2, "lr"), (3.0, "View"), (0.05, "")):
        stats.add_run(RunResult(latency, 10, []), 0, widget=widget)
    by_widget = stats.summary()["latency_by_widget_s"]
    assert list(by_widget) == ["View", "lr"]  # slowest first; unnamed runs are not listed
    assert by_widget["lr"]["n"] == 2 and by_widget["View"]["max"] == 3.0
    assert stats.summary()["reruns"] == 4
