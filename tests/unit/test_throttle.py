"""A session rerunning faster than a person is paced; a person never is (app/state/throttle.py)."""

from __future__ import annotations

from app.state.throttle import PAUSE_S, RUNS, WINDOW_S, Pace, on_run_start


def starts(times: list[float]) -> list[Pace]:
    """The pace after each run start at `times`."""
    pace, out = Pace(), []
    for t in times:
        pace = on_run_start(pace, t)
        out.append(pace)
    return out


def test_human_pace_is_never_paced():
    # a slider released twice a second, for a minute
    assert not any(p.paced for p in starts([0.5 * i for i in range(120)]))
    # a burst of RUNS clicks within a second (plus the app's own switch_page rerun), then a pause
    burst = [0.0, 0.1, 0.2, 0.3]
    assert len(burst) == RUNS
    assert not any(p.paced for p in starts([*burst, 1.35, 1.4, 1.6, 1.9]))


def test_more_than_runs_starts_in_a_window_pace_the_session():
    paces = starts([0.02 * i for i in range(RUNS + 1)])
    assert not paces[RUNS - 1].paced and paces[RUNS].paced
    assert len(paces[-1].starts) == RUNS + 1  # bounded memory


def test_a_paced_session_stays_paced_while_its_runs_come_faster_than_the_window():
    # paced runs restart every PAUSE_S (each is cut short by the next request): still paced
    times = [0.02 * i for i in range(RUNS + 1)]
    times += [times[-1] + PAUSE_S * (k + 1) for k in range(10)]
    assert all(p.paced for p in starts(times)[RUNS:])


def test_a_quiet_window_ends_the_pacing():
    times = [0.02 * i for i in range(RUNS + 1)]
    paces = starts([*times, times[-1] + WINDOW_S, times[-1] + WINDOW_S + 0.5])
    assert paces[RUNS].paced
    assert not paces[RUNS + 1].paced and not paces[RUNS + 2].paced


def test_a_clock_that_went_backwards_forgets_the_old_starts():
    pace = on_run_start(Pace(starts=(10.0, 10.1, 10.2, 10.3, 10.4), paced=True), 5.0)
    assert pace == Pace(starts=(5.0,), paced=False)
