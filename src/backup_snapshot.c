#include "config.h"
#include "backup_snapshot.h"
#include "backup_define.h"

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "commit.h"
#include "conn.h"
#include "digest.h"
#include "domain.h"
#include "job.h"
#include "qemuimg.h"
#include "quiesce.h"
#include "snapshot.h"
#include "store.h"
#include "util.h"

#define OP_SNAPSHOT "snapshot-backup"
#define OP_OFFLINE "offline-backup"
#define CHECKPOINT_PREFIX "virt-state-" /* as backup.c names its checkpoints */

typedef struct {
    char *id;
    bool offline;       /* method "offline", else "snapshot" */
    char *dir;          /* the chain's directory (the backup starts its own chain) */
    char *mpath;        /* its manifest */
    vs_snapshot *s;     /* the disks: target, overlay, backing (the disk's file), format, size */
    char **images;      /* per disk, the image's absolute path */
} cp_plan;

static void plan_clear(cp_plan *p)
{
    free(p->id);
    free(p->dir);
    free(p->mpath);
    manifest_snapshot_free(p->s);
    vs_strv_free(p->images);
    memset(p, 0, sizeof(*p));
}

static void plan_paths(vs_ctx *ctx, cp_plan *p)
{
    p->dir = backup_dir(ctx->store, p->s->domain, p->id);
    p->mpath = vs_asprintf("%s/%s%s", p->dir, p->id, VS_BK_MANIFEST_SUFFIX);
    size_t n = 0;
    for (size_t i = 0; i < p->s->ndisks; i++) {
        autofree char *name = bkmanifest_image_name(p->id, p->s->disks[i].target);
        vs_strv_push(&p->images, &n, vs_asprintf("%s/%s", p->dir, name));
    }
}

static void journal_plan(vs_journal *j, const cp_plan *p)
{
    char val[32];
    journal_set(j, "id", p->id);
    journal_set(j, "method", p->offline ? "offline" : "snapshot");
    journal_set_disk_count(j, p->s->ndisks);
    for (size_t i = 0; i < p->s->ndisks; i++) {
        const vs_snap_disk *d = &p->s->disks[i];
        journal_set_disk(j, i, "target", d->target);
        journal_set_disk(j, i, "overlay", d->overlay);
        journal_set_disk(j, i, "backing", d->backing);
        journal_set_disk(j, i, "format", d->backing_format);
        snprintf(val, sizeof(val), "%llu", d->virtual_size);
        journal_set_disk(j, i, "size", val);
    }
}

static void remove_overlays(const cp_plan *p)
{
    for (size_t i = 0; p->s && i < p->s->ndisks; i++)
        if (unlink(p->s->disks[i].overlay) == 0)
            vs_debug("removed %s", p->s->disks[i].overlay);
        else if (errno != ENOENT)
            vs_warn("cannot remove '%s': %s", p->s->disks[i].overlay, strerror(errno));
}

/* The images, the manifest if any, the chain's directory. */
static void remove_images(const cp_plan *p)
{
    for (char **i = p->images; i && *i; i++)
        if (unlink(*i) < 0 && errno != ENOENT)
            vs_warn("cannot remove '%s': %s", *i, strerror(errno));
    if (p->mpath)
        unlink(p->mpath);
    if (p->dir && rmdir(p->dir) < 0 && errno != ENOENT)
        vs_warn("cannot remove '%s': %s", p->dir, strerror(errno));
}

/* Fills b's disks from the images (made durable first) and writes the
 * manifest. */
