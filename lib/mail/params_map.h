/*
 * params_map.h - parameters of the map layer (lib/mail/map*.c).
 */
#ifndef MAIL_PARAMS_MAP_H
#define MAIL_PARAMS_MAP_H
#include "mail/cfg.h"

extern const struct cfg_param params_map[];
extern long var_map_line_length_limit; /* map_line_length_limit */

#endif /* MAIL_PARAMS_MAP_H */
