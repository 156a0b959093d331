/*
 * l2pwctl's human views of the status documents (see l2pwctl(8)): the
 * `status` table and the `monitor` key: value block.  They read the JSON
 * leniently (a missing key shows as "" or 0) so a newer or older daemon
 * still displays.
 */
#ifndef L2PW_CTL_VIEW_H
#define L2PW_CTL_VIEW_H

#include <stdio.h>

#include <jansson.h>

/*
 * One line naming the site, then a table of doc's "interfaces", columns
 * sized to their content.  Returns -1 (printing nothing) when doc has no
 * "interfaces" list, or on allocation failure.
 */
int ctl_view_status(FILE *out, const json_t *doc);
/* The interface object iface as right-aligned "key: value" lines. */
void ctl_view_monitor(FILE *out, const json_t *iface);

#endif
