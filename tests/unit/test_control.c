/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The control protocol (core/control.c): every command has a name (the
 * old spelling of enrol too); requests survive the trip through the
 * encoder and the decoder with every field; the decoder refuses what is
 * not the contract.  seuild's table of roles and handlers is walked by
 * tests/integration/control_protocol.sh, through the real daemon.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "control.h"
#include "testhelp.h"

static void
test_names(void)
{
	int i;

	for (i = 0; i < CONTROL_NCMDS; i++) {
		EXPECT(control_cmd_name(i) != NULL);
		EXPECT_INT(control_cmd_lookup(control_cmd_name(i)), i);
	}
	EXPECT_INT(control_cmd_lookup("enroll"), CONTROL_ENROL);
	EXPECT_STR(control_cmd_name(CONTROL_ENROL), "enrol");
	EXPECT_INT(control_cmd_lookup("frobnicate"), -1);
	for (i = 0; i < CONTROL_NCODES; i++)
		EXPECT_INT(control_code_lookup(control_code_name(i)), i);
}

static int
roundtrip(const struct control_req *in, struct control_req *out, int fd)
{
	enum control_code code;
	char err[256], *text;
	int rc;

	if ((text = control_req_encode(in, err, sizeof(err))) == NULL) {
		printf("#   encode: %s\n", err);
		return -1;
	}
	rc = control_req_decode(text, strlen(text), fd, out, &code, err, sizeof(err));
	if (rc == -1)
		printf("#   decode %s: %s\n", text, err);
	free(text);
	return rc;
}

static void
test_roundtrip(void)
{
	struct control_req in, out;
	int fd;

	control_req_init(&in, CONTROL_MEMBER_EDIT);
	in.member_name = "élodie";
	in.actor = "web:camille";
	in.change.display = "Élodie";
	in.change.email = "";
	in.change.from = "2026-01-01";
	in.change.groups[0] = "staff";
	in.change.groups[1] = "night";
	in.change.ngroups = 2;
	in.change.set_groups = true;
	in.change.public = 0;
	EXPECT_INT(roundtrip(&in, &out, -1), 0);
	EXPECT_INT(out.cmd, CONTROL_MEMBER_EDIT);
	EXPECT_STR(out.member_name, "élodie");
	EXPECT_INT(out.member, 0);
	EXPECT_STR(out.actor, "web:camille");
	EXPECT_STR(out.change.display, "Élodie");
	EXPECT_STR(out.change.email, "");
	EXPECT_STR(out.change.from, "2026-01-01");
	EXPECT(out.change.until == NULL && out.change.name == NULL);
	EXPECT_INT(out.change.ngroups, 2);
	EXPECT(out.change.set_groups);
	EXPECT_STR(out.change.groups[1], "night");
	EXPECT_INT(out.change.public, 0);
	control_req_clear(&out);

	control_req_init(&in, CONTROL_DOOR_UNLOCK);
	in.door = "front";
	in.seconds = 5;
	EXPECT_INT(roundtrip(&in, &out, -1), 0);
	EXPECT_STR(out.door, "front");
	EXPECT_INT(out.seconds, 5);
	control_req_clear(&out);

	/* An import carries its CSV as a sealed descriptor. */
	control_req_init(&in, CONTROL_IMPORT);
	in.prune = true;
	EXPECT((fd = control_payload_fd("name\nalice\n", 11, NULL, 0)) != -1);
	EXPECT_INT(roundtrip(&in, &out, fd), 0);
	EXPECT(out.prune && !out.reenable && out.fd == fd);
	control_req_clear(&out);
	EXPECT(fcntl(fd, F_GETFD) == -1);	/* cleared: closed */
}

static int
decode(const char *text, int fd, char *err, size_t errlen)
{
	struct control_req req;
	enum control_code code;
	int rc = control_req_decode(text, strlen(text), fd, &req, &code, err, errlen);

	if (rc == 0)
		EXPECT_INT(code, CONTROL_OK);
	else
		EXPECT_INT(code, CONTROL_INVALID);
	control_req_clear(&req);
	return rc;
}

