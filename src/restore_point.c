#include "config.h"
#include "restore_point.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libxml/tree.h>

#include "checkpoint.h"
#include "commit.h"
#include "conn.h"
#include "digest.h"
#include "domain.h"
#include "job.h"
#include "manifest-xml.h"
#include "output.h"
#include "qemuimg.h"
#include "quiesce.h"
#include "store.h"
#include "util.h"

#define OP_CREATE "restore-point"
#define OP_DELETE "restore-point-delete"
#define OP_REVERT "revert-point"

/* ---- the store ------------------------------------------------------------ */

char *rp_dir(const char *store, const char *domain, const char *name)
{
    return name ? vs_asprintf("%s/%s/restore-points/%s", store, domain, name)
                : vs_asprintf("%s/%s/restore-points", store, domain);
}

char *rp_path(const char *store, const char *domain, const char *name, const char *file)
{
    return vs_asprintf("%s/%s/restore-points/%s/%s", store, domain, name, file);
}

char **rp_names(const char *store, const char *domain)
{
    autofree char *dir = rp_dir(store, domain, NULL);
    autostrv char **all = vs_list_dir(dir, NULL);
    char **out = NULL;
    size_t n = 0;
    for (char **p = all; p && *p; p++) {
        autofree char *m = rp_path(store, domain, *p, VS_RP_MANIFEST);
        if (access(m, F_OK) == 0)
            vs_strv_push(&out, &n, vs_xstrdup(*p));
    }
    return out;
}

vs_restore_point *rp_load(const char *store, const char *domain, const char *name)
{
    autofree char *path = rp_path(store, domain, name, VS_RP_MANIFEST);
    if (access(path, F_OK) != 0)
        return vs_error("domain '%s' has no restore point '%s'", domain, name), NULL;
    vs_restore_point *p = rpmanifest_load(path);
    if (p && (!vs_streq(p->name, name) || !vs_streq(p->domain, domain))) {
        vs_error("manifest '%s' names restore point '%s' of '%s', not '%s' of '%s'", path, p->name, p->domain, name,
                 domain);
        rpmanifest_free(p);
        return NULL;
    }
    return p;
}

/* Every point of the domain that loads; unreadable ones are reported. */
static vs_restore_point **load_all(const char *store, const char *domain, size_t *n)
{
    autostrv char **names = rp_names(store, domain);
    vs_restore_point **all = vs_xcalloc(vs_strv_len(names) + 1, sizeof(*all));
    *n = 0;
    for (char **p = names; p && *p; p++) {
        vs_restore_point *x = rp_load(store, domain, *p);
        if (x)
            all[(*n)++] = x;
    }
    return all;
}

static void free_all(vs_restore_point **all, size_t n)
{
    for (size_t i = 0; i < n; i++)
        rpmanifest_free(all[i]);
    free(all);
}

bool rp_freezes(const char *store, const char *domain, const char *path, char **who)
{
    size_t n;
    vs_restore_point **all = load_all(store, domain, &n);
    bool hit = false;
    for (size_t i = 0; i < n && !hit; i++)
        for (size_t k = 0; k < all[i]->ndisks && !hit; k++)
            if (vs_streq(all[i]->disks[k].frozen, path)) {
                hit = true;
                if (who)
                    *who = vs_xstrdup(all[i]->name);
            }
    free_all(all, n);
    return hit;
}

bool rp_file_referenced(const char *store, const char *domain, const char *path)
{
    size_t n;
    vs_restore_point **all = load_all(store, domain, &n);
    bool hit = false;
    for (size_t i = 0; i < n && !hit; i++)
        for (size_t k = 0; k < all[i]->ndisks && !hit; k++)
            hit = vs_streq(all[i]->disks[k].frozen, path) || vs_streq(all[i]->disks[k].overlay, path);
    free_all(all, n);
    autostrv char **snaps = snapshot_names(store, domain);
    for (char **p = snaps; p && *p && !hit; p++) {
        autofree char *m = snapshot_manifest_path(store, domain, *p);
        autosnapshot vs_snapshot *s = manifest_snapshot_load(m);
        for (size_t k = 0; s && k < s->ndisks && !hit; k++)
            hit = vs_streq(s->disks[k].overlay, path) || vs_streq(s->disks[k].backing, path);
    }
    return hit;
}

/* The point the state in 'top' (a disk's file) descends from: the nearest
 * point whose frozen file for that disk is 'top' or lies below it in the
 * backing chain (read from the image headers, at most 64 deep). */
static char *parent_of(const char *store, const char *domain, const char *target, const char *top,
                       const char *except)
{
    size_t n;
    vs_restore_point **all = load_all(store, domain, &n);
    char *found = NULL;
    autofree char *cur = vs_xstrdup(top);
    for (int depth = 0; cur && !found && depth < 64; depth++) {
        for (size_t i = 0; i < n && !found; i++) {
            const vs_rp_disk *d = rpmanifest_disk(all[i], target);
            if (d && vs_streq(d->frozen, cur) && !vs_streq(all[i]->name, except))
                found = vs_xstrdup(all[i]->name);
        }
        char *next = qemuimg_backing_file(cur, NULL, false);
        free(cur);
        cur = next;
    }
    free_all(all, n);
    return found;
}

/* ---- plans (--dry-run) ---------------------------------------------------- */

void plan_add(vs_plan *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = vs_vasprintf(fmt, ap);
    va_end(ap);
    vs_strv_push(&p->steps, &p->n, s);
}

void plan_print(vs_ctx *ctx, vs_plan *p, const char *what)
{
    if (ctx->json) {
        vs_json js;
        json_init(&js, stdout);
        json_begin_object(&js);
        json_key(&js, "dry_run");
        json_bool(&js, true);
        json_key(&js, "operation");
        json_string(&js, what);
        json_key(&js, "steps");
        json_begin_array(&js);
        for (size_t i = 0; i < p->n; i++)
            json_string(&js, p->steps[i]);
        json_end_array(&js);
        json_end_object(&js);
        json_finish(&js);
    } else {
        printf("%s would take these steps (dry run: nothing was changed):\n", what);
        for (size_t i = 0; i < p->n; i++)
            printf("  %zu. %s\n", i + 1, p->steps[i]);
    }
    vs_strv_free(p->steps);
    p->steps = NULL;
    p->n = 0;
}

/* ---- small helpers -------------------------------------------------------- */

static char *version_string(unsigned long v)
{
    return vs_asprintf("%lu.%lu.%lu", v / 1000000, (v / 1000) % 1000, v % 1000);
}

static void fill_versions(vs_ctx *ctx, vs_restore_point *p)
{
    unsigned long lib = 0, hv = 0;
    p->tool_version = vs_xstrdup(PACKAGE_VERSION);
    p->libvirt_version = virConnectGetLibVersion(ctx->conn, &lib) == 0 ? version_string(lib) : vs_xstrdup("unknown");
    p->qemu_version = virConnectGetVersion(ctx->conn, &hv) == 0 ? version_string(hv) : vs_xstrdup("unknown");
}

static int stat_frozen(vs_rp_disk *d)
{
    struct stat st;
    if (stat(d->frozen, &st) < 0)
        return vs_error("cannot read '%s': %s", d->frozen, strerror(errno));
    d->frozen_size = (unsigned long long)st.st_size;
    d->frozen_dev = (unsigned long long)st.st_dev;
    d->frozen_ino = (unsigned long long)st.st_ino;
    d->frozen_mtime = (unsigned long long)st.st_mtim.tv_sec * 1000000000ull + (unsigned long long)st.st_mtim.tv_nsec;
    return 0;
}

/* Writes a file of the point (0600, atomically). */
static int write_point_file(const char *path, const char *text, unsigned long long *size, char **sha)
{
    if (store_write_atomic(path, text, strlen(text)) < 0)
        return -1;
    char hex[VS_SHA256_HEX];
    digest_sha256(text, strlen(text), hex);
    *size = strlen(text);
    free(*sha);
    *sha = vs_xstrdup(hex);
    return 0;
}

static int hash_memory(const char *path, vs_restore_point *p)
{
    char hex[VS_SHA256_HEX];
    if (chmod(path, 0600) < 0 || store_fsync_path(path) < 0)
        return vs_error("cannot make '%s' durable: %s", path, strerror(errno));
    if (digest_file_sha256(path, hex, &p->memory_size, false) < 0)
        return -1;
    free(p->memory_sha256);
    p->memory_sha256 = vs_xstrdup(hex);
    return 0;
}

/* Removes a point's directory and whatever is in it; the manifest first, so
 * that a half-removed point never looks like a point. */
