/* A searchable multi-select, as progressive enhancement of <select multiple data-searchable>:
   a filter box, the options as checkboxes (Tab, arrows, Space, Enter) and the chosen ones as
   removable chips. The select stays in the form, visually hidden, and holds the value: without
   this script it is the plain select, and a change made to it (by a test, say) shows here. */
(function () {
  "use strict";
  var count = 0;

  function enhance(select) {
    if (select.dataset.enhanced) return;
    select.dataset.enhanced = "1";
    var id = select.id || "ms" + (++count);
    var label = document.querySelector('label[for="' + id + '"]');
    var name = label ? label.textContent.replace(/\s*\*\s*$/, "").trim() : "";

    var box = document.createElement("div");
    box.className = "ms";
    var chips = document.createElement("div");
    chips.className = "ms-chips";
    chips.setAttribute("aria-live", "polite");
    var search = document.createElement("input");
    search.type = "search";
    search.className = "form-control form-control-sm ms-search";
    search.id = id + "-search";
    search.placeholder = select.dataset.searchPlaceholder || "Type to filter";
    search.setAttribute("autocomplete", "off");
    search.setAttribute("aria-controls", id + "-list");
    var list = document.createElement("div");
    list.className = "ms-list";
    list.id = id + "-list";
    list.setAttribute("role", "group");
    if (name) list.setAttribute("aria-label", name);

    var boxes = [];
    Array.prototype.forEach.call(select.options, function (option, i) {
      var row = document.createElement("div");
      row.className = "form-check ms-option";
      var check = document.createElement("input");
      check.type = "checkbox";
      check.className = "form-check-input";
      check.id = id + "-opt" + i;
      check.value = option.value;
      var text = document.createElement("label");
      text.className = "form-check-label";
      text.htmlFor = check.id;
      text.textContent = option.textContent;
      row.appendChild(check);
      row.appendChild(text);
      list.appendChild(row);
      check.addEventListener("change", function () {
        option.selected = check.checked;
        select.dispatchEvent(new Event("change", { bubbles: true }));
      });
      check.addEventListener("keydown", function (event) {
        if (event.key === "ArrowDown" || event.key === "ArrowUp") {
          event.preventDefault();
          move(check, event.key === "ArrowDown" ? 1 : -1);
        } else if (event.key === "Escape") {
          search.focus();
        } else if (event.key === "Enter") {
          event.preventDefault(); // Enter picks, never submits the form half-filled
          check.click();
        }
      });
      boxes.push({ option: option, check: check, row: row, text: option.textContent.toLowerCase() });
    });

    function visible() {
      return boxes.filter(function (b) { return !b.row.hidden; });
    }
    function move(from, step) {
      var shown = visible();
      var at = shown.findIndex(function (b) { return b.check === from; });
      var next = shown[at + step];
      if (next) next.check.focus(); else if (step < 0) search.focus();
    }
    function filter() {
      var q = search.value.trim().toLowerCase();
      boxes.forEach(function (b) { b.row.hidden = q !== "" && b.text.indexOf(q) === -1 && b.option.value.toLowerCase() !== q; });
    }
    function render() {
      chips.textContent = "";
      boxes.forEach(function (b) {
        b.check.checked = b.option.selected;
        if (!b.option.selected) return;
        var chip = document.createElement("button");
        chip.type = "button";
        chip.className = "btn btn-sm btn-outline-primary ms-chip";
        chip.textContent = b.option.textContent + " \u00d7";
        chip.setAttribute("aria-label", (select.dataset.removeLabel || "Remove") + " " + b.option.textContent);
        chip.addEventListener("click", function () {
          b.option.selected = false;
          select.dispatchEvent(new Event("change", { bubbles: true }));
          search.focus();
        });
        chips.appendChild(chip);
      });
      if (!chips.childNodes.length) {
        var none = document.createElement("span");
        none.className = "small text-muted";
        none.textContent = select.dataset.noneLabel || "None chosen";
        chips.appendChild(none);
      }
    }

    search.addEventListener("input", filter);
    search.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown") {
        event.preventDefault();
        var first = visible()[0];
        if (first) first.check.focus();
      } else if (event.key === "Enter") {
        event.preventDefault();
        var match = visible()[0];
        if (match && search.value.trim()) {
          match.option.selected = true;
          select.dispatchEvent(new Event("change", { bubbles: true }));
          search.value = "";
          filter();
        }
      }
    });
    select.addEventListener("change", render);

    box.appendChild(chips);
    box.appendChild(search);
    box.appendChild(list);
    select.classList.add("visually-hidden");
    select.tabIndex = -1;
    select.setAttribute("aria-hidden", "true");
    select.parentNode.insertBefore(box, select.nextSibling);
    if (label) label.htmlFor = search.id;
    render();
  }

  function enhanceAll(root) {
    Array.prototype.forEach.call(
      (root || document).querySelectorAll("select[multiple][data-searchable]"), enhance
    );
  }
  document.addEventListener("DOMContentLoaded", function () { enhanceAll(document); });
  // Forms that htmx brings in later (the case file's inline forms).
  document.addEventListener("htmx:load", function (event) { enhanceAll(event.target); });
})();
