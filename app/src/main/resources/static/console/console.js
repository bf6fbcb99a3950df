// Tandem console: plain JavaScript, no build step. Talks to the REST API with the session
// cookie set by the login form, and listens to server-sent events for live updates.
'use strict';

const $ = (id) => document.getElementById(id);
const ROLES = ['VIEWER', 'OPERATOR', 'ADMIN'];
let me = null;
let lastStatus = null;
let redirecting = false;

function csrfToken() {
  const m = document.cookie.match(/(?:^|; )XSRF-TOKEN=([^;]+)/);
  return m ? decodeURIComponent(m[1]) : '';
}

async function api(path, opts = {}) {
  const headers = { 'X-Requested-With': 'XMLHttpRequest', 'Accept': 'application/json', ...(opts.headers || {}) };
  if (opts.method === 'POST') {
    headers['Content-Type'] = 'application/json';
    headers['X-XSRF-TOKEN'] = csrfToken();
  }
  const resp = await fetch(path, { credentials: 'same-origin', ...opts, headers });
  if (resp.status === 401) {
    // the session is gone (or never was): the login page brings the user back here afterwards
    redirecting = true;
    window.location = '/login';
    throw new Error('login required');
  }
  const type = resp.headers.get('Content-Type') || '';
  const body = type.includes('json') ? await resp.json() : await resp.text();
  if (!resp.ok && resp.status !== 409) { throw new Error((body && body.detail) || `HTTP ${resp.status}`); }
  return body;
}

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v; else if (k === 'text') e.textContent = v; else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c);
  return e;
}

function renderStatus(s) {
  lastStatus = s;
  $('cluster').textContent = 'cluster ' + s.cluster;
  $('lab-badge').hidden = !s.lab;
  $('active-site').textContent = s.activeSite || 'none';
  $('ticket').textContent = s.ticket ? `ticket epoch ${s.ticket.epoch} held by ${s.ticket.holder}` : 'no ticket';
  const sites = $('sites');
  sites.replaceChildren();
  for (const site of s.sites) {
    const active = site.name === s.activeSite;
    const card = el('div', { class: 'site' + (active ? ' active' : '') + (site.reachable ? '' : ' down'), 'data-site': site.name },
      el('div', { class: 'name', text: site.name }, ...(active ? [' ', el('span', { class: 'badge serving', text: 'SERVING' })] : [])),
      el('div', { class: 'muted', text: site.kind }),
      el('div', { class: 'state ' + site.state, text: site.state }),
      el('div', { class: site.healthy ? (site.healthLevel === 'WARN' ? 'level-WARN' : 'ok') : 'bad', 'data-level': site.healthLevel || '', text: site.healthSummary }));
    sites.append(card);
  }
  const sel = $('target-site');
  const current = sel.value;
  // a site that cannot take the service (unreachable, unhealthy, fenced) is offered with a warning
  sel.replaceChildren(...s.sites.map((x) => el('option', { value: x.name, text: x.name + (targetWarning(x) ? ` (${targetWarning(x)})` : '') })));
  const other = s.sites.find((x) => x.name !== s.activeSite);
  sel.value = current || (other ? other.name : '');
  renderHealth(s);
  renderApprovals(s.approvals || []);
}

// policies.approvalGates: what this agent waits at (a run's gate, or a switchover request that
// waits before its hand-over), with Approve / Deny for operators.
function renderApprovals(list) {
  $('approvals-section').hidden = list.length === 0;
  const ul = $('approvals');
  ul.replaceChildren();
  const canAct = me && ROLES.indexOf(me.role) >= ROLES.indexOf('OPERATOR');
  for (const a of list) {
    const path = (verb) => `/api/v1/commands/runs/${encodeURIComponent(a.runId)}/${verb}`;
    const li = el('li', { 'data-run': a.runId, 'data-gate': a.gate }, `${a.prompt} (${a.gate}, ${a.runId}) `);
    if (canAct) {
      const ok = el('button', { class: 'secondary', 'data-action': 'approve', text: 'Approve' });
      const no = el('button', { class: 'secondary', 'data-action': 'deny', text: 'Deny' });
      ok.onclick = () => confirmThen(`Approve ${a.runId} at ${a.gate}: ${a.prompt}`, () => command(path('approve'), {}, 'approve'));
      no.onclick = () => confirmThen(`Deny ${a.runId} at ${a.gate}? A request is dropped, a run ends aborted.`, () => command(path('deny'), {}, 'deny'));
      li.append(ok, ' ', no);
    }
    ul.append(li);
  }
}

