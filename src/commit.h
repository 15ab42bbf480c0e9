/* Folding overlays back into their base (virt-state commit, and the delete
 * of a disk snapshot the domain still runs on).
 *
 * Running domain: one active block commit per disk (each overlay into its
 * immediate backing file), the ready events awaited from libvirt's event
 * loop, then a pivot of every disk; the live and persistent definitions are
 * checked to name the bases afterwards. When any disk fails before the
 * pivots, every job is cancelled and the domain stays on its overlays.
 * Shut-off domain: qemu-img commit of each overlay, then one redefinition
 * naming every base at once. */
#pragma once

#include <libvirt/libvirt.h>
#include <stdbool.h>

#include "ctx.h"
#include "journal.h"

typedef struct vs_commit_request {
    char *const *disks;          /* targets (NULL-terminated), or NULL: every disk with an overlay */
    bool keep_overlay;           /* leave the overlay files on disk */
    unsigned long bandwidth_mib; /* MiB/s, 0: unlimited */
    unsigned long timeout_s;     /* give up (and cancel) when not ready after this; 0: never */
    bool no_cancel;              /* an interrupting signal does not cancel the commit */
} vs_commit_request;

/* The caller holds the domain's lock. Returns 0, or -1 after reporting where
 * the domain stands. */
int commit_domain(vs_ctx *ctx, virDomainPtr dom, const vs_commit_request *req);
int commit_recover(vs_ctx *ctx, vs_journal *j);

/* For other operations (a snapshot backup's temporary overlays): folds
 * each tops[i], the current file of disk targets[i], into its backing file
 * bases[i] of format formats[i] and makes the domain run on the bases: an
 * active commit and pivot when it runs (ignoring interruptions), qemu-img
 * commit and a redefinition when it is shut off; disks already on their
 * base are only checked. The steps ("start", "pivot", "commit", "define")
 * are journaled in j. The tops are not removed. Returns 0, or -1 after
 * reporting. */
int commit_overlays(vs_ctx *ctx, virDomainPtr dom, size_t n, const char *const *targets, const char *const *tops,
                    const char *const *bases, const char *const *formats, vs_journal *j);
