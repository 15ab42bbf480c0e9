#include "config.h"
#include "revert.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "checkpoint.h"
#include "conn.h"
#include "domain.h"
#include "job.h"
#include "manifest.h"
#include "output.h"
#include "qemuimg.h"
#include "restore_point.h"
#include "snapshot.h"
#include "store.h"
#include "util.h"

#define OP "revert"

/* A new name beside the snapshot's overlay: "<overlay minus .qcow2>.<N>.qcow2". */
static char *fresh_overlay(const char *overlay)
{
    size_t l = strlen(overlay);
    size_t stem = l > 6 && strcmp(overlay + l - 6, ".qcow2") == 0 ? l - 6 : l;
    for (unsigned i = 1; i < 100000; i++) {
        char *p = vs_asprintf("%.*s.%u.qcow2", (int)stem, overlay, i);
        if (access(p, F_OK) != 0)
            return p;
        free(p);
    }
    return NULL;
}

int revert_domain(vs_ctx *ctx, virDomainPtr dom, const vs_revert_request *req)
{
    const char *dname = virDomainGetName(dom);
    autofree char *uuid = domain_uuid_string(dom);
    autofree char *rp = vs_asprintf("%s/%s/restore-points/%s", ctx->store, dname, req->name);
    autofree char *sp = snapshot_dir(ctx->store, dname, req->name);
    autofree char *ddir = store_domain_dir(ctx->store, dname);
    if (access(sp, F_OK) != 0 && access(rp, F_OK) == 0)
        return vs_error("'%s' is a restore point", req->name);
    autosnapshot vs_snapshot *s = snapshot_load(ctx->store, dname, req->name);
    if (!s)
        return -1;
    if (!vs_streq(s->uuid, uuid))
        return vs_error("disk snapshot '%s' belongs to the domain with UUID %s, not to '%s' (%s)", req->name,
                        s->uuid, dname, uuid);
    if (virDomainIsPersistent(dom) != 1)
        return vs_error("domain '%s' is transient; a revert rewrites its persistent definition", dname);

    vs_disk *disks = NULL;
    size_t nd = 0;
    if (domain_disks(dom, true, &disks, &nd) < 0)
        return -1;
    char **current = vs_xcalloc(s->ndisks + 1, sizeof(char *));
    int ret = -1;
    for (size_t i = 0; i < s->ndisks; i++) {
        const vs_disk *d = domain_disk_find(disks, nd, s->disks[i].target);
        if (!d) {
            vs_error("domain '%s' has no disk '%s' any more; cannot revert to '%s'", dname, s->disks[i].target,
                     req->name);
            goto out;
        }
        current[i] = d->source ? vs_xstrdup(d->source) : NULL;
        struct stat st;
        if (stat(s->disks[i].backing, &st) < 0) {
            vs_error("the frozen file of disk %s, '%s', is missing: %s", s->disks[i].target, s->disks[i].backing,
                     strerror(errno));
            goto out;
        }
    }
    int state = domain_state(dom);
    if (state < 0)
        goto out;
    bool active = state != VIR_DOMAIN_SHUTOFF;
    if (active && !req->force) {
        vs_error("domain '%s' is %s; shut it down first, or give --force to stop it (its unsaved memory is lost)",
                 dname, domain_state_name(state));
        goto out;
    }

    vs_journal *j = NULL;
    if (!ddir || !(j = journal_begin(ddir, OP, dname, uuid)))
        goto out;
    journal_set(j, "name", req->name);
    journal_set_disk_count(j, s->ndisks);
    char **fresh = vs_xcalloc(s->ndisks + 1, sizeof(char *));
    for (size_t i = 0; i < s->ndisks; i++) {
        fresh[i] = fresh_overlay(s->disks[i].overlay);
        if (!fresh[i]) {
            vs_error("no free name for a new overlay beside '%s'", s->disks[i].overlay);
            journal_finish(j);
            goto out_j;
        }
        journal_set_disk(j, i, "target", s->disks[i].target);
        journal_set_disk(j, i, "new", fresh[i]);
        journal_set_disk(j, i, "old", current[i] ? current[i] : "");
    }

    job_signals_install();
    size_t made = 0;
    if (active) {
        if (journal_step(j, "stop") < 0)
            goto rollback;
        if (virDomainDestroy(dom) < 0) {
            conn_error("cannot stop the domain");
            goto rollback;
        }
        vs_info("stopped domain '%s'", dname);
        journal_step_done(j, "stop");
    }
    if (journal_step(j, "overlays") < 0)
        goto rollback;
    for (; made < s->ndisks; made++) {
        if (job_interrupted() || qemuimg_create_overlay(fresh[made], s->disks[made].backing,
                                                        s->disks[made].backing_format,
                                                        s->disks[made].virtual_size) < 0)
            goto rollback;
        /* libvirt checkpoints need their bitmaps in the top image. */
        int nb = 0;
        if (vs_streq(s->disks[made].backing_format, "qcow2") &&
            qemuimg_copy_bitmaps(s->disks[made].backing, fresh[made], &nb) < 0)
            vs_warn("disk %s: not every checkpoint bitmap of '%s' was carried over; incremental backups "
                    "of this disk need a new full backup",
                    s->disks[made].target, s->disks[made].backing);
        if (nb > 0)
            vs_debug("disk %s: %d checkpoint bitmap%s carried over", s->disks[made].target, nb, nb == 1 ? "" : "s");
    }
    if (journal_step_done(j, "overlays") < 0 || job_interrupted())
        goto rollback;
    if (journal_step(j, "define") < 0)
        goto rollback;
    {
        const char **t = vs_xcalloc(s->ndisks, sizeof(char *)), **f = vs_xcalloc(s->ndisks, sizeof(char *));
        for (size_t i = 0; i < s->ndisks; i++)
            t[i] = s->disks[i].target, f[i] = "qcow2";
        int rc = domain_redefine_disks(dom, s->ndisks, t, (const char *const *)fresh, f);
        free(t), free(f);
        if (rc < 0)
            goto rollback;
    }
    journal_step_done(j, "define");
    job_signals_restore();
    {
        const char **t = vs_xcalloc(s->ndisks, sizeof(char *));
        for (size_t i = 0; i < s->ndisks; i++)
            t[i] = s->disks[i].target;
        if (checkpoint_drop_missing(dom, s->ndisks, t, (const char *const *)fresh) < 0)
            vs_warn("some checkpoints of '%s' may not match the state gone back to; take a full backup next", dname);
        free(t);
    }
    for (size_t i = 0; i < s->ndisks; i++) {
        vs_info("disk %s of '%s' is back at snapshot '%s' (new overlay '%s')", s->disks[i].target, dname,
                req->name, fresh[i]);
        const char *old = current[i];
        if (!old || vs_streq(old, s->disks[i].backing))
            continue;
        if (req->discard_current && !rp_file_referenced(ctx->store, dname, old)) {
            if (unlink(old) == 0)
                vs_info("removed '%s', the state before the revert", old);
        } else {
            vs_info("the state before the revert stays in '%s'", old);
        }
    }
    journal_finish(j);
    ret = 0;
    if (ctx->json) {
        vs_json js;
        json_init(&js, stdout);
        json_begin_object(&js);
        json_key(&js, "domain");
        json_string(&js, dname);
        json_key(&js, "snapshot");
        json_string(&js, req->name);
        json_key(&js, "disks");
        json_begin_array(&js);
        for (size_t i = 0; i < s->ndisks; i++) {
            json_begin_object(&js);
            json_key(&js, "target");
            json_string(&js, s->disks[i].target);
            json_key(&js, "overlay");
            json_string(&js, fresh[i]);
            json_key(&js, "backing");
            json_string(&js, s->disks[i].backing);
            json_key(&js, "previous");
            json_string(&js, current[i]);
            json_end_object(&js);
        }
        json_end_array(&js);
        json_end_object(&js);
        json_finish(&js);
    }
    if (req->start) {
        if (virDomainCreate(dom) < 0)
            ret = conn_error("the revert is done but the domain did not start");
        else
            vs_info("started domain '%s'", dname);
    }
    goto out_j;

rollback:
    job_signals_restore();
    for (size_t i = 0; i < made; i++)
        unlink(fresh[i]);
    vs_error("no revert: the definition of '%s' is unchanged%s", dname,
             active && journal_step_state(j, "stop") == VS_STEP_DONE ? " (the domain was stopped)" : "");
    journal_finish(j);
out_j:
    vs_strv_free(fresh);
    journal_free(j);
out:
    vs_strv_free(current);
    domain_disks_free(disks, nd);
    return ret;
}

