#include "config.h"
#include "commit.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/xpath.h>

#include "conn.h"
#include "domain.h"
#include "job.h"
#include "output.h"
#include "qemuimg.h"
#include "restore_point.h"
#include "snapshot.h"
#include "store.h"
#include "util.h"

#define OP "commit"

typedef struct {
    char *target;
    char *top;         /* the overlay folded */
    char *base;        /* its backing file, written into */
    char *base_format; /* "qcow2" or "raw" */
    int status;        /* last block-job event: -1 none, else VIR_DOMAIN_BLOCK_JOB_* */
    bool pivoted;
    bool resumed;      /* recovery found the job running: its ready event may have gone by */
} commit_disk;

typedef struct {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    commit_disk *disks;
    size_t n;
} commit_state;

static void commit_disks_free(commit_disk *d, size_t n)
{
    for (size_t i = 0; d && i < n; i++) {
        free(d[i].target);
        free(d[i].top);
        free(d[i].base);
        free(d[i].base_format);
    }
    free(d);
}

/* The disks to commit: each named disk (or every disk with a backing file),
 * its current file and that file's backing file. */
static int plan(virDomainPtr dom, const vs_commit_request *req, bool active, commit_disk **out, size_t *nout)
{
    vs_disk *disks = NULL;
    size_t n = 0;
    *out = NULL;
    *nout = 0;
    if (domain_disks(dom, !active, &disks, &n) < 0)
        return -1;
    int ret = -1;
    commit_disk *c = vs_xcalloc(n ? n : 1, sizeof(*c));
    size_t k = 0;
    for (char *const *p = req->disks; p && *p; p++)
        if (!domain_disk_find(disks, n, *p)) {
            vs_error("domain '%s' has no disk '%s'", virDomainGetName(dom), *p);
            goto out;
        }
    for (size_t i = 0; i < n; i++) {
        const vs_disk *d = &disks[i];
        bool named = req->disks != NULL;
        if ((req->disks && !vs_strv_contains(req->disks, d->target)) ||
            (!named && (!vs_streq(d->device, "disk") || d->readonly)))
            continue;
        if (!vs_streq(d->type, "file") || !d->source) {
            if (named) {
                vs_error("disk '%s' is not a file; there is no overlay to commit", d->target);
                goto out;
            }
            continue;
        }
        autofree char *bfmt = NULL;
        autofree char *backing = d->backing ? vs_xstrdup(d->backing) : qemuimg_backing_file(d->source, &bfmt, false);
        if (!backing) {
            if (named) {
                vs_error("disk '%s' (%s) has no backing file: there is nothing to commit", d->target, d->source);
                goto out;
            }
            continue;
        }
        if (!vs_streq(d->format, "qcow2")) {
            vs_error("disk '%s' is %s, not a qcow2 overlay", d->target, d->format ? d->format : "of unknown format");
            goto out;
        }
        const char *bf = d->backing ? d->backing_format : bfmt;
        if (!vs_streq(bf, "qcow2") && !vs_streq(bf, "raw")) {
            vs_error("the backing file of disk '%s' has format '%s'; only qcow2 and raw are supported", d->target,
                     bf ? bf : "unknown");
            goto out;
        }
        c[k].target = vs_xstrdup(d->target);
        c[k].top = vs_xstrdup(d->source);
        c[k].base = vs_steal(&backing);
        c[k].base_format = vs_xstrdup(bf);
        c[k].status = -1;
        k++;
    }
    if (k == 0) {
        vs_error("domain '%s' has no disk running on an overlay: nothing to commit", virDomainGetName(dom));
        goto out;
    }
    *out = vs_steal(&c);
    *nout = k;
    ret = 0;
out:
    commit_disks_free(c, k);
    domain_disks_free(disks, n);
    return ret;
}

static void journal_commit_disks(vs_journal *j, const commit_disk *c, size_t n)
{
    journal_set_disk_count(j, n);
    for (size_t i = 0; i < n; i++) {
        journal_set_disk(j, i, "target", c[i].target);
        journal_set_disk(j, i, "top", c[i].top);
        journal_set_disk(j, i, "base", c[i].base);
        journal_set_disk(j, i, "base-format", c[i].base_format);
    }
}

static void forget_snapshots(vs_ctx *ctx, const char *domain, const commit_disk *c, size_t n)
{
    char **bases = vs_xcalloc(n + 1, sizeof(char *));
    for (size_t i = 0; i < n; i++)
        bases[i] = c[i].base;
    snapshot_forget_frozen_in(ctx->store, domain, bases, n);
    free(bases);
}

