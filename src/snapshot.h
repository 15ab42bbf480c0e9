/* External disk-only snapshots (disk-snapshot create/list/show/delete): the
 * overlays are created ahead, guest I/O is frozen through the agent only
 * around libvirt's snapshot call, and the snapshot's manifest lives in
 * <store>/<domain>/disk-snapshots/<name>/manifest.xml. libvirt keeps no
 * snapshot metadata of its own (it cannot revert or delete external
 * snapshots reliably in 9.0): the manifest is the record. */
#pragma once

#include <libvirt/libvirt.h>
#include <stdbool.h>

#include "ctx.h"
#include "journal.h"
#include "manifest.h"
#include "quiesce.h"


typedef struct vs_snapshot_request {
    const char *name;
    char *const *disks; /* targets (NULL-terminated), or NULL for every disk */
    vs_quiesce_policy quiesce;
    const char *description;
} vs_snapshot_request;

/* Takes the snapshot (the caller holds the domain's lock). *out is the
 * manifest written. Returns 0, or -1 after reporting (nothing left behind,
 * or a journal for `recover` when even the rollback failed). */
int snapshot_create(vs_ctx *ctx, virDomainPtr dom, const vs_snapshot_request *req, vs_snapshot **out);
int snapshot_create_recover(vs_ctx *ctx, vs_journal *j);
/* True when the operation journaled in j died while the guest may have
 * been frozen by it (between its freeze and its thaw). */
bool snapshot_journal_may_be_frozen(const vs_journal *j);

/* <store>/<domain>/disk-snapshots[/<name>[/manifest.xml]] */
char *snapshot_dir(const char *store, const char *domain, const char *name);
char *snapshot_manifest_path(const char *store, const char *domain, const char *name);
/* Names of the domain's disk snapshots (directories with a manifest), sorted. */
char **snapshot_names(const char *store, const char *domain);
/* True when 'name' is taken by a disk snapshot or a restore point. */
bool snapshot_name_taken(const char *store, const char *domain, const char *name);
/* Loads and validates one snapshot's manifest; NULL after reporting. */
vs_snapshot *snapshot_load(const char *store, const char *domain, const char *name);
/* Removes a snapshot's record (manifest and directory), durably. */
int snapshot_forget(const char *store, const char *domain, const char *name);
/* Forgets every snapshot whose frozen backing file is one of 'bases' (a
 * commit wrote into them: their frozen state is gone). Reports each. */
void snapshot_forget_frozen_in(const char *store, const char *domain, char *const *bases, size_t n);

/* "<dir>/<stem>.<name>.qcow2" beside a disk's current file. */
char *snapshot_overlay_path(const char *source, const char *name);
/* Checks the request's disks against the domain (every writable file disk
 * when req->disks is NULL; read-only disks and CD-ROMs left out) and fills
 * s->disks with their targets, overlays to create, frozen files, formats
 * and sizes. Returns 0, or -1 after reporting. */
int snapshot_plan_disks(virDomainPtr dom, const vs_snapshot_request *req, bool active, vs_snapshot *s);
/* libvirt's snapshot XML: memory external into 'memory' (none when NULL),
 * each targets[i] external onto the pre-created overlays[i], and every other
 * disk of the definition (live, or inactive) explicitly left alone (libvirt
 * would snapshot a disk the XML does not name). NULL after reporting. */
char *snapshot_libvirt_xml(virDomainPtr dom, bool inactive, const char *name, const char *memory, size_t n,
                           const char *const *targets, const char *const *overlays);
