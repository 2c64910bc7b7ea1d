"use strict";
const $ = (id) => document.getElementById(id);

function render() {
  chrome.runtime.sendMessage({ type: "status" }, (st) => {
    st = st || {};
    $("setup-view").hidden = !!st.exists;
    $("locked-view").hidden = !st.exists || st.unlocked;
    $("unlocked-view").hidden = !st.exists || !st.unlocked;
    $("public-key").textContent = st.publicKey || "";
    $("trusted-origins").textContent = (st.trustedOrigins || []).join(", ") || "none";
  });
}

$("open-onboarding").addEventListener("click", () => chrome.tabs.create({ url: "onboarding.html" }));
$("unlock-button").addEventListener("click", () => {
  $("error").textContent = "";
  chrome.runtime.sendMessage({ type: "unlock", password: $("password").value }, (res) => {
    $("password").value = "";
    if (res && res.ok) render();
    else $("error").textContent = (res && res.error) || "Unlock failed";
  });
});
$("lock-button").addEventListener("click", () => chrome.runtime.sendMessage({ type: "lock" }, render));
render();
