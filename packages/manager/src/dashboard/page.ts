/**
 * The dashboard page: one HTML document (no build step) whose script polls `/ui/api/overview`
 * every two seconds and `/ui/api/sector` for the selected sector; the plots (see
 * `charts-page.ts`) load uPlot and their script from the manager itself.
 */
import { CHARTS_SECTION, CHARTS_STYLE } from './charts-page.js'

/** The HTML served at `/ui`. */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>venus-sector-manager</title>
<style>
  :root { --bg:#f6f7f9; --card:#fff; --ink:#1d2330; --mute:#6b7385; --line:#e3e6ec; --acc:#2563eb; --bad:#c0392b; --ok:#1e8e3e; }
  * { box-sizing: border-box; }
  body { margin:0; font:14px/1.4 system-ui, sans-serif; background:var(--bg); color:var(--ink); }
  header { display:flex; align-items:baseline; gap:1rem; padding:.8rem 1.2rem; background:#111827; color:#fff; }
  header h1 { font-size:1.1rem; margin:0; }
  header span { color:#9ca3af; font-size:.85rem; }
  main { display:grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 560px), 1fr)); gap:1rem; padding:1rem; }
  section { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:.8rem 1rem; overflow:auto; max-height:28rem; }
  section.wide { grid-column: 1 / -1; }
  h2 { font-size:.95rem; margin:.1rem 0 .6rem; }
  table { border-collapse:collapse; width:100%; }
  th, td { text-align:left; padding:.25rem .5rem; border-bottom:1px solid var(--line); white-space:nowrap; }
  td.bad { white-space:normal; }
  th { color:var(--mute); font-weight:600; font-size:.8rem; }
  tr.sector { cursor:pointer; } tr.sector:hover { background:#eef3ff; } tr.selected { background:#dbe7ff; }
  .cards { display:flex; flex-wrap:wrap; gap:.6rem; }
  .card { border:1px solid var(--line); border-radius:6px; padding:.4rem .7rem; min-width:7rem; }
  .card b { display:block; font-size:1.4rem; }
  .card span { color:var(--mute); font-size:.8rem; }
  .bad { color:var(--bad); } .ok { color:var(--ok); } .mute { color:var(--mute); }
  #health { margin:1rem 1rem 0; padding:.6rem 1rem; border-radius:8px; background:#fdecea; border:1px solid var(--bad); color:var(--bad); font-weight:600; }
  #health[hidden] { display:none; }
${CHARTS_STYLE}
</style>
<link rel="stylesheet" href="/ui/uplot.css">
</head>
<body>
<header><h1>venus-sector-manager</h1><span id="status">connecting…</span></header>
<div id="health" role="alert" data-testid="health" hidden></div>
<main>
  <section class="wide"><h2>Sectors per state</h2><div class="cards" id="states" data-testid="states"></div></section>
${CHARTS_SECTION}
  <section><h2>Sectors</h2>
    <table data-testid="sectors"><thead><tr><th>Sector</th><th>State</th><th>Worker</th><th>Failure</th></tr></thead><tbody id="sectors"></tbody></table>
  </section>
  <section><h2>Sector history <span id="sector-title" class="mute"></span></h2>
    <table data-testid="history"><thead><tr><th>Time</th><th>What</th><th>From → To</th><th>Worker</th><th>Note</th></tr></thead><tbody id="history"><tr><td colspan="5" class="mute">click a sector</td></tr></tbody></table>
  </section>
  <section><h2>Workers</h2>
    <table data-testid="workers"><thead><tr><th>Worker</th><th>Control address</th><th>Threads</th><th>Empty</th><th>Paused</th><th>Errors</th><th>Sectors</th><th>Last seen</th></tr></thead><tbody id="workers"></tbody></table>
  </section>
  <section><h2>Pending batches</h2>
    <table data-testid="queues"><thead><tr><th>Kind</th><th>Miner</th><th>Sectors</th><th>Oldest waits</th></tr></thead><tbody id="queues"></tbody></table>
  </section>
  <section class="wide"><h2>Messages and gas</h2>
    <table data-testid="messages"><thead><tr><th>Kind</th><th>Miner</th><th>Sectors</th><th>State</th><th>Gas used</th><th>Value</th><th>Max fee</th><th>UID</th></tr></thead><tbody id="messages"></tbody></table>
  </section>
  <section class="wide"><h2>Deadlines and WindowPoSt</h2>
    <table data-testid="post"><thead><tr><th>Time</th><th>Miner</th><th>Deadline</th><th>Partitions</th><th>Duration</th><th>Result</th></tr></thead><tbody id="post"></tbody></table>
  </section>
  <section class="wide"><h2>Deadline leases</h2>
    <table data-testid="leases"><thead><tr><th>Miner</th><th>Deadline</th><th>Open</th><th>Holder</th><th>Token</th><th>State</th><th>Takeovers</th></tr></thead><tbody id="leases"></tbody></table>
  </section>
  <section class="wide"><h2>PoSt worker jobs</h2>
    <table data-testid="postjobs"><thead><tr><th>Job</th><th>Miner</th><th>Deadline</th><th>State</th><th>Worker</th><th>Tries</th><th>Sectors</th><th>Faulty</th><th>Error</th></tr></thead><tbody id="postjobs"></tbody></table>
  </section>
</main>
<script>
"use strict";
let selected = null;
let prefix = 't';
const KINDS = { pre: 'PreCommit', prove: 'ProveCommit', terminate: 'Terminate' };
const actor = (miner) => prefix + '0' + miner;
const sectorName = (miner, number) => 's-' + actor(miner) + '-' + number;
const $ = (id) => document.getElementById(id);
function cell(text, cls) { const td = document.createElement('td'); td.textContent = text == null ? '' : String(text); if (cls) td.className = cls; return td; }
function fill(tbody, rows, empty, cols) {
  tbody.replaceChildren(...(rows.length ? rows : [(() => { const tr = document.createElement('tr'); const td = cell(empty, 'mute'); td.colSpan = cols; tr.append(td); return tr; })()]));
}
function titled(td, title) { td.title = title; return td; }
function tr(cells, attrs) { const r = document.createElement('tr'); r.append(...cells); if (attrs) for (const [k, v] of Object.entries(attrs)) r.setAttribute(k, v); return r; }
const time = (ms) => new Date(ms).toLocaleTimeString();
function ago(s) { return s < 60 ? s + ' s' : s < 3600 ? Math.round(s / 60) + ' min' : (s / 3600).toFixed(1) + ' h'; }
async function get(url) {
  const res = await fetch(url, { credentials: 'same-origin', cache: 'no-store' });
  if (res.status === 401 || res.status === 403) throw new Error('not authorized: open /ui?token=<a read token>');
  if (!res.ok) throw new Error(url + ': HTTP ' + res.status);
  return res.json();
}
function renderHealth(h) {
  const el = $('health');
  if (!h || h.ready) { el.hidden = true; el.textContent = ''; return; }
  const parts = h.problems.slice();
  if (!h.chain.reachable && h.chain.lastOkAt) parts[0] += ' (last answer ' + ago(Math.round((lastNow - h.chain.lastOkAt) / 1000)) + ' ago)';
  el.textContent = 'Not ready: ' + parts.join('; ') + '. Calls that need them fail and are retried; sealing resumes on its own.';
  el.hidden = false;
}
let lastNow = Date.now();
function render(o) {
  prefix = o.addressPrefix || 't';
  globalThis.vsmPrefix = prefix;
  lastNow = o.now;
  renderHealth(o.health);
  $('states').replaceChildren(...o.sectorsByState.map((s) => {
    const d = document.createElement('div'); d.className = 'card'; d.dataset.state = s.state;
    const b = document.createElement('b'); b.textContent = s.count; const sp = document.createElement('span'); sp.textContent = s.state;
    d.append(b, sp); return d;
  }));
  if (!o.sectorsByState.length) $('states').textContent = 'no sectors yet';
  fill($('sectors'), o.sectors.map((s) => {
    const id = s.miner + '/' + s.number;
    const r = tr([cell(sectorName(s.miner, s.number)), cell(s.state, s.state === 'Aborted' ? 'bad' : ''), cell(s.worker ?? ''), cell(s.failure ?? '', 'bad')],
      { class: 'sector' + (selected === id ? ' selected' : ''), 'data-sector': id });
    r.onclick = () => { selected = id; refreshSector(); };
    return r;
  }), 'no sectors', 4);
  fill($('workers'), o.workers.map((w) => { const m = w.summary; return tr([cell(w.name),
    w.dest === null ? cell(m === null ? 'none (does not ping)' : 'none', 'mute') : cell(w.dest),
    cell(m ? m.Threads : '–'), cell(m ? m.Empty : '–'), cell(m ? m.Paused : '–', m && m.Paused ? 'bad' : ''), cell(m ? m.Errors : '–', m && m.Errors ? 'bad' : ''),
    cell(w.sectors), cell(w.ageSeconds === null ? 'before the manager started' : ago(w.ageSeconds) + ' ago')]); }), 'no worker has pinged or reported', 8);
  const queues = [];
  for (const kind of ['pre', 'prove']) {
    const by = new Map();
    for (const q of o.queues[kind]) { const e = by.get(q.miner) ?? { n: 0, oldest: q.enqueuedAt }; e.n++; e.oldest = Math.min(e.oldest, q.enqueuedAt); by.set(q.miner, e); }
    for (const [miner, e] of by) queues.push(tr([cell(KINDS[kind] ?? kind), cell(actor(miner)), cell(e.n), cell(ago(Math.round((o.now - e.oldest) / 1000)))]));
  }
  fill($('queues'), queues, 'nothing waiting', 4);
  fill($('messages'), o.messages.map((m) => tr([cell(KINDS[m.kind] ?? m.kind), cell(actor(m.miner)), cell(m.sectors),
    cell(m.state, m.state === 'failed' ? 'bad' : m.state === 'onchain' ? 'ok' : ''), cell(m.gasUsed == null ? '' : m.gasUsed.toLocaleString('en-US')),
    titled(cell(m.valueFil), m.value + ' attoFIL'), titled(cell(m.maxFeeFil), m.maxFee + ' attoFIL'), titled(cell(m.uid.slice(0, 16) + '…'), m.uid)])), 'no messages yet', 8);
  fill($('post'), o.post.map((p) => tr([cell(time(p.at)), cell(actor(p.miner)), cell(p.deadline), cell(p.partitions), cell((p.durationMs / 1000).toFixed(1) + ' s'),
    cell(p.ok ? 'ok' : 'failed' + (p.error ? ': ' + p.error : ''), p.ok ? 'ok' : 'bad')])), 'no PoSt results reported', 6);
  fill($('leases'), (o.leases || []).map((l) => tr([cell(actor(l.miner)), cell(l.deadline), cell(l.open), cell(l.holder), cell(l.token),
    cell(l.released ? 'released' : l.expiresAt > o.now ? 'held' : 'expired', l.released || l.expiresAt > o.now ? '' : 'bad'), cell(l.takeovers, l.takeovers > 0 ? 'bad' : '')])), 'no deadline leases', 7);
  fill($('postjobs'), (o.postJobs || []).map((j) => tr([cell(j.id), cell(actor(j.miner)), cell(j.deadline), cell(j.state, j.error ? 'bad' : ''), cell(j.worker || '-'),
    cell(j.tries), cell(j.sectors), cell(j.faults, j.faults > 0 ? 'bad' : ''), cell(j.error)])), 'no PoSt worker jobs', 9);
}
async function refreshSector() {
  if (!selected) return;
  const [miner, number] = selected.split('/');
  const s = await get('/ui/api/sector?miner=' + miner + '&number=' + number);
  $('sector-title').textContent = sectorName(miner, number) + ' (' + s.row.state + ')';
  fill($('history'), s.history.map((e) => tr([cell(time(e.at)), cell(e.kind), cell(e.prev || e.next ? (e.prev ?? '') + ' → ' + (e.next ?? '') : ''), cell(e.worker ?? ''),
    cell(e.failure ? e.failure.Level + ': ' + e.failure.Desc : e.detail ?? e.event ?? '', e.failure ? 'bad' : '')])), 'no events recorded since the manager started', 5);
  for (const r of document.querySelectorAll('tr.sector')) r.classList.toggle('selected', r.dataset.sector === selected);
}
async function tick() {
  try {
    render(await get('/ui/api/overview'));
    await refreshSector();
    $('status').textContent = 'live · updated ' + new Date().toLocaleTimeString();
    $('status').className = '';
  } catch (err) {
    $('status').textContent = String(err.message || err);
    $('status').className = 'bad';
  }
}
tick();
setInterval(tick, 2000);
</script>
<script src="/ui/uplot.js"></script>
<script src="/ui/charts.js"></script>
</body>
</html>
`