static int record(const cp_plan *p, vs_backup *b)
{
    b->disks = vs_xcalloc(p->s->ndisks, sizeof(*b->disks));
    for (size_t i = 0; i < p->s->ndisks; i++) {
        vs_bk_disk *d = &b->disks[b->ndisks++];
        d->target = vs_xstrdup(p->s->disks[i].target);
        d->image = bkmanifest_image_name(p->id, d->target);
        d->virtual_size = p->s->disks[i].virtual_size;
    }
    if (backup_seal_images(p->images, b->disks, b->ndisks) < 0)
        return -1;
    b->bytes_copied = 0;
    for (size_t i = 0; i < b->ndisks; i++)
        b->bytes_copied += b->disks[i].bytes_written;
    if (store_fsync_dir(p->dir) < 0)
        return -1;
    b->complete = true;
    b->end = (long long)time(NULL);
    if (b->end < b->begin)
        b->end = b->begin;
    return bkmanifest_write(p->mpath, b);
}

static vs_backup *new_backup(const cp_plan *p, const char *uuid, const char *consistency, long long begin)
{
    vs_backup *b = vs_xcalloc(1, sizeof(*b));
    b->id = vs_xstrdup(p->id);
    b->chain = vs_xstrdup(p->id);
    b->domain = vs_xstrdup(p->s->domain);
    b->uuid = vs_xstrdup(uuid);
    b->method = vs_xstrdup(p->offline ? "offline" : "snapshot");
    b->consistency = vs_xstrdup(consistency);
    b->begin = begin;
    b->end = begin;
    b->frozen_us = -1;
    return b;
}

/* Copies each disk's (frozen) file into its image. */
static int copy_disks(const cp_plan *p)
{
    for (size_t i = 0; i < p->s->ndisks; i++) {
        const vs_snap_disk *d = &p->s->disks[i];
        if (job_interrupted())
            return vs_error("interrupted; no backup taken");
        autofree char *label = vs_asprintf("copying disk %s (%s)", d->target, d->backing);
        vs_debug("%s into %s", label, p->images[i]);
        if (qemuimg_copy(d->backing, d->backing_format, p->images[i], !p->offline, label) < 0)
            return -1;
    }
    return job_interrupted() ? vs_error("interrupted; no backup taken") : 0;
}

/* Folds the temporary overlays of the disks that run on them back into
 * the disks' files (live or persistent definition naming the overlay). */
static int back_on_disks(vs_ctx *ctx, virDomainPtr dom, const cp_plan *p, vs_journal *j, size_t *folded)
{
    bool active = virDomainIsActive(dom) == 1;
    vs_disk *live = NULL, *inact = NULL;
    size_t nl = 0, ni = 0;
    *folded = 0;
    if (active && domain_disks(dom, false, &live, &nl) < 0)
        return -1;
    if (virDomainIsPersistent(dom) == 1 && domain_disks(dom, true, &inact, &ni) < 0) {
        domain_disks_free(live, nl);
        return -1;
    }
    size_t n = p->s->ndisks, k = 0;
    const char **t = vs_xcalloc(n, sizeof(char *)), **o = vs_xcalloc(n, sizeof(char *)),
               **b = vs_xcalloc(n, sizeof(char *)), **f = vs_xcalloc(n, sizeof(char *));
    for (size_t i = 0; i < n; i++) {
        const vs_snap_disk *d = &p->s->disks[i];
        const vs_disk *l = domain_disk_find(live, nl, d->target), *x = domain_disk_find(inact, ni, d->target);
        if ((l && vs_streq(l->source, d->overlay)) || (x && vs_streq(x->source, d->overlay))) {
            t[k] = d->target, o[k] = d->overlay, b[k] = d->backing, f[k] = d->backing_format;
            k++;
        }
    }
    domain_disks_free(live, nl);
    domain_disks_free(inact, ni);
    int rc = 0;
    if (k) {
        vs_debug("committing %zu temporary overlay%s of '%s'", k, k == 1 ? "" : "s", virDomainGetName(dom));
        rc = commit_overlays(ctx, dom, k, t, o, b, f, j);
    }
    free(t), free(o), free(b), free(f);
    *folded = k;
    return rc;
}

/* ---- create ---------------------------------------------------------------- */

