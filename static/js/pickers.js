// Search in long lists of members and units: every <select data-picker> (core.widgets.SearchSelect and
// SearchSelectMultiple) becomes a Tom Select (static/vendor/tom-select, vendored from npm by `make vendor`).
// Typing part of a name or its pinyin initials (zsf finds 张三丰: each option's data-initials) narrows the list.
// The texts come from the select's data-picker-* attributes, in the page's language. Without JavaScript, or if
// Tom Select failed to load, the native select stays and works.
(function () {
  "use strict";
  if (typeof window.TomSelect !== "function") return;
  document.querySelectorAll("select[data-picker]").forEach(function (select) {
    if (select.tomselect) return;
    var texts = select.dataset;
    var settings = {
      searchField: ["text", "initials"],
      maxOptions: null,
      placeholder: texts.pickerPlaceholder,
      hidePlaceholder: !select.multiple,  // a chosen name stands alone; a list of names invites one more
      allowEmptyOption: !select.multiple && !select.required,
      closeAfterSelect: !select.multiple,
      render: {
        no_results: function () {
          var box = document.createElement("div");
          box.className = "no-results";
          box.textContent = texts.pickerNoResults;
          return box;
        }
      }
    };
    // A long list (core.widgets.LISTED_AT_MOST) is not in the page: the options come from data-picker-url
    // (core.pickers: the first matches of what was typed, only rows the user may read).
    // The server has matched the typed text (part of a name, initials, a number): the list shows what it found
    // for the last query, not Tom Select's own match on the option's text (which has no initials).
    if (texts.pickerUrl) {
      var url = texts.pickerUrl;
      var found = {};
      settings.searchField = ["text"];
      settings.shouldLoad = function (query) { return query.trim().length > 0; };
      settings.score = function () {
        return function (item) { return found[String(item.value)] ? 1 : 0; };
      };
      settings.load = function (query, callback) {
        var sep = url.indexOf("?") < 0 ? "?" : "&";
        fetch(url + sep + "q=" + encodeURIComponent(query), {credentials: "same-origin", headers: {"Accept": "application/json"}})
          .then(function (response) { return response.ok ? response.json() : {results: []}; })
          .then(function (data) {
            found = {};
            data.results.forEach(function (row) { found[String(row.value)] = true; });
            callback(data.results);
          })
          .catch(function () { found = {}; callback(); });
      };
    }
    if (select.multiple) {
      settings.plugins = {remove_button: {title: texts.pickerRemove, label: "×"}};
      // After a choice the typed letters go, so the next name can be typed straight away.
      settings.onItemAdd = function () {
        this.setTextboxValue("");
        this.refreshOptions(false);
      };
    }
    new window.TomSelect(select, settings);
    // Tom Select hides the native select (and moves its label to the picker's input); say it in Bootstrap's
    // words and to assistive technology too, so one control is seen and named: the picker.
    select.classList.add("visually-hidden");
    select.setAttribute("aria-hidden", "true");
    select.tabIndex = -1;
  });
})();
