// seuil console: plain JS, no framework.  Every text from the server goes
// into the page with textContent (never innerHTML), so a member called
// <img src=x onerror=alert(1)> is shown as those characters.
'use strict';
const T = {
  en: { login: 'Log in', logout: 'Log out', user: 'User', password: 'Password', today: 'Today',
    members: 'Members', badges: 'Badges', groups: 'Groups', explain: 'Why not?',
    attendance: 'Attendance', import: 'Import', system: 'System', here: 'Here now',
    doors: 'Doors and readers', events: 'Last events', add_member: 'Add a member', name: 'Name',
    display: 'Display name', email: 'Email', from: 'From', until: 'Until', to: 'To',
    public: 'Named on the lobby screen', add: 'Add', enrol: 'Enrol a badge', member: 'Member',
    reader: 'Reader', enrol_go: 'Enrol: tap the badge now', checkout: 'Check out / unlock',
    checkout_go: 'Check out', unlock: 'Unlock the door', week: 'Week', schedule: 'Schedule',
    group: 'Group', save: 'Save', whynot: 'Why not?', by: 'By', show: 'Show',
    prune: 'Disable members missing from the file', preview: 'Preview', apply: 'Apply',
    search: 'Search', disable: 'Disable', enable: 'Enable', export: 'Export', erase: 'Erase',
    revoke: 'Revoke', tap_now: 'Waiting: tap the badge at the reader…', added: 'added',
    changed: 'changed', disabled: 'disabled', enabled: 'enabled', unchanged: 'unchanged',
    erase_confirm: 'Erasing deletes this member\'s personal data for good. Type the name to confirm:',
    since: 'since', nobody: 'Nobody', r_member_status: 'Member', r_valid_from: 'Valid from',
    r_valid_until: 'Valid until', r_clock: 'Clock', r_schedule: 'Schedule', r_lockout: 'Reader lockout',
    r_badge: 'Badge', allows_now: 'allows now', not_now: 'does not allow now', no_badge: 'No badge',
    door: 'door', reader_l: 'reader', col_door: 'Door', granted: 'GRANTED', denied: 'DENIED', locked_out: 'locked out after repeated failures',
    time: 'Time', type: 'Event', actor: 'By', reason: 'Reason', erased_member: 'erased member', always: 'always', applied: 'Applied.', preview_done: 'Preview (nothing changed yet):' },
  fr: { login: 'Connexion', logout: 'Déconnexion', user: 'Utilisateur', password: 'Mot de passe',
    today: "Aujourd'hui", members: 'Membres', badges: 'Badges', groups: 'Groupes',
    explain: 'Pourquoi pas ?', attendance: 'Fréquentation', import: 'Import', system: 'Système',
    here: 'Présents', doors: 'Portes et lecteurs', events: 'Derniers événements',
    add_member: 'Ajouter un membre', name: 'Nom', display: 'Nom affiché', email: 'Courriel',
    from: 'Du', until: "Jusqu'au", to: 'Au', public: "Nommé sur l'écran d'accueil", add: 'Ajouter',
    enrol: 'Enregistrer un badge', member: 'Membre', reader: 'Lecteur',
    enrol_go: 'Enregistrer : passez le badge', checkout: 'Départ / ouverture',
    checkout_go: 'Marquer parti', unlock: 'Ouvrir la porte', week: 'Semaine', schedule: 'Horaires',
    group: 'Groupe', save: 'Enregistrer', whynot: 'Pourquoi pas ?', by: 'Par', show: 'Afficher',
    prune: 'Désactiver les membres absents du fichier', preview: 'Aperçu', apply: 'Appliquer',
    search: 'Rechercher', disable: 'Désactiver', enable: 'Activer', export: 'Exporter',
    erase: 'Effacer', revoke: 'Révoquer', tap_now: 'En attente : passez le badge sur le lecteur…',
    added: 'ajoutés', changed: 'modifiés', disabled: 'désactivés', enabled: 'réactivés',
    unchanged: 'inchangés', erase_confirm: 'Effacer supprime définitivement les données de ce membre. Tapez son nom pour confirmer :',
    since: 'depuis', nobody: 'Personne', r_member_status: 'Membre', r_valid_from: 'Valide du',
    r_valid_until: "Valide jusqu'au", r_clock: 'Horloge', r_schedule: 'Horaires', r_lockout: 'Blocage du lecteur',
    r_badge: 'Badge', allows_now: 'autorise maintenant', not_now: "n'autorise pas maintenant", no_badge: 'Aucun badge',
    door: 'porte', reader_l: 'lecteur', col_door: 'Porte', granted: 'ACCORDÉ', denied: 'REFUSÉ', locked_out: 'bloqué après des échecs répétés',
    time: 'Heure', type: 'Événement', actor: 'Par', reason: 'Raison', erased_member: 'membre effacé', always: 'toujours', applied: 'Appliqué.', preview_done: 'Aperçu (rien de changé) :' },
};
let lang = localStorage.getItem('lang') || (navigator.language.startsWith('fr') ? 'fr' : 'en');
const t = (k) => (T[lang] && T[lang][k]) || T.en[k] || k;
const $ = (s) => document.querySelector(s);
let me = null, csrf = '', poll = null;
const VIEWS = ['today', 'members', 'badges', 'groups', 'explain', 'attendance', 'import', 'system'];
const DESK = ['today', 'badges'];

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
}
function clear(e) { while (e.firstChild) e.removeChild(e.firstChild); return e; }
function row(table, cells, head) {
  const tr = el('tr');
  for (const c of cells) {
    const td = el(head ? 'th' : 'td');
    if (c instanceof Node) td.appendChild(c); else td.textContent = c == null ? '' : String(c);
    tr.appendChild(td);
  }
  table.appendChild(tr);
  return tr;
}
function button(label, fn, cls) { const b = el('button', label, cls); b.type = 'button'; b.onclick = fn; return b; }
function when(iso) { return iso ? new Date(iso).toLocaleString(lang) : ''; }

