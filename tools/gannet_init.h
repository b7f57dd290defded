/*
 * gannet_init.h - what `gannet init` knows, for the steps that other parts
 * of the suite add to it (accounts add the --demo domain and users, ...).
 */
#ifndef TOOLS_GANNET_INIT_H
#define TOOLS_GANNET_INIT_H
#include "util/sys_defs.h"

struct buf;

struct init_opts {
	const char *dir;      /* absolute instance directory */
	const char *hostname; /* myhostname */
	int port_base;        /* 0: standard ports */
	bool demo;            /* --demo */
};

/* init_hooks_run - run every registered step after the tree exists and
 * the configuration is loaded; 0, or -1 with why */
int init_hooks_run(const struct init_opts *o, struct buf *why);
/* init_hooks_have - true when another area registered a step */
bool init_hooks_have(void);

#endif /* TOOLS_GANNET_INIT_H */
