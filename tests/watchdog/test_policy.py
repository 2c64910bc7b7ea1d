"""The watchdog's policy (bot/app/watchdog.py): which page state needs a reload, a relaunch or nothing, the hourly
cap that turns a crash loop into a halt, and the relaunch backoff. Table-driven over sampled states."""

from __future__ import annotations

import pytest

from bot.app.watchdog import Action, Cause, PageState, Plan, Watchdog
from bot.config.sections import WatchdogConfig

T0 = 1_000_000.0
CFG = WatchdogConfig(
    reload_after_silent_s=20.0,
    max_recoveries_per_hour=6,
    browser_rss_limit_mb=1500.0,
    max_page_age_h=2.0,
    relaunch_backoff_s=2.0,
    relaunch_backoff_max_s=30.0,
)


def state(**kw: object) -> PageState:
    base: dict[str, object] = {
        "now": T0 + 100,
        "loaded_t": T0,
        "last_event_t": T0 + 99,
        "answered_t": T0 + 99,
    }
    base.update(kw)
    return PageState(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("name", "s", "want"),
    [
        ("a healthy page", state(), None),
        ("game frames 19 s ago", state(last_event_t=T0 + 81), None),
        ("no game frame for 21 s", state(last_event_t=T0 + 79), (Action.RELOAD, Cause.SILENT_FEED)),
        (
            "no game frame since the load",
            state(last_event_t=None, now=T0 + 21),
            (Action.RELOAD, Cause.SILENT_FEED),
        ),
        ("silent but a click in flight", state(last_event_t=T0 + 50, clicking=True), None),
        ("silent during maintenance", state(last_event_t=T0 + 50, maintenance=True), None),
        (
            "the page has not answered for 25 s",
            state(answered_t=T0 + 75),
            (Action.RELAUNCH, Cause.PAGE_UNRESPONSIVE),
        ),
        ("the page has not answered for 15 s (busy, not hung)", state(answered_t=T0 + 85), None),
        (
            "silent, and the page missed its last probe: hung, not blackholed",
            state(last_event_t=T0 + 79, answered_t=T0 + 91),
            (Action.RELAUNCH, Cause.PAGE_UNRESPONSIVE),
        ),
        (
            "silent, and the probe made on the silence timed out: hung, not blackholed",
            state(last_event_t=T0 + 79, answered_t=T0 + 94, probe_missed=True),
            (Action.RELAUNCH, Cause.PAGE_UNRESPONSIVE),
        ),
        (
            "silent, the page answered 6 s ago: a reload",
            state(last_event_t=T0 + 79, answered_t=T0 + 94),
            (Action.RELOAD, Cause.SILENT_FEED),
        ),
        (
            "hung and silent: relaunch, a reload would wait on the hung renderer",
            state(answered_t=T0 + 75, last_event_t=T0 + 70),
            (Action.RELAUNCH, Cause.PAGE_UNRESPONSIVE),
        ),
        ("a big browser, in a game", state(rss_mb=1600.0), None),
        (
            "a big browser, between games",
            state(rss_mb=1600.0, idle=True),
            (Action.RELAUNCH, Cause.BROWSER_MEMORY),
        ),
        ("a browser under the limit", state(rss_mb=1400.0, idle=True), None),
        ("an old page, in a game", state(now=T0 + 7300, last_event_t=T0 + 7299, answered_t=T0 + 7299), None),
        (
            "an old page, between games",
            state(now=T0 + 7300, last_event_t=T0 + 7299, answered_t=T0 + 7299, idle=True),
            (Action.RELOAD, Cause.PAGE_AGE),
        ),
    ],
)
def test_what_a_page_state_needs(name: str, s: PageState, want: tuple[Action, Cause] | None) -> None:
    plan = Watchdog(CFG).plan(s)
    got = None if plan is None else (plan.action, plan.cause)
    assert got == want, name