static int run_snapshot(vs_ctx *ctx, virDomainPtr dom, const vs_backup_request *req, cp_plan *p, vs_backup **out,
                        bool running)
{
    const char *dname = virDomainGetName(dom);
    autofree char *ddir = store_domain_dir(ctx->store, dname);
    autojournal vs_journal *j = ddir ? journal_begin(ddir, OP_SNAPSHOT, dname, p->s->uuid) : NULL;
    if (!j)
        return -1;
    journal_plan(j, p);
    bool freezing = running && req->quiesce != VS_QUIESCE_OFF;
    journal_set(j, "freeze", freezing ? "yes" : "no");

    job_signals_install();
    size_t made = 0;
    vs_freeze *frozen = NULL;
    bool quiesced = false, copied = false;
    long long frozen_us = -1;
    autofree char *xml = NULL, *why = NULL;
    autobackup vs_backup *b = NULL;
    size_t folded = 0;
    long long begin = 0;
    char val[32];
    virDomainSnapshotPtr snap = NULL;

    if (journal_step(j, "overlays") < 0 || store_mkdirs(p->dir) < 0)
        goto rollback;
    for (; made < p->s->ndisks; made++) {
        vs_snap_disk *d = &p->s->disks[made];
        if (job_interrupted() ||
            qemuimg_create_overlay(d->overlay, d->backing, d->backing_format, d->virtual_size) < 0)
            goto rollback;
    }
    if (journal_step_done(j, "overlays") < 0 || job_interrupted())
        goto rollback;
    {
        const char **t = vs_xcalloc(p->s->ndisks, sizeof(char *)), **o = vs_xcalloc(p->s->ndisks, sizeof(char *));
        for (size_t i = 0; i < p->s->ndisks; i++)
            t[i] = p->s->disks[i].target, o[i] = p->s->disks[i].overlay;
        xml = snapshot_libvirt_xml(dom, false, p->s->name, NULL, p->s->ndisks, t, o);
        free(t), free(o);
    }
    if (!xml)
        goto rollback;

    /* Nothing is journaled while the guest is frozen: the step is begun
     * before the freeze and done after the thaw (freeze=yes tells recovery
     * to thaw). */
    begin = (long long)time(NULL);
    snprintf(val, sizeof(val), "%lld", begin);
    journal_set(j, "begin-time", val);
    if (journal_step(j, "snapshot") < 0)
        goto rollback;
    if (freezing) {
        autofree char *crash = vs_asprintf("the backup of '%s' is only crash-consistent", dname);
        if (quiesce_freeze_by_policy(ctx, dom, req->quiesce, "backup", crash, &frozen, &quiesced) < 0)
            goto rollback;
    }
    if (job_interrupted())
        goto rollback;
    unsigned flags = VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY | VIR_DOMAIN_SNAPSHOT_CREATE_REUSE_EXT |
                     VIR_DOMAIN_SNAPSHOT_CREATE_NO_METADATA | VIR_DOMAIN_SNAPSHOT_CREATE_ATOMIC;
    snap = virDomainSnapshotCreateXML(dom, xml, flags);
    why = snap ? NULL : vs_xstrdup(conn_last_error());
    if (frozen) {
        int trc = quiesce_thaw(frozen);
        frozen = NULL;
        if (trc == 0)
            frozen_us = quiesce_last_frozen_us();
    }
    if (!snap) {
        vs_error("libvirt could not take the temporary snapshot of '%s': %s", dname, why);
        goto rollback;
    }
    virDomainSnapshotFree(snap);
    journal_set(j, "quiesced", quiesced ? "yes" : "no");
    if (journal_step_done(j, "snapshot") < 0)
        goto unwind;

    /* The guest runs on the overlays: copy the frozen files. A failure or
     * an interruption from here still folds the overlays back. */
    if (journal_step(j, "copy") < 0)
        goto unwind;
    if (copy_disks(p) < 0)
        goto unwind;
    if (journal_step_done(j, "copy") < 0)
        goto unwind;
    copied = true;

unwind:
    if (journal_step(j, "commit") < 0 || back_on_disks(ctx, dom, p, j, &folded) < 0 ||
        journal_step_done(j, "commit") < 0) {
        job_signals_restore();
        vs_error("domain '%s' may still run on the temporary overlays of the backup; run 'virt-state recover %s'",
                 dname, dname);
        return -1;
    }
    if (journal_step(j, "remove") < 0)
        goto unrecorded;
    remove_overlays(p);
    journal_step_done(j, "remove");
    if (!copied) {
        if (job_interrupted())
            vs_error("interrupted; no backup taken, '%s' runs on its own disks", dname);
        remove_images(p);
        job_signals_restore();
        journal_finish(j);
        return -1;
    }
    b = new_backup(p, p->s->uuid, quiesced ? "quiesced" : "crash-consistent", begin);
    b->frozen_us = frozen_us;
    b->domain_xml = backup_domain_xml(dom); /* on its own disks again: what --define builds on */
    if (journal_step(j, "record") < 0 || record(p, b) < 0 || journal_step_done(j, "record") < 0)
        goto unrecorded;
    job_signals_restore();
    journal_finish(j);
    *out = vs_steal(&b);
    return 0;

unrecorded:
    job_signals_restore();
    vs_error("the backup's images were copied but its record was not written; run 'virt-state recover %s'", dname);
    return -1;

rollback:
    if (frozen)
        quiesce_thaw(frozen);
    job_signals_restore();
    if (job_interrupted())
        vs_error("interrupted; no backup taken, '%s' is unchanged", dname);
    for (size_t i = 0; i < made; i++)
        unlink(p->s->disks[i].overlay);
    remove_images(p);
    journal_finish(j);
    return -1;
}

