/* libvirt checkpoints as far as restore points and reverts need them: after
 * a revert, a checkpoint whose bitmap the new top images lack (it was made
 * after the point, or its bitmap was lost) cannot serve an incremental
 * backup, and libvirt 9.0 refuses or, worse, accepts it with wrong data
 * (docs/research/restore-points-and-checkpoints.md). Its metadata goes. */
#pragma once

#include <libvirt/libvirt.h>
#include <stddef.h>

/* For each checkpoint of dom, children first: when a disk of targets[]
 * that the checkpoint records with a bitmap has no bitmap of that name in
 * images[] (the disk's new top image), the checkpoint's metadata is
 * deleted (VIR_DOMAIN_CHECKPOINT_DELETE_METADATA_ONLY: never the bitmaps,
 * which may live in frozen files). Reports each. Returns how many went, or
 * -1 after reporting. */
int checkpoint_drop_missing(virDomainPtr dom, size_t n, const char *const *targets, const char *const *images);