static int remove_point_dir(const char *store, const char *domain, const char *name)
{
    autofree char *dir = rp_dir(store, domain, name);
    autofree char *m = rp_path(store, domain, name, VS_RP_MANIFEST);
    if (unlink(m) < 0 && errno != ENOENT)
        return vs_error("cannot remove '%s': %s", m, strerror(errno));
    if (store_fsync_dir(dir) < 0 && errno != ENOENT)
        vs_debug("cannot sync '%s'", dir);
    autostrv char **left = vs_list_dir(dir, NULL);
    for (char **p = left; p && *p; p++) {
        autofree char *f = vs_asprintf("%s/%s", dir, *p);
        unlink(f);
    }
    if (rmdir(dir) < 0 && errno != ENOENT)
        return vs_error("cannot remove '%s': %s", dir, strerror(errno));
    autofree char *parent = rp_dir(store, domain, NULL);
    return store_fsync_dir(parent);
}

static void journal_point(vs_journal *j, const vs_restore_point *p)
{
    char v[32];
    journal_set(j, "name", p->name);
    journal_set(j, "state", p->domain_state);
    journal_set(j, "live", p->live ? "yes" : "no");
    journal_set(j, "origin", p->origin);
    if (p->parent)
        journal_set(j, "parent", p->parent);
    if (p->description)
        journal_set(j, "description", p->description);
    snprintf(v, sizeof(v), "%lld", p->created);
    journal_set(j, "created", v);
    journal_set_disk_count(j, p->ndisks);
    for (size_t i = 0; i < p->ndisks; i++) {
        journal_set_disk(j, i, "target", p->disks[i].target);
        journal_set_disk(j, i, "frozen", p->disks[i].frozen);
        journal_set_disk(j, i, "format", p->disks[i].frozen_format);
        if (p->disks[i].overlay)
            journal_set_disk(j, i, "overlay", p->disks[i].overlay);
        snprintf(v, sizeof(v), "%llu", p->disks[i].virtual_size);
        journal_set_disk(j, i, "size", v);
    }
}

static bool plain_path(const char *s)
{
    return s && s[0] == '/' && !strstr(s, "/../") && !strstr(s, "/./");
}

/* The point as journaled (recovery finishes its record from it). */
static vs_restore_point *point_from_journal(vs_journal *j, const char *what)
{
    size_t n = journal_disk_count(j, what);
    const char *name = journal_get(j, "name");
    if (n == 0)
        return NULL;
    if (!name || !vs_name_is_safe(name))
        return vs_error("journal '%s' names no valid restore point", journal_path(j)), NULL;
    vs_restore_point *p = vs_xcalloc(1, sizeof(*p));
    p->name = vs_xstrdup(name);
    p->domain = vs_xstrdup(journal_domain(j));
    p->uuid = vs_xstrdup(journal_uuid(j) ? journal_uuid(j) : "");
    const char *v;
    p->domain_state = vs_xstrdup((v = journal_get(j, "state")) ? v : "running");
    p->live = vs_streq(journal_get(j, "live"), "yes");
    p->origin = vs_xstrdup((v = journal_get(j, "origin")) ? v : "user");
    p->parent = (v = journal_get(j, "parent")) ? vs_xstrdup(v) : NULL;
    p->description = (v = journal_get(j, "description")) ? vs_xstrdup(v) : NULL;
    p->created = (v = journal_get(j, "created")) ? atoll(v) : (long long)time(NULL);
    p->paused_us = p->frozen_us = -1;
    p->disks = vs_xcalloc(n, sizeof(*p->disks));
    for (size_t i = 0; i < n; i++) {
        const char *t = journal_get_disk(j, i, "target"), *f = journal_get_disk(j, i, "frozen");
        const char *fmt = journal_get_disk(j, i, "format"), *o = journal_get_disk(j, i, "overlay");
        const char *sz = journal_get_disk(j, i, "size");
        if (!t || !plain_path(f) || !fmt || (o && !plain_path(o))) {
            rpmanifest_free(p);
            return vs_error("journal '%s' has an incomplete disk entry", journal_path(j)), NULL;
        }
        vs_rp_disk *d = &p->disks[p->ndisks++];
        d->target = vs_xstrdup(t);
        d->frozen = vs_xstrdup(f);
        d->frozen_format = vs_xstrdup(fmt);
        d->overlay = o ? vs_xstrdup(o) : NULL;
        d->virtual_size = sz ? strtoull(sz, NULL, 10) : 0;
    }
    return p;
}

/* Writes the point's manifest: the point exists from here on. */
static int write_manifest(const char *store, vs_restore_point *p)
{
    for (size_t i = 0; i < p->ndisks; i++)
        if (stat_frozen(&p->disks[i]) < 0)
            return -1;
    autofree char *path = rp_path(store, p->domain, p->name, VS_RP_MANIFEST);
    return rpmanifest_write(path, p);
}

/* ---- pause time, from libvirt's lifecycle events -------------------------- */

typedef struct pause_watch {
    pthread_mutex_t lock;
    struct timespec paused, resumed;
    bool saw_pause, saw_resume;
    int cb;
} pause_watch;

static void on_lifecycle(virConnectPtr conn, virDomainPtr dom, int event, int detail, void *opaque)
{
    pause_watch *w = opaque;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    pthread_mutex_lock(&w->lock);
    if (event == VIR_DOMAIN_EVENT_SUSPENDED && !w->saw_pause) {
        w->paused = now;
        w->saw_pause = true;
    } else if (event == VIR_DOMAIN_EVENT_RESUMED && w->saw_pause) {
        w->resumed = now;
        w->saw_resume = true;
    }
    pthread_mutex_unlock(&w->lock);
}

static void pause_watch_start(vs_ctx *ctx, virDomainPtr dom, pause_watch *w)
{
    *w = (pause_watch){.lock = PTHREAD_MUTEX_INITIALIZER, .cb = -1};
    w->cb = virConnectDomainEventRegisterAny(ctx->conn, dom, VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                                             VIR_DOMAIN_EVENT_CALLBACK(on_lifecycle), w, NULL);
}

/* Microseconds between the pause and the resume; -1 when not seen. */
static long long pause_watch_stop(vs_ctx *ctx, pause_watch *w)
{
    /* The resume event may trail the API's return by a moment. */
    for (int i = 0; i < 50; i++) {
        pthread_mutex_lock(&w->lock);
        bool done = !w->saw_pause || w->saw_resume;
        pthread_mutex_unlock(&w->lock);
        if (done)
            break;
        usleep(10000);
    }
    if (w->cb >= 0)
        virConnectDomainEventDeregisterAny(ctx->conn, w->cb);
    pthread_mutex_lock(&w->lock);
    long long us = -1;
    if (w->saw_pause && w->saw_resume)
        us = (long long)(w->resumed.tv_sec - w->paused.tv_sec) * 1000000 +
             (w->resumed.tv_nsec - w->paused.tv_nsec) / 1000;
    pthread_mutex_unlock(&w->lock);
    return us;
}

/* A point taken quiesced holds a guest frozen in its memory: once it is
 * restored, thaw it. The agent reconnects a moment after the restore; try
 * for up to 60 s. Returns the filesystems thawed, or -1 (reported). */
static int thaw_restored(virDomainPtr dom)
{
    const char *name = virDomainGetName(dom);
    for (int i = 0; i < 240; i++) {
        int n = virDomainFSThaw(dom, NULL, 0, 0);
        if (n >= 0)
            return n;
        if (job_interrupted())
            break;
        usleep(250000);
    }
    return vs_error("cannot thaw the filesystems of '%s': %s", name, conn_last_error());
}

/* ---- create ----------------------------------------------------------------- */

/* libvirt's snapshot XML: memory into the point's directory, every planned
 * disk external onto its pre-created overlay, every other disk left alone. */
static char *snapshot_xml(virDomainPtr dom, const vs_restore_point *p, const char *memory)
{
    const char **t = vs_xcalloc(p->ndisks, sizeof(char *)), **o = vs_xcalloc(p->ndisks, sizeof(char *));
    for (size_t i = 0; i < p->ndisks; i++)
        t[i] = p->disks[i].target, o[i] = p->disks[i].overlay;
    char *x = snapshot_libvirt_xml(dom, false, p->name, memory, p->ndisks, t, o);
    free(t), free(o);
    return x;
}