int revert_recover(vs_ctx *ctx, vs_journal *j)
{
    const char *dname = journal_domain(j);
    size_t n = journal_disk_count(j, "the revert");
    if (n == 0)
        return -1;
    autodomain virDomainPtr dom = journal_uuid(j) ? virDomainLookupByUUIDString(ctx->conn, journal_uuid(j)) : NULL;
    if (!dom)
        return vs_error("domain '%s' no longer exists; journal '%s' left for inspection", dname, journal_path(j));
    vs_disk *disks = NULL;
    size_t nd = 0;
    if (domain_disks(dom, true, &disks, &nd) < 0)
        return -1;
    size_t on_new = 0;
    for (size_t i = 0; i < n; i++) {
        const char *t = journal_get_disk(j, i, "target");
        const char *nw = journal_get_disk(j, i, "new");
        const vs_disk *d = t ? domain_disk_find(disks, nd, t) : NULL;
        if (d && nw && vs_streq(d->source, nw))
            on_new++;
    }
    int ret;
    if (on_new == n) {
        vs_info("the interrupted revert of '%s' to '%s' had finished: its definition names the new overlays",
                dname, journal_get(j, "name"));
        ret = journal_finish(j);
    } else if (on_new == 0) {
        for (size_t i = 0; i < n; i++) {
            const char *nw = journal_get_disk(j, i, "new");
            if (nw && nw[0] == '/' && !strstr(nw, "/../") && unlink(nw) == 0)
                vs_debug("removed %s", nw);
        }
        vs_info("rolled back the interrupted revert of '%s': its definition is unchanged%s", dname,
                journal_step_state(j, "stop") != VS_STEP_NONE ? " (the domain had been stopped)" : "");
        ret = journal_finish(j);
    } else {
        ret = vs_error("the definition of '%s' names the new overlays of only some disks; journal '%s' left for "
                       "inspection",
                       dname, journal_path(j));
    }
    domain_disks_free(disks, nd);
    return ret;
}
