// The date field (templates/_date_field.html): as the person types a date or a
// phrase, ask /api/v1/dates/resolve what it becomes against the reference date,
// show the EDTF, the days it covers in words and why, and offer "use this".
// Without this script the form sends the text and the server reads it.
(function () {
  "use strict";

  var MONTHS = ["January", "February", "March", "April", "May", "June", "July",
    "August", "September", "October", "November", "December"];
  var WAIT_MS = 250;

  function spelled(iso) {
    var parts = iso.split("-");
    return Number(parts[2]) + " " + MONTHS[Number(parts[1]) - 1] + " " + Number(parts[0]);
  }

  function bounds(found) {
    if (found.start === found.end) return "on " + spelled(found.start);
    return "between " + spelled(found.start) + " and " + spelled(found.end);
  }

  function span(attribute, text, className) {
    var node = document.createElement("span");
    node.setAttribute(attribute, "");
    if (className) node.className = className;
    node.textContent = text;
    return node;
  }

  function attach(field) {
    var input = field.querySelector("[data-date-input]");
    var reference = field.querySelector("[data-date-reference]");
    var output = field.querySelector("[data-date-output]");
    var url = field.getAttribute("data-resolve-url");
    var noteName = field.getAttribute("data-note-field");
    var form = field.closest("form");
    var timer = null;
    var asked = 0;

    function show(nodes) {
      output.replaceChildren.apply(output, nodes);
    }

    function found(result) {
      var edtf = document.createElement("span");
      edtf.setAttribute("data-date-edtf", "");
      var code = document.createElement("code");
      code.textContent = result.edtf;
      edtf.appendChild(code);
      var use = document.createElement("button");
      use.type = "button";
      use.className = "date-use";
      use.setAttribute("data-date-use", "");
      use.textContent = "use this";
      use.addEventListener("click", function () {
        input.value = result.edtf;
        var note = noteName && form ? form.elements.namedItem(noteName) : null;
        if (note) note.value = result.basis;
        input.removeAttribute("aria-invalid");
        input.focus();
      });
      show([edtf, span("data-date-bounds", bounds(result)),
        span("data-date-basis", result.basis, "date-basis"), use]);
    }

    function refused(problem) {
      var errors = problem.errors || [];
      var first = errors[0] || {};
      var where = first.loc ? first.loc[first.loc.length - 1] : "";
      var message = first.msg || problem.detail || "not a date";
      show([span("data-date-error", (where ? where + ": " : "") + message, "date-error")]);
    }

    function ask() {
      var text = input.value.trim();
      if (!text) {
        show([]);
        return;
      }
      var mine = ++asked;
      var query = new URLSearchParams({ phrase: text });
      // Without a reference only EDTF reads; today would stand in for the report's date.
      query.set("reference", reference.value || new Date().toISOString().slice(0, 10));
      fetch(url + "?" + query.toString(), { headers: { Accept: "application/json" } })
        .then(function (response) {
          return response.json().then(function (body) {
            return { ok: response.ok, body: body };
          });
        })
        .then(function (answer) {
          if (mine !== asked) return; // a later keystroke's answer will come
          if (answer.ok) {
            if (!reference.value && answer.body.basis !== "as written") {
              refused({ detail: "reference: a phrase needs the reference date: the report's publication" });
            } else {
              found(answer.body);
            }
          } else {
            refused(answer.body);
          }
        })
        .catch(function () {
          if (mine === asked) show([span("data-date-error", "could not ask the server", "date-error")]);
        });
    }

    function later() {
      clearTimeout(timer);
      timer = setTimeout(ask, WAIT_MS);
    }

    input.addEventListener("input", later);
    reference.addEventListener("input", later);
    reference.addEventListener("change", later);
  }

  document.querySelectorAll("[data-date-field]").forEach(attach);
})();
