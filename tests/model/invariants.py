"""The operator model's invariants: what must hold after every step, held against the simulator's truth.

Pure functions of an :class:`Observation` (the bot's database and CLI views, the simulator's ``/__sim/state``)
and the :class:`History` of what the operator did; each returns the violations it found, as sentences.
Amounts are integer lamports (1e-9 of the coin). The truth of a practice bet is the server's book
(``/__sim/state`` ``bets``); the truth of a paper (dry-run) bet is the rules of protocol.md applied to the
server's own rug tick of its game (a window ``start..end`` wins when the game rugs at a tick <= ``end``).

Whose bet: ``account`` is the server's player id (practice) or ``paper:<profile>`` (dry-run). A bet counts as
*taken* when the server holds it (practice) or it landed on paper and was not voided (dry-run); only
taken bets can win or lose money, so only they count towards the caps and the loss limits.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

PRACTICE, DRY_RUN = "PRACTICE", "DRY-RUN"
OPEN = frozenset({"intent", "clicked", "confirmed", "unknown"})
NEVER_TAKEN = frozenset({"cancelled", "rejected"})
MIN_BET_LAMPORTS = 1_000_000  # protocol.md: the smallest side bet, 0.001
PAYOUT = 5
# Guards whose verdict is a true reason for a run not to bet: limits that were really reached. A run that only
# ever met balance_mismatch / unconfirmed_bet / one_open_bet in two whole games is a bot that stopped betting.
TRUE_REASONS = frozenset(
    {
        "daily_loss_limit",
        "session_loss_limit",
        "max_consecutive_losses",
        "loss_streak_cooldown",
        "max_drawdown",
        "max_bets_per_hour",
        "min_reserve",
        "take_profit",
    }
)


@dataclass(frozen=True)
class Limits:
    """A profile's guards, as the model checks them (lamports)."""

    session_loss: int
    daily_loss: int
    max_consecutive_losses: int
    bets_per_game: int


@dataclass(frozen=True)
class Bet:
    """One row of ``rugsbot bets --json --all`` (plus ``decided_t``, feed time, from the database)."""

    bet_id: str
    session: str
    mode: str
    account: str
    game_id: str
    start_tick: int | None
    end_tick: int | None
    status: str
    amount: int
    payout: int
    evidence: str | None
    message: str
    decided_t: float


@dataclass(frozen=True)
class Session:
    id: str
    mode: str
    profile: str
    account: str | None
    started: float


@dataclass(frozen=True)
class Halt:
    id: int
    reason: str
    source: str
    set_at: float
    session: str | None  # the session whose guard set it (guard_events), None for an operator's
    cleared_at: float | None = None


@dataclass(frozen=True)
class ServerBet:
    player_id: str
    game_id: str
    amount: int
    start_tick: int
    end_tick: int
    outcome: str  # pending | won | lost
    payout: int


@dataclass
class Observation:
    """Everything read after a step, with no run active."""

    bets: list[Bet]
    sessions: dict[str, Session]
    halts: list[Halt]
    active_halt: int | None  # id of the active halt row, from the database
    status: dict[str, object]  # rugsbot status --json
    status_code: int
    server_bets: list[ServerBet]
    balances: dict[str, int]  # practice-coin balance per player id (server)
    requests: dict[str, int]  # requestSidebet received per player id (server)
    rug_ticks: dict[str, int]  # finished games (server)
    books: dict[str, int | None]  # the bot's expected cash per practice account (its ledger)
    verdict_guards: dict[str, Counter[str]]  # session -> guards its decisions' verdicts named
    intents: dict[str, int]  # session -> bets written ahead


@dataclass(frozen=True)
class RunRecord:
    step: int
    mode: str  # PRACTICE | DRY-RUN
    wallet: str
    profile: str
    stop: str
    games: int | None  # --games N when the run was to end by itself
    exit_code: int
    session: str | None
    account: str | None  # logged in as (practice), or paper:<profile>
    refused: bool = False  # a halt was active when it started


@dataclass
class History:
    runs: list[RunRecord] = field(default_factory=list)
    resumes: list[float] = field(default_factory=list)  # wall times of resumes that cleared a halt
    operator_halts: list[float] = field(default_factory=list)  # wall times of the operator's halts
    limits: dict[str, Limits] = field(default_factory=dict)  # profile name -> limits


Check = Callable[[Observation, History], list[str]]


# ---------------------------------------------------------------------------------------------- the truth


