// SPDX-License-Identifier: GPL-3.0-or-later
// seuil console: plain JS, no framework.  Every text from the server goes
// into the page with textContent (never innerHTML), so a member called
// <img src=x onerror=alert(1)> is shown as those characters.
'use strict';
const T = {
  en: { title: 'seuil console', login: 'Log in', logout: 'Log out', user: 'User', password: 'Password', today: 'Today',
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
    time: 'Time', type: 'Event', actor: 'By', reason: 'Reason', erased_member: 'erased member', always: 'always', applied: 'Applied.', preview_done: 'Preview (nothing changed yet):',
    import_csv: 'Import members (CSV)', group_schedule: 'Group schedule', day: 'day', week_p: 'week', month: 'month',
    period: 'Period', days: 'Days', visits: 'Visits', hours: 'Hours', id: 'Id', hint: 'Hint', status: 'Status',
    online: 'online', offline: 'offline', u_day: 'd', b_active: 'active', b_revoked: 'revoked', locked_out_short: 'locked out', role_admin: 'admin', role_desk: 'desk',
    enrolled: 'badge {id} ({hint}) linked to {member}', checked_out: 'Checked out.', not_present: 'Was not here.',
    unlocked: 'Door {door} unlocked for {seconds} s', saved: 'Saved.', added_id: '{name} added (#{id})',
    // System health
    h_seuild: 'seuild {version}, pid {pid}, up {uptime}', h_clock_ok: 'Clock NTP-synced', h_clock_bad: 'Clock NOT NTP-synced',
    h_db: 'Database {database}, last event #{seq}', h_mqtt_on: 'MQTT connected', h_mqtt_off: 'MQTT disconnected',
    h_mqtt_none: 'MQTT disabled', h_door: 'Door {name}: {state}', h_reader: 'Reader {name}: {online}, {restarts} restarts',
    // Door states (seuild's status)
    s_locked: 'locked', s_unlocked: 'unlocked', s_open: 'open', s_held_open: 'held open', s_forced_open: 'forced open', s_unknown: 'unknown',
    // core/access.c's reasons, and departures'
    x_granted: 'granted', x_locked_out: 'reader locked out', x_unknown_badge: 'unknown badge', x_badge_revoked: 'badge revoked',
    x_credential_invalid: 'the card did not prove its credential', x_credential_required: 'a DESFire badge is required here',
    x_member_disabled: 'member disabled', x_not_yet_valid: 'not yet valid', x_expired: 'expired',
    x_clock_unsynced: 'clock not synced', x_outside_schedule: 'outside the schedule', x_store_unavailable: 'database unavailable',
    x_badge_out: 'badged out', x_toggle: 'tapped again', x_timeout: 'timed out', x_day_end: 'end of the day', x_manual: 'checked out by staff',
    // Event types (docs/mqtt.md)
    ev_access_granted: 'access granted', ev_access_denied: 'access denied', ev_arrival: 'arrival', ev_departure: 'departure',
    ev_door_open: 'door open', ev_door_closed: 'door closed', ev_door_held_open: 'door held open', ev_door_forced_open: 'door forced open',
    ev_exit_request: 'exit request', ev_unlock_remote: 'remote unlock', ev_reader_offline: 'reader offline', ev_reader_online: 'reader online',
    ev_lockout: 'reader locked out', ev_daemon_start: 'seuild started', ev_daemon_stop: 'seuild stopped', ev_badge_enrolled: 'badge enrolled',
    ev_store_error: 'database error', ev_admin_change: 'change by staff', ev_control_refused: 'control request refused',
    ev_console_login: 'console login', ev_console_login_failed: 'console login failed',
    // core/explain.c's step codes (docs/web.md lists them)
    c_member_active: 'member {name} is active', c_member_disabled: 'member {name} is disabled', c_erased: ' (erased)',
    c_no_start_date: 'no start date', c_valid_from: 'valid from {from}, today is {today}',
    c_no_end_date: 'no end date', c_valid_until: 'valid until {until} (inclusive), today is {today}',
    c_clock_synced: 'the clock is NTP-synced',
    c_clock_unsynced_ignore: 'the clock is NOT NTP-synced; unsynced_clock = ignore: dates and schedules are used as they are',
    c_clock_unsynced_deny: 'the clock is NOT NTP-synced and unsynced_clock = deny: no badge opens until it is',
    c_clock_unsynced_members_only: 'the clock is NOT NTP-synced and unsynced_clock = members_only: only members with no validity dates and no schedule may enter ({member})',
    m_has_dates: 'this member has validity dates', m_all_scheduled: 'this member\'s groups all have schedules', m_qualifies: 'this member qualifies',
    c_no_group: 'in no group: no schedule applies', c_group_unscheduled: 'group {group} has no schedule: any time',
    c_schedule_allows: 'one of the member\'s groups allows {weekday} {time}', c_schedule_forbids: 'none of the member\'s groups allows {weekday} {time}',
    c_lockout_unknown: 'seuild is not running: reader lockouts unknown (and no door opens until it runs)',
    c_lockout_none: 'no reader is locked out',
    c_lockout_readers: 'locked out after repeated failures: {readers} (no badge opens there until the lockout ends)',
    reader_one: 'reader {names}', reader_many: 'readers {names}',
    c_badge_active: 'badge {id} is active', c_badge_revoked: 'badge {id} is revoked',
    c_uid_not_enrolled: 'no badge with this UID is enrolled', c_no_badge: 'the member has no badge: any badge tapped is unknown',
    subj_member: '{name} (member {id})', subj_badge: 'badge hint {hint} of {name} (member {id})', subj_unknown_badge: 'badge hint {hint}',
    badge_head: 'badge {id} · {hint}',
    wd_Mon: 'Mon', wd_Tue: 'Tue', wd_Wed: 'Wed', wd_Thu: 'Thu', wd_Fri: 'Fri', wd_Sat: 'Sat', wd_Sun: 'Sun',
    // seuil-web's error codes
    e_bad_login: 'Wrong user name or password.', e_too_many_logins: 'Too many failed logins: try again in {retry_after} s.',
    e_login_needed: 'Log in first.', e_csrf: 'Your session is out of date: reload the page.', e_admin_only: 'This needs an admin account.',
    e_seuild_down: 'seuild is not running.', e_not_found: 'Not found.', e_exists: 'That exists already.',
    e_member_erased: 'Member #{id} was erased.', e_too_large: 'Too large (at most {max} bytes).', e_database: 'Database error.',
    e_import_error: 'Line {line}, column {column}: {message}', e_invalid: '{message}', e_status: '{message}',
    e_busy: '{message}', e_permission: '{message}', e_timeout: '{message}' },
  fr: { title: 'console seuil', login: 'Connexion', logout: 'Déconnexion', user: 'Utilisateur', password: 'Mot de passe',
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
    time: 'Heure', type: 'Événement', actor: 'Par', reason: 'Raison', erased_member: 'membre effacé', always: 'toujours', applied: 'Appliqué.', preview_done: 'Aperçu (rien de changé) :',
    import_csv: 'Importer des membres (CSV)', group_schedule: "Horaires d'un groupe", day: 'jour', week_p: 'semaine', month: 'mois',
    period: 'Période', days: 'Jours', visits: 'Visites', hours: 'Heures', id: 'N°', hint: 'Indice', status: 'État',
    online: 'en ligne', offline: 'hors ligne', u_day: 'j', b_active: 'actif', b_revoked: 'révoqué', locked_out_short: 'bloqué', role_admin: 'admin', role_desk: 'accueil',
    enrolled: 'badge {id} ({hint}) lié à {member}', checked_out: 'Départ enregistré.', not_present: "N'était pas là.",
    unlocked: 'Porte {door} ouverte pour {seconds} s', saved: 'Enregistré.', added_id: '{name} ajouté (n° {id})',
    h_seuild: 'seuild {version}, pid {pid}, lancé depuis {uptime}', h_clock_ok: 'Horloge synchronisée (NTP)', h_clock_bad: "Horloge NON synchronisée (NTP)",
    h_db: 'Base de données {database}, dernier événement n° {seq}', h_mqtt_on: 'MQTT connecté', h_mqtt_off: 'MQTT déconnecté',
    h_mqtt_none: 'MQTT désactivé', h_door: 'Porte {name} : {state}', h_reader: 'Lecteur {name} : {online}, {restarts} redémarrages',
    s_locked: 'verrouillée', s_unlocked: 'déverrouillée', s_open: 'ouverte', s_held_open: 'maintenue ouverte', s_forced_open: 'forcée', s_unknown: 'inconnu',
    x_granted: 'accordé', x_locked_out: 'lecteur bloqué', x_unknown_badge: 'badge inconnu', x_badge_revoked: 'badge révoqué',
    x_credential_invalid: "la carte n'a pas prouvé son identifiant", x_credential_required: 'un badge DESFire est exigé ici',
    x_member_disabled: 'membre désactivé', x_not_yet_valid: 'pas encore valide', x_expired: 'expiré',
    x_clock_unsynced: 'horloge non synchronisée', x_outside_schedule: 'hors horaires', x_store_unavailable: 'base de données indisponible',
    x_badge_out: 'badge de sortie', x_toggle: 'badge passé à nouveau', x_timeout: 'délai écoulé', x_day_end: 'fin de journée', x_manual: "départ marqué par l'accueil",
    ev_access_granted: 'accès accordé', ev_access_denied: 'accès refusé', ev_arrival: 'arrivée', ev_departure: 'départ',
    ev_door_open: 'porte ouverte', ev_door_closed: 'porte fermée', ev_door_held_open: 'porte maintenue ouverte', ev_door_forced_open: 'porte forcée',
    ev_exit_request: 'demande de sortie', ev_unlock_remote: 'ouverture à distance', ev_reader_offline: 'lecteur hors ligne', ev_reader_online: 'lecteur en ligne',
    ev_lockout: 'lecteur bloqué', ev_daemon_start: 'seuild démarré', ev_daemon_stop: 'seuild arrêté', ev_badge_enrolled: 'badge enregistré',
    ev_store_error: 'erreur de base de données', ev_admin_change: "modification par l'équipe", ev_control_refused: 'commande refusée',
    ev_console_login: 'connexion à la console', ev_console_login_failed: 'échec de connexion à la console',
    c_member_active: 'le membre {name} est actif', c_member_disabled: 'le membre {name} est désactivé', c_erased: ' (effacé)',
    c_no_start_date: 'pas de date de début', c_valid_from: 'valide à partir du {from}, nous sommes le {today}',
    c_no_end_date: 'pas de date de fin', c_valid_until: "valide jusqu'au {until} inclus, nous sommes le {today}",
    c_clock_synced: "l'horloge est synchronisée (NTP)",
    c_clock_unsynced_ignore: "l'horloge n'est PAS synchronisée (NTP) ; unsynced_clock = ignore : dates et horaires sont appliqués tels quels",
    c_clock_unsynced_deny: "l'horloge n'est PAS synchronisée (NTP) et unsynced_clock = deny : aucun badge n'ouvre tant qu'elle ne l'est pas",
    c_clock_unsynced_members_only: "l'horloge n'est PAS synchronisée (NTP) et unsynced_clock = members_only : seuls les membres sans dates de validité ni horaires peuvent entrer ({member})",
    m_has_dates: 'ce membre a des dates de validité', m_all_scheduled: 'tous les groupes de ce membre ont des horaires', m_qualifies: 'ce membre remplit ces conditions',
    c_no_group: "dans aucun groupe : aucun horaire ne s'applique", c_group_unscheduled: "le groupe {group} n'a pas d'horaires : à toute heure",
    c_schedule_allows: 'un des groupes du membre autorise le {weekday} à {time}', c_schedule_forbids: "aucun des groupes du membre n'autorise le {weekday} à {time}",
    c_lockout_unknown: "seuild ne tourne pas : blocages des lecteurs inconnus (et aucune porte ne s'ouvre tant qu'il ne tourne pas)",
    c_lockout_none: "aucun lecteur n'est bloqué",
    c_lockout_readers: "bloqué après des échecs répétés : {readers} (aucun badge n'y ouvre avant la fin du blocage)",
    reader_one: 'lecteur {names}', reader_many: 'lecteurs {names}',
    c_badge_active: 'le badge {id} est actif', c_badge_revoked: 'le badge {id} est révoqué',
    c_uid_not_enrolled: "aucun badge enregistré n'a cet UID", c_no_badge: "le membre n'a pas de badge : tout badge présenté est inconnu",
    subj_member: '{name} (membre n° {id})', subj_badge: 'badge d’indice {hint} de {name} (membre n° {id})', subj_unknown_badge: 'badge d’indice {hint}',
    badge_head: 'badge n° {id} · {hint}',
    wd_Mon: 'lun.', wd_Tue: 'mar.', wd_Wed: 'mer.', wd_Thu: 'jeu.', wd_Fri: 'ven.', wd_Sat: 'sam.', wd_Sun: 'dim.',
    e_bad_login: "Nom d'utilisateur ou mot de passe incorrect.", e_too_many_logins: 'Trop de connexions échouées : réessayez dans {retry_after} s.',
    e_login_needed: "Connectez-vous d'abord.", e_csrf: 'Votre session est périmée : rechargez la page.', e_admin_only: 'Il faut un compte admin.',
    e_seuild_down: 'seuild ne tourne pas.', e_not_found: 'Introuvable.', e_exists: 'Existe déjà.',
    e_member_erased: 'Le membre n° {id} a été effacé.', e_too_large: 'Trop gros (au plus {max} octets).', e_database: 'Erreur de base de données.',
    e_import_error: 'Ligne {line}, colonne {column} : {message}', e_invalid: 'Valeur refusée : {message}', e_status: 'Erreur {status} : {message}',
    e_busy: 'Réessayez : {message}', e_permission: 'Non autorisé : {message}', e_timeout: 'Délai dépassé : {message}' },
};
let lang = localStorage.getItem('lang') || (navigator.language.startsWith('fr') ? 'fr' : 'en');
const t = (k) => (T[lang] && T[lang][k]) || T.en[k] || k;
// A string with {name} parameters filled from args (text only: the result
// goes into textContent).
function fmt(k, args) {
  return t(k).replace(/\{(\w+)\}/g, (m, n) => (args && args[n] != null ? String(args[n]) : m));
}
// A code's words, or the code itself when this page does not know it.
function known(prefix, code) {
  return code != null && (Object.prototype.hasOwnProperty.call(T.en, prefix + code));
}
const word = (prefix, code) => (known(prefix, code) ? t(prefix + code) : code == null ? '' : String(code));
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
// Day and month by name, 24-hour clock: '1 Dec 2026, 09:05:00' reads the
// same to everyone, where 'en' alone gives the US '12/1/2026, 9:05:00 AM'.
const WHEN = { dateStyle: 'medium', timeStyle: 'medium', hourCycle: 'h23' };
function when(iso) { return iso ? new Date(iso).toLocaleString(lang === 'fr' ? 'fr-FR' : 'en-GB', WHEN) : ''; }