// Why a site would be a poor target for a move, or '' when it looks ready (the plan says more).
function targetWarning(site) {
  if (!site.reachable) return site.state === 'UNREACHABLE' ? 'UNREACHABLE: ' + site.healthSummary : 'not reachable';
  if (['FENCED', 'FENCING', 'MAINTENANCE', 'STARTING'].includes(site.state)) return site.state;
  if (!site.healthy) return 'DOWN: ' + site.healthSummary;
  return '';
}

function moveWarning(name) {
  const site = lastStatus && lastStatus.sites.find((x) => x.name === name);
  const w = site ? targetWarning(site) : '';
  return w ? `WARNING: ${name} is ${w}; the move will most likely be refused or fail. ` : '';
}

function renderHealth(s) {
  const names = [...new Set(s.sites.flatMap((x) => x.sensors.map((y) => y.name)))].sort();
  const head = $('health').tHead;
  head.replaceChildren(el('tr', {}, el('th', { text: 'Sensor' }), ...s.sites.map((x) => el('th', { text: x.name }))));
  const body = $('health').tBodies[0];
  body.replaceChildren();
  // two levels: below the warning level a site is WARN (notified, no failover); below the failing
  // level it FAILs (fails over)
  const levels = el('tr', { class: 'health-level' }, el('td', { text: `level (warn < ${s.warningHealthPercent}%, fail < ${s.minimumHealthPercent}%)` }));
  for (const site of s.sites) {
    const lv = site.healthLevel || (site.healthy ? 'OK' : 'FAIL');
    levels.append(el('td', { class: lv === 'OK' ? 'cell-ok' : lv === 'WARN' ? 'cell-warn' : lv === 'FAIL' ? 'cell-bad' : 'cell-stale',
      'data-site': site.name, 'data-level': lv, text: lv }));
  }
  body.append(levels);
  for (const n of names) {
    const row = el('tr', {}, el('td', { text: n }));
    for (const site of s.sites) {
      const sensor = site.sensors.find((y) => y.name === n);
      // An unreachable site's readings are the last ones taken before it was lost: shown greyed.
      const cls = !sensor ? '' : !site.reachable ? 'cell-stale' : sensor.up ? 'cell-ok' : 'cell-bad';
      const td = el('td', { class: cls,
        title: sensor ? (site.reachable ? '' : 'last reading before the site was lost: ') + (sensor.detail || '') : '',
        text: sensor ? sensor.status + (sensor.critical ? ' ★' : '') : '–' });
      row.append(td);
    }
    body.append(row);
  }
}

// A decision repeated tick after tick ("no action: ...") updates the line on top with its count
// instead of flooding the list: only changes scroll.
function addDecision(d) {
  const list = $('decisions');
  const t = new Date(d.at).toISOString().substring(11, 23);
  // repeats: same site, state, action, reason and words but for their numbers (as the API's)
  const key = `${d.site}|${d.state}|${d.action}|${d.reasonCode}|${String(d.words).replace(/\d+(?:[.,]\d+)*/g, '#')}`;
  const top = list.firstChild;
  let repeats = d.repeats || 1;
  if (top && top.dataset.key === key && d.reasonCode !== 'OPERATOR') {
    repeats += Number(top.dataset.repeats);
    top.remove();
  }
  const times = repeats > 1 ? ` (×${repeats})` : '';
  list.prepend(el('li', { 'data-reason': d.reasonCode, 'data-key': key, 'data-repeats': String(repeats),
    text: `${t} ${d.site} [${d.state}] ${d.words}${times}` }));
  while (list.children.length > 300) list.lastChild.remove();
}

