/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * seuilctl's commands, one row each: what main() dispatches on and what
 * --help prints.
 */
#include <stddef.h>

#include "ctl.h"

/*
 * Every command: its words, function, usage, one-line summary and the text
 * of `seuilctl COMMAND --help` (description, options, examples, exit
 * status beyond the common ones), kept in step with docs/seuilctl.1.scd.
 */
const struct ctl_cmd ctl_commands[] = {
	{ "init", NULL, ctl_init, "",
	    "create the database and the key files if missing",
	    "Create the UID key file (32 random bytes, mode 0600), the credentials\n"
	    "key file of DESFire badges ([credentials] key_file, 0600) and the\n"
	    "database if they are missing, and bring the database schema up to\n"
	    "date.  Says what it created or kept; running it again changes nothing.\n"
	    "An existing key is never replaced: every enrolled badge depends on it.\n"
	    "\n"
	    "Run as root while a system user 'seuil' exists, it gives the key files\n"
	    "and the database (with its -wal and -shm files) to seuil:seuil, so that\n"
	    "seuild (User=seuil) can read them, and says so.\n"
	    "\n"
	    "Examples:\n"
	    "  seuilctl init\n"
	    "  seuilctl -f /etc/seuil/test.conf init\n"
	    "\n"
	    "Exit status: 73 if the key or database cannot be created, 74 if an\n"
	    "existing one cannot be read (or the key is readable by others).", NULL },
	{ "member", "add", ctl_member_add,
	    "NAME [--display NAME] [--email E] [--group G]... [--from DATE] "
	    "[--until DATE] [--public|--anonymous]",
	    "add a member and print its id",
	    "Add a member and print the new id.\n"
	    "\n"
	    "Options:\n"
	    "  --display NAME   the name shown on MQTT if --public\n"
	    "  --email E        a contact address\n"
	    "  --group G        put the member in group G (repeatable); a member in no\n"
	    "                   group is not limited by schedules\n"
	    "  --from DATE      first day the badges open (YYYY-MM-DD, local)\n"
	    "  --until DATE     last day the badges open (inclusive)\n"
	    "  --public         name the member in the MQTT presence list\n"
	    "  --anonymous      only count the member (the default)\n"
	    "\n"
	    "Examples:\n"
	    "  seuilctl member add alice --display Alice --group staff --public\n"
	    "  seuilctl member add bob --from 2026-01-01 --until 2026-06-30\n"
	    "\n"
	    "Exit status: 65 for a bad or taken name or a bad date, 66 for an unknown\n"
	    "group.", NULL },
	{ "member", "list", ctl_member_list, "[--search TEXT]", "list members",
	    "List members: id, name, status, MQTT visibility, validity and groups.\n"
	    "--json gives every field.\n"
	    "\n"
	    "Options:\n"
	    "  --search TEXT    only the members whose name or display name holds\n"
	    "                   TEXT, without regard to case or accents (\"elodie\"\n"
	    "                   finds \"Élodie\"; docs/web.md, Finding a member)\n"
	    "\n"
	    "Examples:\n"
	    "  seuilctl member list\n"
	    "  seuilctl member list --search elodie", NULL },
	{ "member", "show", ctl_member_show, "M", "show a member, groups and badges",
	    "Show a member: details, groups, badges (by hint, never the UID) and\n"
	    "whether and since when the member is present.  M is an id or an exact\n"
	    "name.\n"
	    "\n"
	    "Example:\n"
	    "  seuilctl member show alice\n"
	    "\n"
	    "Exit status: 66 for an unknown member.", NULL },
	{ "member", "edit", ctl_member_edit,
	    "M [--name NAME] [--display NAME] [--email E] [--group G]... "
	    "[--no-groups] [--from DATE] [--until DATE] [--public|--anonymous]",
	    "change a member (--group replaces the groups)",
	    "Change a member; only the options given change.  --group replaces the\n"
	    "member's groups with those given, --no-groups removes them all.  An\n"
	    "empty value or 'none' clears --display, --email, --from or --until.\n"
	    "The other options are those of `member add`.\n"
	    "\n"
	    "Examples:\n"
	    "  seuilctl member edit alice --until 2026-12-31\n"
	    "  seuilctl member edit bob --group staff --group evening\n"
	    "\n"
	    "Exit status: 65 for a bad value, 66 for an unknown member or group.", NULL },
	{ "member", "disable", ctl_member_disable, "M", "deny a member every door",
	    "Disable a member: the member's badges open no door (member_disabled in\n"
	    "the log) until `member enable`.\n"
	    "\n"
	    "Example:\n"
	    "  seuilctl member disable bob\n"
	    "\n"
	    "Exit status: 66 for an unknown member.", NULL },
	{ "member", "enable", ctl_member_enable, "M", "allow a disabled member again",
	    "Enable a disabled member again.\n"
	    "\n"
	    "Example:\n"
	    "  seuilctl member enable bob\n"
	    "\n"
	    "Exit status: 66 for an unknown member.", NULL },
	{ "member", "export", ctl_member_export, "M",
	    "print everything held about a member, as JSON",
	    "Print everything the database holds about a member, as one JSON\n"
	    "object (the right of access): the member row, groups and their\n"
	    "schedules, badges (id, hint, label, status, created, last seen; never\n"
	    "the UID or its MAC), every visit, and every event that concerns the\n"
	    "member (including unknown-badge taps of a badge before it was\n"
	    "enrolled).  Times are UTC.  The output is JSON with or without --json.\n"
	    "\n"
	    "Example:\n"
	    "  seuilctl member export alice > alice.json\n"
	    "\n"
	    "Exit status: 66 for an unknown member.", NULL },
	{ "member", "erase", ctl_member_erase, "M [--yes]",
	    "delete a member's personal data, keeping anonymous counts",
	    "Erase a member (the right to erasure).  Without --yes, says what would\n"
	    "happen and exits 64.  With it: checks the member out if present\n"
	    "(through seuild if it runs), deletes the member's badges and group\n"
	    "links, renames the member erased-ID, clears display name, email and\n"
	    "validity dates, disables it, and unlinks its events and visits (kept\n"
	    "anonymised: counts and reports stay right).  Deleted bytes are zeroed\n"
	    "(secure_delete) and the WAL is checkpointed and truncated, so the name\n"
	    "and email are gone from the database files.  Cannot be undone: run\n"
	    "`member export` first if the member asked for a copy.\n"
	    "\n"
	    "Options:\n"
	    "  --yes            really erase\n"
	    "\n"
	    "Example:\n"
	    "  seuilctl member export alice > alice.json\n"
	    "  seuilctl member erase alice --yes\n"
	    "\n"
	    "Exit status: 64 without --yes, 66 for an unknown member, 75 if the\n"
	    "database was too busy to truncate the WAL (run it again).", NULL },
	{ "member", "invite", ctl_member_invite, "[M] [--reader R] [--timeout S]",
	    "a code that opens a member's own console page",
	    "Make an invite code for a member's own page on the console (seuil-web):\n"
	    "single use, 15 minutes.  With M (admin_group), for member M; without,\n"
	    "seuild waits (S seconds, default 60) for a member to tap their own badge\n"
	    "at a desk reader (enrol = true, no door; R if given), which the\n"
	    "operate role may ask: the badge in hand is the proof.  The member signs\n"
	    "in with their name and the code and sets a password at once.  A new\n"
	    "code replaces an unused one.\n"
	    "\n"
	    "Examples:\n"
	    "  seuilctl member invite alice\n"
	    "  seuilctl member invite --reader desk\n"
	    "\n"
	    "Exit status: 65 for a member not active, 66 for an unknown member, 69 if\n"
	    "seuild is not running, 75 if no badge was tapped in time, 77 without\n"
	    "admin_group for a named member.", NULL },
	{ "badge", "add", ctl_badge_add, "M -|UID [--label L]",
	    "enrol a badge by UID (hex) and print its id and hint",
	    "Enrol a badge for a member by its UID.  Give the UID as '-' and type\n"
	    "it (or pipe it) on standard input: that is the way to type one, as it\n"
	    "keeps the UID out of ps, shell history and sudo's log (a terminal does\n"
	    "not echo it).  The UID as an argument works too.  Prints the badge id\n"
	    "and hint (the last two bytes), never the UID, which is kept only as an\n"
	    "HMAC with the site key.  UID is hex, any case, with optional ':', '-'\n"
	    "or space between bytes; 4, 7 or 10 bytes.  A badge enrolled already is\n"
	    "refused.  Without the UID, use `badge enrol` and tap the badge.\n"
	    "\n"
	    "Options:\n"
	    "  --label L        a note to tell the member's badges apart\n"
	    "\n"
	    "Examples:\n"
	    "  seuilctl badge add alice - --label 'blue fob'\n"
	    "  badge UID (hex; not echoed):\n"
	    "  printf '%s\\n' \"$UID\" | seuilctl badge add alice -\n"
	    "\n"
	    "Exit status: 65 for a bad or enrolled UID (or none on standard input),\n"
	    "66 for an unknown member.", NULL },
	{ "badge", "enrol", ctl_badge_enrol, "M [--secure] [--reader R] [--timeout S]",
	    "link the next unknown badge tapped at a desk reader to a member",
	    "Enrol by tap: seuild links the next unknown badge tapped within S\n"
	    "seconds at a reader that allows enrolment (enrol = true in its\n"
	    "[reader.NAME] section, e.g. a desk reader with no door; R if given)\n"
	    "to member M, and this command prints the new badge's id, hint and\n"
	    "reader.  Readers without enrol = true never enrol, so a stranger\n"
	    "tapping outside meanwhile gains nothing.  A badge enrolled already\n"
	    "ends the wait with an error.  Needs the daemon: without it, use\n"
	    "`badge add M -` and type the UID.\n"
	    "\n"
	    "With --secure, the card tapped (a MIFARE DESFire EV1, EV2 or EV3) is\n"
	    "made a badge that cannot be copied: seuild writes its application,\n"
	    "keys diversified for that card and a random credential, reads it\n"
	    "back, and only then records the badge, by the credential's MAC (never\n"
	    "its UID).  Only at a desk reader (enrol = true, no door).  The\n"
	    "member's own UID badge on that card is upgraded (revoked); another\n"
	    "member's card needs admin_group.  A card taken away mid-way keeps\n"
	    "what was done: run the command again to finish it.\n"
	    "\n"
	    "On a site's replica the tap at its desk is sent to the primary, which\n"
	    "finds M (an id or a name, as typed) and makes the badge; it reaches\n"
	    "this node with the next delta.  No answer within 10 s of the tap: exit\n"
	    "75, nothing enrolled.  With --secure the card is written at this node's\n"
	    "desk (driver = libnfc) with the site's keys and the primary records the\n"
	    "badge under the same rules; a card written but not recorded (no answer,\n"
	    "a refusal) holds a credential no badge has until the same command at\n"
	    "this desk finishes it (or `badge wipe` at the primary's desk).\n"
	    "\n"
	    "Options:\n"
	    "  --secure         make a DESFire card a badge that cannot be copied\n"
	    "  --reader R       only reader R (it must have enrol = true)\n"
	    "  --timeout S      wait at most S seconds, 1 to 3600 (default 60)\n"
	    "\n"
	    "Examples:\n"
	    "  seuilctl badge enrol alice --reader desk\n"
	    "  badge 7 (hint B2C3) enrolled for alice at reader desk\n"
	    "  seuilctl badge enrol alice --secure\n"
	    "  badge 8 (hint D5E6, DESFire) enrolled for alice at reader desk\n"
	    "\n"
	    "Exit status: 65 for a badge enrolled already or a card that cannot\n"
	    "be made one (not DESFire, another site's keys), 66 for an unknown\n"
	    "member or reader, 69 if seuild is not running, 75 if no unknown badge\n"
	    "was tapped in time, the card left mid-way (or another enrolment is\n"
	    "waiting), 77 for another member's card without admin_group, 78 if no\n"
	    "reader (or not R) allows enrolment.", "enroll" },
	{ "badge", "wipe", ctl_badge_wipe, "[--reader R] [--timeout S]",
	    "remove seuil's application from a DESFire card tapped at the desk",
	    "Wait up to S seconds for a card at a desk reader (enrol = true, no\n"
	    "door; R if given), remove seuil's application from it, and revoke the\n"
	    "DESFire badge whose credential it held.  The card proves it is this\n"
	    "site's first, with its own key.  Needs the daemon.\n"
	    "\n"
	    "Options:\n"
	    "  --reader R       only reader R\n"
	    "  --timeout S      wait at most S seconds, 1 to 3600 (default 60)\n"
	    "\n"
	    "Example:\n"
	    "  seuilctl badge wipe\n"
	    "  card D5E6 wiped at reader desk; badge 8 of member 3 revoked\n"
	    "\n"
	    "Exit status: 65 for a card with another site's keys or no DESFire,\n"
	    "66 for a card without seuil's application, 69 if seuild is not\n"
	    "running, 75 if no card came in time or it left mid-way.", NULL },
	{ "badge", "list", ctl_badge_list, "[M]", "list badges",
	    "List badges, of everyone or of member M: id, member, hint, kind (uid,\n"
	    "or desfire for a badge that cannot be copied), status, last use and\n"
	    "label.\n"
	    "\n"
	    "Examples:\n"
	    "  seuilctl badge list\n"
	    "  seuilctl badge list alice\n"
	    "\n"
	    "Exit status: 66 for an unknown member.", NULL },
	{ "badge", "revoke", ctl_badge_revoke, "BADGE",
	    "revoke a badge, by id or by UID",
	    "Revoke a badge, named by the id `badge add` and `badge list` print, or\n"
	    "by its UID (a lost card that was found).  An argument of fewer than 8\n"
	    "digits is an id.  The next tap is denied (badge_revoked).\n"
	    "\n"
	    "Examples:\n"
	    "  seuilctl badge revoke 7\n"
	    "  seuilctl badge revoke 04:A1:B2:C3\n"
	    "\n"
	    "Exit status: 65 for a bad UID, 66 for an unknown badge.", NULL },
	{ "group", "add", ctl_group_add, "G", "add a group",
	    "Add a group.  Names are letters, digits, '_', '.' and '-'.  A group\n"
	    "without a schedule allows any time.\n"
	    "\n"
	    "Example:\n"
	    "  seuilctl group add staff\n"
	    "\n"
	    "Exit status: 65 for a bad or taken name.", NULL },
	{ "group", "list", ctl_group_list, "", "list groups and their schedules",
	    "List the groups and their schedules in canonical form ('always' for a\n"
	    "group without one).\n"
	    "\n"
	    "Example:\n"
	    "  seuilctl group list", NULL },
	{ "group", "edit", ctl_group_edit, "G --offline-ok yes|no",
	    "change a group: whether it enters through an expired replica",
	    "Change group G.  --offline-ok yes: its members still enter through a\n"
	    "site's replica whose copy of the members is older than [replica]\n"
	    "max_age, with when_expired = offline_groups (the default): keyholders,\n"
	    "say, who must get in while a building is cut off for days.  Its\n"
	    "schedule still applies.  On a replica the change is refused: it is made\n"
	    "on the primary.\n"
	    "\n"
	    "Example:\n"
	    "  seuilctl group edit keyholders --offline-ok yes\n"
	    "\n"
	    "Exit status: 65 for a value other than yes or no, 66 for an unknown group,\n"
	    "77 on a replica.", NULL },
	{ "schedule", "set", ctl_schedule_set, "G 'Mon-Fri 08:00-19:00, Sat 10:00-14:00'",
	    "replace a group's schedule ('always' removes it)",
	    "Replace a group's schedule, in the site's local time.  Days are Mon to\n"
	    "Sun, ranges (Mon-Fri) and lists (Mon,Wed), or 'daily'; 24:00 ends a\n"
	    "day; a window that ends before it starts runs past midnight.  'always'\n"
	    "removes the schedule.  A member in several groups may enter when any\n"
	    "of them allows it.\n"
	    "\n"
	    "Examples:\n"
	    "  seuilctl schedule set staff 'Mon-Fri 08:00-19:00, Sat 10:00-14:00'\n"
	    "  seuilctl schedule set night 'Fri,Sat 22:00-02:00'\n"
	    "  seuilctl schedule set staff always\n"
	    "\n"
	    "Exit status: 65 for a bad schedule, 66 for an unknown group.", NULL },
	{ "who", NULL, ctl_who, "", "who is here now",
	    "Everyone present now, with arrival time (local) and door; the manager\n"
	    "sees everyone, public or not.\n"
	    "\n"
	    "Example:\n"
	    "  seuilctl who", NULL },
	{ "checkout", NULL, ctl_checkout, "M", "end a member's visit now",
	    "End a member's visit now (reason manual).  With seuild running, through\n"
	    "its control socket, so presence and MQTT follow at once; without it,\n"
	    "the visit is closed in the database and a departure event is logged.\n"
	    "\n"
	    "Example:\n"
	    "  seuilctl checkout alice\n"
	    "\n"
	    "Exit status: 66 for an unknown member.", NULL },
	{ "log", NULL, ctl_log,
	    "[--from T] [--to T] [--member M] [--door D] [--reader R] [--type T] "
	    "[--reason R] [--actor A] [--before SEQ] [--limit N] [--csv | --follow] [--site]",
	    "show the event log",
	    "The event log in order, filtered.  Times are printed local; --json\n"
	    "gives UTC.  T is YYYY-MM-DDTHH:MM[:SS] local, or with Z or an offset,\n"
	    "or a bare date.  The console's log (GET /api/v1/log) takes the same\n"
	    "filters.\n"
	    "\n"
	    "Options:\n"
	    "  --from T         from T (inclusive; a date: from its start)\n"
	    "  --to T           to T (a date: to its end, inclusive)\n"
	    "  --since T        from T (inclusive), as --from\n"
	    "  --until T        to T (exclusive; a date: its start)\n"
	    "  --member M       events of member M\n"
	    "  --door D         events of door D\n"
	    "  --reader R       events of reader R\n"
	    "  --type TYPE      events of one type (access_denied, arrival, ...)\n"
	    "  --reason R       events with this reason (clock_unsynced, timeout, ...)\n"
	    "  --actor A        staff events of A: an OS user (uid:1000(alice)) or a\n"
	    "                   console user (web:bob), as the log names them\n"
	    "  --before SEQ     only events older than event SEQ (paging back)\n"
	    "  --limit N        only the newest N matching events\n"
	    "  --csv            CSV for a spreadsheet: seq, UTC and local time,\n"
	    "                   type, door, reader, member, badge, reason, detail,\n"
	    "                   actor, clock_synced\n"
	    "  --follow         then keep printing matching events as they are\n"
	    "                   committed, until interrupted; without --since or\n"
	    "                   --limit it starts with the last 10.  With --json,\n"
	    "                   one JSON object a line.\n"
	    "  --site           on a site's primary: every node's events, in the site's\n"
	    "                   order, each with its node and its seq there\n"
	    "\n"
	    "Examples:\n"
	    "  seuilctl log --member alice --from 2026-11-01\n"
	    "  seuilctl log --type access_denied --follow\n"
	    "  seuilctl log --from 2026-11-24 --to 2026-11-24 --reader front-in --csv\n"
	    "\n"
	    "Exit status: 65 for a bad time, type, reason or number, 66 for an\n"
	    "unknown member.", NULL },
	{ "explain", NULL, ctl_explain, "M|UID",
	    "why a member or badge would be granted or denied now, rule by rule",
	    "Explain, rule by rule, why member M's badges (or the badge with this\n"
	    "UID) would be granted or denied right now at each reader: badge found\n"
	    "and active, member status, validity dates, groups and their schedules\n"
	    "against the local time, clock sync and the unsynced_clock policy, and\n"
	    "reader lockout (from seuild if it runs).  The decision and its reason\n"
	    "(granted, locked_out, credential_invalid, credential_required,\n"
	    "unknown_badge, badge_revoked, member_disabled, not_yet_valid, expired,\n"
	    "clock_unsynced, outside_schedule) come from the\n"
	    "same policy code the daemon runs.  M is tried first (an id of fewer\n"
	    "than 8 digits, or an exact name), then UID.  The UID is never printed,\n"
	    "only its hint.\n"
	    "\n"
	    "Examples:\n"
	    "  seuilctl explain alice\n"
	    "  seuilctl explain 04:A1:B2:C3\n"
	    "\n"
	    "Exit status: 0 whatever the decision (an unknown UID is explained as\n"
	    "unknown_badge); 66 for an argument that is neither a member nor a UID.", NULL },
	{ "report", "attendance", ctl_report_attendance,
	    "[--from DATE] [--to DATE] [--by day|week|month] [--member M] "
	    "[--csv|--json|--html]",
	    "per member: days present, visits, hours, first and last seen",
	    "Attendance per member and period (local days of site.timezone): days\n"
	    "present, visits, hours, first and last seen.  A visit over midnight\n"
	    "counts for both days; a visit ended by timeout or day end counts until\n"
	    "its last badge.\n"
	    "\n"
	    "Options:\n"
	    "  --from DATE      first day (default: the first of this month)\n"
	    "  --to DATE        last day, inclusive (default: today)\n"
	    "  --by PERIOD      day, week or month (default month)\n"
	    "  --member M       only member M\n"
	    "  --csv, --json    machine-readable output\n"
	    "  --html           a self-contained page with charts (no network)\n"
	    "\n"
	    "Examples:\n"
	    "  seuilctl report attendance --from 2026-11-01 --to 2026-11-30 --csv\n"
	    "  seuilctl report attendance --by day --html > november.html\n"
	    "\n"
	    "Exit status: 64 for a bad date or range, 66 for an unknown member.", NULL },
	{ "report", "presence-hours", ctl_report_insight, "[--from DATE] [--to DATE] [--csv|--json]",
	    "busy hours: people present on average, per hour of the week",
	    "For each hour of the week (local time), the person-hours present over\n"
	    "the period and the people present on average (the hours divided by the\n"
	    "number of such weekdays in the period).  Visits count as in report\n"
	    "attendance.  The console's Insight view draws it as a heat map.\n"
	    "Needs [report] insight = true (the default).\n"
	    "\n"
	    "Options:\n"
	    "  --from DATE      first day (default: 12 weeks before --to)\n"
	    "  --to DATE        last day, inclusive (default: today)\n"
	    "  --csv, --json    machine-readable output (day,hour,hours,average)\n"
	    "\n"
	    "Example:\n"
	    "  seuilctl report presence-hours --from 2026-09-01 --to 2026-11-30\n"
	    "\n"
	    "Exit status: 64 for a bad date or range, 78 when insight is off.", NULL },
	{ "report", "members", ctl_report_insight, "[--from DATE] [--to DATE] [--csv|--json]",
	    "per member: days, visits, hours over the period, and the trend",
	    "Per member over the period: days present, visits, hours, first and\n"
	    "last seen (as report attendance counts them over the whole period),\n"
	    "and the trend: the hours of the last half of the period against the\n"
	    "first half (up, down or same); with totals.  Needs [report] insight.\n"
	    "\n"
	    "Options:\n"
	    "  --from DATE      first day (default: 12 weeks before --to)\n"
	    "  --to DATE        last day, inclusive (default: today)\n"
	    "  --csv, --json    machine-readable output\n"
	    "\n"
	    "Exit status: 64 for a bad date or range, 78 when insight is off.", NULL },
	{ "report", "drifting", ctl_report_insight, "[--to DATE] [--csv|--json]",
	    "members drifting away: half their former weekly visits or fewer",
	    "Active members with at least 4 visits in the 12 weeks before the last\n"
	    "4 weeks (ending on --to), whose weekly rate of visits in those last 4\n"
	    "weeks is below half of the rate before, with both counts and rates\n"
	    "and their last visit.  A visit counts on the local day it arrives.\n"
	    "Needs [report] insight.\n"
	    "\n"
	    "Options:\n"
	    "  --to DATE        the last day of the last 4 weeks (default: today)\n"
	    "  --csv, --json    machine-readable output\n"
	    "\n"
	    "Exit status: 64 for a bad date, 78 when insight is off.", NULL },
	{ "report", "retention", ctl_report_insight, "[--from DATE] [--to DATE] [--csv|--json]",
	    "monthly retention: who came back the month after",
	    "For each month of the period: of the members with a visit (by its\n"
	    "arrival) in the month before, how many have one in the month, and that\n"
	    "share.  Needs [report] insight.\n"
	    "\n"
	    "Options:\n"
	    "  --from DATE      a day of the first month (default: 11 months before)\n"
	    "  --to DATE        a day of the last month (default: today)\n"
	    "  --csv, --json    machine-readable output\n"
	    "\n"
	    "Exit status: 64 for a bad date or range, 78 when insight is off.", NULL },
	{ "status", NULL, ctl_status, "",
	    "health: daemon, doors, readers, MQTT, clock and database",
	    "A health view: the daemon (version, uptime), clock sync, each door and\n"
	    "reader (online, locked out, last heartbeat), presence count, the MQTT\n"
	    "link and the last event published, and the database (size of the file\n"
	    "and of its WAL, last event, last purge and what it deleted, last\n"
	    "backup and its result).  When\n"
	    "seuild is not running, the database part is still printed.  --json\n"
	    "prints the daemon's reply with a \"store\" object added.\n"
	    "\n"
	    "Example:\n"
	    "  seuilctl status\n"
	    "\n"
	    "Exit status: 69 if seuild is not running.", NULL },
	{ "door", "unlock", ctl_door_unlock, "[DOOR] [--seconds N]",
	    "unlock a door for a moment",
	    "Unlock a door for a moment through seuild (logged as unlock_remote with\n"
	    "the caller's uid).  DOOR may be left out when only one is configured.\n"
	    "\n"
	    "Options:\n"
	    "  --seconds N      1 to 60 (default: the door's unlock_time)\n"
	    "\n"
	    "Example:\n"
	    "  seuilctl door unlock front --seconds 10\n"
	    "\n"
	    "Exit status: 66 for an unknown door, 69 if seuild is not running.", NULL },
	{ "door", "lock", ctl_door_lock, "[DOOR]",
	    "lock a door now, ending its office hours",
	    "Lock a door now through seuild: a door held released for office hours\n"
	    "([door.NAME] unlock_schedule) is locked and stays locked until the next\n"
	    "tap of a member of its first_in group (schedule_relock, reason manual,\n"
	    "with the caller's uid); a momentary unlock in force ends too.  DOOR may\n"
	    "be left out when only one is configured.\n"
	    "\n"
	    "Example:\n"
	    "  seuilctl door lock front\n"
	    "\n"
	    "Exit status: 66 for an unknown door, 69 if seuild is not running.", NULL },
	{ "purge", NULL, ctl_purge, "",
	    "delete events and visits older than the retention now",
	    "Apply the retention now (seuild also does it daily): delete events older\n"
	    "than [store] event_retention (default 90d) and visits that ended more\n"
	    "than visit_retention ago (default 400d); visits still open are kept.\n"
	    "Prints how many rows were deleted, and records it for `status`.  Event\n"
	    "sequence numbers are never reused.\n"
	    "\n"
	    "Example:\n"
	    "  seuilctl purge", NULL },
	{ "backup", NULL, ctl_backup, "FILE | --with-key DIR | --nightly",
	    "write a consistent snapshot of the database",
	    "Write a snapshot of the database to FILE while seuild runs (SQLite's\n"
	    "online backup API), then check the copy with integrity_check.  FILE\n"
	    "must not exist; it is created with mode 0600 and never follows a\n"
	    "symlink.  The time and result are recorded for `seuilctl status`.\n"
	    "\n"
	    "The keys must be saved too: without the UID key no badge of the\n"
	    "database can be matched, without the credentials key file no DESFire\n"
	    "badge read.  --with-key DIR writes DIR/seuil-YYYYMMDD-HHMMSS.db,\n"
	    "DIR/uid.key and DIR/credentials.key (DIR made 0700 if missing, the\n"
	    "files 0600).\n"
	    "\n"
	    "--nightly is what seuil-backup.timer runs: a snapshot into [backup] dir\n"
	    "named seuil-YYYYMMDD-HHMMSS.db (UTC), the keys as uid.key and\n"
	    "credentials.key there if they are not yet, and all but the newest\n"
	    "[backup] keep snapshots removed.\n"
	    "\n"
	    "Examples:\n"
	    "  seuilctl backup /media/usb/seuil.db\n"
	    "  seuilctl backup --with-key /media/usb/seuil-2026-11-29\n"
	    "\n"
	    "Exit status: 73 if the snapshot cannot be written or fails its check\n"
	    "(74 when seuild took it), 78 for --nightly without [backup] dir.", NULL },
	{ "restore", NULL, ctl_restore, "FILE",
	    "replace the database with a snapshot (seuild stopped)",
	    "Replace the contents of the database with the snapshot FILE.  seuild\n"
	    "must be stopped (checked through its control socket).  FILE is checked\n"
	    "first (integrity_check, seuil's tables, a schema version this seuil\n"
	    "reads) and refused otherwise, with nothing changed.  The database being\n"
	    "replaced is kept beside it as DATABASE.pre-restore-YYYYMMDD-HHMMSS.\n"
	    "An older schema is migrated when seuild or seuilctl next opens it.\n"
	    "Restore the keys of the snapshot too (copy its uid.key to [store]\n"
	    "uid_key_file and its credentials.key to [credentials] key_file, mode\n"
	    "0600, owner seuil) if they are not the same.\n"
	    "The database must exist: on a new system run `seuilctl init` first.\n"
	    "\n"
	    "Example:\n"
	    "  systemctl stop seuild && seuilctl restore /media/usb/seuil.db &&\n"
	    "  systemctl start seuild\n"
	    "\n"
	    "Exit status: 65 if FILE is refused, 75 if seuild is running.", NULL },
	{ "hw", "test", ctl_hw_test,
	    "[--door D]... [--reader R]... [--pulse SECONDS] [--timeout S]",
	    "test doors and readers on site, with seuild stopped",
	    "Test doors and readers on site through the same code as seuild, which\n"
	    "must be stopped (systemctl stop seuild): while it runs the hardware is\n"
	    "its own; test through it with `door unlock DOOR --seconds 3` and\n"
	    "`log --follow` then.  Each door's I/O is opened, which drives its relay\n"
	    "locked first, and its contact level is printed; with --pulse each relay\n"
	    "is energised in turn for that many seconds, then released.  Each reader\n"
	    "is opened in the same contained child process as under seuild; every\n"
	    "card held to it is printed with its UID length, hint and member (or\n"
	    "'not enrolled'), and 'card left' when it goes; never the full UID.\n"
	    "Each tested reader's feedback lines (green LED, red LED, buzzer) are\n"
	    "switched on once, 500 ms each in turn, with their chip and line printed.\n"
	    "Contact and exit-button edges are printed raw as they arrive (a\n"
	    "bouncing contact shows several).  The test lasts --timeout seconds, so\n"
	    "that several cards can be tried; Ctrl-C ends it early, with every relay\n"
	    "locked.\n"
	    "\n"
	    "Options:\n"
	    "  --door D         test door D (repeatable); default every door, or none\n"
	    "                   when only --reader is given\n"
	    "  --reader R       test reader R (repeatable); default every reader, or\n"
	    "                   none when only --door is given\n"
	    "  --pulse SECONDS  energise each tested relay for 1 to 10 seconds;\n"
	    "                   default no pulse\n"
	    "  --timeout S      watch inputs and cards for 0 to 3600 seconds\n"
	    "                   (default 30)\n"
	    "\n"
	    "Examples:\n"
	    "  seuilctl hw test\n"
	    "  seuilctl hw test --door front --pulse 3 --timeout 0\n"
	    "  seuilctl hw test --reader front-in --timeout 60\n"
	    "\n"
	    "Exit status: 69 if seuild is running or a door or reader failed to\n"
	    "open (shown with the error and what to check), 64 for an unknown door\n"
	    "or reader name (the configured ones are listed).", NULL },
	{ "site", "init", ctl_site_init, "",
	    "make the site's signing key on the primary",
	    "On the site's primary ([site] node set, role = primary): create the site's\n"
	    "Ed25519 signing key ([site] key_file, mode 0600, owned by seuil when run as\n"
	    "root) if it is missing, and start the site's first epoch.  Prints the key\n"
	    "id, which every node's bundle carries.  Running it again keeps the key.\n"
	    "\n"
	    "Example:\n"
	    "  seuilctl site init\n"
	    "\n"
	    "Exit status: 73 if the key cannot be created, 78 if [site] is not a\n"
	    "primary's.", NULL },
	{ "site", "join", ctl_site_join,
	    "NODE [--out FILE] [--broker-ca FILE] [--broker-password-file FILE]",
	    "write the bundle that makes NODE a replica",
	    "On the primary: write NODE.bundle (or FILE), mode 0600: the site's name and\n"
	    "public key, the primary's name, the base topic, the UID key every door of\n"
	    "the site shares, the DESFire keys ([credentials] key_file, if it exists)\n"
	    "and, if given, the broker's CA and NODE's broker password.\n"
	    "It is a secret (it holds the UID key): carry it to NODE over SSH or on a\n"
	    "USB stick and install it there with `seuilctl site install`, which deletes\n"
	    "it.  An existing file is never replaced.\n"
	    "\n"
	    "Options:\n"
	    "  --out FILE                   where to write the bundle\n"
	    "  --broker-ca FILE             the CA of the broker's certificate (TLS)\n"
	    "  --broker-password-file FILE  NODE's broker password (its first line)\n"
	    "\n"
	    "Example:\n"
	    "  seuilctl site join hall --broker-ca /etc/mosquitto/ca.crt\n"
	    "\n"
	    "Exit status: 65 for a bad node name, 66 without the site's key (site\n"
	    "init), 73 if FILE exists.", NULL },
	{ "site", "install", ctl_site_install, "BUNDLE",
	    "install a node's bundle on it, making its store a replica's",
	    "On the node named in BUNDLE ([site] node = that name, role = replica, seuild\n"
	    "stopped): write the UID key ([store] uid_key_file, 0600), the DESFire keys\n"
	    "([credentials] key_file, 0600), the site's public key ([replica]\n"
	    "site_key_file, 0640), and the broker's CA and password where\n"
	    "[mqtt] ca_file and password_file name them; make the store a replica's of\n"
	    "the primary the bundle names; then overwrite and delete BUNDLE.  A key file\n"
	    "that exists must hold the same key, or nothing is replaced.\n"
	    "\n"
	    "Example:\n"
	    "  seuilctl site install hall.bundle\n"
	    "\n"
	    "Exit status: 65 for a malformed bundle or a different key in place, 75\n"
	    "while seuild runs, 78 when the configuration is not that node's.", NULL },
	{ "site", "promote", ctl_site_promote, "--key FILE [--backup FILE]",
	    "make this node the site's primary",
	    "Failover, by hand (seuild stopped, [site] role = primary set already):\n"
	    "restore the latest backup of the primary's database if given, install the\n"
	    "site's signing key from FILE into [site] key_file, make the store a\n"
	    "primary's and raise the epoch above both the backup's and this node's copy,\n"
	    "so that every replica replaces its copy with the new primary's first\n"
	    "snapshot.  With --backup this node keeps its own events and visits (the\n"
	    "store it had is kept as DATABASE.pre-promote-YYYYMMDD-HHMMSS).  There is\n"
	    "no election: run it on one node only.\n"
	    "\n"
	    "Options:\n"
	    "  --key FILE       the site's signing key (from the old primary's backup)\n"
	    "  --backup FILE    a backup of the old primary's database\n"
	    "\n"
	    "Example:\n"
	    "  seuilctl site promote --key /media/usb/site.key --backup /media/usb/seuil.db\n"
	    "\n"
	    "Exit status: 65 for a bad backup, 66 for a missing key, 75 while seuild\n"
	    "runs, 78 unless [site] role = primary.", NULL },
	{ "site", "show", ctl_site_show, "",
	    "this node's role, the revision of its copy and its digest",
	    "Show this node's part in the site: primary or replica (of which primary),\n"
	    "the epoch and revision of the member data it holds, when a replica last\n"
	    "verified a message, and the SHA-256 digest of what travels: two nodes that\n"
	    "hold the same revision show the same digest.\n"
	    "\n"
	    "Example:\n"
	    "  seuilctl site show --json", NULL },
	{ "member", "import", ctl_member_import,
	    "FILE [--dry-run] [--prune [--reenable]] [--create-groups]",
	    "add and change members from a CSV file, in one transaction",
	    "Import members from a CSV file (UTF-8, a BOM and CRLF accepted, a\n"
	    "header row; - reads standard input), fields separated by ',' or ';'\n"
	    "(whichever the header uses more): columns name, display_name, email,\n"
	    "groups (separated by ';' or ','), valid_from, valid_until (YYYY-MM-DD),\n"
	    "public (yes/no, oui/non, true/false, 1/0); only name is required, and\n"
	    "only the columns given are compared.  A new name adds a member, a\n"
	    "known one is changed where it differs.  Prints the diff.  The whole\n"
	    "file applies or nothing does; every error of the file is printed at\n"
	    "once as FILE:LINE:COLUMN: column: message.  Erased members are never\n"
	    "revived.\n"
	    "\n"
	    "Options:\n"
	    "  --dry-run        print the diff, change nothing\n"
	    "  --prune          also disable every active member missing from the\n"
	    "                   file; a disabled member present stays disabled\n"
	    "  --reenable       with --prune: enable the disabled members present\n"
	    "  --create-groups  add the groups the file names and that do not exist,\n"
	    "                   in the same transaction (without it, each is an error)\n"
	    "\n"
	    "Example:\n"
	    "  seuilctl member import members.csv --dry-run\n"
	    "\n"
	    "Exit status: 65 for a bad file (nothing changed), 66 if it cannot be read.", NULL },
	{ "guest", "add", ctl_guest_add,
	    "NAME --sponsor M [--until YYYY-MM-DDTHH:MM] [--badge LABEL]",
	    "a guest pass a member vouches for",
	    "Make a pass for a guest that member M vouches for ([guests]\n"
	    "sponsor_groups: M must be an active member of one).  The pass ends at\n"
	    "--until (local time), by default at today's day end ([presence]\n"
	    "day_ends_at), at most [guests] max_duration ahead; a sponsor makes at\n"
	    "most [guests] per_sponsor_per_day passes a day.  --badge lends the\n"
	    "loaner badge LABEL of the pool now (or later: guest lend).  The guest's\n"
	    "taps are decided like the sponsor's (their schedules and validity) and\n"
	    "open nothing from the end on; they are logged with the sponsor (via).\n"
	    "\n"
	    "Example:\n"
	    "  seuilctl guest add 'Ada L.' --sponsor alice --until 2026-11-26T18:00 --badge G1\n"
	    "\n"
	    "Exit status: 65 for a bad name or end, a sponsor who may not vouch or has\n"
	    "made the day's passes, 66 for an unknown member or loaner.", NULL },
	{ "guest", "list", ctl_guest_list, "[--all] [--sponsor M]",
	    "list the open guest passes",
	    "List the open passes (--all: ended ones too, until their retention):\n"
	    "id, name, sponsor, end, and the loaner lent.\n"
	    "\n"
	    "Example:\n"
	    "  seuilctl guest list --sponsor alice", NULL },
	{ "guest", "lend", ctl_guest_lend, "G LABEL",
	    "lend the loaner badge LABEL to guest G",
	    "Lend the loaner badge LABEL of the pool to guest G's open pass (the\n"
	    "desk does it when the guest arrives).\n"
	    "\n"
	    "Example:\n"
	    "  seuilctl guest lend 12 G1\n"
	    "\n"
	    "Exit status: 65 for a pass that has ended or a loaner lent already, 66\n"
	    "for an unknown guest or loaner.", NULL },
	{ "guest", "end", ctl_guest_end, "G",
	    "end guest G's pass now; the loaner goes back to the pool",
	    "End guest G's pass now: the loaner badge goes back to the pool and\n"
	    "opens nothing until lent again; the guest's visit ends (pass_end).\n"
	    "\n"
	    "Example:\n"
	    "  seuilctl guest end 12\n"
	    "\n"
	    "Exit status: 66 for an unknown guest.", NULL },
	{ "guest", "export", ctl_guest_export, "G",
	    "print everything held about a guest, as JSON",
	    "Print everything held about guest G (the right of access): the pass and\n"
	    "every event of the guest.\n"
	    "\n"
	    "Example:\n"
	    "  seuilctl guest export 12 > guest-12.json\n"
	    "\n"
	    "Exit status: 66 for an unknown guest.", NULL },
	{ "guest", "erase", ctl_guest_erase, "G [--yes]",
	    "erase a guest's personal data now",
	    "Erase guest G now (seuild does it [guests] retention after the pass\n"
	    "ends): the name and the pass are deleted, the guest's events keep only\n"
	    "the sponsor who vouched.  Without --yes, says so and exits 64.\n"
	    "\n"
	    "Example:\n"
	    "  seuilctl guest erase 12 --yes\n"
	    "\n"
	    "Exit status: 64 without --yes, 66 for an unknown guest.", NULL },
	{ "guest", "pool", ctl_guest_pool,
	    "add UID|- --label L | add --label L [--reader R] [--timeout S] | list | remove LABEL",
	    "the loaner badges the desk lends to guests",
	    "The space's loaner badges.  add with a UID (or '-' to type it on\n"
	    "standard input) puts that card in the pool under LABEL (printed on it);\n"
	    "add without one waits, through seuild, for the card to be tapped at a\n"
	    "reader with enrol = true (R if given, S seconds, default 60).  A card of\n"
	    "a member is refused.  list shows each loaner and the guest it is lent\n"
	    "to; remove takes one out (not while it is lent).\n"
	    "\n"
	    "Examples:\n"
	    "  seuilctl guest pool add --label G1 --reader desk\n"
	    "  seuilctl guest pool add - --label G2\n"
	    "  seuilctl guest pool list\n"
	    "\n"
	    "Exit status: 65 for a bad UID or label, a card in use, 66 for an unknown\n"
	    "label, 75 if no card was tapped in time.", NULL },
	{ "web", "user", ctl_web_user,
	    "add|passwd|role|del|list [NAME] [ROLE] [--role admin|desk]",
	    "manage the console's accounts (seuil-web)",
	    "Manage the accounts of the manager's console (seuil-web).  add NAME\n"
	    "creates one, passwd NAME sets a new password, role NAME ROLE changes\n"
	    "its role, del NAME removes it, list shows them.  While seuild runs,\n"
	    "each change is a request to it (admin_group), which writes it with\n"
	    "its audit event.  The password is read from the terminal with echo off (typed\n"
	    "twice), or as one line of standard input when it is not a terminal;\n"
	    "never from an argument, which every user could see in ps.  At least 8\n"
	    "characters.  It is kept only as a yescrypt hash.\n"
	    "\n"
	    "Options:\n"
	    "  --role admin     everything the console offers\n"
	    "  --role desk      (the default) who is here, enrol by tap, check out,\n"
	    "                   unlock; no member data, erase, export or import\n"
	    "\n"
	    "Examples:\n"
	    "  seuilctl web user add camille --role admin\n"
	    "  printf '%s\\n' \"$PASSWORD\" | seuilctl web user add desk1\n"
	    "  seuilctl web user role desk1 admin\n"
	    "  seuilctl web user list\n"
	    "\n"
	    "Exit status: 65 for a bad name or password or a name taken, 66 for an\n"
	    "unknown name, 77 without the right to change accounts.", NULL },
	{ "web", "cert", ctl_web_cert, "[--days N] [--host H]",
	    "make a self-signed certificate for the console",
	    "Make a self-signed certificate and its key for seuil-web's TLS, for a\n"
	    "first install: an ECDSA P-256 key (mode 0600, given to the seuil-web\n"
	    "user when run as root) and a certificate for host H.  They go to\n"
	    "[web] tls_cert and tls_key, or web.crt and web.key beside the\n"
	    "configuration file when those are not set.  Existing files are never\n"
	    "overwritten.  Prints the certificate's SHA-256 fingerprint: compare it\n"
	    "with the one the browser shows the first time.\n"
	    "\n"
	    "Options:\n"
	    "  --days N         validity, 1 to 3650 days (default 825)\n"
	    "  --host H         the name or address the browser uses (default: this\n"
	    "                   machine's host name)\n"
	    "\n"
	    "Example:\n"
	    "  seuilctl web cert --host door.lab.example\n"
	    "\n"
	    "Exit status: 73 if a file exists already or cannot be created.", NULL },
};

const size_t ctl_ncommands = sizeof(ctl_commands) / sizeof(ctl_commands[0]);