async function api(method, path, body, type) {
  const opt = { method, headers: {}, credentials: 'same-origin' };
  if (method !== 'GET') opt.headers['X-CSRF-Token'] = csrf;
  if (body !== undefined) {
    opt.body = typeof body === 'string' ? body : JSON.stringify(body);
    opt.headers['Content-Type'] = type || 'application/json';
  }
  const r = await fetch('/api/v1' + path, opt);
  if (r.status === 401 && path !== '/login') { showLogin(); throw new Error(t('e_login_needed')); }
  const ct = r.headers.get('Content-Type') || '';
  const data = ct.startsWith('application/json') ? await r.json() : await r.text();
  if (!r.ok) throw new Error(errorText(r.status, data));
  return data;
}

// An API error in the page's language: in English the server's own text
// (the most precise); otherwise worded from its code and args when
// seuil-web gives them, or the English text after "Erreur N :" when it
// gives none (or a code this page does not know).
function errorText(status, data) {
  const e = data && typeof data === 'object' ? data : { error: String(data || '') };
  if (lang === 'en' && e.error) return e.error;
  const args = Object.assign({}, e.args || {}, { status, message: e.error || '' });
  if (e.code === 'import_error' && e.args && e.args.message != null) args.message = e.args.message;
  if (e.code === 'import_error' && !(e.args && e.args.line)) return fmt('e_invalid', args);
  if (known('e_', e.code)) return fmt('e_' + e.code, args);
  return lang === 'en' ? args.message || String(status) : fmt('e_status', args);
}

