// The /visual page: vis-timeline draws the entries the server put in #visual-data.
"use strict";

(function () {
  const container = document.getElementById("visual");
  const source = document.getElementById("visual-data");
  if (!container || !source || typeof vis === "undefined") {
    return;
  }
  const data = JSON.parse(source.textContent);
  const byId = new Map();
  const DAY = 86400000;

  // Text in a tooltip: vis writes it as HTML, so it is escaped here.
  const escape = function (text) {
    const span = document.createElement("span");
    span.textContent = text;
    return span.innerHTML;
  };

  const items = data.items.map(function (entry) {
    byId.set(entry.id, entry);
    const content = document.createElement("span");
    content.className = "visual-title";
    content.textContent = (entry.retracted ? "Retracted: " : "") + entry.title;
    const classes = ["kind-" + entry.kind];
    if (entry.fuzzy_start) classes.push("fuzzy-start");
    if (entry.fuzzy_end) classes.push("fuzzy-end");
    if (entry.retracted) classes.push("retracted");
    const point = entry.day && !entry.fuzzy_start && !entry.fuzzy_end;
    return {
      id: entry.id,
      group: entry.group,
      content: content,
      start: entry.start,
      end: point ? undefined : entry.end,
      type: point ? "point" : "range",
      className: classes.join(" "),
      title: escape(entry.when + ": " + (entry.retracted ? "(retracted) " : "") + entry.title),
    };
  });
  const groups = data.groups.map(function (lane) {
    return {
      id: lane.id,
      content: lane.content + " (" + lane.entries + ")",
      order: lane.order,
    };
  });

  // The window opens on every entry, a little wider: vis-timeline's own fit counts
  // the titles' widths too, and on a narrow screen would open on the wrong years.
  let first = Infinity;
  let last = -Infinity;
  for (const entry of data.items) {
    first = Math.min(first, Date.parse(entry.start));
    last = Math.max(last, Date.parse(entry.end));
  }
  const margin = Math.max((last - first) * 0.05, DAY);
  // vis-timeline lays out every item in its first window before it clusters any:
  // 10,000 entries would take it twenty seconds. Many entries open on their last
  // weeks, then widen to all of them, clustered, in about one.
  const many = items.length > 500;

  const options = {
    start: many ? last - 30 * DAY : first - margin,
    end: last + margin,
    stack: true,
    orientation: "top",
    groupOrder: "order",
    dataAttributes: ["id"],
    showCurrentTime: false,
    zoomKey: "ctrlKey",
    zoomMin: 2 * DAY,
    margin: { item: { horizontal: 4, vertical: 4 } },
    tooltip: { followMouse: false, overflowMethod: "cap" },
  };
  // Many entries: those that would overlap when zoomed out are drawn as one
  // cluster saying how many it holds, and come apart when zoomed in.
  if (items.length > 150) {
    options.cluster = {
      maxItems: 3,
      titleTemplate: "{count} entries: zoom in to see them",
      clusterCriteria: function (first, second) {
        return first.group === second.group;
      },
    };
  }
  const timeline = new vis.Timeline(
    container,
    new vis.DataSet(items),
    new vis.DataSet(groups),
    options,
  );
  const everything = function () {
    timeline.setWindow(first - margin, last + margin, { animation: false });
  };
  // For the browser tests, and anyone at the console.
  window.visualTimeline = timeline;
  if (many) {
    timeline.once("changed", function () {
      window.setTimeout(everything, 0);
    });
  }

  const open = function (id) {
    if (byId.has(id)) {
      window.location.href = "/entries/" + encodeURIComponent(id);
    }
  };
  timeline.on("click", function (props) {
    if (props.item != null) {
      open(props.item);
    }
  });

  // Entries take keyboard focus and open with Enter, as links do.
  const focusable = function () {
    for (const element of container.querySelectorAll(".vis-item[data-id]")) {
      const entry = byId.get(element.dataset.id);
      if (!entry || element.tabIndex === 0) continue;
      element.tabIndex = 0;
      element.setAttribute("role", "link");
      element.setAttribute("aria-label", entry.when + ": " + entry.title);
    }
  };
  timeline.on("changed", focusable);
  container.addEventListener("keydown", function (event) {
    const target = event.target.closest(".vis-item[data-id]");
    if (target && (event.key === "Enter" || event.key === " ")) {
      event.preventDefault();
      open(target.dataset.id);
    }
  });

  // Buttons for what the mouse does: zoom, move along the dates, see everything.
  const tools = document.getElementById("visual-tools");
  const shift = function (share) {
    const range = timeline.getWindow();
    const width = range.end - range.start;
    timeline.setWindow(range.start.valueOf() + width * share, range.end.valueOf() + width * share);
  };
  const actions = {
    "zoom-in": function () { timeline.zoomIn(0.5); },
    "zoom-out": function () { timeline.zoomOut(0.5); },
    earlier: function () { shift(-0.4); },
    later: function () { shift(0.4); },
    fit: everything,
  };
  if (tools) {
    tools.hidden = false;
    tools.addEventListener("click", function (event) {
      const button = event.target.closest("button[data-action]");
      if (button && actions[button.dataset.action]) {
        actions[button.dataset.action]();
      }
    });
  }
})();
