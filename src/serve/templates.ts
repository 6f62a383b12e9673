import { Eta } from 'eta';

/**
 * The pages, as eta templates kept in this module (the build compiles src/ with tsc alone, so templates travel in
 * dist/ as strings). Everything is escaped (<%= %>) unless it is another template's output. Forms post to the JSON
 * API's own routes with their CSRF token: the page works without JavaScript; htmx only swaps the rows table, and
 * /assets/watch.js moves the progress bar from the SSE stream.
 */
const LAYOUT = `<!doctype html>
<html lang="es"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title><%= it.title %> · payout-batch</title><link rel="stylesheet" href="/assets/style.css">
<script src="/assets/htmx.min.js" defer></script><script src="/assets/watch.js" defer></script></head>
<body<% if (it.csrf) { %> hx-headers='{"X-CSRF-Token": "<%= it.csrf %>"}'<% } %>>
<header><a href="/" class="brand">payout-batch</a>
<% if (it.me) { %><span class="me"><%= it.me.name %> (<%= it.me.role %>)</span>
<form method="post" action="/logout" class="inline"><input type="hidden" name="_csrf" value="<%= it.csrf %>"><button>Sign out</button></form><% } %>
</header><main><%~ it.body %></main></body></html>`;

const LOGIN = `<% layout('@layout') %>
<h1>Sign in</h1>
<% if (it.error) { %><p class="error" role="alert"><%= it.error %></p><% } %>
<form method="post" action="/api/session" class="card">
<label>User <input name="username" autocomplete="username" required autofocus></label>
<label>Password <input name="password" type="password" autocomplete="current-password" required></label>
<button type="submit">Sign in</button></form>`;

const LIST = `<% layout('@layout') %>
<% if (it.me.role === 'operator') { %>
<h1>Upload a payout file</h1>
<form method="post" action="/api/batches" enctype="multipart/form-data" class="card" id="upload">
<input type="hidden" name="_csrf" value="<%= it.csrf %>">
<label>File (CSV or XLSX) <input type="file" name="file" accept=".csv,.xlsx" required></label>
<label>Provider for rows without a provider column <select name="provider">
<% for (const p of it.providers) { %><option value="<%= p %>"><%= p %></option><% } %></select></label>
<label>Sheet (XLSX; default the first) <input name="sheet"></label>
<label>Column mapping, one field=Header per line (like --map) <textarea name="map" rows="2" placeholder="order_id=Referencia"></textarea></label>
<button type="submit">Upload and review</button></form>
<% } %>
<h1>Batches</h1>
<table class="list"><thead><tr><th>Batch</th><th>File</th><th>Status</th><th>Uploader</th><th>Approvers</th><th>Rows to pay</th><th>Created</th><th>Updated</th></tr></thead><tbody>
<% for (const b of it.batches) { %><tr><td><a href="/batches/<%= b.id %>"><%= b.id %></a></td><td><%= b.file_name %></td>
<td><span class="status s-<%= b.status %>"><%= b.status %></span></td><td><%= b.uploader %></td>
<td><%= b.approvals.map((a) => a.user).join(', ') || '—' %></td><td><%= b.summary.toPay %></td>
<td><%= b.created_at.slice(0, 19).replace('T', ' ') %></td><td><%= b.updated_at.slice(0, 19).replace('T', ' ') %></td></tr><% } %>
<% if (!it.batches.length) { %><tr><td colspan="8">No batches yet.</td></tr><% } %>
</tbody></table>`;

