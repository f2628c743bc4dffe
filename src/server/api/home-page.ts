/** The page at `/` until the web UI lands: what is running, with links to the JSON API. */
export function renderHomePage(version: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Weft</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
  body { font: 14px/1.5 system-ui, sans-serif; margin: 2rem auto; max-width: 72rem; padding: 0 1rem; color: #1f2328; }
  h1 { font-size: 1.4rem; } table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: .3rem .6rem; border-bottom: 1px solid #d0d7de; font-variant-numeric: tabular-nums; }
  code { background: #f6f8fa; padding: .1rem .3rem; border-radius: 4px; }
  .Running { color: #0969da } .Completed { color: #1a7f37 } .Failed, .TimedOut, .Terminated { color: #cf222e } .Cancelled { color: #9a6700 }
</style>
</head>
<body>
<h1>Weft <small>${version}</small></h1>
<p>The server is up. API: <code>/api/v1</code> (<a href="/api/v1/openapi.json">OpenAPI</a>), health: <a href="/healthz"><code>/healthz</code></a>.</p>
<h2>Recent workflows (namespace <code>default</code>)</h2>
<table><thead><tr><th>Workflow id</th><th>Type</th><th>Status</th><th>Started</th><th>Closed</th></tr></thead><tbody id="rows"><tr><td colspan="5">loading…</td></tr></tbody></table>
<script>
const esc = (s) => String(s ?? '').replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
fetch('/api/v1/namespaces/default/workflows?pageSize=50').then((r) => r.json()).then((d) => {
  const rows = (d.executions || []).map((e) => '<tr><td>' + esc(e.workflowId) + '</td><td>' + esc(e.workflowType) +
    '</td><td class="' + esc(e.status) + '">' + esc(e.status) + '</td><td>' + esc(e.startTime) + '</td><td>' + esc(e.closeTime) + '</td></tr>');
  document.getElementById('rows').innerHTML = rows.join('') || '<tr><td colspan="5">no workflows yet</td></tr>';
});
</script>
</body>
</html>`;
}