def match_server(obs: Observation) -> tuple[dict[str, ServerBet], list[str]]:
    """Each practice bet of the database and the server bet it is, by account, game and window; a bet the bot
    never learnt the window of (killed between click and confirmation) is matched by game and stake to a server
    bet no other bet explains. Returns the matches and the server bets no bet of the bot explains."""
    found: dict[str, ServerBet] = {}
    problems: list[str] = []
    mine = [b for b in obs.bets if b.mode == PRACTICE]
    by_window = {(s.player_id, s.game_id, s.start_tick): s for s in obs.server_bets}
    used: set[int] = set()
    for b in mine:
        if b.start_tick is None:
            continue
        s = by_window.get((b.account, b.game_id, b.start_tick))
        if s is None:
            problems.append(
                f"{b.bet_id} ({b.status}) has window {b.start_tick}-{b.end_tick}: not on the server"
            )
            continue
        found[b.bet_id] = s
        used.add(id(s))
    for s in obs.server_bets:
        if id(s) in used:
            continue
        cand = next(
            (
                b
                for b in mine
                if b.bet_id not in found
                and b.start_tick is None
                and (b.account, b.game_id, b.amount) == (s.player_id, s.game_id, s.amount)
            ),
            None,
        )
        if cand is None:
            problems.append(f"server bet {s.game_id}@{s.start_tick} of {s.player_id} is no bet of the bot")
        else:
            found[cand.bet_id] = s
    return found, problems


def taken(b: Bet, server: dict[str, ServerBet]) -> bool:
    """The server holds it (practice), or it landed on paper and was not voided (dry-run)."""
    if b.mode == PRACTICE:
        return b.bet_id in server
    return b.status in ("won", "lost") or (b.status == "confirmed" and b.start_tick is not None)


def true_pnl(b: Bet, server: dict[str, ServerBet], obs: Observation) -> int | None:
    """Profit of a bet in truth: payout - stake; 0 if never taken; None while it is still running."""
    if not taken(b, server):
        return 0
    if b.mode == PRACTICE:
        s = server[b.bet_id]
        return None if s.outcome == "pending" else s.payout - s.amount
    if b.start_tick is None or b.end_tick is None:
        return 0  # a paper bet that never landed (voided)
    rug = obs.rug_ticks.get(b.game_id)
    if rug is None:
        return None
    return b.amount * (PAYOUT - 1) if rug <= b.end_tick else -b.amount


def _later_sessions_settled(obs: Observation, hist: History, b: Bet) -> list[str]:
    """Sessions of the bet's account and mode, started after its own, that must have explained it: they wrote a
    bet (which the balance guard allows only once earlier bets are explained) or finished their games."""
    mine = obs.sessions.get(b.session)
    clean = {r.session for r in hist.runs if r.exit_code == 0 and r.games is not None}
    out = []
    for s in obs.sessions.values():
        if mine is None or s.started <= mine.started or s.mode != b.mode:
            continue
        acct = s.account if s.mode == PRACTICE else f"paper:{s.profile}"
        if acct == b.account and (obs.intents.get(s.id, 0) > 0 or s.id in clean):
            out.append(s.id)
    return out


# ---------------------------------------------------------------------------------------------- invariants


def books_equal_server(obs: Observation, hist: History) -> list[str]:
    """Every bet the bot booked is the server's: won or lost as the server says with its payout, cancelled or
    rejected only when the server never took it, confirmed only when the server has it; every server bet of the
    bot's accounts is one of the bot's; one request per bet; a paper bet is booked as the rules say on the
    server's rug tick, and no request ever comes from a page that is not logged in."""
    out: list[str] = []
    server, problems = match_server(obs)
    out += problems
    for b in obs.bets:
        s = server.get(b.bet_id)
        if b.mode == PRACTICE:
            if b.status in ("won", "lost"):
                if s is None or (s.outcome, s.payout, s.amount) != (b.status, b.payout, b.amount):
                    out.append(f"{b.bet_id} booked {b.status} {b.payout} ({b.evidence}); server: {s}")
            elif b.status in NEVER_TAKEN and s is not None:
                out.append(
                    f"{b.bet_id} booked {b.status} ({b.evidence}: {b.message}) but the server took it: {s}"
                )
            elif b.status == "confirmed" and s is None:
                out.append(f"{b.bet_id} confirmed but the server never took it")
        elif b.mode == DRY_RUN and b.status in ("won", "lost"):
            pnl = true_pnl(b, server, obs)
            want = None if pnl is None else ("won" if pnl > 0 else "lost")
            payout = b.amount * PAYOUT if b.status == "won" else 0
            if want is not None and (want != b.status or payout != b.payout):
                out.append(
                    f"paper {b.bet_id} {b.start_tick}-{b.end_tick} booked {b.status} {b.payout}; "
                    f"the game rugged at {obs.rug_ticks.get(b.game_id)}"
                )
    if obs.requests.get("<unauthenticated>"):
        out.append(f"{obs.requests['<unauthenticated>']} side-bet request(s) from a page not logged in")
    for acct, n in obs.requests.items():
        if acct == "<unauthenticated>":
            continue
        held = sum(1 for s in obs.server_bets if s.player_id == acct)
        maybe_sent = sum(
            1
            for b in obs.bets
            if b.account == acct
            and b.bet_id not in server
            and (b.status in ("rejected", "intent", "clicked", "unknown") or (
                b.status == "cancelled" and b.evidence != "not_clicked"))
        )  # fmt: skip
        if not held <= n <= held + maybe_sent:
            out.append(
                f"{acct}: {n} requests for {held} server bets and {maybe_sent} bet(s) that may have sent one"
            )
    return out