static int run_offline(vs_ctx *ctx, virDomainPtr dom, cp_plan *p, vs_backup **out)
{
    const char *dname = virDomainGetName(dom);
    autofree char *ddir = store_domain_dir(ctx->store, dname);
    autojournal vs_journal *j = ddir ? journal_begin(ddir, OP_OFFLINE, dname, p->s->uuid) : NULL;
    if (!j)
        return -1;
    journal_plan(j, p);
    long long begin = (long long)time(NULL);
    char val[32];
    snprintf(val, sizeof(val), "%lld", begin);
    journal_set(j, "begin-time", val);

    job_signals_install();
    autobackup vs_backup *b = NULL;
    if (journal_step(j, "copy") < 0 || store_mkdirs(p->dir) < 0 || copy_disks(p) < 0 ||
        journal_step_done(j, "copy") < 0) {
        job_signals_restore();
        remove_images(p);
        journal_finish(j);
        return -1;
    }
    b = new_backup(p, p->s->uuid, "offline", begin);
    b->domain_xml = backup_domain_xml(dom);
    if (journal_step(j, "record") < 0 || record(p, b) < 0 || journal_step_done(j, "record") < 0) {
        job_signals_restore();
        vs_error("the backup's images were copied but its record was not written; run 'virt-state recover %s'",
                 dname);
        return -1;
    }
    job_signals_restore();
    journal_finish(j);
    *out = vs_steal(&b);
    return 0;
}