/* Plans the disks (every writable file disk) into p. */
static int plan_point_disks(virDomainPtr dom, const char *name, bool active, vs_restore_point *p)
{
    autosnapshot vs_snapshot *s = vs_xcalloc(1, sizeof(*s));
    vs_snapshot_request sr = {.name = name};
    if (snapshot_plan_disks(dom, &sr, active, s) < 0)
        return -1;
    p->disks = vs_xcalloc(s->ndisks, sizeof(*p->disks));
    for (size_t i = 0; i < s->ndisks; i++) {
        vs_rp_disk *d = &p->disks[p->ndisks++];
        d->target = vs_steal(&s->disks[i].target);
        d->frozen = vs_steal(&s->disks[i].backing);
        d->frozen_format = vs_steal(&s->disks[i].backing_format);
        d->overlay = vs_steal(&s->disks[i].overlay);
        d->virtual_size = s->disks[i].virtual_size;
    }
    return 0;
}

static void remove_overlays(const vs_restore_point *p, size_t upto)
{
    for (size_t i = 0; i < upto && i < p->ndisks; i++)
        if (p->disks[i].overlay && unlink(p->disks[i].overlay) < 0 && errno != ENOENT)
            vs_warn("cannot remove '%s': %s", p->disks[i].overlay, strerror(errno));
}

/* Creates the overlays of a shut-off domain's point, carrying the checkpoint
 * bitmaps libvirt needs in the top image. */
static int create_overlay(const vs_rp_disk *d, const char *overlay)
{
    if (qemuimg_create_overlay(overlay, d->frozen, d->frozen_format, d->virtual_size) < 0)
        return -1;
    int nb = 0;
    if (vs_streq(d->frozen_format, "qcow2") && qemuimg_copy_bitmaps(d->frozen, overlay, &nb) < 0)
        vs_warn("disk %s: not every checkpoint bitmap of '%s' was carried over; the next backup of this disk "
                "has to be a full one",
                d->target, d->frozen);
    return 0;
}

int rp_create(vs_ctx *ctx, virDomainPtr dom, const vs_rp_request *req, vs_restore_point **out)
{
    const char *dname = virDomainGetName(dom);
    int state = domain_state(dom);
    if (state < 0)
        return -1;
    bool running = state == VIR_DOMAIN_RUNNING || state == VIR_DOMAIN_BLOCKED;
    bool paused = state == VIR_DOMAIN_PAUSED;
    bool active = running || paused;
    if (!active && state != VIR_DOMAIN_SHUTOFF)
        return vs_error("domain '%s' is %s; a restore point needs it running, paused or shut off", dname,
                        domain_state_name(state));
    if (virDomainIsPersistent(dom) != 1)
        return vs_error("domain '%s' is transient; a restore point changes its definition, which a transient "
                        "domain loses when it stops (make it persistent with 'virsh define')",
                        dname);
    if (snapshot_name_taken(ctx->store, dname, req->name))
        return vs_error("domain '%s' already has a disk snapshot or restore point named '%s'", dname, req->name);
    if (req->live && !running)
        vs_info("domain '%s' is %s: --live changes nothing", dname, domain_state_name(state));
    if (!running && req->quiesce == VS_QUIESCE_REQUIRED)
        return vs_error("--quiesce required: domain '%s' is %s, its guest agent cannot freeze anything; no "
                        "restore point taken",
                        dname, domain_state_name(state));

    autorp vs_restore_point *p = vs_xcalloc(1, sizeof(*p));
    p->name = vs_xstrdup(req->name);
    p->domain = vs_xstrdup(dname);
    p->uuid = domain_uuid_string(dom);
    p->description = req->description ? vs_xstrdup(req->description) : NULL;
    p->created = (long long)time(NULL);
    p->origin = vs_xstrdup("user");
    p->domain_state = vs_xstrdup(running ? "running" : paused ? "paused" : "shut off");
    p->live = req->live && running;
    p->paused_us = p->frozen_us = -1;
    p->has_memory = active;
    fill_versions(ctx, p);
    if (plan_point_disks(dom, req->name, active, p) < 0)
        return -1;
    p->parent = parent_of(ctx->store, dname, p->disks[0].target, p->disks[0].frozen, NULL);
    autofree char *defxml = virDomainGetXMLDesc(dom, VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_SECURE);
    if (!defxml)
        return conn_error("cannot read the definition of the domain");

    autofree char *dir = rp_dir(ctx->store, dname, p->name);
    autofree char *mem = rp_path(ctx->store, dname, p->name, VS_RP_MEMORY);
    autofree char *defpath = rp_path(ctx->store, dname, p->name, VS_RP_DEFINITION);
    bool freezing = running && req->quiesce != VS_QUIESCE_OFF;

    if (req->dry_run) {
        vs_plan plan = {0};
        plan_add(&plan, "create directory %s (0700)", dir);
        for (size_t i = 0; i < p->ndisks; i++)
            plan_add(&plan, "create overlay %s (qcow2, 0600) on disk %s's file %s%s", p->disks[i].overlay,
                     p->disks[i].target, p->disks[i].frozen, active ? "" : ", carrying its checkpoint bitmaps");
        plan_add(&plan, "write %s (the persistent definition)", defpath);
        if (active) {
            if (freezing)
                plan_add(&plan, "freeze the guest's filesystems through its agent (--quiesce %s)",
                         req->quiesce == VS_QUIESCE_REQUIRED ? "required" : "auto");
            plan_add(&plan,
                     "virDomainSnapshotCreateXML: memory to %s, %zu disk%s onto the overlays "
                     "(REUSE_EXT|NO_METADATA|ATOMIC%s; the guest %s)",
                     mem, p->ndisks, p->ndisks == 1 ? "" : "s", p->live ? "|LIVE" : "",
                     p->live ? "runs while memory is copied and pauses for the last part" : "pauses meanwhile");
            if (freezing)
                plan_add(&plan, "thaw the guest's filesystems");
            plan_add(&plan, "fsync and SHA-256 %s", mem);
        } else {
            plan_add(&plan, "virDomainDefineXML: the definition naming the overlays");
        }
        plan_add(&plan, "write %s: the restore point exists from here", VS_RP_MANIFEST);
        plan_print(ctx, &plan, "restore-point create");
        return 0;
    }

    autofree char *ddir = store_domain_dir(ctx->store, dname);
    if (!ddir)
        return -1;
    autojournal vs_journal *j = journal_begin(ddir, OP_CREATE, dname, p->uuid);
    if (!j)
        return -1;
    journal_point(j, p);
    journal_set(j, "freeze", freezing ? "yes" : "no");

    job_signals_install();
    size_t made = 0;
    vs_freeze *frozen = NULL;
    bool quiesced = false;

    if (journal_step(j, "prepare") < 0)
        goto rollback;
    if (store_mkdirs(dir) < 0 || write_point_file(defpath, defxml, &p->definition_size, &p->definition_sha256) < 0)
        goto rollback;
    if (active) {
        int fd = open(mem, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0) {
            vs_error("cannot create '%s': %s", mem, strerror(errno));
            goto rollback;
        }
        fchmod(fd, 0600);
        close(fd);
    }
    for (; made < p->ndisks; made++) {
        if (job_interrupted())
            goto rollback;
        int rc = active ? qemuimg_create_overlay(p->disks[made].overlay, p->disks[made].frozen,
                                                 p->disks[made].frozen_format, p->disks[made].virtual_size)
                        : create_overlay(&p->disks[made], p->disks[made].overlay);
        if (rc < 0)
            goto rollback;
    }
    if (journal_step_done(j, "prepare") < 0 || job_interrupted())
        goto rollback;

    if (!active) {
        if (journal_step(j, "define") < 0)
            goto rollback;
        const char **t = vs_xcalloc(p->ndisks, sizeof(char *)), **src = vs_xcalloc(p->ndisks, sizeof(char *)),
                   **f = vs_xcalloc(p->ndisks, sizeof(char *));
        for (size_t i = 0; i < p->ndisks; i++)
            t[i] = p->disks[i].target, src[i] = p->disks[i].overlay, f[i] = "qcow2";
        int rc = domain_redefine_disks(dom, p->ndisks, t, src, f);
        free(t), free(src), free(f);
        if (rc < 0)
            goto rollback;
        p->consistency = vs_xstrdup("offline");
        if (journal_step_done(j, "define") < 0)
            goto unrecorded;
    } else {
        autofree char *xml = snapshot_xml(dom, p, mem);
        if (!xml)
            goto rollback;
        /* Nothing is journaled while the guest is frozen: the step is
         * begun before the freeze and done after the thaw. */
        if (journal_step(j, "snapshot") < 0)
            goto rollback;
        if (freezing) {
            autofree char *crash = vs_asprintf(
                "the disks of restore point '%s' are only crash-consistent on their own (with its memory the point "
                "is whole)",
                p->name);
            if (quiesce_freeze_by_policy(ctx, dom, req->quiesce, "restore point", crash, &frozen, &quiesced) < 0)
                goto rollback;
        }
        unsigned flags = VIR_DOMAIN_SNAPSHOT_CREATE_REUSE_EXT | VIR_DOMAIN_SNAPSHOT_CREATE_NO_METADATA |
                         VIR_DOMAIN_SNAPSHOT_CREATE_ATOMIC;
        if (p->live)
            flags |= VIR_DOMAIN_SNAPSHOT_CREATE_LIVE;
        pause_watch pw;
        pause_watch_start(ctx, dom, &pw);
        vs_job_watch *w = job_watch_start(dom, "restore-point");
        virDomainSnapshotPtr snap = virDomainSnapshotCreateXML(dom, xml, flags);
        bool aborted = job_watch_stop(w);
        autofree char *why = snap ? NULL : vs_xstrdup(conn_last_error());
        if (frozen) {
            int trc = quiesce_thaw(frozen);
            frozen = NULL;
            if (trc == 0 && snap)
                p->frozen_us = quiesce_last_frozen_us();
        }
        long long pause_us = pause_watch_stop(ctx, &pw);
        if (!snap) {
            progress_end(NULL);
            if (aborted)
                vs_error("interrupted; no restore point taken, '%s' is unchanged", dname);
            else
                vs_error("libvirt could not take the restore point of '%s': %s", dname, why);
            goto rollback;
        }
        virDomainSnapshotFree(snap);
        vs_job_result jr = {0};
        job_completed_stats(dom, &jr);
        job_print_summary("restore-point", &jr);
        p->paused_us = running ? pause_us : -1;
        p->consistency = vs_xstrdup(quiesced ? "quiesced" : "crash-consistent");
        journal_set(j, "quiesced", quiesced ? "yes" : "no");
        if (journal_step_done(j, "snapshot") < 0)
            goto unrecorded;
    }

    if (journal_step(j, "record") < 0 || (active && hash_memory(mem, p) < 0) || write_manifest(ctx->store, p) < 0 ||
        journal_step_done(j, "record") < 0)
        goto unrecorded;
    job_signals_restore();
    journal_finish(j);
    *out = vs_steal(&p);
    return 0;

unrecorded:
    job_signals_restore();
    return vs_error("the restore point was taken but its record was not written; run 'virt-state recover %s'",
                    dname);

rollback:
    if (frozen)
        quiesce_thaw(frozen);
    job_signals_restore();
    if (job_interrupted())
        vs_error("interrupted; no restore point taken, '%s' is unchanged", dname);
    remove_overlays(p, made);
    remove_point_dir(ctx->store, dname, p->name);
    journal_finish(j);
    return -1;
}