def test_a_short_silence_setting_does_not_make_a_slow_page_hung() -> None:
    """A busy machine may delay a script by seconds: hung means at least HUNG_MIN_S without an answer."""
    from bot.app.watchdog import HUNG_MIN_S

    dog = Watchdog(CFG.model_copy(update={"reload_after_silent_s": 6.0}))
    assert dog.plan(state(answered_t=T0 + 100 - HUNG_MIN_S + 1)) is None
    hung = dog.plan(state(answered_t=T0 + 100 - HUNG_MIN_S - 1))
    assert hung is not None and hung.cause is Cause.PAGE_UNRESPONSIVE


def test_limits_set_to_none_are_off() -> None:
    off = Watchdog(CFG.model_copy(update={"browser_rss_limit_mb": None, "max_page_age_h": None}))
    assert (
        off.plan(
            state(
                rss_mb=99_999.0, now=T0 + 99_999, last_event_t=T0 + 99_998, answered_t=T0 + 99_998, idle=True
            )
        )
        is None
    )


def test_a_reload_that_brought_no_game_frame_escalates_to_a_relaunch() -> None:
    dog = Watchdog(CFG)
    first = dog.plan(state(last_event_t=T0 + 50))
    assert first is not None and first.action is Action.RELOAD
    assert dog.admit(first, T0 + 100) is None
    # the page reloaded at T0+101 and stayed silent for another 21 s
    again = dog.plan(state(now=T0 + 122, loaded_t=T0 + 101, last_event_t=T0 + 50, answered_t=T0 + 121))
    assert again is not None and (again.action, again.cause) == (Action.RELAUNCH, Cause.SILENT_FEED)
    # but a reload that brought frames back, and a new silence later, is a reload again
    later = dog.plan(state(now=T0 + 200, loaded_t=T0 + 101, last_event_t=T0 + 150, answered_t=T0 + 199))
    assert later is not None and later.action is Action.RELOAD


def test_the_seventh_recovery_within_an_hour_halts_with_the_reason() -> None:
    dog = Watchdog(CFG)
    crash = Plan(Action.RELAUNCH, Cause.BROWSER_CRASHED, "browser crashed")
    for i in range(6):
        assert dog.admit(crash, T0 + i * 60) is None
    refused = dog.admit(crash, T0 + 6 * 60)
    assert refused is not None
    assert "browser_crashed" in refused and "6 recoveries in the last hour" in refused
    assert "max_recoveries_per_hour = 6" in refused
    assert dog.total == 6  # the refused one was not made
    # an hour after the first, its slot is free again
    assert dog.admit(crash, T0 + 3600 + 1) is None
    assert dog.total == 7


def test_zero_recoveries_per_hour_halts_at_the_first_crash() -> None:
    dog = Watchdog(CFG.model_copy(update={"max_recoveries_per_hour": 0}))
    assert dog.admit(Plan(Action.RELAUNCH, Cause.BROWSER_CRASHED, "x"), T0) is not None


def test_the_relaunch_backoff_doubles_with_each_recovery_of_the_hour_up_to_its_cap() -> None:
    dog = Watchdog(CFG)
    crash = Plan(Action.RELAUNCH, Cause.BROWSER_CRASHED, "x")
    waits = []
    for i in range(6):
        dog.admit(crash, T0 + i)
        waits.append(dog.backoff_s())
    assert waits == [2.0, 4.0, 8.0, 16.0, 30.0, 30.0]


@pytest.mark.parametrize(
    ("cause", "kind"),
    [
        (Cause.BROWSER_CRASHED, "browser_crashed"),
        (Cause.PAGE_CRASHED, "browser_crashed"),
        (Cause.RECOVERY_FAILED, "execution"),
        (Cause.SILENT_FEED, "execution"),
        (Cause.PAGE_UNRESPONSIVE, "execution"),
        (Cause.BROWSER_MEMORY, "execution"),
    ],
)
def test_each_cause_halts_under_a_known_alarm_kind(cause: Cause, kind: str) -> None:
    from bot.risk.guards.alarms import AlarmKind

    assert cause.alarm_kind == kind
    assert kind in AlarmKind._value2member_map_
    assert "protocol_drift" in AlarmKind._value2member_map_


def test_watchdog_defaults_are_the_documented_ones() -> None:
    from bot.config import Profile

    w = Profile().watchdog
    assert (w.reload_after_silent_s, w.max_recoveries_per_hour, w.protocol_drift_limit) == (20.0, 6, 5)