static void remove_overlays(const commit_disk *c, size_t n, bool keep)
{
    for (size_t i = 0; i < n; i++) {
        if (keep)
            vs_info("kept overlay '%s' (no longer used by disk %s)", c[i].top, c[i].target);
        else if (unlink(c[i].top) < 0 && errno != ENOENT)
            vs_warn("cannot remove overlay '%s': %s", c[i].top, strerror(errno));
    }
}

/* ---- running domain ------------------------------------------------------ */

static void on_block_job(virConnectPtr conn, virDomainPtr dom, const char *disk, int type, int status, void *opaque)
{
    (void)conn, (void)dom, (void)type;
    commit_state *st = opaque;
    pthread_mutex_lock(&st->lock);
    for (size_t i = 0; i < st->n; i++)
        if (vs_streq(st->disks[i].target, disk) || vs_streq(st->disks[i].top, disk))
            st->disks[i].status = status;
    pthread_cond_broadcast(&st->cond);
    pthread_mutex_unlock(&st->lock);
}

static const char *where_now(virDomainPtr dom, const commit_disk *c)
{
    vs_disk *disks = NULL;
    size_t n = 0;
    const char *r = "unknown";
    if (domain_disks(dom, false, &disks, &n) == 0) {
        const vs_disk *d = domain_disk_find(disks, n, c->target);
        r = d && vs_streq(d->source, c->base) ? "base" : d && vs_streq(d->source, c->top) ? "overlay" : "unknown";
    }
    domain_disks_free(disks, n);
    return r;
}

static void cancel_all(virDomainPtr dom, commit_disk *c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        virDomainBlockJobInfo info;
        if (!c[i].pivoted && virDomainGetBlockJobInfo(dom, c[i].target, &info, 0) == 1)
            virDomainBlockJobAbort(dom, c[i].target, 0);
    }
}

/* True when the live XML shows the disk's block job ready to pivot
 * (<mirror ... ready='yes'>). */
static bool mirror_ready(virDomainPtr dom, const char *target)
{
    autofree char *xml = virDomainGetXMLDesc(dom, 0);
    if (!xml)
        return false;
    xmlDocPtr doc = xmlReadMemory(xml, (int)strlen(xml), NULL, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR);
    if (!doc)
        return false;
    bool ready = false;
    xmlXPathContextPtr xc = xmlXPathNewContext(doc);
    autofree char *expr = vs_asprintf("string(/domain/devices/disk[target/@dev='%s']/mirror/@ready)", target);
    xmlXPathObjectPtr r = xc && target[strspn(target, "abcdefghijklmnopqrstuvwxyz0123456789")] == '\0' ? xmlXPathEvalExpression(BAD_CAST expr, xc) : NULL;
    if (r && r->type == XPATH_STRING && r->stringval)
        ready = xmlStrcmp(r->stringval, BAD_CAST "yes") == 0;
    xmlXPathFreeObject(r);
    xmlXPathFreeContext(xc);
    xmlFreeDoc(doc);
    return ready;
}

/* Starts (or, in recovery, resumes) the commit of every disk, waits until
 * all are ready, then pivots them. */
