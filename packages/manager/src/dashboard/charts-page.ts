/**
 * The dashboard's plots: the section of the page and the script (`/ui/charts.js`) that polls
 * `/ui/api/charts` every ten seconds and draws with uPlot, served by the manager itself from the
 * installed `uplot` package (`/ui/uplot.js`, `/ui/uplot.css`; no CDN, so the page works on a
 * network without internet access). Every plot marks how many points it drew in `data-points`.
 */

/** The section of the page holding the plots. */
export const CHARTS_SECTION = `
  <section class="wide" id="trends" data-testid="trends"><h2>Trends
    <select id="trend-window" aria-label="time window"><option value="3600000">1 h</option><option value="21600000">6 h</option><option value="86400000" selected>24 h</option><option value="604800000">7 d</option></select>
    <span id="trends-status" class="mute"></span></h2>
    <div class="plots">
      <figure><figcaption>Sealing throughput (sectors per hour reaching each state)</figcaption><div class="chart" id="chart-throughput" data-testid="chart-throughput"></div></figure>
      <figure><figcaption>Queue depths (sectors in each state, commit queues)</figcaption><div class="chart" id="chart-queues" data-testid="chart-queues"></div></figure>
      <figure><figcaption>Power (raw and quality-adjusted)</figcaption><div class="chart" id="chart-power" data-testid="chart-power"></div></figure>
      <figure><figcaption>Worker utilisation (threads; sectors being sealed, one thread each; paused; in error)</figcaption><div class="chart" id="chart-workers" data-testid="chart-workers"></div></figure>
      <figure><figcaption>Gas per day (used; saved by batching)</figcaption><div class="chart" id="chart-gas" data-testid="chart-gas"></div>
        <table data-testid="fees"><thead><tr><th>Day</th><th>Kind</th><th>Messages</th><th>Sectors</th><th>Messages saved</th><th>Gas used</th><th>Gas saved</th><th>Fee limit</th></tr></thead><tbody id="fees"></tbody></table></figure>
      <figure><figcaption>Stage durations (sectors per duration bucket)</figcaption><div id="chart-stages" data-testid="chart-stages"></div></figure>
      <figure><figcaption>Proving period (48 deadlines)</figcaption><div id="chart-wheel" data-testid="chart-wheel"></div></figure>
    </div>
  </section>`

/** Styles of the plots. */
export const CHARTS_STYLE = `
  .plots { display:grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 440px), 1fr)); gap:1rem; }
  figure { margin:0; } figcaption { color:var(--mute); font-size:.8rem; margin-bottom:.3rem; }
  #trends { max-height:none; }
  #trends table { font-size:.78rem; }
  .chart { min-height:220px; }
  .hist { display:grid; grid-template-columns: 14rem 1fr; gap:.15rem .5rem; align-items:end; font-size:.72rem; }
  .hist > div:nth-child(odd) { white-space:nowrap; overflow:hidden; text-overflow:ellipsis; }
  .hist .bars { display:flex; align-items:flex-end; gap:2px; height:1.5rem; border-bottom:1px solid var(--line); }
  .hist .bars i { display:block; flex:1; background:var(--acc); min-height:0; }
  .hist .axis { display:flex; gap:2px; color:var(--mute); font-size:.6rem; } .hist .axis span { flex:1; text-align:center; }
  .wheel { display:flex; flex-wrap:wrap; gap:1rem; align-items:center; }
  .wheel path.proven { fill:#1e8e3e; } .wheel path.faulty { fill:#c0392b; } .wheel path.noProof { fill:#f0b429; }
  .wheel path.current { fill:#2563eb; } .wheel path.upcoming { fill:#d5d9e0; }
  .legend span { display:inline-block; margin-right:.8rem; font-size:.75rem; } .legend i { display:inline-block; width:.7rem; height:.7rem; margin-right:.25rem; vertical-align:middle; }
`

