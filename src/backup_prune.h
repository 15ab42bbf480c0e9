/* Pruning backups by a retention policy, as restic and borg do: keep the
 * N newest backups, and the newest backup of each of the last N days, ISO
 * weeks and months that have backups (local time). A kept incremental
 * keeps every backup below it in its chain (its images are its backing
 * files); incomplete backups are always removable. Only the checkpoints
 * that a future incremental can build on stay: that of the newest kept
 * backup (a pull export's base) and that of the newest kept push backup
 * (a push backup's base); those of the other backups go, and only ever a
 * checkpoint virt-state created (virt-state-<id>, named by its manifest).
 *
 * The removal is journaled (op "backup-prune"): the plan first, then each
 * checkpoint, then each backup, newest first, manifest before images, so a
 * half-removed backup is never listed; `recover` finishes it. */
#pragma once

#include <libvirt/libvirt.h>
#include <stdbool.h>
#include <stddef.h>

#include "bkmanifest.h"
#include "ctx.h"
#include "journal.h"

typedef struct vs_prune_policy {
    unsigned long last, daily, weekly, monthly; /* 0: that rule is not used */
} vs_prune_policy;

/* Why a backup is kept (a bit set); 0: it goes. */
enum {
    VS_PRUNE_LAST = 1 << 0,
    VS_PRUNE_DAILY = 1 << 1,
    VS_PRUNE_WEEKLY = 1 << 2,
    VS_PRUNE_MONTHLY = 1 << 3,
    VS_PRUNE_BASE = 1 << 4, /* a kept backup builds on it */
};

typedef struct vs_prune_item {
    /* in */
    const char *id, *chain, *parent; /* parent NULL for a full backup */
    long long time;                  /* Unix time the backup began */
    bool complete, pull;
    bool checkpoint; /* it has one (snapshot and offline backups have none) */
    /* out */
    unsigned keep;        /* VS_PRUNE_* reasons, 0 when removed */
    bool keep_checkpoint; /* its checkpoint can serve the next incremental */
} vs_prune_item;

/* The selection, a pure function of the items (oldest first) and the
 * policy; days, weeks and months in the local time zone. */
void prune_select(vs_prune_item *items, size_t n, const vs_prune_policy *policy);
/* "last, daily, base of a kept backup" for the reasons set (static text
 * in buf). */
const char *prune_reasons(unsigned keep, char *buf, size_t len);

/* What happens to one backup's checkpoint. */
typedef enum {
    VS_PRUNE_CP_NONE = 0,   /* not in libvirt, or not one virt-state created for this domain */
    VS_PRUNE_CP_KEEP,       /* stays: the next incremental builds on it */
    VS_PRUNE_CP_DELETE,     /* deleted with its bitmaps */
    VS_PRUNE_CP_METADATA,   /* only its metadata is deleted (see note) */
} vs_prune_cp;

typedef struct vs_prune_entry {
    vs_backup *b;
    unsigned keep;
    char **images;   /* absolute paths, NULL-terminated (NULL for pull backups) */
    vs_prune_cp cp;
    char *cp_note;   /* why metadata only, or why the checkpoint is left alone */
} vs_prune_entry;

typedef struct vs_prune_result {
    bool dry_run;
    size_t n;
    vs_prune_entry *e; /* oldest first */
} vs_prune_result;

void prune_result_clear(vs_prune_result *r);

/* Prunes the backups of dom (the caller holds the domain's lock) by the
 * policy, or with dry_run only says what it would do. *r says what was
 * (or would be) removed and kept. Returns 0, or -1 after reporting (with
 * a journal for `recover` when something was left half done). */
int backup_prune(vs_ctx *ctx, virDomainPtr dom, const vs_prune_policy *policy, bool dry_run, vs_prune_result *r);
int backup_prune_recover(vs_ctx *ctx, vs_journal *j);