bool rp_journal_may_be_frozen(const vs_journal *j)
{
    /* create: between its freeze and its thaw; revert: a quiesced point's
     * memory restored and not yet thawed. */
    return vs_streq(journal_get(j, "freeze"), "yes") && (journal_step_state(j, "snapshot") == VS_STEP_BEGUN ||
                                                         journal_step_state(j, "start") == VS_STEP_BEGUN);
}

/* How many of p's disks the domain's definition (live when active) puts
 * on 'which' (overlay: true, frozen file: false). */
static size_t disks_on(virDomainPtr dom, const vs_restore_point *p, bool overlay)
{
    bool active = virDomainIsActive(dom) == 1;
    vs_disk *disks = NULL;
    size_t n = 0, on = 0;
    if (domain_disks(dom, !active, &disks, &n) < 0)
        return 0;
    for (size_t i = 0; i < p->ndisks; i++) {
        const vs_disk *d = domain_disk_find(disks, n, p->disks[i].target);
        if (d && vs_streq(d->source, overlay ? p->disks[i].overlay : p->disks[i].frozen))
            on++;
    }
    domain_disks_free(disks, n);
    return on;
}

int rp_create_recover(vs_ctx *ctx, vs_journal *j)
{
    const char *dname = journal_domain(j);
    autorp vs_restore_point *p = point_from_journal(j, "the restore point");
    if (!p)
        return -1;
    autodomain virDomainPtr dom = journal_uuid(j) ? virDomainLookupByUUIDString(ctx->conn, journal_uuid(j)) : NULL;
    if (!dom)
        return vs_error("domain '%s' no longer exists; journal '%s' left for inspection", dname, journal_path(j));
    /* libvirtd goes on with the snapshot of a killed client. */
    job_wait_idle(dom);
    if (rp_journal_may_be_frozen(j) && virDomainIsActive(dom) == 1) {
        int thawed = quiesce_thaw_domain(dom);
        if (thawed > 0)
            vs_warn("the interrupted restore point had left '%s' frozen; thawed %d filesystem%s", dname, thawed,
                    thawed == 1 ? "" : "s");
    }
    autofree char *mem = rp_path(ctx->store, dname, p->name, VS_RP_MEMORY);
    autofree char *defpath = rp_path(ctx->store, dname, p->name, VS_RP_DEFINITION);
    autofree char *mpath = rp_path(ctx->store, dname, p->name, VS_RP_MANIFEST);
    size_t on = disks_on(dom, p, true);
    if (on == p->ndisks) {
        /* Taken: finish the record. */
        bool offline = vs_streq(p->domain_state, "shut off");
        p->has_memory = !offline;
        p->consistency = vs_xstrdup(offline                                     ? "offline"
                                    : vs_streq(journal_get(j, "quiesced"), "yes") ? "quiesced"
                                                                                  : "crash-consistent");
        fill_versions(ctx, p);
        if (access(mpath, F_OK) != 0) {
            size_t len = 0;
            autofree char *def = manifest_read_file(defpath, &len);
            if (!def)
                return -1;
            char hex[VS_SHA256_HEX];
            digest_sha256(def, len, hex);
            p->definition_size = len;
            p->definition_sha256 = vs_xstrdup(hex);
            if ((!offline && hash_memory(mem, p) < 0) || write_manifest(ctx->store, p) < 0)
                return -1;
        }
        vs_info("finished the interrupted restore point '%s' of '%s' (%s)", p->name, dname, p->consistency);
        return journal_finish(j);
    }
    if (on == 0) {
        remove_overlays(p, p->ndisks);
        if (remove_point_dir(ctx->store, dname, p->name) < 0)
            return -1;
        vs_info("rolled back the interrupted restore point '%s' of '%s': removed its unused files", p->name, dname);
        return journal_finish(j);
    }
    return vs_error("domain '%s' runs on the overlays of only %zu of the %zu disks of restore point '%s'; journal "
                    "'%s' left for inspection",
                    dname, on, p->ndisks, p->name, journal_path(j));
}

/* ---- verify ------------------------------------------------------------------ */

int rp_verify(const char *store, const vs_restore_point *p, bool progress)
{
    int problems = 0;
    char hex[VS_SHA256_HEX];
    unsigned long long size = 0;
    autofree char *def = rp_path(store, p->domain, p->name, VS_RP_DEFINITION);
    if (digest_file_sha256(def, hex, &size, true) < 0)
        problems++;
    else if (size != p->definition_size || !vs_streq(hex, p->definition_sha256))
        problems++, vs_error("restore point '%s': '%s' does not match its checksum", p->name, def);
    if (p->has_memory) {
        autofree char *mem = rp_path(store, p->domain, p->name, VS_RP_MEMORY);
        struct stat st;
        if (progress && !vs_is_quiet() && isatty(STDERR_FILENO))
            fprintf(stderr, "checking %s...\r", mem);
        if (stat(mem, &st) == 0 && (unsigned long long)st.st_size != p->memory_size)
            problems++, vs_error("restore point '%s': '%s' has %llu bytes, the manifest says %llu", p->name, mem,
                                 (unsigned long long)st.st_size, p->memory_size);
        else if (digest_file_sha256(mem, hex, &size, true) < 0)
            problems++;
        else if (!vs_streq(hex, p->memory_sha256))
            problems++, vs_error("restore point '%s': memory image '%s' does not match its checksum", p->name, mem);
    }
    for (size_t i = 0; i < p->ndisks; i++) {
        const vs_rp_disk *d = &p->disks[i];
        vs_rp_disk now = {.frozen = d->frozen};
        if (stat_frozen(&now) < 0) {
            problems++;
            continue;
        }
        if (now.frozen_dev != d->frozen_dev || now.frozen_ino != d->frozen_ino)
            problems++, vs_error("restore point '%s': disk %s: '%s' is another file than the one frozen", p->name,
                                 d->target, d->frozen);
        else if (now.frozen_size != d->frozen_size || now.frozen_mtime != d->frozen_mtime)
            problems++, vs_error("restore point '%s': disk %s: '%s' was changed after the point was taken", p->name,
                                 d->target, d->frozen);
        /* The chain below: every backing file there. */
        autofree char *cur = vs_xstrdup(d->frozen);
        for (int depth = 0; cur && depth < 64; depth++) {
            char *next = qemuimg_backing_file(cur, NULL, false);
            if (next && access(next, R_OK) != 0) {
                problems++, vs_error("restore point '%s': disk %s: backing file '%s' of '%s' is missing", p->name,
                                     d->target, next, cur);
                free(next);
                next = NULL;
            }
            free(cur);
            cur = next;
        }
    }
    return problems;
}