/** The script served at `/ui/charts.js` (runs after uPlot). */
export const CHARTS_SCRIPT = `"use strict";
(() => {
const PALETTE = ['#2563eb', '#1e8e3e', '#c0392b', '#8e44ad', '#f39c12', '#16a085', '#d35400', '#2c3e50', '#7f8c8d', '#e84393', '#00b894', '#6c5ce7'];
const plots = new Map();
const el = (id) => document.getElementById(id);
const bytes = (v) => { if (v == null) return ''; const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB']; let i = 0; while (Math.abs(v) >= 1024 && i < u.length - 1) { v /= 1024; i++; } return (Math.round(v * 10) / 10) + ' ' + u[i]; };
const plain = (v) => v == null ? '' : (Math.abs(v) >= 1e6 ? (v / 1e6).toFixed(1) + 'M' : Math.abs(v) >= 1e3 ? (v / 1e3).toFixed(1) + 'k' : String(Math.round(v * 100) / 100));
function countPoints(series) { let n = 0; for (const l of series.lines) for (const v of l.values) if (v !== null && v !== undefined) n++; return n; }
function draw(id, series, fmt, opts) {
  const box = el(id);
  const width = Math.max(280, box.clientWidth || 440);
  const data = [series.at.map((t) => t / 1000), ...series.lines.map((l) => l.values)];
  const key = series.lines.map((l) => l.name).join('|') + '#' + (opts && opts.bars ? 'b' : 'l');
  const prev = plots.get(id);
  box.dataset.points = String(countPoints(series));
  box.dataset.series = String(series.lines.length);
  if (series.at.length === 0) { if (prev) { prev.u.destroy(); plots.delete(id); } box.textContent = 'no samples yet'; box.classList.add('mute'); return; }
  box.classList.remove('mute');
  if (prev && prev.key === key) { prev.u.setData(data); return; }
  if (prev) prev.u.destroy();
  box.textContent = '';
  const bars = opts && opts.bars ? uPlot.paths.bars({ size: [0.6, 40] }) : undefined;
  const u = new uPlot({
    width, height: 220,
    scales: { x: { time: !(opts && opts.bars) } },
    axes: [opts && opts.bars ? { values: (_u, ticks) => ticks.map((t) => (opts.labels[t] || '')) } : {}, { values: (_u, ticks) => ticks.map(fmt), size: 60 }],
    series: [{}, ...series.lines.map((l, i) => ({ label: l.name, stroke: PALETTE[i % PALETTE.length], fill: bars ? PALETTE[i % PALETTE.length] + '99' : undefined, width: 1.5, paths: bars, points: { show: series.at.length < 60 }, value: (_u, v) => fmt(v) }))],
  }, data, box);
  plots.set(id, { u, key });
}
function drawStages(st) {
  const box = el('chart-stages');
  const n = st.stages.reduce((a, s) => a + s.count, 0);
  box.dataset.points = String(n);
  if (!st.stages.length) { box.textContent = 'no stage has ended since the manager started'; box.className = 'mute'; return; }
  box.className = 'hist';
  const labels = st.buckets.map((b) => b < 1 ? (b * 1000) + 'ms' : b < 60 ? b + 's' : b < 3600 ? (b / 60) + 'm' : (b / 3600) + 'h').concat(['more']);
  const rows = [];
  for (const s of st.stages) {
    const name = document.createElement('div'); name.textContent = s.stage + ' (' + s.count + ', mean ' + plainSecs(s.seconds / Math.max(1, s.count)) + ')';
    const bars = document.createElement('div'); bars.className = 'bars'; bars.dataset.stage = s.stage;
    const max = Math.max(1, ...s.counts);
    s.counts.forEach((c, i) => { const b = document.createElement('i'); b.style.height = (100 * c / max) + '%'; b.title = '≤ ' + labels[i] + ': ' + c; bars.append(b); });
    rows.push(name, bars);
  }
  const axis = document.createElement('div'); axis.className = 'axis'; for (const l of labels) { const s = document.createElement('span'); s.textContent = l; axis.append(s); }
  rows.push(document.createElement('div'), axis);
  box.replaceChildren(...rows);
}
function plainSecs(s) { return s < 1 ? Math.round(s * 1000) + ' ms' : s < 120 ? s.toFixed(1) + ' s' : s < 7200 ? (s / 60).toFixed(1) + ' min' : (s / 3600).toFixed(1) + ' h'; }
function drawWheels(wheels) {
  const box = el('chart-wheel');
  box.className = 'wheel';
  box.dataset.points = String(wheels.reduce((a, w) => a + w.deadlines.length, 0));
  if (!wheels.length) { box.textContent = 'the chain does not tell the proving deadline'; box.className = 'mute'; return; }
  const NS = 'http://www.w3.org/2000/svg';
  const out = [];
  for (const w of wheels) {
    const svg = document.createElementNS(NS, 'svg'); svg.setAttribute('viewBox', '-110 -110 220 220'); svg.setAttribute('width', '200'); svg.setAttribute('height', '200');
    svg.dataset.miner = String(w.miner);
    const n = w.deadlines.length;
    w.deadlines.forEach((state, i) => {
      const a0 = (i / n) * 2 * Math.PI - Math.PI / 2, a1 = ((i + 0.92) / n) * 2 * Math.PI - Math.PI / 2;
      const p = (r, a) => (r * Math.cos(a)).toFixed(2) + ' ' + (r * Math.sin(a)).toFixed(2);
      const path = document.createElementNS(NS, 'path');
      path.setAttribute('d', 'M ' + p(60, a0) + ' L ' + p(100, a0) + ' A 100 100 0 0 1 ' + p(100, a1) + ' L ' + p(60, a1) + ' A 60 60 0 0 0 ' + p(60, a0) + ' Z');
      path.setAttribute('class', state); path.dataset.deadline = String(i);
      const t = document.createElementNS(NS, 'title'); t.textContent = 'deadline ' + i + ': ' + state; path.append(t);
      svg.append(path);
    });
    const label = document.createElementNS(NS, 'text'); label.setAttribute('text-anchor', 'middle'); label.setAttribute('dy', '5'); label.textContent = (globalThis.vsmPrefix || 't') + '0' + w.miner + ' · ' + w.current;
    svg.append(label);
    out.push(svg);
  }
  const legend = document.createElement('div'); legend.className = 'legend';
  for (const [cls, text, color] of [['proven', 'proven', '#1e8e3e'], ['faulty', 'faulty or missed', '#c0392b'], ['noProof', 'no proof recorded', '#f0b429'], ['current', 'open now', '#2563eb'], ['upcoming', 'upcoming', '#d5d9e0']]) {
    const s = document.createElement('span'); const i = document.createElement('i'); i.style.background = color; s.append(i, text); s.dataset.state = cls; legend.append(s);
  }
  box.replaceChildren(...out, legend);
}
function drawFees(fees) {
  const tbody = el('fees');
  const cell = (t) => { const td = document.createElement('td'); td.textContent = t == null ? '–' : String(t); return td; };
  tbody.replaceChildren(...fees.map((f) => { const r = document.createElement('tr'); r.append(cell(f.day), cell(f.kind), cell(f.messages), cell(f.sectors), cell(f.messagesSaved), cell(f.gasUsed.toLocaleString('en-US')), cell(f.gasSaved == null ? null : f.gasSaved.toLocaleString('en-US')), cell(f.maxFeeFil)); return r; }));
  const days = [...new Set(fees.map((f) => f.day))].sort();
  const sum = (k) => days.map((d) => fees.filter((f) => f.day === d).reduce((a, f) => a + (f[k] || 0), 0));
  draw('chart-gas', { at: days.map((_d, i) => i * 1000), lines: [{ name: 'gas used', values: sum('gasUsed') }, { name: 'gas saved', values: sum('gasSaved') }] }, plain, { bars: true, labels: days });
}
async function refresh() {
  const windowMs = el('trend-window').value;
  try {
    const res = await fetch('/ui/api/charts?window=' + windowMs, { credentials: 'same-origin', cache: 'no-store' });
    if (!res.ok) throw new Error('charts: HTTP ' + res.status);
    const c = await res.json();
    draw('chart-throughput', c.throughput, plain);
    draw('chart-queues', c.queues, plain);
    draw('chart-power', c.power, bytes);
    draw('chart-workers', c.workers, plain);
    drawFees(c.fees);
    drawStages(c.stages);
    drawWheels(c.wheels);
    el('trends-status').textContent = 'updated ' + new Date().toLocaleTimeString();
  } catch (err) {
    el('trends-status').textContent = String(err.message || err);
  }
}
el('trend-window').onchange = refresh;
refresh();
setInterval(refresh, 10000);
})();
`