async function api(method, path, body, type) {
  const opt = { method, headers: {}, credentials: 'same-origin' };
  if (method !== 'GET') opt.headers['X-CSRF-Token'] = csrf;
  if (body !== undefined) {
    opt.body = typeof body === 'string' ? body : JSON.stringify(body);
    opt.headers['Content-Type'] = type || 'application/json';
  }
  const r = await fetch('/api/v1' + path, opt);
  if (r.status === 401 && path !== '/login') { showLogin(); throw new Error('log in'); }
  const ct = r.headers.get('Content-Type') || '';
  const data = ct.startsWith('application/json') ? await r.json() : await r.text();
  if (!r.ok) throw new Error((data && data.error) || r.statusText);
  return data;
}

function translate() {
  document.documentElement.lang = lang;
  document.querySelectorAll('[data-t]').forEach((e) => { e.textContent = t(e.dataset.t); });
  document.querySelectorAll('[data-tp]').forEach((e) => { e.placeholder = t(e.dataset.tp); });
  buildNav();
}

function buildNav() {
  const nav = clear($('#nav'));
  if (!me) return;
  for (const v of VIEWS) {
    if (me.role !== 'admin' && !DESK.includes(v)) continue;
    const a = el('a', t(v)); a.href = '#' + v; a.id = 'nav-' + v;
    if (location.hash === '#' + v) a.className = 'on';
    nav.appendChild(a);
  }
}

function showLogin() {
  me = null; csrf = '';
  if (poll) clearInterval(poll);
  $('#nav').hidden = true; $('#logout').hidden = true; $('#me').textContent = '';
  document.querySelectorAll('.view').forEach((v) => { v.hidden = v.id !== 'login'; });
}

function loggedIn(m) {
  me = m; csrf = m.csrf;
  $('#me').textContent = m.user + ' (' + m.role + ')';
  $('#nav').hidden = false; $('#logout').hidden = false;
  document.querySelectorAll('.admin-only').forEach((e) => { e.hidden = m.role !== 'admin'; });
  if (!location.hash || location.hash === '#login') location.hash = '#today';
  route();
}