def open_bets_explained(obs: Observation, hist: History) -> list[str]:
    """A bet still open is allowed only when explained: no later session of its account and mode has run far
    enough to settle it (the run that wrote it was stopped, or the account has not been back since)."""
    out = []
    for b in obs.bets:
        if b.status in OPEN:
            later = _later_sessions_settled(obs, hist, b)
            if later:
                out.append(
                    f"{b.bet_id} ({b.account}) still {b.status} after session(s) {later} of its account"
                )
    return out


def one_bet_at_a_time(obs: Observation, hist: History) -> list[str]:
    """Never two of the bot's bets active at once: at most one open bet per account, windows of one account in
    one game never overlap, and the server never had to refuse a bet because one was active."""
    out = []
    opened = Counter(b.account for b in obs.bets if b.status in OPEN)
    out += [f"{acct} has {n} open bets" for acct, n in opened.items() if n > 1]
    key = lambda b: (b.account, b.game_id)  # noqa: E731
    windowed = sorted(
        (b for b in obs.bets if b.start_tick is not None and b.status not in NEVER_TAKEN), key=key
    )
    for (acct, game), group in itertools.groupby(windowed, key=key):
        ws = sorted((b.start_tick, b.end_tick, b.bet_id) for b in group)
        for a, c in itertools.pairwise(ws):
            if a[1] is not None and c[0] is not None and c[0] < a[1]:
                out.append(f"{acct} in {game}: {a[2]} {a[0]}-{a[1]} overlaps {c[2]} {c[0]}-{c[1]}")
    for b in obs.bets:
        if "already have an active side bet" in b.message:
            out.append(f"{b.bet_id} was refused by the server: {b.message}")
    return out


def _profile_of(obs: Observation, hist: History, b: Bet) -> Limits | None:
    s = obs.sessions.get(b.session)
    return None if s is None else hist.limits.get(s.profile)


def bets_per_game(obs: Observation, hist: History) -> list[str]:
    """Never more taken bets in a game than the cap of the profile that placed each of them."""
    out = []
    server, _ = match_server(obs)
    counted: Counter[tuple[str, str]] = Counter()
    for b in sorted(obs.bets, key=lambda b: b.decided_t):
        if not taken(b, server):
            continue
        counted[(b.account, b.game_id)] += 1
        lim = _profile_of(obs, hist, b)
        n = counted[(b.account, b.game_id)]
        if lim is not None and n > lim.bets_per_game:
            out.append(f"{b.bet_id}: bet {n} of {b.account} in {b.game_id} (cap {lim.bets_per_game})")
    return out