async function renderRuns() {
  const runs = await api('/api/v1/runs');
  const body = $('runs').tBodies[0];
  body.replaceChildren();
  for (const r of runs) {
    const tr = el('tr', { class: 'clickable', 'data-run': r.id },
      el('td', { text: r.id }), el('td', { text: r.kind }), el('td', { text: `${r.from} → ${r.to}` }),
      el('td', { text: r.state }), el('td', { text: r.rtoMillis != null ? (r.rtoMillis / 1000).toFixed(2) + ' s' : '' }));
    tr.addEventListener('click', () => showReport(r.id));
    if (r.endedAt == null && me && ROLES.indexOf(me.role) >= ROLES.indexOf('OPERATOR')) {
      // a run still going can be approved at its gate or aborted at the next step boundary
      const approve = el('button', { class: 'secondary', 'data-action': 'approve', text: 'Approve' });
      const abort = el('button', { class: 'secondary', 'data-action': 'abort', text: 'Abort' });
      approve.onclick = (e) => { e.stopPropagation(); confirmThen(`Approve the gate run ${r.id} is waiting at?`,
        () => command(`/api/v1/commands/runs/${encodeURIComponent(r.id)}/approve`, {}, 'approve')); };
      abort.onclick = (e) => { e.stopPropagation(); confirmThen(`Abort run ${r.id} at the next step boundary?`,
        () => command(`/api/v1/commands/runs/${encodeURIComponent(r.id)}/abort`, {}, 'abort')); };
      tr.append(el('td', {}, approve, abort));
    }
    body.append(tr);
  }
}

async function showReport(id) {
  const [json, text] = await Promise.all([
    api(`/api/v1/runs/${encodeURIComponent(id)}/report`),
    api(`/api/v1/runs/${encodeURIComponent(id)}/report.txt`, { headers: { Accept: 'text/plain' } })]);
  $('report').hidden = false;
  $('report-title').textContent = 'Report ' + id;
  $('report-text').textContent = text;
  drawTimeline(json);
}

// Instants come as ISO-8601 with up to nanoseconds; Date.parse only promises milliseconds.
function instant(s) {
  return Date.parse(String(s).replace(/(\.\d{3})\d+/, '$1'));
}

const STEP_OK = ['VERIFIED', 'ALREADY_DONE', 'CHECKED'];

// A Gantt-like bar per runbook step (RunReport.steps: title, status, startedAt, endedAt).
// Steps that never ran (SKIPPED) have no times and no bar; the text report lists them.
function drawTimeline(report) {
  const svg = $('timeline');
  svg.replaceChildren();
  const items = (report.steps || []).filter((x) => x.startedAt && x.endedAt);
  if (!items.length) { svg.setAttribute('viewBox', '0 0 760 20'); svg.setAttribute('height', 20); return; }
  const t0 = Math.min(...items.map((x) => instant(x.startedAt)));
  const t1 = Math.max(...items.map((x) => instant(x.endedAt)));
  const span = Math.max(1, t1 - t0);
  const W = 760, L = 290, row = 20;
  const H = items.length * row + 20;
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  svg.setAttribute('width', W);
  svg.setAttribute('height', H);
  const ns = 'http://www.w3.org/2000/svg';
  items.forEach((x, i) => {
    const a = (instant(x.startedAt) - t0) / span * (W - L - 10) + L;
    const w = Math.max(2, (instant(x.endedAt) - instant(x.startedAt)) / span * (W - L - 10));
    const label = document.createElementNS(ns, 'text');
    label.setAttribute('x', 0); label.setAttribute('y', i * row + 14); label.setAttribute('font-size', 12);
    const name = x.title || x.id || '';
    label.textContent = name.length > 44 ? name.substring(0, 43) + '…' : name;
    const bar = document.createElementNS(ns, 'rect');
    bar.setAttribute('x', a); bar.setAttribute('y', i * row + 3); bar.setAttribute('width', w); bar.setAttribute('height', row - 6);
    bar.setAttribute('fill', STEP_OK.includes(x.status) ? '#1f883d' : '#cf222e');
    bar.setAttribute('data-status', x.status || '');
    const tip = document.createElementNS(ns, 'title');
    tip.textContent = `${x.stage || ''} ${x.id || ''}: ${x.status || ''}, ${x.durationMillis != null ? x.durationMillis + ' ms' : ''}`;
    bar.append(tip);
    svg.append(label, bar);
  });
  const axis = document.createElementNS(ns, 'text');
  axis.setAttribute('x', L); axis.setAttribute('y', items.length * row + 15); axis.setAttribute('font-size', 12);
  axis.textContent = `0 … ${(span / 1000).toFixed(2)} s`;
  svg.append(axis);
}

