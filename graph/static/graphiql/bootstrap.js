/*
 * Perfex Clinical Graph: start GraphiQL from the locally served UMD bundles.
 *
 * Kept in a file (not inline in the page) so the Content-Security-Policy can be script-src 'self'
 * with no 'unsafe-inline'. Settings come from the page's JSON data block #graphiql-config, which
 * the browser parses but never executes. After editing this file run
 * `python scripts/refresh_graphiql.py --own-only` to update its sha256 in manifest.json.
 *
 * The API answers nothing without a token, introspection included, so the schema (Docs,
 * autocomplete, validation) is loaded here, with the headers of the Headers tab, whenever they
 * change: pasting a token is enough, no re-fetch button to find. The hint above the editor says
 * what state the page is in.
 */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("graphiql-config").textContent);
  var root = document.getElementById("graphiql");
  var hint = document.getElementById("perfex-hint-status");
  var HEADERS_KEY = "graphiql:headers"; // where GraphiQL persists the Headers tab
  var DEBOUNCE_MS = 300;

  if (typeof window.GraphiQL === "undefined" || typeof window.ReactDOM === "undefined") {
    root.textContent = "GraphiQL could not load its scripts from " + config.assetsPath + ".";
    return;
  }

  // The <style> element GraphiQL's dialogs insert reads this global (webpack's convention, kept
  // by the bundle): it gets the page's nonce, so the CSP needs no 'unsafe-inline' for styles.
  if (config.styleNonce) {
    window.__webpack_nonce__ = config.styleNonce;
  }

  // Same origin as the page: the API is reached through whatever host served this page.
  var url = new URL(config.graphqlPath, window.location.href).toString();
  var fetcher = window.GraphiQL.createFetcher({ url: url });
  var reactRoot = window.ReactDOM.createRoot(root);
  var schema = null; // an introspection result once a token works; null shows "no schema"
  var loadedFor = null; // the headers text the current schema was loaded with
  var pending = null;

  function say(state, text) {
    if (hint) {
      hint.textContent = text;
      hint.setAttribute("data-state", state);
    }
  }

  function parseHeaders(text) {
    try {
      var headers = JSON.parse(text || "{}");
      return headers && typeof headers === "object" && !Array.isArray(headers) ? headers : null;
    } catch (error) {
      return null;
    }
  }

  function hasToken(headers) {
    var value = headers && (headers.Authorization || headers.authorization);
    return typeof value === "string" && /^Bearer\s+[A-Za-z0-9_.-]+$/.test(value.trim());
  }

  function loadSchema(text) {
    if (text === loadedFor) {
      return;
    }
    var headers = parseHeaders(text);
    if (!headers) {
      say("waiting", "The Headers tab is not valid JSON.");
      return;
    }
    if (!hasToken(headers)) {
      say("waiting", "Paste a token in the Headers tab to load the schema and run queries.");
      return;
    }
    loadedFor = text;
    say("loading", "Loading the schema with this token…");
    var request = {
      method: "POST",
      headers: Object.assign({ "Content-Type": "application/json", Accept: "application/json" },
        headers),
      body: JSON.stringify({ query: config.introspectionQuery, operationName: "IntrospectionQuery" }),
    };
    fetch(url, request)
      .then(function (response) {
        return response.json().then(function (body) {
          return { status: response.status, body: body };
        });
      })
      .then(function (answer) {
        if (text !== loadedFor) {
          return; // the headers changed meanwhile: a newer load is under way
        }
        if (answer.body && answer.body.data && answer.body.data.__schema) {
          schema = answer.body.data;
          say("ready", "Signed in: the schema is loaded (Docs, autocomplete).");
        } else {
          schema = null;
          var error = (answer.body && answer.body.errors && answer.body.errors[0]) || {};
          var code = (error.extensions && error.extensions.code) || "HTTP " + answer.status;
          say("refused", "The API refused this token (" + code + "): " + (error.message || ""));
        }
        render();
      })
      .catch(function () {
        if (text === loadedFor) {
          loadedFor = null;
          say("refused", "The API could not be reached.");
        }
      });
  }

  function onEditHeaders(text) {
    window.clearTimeout(pending);
    pending = window.setTimeout(function () {
      loadSchema(text);
    }, DEBOUNCE_MS);
  }

  function render() {
    reactRoot.render(
      window.React.createElement(window.GraphiQL, {
        fetcher: fetcher,
        schema: schema,
        defaultQuery: config.exampleQuery,
        defaultTabs: config.tabs,
        defaultHeaders: config.defaultHeaders,
        onEditHeaders: onEditHeaders,
        // Keep the Authorization header in this browser's localStorage so the token is not
        // retyped on every visit (the page tells users to clear it on shared workstations).
        shouldPersistHeaders: true,
        isHeadersEditorEnabled: true,
        defaultEditorToolsVisibility: "headers",
      })
    );
  }

  render();
  var stored = null;
  try {
    stored = window.localStorage.getItem(HEADERS_KEY);
  } catch (error) {
    stored = null;
  }
  loadSchema(stored || config.defaultHeaders);
})();
