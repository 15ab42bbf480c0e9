/* Backups (push mode, libvirt backup job): full and incremental on libvirt
 * checkpoints, one checkpoint per backup named virt-state-<id>. Images and
 * manifests live in <store>/<domain>/backups/<chain>/, a chain being a full
 * backup and the incrementals on it; each incremental image has the
 * previous backup's image of its disk as backing file (a plain name in the
 * chain's directory), so qemu-img reads every backup directly. */
#pragma once

#include <libvirt/libvirt.h>
#include <stdbool.h>

#include "bkmanifest.h"
#include "ctx.h"
#include "journal.h"
#include "snapshot.h"

/* <store>/<domain>/backups[/<chain>] */
char *backup_dir(const char *store, const char *domain, const char *chain);
/* Every backup of the domain whose manifest loads, oldest first; each
 * manifest that does not load is reported and counted in *bad. */
vs_backup **backup_load_all(const char *store, const char *domain, size_t *n, int *bad);
void backup_free_all(vs_backup **all, size_t n);
/* One backup by id; NULL after reporting. */
vs_backup *backup_load(const char *store, const char *domain, const char *id);
/* A new backup id: the UTC time, with "-2", "-3"... while a backup, chain
 * or checkpoint of that name exists. */
char *backup_new_id(const char *store, virDomainPtr dom);
/* The ids of the domain's backups (completion), oldest first. */
char **backup_ids(const char *store, const char *domain);

typedef enum { VS_BACKUP_AUTO = 0, VS_BACKUP_FULL, VS_BACKUP_INCREMENTAL } vs_backup_kind;

struct vs_pull_opts;

typedef enum { VS_BACKUP_METHOD_JOB = 0, VS_BACKUP_METHOD_SNAPSHOT } vs_backup_method;

typedef struct vs_backup_request {
    vs_backup_kind kind;
    char *const *disks; /* targets (NULL-terminated), or NULL for every writable disk */
    vs_quiesce_policy quiesce;
    const struct vs_pull_opts *pull; /* pull mode (backup_pull.h), or NULL for push */
    vs_backup_method method;         /* snapshot: backup_snapshot.c (so are shut-off domains) */
} vs_backup_request;

/* Takes a backup of a running domain (the caller holds the domain's lock).
 * *out is the manifest written. Returns 0, or -1 after reporting (nothing
 * left behind, or a journal for `recover`). */
int backup_create(vs_ctx *ctx, virDomainPtr dom, const vs_backup_request *req, vs_backup **out);
int backup_recover(vs_ctx *ctx, vs_journal *j);
/* True when the backup journaled in j may have left the guest frozen. */
bool backup_journal_may_be_frozen(const vs_journal *j);

/* Makes n finished backup images durable (0600, fsync) and fills each
 * disk's bytes_written, image_sha256 and image_size, hashing the images at
 * once on parallel threads. Returns 0, or -1 after reporting. */
int backup_seal_images(char *const *images, vs_bk_disk *disks, size_t n);

/* Checks a backup's images against the manifest (size, SHA-256 streamed
 * with flat memory, qemu-img check) and that its parents are there. Each
 * problem is reported, naming the image; returns their number. */
int backup_verify(const char *store, const vs_backup *b, bool progress);

/* Writes standalone sparse qcow2 images of backup b, one per disk
 * (<dir>/<target>.qcow2), into the existing empty directory dir. *paths
 * receives their paths. Returns 0, or -1 after reporting (nothing left). */
int backup_restore(const char *store, const vs_backup *b, const char *dir, char ***paths);
