/*
 * maildir_name_fuzz.c - libFuzzer target: Maildir file names (size,
 * flags and keywords are read from them, and any Maildir tool may have
 * written them) and folder names as IMAP clients send them.
 */
#include "util/sys_defs.h"

#include <stdlib.h>

#include "util/buf.h"

#include "mail/maildir.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	struct maildir_name mn;
	struct buf *why = buf_new(64);

	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = 0;
	(void)maildir_name_parse(s, &mn);
	(void)maildir_folder_valid(s, why);
	(void)maildir_is_inbox(s);
	free(s);
	buf_free(&why);
	return 0;
}
