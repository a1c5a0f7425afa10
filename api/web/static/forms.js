// The write forms work without this script: inputs take ids or names, the
// "new actor" fields register an actor with the entry, the server previews a
// correction. With it:
// - a field the server marked as wrong takes the focus;
// - pickers ([data-picker]) suggest actors or sources as one types, in any
//   script ("zelensky" finds Зеленський), and fill in the id picked (in a
//   textarea of one actor a line, on the caret's line);
// - the "new actor" fields become a small dialog that registers at once;
// - a correction form shows its old → new as it is typed.
(function () {
  "use strict";

  var wrong = document.querySelector('.write-form [aria-invalid="true"]');
  if (wrong) {
    wrong.focus();
  }

  var csrfOf = function (form) {
    var field = form && form.querySelector('[name="csrf_token"]');
    return field ? field.value : "";
  };

  // Pickers ----------------------------------------------------------------

  var count = 0;

  function picker(input) {
    var kind = input.getAttribute("data-picker");
    var list = document.createElement("ul");
    var id = "picker-" + (count += 1);
    var items = [];
    var active = -1;
    var timer = null;
    var asked = "";
    list.id = id;
    list.className = "picker-list";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    input.parentNode.appendChild(list);
    // The script's list stands in for the browser's datalist.
    input.removeAttribute("list");
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", id);

    function close() {
      list.hidden = true;
      active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }

    // A textarea holds one actor a line: the picker reads and fills the caret's line.
    var lines = input.tagName === "TEXTAREA";

    function lineAt() {
      var text = input.value;
      var caret = input.selectionStart;
      var start = text.lastIndexOf("\n", caret - 1) + 1;
      var end = text.indexOf("\n", caret);
      return { start: start, end: end < 0 ? text.length : end };
    }

    function typed() {
      if (!lines) {
        return input.value.trim();
      }
      var line = lineAt();
      return input.value.slice(line.start, line.end).trim();
    }

    function choose(index) {
      if (index < 0 || index >= items.length) {
        return;
      }
      if (lines) {
        var line = lineAt();
        var text = input.value;
        input.value = text.slice(0, line.start) + items[index].id + text.slice(line.end);
        var caret = line.start + items[index].id.length;
        input.setSelectionRange(caret, caret);
        close();
        input.dispatchEvent(new Event("change", { bubbles: true }));
        return;
      }
      input.value = items[index].id;
      input.setAttribute("data-picked-name", items[index].name);
      // A source picked first dates the report: its phrases are read against it.
      var reference = input.form && input.form.querySelector("[data-date-reference]");
      if (items[index].published && reference && !reference.value && input.name === "sources.0.source") {
        reference.value = items[index].published.slice(0, 10);
        reference.dispatchEvent(new Event("input", { bubbles: true }));
      }
      close();
      input.dispatchEvent(new Event("change", { bubbles: true }));
    }

    function mark(index) {
      var options = list.children;
      for (var i = 0; i < options.length; i += 1) {
        options[i].setAttribute("aria-selected", i === index ? "true" : "false");
      }
      active = index;
      if (index >= 0) {
        input.setAttribute("aria-activedescendant", options[index].id);
        options[index].scrollIntoView({ block: "nearest" });
      }
    }

    function show(found) {
      items = found;
      list.textContent = "";
      found.forEach(function (item, i) {
        var option = document.createElement("li");
        option.id = id + "-" + i;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.setAttribute("data-id", item.id);
        option.appendChild(document.createTextNode(item.name));
        var slug = document.createElement("span");
        slug.className = "picker-id";
        slug.textContent = item.id;
        option.appendChild(slug);
        if (item.hint) {
          var hint = document.createElement("span");
          hint.className = "picker-hint";
          hint.textContent = item.hint;
          option.appendChild(hint);
        }
        // mousedown, not click: the input must not lose its value to blur first.
        option.addEventListener("mousedown", function (event) {
          event.preventDefault();
          choose(i);
        });
        list.appendChild(option);
      });
      if (found.length) {
        list.style.top = input.offsetTop + input.offsetHeight + "px";
        list.hidden = false;
        input.setAttribute("aria-expanded", "true");
        mark(-1);
      } else {
        close();
      }
    }

    function ask() {
      var text = typed();
      if (!text) {
        close();
        return;
      }
      asked = text;
      // The link form's picker leaves out the entry being changed.
      var besides = input.getAttribute("data-besides");
      var query = "?q=" + encodeURIComponent(text);
      if (besides) {
        query += "&besides=" + encodeURIComponent(besides);
      }
      fetch("/forms/suggest/" + kind + query, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      })
        .then(function (answer) {
          return answer.ok ? answer.json() : { items: [] };
        })
        .then(function (body) {
          // An answer to an older text is dropped: only the latest counts; and an
          // answer that comes after the person moved on opens no list over the next field.
          if (asked === text && typed() === text && document.activeElement === input) {
            show(body.items || []);
          }
        })
        .catch(close);
    }

    input.addEventListener("input", function () {
      input.removeAttribute("data-picked-name");
      clearTimeout(timer);
      timer = setTimeout(ask, 150);
    });
    input.addEventListener("keydown", function (event) {
      if (list.hidden) {
        return;
      }
      if (event.key === "ArrowDown") {
        event.preventDefault();
        mark(Math.min(active + 1, items.length - 1));
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        mark(Math.max(active - 1, 0));
      } else if (event.key === "Enter" && active >= 0) {
        event.preventDefault();
        choose(active);
      } else if (event.key === "Escape") {
        close();
      }
    });
    input.addEventListener("blur", function () {
      setTimeout(close, 100);
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-picker]"), picker);

  // The "new actor" dialog -------------------------------------------------

  var inline = document.querySelector("[data-new-actor]");
  if (inline && typeof HTMLDialogElement === "function") {
    var form = inline.closest("form");
    var lastPicker = null;
    document.addEventListener("focusin", function (event) {
      var target = event.target;
      if (target.matches && target.matches('input[data-picker="actors"]')) {
        lastPicker = target;
      }
    });
    var kinds = Array.prototype.map.call(
      inline.querySelectorAll('select[name="new_actor.kind"] option'),
      function (option) {
        return option.value;
      },
    ).filter(Boolean);
    // The fields stay in the page, empty and disabled, so that nothing is sent twice.
    Array.prototype.forEach.call(inline.querySelectorAll("input, select"), function (field) {
      field.disabled = true;
    });
    inline.hidden = true;

    var dialog = document.createElement("dialog");
    dialog.className = "new-actor-dialog";
    dialog.setAttribute("aria-labelledby", "new-actor-title");
    dialog.innerHTML =
      '<form method="dialog" class="write-form">' +
      '<h2 id="new-actor-title">Register a new actor</h2>' +
      '<div class="field"><label for="dialog-actor-name">Name</label>' +
      '<input id="dialog-actor-name" name="name" autocomplete="off" required></div>' +
      '<div class="field"><label for="dialog-actor-kind">Kind</label>' +
      '<select id="dialog-actor-kind" name="kind"></select></div>' +
      '<p class="field-error" role="alert" hidden></p>' +
      '<button type="submit" value="register">Register</button>' +
      '<button type="button" value="cancel">Cancel</button>' +
      "</form>";
    var select = dialog.querySelector("select");
    kinds.forEach(function (value) {
      var option = document.createElement("option");
      option.value = option.textContent = value;
      select.appendChild(option);
    });
    var message = dialog.querySelector(".field-error");
    document.body.appendChild(dialog);

    var open = document.createElement("button");
    open.type = "button";
    open.className = "new-actor-button";
    open.textContent = "New actor…";
    inline.parentNode.insertBefore(open, inline);
    open.addEventListener("click", function () {
      message.hidden = true;
      dialog.showModal();
      dialog.querySelector("input").focus();
    });
    dialog.querySelector('button[value="cancel"]').addEventListener("click", function () {
      dialog.close();
    });

    var target = function () {
      if (lastPicker && !lastPicker.value.trim()) {
        return lastPicker;
      }
      var empty = Array.prototype.filter.call(
        form.querySelectorAll('input[data-picker="actors"][name^="actors."]'),
        function (input) {
          return !input.value.trim();
        },
      );
      return empty[0] || lastPicker;
    };

    dialog.querySelector("form").addEventListener("submit", function (event) {
      event.preventDefault();
      var body = new URLSearchParams();
      body.set("csrf_token", csrfOf(form));
      body.set("name", dialog.querySelector("input").value);
      body.set("kind", select.value);
      fetch("/actors/new", {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      })
        .then(function (answer) {
          return answer.json().then(function (json) {
            return { ok: answer.ok, json: json };
          });
        })
        .then(function (result) {
          if (!result.ok) {
            message.textContent = (result.json.field ? result.json.field + ": " : "") +
              result.json.detail;
            message.hidden = false;
            return;
          }
          var input = target();
          if (input) {
            input.value = result.json.id;
            input.setAttribute("data-picked-name", result.json.name);
            input.focus();
          }
          dialog.querySelector("form").reset();
          dialog.close();
        })
        .catch(function () {
          message.textContent = "The server did not answer: try again.";
          message.hidden = false;
        });
    });
  }

  // The correction's live old → new ----------------------------------------

  var correction = document.querySelector("form[data-live-preview]");
  if (correction) {
    var fields = Array.prototype.filter.call(
      correction.querySelectorAll("input[name], textarea[name], select[name]"),
      function (field) {
        return field.type !== "hidden" && field.name !== "reason" &&
          field.name.indexOf("correction_") !== 0;
      },
    );
    var first = fields.map(function (field) {
      return field.value;
    });
    var live = document.createElement("div");
    live.className = "live-preview";
    live.setAttribute("aria-live", "polite");
    live.hidden = true;
    correction.insertBefore(live, correction.querySelector('button[type="submit"]'));
    var labelOf = function (field) {
      var label = correction.querySelector('label[for="' + field.id + '"]');
      var group = field.closest("fieldset");
      var legend = group && group.querySelector("legend");
      var text = label ? label.textContent.replace("(required)", "").trim() : field.name;
      return legend ? legend.textContent.trim() + " · " + text : text;
    };
    var update = function () {
      live.textContent = "";
      var list = document.createElement("dl");
      fields.forEach(function (field, i) {
        if (field.value === first[i]) {
          return;
        }
        var term = document.createElement("dt");
        term.textContent = labelOf(field);
        var change = document.createElement("dd");
        var old = document.createElement("del");
        old.textContent = first[i];
        var now = document.createElement("ins");
        now.textContent = field.value;
        change.appendChild(old);
        change.appendChild(document.createTextNode(" → "));
        change.appendChild(now);
        list.appendChild(term);
        list.appendChild(change);
      });
      live.hidden = !list.children.length;
      if (list.children.length) {
        var heading = document.createElement("p");
        heading.textContent = "Changed so far (the next step shows the whole correction):";
        live.appendChild(heading);
        live.appendChild(list);
      }
    };
    correction.addEventListener("input", update);
    correction.addEventListener("change", update);
  }
})();
