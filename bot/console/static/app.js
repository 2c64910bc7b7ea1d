// rugsbot operator console: reads /api/state, follows /api/events, sends pause / halt / resume.
// Every value is written with textContent (never innerHTML), so nothing from the feed can become markup.
"use strict";

const TOKEN_KEY = "rugsbot-console-token";
const STATE_POLL_MS = 5000;
const MAX_DECISIONS = 8;
const $ = (id) => document.getElementById(id);

// The tokenized URL (/?token=...): the server set the HttpOnly cookie for reads; the control POSTs need the
// token itself in the Authorization header, so keep it here and take it out of the address bar and history.
(function takeToken() {
  const url = new URL(window.location.href);
  const token = url.searchParams.get("token");
  if (token) {
    localStorage.setItem(TOKEN_KEY, token);
    url.searchParams.delete("token");
    history.replaceState(null, "", url.pathname + url.search + url.hash);
  }
})();

let state = null;
let reachable = false;
let refreshTimer = null;

// ------------------------------------------------------------------ formatting
function sol(lamports, coin) {
  if (lamports === null || lamports === undefined) return "—";
  return `${(lamports / 1e9).toFixed(4)} ${coin || ""}`.trim();
}
function signed(lamports, coin) {
  if (lamports === null || lamports === undefined) return "—";
  return `${lamports > 0 ? "+" : ""}${sol(lamports, coin)}`;
}
function pct(x, digits = 1) {
  return x === null || x === undefined || Number.isNaN(x) ? "—" : `${(x * 100).toFixed(digits)} %`;
}
function ms(x) {
  return x === null || x === undefined ? "—" : `${x.toFixed(0)} ms`;
}
function setText(id, text, cls) {
  const e = $(id);
  e.textContent = text;
  if (cls !== undefined) e.className = cls;
}
function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
}
function row(cells) {
  const tr = document.createElement("tr");
  for (const c of cells) tr.append(typeof c === "object" && c !== null ? c : el("td", c));
  return tr;
}
function betCell(betId) {
  // "<session>-b<seq>": the sequence number is what tells bets apart on a small screen; hover shows the id
  const td = el("td", `#${betId.split("-b").pop()}`);
  td.title = betId;
  return td;
}
function wideCell(text, span) {
  const td = el("td", text, "muted");
  td.colSpan = span;
  return td;
}
function signClass(x) {
  return x > 0 ? "pos" : x < 0 ? "neg" : "";
}

// ------------------------------------------------------------------ rendering
function renderGame(game, estimate) {
  setText("tick", game.tick < 0 ? "—" : game.tick);
  setText("game-id", game.game_id || "—");
  setText("phase", game.phase);
  setText("price", `${Number(game.price).toFixed(3)}x`);
  if (estimate) {
    setText("pwin", `${pct(estimate.p_win, 2)} [${pct(estimate.p_low, 2)}, ${pct(estimate.p_high, 2)}]`);
    setText("ev", `${estimate.ev > 0 ? "+" : ""}${pct(estimate.ev, 1)}`, signClass(estimate.ev));
    const scale = (p) => `${Math.max(0, Math.min(100, (p / 0.4) * 100))}%`;
    $("pbar-ci").style.left = scale(estimate.p_low);
    $("pbar-ci").style.width = `calc(${scale(estimate.p_high)} - ${scale(estimate.p_low)})`;
    $("pbar-p").style.left = scale(estimate.p_win);
    $("pbar-be").style.left = scale(estimate.break_even);
    $("pbar").hidden = false;
  } else {
    $("pbar").hidden = true;
    setText("pwin", "—");
    setText("ev", "—", "");
  }
}

