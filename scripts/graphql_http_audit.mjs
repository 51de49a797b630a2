// The server audit of `graphql-http` (the GraphQL-over-HTTP specification's compliance suite)
// against a running server, with a bearer token. Node 18+; not part of the test run (the same
// cases are Python tests in tests/graph/test_graphql_over_http.py).
//
//   mkdir -p /tmp/graphql-http-audit && cd /tmp/graphql-http-audit
//   npm install graphql-http graphql
//   node /path/to/repo/scripts/graphql_http_audit.mjs http://127.0.0.1:8000/graphql <token>
//
// The token is what `perfex-graph serve --demo` prints (or `perfex-graph token ...`); URL and
// token may also come from GRAPHQL_URL and GRAPHQL_TOKEN. Exit status 0 when every audit is ok.
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

// graphql-http is installed where the command runs, not next to this file.
const require = createRequire(pathToFileURL(`${process.cwd()}/`).href);
const { auditServer } = require('graphql-http');
const { version } = require('graphql-http/package.json');

const url = process.argv[2] ?? process.env.GRAPHQL_URL ?? 'http://127.0.0.1:8000/graphql';
const token = process.argv[3] ?? process.env.GRAPHQL_TOKEN;
if (!token) {
  console.error('usage: node graphql_http_audit.mjs URL TOKEN (or GRAPHQL_URL, GRAPHQL_TOKEN)');
  process.exit(2);
}

const fetchFn = (input, init = {}) => {
  const headers = new Headers(init.headers);
  headers.set('authorization', `Bearer ${token}`);
  return fetch(input, { ...init, headers });
};

const results = await auditServer({ url, fetchFn });
const counts = { ok: 0, notice: 0, warn: 0, error: 0 };
for (const result of results) {
  counts[result.status] += 1;
  if (result.status !== 'ok') {
    const body = await result.response.text().catch(() => '');
    console.log(`${result.status.toUpperCase()} ${result.id} ${result.name}`);
    console.log(`    ${result.reason}: HTTP ${result.response.status} ${body.slice(0, 300)}`);
  }
}
console.log(
  `graphql-http ${version}: ${results.length} audits, ${counts.ok} ok, ` +
    `${counts.warn} warnings, ${counts.error} errors, ${counts.notice} notices`,
);
process.exit(counts.ok === results.length ? 0 : 1);