const ROWS = `<div id="rows">
<form method="get" action="/batches/<%= it.b.id %>" hx-get="/batches/<%= it.b.id %>/rows" hx-target="#rows" hx-swap="outerHTML" hx-push-url="true" class="filters">
<label>Status <select name="status"><option value="">all</option>
<% for (const s of ['valid','invalid','duplicate','conflict']) { %><option value="<%= s %>"<%= it.filter.status === s ? ' selected' : '' %>><%= s %> (<%= it.b.counts[s] || 0 %>)</option><% } %></select></label>
<label>Code <select name="code"><option value="">all</option>
<% for (const [c, n] of Object.entries(it.b.codes)) { %><option value="<%= c %>"<%= it.filter.code === c ? ' selected' : '' %>><%= c %> (<%= n %>)</option><% } %></select></label>
<button type="submit">Filter</button></form>
<table class="rows"><thead><tr><th>Row</th><th>Status</th>
<% for (const f of it.fields) { %><th><%= it.b.summary.columns[f] || f %><small><%= f %></small></th><% } %><th>Issues</th></tr></thead><tbody>
<% for (const r of it.rows) { const byField = {}; for (const i of r.issues) if (i.field) (byField[i.field] ||= []).push(i); %>
<tr class="r-<%= r.status %>"><td class="num"><%= r.row %></td><td><%= r.status %></td>
<% for (const f of it.fields) { const bad = byField[f]; %><td<% if (bad) { %> class="<%= bad.some((i) => i.severity === 'error') ? 'bad' : 'warn' %>" title="<%= bad.map((i) => i.code + ': ' + i.message).join('\\n') %>"<% } %>><%= (r.cells || {})[f] || '' %><% if (bad) { %><span class="cell-msg"><%= bad.map((i) => i.message).join('; ') %></span><% } %></td><% } %>
<td><% for (const i of r.issues) { %><div class="issue sev-<%= i.severity %>"><code><%= i.code %></code> <%= i.column ? i.column + ': ' : '' %><%= i.message %></div><% } %></td></tr><% } %>
<% if (!it.rows.length) { %><tr><td colspan="<%= it.fields.length + 3 %>">No rows match.</td></tr><% } %>
</tbody></table>
<nav class="pages">Rows <%= it.total ? it.filter.offset + 1 : 0 %>–<%= Math.min(it.filter.offset + it.filter.limit, it.total) %> of <%= it.total %>
<% if (it.filter.offset > 0) { %><a href="<%= it.pageUrl(Math.max(0, it.filter.offset - it.filter.limit)) %>" hx-get="<%= it.pageUrl(Math.max(0, it.filter.offset - it.filter.limit), true) %>" hx-target="#rows" hx-swap="outerHTML">previous</a><% } %>
<% if (it.filter.offset + it.filter.limit < it.total) { %><a href="<%= it.pageUrl(it.filter.offset + it.filter.limit) %>" hx-get="<%= it.pageUrl(it.filter.offset + it.filter.limit, true) %>" hx-target="#rows" hx-swap="outerHTML">next</a><% } %>
</nav></div>`;

