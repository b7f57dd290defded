/*
 * cfg_fuzz.c - libFuzzer target: gannet.conf text (syntax, continuation,
 * expansion of every name it defines) and the service table parser.
 */
#include "util/sys_defs.h"

#include <stdlib.h>

#include "util/buf.h"
#include "util/log.h"
#include "util/strutil.h"
#include "util/xalloc.h"

#include "mail/cfg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = xstrndup((const char *)data, size);
	struct buf *why = buf_new_capped(64, 1 << 20), *out = buf_new(64);
	struct svc_table svc;
	struct strv names;

	log_set_dest(0);
	(void)cfg_load_string("fuzz.conf", text, why);
	cfg_names_set(&names);
	for (size_t i = 0; i < names.n; i++) {
		buf_reset(why);
		(void)cfg_value(names.v[i], out, why);
	}
	strv_free(&names);
	buf_reset(why);
	if (cfg_services_parse("fuzz.cf", text, &svc, why) == 0)
		cfg_services_free(&svc);
	else
		cfg_services_free(&svc);
	cfg_free();
	free(text);
	buf_free(&why);
	buf_free(&out);
	return 0;
}
