// Latchkey console: conveniences only. Every page works without this file.
"use strict";

// Copy buttons (<button data-copy="#id" hidden>) appear only where script runs; the text they
// copy is selectable either way.
for (const button of document.querySelectorAll("button[data-copy]")) {
  button.hidden = false;
  button.addEventListener("click", async () => {
    const source = document.querySelector(button.dataset.copy);
    if (!source) {
      return;
    }
    const text = "value" in source ? source.value : source.textContent;
    try {
      await navigator.clipboard.writeText(text);
    } catch {
      source.select?.();
      document.execCommand("copy");
    }
    const label = button.textContent;
    button.textContent = "Copied";
    setTimeout(() => { button.textContent = label; }, 2000);
  });
}

// A page that showed a secret forgets it when it is left, so that the back button cannot bring
// it back from the browser's page cache.
window.addEventListener("pagehide", () => {
  for (const element of document.querySelectorAll("[data-secret]")) {
    if ("value" in element) {
      element.removeAttribute("value");
      element.value = "";
    }
    element.textContent = "";
  }
});
window.addEventListener("pageshow", (event) => {
  if (event.persisted && document.querySelector("[data-secret]")) {
    location.replace("/tokens");
  }
});