/* ---- delete ------------------------------------------------------------------ */

/* Children of 'name' get its parent. */
static int reparent_children(const char *store, const char *domain, const char *name, const char *parent)
{
    size_t n;
    vs_restore_point **all = load_all(store, domain, &n);
    int ret = 0;
    for (size_t i = 0; i < n; i++) {
        if (!vs_streq(all[i]->parent, name))
            continue;
        free(all[i]->parent);
        all[i]->parent = parent ? vs_xstrdup(parent) : NULL;
        autofree char *path = rp_path(store, domain, all[i]->name, VS_RP_MANIFEST);
        if (rpmanifest_write(path, all[i]) < 0)
            ret = -1;
        else
            vs_debug("restore point '%s' now has parent '%s'", all[i]->name, parent ? parent : "(none)");
    }
    free_all(all, n);
    return ret;
}

int rp_delete(vs_ctx *ctx, virDomainPtr dom, const char *name, bool dry_run)
{
    const char *dname = virDomainGetName(dom);
    autorp vs_restore_point *p = rp_load(ctx->store, dname, name);
    if (!p)
        return -1;
    autofree char *uuid = domain_uuid_string(dom);
    if (!vs_streq(p->uuid, uuid))
        return vs_error("restore point '%s' belongs to the domain with UUID %s, not to '%s' (%s)", name, p->uuid,
                        dname, uuid);
    autofree char *dir = rp_dir(ctx->store, dname, name);
    /* Merged only once the point is gone: then nothing names them. */
    autostrv char **merge = NULL;
    {
        /* Names in other points or disk snapshots keep a disk from merging. */
        bool active = virDomainIsActive(dom) == 1;
        vs_disk *disks = NULL;
        size_t n = 0, k = 0;
        if (domain_disks(dom, !active, &disks, &n) < 0)
            return -1;
        size_t nall;
        vs_restore_point **all = load_all(ctx->store, dname, &nall);
        for (size_t i = 0; i < p->ndisks; i++) {
            const vs_rp_disk *d = &p->disks[i];
            const vs_disk *cur = domain_disk_find(disks, n, d->target);
            if (!d->overlay || !cur || !vs_streq(cur->source, d->overlay))
                continue;
            bool other = false;
            for (size_t a = 0; a < nall && !other; a++) {
                if (vs_streq(all[a]->name, name))
                    continue;
                for (size_t b = 0; b < all[a]->ndisks && !other; b++)
                    other = vs_streq(all[a]->disks[b].frozen, d->frozen) ||
                            vs_streq(all[a]->disks[b].overlay, d->frozen) ||
                            vs_streq(all[a]->disks[b].frozen, d->overlay) ||
                            vs_streq(all[a]->disks[b].overlay, d->overlay);
            }
            autostrv char **snaps = snapshot_names(ctx->store, dname);
            for (char **s = snaps; s && *s && !other; s++) {
                autofree char *sm = snapshot_manifest_path(ctx->store, dname, *s);
                autosnapshot vs_snapshot *sn = manifest_snapshot_load(sm);
                for (size_t b = 0; sn && b < sn->ndisks && !other; b++)
                    other = vs_streq(sn->disks[b].backing, d->frozen) || vs_streq(sn->disks[b].overlay, d->frozen) ||
                            vs_streq(sn->disks[b].backing, d->overlay);
            }
            if (!other)
                vs_strv_push(&merge, &k, vs_xstrdup(d->target));
        }
        free_all(all, nall);
        domain_disks_free(disks, n);
    }

    if (dry_run) {
        vs_plan plan = {0};
        plan_add(&plan, "remove %s/%s: the restore point ends here", dir, VS_RP_MANIFEST);
        if (p->has_memory)
            plan_add(&plan, "remove %s/%s (%llu bytes)", dir, VS_RP_MEMORY, p->memory_size);
        plan_add(&plan, "remove %s/%s and the directory", dir, VS_RP_DEFINITION);
        size_t nall;
        vs_restore_point **all = load_all(ctx->store, dname, &nall);
        for (size_t a = 0; a < nall; a++)
            if (vs_streq(all[a]->parent, name))
                plan_add(&plan, "rewrite the manifest of restore point '%s': parent '%s'", all[a]->name,
                         p->parent ? p->parent : "(none)");
        free_all(all, nall);
        for (size_t i = 0; i < p->ndisks; i++) {
            const vs_rp_disk *d = &p->disks[i];
            if (vs_strv_contains(merge, d->target))
                plan_add(&plan, "disk %s: commit overlay %s into %s (virDomainBlockCommit ACTIVE|SHALLOW and a "
                                "pivot when running, qemu-img commit and a redefinition when shut off), then "
                                "remove the overlay",
                         d->target, d->overlay, d->frozen);
            else
                plan_add(&plan, "disk %s: keep %s (the state after the point builds on it)", d->target, d->frozen);
        }
        plan_print(ctx, &plan, "restore-point delete");
        return 0;
    }

    autofree char *ddir = store_domain_dir(ctx->store, dname);
    autojournal vs_journal *j = ddir ? journal_begin(ddir, OP_DELETE, dname, p->uuid) : NULL;
    if (!j)
        return -1;
    journal_set(j, "name", name);
    if (p->parent)
        journal_set(j, "parent", p->parent);
    if (journal_step(j, "forget") < 0 || remove_point_dir(ctx->store, dname, name) < 0)
        return vs_error("restore point '%s' could not be removed; run 'virt-state recover %s'", name, dname);
    if (journal_step_done(j, "forget") < 0 || journal_step(j, "reparent") < 0 ||
        reparent_children(ctx->store, dname, name, p->parent) < 0 || journal_step_done(j, "reparent") < 0)
        return vs_error("the children of restore point '%s' could not be updated; run 'virt-state recover %s'",
                        name, dname);
    journal_finish(j);
    vs_info("deleted restore point '%s' of '%s'%s", name, dname,
            p->has_memory ? " and its memory image" : "");
    if (merge && merge[0]) {
        /* The overlay the domain runs on folds back into the frozen file:
         * the commit has its own journal and recovery. */
        vs_commit_request cr = {.disks = merge};
        if (commit_domain(ctx, dom, &cr) < 0)
            return vs_error("restore point '%s' is deleted, but its overlays were not merged; nothing is lost, "
                            "and 'virt-state commit %s' can merge them later",
                            name, dname);
    }
    return 0;
}

int rp_delete_recover(vs_ctx *ctx, vs_journal *j)
{
    const char *dname = journal_domain(j);
    const char *name = journal_get(j, "name");
    if (!name || !vs_name_is_safe(name))
        return vs_error("journal '%s' names no valid restore point", journal_path(j));
    /* The delete is finished, never undone: the manifest may be gone. */
    if (remove_point_dir(ctx->store, dname, name) < 0 ||
        reparent_children(ctx->store, dname, name, journal_get(j, "parent")) < 0)
        return -1;
    vs_info("finished the interrupted delete of restore point '%s' of '%s'", name, dname);
    return journal_finish(j);
}

/* ---- revert ------------------------------------------------------------------- */

/* A new overlay name beside 'path': "<path minus .qcow2>.<N>.qcow2". */
static char *fresh_name(const char *path)
{
    size_t l = strlen(path);
    size_t stem = l > 6 && strcmp(path + l - 6, ".qcow2") == 0 ? l - 6 : l;
    for (unsigned i = 1; i < 100000; i++) {
        char *c = vs_asprintf("%.*s.%u.qcow2", (int)stem, path, i);
        if (access(c, F_OK) != 0)
            return c;
        free(c);
    }
    return NULL;
}

