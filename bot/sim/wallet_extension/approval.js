"use strict";
const $ = (id) => document.getElementById(id);
const reqId = new URLSearchParams(location.search).get("req") || "";
const TITLES = { connect: "Connect", signMessage: "Sign message", signTransaction: "Approve transaction" };

function show(view) {
  for (const v of ["unlock-view", "request-view", "done-view"]) $(v).hidden = v !== view;
}

function done(text) {
  $("done-message").textContent = text;
  show("done-view");
  setTimeout(() => window.close(), 150);
}

function load() {
  chrome.runtime.sendMessage({ type: "getRequest", id: reqId }, (res) => {
    const req = res && res.request;
    if (!req) { done("This request has expired."); return; }
    if (!res.unlocked) { show("unlock-view"); $("password").focus(); return; }
    document.body.dataset.kind = req.kind;
    $("request-kind").textContent = TITLES[req.kind] || req.kind;
    $("request-origin").textContent = req.origin;
    $("request-detail").textContent = req.kind === "connect"
      ? "This site wants to view your public key and request approval for transactions."
      : (req.count > 1 ? req.count + " transactions\n\n" : "") + req.display;
    $("approve-button").textContent = req.kind === "connect" ? "Connect" : "Approve";
    $("reject-button").textContent = req.kind === "connect" ? "Cancel" : "Reject";
    show("request-view");
  });
}

function decide(approved) {
  $("request-error").textContent = "";
  chrome.runtime.sendMessage({ type: "decide", id: reqId, approved }, (res) => {
    if (res && res.ok) done(approved ? "Approved" : "Rejected");
    else $("request-error").textContent = (res && res.error) || "Failed";
  });
}

$("unlock-button").addEventListener("click", () => {
  $("unlock-error").textContent = "";
  chrome.runtime.sendMessage({ type: "unlock", password: $("password").value }, (res) => {
    $("password").value = "";
    if (res && res.ok) load();
    else $("unlock-error").textContent = (res && res.error) || "Unlock failed";
  });
});
$("password").addEventListener("keydown", (e) => { if (e.key === "Enter") $("unlock-button").click(); });
$("approve-button").addEventListener("click", () => decide(true));
$("reject-button").addEventListener("click", () => decide(false));
load();