static int commit_running(vs_ctx *ctx, virDomainPtr dom, commit_disk *c, size_t n, const vs_commit_request *req,
                          vs_journal *j)
{
    const char *dname = virDomainGetName(dom);
    commit_state st = {.disks = c, .n = n};
    pthread_mutex_init(&st.lock, NULL);
    pthread_cond_init(&st.cond, NULL);
    int cb = virConnectDomainEventRegisterAny(ctx->conn, dom, VIR_DOMAIN_EVENT_ID_BLOCK_JOB_2,
                                              VIR_DOMAIN_EVENT_CALLBACK(on_block_job), &st, NULL);
    if (cb < 0)
        return conn_error("cannot watch the domain's block jobs");
    int ret = -1;
    bool started_any = false;

    if (journal_step(j, "start") < 0)
        goto out;
    for (size_t i = 0; i < n; i++) {
        virDomainBlockJobInfo info;
        int has = virDomainGetBlockJobInfo(dom, c[i].target, &info, 0);
        if (has == 1) {
            if (info.type != VIR_DOMAIN_BLOCK_JOB_TYPE_ACTIVE_COMMIT) {
                vs_error("disk '%s' already has another block job running", c[i].target);
                goto fail;
            }
            /* Resumed (recovery): a ready job sends no second event, and
             * cur == end does not mean ready; the live XML says it. */
            c[i].resumed = true;
            started_any = true;
            continue;
        }
        if (vs_streq(where_now(dom, &c[i]), "base")) {
            c[i].pivoted = true;
            continue;
        }
        unsigned flags = VIR_DOMAIN_BLOCK_COMMIT_ACTIVE | VIR_DOMAIN_BLOCK_COMMIT_SHALLOW;
        if (virDomainBlockCommit(dom, c[i].target, NULL, NULL, req->bandwidth_mib, flags) < 0) {
            autofree char *what = vs_asprintf("cannot start the commit of disk '%s'", c[i].target);
            conn_error(what);
            goto fail;
        }
        started_any = true;
    }
    if (journal_step_done(j, "start") < 0)
        goto fail;

    /* Wait for every ready event; progress from the jobs' counters. */
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        size_t ready = 0;
        bool failed = false;
        for (size_t i = 0; i < n; i++)
            if (c[i].resumed && mirror_ready(dom, c[i].target)) {
                pthread_mutex_lock(&st.lock);
                c[i].status = VIR_DOMAIN_BLOCK_JOB_READY;
                pthread_mutex_unlock(&st.lock);
                c[i].resumed = false;
            }
        pthread_mutex_lock(&st.lock);
        for (size_t i = 0; i < n; i++) {
            if (c[i].pivoted || c[i].status == VIR_DOMAIN_BLOCK_JOB_READY)
                ready++;
            else if (c[i].status == VIR_DOMAIN_BLOCK_JOB_FAILED || c[i].status == VIR_DOMAIN_BLOCK_JOB_CANCELED ||
                     c[i].status == VIR_DOMAIN_BLOCK_JOB_COMPLETED) {
                vs_error("the commit of disk '%s' %s", c[i].target,
                         c[i].status == VIR_DOMAIN_BLOCK_JOB_FAILED ? "failed" : "ended before it was ready");
                failed = true;
            }
        }
        if (ready < n && !failed) {
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_nsec += 250 * 1000000L;
            if (until.tv_nsec >= 1000000000L)
                until.tv_sec++, until.tv_nsec -= 1000000000L;
            pthread_cond_timedwait(&st.cond, &st.lock, &until);
        }
        pthread_mutex_unlock(&st.lock);
        if (failed)
            goto fail;
        if (ready == n)
            break;
        if (job_interrupted() && !req->no_cancel) {
            vs_error("interrupted: cancelling the commit");
            goto fail;
        }
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (req->timeout_s && now.tv_sec - t0.tv_sec >= (time_t)req->timeout_s) {
            vs_error("the commit was not ready after %lu s: cancelling it", req->timeout_s);
            goto fail;
        }
        if (progress_enabled()) {
            unsigned long long cur = 0, end = 0;
            char label[256] = "commit";
            size_t off = strlen(label);
            for (size_t i = 0; i < n; i++) {
                virDomainBlockJobInfo info;
                int pct = 100;
                if (!c[i].pivoted && virDomainGetBlockJobInfo(dom, c[i].target, &info, 0) == 1) {
                    cur += info.cur, end += info.end;
                    pct = info.end ? (int)(info.cur * 100 / info.end) : 0;
                }
                if (off < sizeof(label) - 16)
                    off += (size_t)snprintf(label + off, sizeof(label) - off, " %s %d%%", c[i].target, pct);
            }
            double secs = (double)(now.tv_sec - t0.tv_sec) + (double)(now.tv_nsec - t0.tv_nsec) / 1e9;
            progress_update(label, cur, end, secs > 0 ? (double)cur / secs : 0);
        }
    }
    progress_end(NULL);

    /* Every disk is ready: pivot them all. */
    if (journal_step(j, "pivot") < 0)
        goto fail;
    for (size_t i = 0; i < n; i++) {
        if (c[i].pivoted)
            continue;
        if (virDomainBlockJobAbort(dom, c[i].target, VIR_DOMAIN_BLOCK_JOB_ABORT_PIVOT) < 0) {
            autofree char *why = vs_xstrdup(conn_last_error());
            cancel_all(dom, c, n);
            vs_error("the pivot of disk '%s' failed: %s", c[i].target, why);
            for (size_t k = 0; k < n; k++)
                vs_error("disk %s now runs on its %s", c[k].target, where_now(dom, &c[k]));
            goto out;
        }
        c[i].pivoted = true;
    }
    journal_step_done(j, "pivot");
    ret = 0;
    goto out;