/* "pre-revert-YYYYmmdd-HHMMSS", made unique. */
static char *pre_revert_name(const char *store, const char *domain)
{
    char base[64];
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(base, sizeof(base), "pre-revert-%Y%m%d-%H%M%S", &tm);
    if (!snapshot_name_taken(store, domain, base))
        return vs_xstrdup(base);
    for (int i = 2; i < 1000; i++) {
        char *c = vs_asprintf("%s-%d", base, i);
        if (!snapshot_name_taken(store, domain, c))
            return c;
        free(c);
    }
    return NULL;
}

/* The definition 'xml' with each of p's disks on fresh[i]. */
static char *xml_on(const char *xml, const vs_restore_point *p, char *const *fresh)
{
    const char **t = vs_xcalloc(p->ndisks, sizeof(char *)), **f = vs_xcalloc(p->ndisks, sizeof(char *));
    for (size_t i = 0; i < p->ndisks; i++)
        t[i] = p->disks[i].target, f[i] = "qcow2";
    char *out = domain_xml_set_disk_sources(xml, p->ndisks, t, (const char *const *)fresh, f);
    free(t), free(f);
    return out;
}

/* Keeps the state being left as a point of its own: a running or paused
 * domain is saved (and stops), its current files become the point's frozen
 * files; a shut-off domain's files and definition are recorded. */
static int keep_current(vs_ctx *ctx, virDomainPtr dom, vs_journal *j, vs_restore_point *k)
{
    const char *dname = virDomainGetName(dom);
    bool active = virDomainIsActive(dom) == 1;
    autofree char *dir = rp_dir(ctx->store, dname, k->name);
    autofree char *mem = rp_path(ctx->store, dname, k->name, VS_RP_MEMORY);
    autofree char *defpath = rp_path(ctx->store, dname, k->name, VS_RP_DEFINITION);
    autofree char *defxml = virDomainGetXMLDesc(dom, VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_SECURE);
    if (!defxml)
        return conn_error("cannot read the definition of the domain");
    if (store_mkdirs(dir) < 0 || write_point_file(defpath, defxml, &k->definition_size, &k->definition_sha256) < 0)
        return -1;
    if (active) {
        int fd = open(mem, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0)
            return vs_error("cannot create '%s': %s", mem, strerror(errno));
        fchmod(fd, 0600);
        close(fd);
        vs_job_watch *w = job_watch_start(dom, "save");
        int rc = virDomainSaveFlags(dom, mem, NULL, 0);
        bool aborted = job_watch_stop(w);
        if (rc < 0) {
            progress_end(NULL);
            return aborted ? vs_error("interrupted; the domain keeps running")
                           : conn_error("cannot save the state being left");
        }
        vs_job_result jr = {0};
        job_completed_stats(dom, &jr);
        job_print_summary("save", &jr);
        if (hash_memory(mem, k) < 0)
            return -1;
    }
    journal_set(j, "kept", k->name);
    return write_manifest(ctx->store, k);
}

/* Checkpoints the state gone back to cannot serve (made after the point)
 * lose their metadata, before anything takes a new backup. */
static void drop_checkpoints(virDomainPtr dom, size_t n, const char *const *fresh, const vs_journal *j)
{
    const char **t = vs_xcalloc(n, sizeof(char *));
    for (size_t i = 0; i < n; i++)
        t[i] = journal_get_disk(j, i, "target");
    if (checkpoint_drop_missing(dom, n, t, fresh) < 0)
        vs_warn("some checkpoints of '%s' may not match the state gone back to; take a full backup next",
                virDomainGetName(dom));
    free(t);
}

