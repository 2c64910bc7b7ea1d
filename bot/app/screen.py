"""What a run shows the operator: the screen's data while it runs (one :class:`~bot.ui.screen.Screen` value
filled from the loop, the governor, the sniffer's feed health and the broker's statistics; bot/ui draws it,
and drawing never changes what the bot does) and the summary table when it ends.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from bot.bets.model import coin_label
from bot.mode import Mode
from bot.shorten import shorten
from bot.ui.screen import Screen, latency_stats

if TYPE_CHECKING:
    from bot.app.live import LiveRun

REASON_CHARS = 80


def games_played(run: LiveRun) -> int:
    """Games that finished after the bot was ready (armed; watching, in a dry run): the game in progress at
    connect, or one that rugs during the wallet login, is not a game the bot played. ``--games`` stops on it,
    and the screen and the summary count it."""
    if run.loop is None or run.games_base is None:
        return 0
    return run.loop.stats.games_finished - run.games_base


def screen_of(run: LiveRun) -> Screen:
    """What the operator sees now. Amounts stay in lamports: the renderer formats them."""
    assert run.parts is not None
    now = time.time()
    mode, loop, governor, broker = run.mode, run.loop, run.parts.governor, run.broker_stats()
    feed = run.sniffer.health if run.sniffer is not None else None
    view = loop.tracker.view if loop is not None else None
    d = loop.last_decision if loop is not None else None
    led = governor.ledger_view()
    state = governor.state
    last, p50 = latency_stats(list(broker.confirm_latency_s))
    est = d.estimate if d is not None else None
    decision = "—"
    if d is not None:
        decision = (
            f"BET {d.proposal.amount_lamports / 1e9:g} at tick {d.tick}"
            if d.intent is not None and d.proposal is not None
            else f"skip at tick {d.tick}"
        )
    ob = led.open_bet
    return Screen(
        mode=mode.label,
        profile=run.profile.name,
        coin_label=coin_label(run.parts.config.coin, mode),
        game_id=view.game_id if view is not None else None,
        tick=view.tick if view is not None else -1,
        phase=view.phase.value if view is not None else "UNKNOWN",
        price=view.price if view is not None else 1.0,
        p_win=est.p_win if est else None,
        p_low=est.p_low if est else None,
        p_high=est.p_high if est else None,
        ev=est.ev if est else None,
        break_even=est.break_even if est else None,
        last_decision=decision,
        last_reason=shorten(d.reason if d is not None else "", REASON_CHARS),
        bankroll_lamports=led.bankroll_lamports,
        session_pnl_lamports=led.session_pnl_lamports,
        bets=led.bets_this_session,
        open_bet="none" if ob is None else f"{ob.start_tick}→{ob.end_tick}",
        guard_level=state.level.value,
        guard_reasons=tuple(state.reasons)[:3],
        feed_connected=bool(feed and feed.connected),
        feed_age_s=feed.age(now) if feed else None,
        frames_in=feed.frames_in if feed else 0,
        sockets_opened=feed.sockets_opened if feed else 0,
        click_latency_last_ms=last,
        click_latency_p50_ms=p50,
        clicks=broker.clicks,
        games=games_played(run),
        elapsed_s=now - run.started,
        note=f"HALTED: {run.halt_reason}" if run.halt_reason else run.recovery.note() if run.recovery else "",
    )


def summary_of(run: LiveRun) -> dict[str, Any]:
    """The end-of-run numbers, by name (printed as a table; tests and benchmarks read them). Amounts in
    lamports, ``click_confirm_p50_ms`` in milliseconds."""
    assert run.parts is not None and run.loop is not None
    led, broker, s = run.parts.governor.ledger, run.broker_stats(), run.loop.stats
    lat = sorted(broker.confirm_latency_s)
    out: dict[str, Any] = {
        "mode": run.mode.label,
        "profile": run.profile.name,
        "reason": run.reason,
        "duration_s": round(time.time() - run.started, 1),
        "frames": s.frames,
        "games": games_played(run),
        "decisions": s.decisions,
        "intents": s.intents,
        "reports": dict(s.reports),
        "bets": led.bets_this_session - led.unplaced_this_session,  # placed: the server took them
        "not_placed": led.unplaced_this_session,  # rejected by the server or cancelled before a click
        "wins": led.wins,
        "losses": led.losses,
        "wins_total": led.wins_total,  # the account's, across sessions
        "losses_total": led.losses_total,
        "account": led.account,
        "coin": coin_label(run.parts.config.coin, run.mode),
        "session_pnl_lamports": led.session_pnl,
        "bankroll_lamports": led.bankroll,
        "clicks": broker.clicks,
        "click_confirm_p50_ms": round(lat[len(lat) // 2] * 1000, 1) if lat else None,
        "recording": str(run.recorder.current_path) if run.recorder is not None else None,
    }
    if run.recovery is not None:  # the watchdog's reloads and relaunches, and the feed's protocol drift
        extra = run.recovery.summary_fields()
        out["recoveries"] = extra["recoveries"]
        out["protocol_drift"] = extra["protocol_drift"]["total"]
    if run.sim is not None:
        out["sim_url"] = run.sim.url
    return out


def print_summary(mode: Mode, summary: dict[str, Any]) -> None:
    """The summary as a table on stdout."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"rugsbot session summary [{mode.label}]")
    table.add_column("item")
    table.add_column("value")
    for k, v in summary.items():
        table.add_row(k, str(v))
    Console().print(table)