function route() {
  if (!me) return showLogin();
  let v = location.hash.slice(1);
  if (!VIEWS.includes(v) || (me.role !== 'admin' && !DESK.includes(v))) v = 'today';
  document.querySelectorAll('.view').forEach((s) => { s.hidden = s.id !== v; });
  buildNav();
  if (poll) clearInterval(poll);
  const load = { today: loadToday, members: loadMembers, badges: loadBadges, groups: loadGroups,
    attendance: loadReport, system: loadSystem }[v];
  if (load) load().catch(() => {});
  if (v === 'today') poll = setInterval(() => loadToday().catch(() => {}), 2000);
}

// ---- Today ----
async function loadToday() {
  const who = await api('GET', '/who');
  $('#count').textContent = who.count;
  const ul = clear($('#people'));
  if (!who.people.length) ul.appendChild(el('li', t('nobody')));
  for (const p of who.people) ul.appendChild(el('li', (p.display_name || p.name) + ' — ' + t('since') + ' ' + when(p.since) + (p.door ? ' (' + p.door + ')' : '')));
  const doors = clear($('#doors'));
  try {
    const s = await api('GET', '/status');
    for (const d of s.doors || []) doors.appendChild(el('li', d.name + ': ' + d.state));
    for (const r of s.readers || []) doors.appendChild(el('li', r.name + ': ' + (r.online ? 'online' : 'offline') + (r.locked_out ? ' (locked out)' : ''), r.online ? 'ok' : 'bad'));
  } catch (e) { doors.appendChild(el('li', e.message, 'bad')); }
  if (me.role === 'admin') {
    const ev = clear($('#events'));
    row(ev, [t('time'), t('type'), t('col_door'), t('member'), t('actor'), t('reason')], true);
    for (const e of (await api('GET', '/log?limit=10')).reverse())
      row(ev, [when(e.ts), e.type, e.door || '', memberOf(e), e.actor || '', e.reason || '']);
  }
}

// An event's member: the name the log gives (an erased member's is
// "erased-ID", never the name it had), or its id.
function memberOf(e) {
  if (e.member_erased) return t('erased_member') + ' #' + e.member_id;
  return e.member || (e.member_id ? '#' + e.member_id : '');
}

// ---- Members ----
let members = [];
async function loadMembers() { members = await api('GET', '/members'); drawMembers(); }
function drawMembers() {
  const q = $('#search').value.toLowerCase();
  const tb = clear($('#member-list'));
  row(tb, [t('name'), t('display'), t('email'), t('groups'), ''], true);
  for (const m of members) {
    if (q && !(m.name + ' ' + (m.display_name || '') + ' ' + (m.email || '')).toLowerCase().includes(q)) continue;
    const acts = el('span');
    if (!m.erased) {
      acts.appendChild(button(m.status === 'active' ? t('disable') : t('enable'), () =>
        api('POST', '/members/' + m.id + '/' + (m.status === 'active' ? 'disable' : 'enable'), {}).then(loadMembers)));
      const a = el('a', t('export')); a.href = '/api/v1/members/' + m.id + '/export'; a.download = 'member-' + m.id + '.json';
      acts.appendChild(document.createTextNode(' ')); acts.appendChild(a); acts.appendChild(document.createTextNode(' '));
      acts.appendChild(button(t('erase'), () => {
        const typed = window.prompt(t('erase_confirm') + ' ' + m.name);
        if (typed === m.name) api('POST', '/members/' + m.id + '/erase', { confirm: typed }).then(loadMembers);
      }, 'danger'));
    }
    const tr = row(tb, [m.name, m.display_name, m.email, (m.groups || []).join(', '), acts]);
    if (m.status !== 'active') tr.className = 'bad';
  }
}

// ---- Badges ----
async function loadBadges() {
  const sel = clear($('#enrol-reader'));
  for (const r of await api('GET', '/readers')) if (r.enrol) { const o = el('option', r.name); o.value = r.name; sel.appendChild(o); }
  if (me.role !== 'admin') return;
  const tb = clear($('#badge-list'));
  row(tb, ['id', t('member'), 'hint', 'status', ''], true);
  for (const b of await api('GET', '/badges'))
    row(tb, [b.id, b.member, b.hint, b.status, b.status === 'active' ? button(t('revoke'), () => api('POST', '/badges/' + b.id + '/revoke', {}).then(loadBadges)) : '']);
}

