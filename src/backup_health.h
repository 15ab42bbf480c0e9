/* The health of a backup chain before it is built on or restored from.
 *
 * libvirt 9.0 reports a checkpoint whose bitmap QEMU lost (killed with
 * SIGKILL: a bitmap created in that QEMU process was never stored in the
 * qcow2, one loaded from it stays flagged in-use and is loaded as
 * inconsistent) as existing, and its XML with VIR_DOMAIN_CHECKPOINT_XML_SIZE
 * simply lacks the disk's size; only virDomainBackupBegin then fails
 * ("checkpoint inconsistent: missing or broken bitmap"). While QEMU runs,
 * qemu-img sees every loaded bitmap as in-use and no bitmap created since
 * the start, so the image cannot tell; libvirt's size is the test it applies
 * itself (qemuBlockBitmapChainIsValid).
 *
 * Checkpoint metadata lost while the bitmaps stay in the images (virsh
 * checkpoint-delete --metadata, a transient domain started again, a domain
 * defined anew) is redefined from the XML every backup manifest keeps, with
 * VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE_VALIDATE: libvirt then checks that
 * the bitmaps are there and consistent. */
#pragma once

#include <libvirt/libvirt.h>
#include <stddef.h>

#include "bkmanifest.h"

/* Whether the checkpoint of chain[n - 1] (chain: a full backup and the
 * incrementals on it, oldest first) can serve an incremental backup of
 * targets[]. When libvirt lacks it, the chain's missing checkpoints are
 * redefined first, parents first (reported). Returns 1 with *changed (the
 * bytes changed since, libvirt's estimate), or 0 with *why. */
int backup_health_base(virDomainPtr dom, vs_backup *const *chain, size_t n, const char *const *targets,
                       size_t ntargets, char **why, unsigned long long *changed);

/* Before a restore: backup b and every backup below it in its chain verify
 * (backup_verify: images present, sizes, checksums, qemu-img check). Each
 * problem is reported, naming the image; returns their number. */
int backup_health_restorable(const char *store, const vs_backup *b);

/* A hint for a backup job's failure in the chain directory dir: when the
 * filesystem is (nearly) full, what to do about it; "" otherwise. */
char *backup_health_space_hint(const char *dir, const char *errmsg);