function renderLevel(guards) {
  const level = guards.level;
  setText("level", level, `badge level ${level.toLowerCase()}`);
  setText("guard-level", level);
  const banner = $("banner");
  if (level === "HALTED" || level === "KILLED") {
    banner.hidden = false;
    banner.className = "banner";
    banner.textContent = `${level}: ${guards.reasons.join("; ") || "no reason given"}`;
  } else if (level === "PAUSED") {
    banner.hidden = false;
    banner.className = "banner paused";
    banner.textContent = `PAUSED: ${guards.reasons.join("; ")}`;
  } else {
    banner.hidden = true;
  }
  const list = $("guard-reasons");
  list.replaceChildren();
  for (const p of guards.pauses) {
    const until = p.until_t ? ` (until ${new Date(p.until_t * 1000).toLocaleTimeString()})` : "";
    list.append(el("li", `${p.guard}: ${p.reason}${until}`));
  }
  if (guards.halt) list.append(el("li", `halt by ${guards.halt.source}: ${guards.halt.reason}`));
  if (!list.childElementCount) list.append(el("li", "no guard is tripped", "muted"));
}

function decisionItem(d) {
  const li = el("li");
  li.append(el("span", d.action, `act ${d.action === "BET" ? "bet" : ""}`));
  const amount = d.amount_lamports ? ` ${sol(d.amount_lamports, state ? state.coin_label : "")}` : "";
  li.append(el("span", `tick ${d.tick}${amount}${d.strategy ? ` · ${d.strategy}` : ""}`));
  li.append(el("span", d.reason || "", "why"));
  return li;
}

function renderBets(s) {
  for (const th of document.querySelectorAll("th[data-coin]")) th.textContent = `${th.dataset.coin} (${s.coin_label})`;
  const open = $("open-bets").tBodies[0];
  open.replaceChildren();
  for (const b of s.open_bets) {
    const win = b.start_tick === null ? `decided at ${b.decided_tick}` : `${b.start_tick}→${b.end_tick}`;
    open.append(row([betCell(b.bet_id), b.status, sol(b.amount_lamports), win]));
  }
  if (!s.open_bets.length) open.append(row([wideCell("none", 4)]));
  const settled = $("settled-bets").tBodies[0];
  settled.replaceChildren();
  for (const b of s.settled_bets.slice(0, 20)) {
    const pnl = el("td", signed(b.pnl_lamports), signClass(b.pnl_lamports));
    const lat = b.latency_s === null ? "—" : ms(b.latency_s * 1000);
    settled.append(row([betCell(b.bet_id), b.status, sol(b.amount_lamports), pnl, lat]));
  }
  if (!s.settled_bets.length) settled.append(row([wideCell("none yet", 5)]));
}