// ---- Groups (week view) ----
const DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
function windows(text) {
  const on = DAYS.map(() => new Array(24).fill(false));
  if (!text) return on.map((d) => d.fill(true));
  for (const part of text.split(',')) {
    const m = part.trim().match(/^([A-Za-z]{3})(?:-([A-Za-z]{3}))?\s+(\d\d):(\d\d)-(\d\d):(\d\d)$/);
    if (!m) continue;
    const a = DAYS.indexOf(m[1]), b = m[2] ? DAYS.indexOf(m[2]) : a;
    for (let d = a; d <= b && d >= 0; d++) for (let h = +m[3]; h < +m[5] + (+m[6] > 0 ? 1 : 0) && h < 24; h++) on[d][h] = true;
  }
  return on;
}
async function loadGroups() {
  const box = clear($('#week'));
  for (const g of await api('GET', '/groups')) {
    box.appendChild(el('h3', g.name + ' — ' + (g.schedule || t('always'))));
    const grid = el('div', null, 'week'), on = windows(g.schedule);
    grid.appendChild(el('div', ''));
    DAYS.forEach((d) => grid.appendChild(el('div', d)));
    for (let h = 6; h < 24; h++) {
      grid.appendChild(el('div', String(h).padStart(2, '0') + ':00'));
      for (let d = 0; d < 7; d++) grid.appendChild(el('div', '', on[d][h] ? 'on' : ''));
    }
    box.appendChild(grid);
  }
}

// ---- Why not? ----
// core/explain.c's explanation: the member's rules in the door's order,
// each passed, failed or not known, then each badge's verdict per reader.
const MARK = { true: '✔', false: '✘', null: '?' };
function ruleItem(r) {
  const li = el('li', null, r.pass === true ? 'ok' : r.pass === false ? 'bad' : 'unknown');
  li.dataset.rule = r.rule;
  li.appendChild(el('span', MARK[r.pass], 'mark'));
  li.appendChild(el('strong', t('r_' + r.rule)));
  li.appendChild(el('span', r.detail, 'detail'));
  return li;
}
function drawExplain(out, x) {
  out.appendChild(el('p', x.subject + ' — ' + x.local_time + ' ' + x.weekday + ' (' + x.timezone + ')', 'subject'));
  const rules = el('ol', null, 'rules');
  for (const r of x.rules) if (r.rule !== 'lockout') rules.appendChild(ruleItem(r));
  for (const g of x.groups) {
    const li = el('li', null, 'group');
    li.appendChild(el('span', '', 'mark'));
    li.appendChild(el('strong', t('group') + ' ' + g.name));
    li.appendChild(el('span', (g.schedule === 'always' ? t('always') : g.schedule) + ' — ' + (g.allows_now ? t('allows_now') : t('not_now')), 'detail'));
    rules.appendChild(li);
  }
  for (const r of x.rules) if (r.rule === 'lockout') rules.appendChild(ruleItem(r));
  out.appendChild(rules);
  for (const b of x.badges) {
    const box = el('div', null, 'badge-explain');
    box.appendChild(el('h3', b.id != null ? 'badge ' + b.id + ' · ' + b.hint + (b.label ? ' “' + b.label + '”' : '') : t('no_badge')));
    const ol = el('ol', null, 'rules');
    for (const r of b.rules) ol.appendChild(ruleItem(r));
    for (const d of b.decisions) {
      const li = el('li', null, 'verdict ' + (d.decision === 'granted' ? 'ok' : 'bad'));
      li.dataset.reader = d.reader;
      li.appendChild(el('span', d.decision === 'granted' ? '✔' : '✘', 'mark'));
      li.appendChild(el('strong', t('door') + ' ' + d.door + ', ' + t('reader_l') + ' ' + d.reader));
      li.appendChild(el('span', (d.decision === 'granted' ? t('granted') : t('denied') + ' (' + d.reason + ')') + (d.locked_out ? ' — ' + t('locked_out') : ''), 'detail'));
      ol.appendChild(li);
    }
    box.appendChild(ol);
    out.appendChild(box);
  }
}

