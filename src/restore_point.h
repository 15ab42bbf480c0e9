/* Restore points: the guest's memory and every disk captured at one
 * instant (libvirt 9.0 external snapshot with a memory image, no libvirt
 * metadata), recorded by a manifest in <store>/<domain>/restore-points/<name>/
 * beside memory.img and domain.xml; verify, delete and revert on libvirt
 * versions that cannot revert external snapshots themselves.
 *
 * A point freezes one file per disk (the disk's state at the point); the
 * domain goes on in a new overlay. Points form a tree: a point's parent is
 * the nearest point whose frozen file lies in the disk's backing chain. */
#pragma once

#include <libvirt/libvirt.h>
#include <stdbool.h>

#include "ctx.h"
#include "journal.h"
#include "rpmanifest.h"
#include "snapshot.h"

/* <store>/<domain>/restore-points[/<name>[/<file>]] */
char *rp_dir(const char *store, const char *domain, const char *name);
char *rp_path(const char *store, const char *domain, const char *name, const char *file);
/* Names of the domain's points (directories with a manifest), sorted. */
char **rp_names(const char *store, const char *domain);
/* Loads and validates a point's manifest; NULL after reporting. */
vs_restore_point *rp_load(const char *store, const char *domain, const char *name);

/* A plan for --dry-run: the steps an operation would take. */
typedef struct vs_plan {
    char **steps;
    size_t n;
} vs_plan;
void plan_add(vs_plan *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints the plan (text, or JSON with ctx->json) and frees it. */
void plan_print(vs_ctx *ctx, vs_plan *p, const char *what);

typedef struct vs_rp_request {
    const char *name;
    bool live;
    vs_quiesce_policy quiesce;
    const char *description;
    bool dry_run;
} vs_rp_request;

int rp_create(vs_ctx *ctx, virDomainPtr dom, const vs_rp_request *req, vs_restore_point **out);
int rp_create_recover(vs_ctx *ctx, vs_journal *j);
/* True when the operation journaled in j may have left the guest frozen. */
bool rp_journal_may_be_frozen(const vs_journal *j);

/* Checks the point: its memory image and definition against their
 * checksums, every frozen file against its recorded identity, every chain
 * below them readable. Each problem is reported; returns their number (0:
 * the point is good). 'progress' shows hashing on a terminal. */
int rp_verify(const char *store, const vs_restore_point *p, bool progress);

/* Deletes a point. Its memory image and definition go; its disk files stay
 * while anything else needs them, and the overlay the domain still runs on
 * is merged into the point's frozen file when nothing else refers to
 * either. Children's manifests name the deleted point's parent. */
int rp_delete(vs_ctx *ctx, virDomainPtr dom, const char *name, bool dry_run);
int rp_delete_recover(vs_ctx *ctx, vs_journal *j);

typedef enum { VS_RUN_AS_POINT = 0, VS_RUN_RUNNING, VS_RUN_PAUSED } vs_run_state;
typedef struct vs_rp_revert_request {
    const char *name;
    vs_run_state run;
    bool discard_current; /* no pre-revert point; the abandoned overlays are removed */
    bool dry_run;
} vs_rp_revert_request;

int rp_revert(vs_ctx *ctx, virDomainPtr dom, const vs_rp_revert_request *req);
int rp_revert_recover(vs_ctx *ctx, vs_journal *j);

/* True when 'path' is the frozen file of some restore point of the domain
 * (a commit must not write into it). *who receives the point's name. */
bool rp_freezes(const char *store, const char *domain, const char *path, char **who);
/* True when some restore point or disk snapshot of the domain names 'path'
 * as a frozen file or an overlay. */
bool rp_file_referenced(const char *store, const char *domain, const char *path);
