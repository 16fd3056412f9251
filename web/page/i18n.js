// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * seuil console: the words, in English and French, and the functions that
 * pick them.  Everything the page shows is worded here from codes (the
 * API's error codes, event types, reasons, explain steps, problems); what
 * stays as the server has it is names, dates and schedules' syntax.
 *
 * A classic script (like lobby/presence.js): in a browser it defines
 * SeuilI18n; under node it is CommonJS, so tests/web checks that French
 * covers English with the same parameters.
 */
(function (root, factory) {
	'use strict';
	var api = factory();
	if (typeof module === 'object' && module.exports)
		module.exports = api;
	else
		root.SeuilI18n = api;
}(typeof self !== 'undefined' ? self : this, function () {
	'use strict';

	var T = {};

	T.en = {
		title: 'seuil console', login: 'Log in', logout: 'Log out', user: 'User',
		password: 'Password', menu: 'Menu', language: 'Language',
		// views
		today: 'Today', members: 'Members', member: 'Member', badges: 'Badges',
		groups: 'Groups', explain: 'Why not?', log: 'Log', attendance: 'Attendance',
		insight: 'Insight', import: 'Import', system: 'System',
		// common
		name: 'Name', display: 'Display name', email: 'Email', from: 'From', until: 'Until',
		to: 'To', public: 'Named on the lobby screen', add: 'Add', save: 'Save',
		cancel: 'Cancel', show: 'Show', search: 'Search', search_member: 'Name or display name',
		no_match: 'No member matches.', more: 'Older', none: 'none', yes: 'yes', no: 'no',
		loading: 'Loading…', saved: 'Saved.', added_id: '{name} added (#{id})',
		id: 'Id', hint: 'Hint', status: 'Status', label: 'Label', time: 'Time',
		type: 'Event', actor: 'By', reason: 'Reason', door: 'door', reader_l: 'reader',
		col_door: 'Door', col_reader: 'Reader', reader: 'Reader', download: 'Download',
		dl_csv: 'CSV', dl_json: 'JSON', dl_html: 'Page', open: 'Open',
		// Today
		here: 'Here now', nobody: 'Nobody', since: 'since', doors: 'Doors and readers',
		events: 'Last events', all_events: 'The whole log', problems: 'Problems',
		no_problems: 'Nothing wrong.', checkout_go: 'Check out', unlock: 'Unlock',
		checked_out: 'Checked out.', not_present: 'Was not here.',
		unlocked: 'Door {door} unlocked for {seconds} s',
		// problems and their next step
		p_seuild_down: 'seuild is not running: no door opens.',
		n_seuild_down: 'Start it on the Pi: sudo systemctl start seuild (sudo journalctl -u seuild says why it stopped).',
		p_clock_unsynced: 'The clock is not set by network time: the door refuses {refused} members with dates or schedules ({names}); {denied} taps refused for it in the last 24 hours.',
		p_clock_unsynced_one: 'The clock is not set by network time: the door refuses one member with dates or schedules ({names}); {denied} taps refused for it in the last 24 hours.',
		p_clock_unsynced_none: 'The clock is not set by network time; no member is refused for it now.',
		n_clock_unsynced: 'Connect the Pi to the network and check its time: timedatectl status (it must say "System clock synchronized: yes"); sudo systemctl restart systemd-timesyncd.',
		n_clock_unsynced_deny: 'Until then no badge opens (unsynced_clock = deny). Connect the Pi to the network and check its time: timedatectl status.',
		p_reader_offline: 'Reader {reader} ({door}) is offline: its badges are not read.',
		n_reader_offline: 'Check its cable and power; System shows its restarts.',
		p_reader_locked_out: 'Reader {reader} ({door}) is locked out after repeated refused badges.',
		n_reader_locked_out: 'It opens again by itself in a few minutes; the log says which badges were refused.',
		p_broker_unreachable: 'The lobby screen and Home Assistant are not being updated: the MQTT broker cannot be reached.',
		n_broker_unreachable: 'Check that mosquitto runs on the Pi: sudo systemctl status mosquitto. Doors keep working.',
		p_store_failing: 'The database is failing ({error}): {denied_taps} taps refused.',
		n_store_failing: 'Check the SD card or disk space on the Pi: df -h /var/lib/seuil.',
		p_backup_failed: 'The last backup failed ({ts}): {result}.',
		n_backup_failed: 'See System, Backups; check the backup folder and its free space.',
		p_backup_old: 'The last backup is {days} days old ({ts}).',
		n_backup_old: 'Make one now (System, Backups) and turn the nightly backup on: sudo systemctl enable --now seuil-backup.timer.',
		p_backup_never: 'No backup has been made yet.',
		n_backup_never: 'Make one now (System, Backups).',
		// Members and a member
		add_member: 'Add a member', groups_l: 'Groups', new_group: 'New group',
		add_group: 'Add the group', disable: 'Disable', enable: 'Enable', export: 'Export',
		erase: 'Erase', erase_confirm: 'Erasing deletes this member\'s personal data for good. Type the name to confirm:',
		erase_go: 'Erase for good', erased: 'Erased.', active: 'active', disabled_s: 'disabled',
		erased_s: 'erased', details: 'Details', badges_of: 'Badges',
		enrol_another: 'Enrol a badge: tap it at the reader', add_uid: 'Add by UID',
		uid: 'UID (hex)', activity: 'Activity', here_since: 'Here since {since} ({door})',
		not_here: 'Not here now', last_entry: 'Last entry', last_refusal: 'Last refusal',
		never: 'never', open_member: 'Open', back_to_members: 'All members',
		weeks_12: 'Last 12 weeks', secure: 'secure', not_secure: 'not secure',
		revoke: 'Revoke', b_active: 'active', b_revoked: 'revoked', enrol: 'Enrol a badge',
		enrol_go: 'Enrol: tap the badge now', tap_now: 'Waiting: tap the badge at the reader…',
		enrolled: 'badge {id} ({hint}) linked to {member}', checkout: 'Check out / unlock',
		secure_card: 'Secure card (DESFire)',
		tap_secure: 'Waiting: put the DESFire card on the desk reader and hold it still…',
		enrolled_secure: 'secure badge {id} ({hint}) linked to {member}',
		enrol_replaces: '; it replaces badge {ids}, now revoked',
		valid_from_l: 'Valid from', valid_until_l: 'Valid until',
		// Groups and schedules
		week: 'Week', always: 'always', schedule: 'Schedule', group: 'Group',
		group_schedule: 'Schedule of a group', edit: 'Edit', always_open: 'Open at any time',
		add_range: 'Add a time range', remove: 'Remove', days_l: 'Days', start: 'Start',
		end: 'End', door_will: 'The door will let the group in:', over_midnight: '(until the next day)',
		no_days: 'Pick at least one day for each range.',
		// Why not?
		whynot: 'Why not?', r_member_status: 'Member', r_valid_from: 'Valid from',
		r_valid_until: 'Valid until', r_clock: 'Clock', r_schedule: 'Schedule',
		r_lockout: 'Reader lockout', r_badge: 'Badge', allows_now: 'allows now',
		not_now: 'does not allow now', no_badge: 'No badge', granted: 'GRANTED', denied: 'DENIED',
		locked_out: 'locked out after repeated failures', next_step: 'What to do: ',
		// the next step of a failing rule, by its code
		w_member_disabled: 'enable the member on their page (Members).',
		w_valid_from: 'change the start date on their page, or wait until then.',
		w_valid_until: 'change the end date on their page.',
		w_clock_unsynced_deny: 'connect the Pi to the network so that its clock is set (timedatectl status); no badge opens until then.',
		w_clock_unsynced_members_only: 'connect the Pi to the network so that its clock is set (timedatectl status); until then only members without dates or schedules enter.',
		w_schedule_forbids: 'change a group\'s schedule (Groups) or put the member in a group open now.',
		w_lockout_readers: 'wait: the reader opens again by itself in a few minutes.',
		w_lockout_unknown: 'start seuild on the Pi: sudo systemctl start seuild.',
		w_badge_revoked: 'enrol another badge on their page.',
		w_uid_not_enrolled: 'enrol this badge: tap it at the desk reader from their page.',
		w_no_badge: 'enrol a badge on their page.',
		// Log
		filters: 'Filters', any: 'any', event_type: 'Event', period: 'Period',
		n_events: '{n} events shown', no_events: 'No event matches.', erased_member: 'erased member',
		// Attendance and insight
		by: 'By', day: 'day', week_p: 'week', month: 'month', days: 'Days', visits: 'Visits',
		hours: 'Hours', first_seen: 'First seen', last_seen: 'Last seen',
		report_head: 'Attendance from {from} to {to}, by {by}',
		totals: '{members} members, {days} days present, {visits} visits, {hours} hours',
		insight_head: 'From {from} to {to}', heat: 'Busy hours: people present on average',
		heat_legend: 'darker: more people', trend: 'Trend', first_half: 'First half',
		second_half: 'Second half', t_up: 'up', t_down: 'down', t_same: 'same',
		drifting: 'Drifting away', drifting_none: 'Nobody is drifting away.',
		drift_line: '{member}: {per_week_recent} visits a week in the last 4 weeks, {per_week_before} before ({visits_before} in 12 weeks); last visit {last_visit}',
		retention: 'Monthly retention', ret_month: 'Month', ret_before: 'Members the month before',
		ret_kept: 'Back this month', ret_share: 'Share', insight_off: 'Insight is off ([report] insight = false).',
		// Import
		import_csv: 'Import members (CSV)', prune: 'Disable members missing from the file',
		reenable: 'Enable the disabled members present in it',
		create_groups: 'Create the missing groups: {groups}', preview: 'Preview', apply: 'Apply',
		applied: 'Applied.', preview_done: 'Preview (nothing changed yet):',
		import_errors: '{n} errors in the file; nothing was changed:',
		import_error_line: 'Line {line}, column {field}: {message}',
		import_error_line_nofield: 'Line {line}: {message}',
		added: 'added', changed: 'changed', disabled: 'disabled', enabled: 'enabled',
		kept_disabled: 'stays disabled', new_groups: 'new group', unchanged: 'unchanged',
		// System
		online: 'online', offline: 'offline', u_day: 'd', locked_out_short: 'locked out',
		role_admin: 'admin', role_desk: 'desk',
		h_seuild: 'seuild {version}, pid {pid}, up {uptime}', h_clock_ok: 'Clock set by network time',
		h_clock_bad: 'Clock NOT set by network time', h_db: 'Database {database}, last event #{seq}',
		h_mqtt_on: 'MQTT connected', h_mqtt_off: 'MQTT disconnected', h_mqtt_none: 'MQTT disabled',
		h_door: 'Door {name}: {state}', h_reader: 'Reader {name}: {online}, {restarts} restarts',
		h_site: 'Site: node {node}, {role}, copy {epoch}.{rev}, {state}',
		h_node: 'Node {node}: {online}, copy {epoch}.{rev}, {state}, journal lag {lag}',
		r_primary: 'primary', r_replica: 'replica', c_current: 'current', c_stale: 'stale',
		c_expired: 'expired',
		backups: 'Backups', backup_now: 'Back up now', backup_made: 'Backup {name} made.',
		backup_last: 'Last backup: {ts}, {result}', backup_ok: 'ok', backup_none_yet: 'No backup yet.',
		backup_dir: 'Folder: {dir}, the last {keep} kept', backup_no_dir: 'No backup folder: set [backup] dir in seuild.conf.',
		size: 'Size', created: 'Made', restore_how: 'Restoring is done on the Pi, with seuild stopped: sudo systemctl stop seuild; sudo -u seuil seuilctl restore FILE; sudo systemctl start seuild. The database it replaces is kept beside it.',
		// Door states
		s_locked: 'locked', s_unlocked: 'unlocked', s_open: 'open', s_held_open: 'held open',
		s_forced_open: 'forced open', s_unknown: 'unknown',
		// core/access.c's reasons, and departures'
		x_granted: 'granted', x_locked_out: 'reader locked out', x_unknown_badge: 'unknown badge',
		x_badge_revoked: 'badge revoked', x_member_disabled: 'member disabled',
		x_credential_invalid: 'the card did not prove its credential',
		x_credential_required: 'a DESFire badge is required here',
		x_not_yet_valid: 'not yet valid', x_expired: 'expired', x_clock_unsynced: 'clock not set',
		x_acl_expired: "this node's copy of the members is too old",
		x_outside_schedule: 'outside the schedule', x_store_unavailable: 'database unavailable',
		x_badge_out: 'badged out', x_toggle: 'tapped again', x_timeout: 'timed out',
		x_day_end: 'end of the day', x_manual: 'checked out by staff',
		// Event types (docs/mqtt.md)
		ev_access_granted: 'access granted', ev_access_denied: 'access denied', ev_arrival: 'arrival',
		ev_departure: 'departure', ev_door_open: 'door open', ev_door_closed: 'door closed',
		ev_door_held_open: 'door held open', ev_door_forced_open: 'door forced open',
		ev_exit_request: 'exit request', ev_unlock_remote: 'remote unlock',
		ev_reader_offline: 'reader offline', ev_reader_online: 'reader online',
		ev_lockout: 'reader locked out', ev_daemon_start: 'seuild started', ev_daemon_stop: 'seuild stopped',
		ev_badge_enrolled: 'badge enrolled', ev_store_error: 'database error',
		ev_admin_change: 'change by staff', ev_control_refused: 'control request refused',
		ev_console_login: 'console login', ev_console_login_failed: 'console login failed',
		// core/explain.c's step codes (docs/web.md lists them)
		c_member_active: 'member {name} is active', c_member_disabled: 'member {name} is disabled',
		c_erased: ' (erased)', c_no_start_date: 'no start date',
		c_valid_from: 'valid from {from}, today is {today}', c_no_end_date: 'no end date',
		c_valid_until: 'valid until {until} (inclusive), today is {today}',
		c_clock_synced: 'the clock is set by network time',
		c_clock_unsynced_ignore: 'the clock is NOT set by network time; dates and schedules are used as they are',
		c_clock_unsynced_deny: 'the clock is NOT set by network time: no badge opens until it is',
		c_clock_unsynced_members_only: 'the clock is NOT set by network time: only members with no validity dates and no schedule may enter ({member})',
		m_has_dates: 'this member has validity dates', m_all_scheduled: 'this member\'s groups all have schedules',
		m_qualifies: 'this member qualifies', c_no_group: 'in no group: no schedule applies',
		c_group_unscheduled: 'group {group} has no schedule: any time',
		c_schedule_allows: 'one of the member\'s groups allows {weekday} {time}',
		c_schedule_forbids: 'none of the member\'s groups allows {weekday} {time}',
		c_lockout_unknown: 'seuild is not running: reader lockouts unknown (and no door opens until it runs)',
		c_lockout_none: 'no reader is locked out',
		c_lockout_readers: 'locked out after repeated failures: {readers} (no badge opens there until the lockout ends)',
		reader_one: 'reader {names}', reader_many: 'readers {names}',
		c_badge_active: 'badge {id} is active', c_badge_revoked: 'badge {id} is revoked',
		c_uid_not_enrolled: 'no badge with this UID is enrolled',
		c_no_badge: 'the member has no badge: any badge tapped is unknown',
		subj_member: '{name} (member {id})', subj_badge: 'badge hint {hint} of {name} (member {id})',
		subj_unknown_badge: 'badge hint {hint}', badge_head: 'badge {id} · {hint}',
		wd_Mon: 'Mon', wd_Tue: 'Tue', wd_Wed: 'Wed', wd_Thu: 'Thu', wd_Fri: 'Fri', wd_Sat: 'Sat',
		wd_Sun: 'Sun',
		// seuil-web's error codes, and the page's own
		e_bad_login: 'Wrong user name or password.',
		e_too_many_logins: 'Too many failed logins: try again in {retry_after} s.',
		e_login_needed: 'Log in first.', e_csrf: 'Your session is out of date: reload the page.',
		e_admin_only: 'This needs an admin account.',
		e_seuild_down: 'seuild is not running, so this cannot be done now. Start it on the Pi: sudo systemctl start seuild.',
		e_not_found: 'Not found.', e_exists: 'That exists already.',
		e_replica: 'This Pi is a replica of the site: members, badges and groups are changed on its primary ({message}).',
		e_member_erased: 'Member #{id} was erased.', e_too_large: 'Too large (at most {max} bytes).',
		e_database: 'Database error.', e_busy: 'seuild is busy: try again in a moment.',
		e_timeout: 'No badge was tapped in time.', e_permission: 'Not allowed.',
		// a secure enrolment's refusals, by seuild's code (model.js, enrolErrorText)
		e_secure_invalid: 'seuild cannot make a secure badge of this card at this reader: {message}. Use a MIFARE DESFire EV1, EV2 or EV3 card at a desk reader (one that enrols badges and opens no door), or untick "Secure card (DESFire)" to enrol it as a plain badge.',
		e_secure_busy: 'The card left the reader too soon, or the desk was busy with another card: nothing is lost. Start the enrolment again, then put the card on the reader and hold it still until the page says it is linked.',
		e_secure_exists: 'This card is already a secure badge of this member: nothing to do.',
		e_secure_permission: 'This card is another member\'s badge, or this member has a badge already: a desk account gives a first badge, or makes the member\'s own badge secure. Ask someone with an admin account.',
		e_secure_timeout: 'No card was presented in time: nothing enrolled. Start the enrolment again and put the DESFire card on the desk reader.',
		e_secure_database: 'The badge could not be recorded (the database failed): start the enrolment again and present the same card; if it fails again, see System.',
		e_insight_off: 'Insight is off ([report] insight = false).',
		e_import_error: 'Line {line}, column {column}: {message}', e_invalid: '{message}',
		e_status: '{message}', e_network: 'The console cannot be reached (network or seuil-web stopped): try again.',
		e_wrong_host: 'This console does not answer to this address.'
	};

	T.fr = {
		title: 'console seuil', login: 'Connexion', logout: 'Déconnexion', user: 'Utilisateur',
		password: 'Mot de passe', menu: 'Menu', language: 'Langue',
		today: "Aujourd'hui", members: 'Membres', member: 'Membre', badges: 'Badges',
		groups: 'Groupes', explain: 'Pourquoi pas ?', log: 'Journal', attendance: 'Fréquentation',
		insight: 'Tendances', import: 'Import', system: 'Système',
		name: 'Nom', display: 'Nom affiché', email: 'Courriel', from: 'Du', until: "Jusqu'au",
		to: 'Au', public: "Nommé sur l'écran d'accueil", add: 'Ajouter', save: 'Enregistrer',
		cancel: 'Annuler', show: 'Afficher', search: 'Rechercher', search_member: 'Nom ou nom affiché',
		no_match: 'Aucun membre ne correspond.', more: 'Plus anciens', none: 'aucun', yes: 'oui',
		no: 'non', loading: 'Chargement…', saved: 'Enregistré.', added_id: '{name} ajouté (n° {id})',
		id: 'N°', hint: 'Indice', status: 'État', label: 'Étiquette', time: 'Heure',
		type: 'Événement', actor: 'Par', reason: 'Raison', door: 'porte', reader_l: 'lecteur',
		col_door: 'Porte', col_reader: 'Lecteur', reader: 'Lecteur', download: 'Télécharger',
		dl_csv: 'CSV', dl_json: 'JSON', dl_html: 'Page', open: 'Ouvrir',
		here: 'Présents', nobody: 'Personne', since: 'depuis', doors: 'Portes et lecteurs',
		events: 'Derniers événements', all_events: 'Tout le journal', problems: 'Problèmes',
		no_problems: 'Rien à signaler.', checkout_go: 'Marquer parti', unlock: 'Ouvrir',
		checked_out: 'Départ enregistré.', not_present: "N'était pas là.",
		unlocked: 'Porte {door} ouverte pour {seconds} s',
		p_seuild_down: "seuild ne tourne pas : aucune porte ne s'ouvre.",
		n_seuild_down: "Démarrez-le sur le Pi : sudo systemctl start seuild (sudo journalctl -u seuild dit pourquoi il s'est arrêté).",
		p_clock_unsynced: "L'horloge n'est pas réglée par le réseau : la porte refuse {refused} membres ayant des dates ou des horaires ({names}) ; {denied} passages refusés pour cela ces dernières 24 heures.",
		p_clock_unsynced_one: "L'horloge n'est pas réglée par le réseau : la porte refuse un membre ayant des dates ou des horaires ({names}) ; {denied} passages refusés pour cela ces dernières 24 heures.",
		p_clock_unsynced_none: "L'horloge n'est pas réglée par le réseau ; aucun membre n'est refusé pour cela pour l'instant.",
		n_clock_unsynced: "Reliez le Pi au réseau et vérifiez son heure : timedatectl status (il doit dire « System clock synchronized: yes ») ; sudo systemctl restart systemd-timesyncd.",
		n_clock_unsynced_deny: "D'ici là aucun badge n'ouvre (unsynced_clock = deny). Reliez le Pi au réseau et vérifiez son heure : timedatectl status.",
		p_reader_offline: 'Le lecteur {reader} ({door}) est hors ligne : ses badges ne sont pas lus.',
		n_reader_offline: 'Vérifiez son câble et son alimentation ; Système indique ses redémarrages.',
		p_reader_locked_out: 'Le lecteur {reader} ({door}) est bloqué après des badges refusés à répétition.',
		n_reader_locked_out: 'Il se débloque tout seul dans quelques minutes ; le journal dit quels badges ont été refusés.',
		p_broker_unreachable: "L'écran d'accueil et Home Assistant ne sont plus mis à jour : le serveur MQTT est injoignable.",
		n_broker_unreachable: 'Vérifiez que mosquitto tourne sur le Pi : sudo systemctl status mosquitto. Les portes fonctionnent toujours.',
		p_store_failing: 'La base de données a un problème ({error}) : {denied_taps} passages refusés.',
		n_store_failing: "Vérifiez la carte SD ou l'espace disque du Pi : df -h /var/lib/seuil.",
		p_backup_failed: 'La dernière sauvegarde a échoué ({ts}) : {result}.',
		n_backup_failed: "Voyez Système, Sauvegardes ; vérifiez le dossier de sauvegarde et l'espace libre.",
		p_backup_old: 'La dernière sauvegarde date de {days} jours ({ts}).',
		n_backup_old: 'Faites-en une maintenant (Système, Sauvegardes) et activez la sauvegarde nocturne : sudo systemctl enable --now seuil-backup.timer.',
		p_backup_never: "Aucune sauvegarde n'a encore été faite.",
		n_backup_never: 'Faites-en une maintenant (Système, Sauvegardes).',
		add_member: 'Ajouter un membre', groups_l: 'Groupes', new_group: 'Nouveau groupe',
		add_group: 'Ajouter le groupe', disable: 'Désactiver', enable: 'Activer', export: 'Exporter',
		erase: 'Effacer', erase_confirm: 'Effacer supprime définitivement les données de ce membre. Tapez son nom pour confirmer :',
		erase_go: 'Effacer définitivement', erased: 'Effacé.', active: 'actif', disabled_s: 'désactivé',
		erased_s: 'effacé', details: 'Informations', badges_of: 'Badges',
		enrol_another: 'Enregistrer un badge : passez-le sur le lecteur', add_uid: "Ajouter par l'UID",
		uid: 'UID (hexadécimal)', activity: 'Activité', here_since: 'Présent depuis {since} ({door})',
		not_here: 'Absent', last_entry: 'Dernière entrée', last_refusal: 'Dernier refus',
		never: 'jamais', open_member: 'Ouvrir', back_to_members: 'Tous les membres',
		weeks_12: 'Les 12 dernières semaines', secure: 'sécurisé', not_secure: 'non sécurisé',
		revoke: 'Révoquer', b_active: 'actif', b_revoked: 'révoqué', enrol: 'Enregistrer un badge',
		enrol_go: 'Enregistrer : passez le badge', tap_now: 'En attente : passez le badge sur le lecteur…',
		enrolled: 'badge {id} ({hint}) lié à {member}', checkout: 'Départ / ouverture',
		secure_card: 'Carte sécurisée (DESFire)',
		tap_secure: "En attente : posez la carte DESFire sur le lecteur de l'accueil sans la bouger…",
		enrolled_secure: 'badge sécurisé {id} ({hint}) lié à {member}',
		enrol_replaces: ' ; il remplace le badge {ids}, désormais révoqué',
		valid_from_l: 'Valide du', valid_until_l: "Valide jusqu'au",
		week: 'Semaine', always: 'toujours', schedule: 'Horaires', group: 'Groupe',
		group_schedule: "Horaires d'un groupe", edit: 'Modifier', always_open: 'Ouvert à toute heure',
		add_range: 'Ajouter une plage horaire', remove: 'Retirer', days_l: 'Jours', start: 'Début',
		end: 'Fin', door_will: 'La porte laissera entrer le groupe :', over_midnight: '(jusqu’au lendemain)',
		no_days: 'Choisissez au moins un jour pour chaque plage.',
		whynot: 'Pourquoi pas ?', r_member_status: 'Membre', r_valid_from: 'Valide du',
		r_valid_until: "Valide jusqu'au", r_clock: 'Horloge', r_schedule: 'Horaires',
		r_lockout: 'Blocage du lecteur', r_badge: 'Badge', allows_now: 'autorise maintenant',
		not_now: "n'autorise pas maintenant", no_badge: 'Aucun badge', granted: 'ACCORDÉ', denied: 'REFUSÉ',
		locked_out: 'bloqué après des échecs répétés', next_step: 'Que faire : ',
		w_member_disabled: 'activez le membre sur sa page (Membres).',
		w_valid_from: "changez la date de début sur sa page, ou attendez jusque-là.",
		w_valid_until: 'changez la date de fin sur sa page.',
		w_clock_unsynced_deny: "reliez le Pi au réseau pour que son horloge soit réglée (timedatectl status) ; aucun badge n'ouvre d'ici là.",
		w_clock_unsynced_members_only: "reliez le Pi au réseau pour que son horloge soit réglée (timedatectl status) ; d'ici là seuls les membres sans dates ni horaires entrent.",
		w_schedule_forbids: "changez les horaires d'un groupe (Groupes) ou mettez le membre dans un groupe ouvert maintenant.",
		w_lockout_readers: 'attendez : le lecteur se débloque tout seul dans quelques minutes.',
		w_lockout_unknown: 'démarrez seuild sur le Pi : sudo systemctl start seuild.',
		w_badge_revoked: 'enregistrez un autre badge sur sa page.',
		w_uid_not_enrolled: "enregistrez ce badge : passez-le sur le lecteur de l'accueil depuis sa page.",
		w_no_badge: 'enregistrez un badge sur sa page.',
		filters: 'Filtres', any: 'tous', event_type: 'Événement', period: 'Période',
		n_events: '{n} événements affichés', no_events: 'Aucun événement ne correspond.',
		erased_member: 'membre effacé',
		by: 'Par', day: 'jour', week_p: 'semaine', month: 'mois', days: 'Jours', visits: 'Visites',
		hours: 'Heures', first_seen: 'Première venue', last_seen: 'Dernière venue',
		report_head: 'Fréquentation du {from} au {to}, par {by}',
		totals: '{members} membres, {days} jours de présence, {visits} visites, {hours} heures',
		insight_head: 'Du {from} au {to}', heat: 'Heures chargées : personnes présentes en moyenne',
		heat_legend: 'plus foncé : plus de monde', trend: 'Tendance', first_half: 'Première moitié',
		second_half: 'Seconde moitié', t_up: 'en hausse', t_down: 'en baisse', t_same: 'stable',
		drifting: "Ceux qui s'éloignent", drifting_none: "Personne ne s'éloigne.",
		drift_line: '{member} : {per_week_recent} visites par semaine ces 4 dernières semaines, {per_week_before} avant ({visits_before} en 12 semaines) ; dernière visite {last_visit}',
		retention: 'Fidélité mois par mois', ret_month: 'Mois', ret_before: 'Membres venus le mois précédent',
		ret_kept: 'Revenus ce mois-ci', ret_share: 'Part', insight_off: 'Les tendances sont désactivées ([report] insight = false).',
		import_csv: 'Importer des membres (CSV)', prune: 'Désactiver les membres absents du fichier',
		reenable: 'Réactiver les membres désactivés présents dans le fichier',
		create_groups: 'Créer les groupes manquants : {groups}', preview: 'Aperçu', apply: 'Appliquer',
		applied: 'Appliqué.', preview_done: 'Aperçu (rien de changé) :',
		import_errors: "{n} erreurs dans le fichier ; rien n'a été changé :",
		import_error_line: 'Ligne {line}, colonne {field} : {message}',
		import_error_line_nofield: 'Ligne {line} : {message}',
		added: 'ajouté', changed: 'modifié', disabled: 'désactivé', enabled: 'réactivé',
		kept_disabled: 'reste désactivé', new_groups: 'nouveau groupe', unchanged: 'inchangés',
		online: 'en ligne', offline: 'hors ligne', u_day: 'j', locked_out_short: 'bloqué',
		role_admin: 'admin', role_desk: 'accueil',
		h_seuild: 'seuild {version}, pid {pid}, lancé depuis {uptime}',
		h_clock_ok: "Horloge réglée par le réseau", h_clock_bad: "Horloge NON réglée par le réseau",
		h_db: 'Base de données {database}, dernier événement n° {seq}', h_mqtt_on: 'MQTT connecté',
		h_mqtt_off: 'MQTT déconnecté', h_mqtt_none: 'MQTT désactivé', h_door: 'Porte {name} : {state}',
		h_reader: 'Lecteur {name} : {online}, {restarts} redémarrages',
		h_site: 'Site : nœud {node}, {role}, copie {epoch}.{rev}, {state}',
		h_node: 'Nœud {node} : {online}, copie {epoch}.{rev}, {state}, retard du journal {lag}',
		r_primary: 'primaire', r_replica: 'réplique', c_current: 'à jour', c_stale: 'périmée',
		c_expired: 'expirée',
		backups: 'Sauvegardes', backup_now: 'Sauvegarder maintenant', backup_made: 'Sauvegarde {name} faite.',
		backup_last: 'Dernière sauvegarde : {ts}, {result}', backup_ok: 'réussie', backup_none_yet: 'Aucune sauvegarde pour l’instant.',
		backup_dir: 'Dossier : {dir}, les {keep} dernières gardées',
		backup_no_dir: 'Aucun dossier de sauvegarde : indiquez [backup] dir dans seuild.conf.',
		size: 'Taille', created: 'Faite le', restore_how: "La restauration se fait sur le Pi, seuild arrêté : sudo systemctl stop seuild ; sudo -u seuil seuilctl restore FICHIER ; sudo systemctl start seuild. La base remplacée est gardée à côté.",
		s_locked: 'verrouillée', s_unlocked: 'déverrouillée', s_open: 'ouverte', s_held_open: 'maintenue ouverte',
		s_forced_open: 'forcée', s_unknown: 'inconnu',
		x_granted: 'accordé', x_locked_out: 'lecteur bloqué', x_unknown_badge: 'badge inconnu',
		x_badge_revoked: 'badge révoqué', x_member_disabled: 'membre désactivé',
		x_credential_invalid: "la carte n'a pas prouvé son identifiant",
		x_credential_required: 'un badge DESFire est exigé ici',
		x_not_yet_valid: 'pas encore valide', x_expired: 'expiré', x_clock_unsynced: 'horloge non réglée',
		x_acl_expired: 'copie des membres trop ancienne sur ce nœud',
		x_outside_schedule: 'hors horaires', x_store_unavailable: 'base de données indisponible',
		x_badge_out: 'badge de sortie', x_toggle: 'badge passé à nouveau', x_timeout: 'délai écoulé',
		x_day_end: 'fin de journée', x_manual: "départ marqué par l'accueil",
		ev_access_granted: 'accès accordé', ev_access_denied: 'accès refusé', ev_arrival: 'arrivée',
		ev_departure: 'départ', ev_door_open: 'porte ouverte', ev_door_closed: 'porte fermée',
		ev_door_held_open: 'porte maintenue ouverte', ev_door_forced_open: 'porte forcée',
		ev_exit_request: 'demande de sortie', ev_unlock_remote: 'ouverture à distance',
		ev_reader_offline: 'lecteur hors ligne', ev_reader_online: 'lecteur en ligne',
		ev_lockout: 'lecteur bloqué', ev_daemon_start: 'seuild démarré', ev_daemon_stop: 'seuild arrêté',
		ev_badge_enrolled: 'badge enregistré', ev_store_error: 'erreur de base de données',
		ev_admin_change: "modification par l'équipe", ev_control_refused: 'commande refusée',
		ev_console_login: 'connexion à la console', ev_console_login_failed: 'échec de connexion à la console',
		c_member_active: 'le membre {name} est actif', c_member_disabled: 'le membre {name} est désactivé',
		c_erased: ' (effacé)', c_no_start_date: 'pas de date de début',
		c_valid_from: 'valide à partir du {from}, nous sommes le {today}', c_no_end_date: 'pas de date de fin',
		c_valid_until: "valide jusqu'au {until} inclus, nous sommes le {today}",
		c_clock_synced: "l'horloge est réglée par le réseau",
		c_clock_unsynced_ignore: "l'horloge n'est PAS réglée par le réseau ; dates et horaires sont appliqués tels quels",
		c_clock_unsynced_deny: "l'horloge n'est PAS réglée par le réseau : aucun badge n'ouvre tant qu'elle ne l'est pas",
		c_clock_unsynced_members_only: "l'horloge n'est PAS réglée par le réseau : seuls les membres sans dates de validité ni horaires peuvent entrer ({member})",
		m_has_dates: 'ce membre a des dates de validité', m_all_scheduled: 'tous les groupes de ce membre ont des horaires',
		m_qualifies: 'ce membre remplit ces conditions', c_no_group: "dans aucun groupe : aucun horaire ne s'applique",
		c_group_unscheduled: "le groupe {group} n'a pas d'horaires : à toute heure",
		c_schedule_allows: 'un des groupes du membre autorise le {weekday} à {time}',
		c_schedule_forbids: "aucun des groupes du membre n'autorise le {weekday} à {time}",
		c_lockout_unknown: "seuild ne tourne pas : blocages des lecteurs inconnus (et aucune porte ne s'ouvre tant qu'il ne tourne pas)",
		c_lockout_none: "aucun lecteur n'est bloqué",
		c_lockout_readers: "bloqué après des échecs répétés : {readers} (aucun badge n'y ouvre avant la fin du blocage)",
		reader_one: 'lecteur {names}', reader_many: 'lecteurs {names}',
		c_badge_active: 'le badge {id} est actif', c_badge_revoked: 'le badge {id} est révoqué',
		c_uid_not_enrolled: "aucun badge enregistré n'a cet UID",
		c_no_badge: "le membre n'a pas de badge : tout badge présenté est inconnu",
		subj_member: '{name} (membre n° {id})', subj_badge: 'badge d’indice {hint} de {name} (membre n° {id})',
		subj_unknown_badge: 'badge d’indice {hint}', badge_head: 'badge n° {id} · {hint}',
		wd_Mon: 'lun.', wd_Tue: 'mar.', wd_Wed: 'mer.', wd_Thu: 'jeu.', wd_Fri: 'ven.', wd_Sat: 'sam.',
		wd_Sun: 'dim.',
		e_bad_login: "Nom d'utilisateur ou mot de passe incorrect.",
		e_too_many_logins: 'Trop de connexions échouées : réessayez dans {retry_after} s.',
		e_login_needed: "Connectez-vous d'abord.", e_csrf: 'Votre session est périmée : rechargez la page.',
		e_admin_only: 'Il faut un compte admin.',
		e_seuild_down: 'seuild ne tourne pas, cela ne peut donc pas être fait maintenant. Démarrez-le sur le Pi : sudo systemctl start seuild.',
		e_not_found: 'Introuvable.', e_exists: 'Existe déjà.',
		e_replica: 'Ce Pi est une réplique du site : les membres, badges et groupes se changent sur son primaire ({message}).',
		e_member_erased: 'Le membre n° {id} a été effacé.', e_too_large: 'Trop gros (au plus {max} octets).',
		e_database: 'Erreur de base de données.', e_busy: 'seuild est occupé : réessayez dans un instant.',
		e_timeout: "Aucun badge n'a été passé à temps.", e_permission: 'Non autorisé.',
		e_secure_invalid: "seuild ne peut pas faire un badge sécurisé de cette carte sur ce lecteur : {message}. Utilisez une carte MIFARE DESFire EV1, EV2 ou EV3 sur un lecteur d'accueil (qui enregistre les badges et n'ouvre aucune porte), ou décochez « Carte sécurisée (DESFire) » pour l'enregistrer comme badge simple.",
		e_secure_busy: "La carte a quitté le lecteur trop tôt, ou l'accueil était occupé par une autre carte : rien n'est perdu. Relancez l'enregistrement, puis posez la carte sur le lecteur sans la bouger jusqu'à ce que la page la dise liée.",
		e_secure_exists: 'Cette carte est déjà un badge sécurisé de ce membre : rien à faire.',
		e_secure_permission: "Cette carte est le badge d'un autre membre, ou ce membre a déjà un badge : un compte d'accueil donne un premier badge, ou rend sécurisé le badge du membre lui-même. Demandez à quelqu'un qui a un compte admin.",
		e_secure_timeout: "Aucune carte n'a été présentée à temps : rien n'est enregistré. Relancez l'enregistrement et posez la carte DESFire sur le lecteur de l'accueil.",
		e_secure_database: "Le badge n'a pas pu être enregistré (erreur de base de données) : relancez l'enregistrement et présentez la même carte ; si cela recommence, voyez Système.",
		e_insight_off: 'Les tendances sont désactivées ([report] insight = false).',
		e_import_error: 'Ligne {line}, colonne {column} : {message}', e_invalid: 'Valeur refusée : {message}',
		e_status: 'Erreur {status} : {message}',
		e_network: 'La console est injoignable (réseau, ou seuil-web arrêté) : réessayez.',
		e_wrong_host: 'Cette console ne répond pas à cette adresse.'
	};

	var LANGS = ['en', 'fr'];

	/* The language the first time: the browser's first one we speak. */
	function pickLang(stored, navLangs) {
		var i, l;

		if (LANGS.indexOf(stored) >= 0)
			return stored;
		for (i = 0; navLangs && i < navLangs.length; i++) {
			l = String(navLangs[i]).slice(0, 2).toLowerCase();
			if (LANGS.indexOf(l) >= 0)
				return l;
		}
		return 'en';
	}

	/*
	 * The words of one language: t(key), fmt(key, args) with {name}
	 * parameters filled as text, word(prefix, code) for a code this page
	 * may not know (the code itself then), known(prefix, code).
	 */
	function make(lang) {
		var dict = T[lang] || T.en;

		function t(k) {
			return dict[k] !== undefined ? dict[k] : T.en[k] !== undefined ? T.en[k] : k;
		}
		function fmt(k, args) {
			return t(k).replace(/\{(\w+)\}/g, function (m, n) {
				return args && args[n] !== undefined && args[n] !== null ? String(args[n]) : m;
			});
		}
		function known(prefix, code) {
			return code !== undefined && code !== null &&
			    Object.prototype.hasOwnProperty.call(T.en, prefix + code);
		}
		function word(prefix, code) {
			return known(prefix, code) ? t(prefix + code) :
			    code === undefined || code === null ? '' : String(code);
		}
		return { lang: lang, locale: lang === 'fr' ? 'fr-FR' : 'en-GB', t: t, fmt: fmt,
		    known: known, word: word };
	}

	return { T: T, LANGS: LANGS, pickLang: pickLang, make: make };
}));
