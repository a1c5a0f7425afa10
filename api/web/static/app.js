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

  // On a phone the filters would fill the first screen: they fold behind a button
  // that says how many are in use, so the entries come first. Refused filters stay
  // open, to be changed; a wider window shows them beside the entries again.
  const filters = document.getElementById("filters");
  const narrow = window.matchMedia("(max-width: 59.99rem)");
  if (filters && !errors) {
    const toggle = document.createElement("button");
    toggle.type = "button";
    toggle.className = "quiet filters-toggle";
    toggle.setAttribute("aria-controls", filters.id);
    const used = Number(filters.dataset.inUse || "0");
    const count = used ? " (" + used + " in use)" : "";
    const show = function (open) {
      toggle.setAttribute("aria-expanded", String(open));
      toggle.textContent = (open ? "Hide the filters" : "Show the filters") + count;
      filters.hidden = !open;
    };
    toggle.addEventListener("click", function () {
      show(toggle.getAttribute("aria-expanded") !== "true");
    });
    const fit = function () {
      toggle.hidden = !narrow.matches;
      show(!narrow.matches);
    };
    filters.parentNode.insertBefore(toggle, filters);
    narrow.addEventListener("change", fit);
    fit();
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