static void
test_decode_refuses(void)
{
	static const struct {
		const char *text, *says;
	} bad[] = {
		{ "[]", "malformed" },
		{ "{\"cmd\":7}", "malformed" },
		{ "{\"cmd\":\"frob\"}", "unknown command 'frob'" },
		{ "{\"cmd\":\"checkout\"}", "checkout needs \"member\"" },
		{ "{\"cmd\":\"checkout\",\"member\":0}", "\"member\" must be" },
		{ "{\"cmd\":\"checkout\",\"member\":1.5}", "\"member\" must be" },
		{ "{\"cmd\":\"checkout\",\"member\":1e300}", "\"member\" must be" },
		{ "{\"cmd\":\"door_unlock\",\"seconds\":-1}", "\"seconds\" must be" },
		{ "{\"cmd\":\"door_unlock\",\"seconds\":-1e300}", "\"seconds\" must be" },
		{ "{\"cmd\":\"status\",\"door\":\"front\"}", "unknown field \"door\"" },
		{ "{\"cmd\":\"status\",\"door\":1,\"door\":2}", "unknown field" },
		{ "{\"cmd\":\"member_add\",\"name\":\"a\",\"name\":\"b\"}", "given twice" },
		{ "{\"cmd\":\"member_add\",\"name\":\"ali\\u0000ce\"}", "NUL" },
		{ "{\"cmd\":\"member_add\",\"name\":\"a\",\"public\":\"yes\"}", "true or false" },
		{ "{\"cmd\":\"member_add\",\"name\":\"a\",\"groups\":[1]}", "must be names" },
		{ "{\"cmd\":\"import\"}", "needs its payload" },
	};
	char err[256];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		EXPECT_INT(decode(bad[i].text, -1, err, sizeof(err)), -1);
		if (strstr(err, bad[i].says) == NULL)
			printf("#   %s: '%s', expected '%s'\n", bad[i].text, err, bad[i].says);
		EXPECT(strstr(err, bad[i].says) != NULL);
	}
	/* A descriptor with a command that takes none. */
	EXPECT_INT(decode("{\"cmd\":\"status\"}", dup(0), err, sizeof(err)), -1);
	EXPECT(strstr(err, "takes no descriptor") != NULL);
	EXPECT_INT(decode("{\"cmd\":\"enroll\",\"member\":\"alice\"}", -1, err, sizeof(err)), 0);
}

/* Only a sealed memfd within the cap is read. */
static void
test_payload(void)
{
	char err[128], *data;
	size_t len;
	int fd, p[2];

	fd = control_payload_fd("abc", 3, err, sizeof(err));
	EXPECT(fd != -1);
	EXPECT(write(fd, "x", 1) == -1);	/* sealed */
	EXPECT_INT(control_payload_read(fd, 10, &data, &len, err, sizeof(err)), 0);
	EXPECT(len == 3 && strcmp(data, "abc") == 0);
	free(data);
	EXPECT_INT(control_payload_read(fd, 2, &data, &len, err, sizeof(err)), -1);
	EXPECT(strstr(err, "too large") != NULL);
	close(fd);
	fd = memfd_create("unsealed", MFD_CLOEXEC);
	EXPECT(write(fd, "abc", 3) == 3);
	EXPECT_INT(control_payload_read(fd, 10, &data, &len, err, sizeof(err)), -1);
	EXPECT(strstr(err, "sealed") != NULL);
	close(fd);
	EXPECT(pipe(p) == 0);
	EXPECT_INT(control_payload_read(p[0], 10, &data, &len, err, sizeof(err)), -1);
	close(p[0]);
	close(p[1]);
}

int
main(void)
{
	RUN(test_names);
	RUN(test_roundtrip);
	RUN(test_decode_refuses);
	RUN(test_payload);
	return TEST_REPORT();
}
