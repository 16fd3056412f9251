/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * UID text (core/uid.c uid_parse): what `seuilctl badge add M UID` and the
 * sim reader take from a person or a FIFO.
 * Oracle: a parsed UID has 4, 7 or 10 bytes; it is exactly the hex digits
 * of the input (separators dropped); its canonical hex parses back to the
 * same bytes; an error message never repeats the input.
 */
#include <ctype.h>
#include <string.h>

#include "fuzz.h"
#include "uid.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstr(data, size);
	char err[128] = "", hex[2 * UID_MAX_LEN + 1], digits[256];
	struct uid u, back;
	size_t nd = 0;

	memset(&u, 0xA5, sizeof(u));
	if (uid_parse(text, &u, err, sizeof(err)) == 0) {
		FUZZ_ASSERT(u.len == 4 || u.len == 7 || u.len == 10);
		for (const char *p = text; *p != '\0' && nd < sizeof(digits) - 1; p++) {
			FUZZ_ASSERT(isxdigit((unsigned char)*p) || strchr(":- ", *p) != NULL);
			if (isxdigit((unsigned char)*p))
				digits[nd++] = (char)toupper((unsigned char)*p);
		}
		digits[nd] = '\0';
		for (int i = 0; i < u.len; i++)
			snprintf(hex + 2 * i, 3, "%02X", u.bytes[i]);
		FUZZ_ASSERT(strcmp(hex, digits) == 0);
		FUZZ_ASSERT(uid_parse(hex, &back, err, sizeof(err)) == 0);
		FUZZ_ASSERT(back.len == u.len && memcmp(back.bytes, u.bytes, u.len) == 0);
	} else {
		FUZZ_ASSERT(err[0] != '\0');
		if (strlen(text) >= 6)
			FUZZ_ASSERT(strstr(err, text) == NULL);
	}
	free(text);
	return 0;
}
