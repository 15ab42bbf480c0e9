/* Going back to a disk snapshot on libvirt 9.0, which cannot revert
 * external snapshots itself: the domain is shut off (or stopped with
 * --force), a fresh overlay is created on each frozen backing file, and the
 * persistent definition is rewritten to name them in one define. The files
 * the domain used before stay (the abandoned branch) unless asked. */
#pragma once

#include <libvirt/libvirt.h>
#include <stdbool.h>

#include "ctx.h"
#include "journal.h"

typedef struct vs_revert_request {
    const char *name;
    bool force;           /* stop (destroy) a running domain first */
    bool start;           /* start the domain afterwards */
    bool discard_current; /* remove the abandoned overlays no snapshot refers to */
} vs_revert_request;

int revert_domain(vs_ctx *ctx, virDomainPtr dom, const vs_revert_request *req);
int revert_recover(vs_ctx *ctx, vs_journal *j);
