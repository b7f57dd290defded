/*
 * params_map.c - parameters of the map layer. Map files are written by the
 * operator, but some are generated from data that came from elsewhere, so
 * the length of one logical line is bounded like any other input.
 */
#include "util/sys_defs.h"

#include "mail/cfg.h"
#include "mail/params_map.h"

long var_map_line_length_limit;

const struct cfg_param params_map[] = {
    CFG_SIZE("map_line_length_limit", "64k", &var_map_line_length_limit, 256,
        16L * 1024 * 1024),
    CFG_END,
};
