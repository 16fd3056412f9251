/* Members, badges, groups, explain, log, report and import: not yet. */
#include "web_api.h"

void
api_who(struct req *q, struct reply *r, char **p)
{
	(void)q;
	(void)p;
	reply_error(r, 501, "not implemented yet");
}

void
api_members(struct req *q, struct reply *r, char **p)
{
	(void)q;
	(void)p;
	reply_error(r, 501, "not implemented yet");
}

void
api_member_add(struct req *q, struct reply *r, char **p)
{
	(void)q;
	(void)p;
	reply_error(r, 501, "not implemented yet");
}

void
api_member_show(struct req *q, struct reply *r, char **p)
{
	(void)q;
	(void)p;
	reply_error(r, 501, "not implemented yet");
}

void
api_member_edit(struct req *q, struct reply *r, char **p)
{
	(void)q;
	(void)p;
	reply_error(r, 501, "not implemented yet");
}

void
api_member_disable(struct req *q, struct reply *r, char **p)
{
	(void)q;
	(void)p;
	reply_error(r, 501, "not implemented yet");
}

void
api_member_enable(struct req *q, struct reply *r, char **p)
{
	(void)q;
	(void)p;
	reply_error(r, 501, "not implemented yet");
}

void
api_member_export(struct req *q, struct reply *r, char **p)
{
	(void)q;
	(void)p;
	reply_error(r, 501, "not implemented yet");
}

void
api_member_erase(struct req *q, struct reply *r, char **p)
{
	(void)q;
	(void)p;
	reply_error(r, 501, "not implemented yet");
}

void
api_badges(struct req *q, struct reply *r, char **p)
{
	(void)q;
	(void)p;
	reply_error(r, 501, "not implemented yet");
}

void
api_badge_revoke(struct req *q, struct reply *r, char **p)
{
	(void)q;
	(void)p;
	reply_error(r, 501, "not implemented yet");
}

void
api_groups(struct req *q, struct reply *r, char **p)
{
	(void)q;
	(void)p;
	reply_error(r, 501, "not implemented yet");
}

void
api_group_add(struct req *q, struct reply *r, char **p)
{
	(void)q;
	(void)p;
	reply_error(r, 501, "not implemented yet");
}

void
api_schedule_set(struct req *q, struct reply *r, char **p)
{
	(void)q;
	(void)p;
	reply_error(r, 501, "not implemented yet");
}

void
api_explain(struct req *q, struct reply *r, char **p)
{
	(void)q;
	(void)p;
	reply_error(r, 501, "not implemented yet");
}

void
api_log(struct req *q, struct reply *r, char **p)
{
	(void)q;
	(void)p;
	reply_error(r, 501, "not implemented yet");
}

void
api_report(struct req *q, struct reply *r, char **p)
{
	(void)q;
	(void)p;
	reply_error(r, 501, "not implemented yet");
}

void
api_import(struct req *q, struct reply *r, char **p)
{
	(void)q;
	(void)p;
	reply_error(r, 501, "not implemented yet");
}

