/* minelaw web UI: YASGUI on this server's /sparql, plus the saved-query list.
   No external requests: the LOV/prefix.cc autocompleters are switched off. */
(function () {
  "use strict";
  var endpoint = window.location.origin + "/sparql";
  var errorEl = document.getElementById("ui-error");

  function showError(message) {
    errorEl.textContent = message;
    errorEl.hidden = false;
  }
  function clearError() {
    errorEl.textContent = "";
    errorEl.hidden = true;
  }

  if (typeof Yasgui === "undefined") {
    showError("The query editor could not be loaded (static/yasgui/yasgui.min.js).");
    return;
  }

  // The table's "download as CSV" is for spreadsheets: a cell that starts with = + - @,
  // a tab or a carriage return is prefixed with ' so that no spreadsheet runs it as a
  // formula (OWASP, CSV injection); plain numbers stay as they are.  Machine clients get
  // the W3C SPARQL CSV from /sparql (Accept: text/csv) unchanged.  Same rule as
  // minelaw.sparql.query.spreadsheet_safe.
  var NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
  function safeCell(value) {
    var v = value === undefined || value === null ? "" : String(value);
    if (/^[=+\-@\t\r]/.test(v) && !NUMBER.test(v)) {
      v = "'" + v;
    }
    return /[",\r\n]/.test(v) ? '"' + v.replace(/"/g, '""') + '"' : v;
  }
  function spreadsheetCsv(json) {
    var vars = (json && json.head && json.head.vars) || [];
    var rows = (json && json.results && json.results.bindings) || [];
    var lines = [vars.map(safeCell).join(",")];
    rows.forEach(function (b) {
      lines.push(vars.map(function (v) { return safeCell(b[v] ? b[v].value : ""); }).join(","));
    });
    return lines.join("\r\n") + "\r\n";
  }
  window.minelawSpreadsheetCsv = spreadsheetCsv;
  if (Yasgui.Yasr && Yasgui.Yasr.plugins && Yasgui.Yasr.plugins.table) {
    Yasgui.Yasr.plugins.table.prototype.download = function (filename) {
      var yasr = this.yasr;
      return {
        getData: function () {
          return yasr.results ? spreadsheetCsv(yasr.results.getAsJson()) : "";
        },
        contentType: "text/csv",
        title: "Download result (spreadsheet-safe CSV)",
        filename: (filename || "queryResults") + ".csv",
      };
    };
  }

  var welcome = [
    "# Welcome to the minelaw SPARQL endpoint (read-only).",
    "# Press the run button to list the knowledge base's graphs and their sizes.",
    "# Saved queries are listed on the left; each opens in its own tab.",
    "SELECT ?graph (COUNT(*) AS ?triples)",
    "WHERE { GRAPH ?graph { ?s ?p ?o } }",
    "GROUP BY ?graph",
    "ORDER BY ?graph",
  ].join("\n");

  var yasgui = new Yasgui(document.getElementById("yasgui"), {
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: true,
    persistenceId: null,
    populateFromUrl: false,
    autofocus: false,
    tabName: "Welcome",
    endpointCatalogueOptions: {
      getData: function () {
        return [{ endpoint: endpoint }];
      },
    },
    yasqe: { value: welcome, autocompleters: ["variables"] },
  });
  window.minelawYasgui = yasgui;
  // an error banner is about the last action: a new query, or another tab, clears it
  yasgui.on("query", clearError);
  yasgui.on("tabSelect", clearError);

  function openTab(name, text) {
    var defaults = Yasgui.Tab.getDefaults();
    // results in the table's "Simple view" by default (values without datatypes and language
    // tags); its switch above the table shows the full RDF terms
    var yasr = Object.assign({}, defaults.yasr);
    yasr.settings = Object.assign({}, yasr.settings, {
      selectedPlugin: "table",
      pluginsConfig: Object.assign({}, (yasr.settings || {}).pluginsConfig, {
        table: { compact: true },
      }),
    });
    var tab = yasgui.addTab(true, Object.assign({}, defaults, {
      name: name,
      requestConfig: Object.assign({}, defaults.requestConfig, { endpoint: endpoint }),
      yasr: yasr,
    }));
    tab.setQuery(text);
    return tab;
  }

  // the filter over the saved queries: every word must occur in the name, title or description
  var filter = document.getElementById("query-filter");
  var noMatch = document.getElementById("no-match");
  if (filter) {
    filter.addEventListener("input", function () {
      var words = filter.value.toLowerCase().split(/\s+/).filter(Boolean);
      var shown = 0;
      Array.prototype.forEach.call(document.querySelectorAll("form.saved-query"), function (f) {
        var text = f.getAttribute("data-text") || "";
        var ok = words.every(function (w) { return text.indexOf(w) >= 0; });
        f.hidden = !ok;
        shown += ok ? 1 : 0;
      });
      if (noMatch) {
        noMatch.hidden = shown > 0;
      }
    });
  }

  var forms = document.querySelectorAll("form.saved-query");
  Array.prototype.forEach.call(forms, function (form) {
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      clearError();
      var name = form.getAttribute("data-name");
      var params = new URLSearchParams(new FormData(form));
      fetch("/api/queries/" + encodeURIComponent(name) + "?" + params.toString())
        .then(function (resp) {
          return resp.text().then(function (text) {
            if (!resp.ok) {
              throw new Error(text);
            }
            // one click: the query opens in its own tab and runs
            openTab(name, text).query();
          });
        })
        .catch(function (err) {
          showError(err.message);
        });
    });
  });
})();