function confirmThen(text, action) {
  $('confirm-text').textContent = text;
  const dlg = $('confirm');
  dlg.returnValue = '';
  dlg.onclose = async () => { if (dlg.returnValue === 'ok') await action(); };
  dlg.showModal();
}

async function command(path, body, what) {
  let words;
  try {
    const r = await api(path, { method: 'POST', body: JSON.stringify(body || {}) });
    words = `${what}: ${r.message}`;
  } catch (e) {
    words = `${what} failed: ${e.message}`;
  }
  addDecision({ at: new Date().toISOString(), site: 'console', state: '-', reasonCode: 'OPERATOR', words });
  renderRuns().catch(() => {});
}

function wireActions() {
  $('btn-switchover').onclick = () => {
    const t = $('target-site').value;
    confirmThen(`${moveWarning(t)}Planned switchover to ${t}: calls on the active site are drained first. Continue?`,
      () => command('/api/v1/commands/switchover', { target: t }, 'switchover'));
  };
  $('btn-failover').onclick = () => {
    const t = $('target-site').value;
    confirmThen(`${moveWarning(t)}Fail over to ${t} NOW, without draining calls? Active calls on the old site may drop.`,
      () => command('/api/v1/commands/failover', { target: t }, 'failover'));
  };
  $('btn-drill').onclick = () => confirmThen('Start a drill: switch over to the standby and back, with a report?',
    () => command('/api/v1/commands/drill', {}, 'drill'));
  $('btn-plan').onclick = async () => {
    const t = $('target-site').value;
    const text = await api(`/api/v1/plan.txt?target=${encodeURIComponent(t)}`, { headers: { Accept: 'text/plain' } });
    $('plan').hidden = false;
    $('plan').textContent = text;
  };
}

function applyRole() {
  const level = ROLES.indexOf(me.role);
  document.querySelectorAll('[data-role]').forEach((e) => { e.hidden = level < ROLES.indexOf(e.dataset.role); });
  $('me').textContent = `${me.name} (${me.role.toLowerCase()})`;
  $('logout-csrf').value = csrfToken();
}

function listen() {
  const es = new EventSource('/api/v1/events');
  es.addEventListener('decision', (e) => { const ev = JSON.parse(e.data); addDecision(ev.data); });
  es.addEventListener('state', (e) => { const ev = JSON.parse(e.data); renderStatus(ev.data); });
  es.addEventListener('run', () => renderRuns().catch(() => {}));
  es.addEventListener('step', () => renderRuns().catch(() => {}));
}

// Health-gated sync: each job's state on this site, from GET /api/v1/sync.
async function renderSync() {
  const v = await api('/api/v1/sync?decisions=0');
  $('sync-section').hidden = v.jobs.length === 0;
  const body = $('sync').tBodies[0];
  body.replaceChildren();
  for (const j of v.jobs) {
    const state = j.lastSuccess == null ? 'NEVER SYNCED' : j.stale ? 'STALE' : 'CURRENT';
    const age = j.lastSuccess == null ? '—' : `${Math.round(j.ageSeconds)} s ago`;
    const run = j.lastRun ? `${j.lastRun.from} → ${j.lastRun.to}: ${j.lastRun.files} files, ${j.lastRun.rows} rows, ${j.lastRun.bytes} B, ${j.lastRun.durationMillis} ms` : '—';
    body.append(el('tr', { 'data-job': j.job },
      el('td', { text: j.job }), el('td', { text: j.kind }),
      el('td', { class: state === 'CURRENT' ? 'cell-ok' : 'cell-bad', text: state }),
      el('td', { text: age }), el('td', { text: run }),
      el('td', { class: 'muted', text: j.lastDecision ? j.lastDecision.words : j.detail })));
  }
}

async function main() {
  me = await api('/api/v1/me');
  applyRole();
  wireActions();
  renderStatus(await api('/api/v1/status'));
  (await api('/api/v1/decisions?limit=100')).reverse().forEach(addDecision);
  await renderRuns();
  await renderSync().catch(() => {});
  listen();
  setInterval(() => { renderSync().catch(() => {}); }, 5000);
  // The event stream carries state changes; a slow poll keeps the page right if it reconnects.
  setInterval(async () => { try { renderStatus(await api('/api/v1/status')); } catch (e) { /* shown on next success */ } }, 2000);
}

main().catch((e) => { if (!redirecting) console.error(e); });