fail:
    progress_end(NULL);
    if (started_any)
        cancel_all(dom, c, n);
    vs_error("the commit was cancelled; domain '%s' still runs on its overlays, unchanged", dname);
out:
    virConnectDomainEventDeregisterAny(ctx->conn, cb);
    pthread_cond_destroy(&st.cond);
    pthread_mutex_destroy(&st.lock);
    return ret;
}

/* The persistent definition names every disk's base (one define). */
static int redefine_on_bases(virDomainPtr dom, const commit_disk *c, size_t n)
{
    const char **t = vs_xcalloc(n, sizeof(char *)), **s = vs_xcalloc(n, sizeof(char *)),
               **f = vs_xcalloc(n, sizeof(char *));
    for (size_t i = 0; i < n; i++)
        t[i] = c[i].target, s[i] = c[i].base, f[i] = c[i].base_format;
    int rc = domain_redefine_disks(dom, n, t, s, f);
    free(t), free(s), free(f);
    return rc;
}

/* After the pivots: libvirt's live and persistent views name the bases. */
static int verify_and_fix(virDomainPtr dom, const commit_disk *c, size_t n)
{
    vs_disk *live = NULL, *inact = NULL;
    size_t nl = 0, ni = 0;
    int ret = 0;
    if (domain_disks(dom, false, &live, &nl) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        const vs_disk *d = domain_disk_find(live, nl, c[i].target);
        if (!d || !vs_streq(d->source, c[i].base))
            ret = vs_error("after the pivot disk %s runs on '%s', not on '%s'", c[i].target,
                           d && d->source ? d->source : "?", c[i].base);
    }
    domain_disks_free(live, nl);
    if (ret < 0 || virDomainIsPersistent(dom) != 1)
        return ret;
    if (domain_disks(dom, true, &inact, &ni) < 0)
        return -1;
    bool stale = false;
    for (size_t i = 0; i < n; i++) {
        const vs_disk *d = domain_disk_find(inact, ni, c[i].target);
        if (d && (!vs_streq(d->source, c[i].base) || d->backing))
            stale = true;
    }
    domain_disks_free(inact, ni);
    return stale ? redefine_on_bases(dom, c, n) : ret;
}

/* ---- shut-off domain ----------------------------------------------------- */