function translate() {
  document.documentElement.lang = lang;
  document.title = t('title');
  document.querySelectorAll('[data-t]').forEach((e) => { e.textContent = t(e.dataset.t); });
  document.querySelectorAll('[data-tp]').forEach((e) => { e.placeholder = t(e.dataset.tp); });
  drawMe();
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

function drawMe() { if (me) $('#me').textContent = me.user + ' (' + word('role_', me.role) + ')'; }

function loggedIn(m) {
  me = m; csrf = m.csrf;
  drawMe();
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
    for (const d of s.doors || []) doors.appendChild(el('li', d.name + ': ' + word('s_', d.state)));
    for (const r of s.readers || []) doors.appendChild(el('li', r.name + ': ' + (r.online ? t('online') : t('offline')) + (r.locked_out ? ' (' + t('locked_out_short') + ')' : ''), r.online ? 'ok' : 'bad'));
  } catch (e) { doors.appendChild(el('li', e.message, 'bad')); }
  if (me.role === 'admin') {
    const ev = clear($('#events'));
    row(ev, [t('time'), t('type'), t('col_door'), t('member'), t('actor'), t('reason')], true);
    for (const e of (await api('GET', '/log?limit=10')).reverse())
      row(ev, [when(e.ts), word('ev_', e.type), e.door || '', memberOf(e), e.actor || '', word('x_', e.reason)]);
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
  row(tb, [t('id'), t('member'), t('hint'), t('status'), ''], true);
  for (const b of await api('GET', '/badges'))
    row(tb, [b.id, b.member, b.hint, word('b_', b.status), b.status === 'active' ? button(t('revoke'), () => api('POST', '/badges/' + b.id + '/revoke', {}).then(loadBadges)) : '']);
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
    DAYS.forEach((d) => grid.appendChild(el('div', t('wd_' + d))));
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
// A step in the page's language, from its code and args (the English
// detail only for a code this page does not know: a newer seuil-web).
function stepText(r) {
  if (!known('c_', r.code)) return r.detail;
  const a = Object.assign({}, r.args);
  if (r.code === 'schedule_allows' || r.code === 'schedule_forbids') a.weekday = word('wd_', a.weekday);
  if (r.code === 'clock_unsynced_members_only') a.member = word('m_', a.member);
  if (r.code === 'lockout_readers') {
    const names = a.readers || [];
    a.readers = fmt(names.length > 1 ? 'reader_many' : 'reader_one', { names: names.join(', ') });
  }
  return fmt('c_' + r.code, a) + (r.args && r.args.erased ? t('c_erased') : '');
}
function ruleItem(r) {
  const li = el('li', null, r.pass === true ? 'ok' : r.pass === false ? 'bad' : 'unknown');
  li.dataset.rule = r.rule;
  li.dataset.code = r.code || '';
  li.appendChild(el('span', MARK[r.pass], 'mark'));
  li.appendChild(el('strong', t('r_' + r.rule)));
  li.appendChild(el('span', stepText(r), 'detail'));
  return li;
}
function subjectText(x) {
  return known('subj_', x.subject_code) ? fmt('subj_' + x.subject_code, x.subject_args) : x.subject;
}
function drawExplain(out, x) {
  out.appendChild(el('p', subjectText(x) + ' — ' + x.local_time + ' ' + word('wd_', x.weekday) + ' (' + x.timezone + ')', 'subject'));
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
    box.appendChild(el('h3', b.id != null ? fmt('badge_head', b) + (b.label ? ' “' + b.label + '”' : '') : t('no_badge')));
    const ol = el('ol', null, 'rules');
    for (const r of b.rules) ol.appendChild(ruleItem(r));
    for (const d of b.decisions) {
      const li = el('li', null, 'verdict ' + (d.decision === 'granted' ? 'ok' : 'bad'));
      li.dataset.reader = d.reader;
      li.appendChild(el('span', d.decision === 'granted' ? '✔' : '✘', 'mark'));
      li.appendChild(el('strong', t('door') + ' ' + d.door + ', ' + t('reader_l') + ' ' + d.reader));
      li.dataset.reason = d.reason;
      li.appendChild(el('span', (d.decision === 'granted' ? t('granted') : t('denied') + ' (' + word('x_', d.reason) + ')') + (d.locked_out ? ' — ' + t('locked_out') : ''), 'detail'));
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
  row(tb, [t('period'), t('member'), t('days'), t('visits'), t('hours')], true);
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
// Seconds as "3 h 05 min", "4 min 10 s" (units the same in both languages).
function duration(sec) {
  sec = Math.max(0, Math.floor(+sec || 0));
  const d = Math.floor(sec / 86400), h = Math.floor(sec / 3600) % 24, m = Math.floor(sec / 60) % 60, x = sec % 60;
  if (d) return d + ' ' + t('u_day') + ' ' + h + ' h';
  if (h) return h + ' h ' + String(m).padStart(2, '0') + ' min';
  return m ? m + ' min ' + x + ' s' : x + ' s';
}
async function loadSystem() {
  const ul = clear($('#health'));
  try {
    const s = await api('GET', '/status');
    ul.appendChild(el('li', fmt('h_seuild', { version: s.version, pid: s.pid, uptime: duration(s.uptime_s) }), 'ok'));
    ul.appendChild(el('li', s.clock_synced ? t('h_clock_ok') : t('h_clock_bad'), s.clock_synced ? 'ok' : 'bad'));
    ul.appendChild(el('li', fmt('h_db', { database: s.database, seq: s.last_seq })));
    if (s.mqtt) ul.appendChild(el('li', t(s.mqtt.enabled ? (s.mqtt.connected ? 'h_mqtt_on' : 'h_mqtt_off') : 'h_mqtt_none'), s.mqtt.enabled && !s.mqtt.connected ? 'bad' : 'ok'));
    for (const d of s.doors || []) ul.appendChild(el('li', fmt('h_door', { name: d.name, state: word('s_', d.state) })));
    for (const r of s.readers || []) ul.appendChild(el('li', fmt('h_reader', { name: r.name, online: r.online ? t('online') : t('offline'), restarts: r.restarts }), r.online ? 'ok' : 'bad'));
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
    try { const r = await api('POST', '/members', body); msg('#member-msg', fmt('added_id', { name: f.name.value, id: r.id }), true); f.reset(); loadMembers(); }
    catch (err) { msg('#member-msg', err.message); }
  };
  $('#enrol-form').onsubmit = async (e) => {
    e.preventDefault();
    const f = e.target;
    msg('#enrol-msg', t('tap_now'), true);
    try { const r = await api('POST', '/enrol', { member: f.member.value, reader: f.reader.value, timeout: 60 }); msg('#enrol-msg', fmt('enrolled', { id: r.badge_id, hint: r.hint, member: r.member }), true); loadBadges(); }
    catch (err) { msg('#enrol-msg', err.message); }
  };
  $('#checkout-form').onsubmit = async (e) => {
    e.preventDefault();
    try { const r = await api('POST', '/checkout', { member: e.target.member.value }); msg('#checkout-msg', r.was_present ? t('checked_out') : t('not_present'), true); }
    catch (err) { msg('#checkout-msg', err.message); }
  };
  $('#unlock').onclick = async () => {
    try { const r = await api('POST', '/door/unlock', {}); msg('#checkout-msg', fmt('unlocked', r), true); }
    catch (err) { msg('#checkout-msg', err.message); }
  };
  $('#group-form').onsubmit = async (e) => {
    e.preventDefault();
    const f = e.target;
    try {
      await api('POST', '/groups', { name: f.group.value }).catch(() => {});
      await api('PUT', '/groups/' + encodeURIComponent(f.group.value) + '/schedule', { schedule: f.schedule.value || 'always' });
      msg('#group-msg', t('saved'), true); loadGroups();
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