// ---- Attendance ----
function reportQuery() {
  const f = $('#report-form');
  const q = new URLSearchParams();
  for (const k of ['from', 'to', 'by']) if (f[k].value) q.set(k, f[k].value);
  return q;
}
async function loadReport() {
  const q = reportQuery();
  $('#dl-csv').href = '/api/v1/report/attendance?' + q + '&format=csv';
  $('#dl-json').href = '/api/v1/report/attendance?' + q + '&format=json';
  const r = await api('GET', '/report/attendance?' + q + '&format=json');
  const tb = clear($('#report'));
  row(tb, ['period', t('member'), 'days', 'visits', 'hours'], true);
  const per = {};
  for (const x of r.rows) { row(tb, [x.period, x.member, x.days_present, x.visits, x.hours]); per[x.member] = (per[x.member] || 0) + x.hours; }
  drawChart(per);
}
function drawChart(per) {
  const NS = 'http://www.w3.org/2000/svg', names = Object.keys(per), max = Math.max(1, ...Object.values(per));
  const svg = document.createElementNS(NS, 'svg');
  svg.setAttribute('viewBox', '0 0 400 ' + (names.length * 18 + 4)); svg.setAttribute('width', '100%');
  names.forEach((n, i) => {
    const r = document.createElementNS(NS, 'rect');
    r.setAttribute('class', 'bar'); r.setAttribute('x', 120); r.setAttribute('y', i * 18 + 2);
    r.setAttribute('height', 14); r.setAttribute('width', Math.max(1, 270 * per[n] / max));
    const tx = document.createElementNS(NS, 'text');
    tx.setAttribute('x', 0); tx.setAttribute('y', i * 18 + 13); tx.textContent = n + ' (' + per[n].toFixed(1) + ' h)';
    svg.appendChild(r); svg.appendChild(tx);
  });
  clear($('#chart')).appendChild(svg);
}

// ---- System ----
async function loadSystem() {
  const ul = clear($('#health'));
  try {
    const s = await api('GET', '/status');
    ul.appendChild(el('li', 'seuild ' + s.version + ', pid ' + s.pid + ', up ' + s.uptime_s + ' s', 'ok'));
    ul.appendChild(el('li', 'clock ' + (s.clock_synced ? 'synced' : 'NOT synced'), s.clock_synced ? 'ok' : 'bad'));
    ul.appendChild(el('li', 'database ' + s.database + ', last event ' + s.last_seq));
    if (s.mqtt) ul.appendChild(el('li', 'MQTT ' + (s.mqtt.enabled ? (s.mqtt.connected ? 'connected' : 'disconnected') : 'disabled'), s.mqtt.enabled && !s.mqtt.connected ? 'bad' : 'ok'));
    for (const d of s.doors || []) ul.appendChild(el('li', 'door ' + d.name + ': ' + d.state));
    for (const r of s.readers || []) ul.appendChild(el('li', 'reader ' + r.name + ': ' + (r.online ? 'online' : 'offline') + ', restarts ' + r.restarts, r.online ? 'ok' : 'bad'));
  } catch (e) { ul.appendChild(el('li', e.message, 'bad')); }
}

function msg(sel, text, ok) { const e = $(sel); e.textContent = text; e.className = 'msg ' + (ok ? 'ok' : 'bad'); }

