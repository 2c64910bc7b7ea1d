"use strict";
// The toolbar popup: sends a wallet that does not exist yet to onboarding, asks for the password while locked,
// shows each pending network announcement ("Enable Sui", "Enable Monad") once, then the account home.

function show(view) {
  for (const v of ["locked-view", "interstitial-view", "unlocked-view"]) $(v).hidden = v !== view;
}

async function render() {
  const st = await send({ type: "status" });
  if (!st.exists) { location.replace("onboarding.html"); return; }
  if (!st.unlocked) { show("locked-view"); return; }
  if (st.interstitial) {
    $("interstitial-title").textContent = "Enable " + st.interstitial + "?";
    $("interstitial-enable").textContent = "Enable " + st.interstitial;
    show("interstitial-view");
    return;
  }
  $("public-key").textContent = st.publicKey || "";
  $("trusted-origins").textContent = (st.trustedOrigins || []).join(", ") || "none";
  show("unlocked-view");
}

async function dismissInterstitial() {
  await send({ type: "dismissInterstitial" });
  render();
}

wireUnlockForm($("unlock-form"), $("password"), $("error"), render);
$("interstitial-enable").addEventListener("click", dismissInterstitial);
$("interstitial-later").addEventListener("click", dismissInterstitial);
document.querySelector('[data-testid="lock-menu-item"]').addEventListener("click", async () => {
  await send({ type: "lock" });
  render();
});
render();