function renderEquity(points, coin) {
  // x: settled bet number (not time: bets cluster in a few seconds of each game); y: bankroll
  const svg = $("equity");
  svg.replaceChildren();
  const ns = "http://www.w3.org/2000/svg";
  if (points.length < 2) {
    setText("equity-range", "no settled bet yet");
    return;
  }
  const ys = points.map((p) => p.bankroll_lamports);
  let [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  setText("equity-range", `${points.length - 1} settled bets · low ${sol(y0, coin)} · high ${sol(y1, coin)}`);
  if (y0 === y1) [y0, y1] = [y0 - 1, y1 + 1];
  const X = (i) => 2 + (i / (points.length - 1)) * 296;
  const Y = (y) => 105 - ((y - y0) / (y1 - y0)) * 100;
  const line = document.createElementNS(ns, "polyline");
  line.setAttribute("points", ys.map((y, i) => `${X(i).toFixed(1)},${Y(y).toFixed(1)}`).join(" "));
  line.setAttribute("fill", "none");
  line.setAttribute("stroke", ys[ys.length - 1] >= ys[0] ? "#22c55e" : "#ef4444");
  line.setAttribute("stroke-width", "2");
  line.setAttribute("stroke-linejoin", "round");
  line.setAttribute("vector-effect", "non-scaling-stroke");
  const base = document.createElementNS(ns, "line");
  for (const [k, v] of [["x1", 2], ["x2", 298], ["y1", Y(ys[0])], ["y2", Y(ys[0])]]) base.setAttribute(k, String(v));
  base.setAttribute("stroke", "#475569");
  base.setAttribute("stroke-dasharray", "4 4");
  base.setAttribute("vector-effect", "non-scaling-stroke");
  svg.append(base, line);
}

function render(s) {
  state = s;
  setText("mode", s.mode, `badge mode ${s.mode.toLowerCase()}`);
  setText("profile", `${s.profile}${s.session ? ` · ${s.session}` : ""}${s.player ? ` · ${s.player}` : ""}`);
  renderGame(s.game, s.estimate);
  renderLevel(s.guards);
  setText("bankroll", sol(s.bankroll_lamports, s.coin_label));
  setText("pnl", signed(s.session_pnl_lamports, s.coin_label), signClass(s.session_pnl_lamports));
  setText("games", s.games);
  setText("armed", s.armed ? "yes" : "no");
  const f = s.feed;
  setText("feed", f.live ? "live" : f.connected ? "connected, silent" : "DOWN", f.live ? "pos" : "neg");
  setText("feed-age", f.age_s === null ? "—" : `${f.age_s.toFixed(1)} s ago`);
  setText("frames", `${f.frames_in} (${f.sockets_opened} socket${f.sockets_opened === 1 ? "" : "s"})`);
  setText("click-p50", ms(s.clicks.p50_ms));
  setText("click-last", ms(s.clicks.last_ms));
  setText("clicks", s.clicks.count);
  const list = $("decisions");
  list.replaceChildren(...s.decisions.slice(0, MAX_DECISIONS).map(decisionItem));
  if (!s.decisions.length) list.append(el("li", "no decision yet", "muted"));
  renderBets(s);
  renderEquity(s.equity, s.coin_label);
  setText("footer", `${s.running ? "running" : "stopped"} · updated ${new Date(s.t * 1000).toLocaleTimeString()}${s.note ? ` · ${s.note}` : ""}`);
  updateButtons();
}

// ------------------------------------------------------------------ data
async function refresh() {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(refresh, STATE_POLL_MS);
  try {
    const r = await fetch("/api/state", { credentials: "same-origin", cache: "no-store" });
    if (r.status === 401) {
      showAuthNote("Not signed in: open the URL printed by `rugsbot dashboard-url` once in this browser.");
      return;
    }
    if (!r.ok) throw new Error(`HTTP ${r.status}`);
    reachable = true;
    $("offline-note").hidden = true;
    render(await r.json());
  } catch (err) {
    reachable = false;
    setStream(false, "offline");
    const n = $("offline-note");
    n.hidden = false;
    n.textContent = `Cannot reach the bot (${navigator.onLine ? "it may have stopped" : "this device is offline"}). ` +
      (state ? `Last state from ${new Date(state.t * 1000).toLocaleTimeString()}.` : "No state yet.");
    updateButtons();
  }
}
function refreshSoon() {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(refresh, 150);
}

function setStream(on, text) {
  setText("stream", text, `badge stream ${on ? "on" : "off"}`);
}

function follow() {
  const es = new EventSource("/api/events");
  es.onopen = () => setStream(true, "live");
  es.onerror = () => setStream(false, "reconnecting");
  es.addEventListener("tick", (ev) => {
    const t = JSON.parse(ev.data);
    renderGame({ tick: t.tick, game_id: t.game_id, phase: t.phase, price: t.price }, t.estimate);
  });
  es.addEventListener("decision", (ev) => {
    const d = JSON.parse(ev.data).decision;
    const list = $("decisions");
    if (list.firstElementChild && list.firstElementChild.classList.contains("muted")) list.replaceChildren();
    list.prepend(decisionItem(d));
    while (list.childElementCount > MAX_DECISIONS) list.lastElementChild.remove();
  });
  for (const kind of ["bet", "guard", "control"]) es.addEventListener(kind, refreshSoon);
}

// ------------------------------------------------------------------ controls
function token() {
  return localStorage.getItem(TOKEN_KEY);
}
function showAuthNote(text) {
  const n = $("auth-note");
  n.hidden = false;
  n.textContent = text;
}
function updateButtons() {
  const have = Boolean(token()) && reachable;
  const halted = state && (state.guards.level === "HALTED" || state.guards.level === "KILLED");
  const paused = state && state.guards.level === "PAUSED";
  $("btn-pause").disabled = !have || halted || paused;
  $("btn-halt").disabled = !have || halted;
  $("btn-resume").disabled = !have || !(halted || paused);
  if (!token()) showAuthNote("Controls need the token: open the URL printed by `rugsbot dashboard-url` once in this browser.");
}

async function control(action, body) {
  const msg = $("control-msg");
  try {
    const r = await fetch(`/api/${action}`, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${token()}` },
      body: JSON.stringify(body),
    });
    const data = await r.json().catch(() => ({}));
    msg.hidden = false;
    if (!r.ok) {
      msg.textContent = `${action} refused (${r.status}): ${data.error || data.message || ""}`;
    } else if (action === "resume") {
      const cleared = (data.cleared || []).map((h) => `#${h.id} ${h.reason}`).join("; ");
      const unknown = (data.unknown_bets || []).length;
      msg.textContent = `resumed${cleared ? `: cleared ${cleared}` : ""}${unknown ? ` · ${unknown} unknown bet(s) still block betting until reconciled` : ""}`;
    } else {
      msg.textContent = `${action} accepted · now ${data.level}${data.message ? ` · ${data.message}` : ""}`;
    }
  } catch (err) {
    msg.hidden = false;
    msg.textContent = `${action} failed: ${err}`;
  }
  refreshSoon();
}

function wireDialogs() {
  const halt = $("halt-dialog");
  const reason = $("halt-reason");
  $("btn-halt").addEventListener("click", () => {
    reason.value = "";
    $("halt-confirm").disabled = true;
    halt.showModal();
    reason.focus();
  });
  reason.addEventListener("input", () => ($("halt-confirm").disabled = !reason.value.trim()));
  $("halt-cancel").addEventListener("click", () => halt.close());
  $("halt-confirm").addEventListener("click", () => {
    halt.close();
    control("halt", { reason: reason.value.trim() });
  });

  const resume = $("resume-dialog");
  const word = $("resume-word");
  $("btn-resume").addEventListener("click", () => {
    const list = $("resume-reasons");
    list.replaceChildren(...(state ? state.guards.reasons : []).map((r) => el("li", r)));
    word.value = "";
    $("resume-confirm").disabled = true;
    resume.showModal();
    word.focus();
  });
  word.addEventListener("input", () => ($("resume-confirm").disabled = word.value.trim() !== "RESUME"));
  $("resume-cancel").addEventListener("click", () => resume.close());
  $("resume-confirm").addEventListener("click", () => {
    resume.close();
    control("resume", { confirm: "RESUME" });
  });

  $("btn-pause").addEventListener("click", () => control("pause", { reason: "paused from the console" }));
}

// ------------------------------------------------------------------ history
async function loadHistory() {
  try {
    const r = await fetch("/api/history", { credentials: "same-origin", cache: "no-store" });
    if (!r.ok) throw new Error(`HTTP ${r.status}`);
    const h = await r.json();
    const o = h.overall;
    setText(
      "history-overall",
      o.bets
        ? `${h.sessions} sessions · ${o.wins}/${o.bets} won = ${pct(o.rate, 2)}, 95 % interval [${pct(o.low, 2)}, ${pct(o.high, 2)}] ` +
            `vs expected ${pct(o.expected, 2)}: ${o.consistent ? "consistent" : "NOT consistent"} (p = ${o.p_value.toFixed(3)})`
        : `${h.sessions} sessions · no settled bet yet`
    );
    const days = $("history-days").tBodies[0];
    days.replaceChildren(
      ...h.days.map((d) => row([d.day, `${d.mode} ${d.coin}`, d.bets, d.wins, el("td", signed(d.pnl_lamports, d.coin), signClass(d.pnl_lamports))]))
    );
    const strategies = $("history-strategies").tBodies[0];
    strategies.replaceChildren(
      ...h.strategies.map((s) =>
        row([
          s.strategy,
          `${s.mode} ${s.coin}`,
          s.bets,
          `${pct(s.win_rate.rate)} [${pct(s.win_rate.low)}, ${pct(s.win_rate.high)}]`,
          el("td", signed(s.pnl_lamports, s.coin), signClass(s.pnl_lamports)),
        ])
      )
    );
  } catch (err) {
    setText("history-overall", `history unavailable: ${err}`);
  }
}

// ------------------------------------------------------------------ start
wireDialogs();
$("history").addEventListener("toggle", (ev) => ev.target.open && loadHistory());
refresh();
follow();
if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => {});
}