def loss_limits(obs: Observation, hist: History) -> list[str]:
    """Loss limits never exceeded, in truth: each taken bet's whole stake fitted in what its profile's session
    and daily loss limits left, and it was not placed after ``max_consecutive_losses`` losses in a row (the
    account's streak over every session; a win or a resume resets it)."""
    out = []
    server, _ = match_server(obs)
    by_account: dict[str, list[Bet]] = {}
    for b in sorted(obs.bets, key=lambda b: b.decided_t):
        if taken(b, server):
            by_account.setdefault(b.account, []).append(b)
    for acct, bets in by_account.items():
        session_pnl: Counter[str] = Counter()
        day_pnl: Counter[int] = Counter()
        streak = 0
        last_t = 0.0
        for b in bets:
            if any(last_t < t <= b.decided_t for t in hist.resumes):
                streak = 0
            last_t = b.decided_t
            lim = _profile_of(obs, hist, b)
            day = int(b.decided_t // 86_400)
            if lim is not None:
                if b.amount - session_pnl[b.session] > lim.session_loss:
                    out.append(
                        f"{b.bet_id}: stake {b.amount} with session P&L {session_pnl[b.session]} "
                        f"passes the session loss limit {lim.session_loss}"
                    )
                if b.amount - day_pnl[day] > lim.daily_loss:
                    out.append(
                        f"{b.bet_id}: stake {b.amount} with {acct}'s day P&L {day_pnl[day]} "
                        f"passes the daily loss limit {lim.daily_loss}"
                    )
                if streak >= lim.max_consecutive_losses:
                    out.append(
                        f"{b.bet_id} placed after {streak} losses in a row (limit {lim.max_consecutive_losses})"
                    )
            pnl = true_pnl(b, server, obs)
            pnl = -b.amount if pnl is None else pnl
            session_pnl[b.session] += pnl
            day_pnl[day] += pnl
            streak = 0 if pnl > 0 else streak + 1
    return out


def ledger_equals_server(obs: Observation, hist: History) -> list[str]:
    """Per practice account, the bot's books equal the server's balance. Precisely: the ledger's expected cash
    (its last anchor on a server balance, every stake debited from its write-ahead intent, payouts credited at
    settlement) plus, for each bet the bot still has open, what the server did with it since: its payout if the
    server settled it, nothing if it still runs, the stake back if the server never took it."""
    out = []
    server, _ = match_server(obs)
    for acct, books in obs.books.items():
        if books is None or acct not in obs.balances:
            continue
        adjust = 0
        for b in obs.bets:
            if b.account != acct or b.status not in OPEN:
                continue
            s = server.get(b.bet_id)
            adjust += b.amount if s is None else (0 if s.outcome == "pending" else s.payout)
        if books + adjust != obs.balances[acct]:
            out.append(
                f"{acct}: books {books} + open bets' fate {adjust} != server balance {obs.balances[acct]} "
                f"(diff {obs.balances[acct] - books - adjust})"
            )
    return out


def halts_for_true_reasons(obs: Observation, hist: History) -> list[str]:
    """Every halt the bot recorded has a true reason: the operator's ``rugsbot halt``, a loss streak that really
    reached the profile's limit, or a session loss that really left less than a minimum bet. Never a balance
    mismatch, a reconciliation alarm or a crash alarm after an ordinary stop and restart."""
    out = []
    server, _ = match_server(obs)
    for h in obs.halts:
        if h.source.startswith("cli:"):
            if not any(abs(t - h.set_at) < 120 for t in hist.operator_halts):
                out.append(f"halt #{h.id} from {h.source} that the operator never asked for: {h.reason}")
            continue
        s = obs.sessions.get(h.session or "")
        lim = hist.limits.get(s.profile) if s is not None else None
        acct = None if s is None else (s.account if s.mode == PRACTICE else f"paper:{s.profile}")
        bets = [b for b in obs.bets if b.account == acct and b.decided_t <= h.set_at and taken(b, server)]
        if lim is not None and h.source == "guard:max_consecutive_losses":
            streak, last_t = 0, 0.0
            for b in sorted(bets, key=lambda b: b.decided_t):
                if any(last_t < t <= b.decided_t for t in hist.resumes):
                    streak = 0
                last_t = b.decided_t
                pnl = true_pnl(b, server, obs)
                streak = 0 if pnl is not None and pnl > 0 else streak + 1
            if any(last_t < t <= h.set_at for t in hist.resumes):
                streak = 0
            if streak < lim.max_consecutive_losses:
                out.append(f"halt #{h.id} ({h.reason}) but the true streak was {streak}")
            continue
        if lim is not None and h.source == "guard:session_loss_limit":
            pnl = sum(true_pnl(b, server, obs) or 0 for b in bets if b.session == h.session)
            if lim.session_loss + pnl >= MIN_BET_LAMPORTS:
                out.append(f"halt #{h.id} ({h.reason}) but the session's true P&L was {pnl}")
            continue
        out.append(f"halt #{h.id} for no true reason: {h.source}: {h.reason}")
    return out


def no_bets_while_halted(obs: Observation, hist: History) -> list[str]:
    """A halt stops betting within one poll (``halt_poll_s`` = 0.2 s of feed time; 1 s allowed here): no bet
    is written ahead while a halt is in force, in any mode."""
    out = []
    for h in obs.halts:
        until = h.cleared_at if h.cleared_at is not None else float("inf")
        for b in obs.bets:
            if h.set_at + 1.0 < b.decided_t < until:
                out.append(f"{b.bet_id} ({b.mode}) written {b.decided_t - h.set_at:.1f} s into halt #{h.id}")
    return out


def bets_again(obs: Observation, hist: History) -> list[str]:
    """A run that played its games to the end (``--games N``, N >= 2, exit 0) placed a bet, unless a guard
    with a true reason (a limit reached, a cooldown) said why in its decisions."""
    out = []
    for r in hist.runs:
        if r.session is None or r.exit_code != 0 or r.games is None or r.games < 2:
            continue
        if obs.intents.get(r.session, 0) > 0:
            continue
        named = obs.verdict_guards.get(r.session, Counter())
        if not set(named) & TRUE_REASONS:
            out.append(
                f"step {r.step}: {r.mode} run {r.session} ({r.wallet}, {r.profile}) played {r.games} games and "
                f"never bet; its verdicts named {dict(named) or 'no guard'}"
            )
    return out


def views_agree(obs: Observation, hist: History) -> list[str]:
    """``status --json`` and ``bets --json --all`` tell the same story as the database: the halt (and exit code
    3), the open bets and whose they are, the last session's count of bets, an intact database."""
    out = []
    st = obs.status
    halted = st.get("halt") is not None
    if halted != (obs.active_halt is not None) or (obs.status_code == 3) != halted:
        out.append(
            f"status says halt={st.get('halt')} (exit {obs.status_code}); database active halt {obs.active_halt}"
        )
    listed = {str(b["bet_id"]) for b in st.get("open_bets", [])}  # type: ignore[attr-defined]
    open_ids = {b.bet_id for b in obs.bets if b.status in OPEN}
    if listed != open_ids:
        out.append(f"status open bets {sorted(listed)} != bets --json open {sorted(open_ids)}")
    last = st.get("last_session")
    if isinstance(last, dict):
        mine = last.get("account")  # None: the last session never learnt it (refused while halted, killed)
        for ob in st.get("open_bets", []):  # type: ignore[attr-defined]
            if mine is not None and ob["foreign"] != (ob["account"] != mine):
                out.append(
                    f"open bet {ob['bet_id']} of {ob['account']} foreign={ob['foreign']} in a session of {mine}"
                )
        if last.get("bets") != obs.intents.get(str(last.get("id")), 0):
            out.append(
                f"last session {last.get('id')} shows {last.get('bets')} bets, wrote {obs.intents.get(str(last.get('id')))}"
            )
    if st.get("integrity") not in (None, "ok"):
        out.append(f"database integrity: {st.get('integrity')}")
    return out


def accounts_persist(obs: Observation, hist: History) -> list[str]:
    """One wallet is one account across the runs of a sequence; two wallets are two accounts; a throw-away
    wallet is a new account every time."""
    out = []
    seen: dict[str, set[str]] = {}
    for r in hist.runs:
        if r.mode == PRACTICE and r.account is not None:
            seen.setdefault(r.wallet, set()).add(r.account)
    for w in ("A", "B"):
        if len(seen.get(w, ())) > 1:
            out.append(f"wallet {w} logged in as {sorted(seen[w])}")
    if seen.get("A") and seen.get("A") == seen.get("B"):
        out.append(f"wallets A and B are one account {seen['A']}")
    fresh = [r.account for r in hist.runs if r.wallet == "fresh" and r.mode == PRACTICE and r.account]
    if len(fresh) != len(set(fresh)) or set(fresh) & (seen.get("A", set()) | seen.get("B", set())):
        out.append(f"a throw-away wallet reused an account: {fresh}")
    return out


INVARIANTS: tuple[Check, ...] = (
    books_equal_server,
    open_bets_explained,
    one_bet_at_a_time,
    bets_per_game,
    loss_limits,
    ledger_equals_server,
    halts_for_true_reasons,
    no_bets_while_halted,
    bets_again,
    views_agree,
    accounts_persist,
)


def untouched(before: Iterable[Bet], after: Iterable[Bet], owner: str | None, mode: str | None) -> list[str]:
    """A step moves only the bets of the account and mode it ran as (``owner``/``mode``; None: no run, or a run
    that never learnt its account): every other bet keeps its status, evidence, window and payout."""
    now = {b.bet_id: b for b in after}
    out = []
    for b in before:
        a = now.get(b.bet_id)
        if a is None:
            out.append(f"{b.bet_id} disappeared from the database")
            continue
        mine = owner is not None and b.account == owner and b.mode == mode
        moved = (a.status, a.evidence, a.start_tick, a.payout) != (
            b.status,
            b.evidence,
            b.start_tick,
            b.payout,
        )
        if moved and not mine:
            out.append(
                f"{b.bet_id} of {b.account} ({b.mode}) moved {b.status}->{a.status} ({a.evidence}: {a.message}) "
                f"by a step that ran as {owner or 'nobody'} ({mode})"
            )
    return out
