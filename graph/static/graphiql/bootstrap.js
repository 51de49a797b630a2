/*
 * Perfex Clinical Graph: start GraphiQL from the locally served UMD bundles.
 *
 * Kept in a file (not inline in the page) so the Content-Security-Policy can be script-src 'self'
 * with no 'unsafe-inline'. Settings come from the page's JSON data block #graphiql-config, which
 * the browser parses but never executes. After editing this file run
 * `python scripts/refresh_graphiql.py --own-only` to update its sha256 in manifest.json.
 */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("graphiql-config").textContent);
  var root = document.getElementById("graphiql");

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
  var fetcher = window.GraphiQL.createFetcher({
    url: new URL(config.graphqlPath, window.location.href).toString(),
  });

  window.ReactDOM.createRoot(root).render(
    window.React.createElement(window.GraphiQL, {
      fetcher: fetcher,
      defaultQuery: config.exampleQuery,
      defaultHeaders: config.defaultHeaders,
      // Keep the Authorization header in this browser's localStorage so the token is not
      // retyped on every visit (the page tells users to clear it on shared workstations).
      shouldPersistHeaders: true,
      isHeadersEditorEnabled: true,
      defaultEditorToolsVisibility: "headers",
    })
  );
})();
