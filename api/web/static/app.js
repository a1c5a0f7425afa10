// A little help on top of pages that work without it.
"use strict";

(function () {
  // Filters: leave unused fields out of the URL, so a shared link holds only what
  // it filters by (the server would redirect to the same URL without them).
  for (const form of document.querySelectorAll("form.filters")) {
    form.addEventListener("submit", function () {
      for (const field of form.elements) {
        if (field.name && field.type !== "checkbox" && field.value.trim() === "") {
          field.disabled = true;
        }
      }
    });
  }
  // Coming back with the Back button shows the page as it was left: enable them again.
  window.addEventListener("pageshow", function () {
    for (const field of document.querySelectorAll("form.filters [disabled]")) {
      field.disabled = false;
    }
  });

  // A page refused for its filters: take keyboard focus to the list of what to change.
  const errors = document.getElementById("errors");
  if (errors) {
    errors.focus();
  }

  // One button to open or close every entry's sources on the page.
  const sources = document.querySelectorAll("details.sources");
  const list = document.querySelector(".list");
  if (sources.length > 1 && list) {
    const tools = document.createElement("p");
    tools.className = "tools";
    const button = document.createElement("button");
    button.type = "button";
    button.className = "quiet";
    button.textContent = "Open all sources";
    button.addEventListener("click", function () {
      const open = button.dataset.open !== "true";
      for (const details of sources) {
        details.open = open;
      }
      button.dataset.open = String(open);
      button.textContent = open ? "Close all sources" : "Open all sources";
    });
    tools.appendChild(button);
    const firstMonth = list.querySelector(".month");
    list.insertBefore(tools, firstMonth);
  }
})();
