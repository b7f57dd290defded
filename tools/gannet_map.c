/*
 * gannet_map.c - `gannet map`: build, query, dump and check maps, as
 * Postfix's postmap does.
 *
 *   gannet map build FILE|TYPE:FILE ...     compile FILE into FILE.db
 *   gannet map query [-a] TYPE:NAME KEY ... print the value (exit 1 when a
 *                                           key is not found)
 *   gannet map query [-a] TYPE:NAME -       keys from standard input
 *   gannet map dump TYPE:NAME               every "key<TAB>value"
 *   gannet map check SPEC ...               report problems, build nothing
 *
 * The commands work without an instance: when the instance's gannet.conf
 * exists it is loaded (default_database_type, map_line_length_limit,
 * mydestination for -a), otherwise the defaults apply. Problems in a map
 * file are printed one per line as "gannet: file:line: text".
 */
#include "util/sys_defs.h"

#include <stdlib.h>

#include "util/buf.h"
#include "util/fileutil.h"
#include "util/log.h"

#include "mail/map.h"
#include "mail/matchlist.h"
#include "mail/params.h"

#include "gannet.h"

#define MAP_USAGE                                                              \
	"map build FILE|TYPE:FILE ... | map query [-a] TYPE:NAME KEY... | "    \
	"map query [-a] TYPE:NAME - | map dump TYPE:NAME | map check SPEC ..."

/* map_load_config - the instance's configuration when there is one */
static void
map_load_config(void)
{
	struct buf *path = buf_new(256);

	params_config_file(gannet_config_dir, path);
	if (file_exists(buf_cstr(path)))
		gannet_load_config();
	buf_free(&path);
}

/* map_print_problems - one line each on stderr */
static void
map_print_problems(const struct buf *why)
{
	const char *s = buf_cstr(why);

	while (*s) {
		size_t n = strcspn(s, "\n");

		fprintf(stderr, "gannet: %.*s\n", (int)n, s);
		s += n;
		if (*s == '\n')
			s++;
	}
}

/* map_cmd_build - compile each map */
static int
map_cmd_build(int argc, char **argv)
{
	struct buf *why = buf_new(256);
	int rc = 0;

	if (argc < 1)
		gannet_usage_error(MAP_USAGE);
	for (int i = 0; i < argc; i++) {
		long n;

		buf_reset(why);
		n = map_build(argv[i], why);
		map_print_problems(why);
		if (n < 0)
			rc = 1;
		else if (log_verbose())
			printf("%s: %ld entries\n", argv[i], n);
	}
	buf_free(&why);
	return rc;
}

/* The lookup of one key, plain or as an address. */
struct map_query {
	struct map *map;
	struct matchlist *local; /* mydestination, for -a */
	bool is_addr;
	struct buf *out, *why;
};

/* map_query_one - 1 found (value in q->out), 0 not, -1 error */
static int
map_query_one(struct map_query *q, const char *key)
{
	bool is_local = false;
	const char *at;

	if (!q->is_addr)
		return map_get(q->map, key, q->out, q->why);
	if ((at = strrchr(key, '@')) != NULL && q->local != NULL)
		is_local = matchlist_match(q->local, at + 1, q->why) > 0;
	return map_get_addr(q->map, key, is_local, q->out, NULL, q->why);
}

/* map_query_stdin - "key<TAB>value" for every key found on stdin */
static int
map_query_stdin(struct map_query *q)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int rc = 0;

	while ((n = getline(&line, &cap, stdin)) >= 0) {
		int found;

		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = 0;
		if (n == 0)
			continue;
		found = map_query_one(q, line);
		if (found < 0) {
			fprintf(stderr, "gannet: %s\n", buf_cstr(q->why));
			rc = 1;
			break;
		}
		if (found > 0)
			printf("%s\t%s\n", line, buf_cstr(q->out));
		else
			rc = 1;
		fflush(stdout);
	}
	free(line);
	return rc;
}

/* map_cmd_query - like postmap -q */
static int
map_cmd_query(int argc, char **argv)
{
	struct map_query q = {NULL, NULL, false, NULL, NULL};
	int rc = 0, i = 0;

	if (argc > 0 && strcmp(argv[0], "-a") == 0) {
		q.is_addr = true;
		i++;
	}
	if (argc - i < 2)
		gannet_usage_error(MAP_USAGE);
	q.out = buf_new(256);
	q.why = buf_new(256);
	if ((q.map = map_open(argv[i], 0, q.why)) == NULL) {
		map_print_problems(q.why);
		rc = 1;
		goto out;
	}
	if (q.is_addr && var_mydestination
	    && (q.local = matchlist_open("mydestination", var_mydestination,
	            MATCHLIST_DOMAIN, q.why))
	        == NULL) {
		fprintf(stderr, "gannet: %s\n", buf_cstr(q.why));
		rc = 1;
		goto out;
	}
	if (argc - i == 2 && strcmp(argv[i + 1], "-") == 0) {
		rc = map_query_stdin(&q);
		goto out;
	}
	for (int k = i + 1; k < argc; k++) {
		int found = map_query_one(&q, argv[k]);

		if (found < 0) {
			fprintf(stderr, "gannet: %s\n", buf_cstr(q.why));
			rc = 1;
			break;
		}
		if (found == 0) {
			rc = 1;
			continue;
		}
		/* One key: the value alone, as postmap -q prints it. */
		if (argc - i == 2)
			printf("%s\n", buf_cstr(q.out));
		else
			printf("%s\t%s\n", argv[k], buf_cstr(q.out));
	}
out:
	map_close(&q.map);
	matchlist_close(&q.local);
	buf_free(&q.out);
	buf_free(&q.why);
	return rc;
}

/* map_dump_one - print a record */
static int
map_dump_one(const char *key, const char *value, void *ctx)
{
	printf("%s\t%s\n", key, value);
	return ferror(stdout) ? 1 : 0;
}

/* map_cmd_dump - every record */
static int
map_cmd_dump(int argc, char **argv)
{
	struct buf *why = buf_new(256);
	struct map *m;
	int rc = 0;

	if (argc != 1)
		gannet_usage_error(MAP_USAGE);
	if ((m = map_open(argv[0], 0, why)) == NULL) {
		map_print_problems(why);
		rc = 1;
	} else if (map_walk(m, map_dump_one, NULL, why) < 0) {
		fprintf(stderr, "gannet: %s\n", buf_cstr(why));
		rc = 1;
	}
	if (fflush(stdout) != 0)
		rc = 1;
	map_close(&m);
	buf_free(&why);
	return rc;
}

/* map_cmd_check - parse each map, report every problem */
static int
map_cmd_check(int argc, char **argv)
{
	struct buf *why = buf_new(256);
	int rc = 0;

	if (argc < 1)
		gannet_usage_error(MAP_USAGE);
	for (int i = 0; i < argc; i++) {
		buf_reset(why);
		if (map_check_text(argv[i], why) < 0)
			rc = 1;
		map_print_problems(why);
	}
	buf_free(&why);
	return rc;
}

/* gannet_cmd_map - dispatch */
int
gannet_cmd_map(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = {
	    {"build", map_cmd_build},
	    {"query", map_cmd_query},
	    {"dump", map_cmd_dump},
	    {"check", map_cmd_check},
	};

	if (argc < 2)
		gannet_usage_error(MAP_USAGE);
	map_load_config();
	for (size_t i = 0; i < NELEM(cmds); i++)
		if (strcmp(argv[1], cmds[i].name) == 0)
			return cmds[i].fn(argc - 2, argv + 2);
	gannet_usage_error(MAP_USAGE);
}