const BATCH = `<% layout('@layout') %>
<% const b = it.b; const s = b.summary; %>
<h1>Batch <%= b.id %> <span class="status s-<%= b.status %>" id="status"><%= b.status %></span></h1>
<p><%= b.file_name %> · <%= b.provider %> · uploaded by <%= b.uploader %> · <%= b.created_at.slice(0, 19).replace('T', ' ') %> UTC
<% if (b.reason) { %><br><strong>Reason:</strong> <%= b.reason %><% } %></p>
<% if (it.error) { %><p class="error" role="alert"><%= it.error %></p><% } %>

<section class="cards">
<div class="card"><h2>Rows</h2><ul><% for (const [k, n] of Object.entries(b.counts)) { %><li><%= k %>: <strong><%= n %></strong></li><% } %></ul>
<% if (Object.keys(b.codes).length) { %><h3>By code</h3><ul><% for (const [c, n] of Object.entries(b.codes)) { %><li><code><%= c %></code> <%= n %></li><% } %></ul><% } %>
<p>Error report: <a href="/api/batches/<%= b.id %>/files/errors.csv" download>CSV</a> · <a href="/api/batches/<%= b.id %>/files/errors.xlsx" download>XLSX</a></p></div>
<div class="card wide"><h2>To pay</h2><table><tr><th>Provider</th><th>Payouts</th><th>Amount</th><th>Fees</th><th>IVA</th><th>Debit</th><th>Balance</th></tr>
<% for (const t of b.totals) { %><tr<%= t.short ? ' class="bad"' : '' %>><td><%= t.provider %></td><td class="num"><%= t.count %></td><td class="num"><%= t.currency %> <%= t.amount %></td><td class="num"><%= t.fee %></td><td class="num"><%= t.iva %></td><td class="num"><%= t.debit %></td><td class="num"><%= t.balance || '—' %></td></tr><% } %>
</table><% if (s.insufficientFunds) { %><p class="error">The balance does not cover this batch (fees included).</p><% } %>
<% if (s.duplicates.length) { %><p>Order ids already in earlier batches: <% for (const d of s.duplicates) { %><code><%= d.batchId %></code> (<%= d.rows %> rows) <% } %></p><% } %></div>
<div class="card"><h2>Columns</h2><table><% for (const [f, h] of Object.entries(s.columns)) { %><tr><td><%= h %></td><td>→ <code><%= f %></code></td></tr><% } %></table>
<% if (s.unused.length) { %><p>Not used: <%= s.unused.join(', ') %></p><% } %>
<% if ((b.status === 'review' || b.status === 'awaiting_approval') && it.me.role === 'operator') { %><details id="remap"><summary>Change the mapping</summary>
<form method="post" action="/api/batches/<%= b.id %>/map"><input type="hidden" name="_csrf" value="<%= it.csrf %>">
<label>One <code>field=Header</code> per line (as <code>--map</code>); the file is planned again and needs a new approval.<br>
<textarea name="map" rows="6" cols="34"><%= Object.entries(s.columns).map(([f, h]) => f + '=' + h).join('\\n') %></textarea></label><br>
<button name="do" value="map">Plan again with this mapping</button></form></details><% } %><p><%= s.format %><%= s.sheet ? ' · sheet ' + s.sheet : '' %><%= s.encoding ? ' · ' + s.encoding : '' %></p></div>
<div class="card"><h2>Approval</h2><p>Needs <strong><%= b.required_approvals %></strong> approver(s) other than the uploader.</p>
<ul><% for (const a of b.approvals) { %><li>✔ <%= a.user %> · <%= a.at.slice(0, 19).replace('T', ' ') %></li><% } %></ul>
<% if (b.no_eligible_approver) { %><p class="error" id="no-approver">No eligible approver: no other approver can approve this batch.</p><% } %>
<p class="hash">plan <code><%= b.plan_hash.slice(0, 16) %></code></p></div>
</section>

<section class="actions">
<% const form = (action, label, extra = '') => '<form method="post" action="/api/batches/' + b.id + '/' + action + '" class="inline">' + '<input type="hidden" name="_csrf" value="' + it.csrf + '">' + extra + '<button name="do" value="' + action + '">' + label + '</button></form>'; %>
<% if (b.status === 'review' && it.me.role === 'operator') { %><%~ form('submit', 'Pay the ' + s.toPay + ' valid rows') %><% } %>
<% if (b.status === 'awaiting_approval' && it.me.role === 'approver' && it.me.name !== b.uploader && !b.approvals.some((a) => a.user === it.me.name)) { %><%~ form('approve', 'Approve paying ' + s.toPay + ' rows', '<input type="hidden" name="plan_hash" value="' + b.plan_hash + '">') %><% } %>
<% if ((b.status === 'review' || b.status === 'awaiting_approval') && it.me.role !== 'viewer') { %><%~ form('reject', b.status === 'review' ? 'Reject the file' : 'Reject', '<input name="reason" placeholder="reason">') %><% } %>
<% if (b.status === 'paying' && it.me.role !== 'viewer') { %><%~ form('pause', 'Pause') %><% } %>
<% if (b.status === 'paused' && it.me.role !== 'viewer') { %><%~ form('resume', 'Resume') %><% } %>
</section>

<% if (b.progress || b.status === 'paying' || b.status === 'approved') { const p = b.progress || { total: s.toPay, done: 0, failed: 0, unknown: 0 }; %>
<section class="card" id="watch" data-events="/api/batches/<%= b.id %>/events" data-status="<%= b.status %>">
<h2>Progress</h2><% if (b.paying_elsewhere) { %><p class="note" id="elsewhere">Paying on another server (<%= b.paying_elsewhere.host %>, pid <%= b.paying_elsewhere.pid %>, since <%= b.paying_elsewhere.since.slice(0, 19).replace('T', ' ') %> UTC): this server takes over if that one stops.</p><% } %><progress id="bar" max="<%= p.total || 1 %>" value="<%= p.done %>"></progress>
<p id="progress-text"><span id="done"><%= p.done %></span> / <span id="total"><%= p.total %></span> done · failed <span id="failed"><%= p.failed %></span> · unknown <span id="unknown"><%= p.unknown %></span> · <span id="rate"><%= p.rate || 0 %></span> rows/s · ETA <span id="eta"><%= p.eta_seconds !== undefined ? p.eta_seconds + ' s' : '—' %></span></p>
</section><% } %>

<% if (it.files.length) { %><section class="card" id="downloads"><h2>Download</h2><ul>
<% for (const f of it.files) { %><li><a href="/api/batches/<%= b.id %>/files/<%= f %>" download><%= f %></a></li><% } %></ul></section><% } %>

<h2>Rows</h2>
<%~ include('@rows', it) %>

<details><summary>History</summary><table><% for (const e of it.audit) { %><tr><td><%= e.at.toISOString().slice(0, 19).replace('T', ' ') %></td><td><%= e.who || 'server' %></td><td><%= e.action %></td><td><%= e.remote || '' %></td></tr><% } %></table></details>`;