int rp_revert(vs_ctx *ctx, virDomainPtr dom, const vs_rp_revert_request *req)
{
    const char *dname = virDomainGetName(dom);
    autofree char *uuid = domain_uuid_string(dom);
    autorp vs_restore_point *p = rp_load(ctx->store, dname, req->name);
    if (!p)
        return -1;
    if (!vs_streq(p->uuid, uuid))
        return vs_error("restore point '%s' belongs to the domain with UUID %s, not to '%s' (%s)", req->name,
                        p->uuid, dname, uuid);
    if (virDomainIsPersistent(dom) != 1)
        return vs_error("domain '%s' is transient; a revert rewrites its persistent definition", dname);
    if (!p->has_memory && req->run == VS_RUN_PAUSED)
        vs_info("restore point '%s' holds no memory: the domain boots, paused", req->name);
    /* Verify first: refuse when anything the point needs changed. */
    if (rp_verify(ctx->store, p, true) > 0)
        return vs_error("restore point '%s' does not verify; no revert, '%s' is untouched", req->name, dname);

    int state = domain_state(dom);
    if (state < 0)
        return -1;
    bool active = state != VIR_DOMAIN_SHUTOFF;
    vs_disk *cur = NULL;
    size_t ncur = 0;
    if (domain_disks(dom, !active, &cur, &ncur) < 0)
        return -1;
    autostrv char **current = vs_xcalloc(p->ndisks + 1, sizeof(char *));
    autostrv char **fresh = vs_xcalloc(p->ndisks + 1, sizeof(char *));
    for (size_t i = 0; i < p->ndisks; i++) {
        const vs_disk *d = domain_disk_find(cur, ncur, p->disks[i].target);
        if (d && d->source)
            current[i] = vs_xstrdup(d->source);
    }
    domain_disks_free(cur, ncur);
    for (size_t i = 0; i < p->ndisks; i++) {
        if (!current[i]) {
            for (size_t k = i; k < p->ndisks; k++)
                current[k] = vs_xstrdup(""); /* keep the vector whole for the free */
            return vs_error("domain '%s' has no file disk '%s' any more; cannot revert to '%s'", dname,
                            p->disks[i].target, req->name);
        }
        fresh[i] = fresh_name(p->disks[i].overlay ? p->disks[i].overlay : p->disks[i].frozen);
        if (!fresh[i])
            return vs_error("no free name for a new overlay beside '%s'", p->disks[i].frozen);
    }

    /* The state being left. */
    autorp vs_restore_point *k = NULL;
    if (!req->discard_current) {
        k = vs_xcalloc(1, sizeof(*k));
        k->name = pre_revert_name(ctx->store, dname);
        if (!k->name)
            return vs_error("no free name for the pre-revert restore point");
        k->domain = vs_xstrdup(dname);
        k->uuid = vs_xstrdup(uuid);
        k->description = vs_asprintf("the state before the revert to '%s'", req->name);
        k->created = (long long)time(NULL);
        k->origin = vs_xstrdup("pre-revert");
        k->domain_state = vs_xstrdup(state == VIR_DOMAIN_PAUSED ? "paused" : active ? "running" : "shut off");
        k->consistency = vs_xstrdup(active ? "crash-consistent" : "offline");
        k->has_memory = active;
        k->paused_us = k->frozen_us = -1;
        fill_versions(ctx, k);
        k->disks = vs_xcalloc(p->ndisks, sizeof(*k->disks));
        for (size_t i = 0; i < p->ndisks; i++) {
            vs_rp_disk *d = &k->disks[k->ndisks++];
            d->target = vs_xstrdup(p->disks[i].target);
            d->frozen = vs_xstrdup(current[i]);
            d->frozen_format = vs_xstrdup("qcow2"); /* the definition's format, below */
            d->virtual_size = p->disks[i].virtual_size;
        }
        /* The format of each current file, from the definition. */
        vs_disk *dd = NULL;
        size_t nd = 0;
        if (domain_disks(dom, !active, &dd, &nd) == 0) {
            for (size_t i = 0; i < k->ndisks; i++) {
                const vs_disk *d = domain_disk_find(dd, nd, k->disks[i].target);
                if (d && (vs_streq(d->format, "raw") || vs_streq(d->format, "qcow2"))) {
                    free(k->disks[i].frozen_format);
                    k->disks[i].frozen_format = vs_xstrdup(d->format);
                }
            }
            domain_disks_free(dd, nd);
        }
        k->parent = parent_of(ctx->store, dname, k->disks[0].target, k->disks[0].frozen, NULL);
    }
    bool start = p->has_memory || req->run != VS_RUN_AS_POINT;
    bool run_paused = req->run == VS_RUN_PAUSED || (req->run == VS_RUN_AS_POINT && vs_streq(p->domain_state, "paused"));
    autofree char *mem = rp_path(ctx->store, dname, req->name, VS_RP_MEMORY);
    autofree char *defpath = rp_path(ctx->store, dname, req->name, VS_RP_DEFINITION);

    if (req->dry_run) {
        vs_plan plan = {0};
        plan_add(&plan, "verify restore point '%s' (done: it verifies)", req->name);
        autofree char *kmem = k ? rp_path(ctx->store, dname, k->name, VS_RP_MEMORY) : NULL;
        if (k && active)
            plan_add(&plan, "keep the current state as restore point '%s': virDomainSaveFlags to %s (the domain "
                            "stops), its files %s... become the point's frozen files",
                     k->name, kmem, current[0]);
        else if (k)
            plan_add(&plan, "keep the current state as restore point '%s' (disks and definition)", k->name);
        else if (active)
            plan_add(&plan, "virDomainDestroy: stop the domain (--discard-current: its state is not kept)");
        for (size_t i = 0; i < p->ndisks; i++)
            plan_add(&plan, "create overlay %s (qcow2, 0600) on %s, carrying its checkpoint bitmaps", fresh[i],
                     p->disks[i].frozen);
        plan_add(&plan, "virDomainDefineXML: the point's definition (%s) naming the new overlays", defpath);
        if (p->has_memory)
            plan_add(&plan, "virDomainRestoreFlags: memory from %s with its XML naming the new overlays, %s", mem,
                     run_paused && !vs_streq(p->consistency, "quiesced") ? "paused" : "running");
        else if (start)
            plan_add(&plan, "virDomainCreate: start the domain%s", run_paused ? " paused" : "");
        if (p->has_memory && vs_streq(p->consistency, "quiesced"))
            plan_add(&plan, "thaw the guest's filesystems (the point was taken frozen)%s",
                     run_paused ? ", then virDomainSuspend" : "");
        if (req->discard_current)
            for (size_t i = 0; i < p->ndisks; i++)
                plan_add(&plan, "remove %s unless a restore point or disk snapshot needs it", current[i]);
        plan_print(ctx, &plan, "revert");
        return 0;
    }

    autofree char *defxml = NULL;
    {
        size_t len = 0;
        autofree char *raw = manifest_read_file(defpath, &len);
        if (!raw)
            return -1;
        defxml = xml_on(raw, p, fresh);
        if (!defxml)
            return -1;
    }
    autofree char *memxml = NULL;
    if (p->has_memory) {
        autofree char *raw = virDomainSaveImageGetXMLDesc(ctx->conn, mem, VIR_DOMAIN_SAVE_IMAGE_XML_SECURE);
        if (!raw)
            return conn_error("cannot read the domain XML in the memory image");
        memxml = xml_on(raw, p, fresh);
        if (!memxml)
            return -1;
    }

    autofree char *ddir = store_domain_dir(ctx->store, dname);
    autojournal vs_journal *j = ddir ? journal_begin(ddir, OP_REVERT, dname, uuid) : NULL;
    if (!j)
        return -1;
    journal_set(j, "name", req->name);
    journal_set(j, "start", start ? (run_paused ? "paused" : "running") : "no");
    journal_set(j, "discard", req->discard_current ? "yes" : "no");
    journal_set_disk_count(j, p->ndisks);
    for (size_t i = 0; i < p->ndisks; i++) {
        journal_set_disk(j, i, "target", p->disks[i].target);
        journal_set_disk(j, i, "new", fresh[i]);
        journal_set_disk(j, i, "old", current[i]);
    }
    if (k)
        journal_set(j, "keep", k->name);
    /* A point taken frozen holds a frozen guest: it is restored running,
     * thawed, and paused again when it is to stay paused. */
    bool thaw = p->has_memory && start && vs_streq(p->consistency, "quiesced");
    journal_set(j, "freeze", thaw ? "yes" : "no");

    job_signals_install();
    size_t made = 0;
    if (k) {
        if (journal_step(j, "keep") < 0 || keep_current(ctx, dom, j, k) < 0) {
            autofree char *kdir = rp_dir(ctx->store, dname, k->name);
            if (virDomainIsActive(dom) == 1 || !active) {
                remove_point_dir(ctx->store, dname, k->name);
                goto rollback;
            }
            job_signals_restore();
            return vs_error("'%s' is saved and stopped but its pre-revert point is incomplete; run 'virt-state "
                            "recover %s'",
                            dname, dname);
        }
        journal_step_done(j, "keep");
        vs_info("kept the state being left as restore point '%s'", k->name);
    } else if (active) {
        if (journal_step(j, "stop") < 0)
            goto rollback;
        if (virDomainDestroy(dom) < 0) {
            conn_error("cannot stop the domain");
            goto rollback;
        }
        journal_step_done(j, "stop");
    }
    if (journal_step(j, "overlays") < 0)
        goto stopped;
    for (; made < p->ndisks; made++) {
        vs_rp_disk *d = &p->disks[made];
        if (job_interrupted() || create_overlay(d, fresh[made]) < 0)
            goto stopped;
    }
    if (journal_step_done(j, "overlays") < 0 || job_interrupted())
        goto stopped;
    if (journal_step(j, "define") < 0)
        goto stopped;
    virDomainPtr nd = virDomainDefineXML(ctx->conn, defxml);
    if (!nd) {
        conn_error("cannot define the domain on the new overlays");
        goto stopped;
    }
    virDomainFree(nd);
    journal_step_done(j, "define");
    job_signals_restore();
    drop_checkpoints(dom, p->ndisks, (const char *const *)fresh, j);

    int ret = 0;
    if (start && journal_step(j, "start") < 0)
        return vs_error("the disks of '%s' are back at '%s' but the journal could not be written; run "
                        "'virt-state recover %s' to start it",
                        dname, req->name, dname);
    if (start) {
        if (p->has_memory) {
            unsigned flags = run_paused && !thaw ? VIR_DOMAIN_SAVE_PAUSED : VIR_DOMAIN_SAVE_RUNNING;
            if (virDomainRestoreFlags(ctx->conn, mem, memxml, flags) < 0)
                ret = conn_error("the disks are back at the point, but its memory could not be restored (the "
                                 "domain is shut off; 'virsh start' boots the point's disks)");
        } else if (virDomainCreateWithFlags(dom, run_paused ? VIR_DOMAIN_START_PAUSED : 0) < 0) {
            ret = conn_error("the revert is done but the domain did not start");
        }
        if (ret == 0 && thaw) {
            /* The point was taken with the guest frozen: its memory is. */
            int thawed = thaw_restored(dom);
            if (thawed > 0)
                vs_debug("thawed %d filesystem%s frozen in the point's memory", thawed, thawed == 1 ? "" : "s");
            if (thawed < 0)
                vs_warn("the guest was frozen when the point was taken and could not be thawed now; run "
                        "'virt-state thaw %s'",
                        dname);
            if (run_paused && virDomainSuspend(dom) < 0)
                ret = conn_error("the guest was restored and thawed but could not be paused");
        }
        journal_step_done(j, "start");
    }
    if (req->discard_current) {
        for (size_t i = 0; i < p->ndisks; i++) {
            const char *old = current[i];
            /* Only an overlay on some point's state, that nothing names. */
            autofree char *base = old[0] ? parent_of(ctx->store, dname, p->disks[i].target, old, NULL) : NULL;
            if (!base || rp_file_referenced(ctx->store, dname, old))
                continue;
            if (unlink(old) == 0)
                vs_info("removed '%s', the state before the revert", old);
        }
    }
    journal_finish(j);
    for (size_t i = 0; i < p->ndisks; i++)
        vs_info("disk %s of '%s' is back at restore point '%s' (new overlay '%s')", p->disks[i].target, dname,
                req->name, fresh[i]);
    if (ret == 0)
        vs_info("'%s' is %s at restore point '%s'", dname,
                !start ? "shut off" : run_paused ? "paused" : "running", req->name);
    if (ctx->json) {
        vs_json js;
        json_init(&js, stdout);
        json_begin_object(&js);
        json_key(&js, "domain");
        json_string(&js, dname);
        json_key(&js, "restore_point");
        json_string(&js, req->name);
        json_key(&js, "kept_as");
        json_string(&js, k ? k->name : NULL);
        json_key(&js, "state");
        json_string(&js, !start ? "shut off" : run_paused ? "paused" : "running");
        json_key(&js, "disks");
        json_begin_array(&js);
        for (size_t i = 0; i < p->ndisks; i++) {
            json_begin_object(&js);
            json_key(&js, "target");
            json_string(&js, p->disks[i].target);
            json_key(&js, "overlay");
            json_string(&js, fresh[i]);
            json_key(&js, "frozen");
            json_string(&js, p->disks[i].frozen);
            json_key(&js, "previous");
            json_string(&js, current[i]);
            json_end_object(&js);
        }
        json_end_array(&js);
        json_end_object(&js);
        json_finish(&js);
    }
    return ret;

stopped:
    /* The domain is stopped (its state kept as k, or discarded on request):
     * undo the overlays; the definition is unchanged. */
    job_signals_restore();
    for (size_t i = 0; i < made; i++)
        unlink(fresh[i]);
    journal_finish(j);
    if (k)
        return vs_error("no revert; '%s' is shut off and its state is kept as restore point '%s' ('virt-state "
                        "revert %s %s' brings it back)",
                        dname, k->name, dname, k->name);
    return vs_error("no revert; '%s' is shut off, its definition unchanged", dname);

rollback:
    job_signals_restore();
    journal_finish(j);
    return vs_error("no revert: '%s' is unchanged", dname);
}

