/**
 * A self-contained API reference page (no scripts or styles from elsewhere, so it works offline):
 * it reads `/openapi.json` and lists every operation with its parameters and responses.
 */
export const DOCS_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Flotilla API</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem;color:#222}
h2{margin-top:2rem;border-bottom:1px solid #ddd}.op{margin:.6rem 0;padding:.5rem .8rem;border:1px solid #e3e3e3;border-radius:6px}
.m{display:inline-block;min-width:4.5rem;font-weight:600;text-transform:uppercase}.p{font-family:monospace}
pre{background:#f6f6f6;padding:.5rem;overflow:auto;font-size:13px}.u{color:#a00}
</style></head><body><h1>Flotilla API</h1><p>From <a href="/openapi.json">/openapi.json</a>.</p><div id="api">Loading…</div>
<script>
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;',"'":'&#39;'})[c]);
fetch('/openapi.json').then((r) => r.json()).then((doc) => {
  const groups = {};
  for (const [path, item] of Object.entries(doc.paths || {})) {
    for (const [method, op] of Object.entries(item)) {
      const tag = (op.tags && op.tags[0]) || path.split('/').slice(0, 3).join('/');
      (groups[tag] = groups[tag] || []).push({ path, method, op });
    }
  }
  let html = '';
  if (doc['x-unavailable']) html += '<p class="u">Not answering: ' + doc['x-unavailable'].map(esc).join(', ') + '</p>';
  for (const [tag, ops] of Object.entries(groups)) {
    html += '<h2>' + esc(tag) + '</h2>';
    for (const { path, method, op } of ops) {
      html += '<details class="op"><summary><span class="m">' + esc(method) + '</span> <span class="p">' + esc(path) +
        '</span> ' + esc(op.summary || '') + '</summary><pre>' + esc(JSON.stringify({ parameters: op.parameters,
        requestBody: op.requestBody, responses: op.responses }, null, 2)) + '</pre></details>';
    }
  }
  document.getElementById('api').innerHTML = html || '<p>No routed service publishes an API yet.</p>';
}, () => { document.getElementById('api').textContent = 'Could not load /openapi.json'; });
</script></body></html>
`;
