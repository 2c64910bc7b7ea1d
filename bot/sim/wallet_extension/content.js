/*
 * ISOLATED-world relay between the page's provider (window.postMessage) and the background service worker
 * (chrome.runtime). It adds the page origin itself, so a page cannot claim to be another site.
 */
(function () {
  "use strict";
  const TO_CONTENT = "rugsbot-phantom-content";
  const TO_INPAGE = "rugsbot-phantom-inpage";

  window.addEventListener("message", (ev) => {
    if (ev.source !== window || !ev.data || ev.data.target !== TO_CONTENT) return;
    const { id, method, params } = ev.data;
    const reply = (body) => window.postMessage(Object.assign({ target: TO_INPAGE, id }, body), window.location.origin);
    try {
      chrome.runtime.sendMessage({ type: "rpc", method, params, origin: window.location.origin }, (resp) => {
        if (chrome.runtime.lastError || !resp) {
          reply({ error: { code: 4900, message: "Wallet unavailable: " +
            ((chrome.runtime.lastError && chrome.runtime.lastError.message) || "no response") } });
          return;
        }
        reply(resp);
      });
    } catch (e) {
      reply({ error: { code: 4900, message: "Wallet unavailable: " + e.message } });
    }
  });
})();