int backup_copy_create(vs_ctx *ctx, virDomainPtr dom, const vs_backup_request *req, vs_backup **out)
{
    const char *dname = virDomainGetName(dom);
    int state = domain_state(dom);
    if (state < 0)
        return -1;
    bool offline = state == VIR_DOMAIN_SHUTOFF;
    bool running = state == VIR_DOMAIN_RUNNING || state == VIR_DOMAIN_BLOCKED;
    if (!offline && !running && state != VIR_DOMAIN_PAUSED)
        return vs_error("domain '%s' is %s; a backup needs it running, paused or shut off", dname,
                        domain_state_name(state));
    if (req->kind == VS_BACKUP_INCREMENTAL)
        return offline ? vs_error("--incremental: domain '%s' is shut off; a shut-off domain is backed up in full "
                                  "only (no backup job records its changes); leave out --incremental",
                                  dname)
                       : vs_error("--incremental: a --method snapshot backup is always full (it creates no "
                                  "checkpoint); use --method job for an incremental backup");
    if (!offline && !running && req->quiesce == VS_QUIESCE_REQUIRED)
        return vs_error("--quiesce required: domain '%s' is %s, its guest agent cannot freeze anything; no backup "
                        "taken",
                        dname, domain_state_name(state));
    if (req->kind == VS_BACKUP_FULL)
        vs_info("full %s backup of '%s' (--full)", offline ? "offline" : "snapshot", dname);
    else if (offline)
        vs_info("full backup of '%s': it is shut off, its disks are copied offline (always a full backup)", dname);
    else
        vs_info("full backup of '%s': --method snapshot backups are always full (they create no checkpoint)", dname);
    if (offline && req->quiesce == VS_QUIESCE_REQUIRED)
        vs_info("domain '%s' is shut off: its disks are consistent without quiescing", dname);

    cp_plan p = {0};
    int ret = -1;
    p.offline = offline;
    p.id = backup_new_id(ctx->store, dom);
    p.s = vs_xcalloc(1, sizeof(*p.s));
    p.s->name = vs_asprintf(VS_BACKUP_TMP_PREFIX "%s", p.id);
    p.s->domain = vs_xstrdup(dname);
    p.s->uuid = domain_uuid_string(dom);
    vs_snapshot_request sreq = {.name = p.s->name, .disks = req->disks};
    if (!p.s->uuid || snapshot_plan_disks(dom, &sreq, !offline, p.s) < 0)
        goto out;
    plan_paths(ctx, &p);
    ret = offline ? run_offline(ctx, dom, &p, out) : run_snapshot(ctx, dom, req, &p, out, running);
out:
    plan_clear(&p);
    return ret;
}

/* ---- recovery ---------------------------------------------------------------- */

bool backup_copy_journal_may_be_frozen(const vs_journal *j)
{
    return vs_streq(journal_operation(j), OP_SNAPSHOT) && vs_streq(journal_get(j, "freeze"), "yes") &&
           journal_step_state(j, "snapshot") == VS_STEP_BEGUN;
}

/* The plan a journal recorded; every name and path checked: the overlays
 * must be this backup's temporary files, nothing else is ever removed. */
static int plan_from_journal(vs_ctx *ctx, const vs_journal *j, cp_plan *p)
{
    const char *id = journal_get(j, "id");
    size_t n = journal_disk_count(j, "the backup");
    if (n == 0)
        return -1;
    if (!id || !vs_name_is_safe(id))
        return vs_error("journal '%s' names an unsafe backup id", journal_path(j));
    p->id = vs_xstrdup(id);
    p->offline = vs_streq(journal_operation(j), OP_OFFLINE);
    p->s = vs_xcalloc(1, sizeof(*p->s));
    p->s->name = vs_asprintf(VS_BACKUP_TMP_PREFIX "%s", id);
    p->s->domain = vs_xstrdup(journal_domain(j));
    p->s->uuid = vs_xstrdup(journal_uuid(j) ? journal_uuid(j) : "");
    p->s->disks = vs_xcalloc(n, sizeof(*p->s->disks));
    autofree char *suffix = vs_asprintf("." VS_BACKUP_TMP_PREFIX "%s.qcow2", id);
    for (size_t i = 0; i < n; i++) {
        const char *t = journal_get_disk(j, i, "target"), *o = journal_get_disk(j, i, "overlay");
        const char *bk = journal_get_disk(j, i, "backing"), *f = journal_get_disk(j, i, "format");
        const char *sz = journal_get_disk(j, i, "size");
        size_t ol = o ? strlen(o) : 0;
        if (!t || !vs_name_is_safe(t) || strchr(t, '.') || !o || o[0] != '/' || strstr(o, "/../") || !bk ||
            bk[0] != '/' || !f || ol <= strlen(suffix) || strcmp(o + ol - strlen(suffix), suffix) != 0)
            return vs_error("journal '%s' has an incomplete disk entry", journal_path(j));
        vs_snap_disk *d = &p->s->disks[p->s->ndisks++];
        d->target = vs_xstrdup(t);
        d->overlay = vs_xstrdup(o);
        d->backing = vs_xstrdup(bk);
        d->backing_format = vs_xstrdup(f);
        d->virtual_size = sz ? strtoull(sz, NULL, 10) : 0;
    }
    plan_paths(ctx, p);
    return 0;
}

