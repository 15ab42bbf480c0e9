/* Backups that qemu-img copies instead of libvirt's backup job; always
 * full, without a checkpoint, so that they leave the job backups' chain
 * alone (the next job backup is still incremental on the last job backup).
 *
 * - method "snapshot" (backup create --method snapshot), running or paused
 *   domain: guest I/O frozen (--quiesce), one disk-only external snapshot
 *   onto pre-created temporary overlays
 *   <disk file minus its extension>.vs-backup-tmp-<id>.qcow2 beside each
 *   disk, thawed at once; each frozen file is then copied by qemu-img into
 *   a standalone sparse qcow2 image in the store, the overlays are folded
 *   back with an active commit and pivot (commit.c) and removed. libvirt
 *   copies the checkpoints' bitmaps into the overlays and the commit merges
 *   them back, so the checkpoints stay exact. Journal operation
 *   "snapshot-backup", steps overlays, snapshot (freeze=yes), copy, commit
 *   (with commit.c's start and pivot inside), remove, record.
 * - method "offline": a shut-off domain's disks copied by qemu-img, which
 *   holds each disk's lock while it reads (a start of the domain meanwhile
 *   fails). Consistency "offline". Journal operation "offline-backup",
 *   steps copy, record.
 *
 * `recover` brings the guest back onto its own disks (commit and pivot of
 * an overlay it still runs on, the overlays removed), then finishes the
 * backup when every image was copied, or removes the partial images. */
#pragma once

#include <libvirt/libvirt.h>
#include <stdbool.h>

#include "backup.h"
#include "ctx.h"
#include "journal.h"

/* backup_create() for req->method == VS_BACKUP_METHOD_SNAPSHOT or a
 * shut-off domain (the caller holds the domain's lock). */
int backup_copy_create(vs_ctx *ctx, virDomainPtr dom, const vs_backup_request *req, vs_backup **out);
/* recover for the operations "snapshot-backup" and "offline-backup". */
int backup_copy_recover(vs_ctx *ctx, vs_journal *j);
/* True when the snapshot backup journaled in j may have left the guest
 * frozen (its snapshot step begun, not done, with freeze=yes). */
bool backup_copy_journal_may_be_frozen(const vs_journal *j);

/* The temporary overlays' name: "vs-backup-tmp-<id>". */
#define VS_BACKUP_TMP_PREFIX "vs-backup-tmp-"