document.addEventListener('DOMContentLoaded', () => {
  $('#lang').value = lang;
  $('#lang').onchange = () => { lang = $('#lang').value; localStorage.setItem('lang', lang); translate(); route(); };
  translate();
  window.addEventListener('hashchange', route);
  $('#login-form').onsubmit = async (e) => {
    e.preventDefault();
    const f = e.target;
    try { loggedIn(await api('POST', '/login', { user: f.user.value, password: f.password.value })); f.password.value = ''; $('#login-error').textContent = ''; }
    catch (err) { $('#login-error').textContent = err.message; }
  };
  $('#logout').onclick = () => api('POST', '/logout', {}).finally(showLogin);
  $('#search').oninput = drawMembers;
  $('#member-form').onsubmit = async (e) => {
    e.preventDefault();
    const f = e.target, body = { name: f.name.value, public: f.public.checked };
    for (const k of ['display_name', 'email', 'valid_from', 'valid_until']) if (f[k].value) body[k] = f[k].value;
    if (f.groups.value) body.groups = f.groups.value.split(';').map((s) => s.trim()).filter(Boolean);
    try { const r = await api('POST', '/members', body); msg('#member-msg', f.name.value + ' → ' + r.id, true); f.reset(); loadMembers(); }
    catch (err) { msg('#member-msg', err.message); }
  };
  $('#enrol-form').onsubmit = async (e) => {
    e.preventDefault();
    const f = e.target;
    msg('#enrol-msg', t('tap_now'), true);
    try { const r = await api('POST', '/enrol', { member: f.member.value, reader: f.reader.value, timeout: 60 }); msg('#enrol-msg', 'badge ' + r.badge_id + ' (' + r.hint + ') → ' + r.member, true); loadBadges(); }
    catch (err) { msg('#enrol-msg', err.message); }
  };
  $('#checkout-form').onsubmit = async (e) => {
    e.preventDefault();
    try { const r = await api('POST', '/checkout', { member: e.target.member.value }); msg('#checkout-msg', r.was_present ? 'OK' : '—', true); }
    catch (err) { msg('#checkout-msg', err.message); }
  };
  $('#unlock').onclick = async () => {
    try { const r = await api('POST', '/door/unlock', {}); msg('#checkout-msg', r.door + ' ' + r.seconds + ' s', true); }
    catch (err) { msg('#checkout-msg', err.message); }
  };
  $('#group-form').onsubmit = async (e) => {
    e.preventDefault();
    const f = e.target;
    try {
      await api('POST', '/groups', { name: f.group.value }).catch(() => {});
      await api('PUT', '/groups/' + encodeURIComponent(f.group.value) + '/schedule', { schedule: f.schedule.value || 'always' });
      msg('#group-msg', 'OK', true); loadGroups();
    } catch (err) { msg('#group-msg', err.message); }
  };
  $('#explain-form').onsubmit = async (e) => {
    e.preventDefault();
    const out = clear($('#explain-out'));
    try { drawExplain(out, await api('GET', '/explain?member=' + encodeURIComponent(e.target.member.value))); }
    catch (err) { out.appendChild(el('p', err.message, 'bad')); }
  };
  $('#report-form').onsubmit = (e) => { e.preventDefault(); loadReport().catch(() => {}); };
  let csv = '';
  const showDiff = (d, applied) => {
    const ul = clear($('#import-diff'));
    ul.appendChild(el('li', applied ? t('applied') : t('preview_done')));
    for (const k of ['added', 'enabled', 'disabled']) for (const n of d[k]) ul.appendChild(el('li', t(k) + ': ' + n));
    for (const c of d.changed) ul.appendChild(el('li', t('changed') + ': ' + c.name + ' (' + c.fields.join(', ') + ')'));
    ul.appendChild(el('li', t('unchanged') + ': ' + d.unchanged));
  };
  $('#import-form').onsubmit = async (e) => {
    e.preventDefault();
    const f = e.target;
    csv = await f.file.files[0].text();
    try { showDiff(await api('POST', '/import?dry_run=1' + (f.prune.checked ? '&prune=1' : ''), csv, 'text/csv'), false); $('#import-apply').disabled = false; }
    catch (err) { clear($('#import-diff')).appendChild(el('li', err.message, 'bad')); }
  };
  $('#import-apply').onclick = async () => {
    try { showDiff(await api('POST', '/import' + ($('#import-form').prune.checked ? '?prune=1' : ''), csv, 'text/csv'), true); $('#import-apply').disabled = true; }
    catch (err) { clear($('#import-diff')).appendChild(el('li', err.message, 'bad')); }
  };
  api('GET', '/me').then((m) => (m.user ? loggedIn(m) : showLogin())).catch(showLogin);
});