int backup_copy_recover(vs_ctx *ctx, vs_journal *j)
{
    const char *dname = journal_domain(j);
    cp_plan p = {0};
    int ret = -1;
    autodomain virDomainPtr dom = NULL;
    autobackup vs_backup *b = NULL;
    if (plan_from_journal(ctx, j, &p) < 0)
        goto out;
    dom = journal_uuid(j) ? virDomainLookupByUUIDString(ctx->conn, journal_uuid(j)) : NULL;
    if (!dom) {
        vs_error("domain '%s' (%s) no longer exists; journal '%s' left for inspection", dname,
                 journal_uuid(j) ? journal_uuid(j) : "no UUID", journal_path(j));
        goto out;
    }
    if (!p.offline) {
        /* First the guest: a freeze without its thaw hangs it. */
        if (backup_copy_journal_may_be_frozen(j) && virDomainIsActive(dom) == 1) {
            int thawed = quiesce_thaw_domain(dom);
            if (thawed > 0)
                vs_warn("the interrupted backup had left '%s' frozen; thawed %d filesystem%s", dname, thawed,
                        thawed == 1 ? "" : "s");
        }
        /* A snapshot the killed process asked for goes on in the daemon. */
        if (journal_step_state(j, "snapshot") == VS_STEP_BEGUN)
            job_wait_idle(dom);
        /* Then its disks: never left on the temporary overlays. */
        size_t folded = 0;
        if (back_on_disks(ctx, dom, &p, j, &folded) < 0) {
            vs_error("domain '%s' still runs on the temporary overlays of backup '%s'; journal '%s' left, run "
                     "'virt-state recover %s' again",
                     dname, p.id, journal_path(j), dname);
            goto out;
        }
        if (folded)
            vs_info("domain '%s' runs on its own disks again: the temporary overlays of %zu disk%s were committed",
                    dname, folded, folded == 1 ? "" : "s");
        remove_overlays(&p);
    }
    if (journal_step_state(j, "record") == VS_STEP_DONE && access(p.mpath, F_OK) == 0) {
        vs_info("the interrupted backup '%s' of '%s' was complete", p.id, dname);
        ret = journal_finish(j);
        goto out;
    }
    bool copied = journal_step_state(j, "copy") == VS_STEP_DONE;
    for (size_t i = 0; copied && i < p.s->ndisks; i++)
        copied = access(p.images[i], R_OK) == 0;
    if (copied) {
        const char *bt = journal_get(j, "begin-time");
        unsigned long v = 0;
        long long now = (long long)time(NULL);
        long long begin = bt && vs_parse_ulong(bt, (unsigned long)now, &v) == 0 ? (long long)v : now;
        /* Killed between the freeze and the end of its step, it is not
         * known whether the freeze held: say crash-consistent. */
        const char *cons = p.offline ? "offline"
                           : vs_streq(journal_get(j, "quiesced"), "yes") ? "quiesced"
                                                                        : "crash-consistent";
        b = new_backup(&p, journal_uuid(j), cons, begin);
        unlink(p.mpath);
        if (record(&p, b) < 0)
            goto out;
        vs_info("finished the interrupted backup '%s' of '%s' (full, %s, method %s)", p.id, dname, cons,
                b->method);
        ret = journal_finish(j);
        goto out;
    }
    remove_images(&p);
    vs_info("rolled back the interrupted %s backup '%s' of '%s': removed its partial images",
            p.offline ? "offline" : "snapshot", p.id, dname);
    ret = journal_finish(j);
out:
    plan_clear(&p);
    return ret;
}