static int commit_offline(virDomainPtr dom, commit_disk *c, size_t n, const vs_commit_request *req, vs_journal *j)
{
    if (journal_step(j, "commit") < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (job_interrupted()) {
            vs_error("interrupted; domain '%s' still uses its overlays, unchanged", virDomainGetName(dom));
            return -1;
        }
        vs_info("committing %s: '%s' into '%s'", c[i].target, c[i].top, c[i].base);
        if (qemuimg_commit(c[i].top, !req->keep_overlay) < 0) {
            vs_error("domain '%s' still uses its overlays, unchanged", virDomainGetName(dom));
            return -1;
        }
    }
    if (journal_step_done(j, "commit") < 0 || journal_step(j, "define") < 0)
        return -1;
    if (redefine_on_bases(dom, c, n) < 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        c[i].pivoted = true;
    return journal_step_done(j, "define");
}

/* ---- the operation ------------------------------------------------------- */

int commit_domain(vs_ctx *ctx, virDomainPtr dom, const vs_commit_request *req)
{
    const char *dname = virDomainGetName(dom);
    int state = domain_state(dom);
    if (state < 0)
        return -1;
    bool active = state == VIR_DOMAIN_RUNNING || state == VIR_DOMAIN_BLOCKED || state == VIR_DOMAIN_PAUSED;
    if (!active && state != VIR_DOMAIN_SHUTOFF)
        return vs_error("domain '%s' is %s; commit needs it running, paused or shut off", dname,
                        domain_state_name(state));
    if (!active && virDomainIsPersistent(dom) != 1)
        return vs_error("domain '%s' is not defined", dname);
    commit_disk *c = NULL;
    size_t n = 0;
    if (plan(dom, req, active, &c, &n) < 0)
        return -1;
    /* A restore point's frozen file is its state: never written into. */
    for (size_t i = 0; i < n; i++) {
        autofree char *who = NULL;
        if (rp_freezes(ctx->store, dname, c[i].base, &who)) {
            vs_error("disk %s: '%s' is the state of restore point '%s'; committing into it would destroy the "
                     "point ('virt-state restore-point delete %s %s' merges its overlay when nothing else needs "
                     "it)",
                     c[i].target, c[i].base, who, dname, who);
            commit_disks_free(c, n);
            return -1;
        }
    }
    autofree char *uuid = domain_uuid_string(dom);
    autofree char *ddir = store_domain_dir(ctx->store, dname);
    vs_journal *j = ddir ? journal_begin(ddir, OP, dname, uuid) : NULL;
    if (!j) {
        commit_disks_free(c, n);
        return -1;
    }
    journal_set(j, "mode", active ? "active" : "offline");
    journal_set(j, "keep-overlay", req->keep_overlay ? "yes" : "no");
    journal_commit_disks(j, c, n);

    job_signals_install();
    int rc = active ? commit_running(ctx, dom, c, n, req, j) : commit_offline(dom, c, n, req, j);
    job_signals_restore();
    /* From the first block written, the bases are no longer what any
     * snapshot froze. */
    forget_snapshots(ctx, dname, c, n);
    if (rc == 0) {
        if (journal_step(j, "verify") < 0 || (active && verify_and_fix(dom, c, n) < 0))
            rc = -1;
        else
            journal_step_done(j, "verify");
    }
    if (rc == 0) {
        if (journal_step(j, "remove") < 0) {
            rc = -1;
        } else {
            remove_overlays(c, n, req->keep_overlay);
            journal_step_done(j, "remove");
        }
    }
    if (rc == 0) {
        for (size_t i = 0; i < n; i++)
            vs_info("disk %s of '%s' now runs on '%s'", c[i].target, dname, c[i].base);
        journal_finish(j);
        if (ctx->json) {
            vs_json js;
            json_init(&js, stdout);
            json_begin_object(&js);
            json_key(&js, "domain");
            json_string(&js, dname);
            json_key(&js, "mode");
            json_string(&js, active ? "active" : "offline");
            json_key(&js, "disks");
            json_begin_array(&js);
            for (size_t i = 0; i < n; i++) {
                json_begin_object(&js);
                json_key(&js, "target");
                json_string(&js, c[i].target);
                json_key(&js, "base");
                json_string(&js, c[i].base);
                json_key(&js, "overlay");
                json_string(&js, c[i].top);
                json_key(&js, "overlay_removed");
                json_bool(&js, !req->keep_overlay);
                json_end_object(&js);
            }
            json_end_array(&js);
            json_end_object(&js);
            json_finish(&js);
        }
    } else if (journal_step_state(j, "remove") == VS_STEP_NONE && journal_step_state(j, "verify") == VS_STEP_NONE) {
        /* Cancelled before any pivot, or a failure the messages above explain:
         * the domain is consistent where it stands. */
        journal_finish(j);
    }
    journal_free(j);
    commit_disks_free(c, n);
    return rc;
}

/* ---- recovery ------------------------------------------------------------ */

int commit_recover(vs_ctx *ctx, vs_journal *j)
{
    const char *dname = journal_domain(j);
    size_t n = journal_disk_count(j, "the commit");
    if (n == 0)
        return -1;
    commit_disk *c = vs_xcalloc(n, sizeof(*c));
    int ret = -1;
    for (size_t i = 0; i < n; i++) {
        const char *v[4];
        const char *names[] = {"target", "top", "base", "base-format"};
        for (int k = 0; k < 4; k++)
            v[k] = journal_get_disk(j, i, names[k]);
        if (!v[0] || !v[1] || !v[2] || !v[3] || v[1][0] != '/' || v[2][0] != '/') {
            vs_error("journal '%s' has an incomplete disk entry", journal_path(j));
            goto out;
        }
        c[i].target = vs_xstrdup(v[0]);
        c[i].top = vs_xstrdup(v[1]);
        c[i].base = vs_xstrdup(v[2]);
        c[i].base_format = vs_xstrdup(v[3]);
        c[i].status = -1;
    }
    virDomainPtr dom = journal_uuid(j) ? virDomainLookupByUUIDString(ctx->conn, journal_uuid(j)) : NULL;
    if (!dom) {
        vs_error("domain '%s' no longer exists; journal '%s' left for inspection", dname, journal_path(j));
        goto out;
    }
    bool keep = vs_streq(journal_get(j, "keep-overlay"), "yes");
    vs_commit_request req = {.keep_overlay = keep};
    bool active = virDomainIsActive(dom) == 1;
    bool was_active = vs_streq(journal_get(j, "mode"), "active");
    forget_snapshots(ctx, dname, c, n);
    int rc;
    if (was_active && active) {
        /* Finish what was started: every disk pivots to its base. */
        job_signals_install();
        rc = commit_running(ctx, dom, c, n, &req, j);
        job_signals_restore();
        if (rc == 0)
            rc = verify_and_fix(dom, c, n);
    } else if (!was_active && !active) {
        /* Once the definition names the bases, only the overlays' removal
         * can be left. Before that, qemu-img commit again is harmless: the
         * overlay still holds (or, emptied, no longer adds) the data; then
         * the one redefinition. */
        vs_disk *inact = NULL;
        size_t ni = 0;
        size_t on_base = 0;
        if (domain_disks(dom, true, &inact, &ni) == 0)
            for (size_t i = 0; i < n; i++) {
                const vs_disk *d = domain_disk_find(inact, ni, c[i].target);
                on_base += d && vs_streq(d->source, c[i].base);
            }
        domain_disks_free(inact, ni);
        rc = on_base == n ? 0 : commit_offline(dom, c, n, &req, j);
    } else {
        /* The domain stopped or started since: it uses whatever its
         * definition names, which the interrupted commit never changed
         * unless it pivoted. Nothing to finish; the overlays stay. */
        vs_info("domain '%s' is %s now: the interrupted commit is abandoned; run 'virt-state commit %s' again",
                dname, active ? "running" : "shut off", dname);
        virDomainFree(dom);
        ret = journal_finish(j);
        goto out;
    }
    if (rc == 0) {
        /* Overlays no longer used by either definition go, unless kept. */
        vs_disk *live = NULL, *inact = NULL;
        size_t nl = 0, ni = 0;
        if (active)
            domain_disks(dom, false, &live, &nl);
        domain_disks(dom, true, &inact, &ni);
        for (size_t i = 0; i < n; i++) {
            bool used = false;
            for (size_t k = 0; k < nl; k++)
                used |= vs_streq(live[k].source, c[i].top);
            for (size_t k = 0; k < ni; k++)
                used |= vs_streq(inact[k].source, c[i].top);
            if (!used && !keep && unlink(c[i].top) == 0)
                vs_debug("removed %s", c[i].top);
        }
        domain_disks_free(live, nl);
        domain_disks_free(inact, ni);
        vs_info("finished the interrupted commit of '%s': its disks run on their bases", dname);
        ret = journal_finish(j);
    }
    virDomainFree(dom);
out:
    commit_disks_free(c, n);
    return ret;
}

/* ---- for other operations ------------------------------------------------ */

int commit_overlays(vs_ctx *ctx, virDomainPtr dom, size_t n, const char *const *targets, const char *const *tops,
                    const char *const *bases, const char *const *formats, vs_journal *j)
{
    commit_disk *c = vs_xcalloc(n ? n : 1, sizeof(*c));
    for (size_t i = 0; i < n; i++) {
        c[i].target = vs_xstrdup(targets[i]);
        c[i].top = vs_xstrdup(tops[i]);
        c[i].base = vs_xstrdup(bases[i]);
        c[i].base_format = vs_xstrdup(formats[i]);
        c[i].status = -1;
    }
    vs_commit_request req = {.no_cancel = true};
    int rc;
    if (virDomainIsActive(dom) == 1) {
        job_signals_install();
        rc = commit_running(ctx, dom, c, n, &req, j);
        job_signals_restore();
        if (rc == 0)
            rc = verify_and_fix(dom, c, n);
    } else {
        /* Shut off on the overlays: fold them offline. A disk whose
         * definition names its base already is left alone. */
        vs_disk *inact = NULL;
        size_t ni = 0;
        size_t k = 0;
        if (domain_disks(dom, true, &inact, &ni) < 0) {
            commit_disks_free(c, n);
            return -1;
        }
        for (size_t i = 0; i < n; i++) {
            const vs_disk *d = domain_disk_find(inact, ni, c[i].target);
            if (d && vs_streq(d->source, c[i].base)) {
                free(c[i].target), free(c[i].top), free(c[i].base), free(c[i].base_format);
                continue;
            }
            c[k++] = c[i];
        }
        domain_disks_free(inact, ni);
        rc = k ? commit_offline(dom, c, k, &req, j) : 0;
        n = k;
    }
    commit_disks_free(c, n);
    return rc;
}