int rp_revert_recover(vs_ctx *ctx, vs_journal *j)
{
    const char *dname = journal_domain(j);
    const char *name = journal_get(j, "name");
    size_t n = journal_disk_count(j, "the revert");
    if (n == 0 || !name || !vs_name_is_safe(name))
        return vs_error("journal '%s' is incomplete", journal_path(j));
    autodomain virDomainPtr dom = journal_uuid(j) ? virDomainLookupByUUIDString(ctx->conn, journal_uuid(j)) : NULL;
    if (!dom)
        return vs_error("domain '%s' no longer exists; journal '%s' left for inspection", dname, journal_path(j));
    job_wait_idle(dom);
    const char *keep = journal_get(j, "keep");

    /* 1. The state being left: once saved, it is kept as a point. */
    if (keep && vs_name_is_safe(keep) && journal_step_state(j, "keep") == VS_STEP_BEGUN) {
        autofree char *km = rp_path(ctx->store, dname, keep, VS_RP_MANIFEST);
        autofree char *kmem = rp_path(ctx->store, dname, keep, VS_RP_MEMORY);
        bool saved = virDomainIsActive(dom) != 1;
        if (saved && access(km, F_OK) != 0) {
            /* Rebuild the point from what the journal and the files say. */
            autorp vs_restore_point *k = vs_xcalloc(1, sizeof(*k));
            k->name = vs_xstrdup(keep);
            k->domain = vs_xstrdup(dname);
            k->uuid = vs_xstrdup(journal_uuid(j));
            k->description = vs_asprintf("the state before the revert to '%s'", name);
            k->created = (long long)time(NULL);
            k->origin = vs_xstrdup("pre-revert");
            autofree char *img = virDomainSaveImageGetXMLDesc(ctx->conn, kmem, 0);
            k->has_memory = img != NULL;
            k->domain_state = vs_xstrdup(k->has_memory ? "running" : "shut off");
            k->consistency = vs_xstrdup(k->has_memory ? "crash-consistent" : "offline");
            k->paused_us = k->frozen_us = -1;
            fill_versions(ctx, k);
            k->disks = vs_xcalloc(n, sizeof(*k->disks));
            for (size_t i = 0; i < n; i++) {
                const char *t = journal_get_disk(j, i, "target"), *old = journal_get_disk(j, i, "old");
                if (!t || !plain_path(old))
                    return vs_error("journal '%s' has an incomplete disk entry", journal_path(j));
                vs_rp_disk *d = &k->disks[k->ndisks++];
                d->target = vs_xstrdup(t);
                d->frozen = vs_xstrdup(old);
                /* The definition still names the old files (no define yet). */
                vs_disk *dd = NULL;
                size_t ndd = 0;
                const vs_disk *x = NULL;
                if (domain_disks(dom, true, &dd, &ndd) == 0)
                    x = domain_disk_find(dd, ndd, t);
                d->frozen_format = vs_xstrdup(x && vs_streq(x->format, "raw") ? "raw" : "qcow2");
                domain_disks_free(dd, ndd);
                virDomainBlockInfo bi;
                d->virtual_size = virDomainGetBlockInfo(dom, t, &bi, 0) == 0 ? bi.capacity : 0;
            }
            autofree char *defpath = rp_path(ctx->store, dname, keep, VS_RP_DEFINITION);
            size_t len = 0;
            autofree char *def = access(defpath, F_OK) == 0 ? manifest_read_file(defpath, &len) : NULL;
            if (!def)
                return vs_error("the pre-revert point '%s' has no definition; journal '%s' left for inspection", keep,
                                journal_path(j));
            char hex[VS_SHA256_HEX];
            digest_sha256(def, len, hex);
            k->definition_size = len;
            k->definition_sha256 = vs_xstrdup(hex);
            k->parent = parent_of(ctx->store, dname, k->disks[0].target, k->disks[0].frozen, NULL);
            if ((k->has_memory && hash_memory(kmem, k) < 0) || write_manifest(ctx->store, k) < 0)
                return -1;
        } else if (!saved) {
            remove_point_dir(ctx->store, dname, keep);
            vs_info("rolled back the interrupted revert of '%s' to '%s': it keeps running, unchanged", dname, name);
            return journal_finish(j);
        }
    }

    /* 2. Where the definition stands. */
    vs_disk *disks = NULL;
    size_t nd = 0;
    if (domain_disks(dom, true, &disks, &nd) < 0)
        return -1;
    size_t on_new = 0;
    for (size_t i = 0; i < n; i++) {
        const char *t = journal_get_disk(j, i, "target"), *nw = journal_get_disk(j, i, "new");
        const vs_disk *d = t ? domain_disk_find(disks, nd, t) : NULL;
        if (d && nw && vs_streq(d->source, nw))
            on_new++;
    }
    domain_disks_free(disks, nd);
    if (on_new == n) {
        const char *start = journal_get(j, "start");
        {
            const char **fresh = vs_xcalloc(n, sizeof(char *));
            for (size_t i = 0; i < n; i++)
                fresh[i] = journal_get_disk(j, i, "new");
            drop_checkpoints(dom, n, fresh, j);
            free(fresh);
        }
        if (virDomainIsActive(dom) != 1 && start && !vs_streq(start, "no")) {
            autofree char *mem = rp_path(ctx->store, dname, name, VS_RP_MEMORY);
            bool paused = vs_streq(start, "paused");
            int rc;
            if (access(mem, F_OK) == 0) {
                autofree char *raw = virDomainSaveImageGetXMLDesc(ctx->conn, mem, VIR_DOMAIN_SAVE_IMAGE_XML_SECURE);
                autofree char *inactive = virDomainGetXMLDesc(dom, VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_SECURE);
                /* The image's XML on the new overlays, as the definition has them. */
                const char **t = vs_xcalloc(n, sizeof(char *)), **src = vs_xcalloc(n, sizeof(char *)),
                           **f = vs_xcalloc(n, sizeof(char *));
                for (size_t i = 0; i < n; i++)
                    t[i] = journal_get_disk(j, i, "target"), src[i] = journal_get_disk(j, i, "new"), f[i] = "qcow2";
                autofree char *x = raw ? domain_xml_set_disk_sources(raw, n, t, src, f) : NULL;
                free(t), free(src), free(f);
                (void)inactive;
                autorp vs_restore_point *pt = rp_load(ctx->store, dname, name);
                bool thaw = pt && vs_streq(pt->consistency, "quiesced");
                rc = x ? virDomainRestoreFlags(ctx->conn, mem, x,
                                               paused && !thaw ? VIR_DOMAIN_SAVE_PAUSED : VIR_DOMAIN_SAVE_RUNNING)
                       : -1;
                if (rc == 0 && thaw) {
                    thaw_restored(dom);
                    if (paused)
                        virDomainSuspend(dom);
                }
            } else {
                rc = virDomainCreateWithFlags(dom, paused ? VIR_DOMAIN_START_PAUSED : 0);
            }
            if (rc < 0)
                return conn_error("the revert's definition is in place but the domain could not be started");
        }
        vs_info("finished the interrupted revert of '%s' to restore point '%s'", dname, name);
        return journal_finish(j);
    }
    if (on_new == 0) {
        for (size_t i = 0; i < n; i++) {
            const char *nw = journal_get_disk(j, i, "new");
            if (plain_path(nw) && unlink(nw) == 0)
                vs_debug("removed %s", nw);
        }
        if (virDomainIsActive(dom) == 1)
            vs_info("rolled back the interrupted revert of '%s' to '%s': unchanged", dname, name);
        else if (keep)
            vs_info("rolled back the interrupted revert of '%s' to '%s': it is shut off, its state kept as restore "
                    "point '%s' ('virt-state revert %s %s' brings it back)",
                    dname, name, keep, dname, keep);
        else
            vs_info("rolled back the interrupted revert of '%s' to '%s': it is shut off, its definition unchanged",
                    dname, name);
        return journal_finish(j);
    }
    return vs_error("the definition of '%s' names the new overlays of only some disks; journal '%s' left for "
                    "inspection",
                    dname, journal_path(j));
}