const ERROR = `<% layout('@layout') %><h1>Not done</h1><p class="error" role="alert"><code><%= it.code %></code> <%= it.message %></p><p><a href="<%= it.back || '/' %>">Back</a></p>`;

export const STYLE = `body{font:15px/1.4 system-ui,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
header{display:flex;gap:1em;align-items:center;padding:.6em 1.2em;background:#1d2330;color:#fff}header a{color:#fff}.brand{font-weight:700;text-decoration:none}.me{margin-left:auto}
main{padding:1em 1.5em;max-width:1300px}.card{background:#fff;border:1px solid #dde1e7;border-radius:6px;padding:.8em 1em;margin:.5em 0}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(260px,1fr));gap:.8em}.cards .wide{grid-column:span 2}.card{overflow-x:auto}.rows td{white-space:nowrap}.rows td:last-child{white-space:normal}form.card label{display:block;margin:.4em 0}
.inline{display:inline-block;margin-right:.5em}table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #e4e7ec;padding:.3em .5em;text-align:left;vertical-align:top}
th small{display:block;font-weight:400;color:#778}.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.bad{background:#fde2e1;outline:2px solid #d33;outline-offset:-2px}td.warn{background:#fff4d6}.cell-msg{display:block;font-size:.8em;color:#a11;white-space:normal;max-width:22em}
tr.bad td{background:#fde2e1}.error{color:#a11;font-weight:600}.issue code{font-size:.85em}.issue.sev-warning{color:#8a6100}
.status{padding:.1em .5em;border-radius:1em;background:#e4e7ec;font-size:.8em}.s-finished{background:#cdeccd}.s-failed,.s-rejected{background:#f6c6c4}.s-paying{background:#cfe3ff}.s-awaiting_approval{background:#ffe8b3}
progress{width:100%;height:1.6em}button{padding:.35em .9em}.filters{display:flex;gap:1em;align-items:end;margin:.5em 0}.pages a{margin-left:1em}`;

/** Opens the event stream of the batch page, when it has a progress section; reloads once the batch stops paying. */
export const WATCH_JS = `(function () {
  var watch = document.getElementById('watch');
  if (!watch || !window.EventSource) return;
  var source = new EventSource(watch.getAttribute('data-events'));
  var set = function (id, value) { var el = document.getElementById(id); if (el) el.textContent = String(value); };
  source.addEventListener('progress', function (e) {
    var p = JSON.parse(e.data);
    var bar = document.getElementById('bar');
    bar.max = p.total || 1; bar.value = p.done;
    set('done', p.done); set('total', p.total); set('failed', p.failed); set('unknown', p.unknown);
    set('rate', p.rate || 0); set('eta', p.eta_seconds !== undefined ? p.eta_seconds + ' s' : '—');
  });
  source.addEventListener('status', function (e) {
    var s = JSON.parse(e.data).status;
    set('status', s);
    if (s !== watch.getAttribute('data-status') && s !== 'paying' && s !== 'approved') { source.close(); window.location.reload(); }
  });
})();`;

export function createTemplates(): Eta {
  const eta = new Eta({ autoEscape: true, autoTrim: false, cache: true });
  eta.loadTemplate('@layout', LAYOUT);
  eta.loadTemplate('@login', LOGIN);
  eta.loadTemplate('@list', LIST);
  eta.loadTemplate('@rows', ROWS);
  eta.loadTemplate('@batch', BATCH);
  eta.loadTemplate('@error', ERROR);
  return eta;
}

/** The row fields the review table shows, in order. */
export const ROW_FIELDS = ['order_id', 'amount', 'currency', 'account', 'name', 'provider'] as const;
