#include "config.h"
#include "backup.h"
#include "backup_health.h"
#include "backup_pull.h"
#include "backup_snapshot.h"
#include "backup_define.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libxml/tree.h>

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

#define OP "backup"
#define CHECKPOINT_PREFIX "virt-state-"

/* ---- the store ------------------------------------------------------------ */

char *backup_dir(const char *store, const char *domain, const char *chain)
{
    return chain ? vs_asprintf("%s/%s/backups/%s", store, domain, chain) : vs_asprintf("%s/%s/backups", store, domain);
}

static char *manifest_path(const char *store, const char *domain, const char *chain, const char *id)
{
    return vs_asprintf("%s/%s/backups/%s/%s%s", store, domain, chain, id, VS_BK_MANIFEST_SUFFIX);
}

static char *image_path(const char *store, const vs_backup *b, const vs_bk_disk *d)
{
    return vs_asprintf("%s/%s/backups/%s/%s", store, b->domain, b->chain, d->image);
}

static int by_time(const void *a, const void *b)
{
    const vs_backup *x = *(vs_backup *const *)a, *y = *(vs_backup *const *)b;
    if (x->begin != y->begin)
        return x->begin < y->begin ? -1 : 1;
    return strcmp(x->id, y->id);
}

vs_backup **backup_load_all(const char *store, const char *domain, size_t *n, int *bad)
{
    autofree char *top = backup_dir(store, domain, NULL);
    autostrv char **chains = vs_list_dir(top, NULL);
    vs_backup **all = NULL;
    *n = 0;
    if (bad)
        *bad = 0;
    for (char **c = chains; c && *c; c++) {
        autofree char *dir = backup_dir(store, domain, *c);
        autostrv char **files = vs_list_dir(dir, VS_BK_MANIFEST_SUFFIX);
        for (char **f = files; f && *f; f++) {
            autofree char *path = vs_asprintf("%s/%s", dir, *f);
            autofree char *id = vs_xstrndup(*f, strlen(*f) - strlen(VS_BK_MANIFEST_SUFFIX));
            vs_backup *b = bkmanifest_load(path);
            if (b && (!vs_streq(b->id, id) || !vs_streq(b->chain, *c) || !vs_streq(b->domain, domain))) {
                vs_error("manifest '%s' names backup '%s' of chain '%s' of '%s': it is not where it belongs", path,
                         b->id, b->chain, b->domain);
                bkmanifest_free(vs_steal(&b));
            }
            if (!b) {
                if (bad)
                    (*bad)++;
                continue;
            }
            all = vs_xrealloc(all, (*n + 1) * sizeof(*all));
            all[(*n)++] = b;
        }
    }
    if (*n)
        qsort(all, *n, sizeof(*all), by_time);
    return all;
}

void backup_free_all(vs_backup **all, size_t n)
{
    for (size_t i = 0; i < n; i++)
        bkmanifest_free(all[i]);
    free(all);
}

vs_backup *backup_load(const char *store, const char *domain, const char *id)
{
    if (!vs_name_is_safe(id))
        return vs_error("'%s' is not a backup id", id), NULL;
    autofree char *top = backup_dir(store, domain, NULL);
    autostrv char **chains = vs_list_dir(top, NULL);
    for (char **c = chains; c && *c; c++) {
        autofree char *path = manifest_path(store, domain, *c, id);
        if (access(path, F_OK) != 0)
            continue;
        vs_backup *b = bkmanifest_load(path);
        if (b && (!vs_streq(b->id, id) || !vs_streq(b->chain, *c) || !vs_streq(b->domain, domain))) {
            vs_error("manifest '%s' names backup '%s' of chain '%s' of '%s', not '%s'", path, b->id, b->chain,
                     b->domain, id);
            bkmanifest_free(vs_steal(&b));
        }
        return b;
    }
    return vs_error("domain '%s' has no backup '%s'", domain, id), NULL;
}

char **backup_ids(const char *store, const char *domain)
{
    autofree char *top = backup_dir(store, domain, NULL);
    autostrv char **chains = vs_list_dir(top, NULL);
    char **ids = NULL;
    size_t n = 0;
    for (char **c = chains; c && *c; c++) {
        autofree char *dir = backup_dir(store, domain, *c);
        autostrv char **files = vs_list_dir(dir, VS_BK_MANIFEST_SUFFIX);
        for (char **f = files; f && *f; f++)
            vs_strv_push(&ids, &n, vs_xstrndup(*f, strlen(*f) - strlen(VS_BK_MANIFEST_SUFFIX)));
    }
    if (n)
        vs_strv_sort(ids);
    return ids;
}

/* QEMU, running as its own user, opens the backup targets by path: the
 * directories on the way need search permission for it. They get 0711
 * (search only: nothing in them can be listed), the files stay 0600 and
 * libvirt hands each target to QEMU's user for the job only. */
static int make_chain_dir(const char *store, const char *domain, const char *chain)
{
    autofree char *dir = backup_dir(store, domain, chain);
    if (store_mkdirs(dir) < 0)
        return -1;
    autofree char *ddir = vs_asprintf("%s/%s", store, domain);
    autofree char *bdir = backup_dir(store, domain, NULL);
    const char *const path[] = {store, ddir, bdir, dir};
    for (size_t i = 0; i < sizeof(path) / sizeof(path[0]); i++) {
        struct stat st;
        if (stat(path[i], &st) < 0)
            return vs_error("cannot read '%s': %s", path[i], strerror(errno));
        if ((st.st_mode & 0011) == 0011)
            continue;
        if (chmod(path[i], (st.st_mode & 07777) | 0011) < 0)
            return vs_error("QEMU cannot reach the backup images: '%s' (mode %o) needs search permission for "
                            "others, and it cannot be given: %s",
                            path[i], st.st_mode & 07777, strerror(errno));
    }
    return 0;
}

/* ---- what to back up ---------------------------------------------------- */

typedef struct {
    char *target;
    char *image;   /* absolute path of the new image */
    char *backing; /* its backing file (a name in the chain's directory), or NULL */
    unsigned long long virtual_size;
} bk_disk;

typedef struct {
    char *id, *chain, *parent, *checkpoint, *parent_checkpoint, *dir;
    bool incremental, new_chain;
    size_t n;
    bk_disk *disks;
} bk_plan;

static void plan_clear(bk_plan *p)
{
    for (size_t i = 0; i < p->n; i++) {
        free(p->disks[i].target);
        free(p->disks[i].image);
        free(p->disks[i].backing);
    }
    free(p->disks);
    free(p->id);
    free(p->chain);
    free(p->parent);
    free(p->checkpoint);
    free(p->parent_checkpoint);
    free(p->dir);
    memset(p, 0, sizeof(*p));
}

/* The disks to back up: each named one, or every writable file or block
 * disk. */
static int plan_disks(virDomainPtr dom, char *const *want, bk_plan *p)
{
    vs_disk *disks = NULL;
    size_t n = 0;
    if (domain_disks(dom, false, &disks, &n) < 0)
        return -1;
    int ret = -1;
    for (char *const *w = want; w && *w; w++) {
        if (!domain_disk_find(disks, n, *w)) {
            vs_error("domain '%s' has no disk '%s'", virDomainGetName(dom), *w);
            goto out;
        }
        for (char *const *q = want; q < w; q++)
            if (vs_streq(*q, *w)) {
                vs_error("disk '%s' is named twice", *w);
                goto out;
            }
    }
    p->disks = vs_xcalloc(n ? n : 1, sizeof(*p->disks));
    for (size_t i = 0; i < n; i++) {
        const vs_disk *d = &disks[i];
        bool named = want != NULL;
        if (want && !vs_strv_contains(want, d->target))
            continue;
        if (!vs_streq(d->device, "disk") || d->readonly) {
            if (named) {
                vs_error("'%s' is a %s%s, not a writable disk; it is not backed up", d->target,
                         d->readonly ? "read-only " : "", d->device);
                goto out;
            }
            continue;
        }
        if (!vs_streq(d->type, "file") && !vs_streq(d->type, "block")) {
            vs_error("disk '%s' is of type '%s'; only file and block disks can be backed up%s", d->target,
                     d->type ? d->type : "?", named ? "" : " (leave it out with --disk)");
            goto out;
        }
        virDomainBlockInfo bi;
        if (virDomainGetBlockInfo(dom, d->target, &bi, 0) < 0) {
            autofree char *what = vs_asprintf("cannot read the size of disk '%s'", d->target);
            conn_error(what);
            goto out;
        }
        bk_disk *x = &p->disks[p->n++];
        x->target = vs_xstrdup(d->target);
        x->virtual_size = bi.capacity;
    }
    if (p->n == 0) {
        vs_error("domain '%s' has no disk to back up", virDomainGetName(dom));
        goto out;
    }
    ret = 0;
out:
    domain_disks_free(disks, n);
    return ret;
}

/* A new id: the UTC time, with "-2", "-3"... when a backup or a checkpoint
 * of that name exists already. */
char *backup_new_id(const char *store, virDomainPtr dom)
{
    char stamp[32];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
    autostrv char **ids = backup_ids(store, virDomainGetName(dom));
    autofree char *top = backup_dir(store, virDomainGetName(dom), NULL);
    autostrv char **chains = vs_list_dir(top, NULL);
    for (int k = 1;; k++) {
        char *id = k == 1 ? vs_xstrdup(stamp) : vs_asprintf("%s-%d", stamp, k);
        autofree char *cp = vs_asprintf(CHECKPOINT_PREFIX "%s", id);
        virDomainCheckpointPtr c = virDomainCheckpointLookupByName(dom, cp, 0);
        bool taken = c || vs_strv_contains(ids, id) || vs_strv_contains(chains, id);
        if (c)
            virDomainCheckpointFree(c);
        if (!taken)
            return id;
        free(id);
    }
}

static bool same_disk_set(const vs_backup *b, const bk_plan *p)
{
    if (b->ndisks != p->n)
        return false;
    for (size_t i = 0; i < p->n; i++)
        if (!bkmanifest_disk(b, p->disks[i].target))
            return false;
    return true;
}

static char *disk_list(const vs_backup *b)
{
    char *s = vs_xstrdup("");
    for (size_t i = 0; i < b->ndisks; i++) {
        char *t = vs_asprintf("%s%s%s", s, i ? " " : "", b->disks[i].target);
        free(s);
        s = t;
    }
    return s;
}

/* Whether an incremental can build on the domain's last complete backup:
 * the domain is the same one, the disk set is the same, the backup's
 * images and those below it are in the store, and its checkpoint exists
 * with usable bitmaps (libvirt computes the changed size from them).
 * Returns the base (fills p's parent fields), or NULL with *why. */
static vs_backup *valid_base(vs_ctx *ctx, virDomainPtr dom, const char *uuid, bk_plan *p, char **why,
                             unsigned long long *changed)
{
    const char *dname = virDomainGetName(dom);
    size_t n = 0;
    vs_backup **all = backup_load_all(ctx->store, dname, &n, NULL);
    vs_backup *last = NULL;
    for (size_t i = n; i-- > 0 && !last;)
        /* a pull backup has no image to build on; snapshot and offline
         * backups no checkpoint (they leave the chain alone) */
        if (all[i]->complete && !all[i]->pull && all[i]->checkpoint)
            last = all[i];
    vs_backup *base = NULL;
    if (!last) {
        *why = vs_xstrdup("there is no earlier complete backup of the domain");
        goto out;
    }
    if (!vs_streq(last->uuid, uuid)) {
        *why = vs_asprintf("the last backup '%s' is of another domain of that name (UUID %s)", last->id, last->uuid);
        goto out;
    }
    if (!same_disk_set(last, p)) {
        autofree char *had = disk_list(last);
        *why = vs_asprintf("the disks differ from those of the last backup '%s' (%s)", last->id, had);
        goto out;
    }
    /* Every backup of the chain up to the last one, with its images. */
    {
        size_t nchain = 0;
        autofree vs_backup **chain = NULL;
        for (vs_backup *b = last; b;) {
            for (size_t k = 0; k < b->ndisks; k++) {
                autofree char *img = image_path(ctx->store, b, &b->disks[k]);
                if (access(img, R_OK) != 0) {
                    *why = vs_asprintf("image '%s' of backup '%s' is missing", img, b->id);
                    goto out;
                }
            }
            chain = vs_xrealloc(chain, (nchain + 1) * sizeof(*chain));
            chain[nchain++] = b;
            if (!b->parent || nchain > n)
                break;
            vs_backup *up = NULL;
            for (size_t i = 0; i < n; i++)
                if (vs_streq(all[i]->id, b->parent) && vs_streq(all[i]->chain, b->chain) && all[i]->complete)
                    up = all[i];
            if (!up) {
                *why = vs_asprintf("backup '%s', below the last one in its chain, is missing", b->parent);
                goto out;
            }
            b = up;
        }
        /* Oldest first: lost checkpoints are redefined parents first. */
        for (size_t i = 0; i < nchain / 2; i++) {
            vs_backup *t = chain[i];
            chain[i] = chain[nchain - 1 - i];
            chain[nchain - 1 - i] = t;
        }
        autofree const char **targets = vs_xcalloc(p->n ? p->n : 1, sizeof(*targets));
        for (size_t i = 0; i < p->n; i++)
            targets[i] = p->disks[i].target;
        /* The checkpoint exists (or is redefined) and QEMU holds its bitmaps. */
        if (backup_health_base(dom, chain, nchain, targets, p->n, why, changed) != 1)
            goto out;
    }
    for (size_t i = 0; i < n; i++)
        if (all[i] == last)
            all[i] = NULL;
    base = last;
out:
    for (size_t i = 0; i < n; i++)
        bkmanifest_free(all[i]);
    free(all);
    return base;
}

/* ---- libvirt's XML ------------------------------------------------------ */

static char *dump(xmlDocPtr doc, const char *what)
{
    xmlChar *buf = NULL;
    int len = 0;
    xmlDocDumpFormatMemory(doc, &buf, &len, 1);
    xmlFreeDoc(doc);
    char *x = buf ? vs_xstrndup((const char *)buf, (size_t)len) : NULL;
    xmlFree(buf);
    if (!x)
        vs_error("cannot write the %s", what);
    return x;
}

static const bk_disk *plan_disk(const bk_plan *p, const char *target)
{
    for (size_t i = 0; i < p->n; i++)
        if (vs_streq(p->disks[i].target, target))
            return &p->disks[i];
    return NULL;
}

/* Every disk of the domain is named: libvirt would back up, or record in
 * the checkpoint, a disk the XML leaves out. */
static int libvirt_xml(virDomainPtr dom, const bk_plan *p, char **backup, char **checkpoint)
{
    vs_disk *disks = NULL;
    size_t n = 0;
    if (domain_disks(dom, false, &disks, &n) < 0)
        return -1;
    xmlDocPtr bd = xmlNewDoc(BAD_CAST "1.0");
    xmlNodePtr br = xmlNewNode(NULL, BAD_CAST "domainbackup");
    xmlDocSetRootElement(bd, br);
    xmlSetProp(br, BAD_CAST "mode", BAD_CAST "push");
    if (p->incremental)
        xmlNewTextChild(br, NULL, BAD_CAST "incremental", BAD_CAST p->parent_checkpoint);
    xmlNodePtr bdisks = xmlNewChild(br, NULL, BAD_CAST "disks", NULL);

    xmlDocPtr cd = xmlNewDoc(BAD_CAST "1.0");
    xmlNodePtr cr = xmlNewNode(NULL, BAD_CAST "domaincheckpoint");
    xmlDocSetRootElement(cd, cr);
    xmlNewTextChild(cr, NULL, BAD_CAST "name", BAD_CAST p->checkpoint);
    autofree char *desc = vs_asprintf("virt-state backup %s", p->id);
    xmlNewTextChild(cr, NULL, BAD_CAST "description", BAD_CAST desc);
    xmlNodePtr cdisks = xmlNewChild(cr, NULL, BAD_CAST "disks", NULL);

    for (size_t i = 0; i < n; i++) {
        const bk_disk *x = plan_disk(p, disks[i].target);
        xmlNodePtr d = xmlNewChild(bdisks, NULL, BAD_CAST "disk", NULL);
        xmlSetProp(d, BAD_CAST "name", BAD_CAST disks[i].target);
        xmlSetProp(d, BAD_CAST "backup", BAD_CAST(x ? "yes" : "no"));
        if (x) {
            xmlSetProp(d, BAD_CAST "type", BAD_CAST "file");
            xmlSetProp(xmlNewChild(d, NULL, BAD_CAST "target", NULL), BAD_CAST "file", BAD_CAST x->image);
            xmlSetProp(xmlNewChild(d, NULL, BAD_CAST "driver", NULL), BAD_CAST "type", BAD_CAST "qcow2");
        }
        xmlNodePtr c = xmlNewChild(cdisks, NULL, BAD_CAST "disk", NULL);
        xmlSetProp(c, BAD_CAST "name", BAD_CAST disks[i].target);
        xmlSetProp(c, BAD_CAST "checkpoint", BAD_CAST(x ? "bitmap" : "no"));
    }
    domain_disks_free(disks, n);
    *backup = dump(bd, "backup XML");
    *checkpoint = dump(cd, "checkpoint XML");
    if (!*backup || !*checkpoint) {
        free(*backup), free(*checkpoint);
        *backup = *checkpoint = NULL;
        return -1;
    }
    return 0;
}

/* ---- a guest paused by the backup's writes --------------------------------- */

/* For a backup job libvirt 9.0 puts QEMU 7.2's copy-before-write filter in
 * front of each disk; when it cannot write the old data into the backup
 * image (a full store), it fails the guest's own write (on-cbw-error is
 * break-guest-write, and libvirt offers no other), the guest stops with an
 * I/O error, and a thaw in flight never gets its answer. While the job
 * runs, this thread aborts it and resumes the guest when that happens. */
typedef struct {
    virDomainPtr dom;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool running, stop, fired, resumed;
} bk_watchdog;

static bool paused_by_io_error(virDomainPtr dom)
{
    int st = 0, reason = 0;
    return virDomainGetState(dom, &st, &reason, 0) == 0 && st == VIR_DOMAIN_PAUSED &&
           reason == VIR_DOMAIN_PAUSED_IOERROR;
}

static void *watchdog_run(void *opaque)
{
    bk_watchdog *wd = opaque;
    pthread_mutex_lock(&wd->lock);
    while (!wd->stop) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 200 * 1000 * 1000;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&wd->cond, &wd->lock, &ts);
        if (wd->stop)
            break;
        bool fired = wd->fired;
        pthread_mutex_unlock(&wd->lock);
        bool resumed = false;
        if (paused_by_io_error(wd->dom)) {
            if (!fired)
                virDomainAbortJob(wd->dom);
            fired = true;
            /* Until the job is gone the retried write may stop it again. */
            resumed = virDomainResume(wd->dom) == 0;
        }
        pthread_mutex_lock(&wd->lock);
        wd->fired = fired;
        wd->resumed = wd->resumed || resumed;
    }
    pthread_mutex_unlock(&wd->lock);
    return NULL;
}

static void watchdog_start(bk_watchdog *wd, virDomainPtr dom)
{
    memset(wd, 0, sizeof(*wd));
    wd->dom = dom;
    pthread_mutex_init(&wd->lock, NULL);
    pthread_cond_init(&wd->cond, NULL);
    wd->running = pthread_create(&wd->thread, NULL, watchdog_run, wd) == 0;
    if (!wd->running)
        vs_debug("no watchdog thread for the guest's state");
}

/* Stops the thread; returns whether it had to abort the job. The guest,
 * if still paused by the error, gets one more resume. */
static bool watchdog_stop(bk_watchdog *wd)
{
    if (!wd->running)
        return false;
    pthread_mutex_lock(&wd->lock);
    wd->stop = true;
    pthread_cond_broadcast(&wd->cond);
    pthread_mutex_unlock(&wd->lock);
    pthread_join(wd->thread, NULL);
    wd->running = false;
    pthread_mutex_destroy(&wd->lock);
    pthread_cond_destroy(&wd->cond);
    if (wd->fired && paused_by_io_error(wd->dom))
        wd->resumed = virDomainResume(wd->dom) == 0 || wd->resumed;
    return wd->fired;
}

/* ---- waiting for the job ------------------------------------------------ */

typedef struct {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool done;
    bool success;
    unsigned long long processed;
    char *errmsg;
    /* The images QEMU writes: their dirty pages are sent on their way to
     * the disk while the job runs, so that QEMU's flush when it closes them
     * (and so the backup's end) does not wait for all of it. */
    char **images;
    size_t nimages;
} bk_wait;

/* Starts the write-out of what QEMU wrote so far into the images (no wait
 * for it to finish: the flush at the end makes the images durable). */
static void start_writeback(const bk_wait *w)
{
    for (size_t i = 0; i < w->nimages; i++) {
        int fd = open(w->images[i], O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
            continue;
        if (sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE) < 0)
            vs_debug("sync_file_range %s: %s", w->images[i], strerror(errno));
        close(fd);
    }
}

static void get_disk_bytes(virTypedParameterPtr params, int n, unsigned long long *processed,
                           unsigned long long *total)
{
    if (virTypedParamsGetULLong(params, n, VIR_DOMAIN_JOB_DISK_PROCESSED, processed) != 1)
        virTypedParamsGetULLong(params, n, VIR_DOMAIN_JOB_DATA_PROCESSED, processed);
    if (total && virTypedParamsGetULLong(params, n, VIR_DOMAIN_JOB_DISK_TOTAL, total) != 1)
        virTypedParamsGetULLong(params, n, VIR_DOMAIN_JOB_DATA_TOTAL, total);
}

static void on_job_completed(virConnectPtr conn, virDomainPtr dom, virTypedParameterPtr params, int n, void *opaque)
{
    (void)conn, (void)dom;
    bk_wait *w = opaque;
    int success = 0;
    const char *msg = NULL;
    pthread_mutex_lock(&w->lock);
    if (virTypedParamsGetBoolean(params, n, VIR_DOMAIN_JOB_SUCCESS, &success) == 1)
        w->success = success;
    get_disk_bytes(params, n, &w->processed, NULL);
    if (virTypedParamsGetString(params, n, VIR_DOMAIN_JOB_ERRMSG, &msg) == 1 && msg && !w->errmsg)
        w->errmsg = vs_xstrdup(msg);
    w->done = true;
    pthread_cond_broadcast(&w->cond);
    pthread_mutex_unlock(&w->lock);
}

/* The outcome of the domain's last job from libvirt's completed-job
 * statistics: 1 a backup that completed, 0 one that failed or was
 * cancelled, -1 unknown (none recorded). They are consumed. */
static int completed_backup(virDomainPtr dom, unsigned long long *processed)
{
    virTypedParameterPtr params = NULL;
    int n = 0, type = 0, op = 0, rc = -1;
    if (virDomainGetJobStats(dom, &type, &params, &n, VIR_DOMAIN_JOB_STATS_COMPLETED) < 0)
        return -1;
    if (type != VIR_DOMAIN_JOB_NONE) {
        bool is_backup = virTypedParamsGetInt(params, n, VIR_DOMAIN_JOB_OPERATION, &op) != 1 ||
                         op == VIR_DOMAIN_JOB_OPERATION_BACKUP;
        if (is_backup)
            rc = type == VIR_DOMAIN_JOB_COMPLETED;
        if (processed)
            get_disk_bytes(params, n, processed, NULL);
    }
    virTypedParamsFree(params, n);
    return rc;
}

/* 1 while a backup job runs on the domain, 0 when no job does, -1 when
 * another kind of job runs or libvirt cannot say. */
static int backup_running(virDomainPtr dom, unsigned long long *processed, unsigned long long *total,
                          unsigned long long *elapsed)
{
    virTypedParameterPtr params = NULL;
    int n = 0, type = 0, op = 0, rc;
    if (virDomainGetJobStats(dom, &type, &params, &n, 0) < 0)
        return -1;
    if (type == VIR_DOMAIN_JOB_NONE) {
        rc = 0;
    } else {
        rc = virTypedParamsGetInt(params, n, VIR_DOMAIN_JOB_OPERATION, &op) == 1 &&
                     op != VIR_DOMAIN_JOB_OPERATION_BACKUP
                 ? -1
                 : 1;
        if (processed)
            get_disk_bytes(params, n, processed, total);
        if (elapsed)
            virTypedParamsGetULLong(params, n, VIR_DOMAIN_JOB_TIME_ELAPSED, elapsed);
    }
    virTypedParamsFree(params, n);
    return rc;
}

/* Test-only: VIRT_STATE_TEST_HOLD_JOB_MS=N keeps the wait going N ms after
 * the job started even when it ended sooner (less if a signal comes), so
 * that a test can interrupt a backup while it waits: the small test disks
 * are copied faster than a test can send a signal. */
static long long hold_job_ms(void)
{
    const char *v = getenv("VIRT_STATE_TEST_HOLD_JOB_MS");
    unsigned long ms;
    if (!v || !*v || vs_parse_ulong(v, 3600000, &ms) < 0)
        return 0;
    vs_debug("test hook: waiting at least %lu ms for the job", ms);
    return (long long)ms;
}

static long long ms_since(const struct timespec *t0)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long long)(now.tv_sec - t0->tv_sec) * 1000 + (now.tv_nsec - t0->tv_nsec) / 1000000;
}

/* Waits for the backup job to end: the JOB_COMPLETED event, or, should it
 * not come, libvirt's completed-job statistics once no job runs. Shows
 * progress on a terminal; SIGINT, SIGTERM or SIGHUP abort the job (and the
 * wait goes on until libvirt says it ended). Returns 1 completed, 0 failed
 * or interrupted (*why; an interrupted backup is never kept, even when the
 * job ended before the abort reached it), -1 when libvirt cannot tell
 * (reported). */
static int wait_job(virDomainPtr dom, bk_wait *w, const char *label, unsigned long long *processed, char **why)
{
    bool aborted = false, show = progress_enabled();
    int idle = 0, errors = 0, rc = -1;
    long long hold = hold_job_ms();
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pthread_mutex_lock(&w->lock);
    for (;;) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 250 * 1000 * 1000;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        if (!w->done || (hold && ms_since(&t0) < hold && !job_interrupted()))
            pthread_cond_timedwait(&w->cond, &w->lock, &ts);
        if (w->done && !(hold && ms_since(&t0) < hold && !job_interrupted())) {
            rc = w->success;
            *processed = w->processed;
            if (!w->success)
                *why = vs_xstrdup(aborted ? "interrupted" : w->errmsg ? w->errmsg : "the backup job failed");
            break;
        }
        pthread_mutex_unlock(&w->lock);
        if (job_interrupted() && !aborted) {
            aborted = true;
            progress_end(NULL);
            vs_info("interrupted: aborting the backup job");
            if (virDomainAbortJob(dom) < 0)
                vs_debug("abort: %s", conn_last_error());
        }
        unsigned long long done = 0, total = 0, elapsed = 0;
        int running = backup_running(dom, &done, &total, &elapsed);
        if (running == 1)
            start_writeback(w);
        if (running < 0 && ++errors > 40) {
            pthread_mutex_lock(&w->lock);
            vs_error("cannot follow the backup job: %s", conn_last_error());
            break;
        }
        if (running == 1 && show && !aborted && total) {
            if (!elapsed)
                elapsed = (unsigned long long)ms_since(&t0);
            progress_update(label, done, total, elapsed ? done * 1000.0 / elapsed : 0);
        }
        /* No job and, two seconds on, still no event: ask what happened. */
        if (running == 0 && ++idle >= 8 && !(hold && ms_since(&t0) < hold && !job_interrupted())) {
            int c = completed_backup(dom, processed);
            pthread_mutex_lock(&w->lock);
            if (w->done)
                continue;
            if (c < 0) {
                vs_error("the backup job ended and libvirt does not say how");
            } else {
                rc = c;
                if (!c)
                    *why = vs_xstrdup(aborted ? "interrupted" : "the backup job failed");
            }
            break;
        }
        pthread_mutex_lock(&w->lock);
    }
    pthread_mutex_unlock(&w->lock);
    progress_end(NULL);
    if (rc == 1 && job_interrupted()) {
        rc = 0;
        *why = vs_xstrdup("interrupted");
    }
    return rc;
}

/* ---- create ----------------------------------------------------------------- */

static void journal_plan(vs_journal *j, const bk_plan *p)
{
    char val[32];
    journal_set(j, "id", p->id);
    journal_set(j, "chain", p->chain);
    journal_set(j, "kind", p->incremental ? "incremental" : "full");
    if (p->parent)
        journal_set(j, "parent", p->parent);
    journal_set(j, "checkpoint", p->checkpoint);
    journal_set(j, "new-chain", p->new_chain ? "yes" : "no");
    journal_set_disk_count(j, p->n);
    for (size_t i = 0; i < p->n; i++) {
        journal_set_disk(j, i, "target", p->disks[i].target);
        snprintf(val, sizeof(val), "%llu", p->disks[i].virtual_size);
        journal_set_disk(j, i, "size", val);
    }
}

static void remove_images(const bk_plan *p)
{
    for (size_t i = 0; i < p->n; i++)
        if (p->disks[i].image && unlink(p->disks[i].image) < 0 && errno != ENOENT)
            vs_warn("cannot remove '%s': %s", p->disks[i].image, strerror(errno));
    if (p->new_chain && rmdir(p->dir) < 0 && errno != ENOENT)
        vs_warn("cannot remove '%s': %s", p->dir, strerror(errno));
}

/* Deletes the checkpoint this backup created (its metadata and bitmaps:
 * libvirt merges the bitmaps into the parent checkpoint's, so older
 * checkpoints stay exact). Only ever a checkpoint named for this backup. */
static int drop_own_checkpoint(virDomainPtr dom, const char *name)
{
    if (!vs_str_has_prefix(name, CHECKPOINT_PREFIX))
        return 0;
    virDomainCheckpointPtr cp = virDomainCheckpointLookupByName(dom, name, 0);
    if (!cp)
        return 0;
    int rc = virDomainCheckpointDelete(cp, 0);
    virDomainCheckpointFree(cp);
    if (rc < 0) {
        autofree char *what = vs_asprintf("cannot remove checkpoint '%s' of the failed backup", name);
        return conn_error(what);
    }
    vs_debug("removed checkpoint %s", name);
    return 0;
}

/* Fills the manifest's disks and checkpoint once the job completed. */
static int record(virDomainPtr dom, vs_backup *b, const bk_plan *p)
{
    virDomainCheckpointPtr cp = virDomainCheckpointLookupByName(dom, p->checkpoint, 0);
    if (!cp)
        return conn_error("the backup's checkpoint is gone");
    b->checkpoint_xml = virDomainCheckpointGetXMLDesc(cp, VIR_DOMAIN_CHECKPOINT_XML_NO_DOMAIN);
    virDomainCheckpointFree(cp);
    if (!b->checkpoint_xml)
        return conn_error("cannot read the backup's checkpoint");
    b->disks = vs_xcalloc(p->n, sizeof(*b->disks));
    for (size_t i = 0; i < p->n; i++) {
        vs_bk_disk *d = &b->disks[b->ndisks++];
        d->target = vs_xstrdup(p->disks[i].target);
        d->image = bkmanifest_image_name(p->id, d->target);
        d->virtual_size = p->disks[i].virtual_size;
        /* Hashed only once QEMU closed it: closing may still write. */
        if (qemuimg_wait_closed(p->disks[i].image, 30000) < 0)
            return -1;
    }
    autofree char **images = vs_xcalloc(p->n ? p->n : 1, sizeof(*images));
    for (size_t i = 0; i < p->n; i++)
        images[i] = p->disks[i].image;
    return backup_seal_images(images, b->disks, p->n);
}

int backup_seal_images(char *const *images, vs_bk_disk *disks, size_t n)
{
    autofree vs_digest_job *jobs = vs_xcalloc(n ? n : 1, sizeof(*jobs));
    for (size_t i = 0; i < n; i++) {
        if (chmod(images[i], 0600) < 0 || store_fsync_path(images[i]) < 0)
            return vs_error("cannot make '%s' durable: %s", images[i], strerror(errno));
        if (qemuimg_data_bytes(images[i], &disks[i].bytes_written) < 0)
            return -1;
        jobs[i].path = images[i];
    }
    /* The images of several disks are hashed at once (one thread each, up
     * to the CPUs): a backup of n disks waits for its largest image. */
    size_t failed = digest_files_sha256(jobs, n, 0, false);
    for (size_t i = 0; i < n; i++) {
        if (jobs[i].error) {
            vs_error("%s", jobs[i].error);
            free(jobs[i].error);
            continue;
        }
        disks[i].image_sha256 = vs_xstrdup(jobs[i].hex);
        disks[i].image_size = jobs[i].size;
    }
    return failed ? -1 : 0;
}

/* The journaled part of a backup: images, freeze, job, thaw, wait, record. */
static int run_backup(vs_ctx *ctx, virDomainPtr dom, const vs_backup_request *req, bk_plan *p, vs_backup *b,
                      bool running)
{
    const char *dname = virDomainGetName(dom);
    autofree char *bxml = NULL, *cxml = NULL, *berr = NULL, *why = NULL, *mpath = NULL;
    autofree char *ddir = store_domain_dir(ctx->store, dname);
    autojournal vs_journal *j = NULL;
    if (libvirt_xml(dom, p, &bxml, &cxml) < 0 || !ddir)
        return -1;
    j = journal_begin(ddir, OP, dname, b->uuid);
    if (!j)
        return -1;
    journal_plan(j, p);
    bool freezing = running && req->quiesce != VS_QUIESCE_OFF;
    journal_set(j, "freeze", freezing ? "yes" : "no");
    mpath = manifest_path(ctx->store, dname, p->chain, p->id);

    job_signals_install();
    bk_wait w = {.done = false};
    bk_watchdog wd = {.running = false};
    autofree char **images = vs_xcalloc(p->n ? p->n : 1, sizeof(*images));
    for (size_t i = 0; i < p->n; i++)
        images[i] = p->disks[i].image;
    w.images = images;
    w.nimages = p->n;
    pthread_mutex_init(&w.lock, NULL);
    pthread_cond_init(&w.cond, NULL);
    int cb = -1, ret = -1, brc, wrc;
    bool started = false, quiesced = false, hinted = false;
    vs_freeze *frozen = NULL;
    unsigned long long processed = 0;

    if (journal_step(j, "prepare") < 0 || make_chain_dir(ctx->store, dname, p->chain) < 0)
        goto rollback;
    for (size_t i = 0; i < p->n; i++) {
        bk_disk *d = &p->disks[i];
        if (job_interrupted() || qemuimg_create_overlay(d->image, d->backing, "qcow2", d->virtual_size) < 0)
            goto rollback;
    }
    if (journal_step_done(j, "prepare") < 0 || job_interrupted())
        goto rollback;

    cb = virConnectDomainEventRegisterAny(ctx->conn, dom, VIR_DOMAIN_EVENT_ID_JOB_COMPLETED,
                                          VIR_DOMAIN_EVENT_CALLBACK(on_job_completed), &w, NULL);
    if (cb < 0)
        vs_debug("no job events (%s); polling instead", conn_last_error());

    /* Nothing is journaled while the guest is frozen: the step is begun
     * before the freeze and done after the thaw. */
    b->begin = (long long)time(NULL);
    char begin[32];
    snprintf(begin, sizeof(begin), "%lld", b->begin);
    journal_set(j, "begin-time", begin);
    if (journal_step(j, "begin") < 0)
        goto rollback;
    if (freezing) {
        autofree char *crash = vs_asprintf("the backup of '%s' is only crash-consistent", dname);
        if (quiesce_freeze_by_policy(ctx, dom, req->quiesce, "backup", crash, &frozen, &quiesced) < 0)
            goto rollback;
    }
    if (job_interrupted())
        goto rollback;
    brc = virDomainBackupBegin(dom, bxml, cxml, VIR_DOMAIN_BACKUP_BEGIN_REUSE_EXTERNAL);
    berr = brc < 0 ? vs_xstrdup(conn_last_error()) : NULL;
    if (brc == 0 && running)
        watchdog_start(&wd, dom); /* before the thaw: the thaw lets the guest write */
    if (frozen) {
        int trc = quiesce_thaw(frozen);
        frozen = NULL;
        if (trc == 0)
            b->frozen_us = quiesce_last_frozen_us();
    }
    if (brc < 0) {
        vs_error("libvirt could not start the backup of '%s': %s", dname, berr);
        goto rollback;
    }
    started = true;
    journal_set(j, "quiesced", quiesced ? "yes" : "no");
    if (journal_step_done(j, "begin") < 0)
        goto rollback;
    b->consistency = vs_xstrdup(quiesced ? "quiesced" : "crash-consistent");

    if (journal_step(j, "wait") < 0)
        goto rollback;
    wrc = wait_job(dom, &w, "backup", &processed, &why);
    if (watchdog_stop(&wd)) {
        autofree char *was = why;
        why = vs_asprintf("%s%sthe guest was stopped by an I/O error: QEMU could not write the backup image and "
                          "failed the guest's writes; the job was aborted and the guest %s",
                          was ? was : "", was ? "; " : "", wd.resumed ? "resumed" : "could not be resumed");
        wrc = 0;
    }
    if (wrc < 0)
        goto unrecorded;
    if (wrc == 0) {
        if (job_interrupted()) {
            vs_error("interrupted; the backup job was aborted and nothing was kept");
        } else {
            autofree char *hint = backup_health_space_hint(p->dir, why);
            vs_error("the backup job of '%s' failed: %s%s", dname, why, hint);
            hinted = true;
        }
        goto rollback;
    }
    b->end = (long long)time(NULL);
    b->bytes_copied = processed;
    if (journal_step_done(j, "wait") < 0)
        goto unrecorded;

    b->complete = true;
    if (journal_step(j, "record") < 0 || record(dom, b, p) < 0 || bkmanifest_write(mpath, b) < 0 ||
        journal_step_done(j, "record") < 0)
        goto unrecorded;
    journal_finish(j);
    ret = 0;
    goto done;

unrecorded:
    vs_error("the backup job ended but its record was not written; run 'virt-state recover %s'", dname);
    goto done;

rollback:
    if (watchdog_stop(&wd))
        vs_warn("the guest of '%s' was stopped by an I/O error while the job ran (QEMU could not write the backup "
                "image and failed the guest's writes); the job was aborted and the guest %s",
                dname, wd.resumed ? "resumed" : "could not be resumed: run 'virsh resume' once there is space");
    if (frozen)
        quiesce_thaw(frozen);
    /* A full store also fails the journal's writes before the job's end. */
    if (!hinted && !job_interrupted()) {
        autofree char *hint = backup_health_space_hint(p->dir, NULL);
        if (*hint)
            vs_error("no backup taken%s", hint);
    }
    /* A job still running (a failure before the wait) goes. */
    if (started && backup_running(dom, NULL, NULL, NULL) == 1) {
        virDomainAbortJob(dom);
        job_wait_idle(dom);
    }
    if (job_interrupted() && !started)
        vs_error("interrupted; no backup taken");
    if (drop_own_checkpoint(dom, p->checkpoint) < 0) {
        vs_error("the failed backup's checkpoint could not be removed; run 'virt-state recover %s'", dname);
        goto done;
    }
    remove_images(p);
    journal_finish(j);

done:
    watchdog_stop(&wd);
    if (cb >= 0)
        virConnectDomainEventDeregisterAny(ctx->conn, cb);
    job_signals_restore();
    pthread_mutex_destroy(&w.lock);
    pthread_cond_destroy(&w.cond);
    free(w.errmsg);
    return ret;
}

int backup_create(vs_ctx *ctx, virDomainPtr dom, const vs_backup_request *req, vs_backup **out)
{
    if (req->pull)
        return backup_pull_create(ctx, dom, req, out);
    const char *dname = virDomainGetName(dom);
    int state = domain_state(dom);
    if (state < 0)
        return -1;
    if (req->method == VS_BACKUP_METHOD_SNAPSHOT || state == VIR_DOMAIN_SHUTOFF)
        return backup_copy_create(ctx, dom, req, out); /* backup_snapshot.c */
    bool running = state == VIR_DOMAIN_RUNNING || state == VIR_DOMAIN_BLOCKED;
    if (!running && state != VIR_DOMAIN_PAUSED)
        return vs_error("domain '%s' is %s; this version backs up running domains only", dname,
                        domain_state_name(state));
    if (!running && req->quiesce == VS_QUIESCE_REQUIRED)
        return vs_error("--quiesce required: domain '%s' is %s, its guest agent cannot freeze anything; no backup "
                        "taken",
                        dname, domain_state_name(state));

    autofree char *uuid = domain_uuid_string(dom);
    autofree char *why = NULL;
    autobackup vs_backup *base = NULL;
    autobackup vs_backup *b = NULL;
    bk_plan p = {0};
    int ret = -1;
    if (plan_disks(dom, req->disks, &p) < 0)
        goto out;
    p.id = backup_new_id(ctx->store, dom);
    p.checkpoint = vs_asprintf(CHECKPOINT_PREFIX "%s", p.id);

    if (req->kind != VS_BACKUP_FULL) {
        unsigned long long changed = 0;
        char sz[32];
        base = valid_base(ctx, dom, uuid, &p, &why, &changed);
        vs_format_bytes(changed, sz, sizeof(sz));
        if (!base && req->kind == VS_BACKUP_INCREMENTAL) {
            vs_error("no valid chain for an incremental backup of '%s': %s; take a full backup (--full)", dname,
                     why);
            goto out;
        }
        if (base)
            vs_info("incremental backup of '%s' since backup '%s' (checkpoint '%s', about %s changed)", dname,
                    base->id, base->checkpoint, sz);
        else
            vs_info("full backup of '%s': %s", dname, why);
    } else {
        vs_info("full backup of '%s' (--full)", dname);
    }
    p.incremental = base != NULL;
    p.new_chain = !base;
    p.chain = vs_xstrdup(base ? base->chain : p.id);
    p.parent = base ? vs_xstrdup(base->id) : NULL;
    p.parent_checkpoint = base ? vs_xstrdup(base->checkpoint) : NULL;
    p.dir = backup_dir(ctx->store, dname, p.chain);
    for (size_t i = 0; i < p.n; i++) {
        autofree char *name = bkmanifest_image_name(p.id, p.disks[i].target);
        p.disks[i].image = vs_asprintf("%s/%s", p.dir, name);
        if (base)
            p.disks[i].backing = bkmanifest_image_name(base->id, p.disks[i].target);
    }

    b = vs_xcalloc(1, sizeof(*b));
    b->id = vs_xstrdup(p.id);
    b->chain = vs_xstrdup(p.chain);
    b->domain = vs_xstrdup(dname);
    b->uuid = vs_xstrdup(uuid);
    b->incremental = p.incremental;
    b->parent = p.parent ? vs_xstrdup(p.parent) : NULL;
    b->checkpoint = vs_xstrdup(p.checkpoint);
    b->frozen_us = -1;
    b->domain_xml = backup_domain_xml(dom); /* backup_define.h */
    if (run_backup(ctx, dom, req, &p, b, running) == 0) {
        *out = vs_steal(&b);
        ret = 0;
    }
out:
    plan_clear(&p);
    return ret;
}

/* ---- recovery ------------------------------------------------------------- */

bool backup_journal_may_be_frozen(const vs_journal *j)
{
    return vs_streq(journal_operation(j), OP) && vs_streq(journal_get(j, "freeze"), "yes") &&
           journal_step_state(j, "begin") == VS_STEP_BEGUN;
}

/* The plan a journal recorded; every name checked before it makes a path. */
static int plan_from_journal(vs_ctx *ctx, const vs_journal *j, bk_plan *p)
{
    const char *id = journal_get(j, "id"), *chain = journal_get(j, "chain"), *cp = journal_get(j, "checkpoint");
    const char *parent = journal_get(j, "parent");
    size_t n = journal_disk_count(j, "the backup");
    if (n == 0)
        return -1;
    if (!vs_name_is_safe(id) || !vs_name_is_safe(chain) || !vs_name_is_safe(cp) ||
        (parent && !vs_name_is_safe(parent)))
        return vs_error("journal '%s' names an unsafe backup, chain or checkpoint", journal_path(j));
    p->id = vs_xstrdup(id);
    p->chain = vs_xstrdup(chain);
    p->checkpoint = vs_xstrdup(cp);
    p->parent = parent ? vs_xstrdup(parent) : NULL;
    p->incremental = vs_streq(journal_get(j, "kind"), "incremental");
    p->new_chain = vs_streq(journal_get(j, "new-chain"), "yes");
    p->dir = backup_dir(ctx->store, journal_domain(j), p->chain);
    p->disks = vs_xcalloc(n, sizeof(*p->disks));
    for (size_t i = 0; i < n; i++) {
        const char *t = journal_get_disk(j, i, "target"), *sz = journal_get_disk(j, i, "size");
        if (!t || !vs_name_is_safe(t) || strchr(t, '.'))
            return vs_error("journal '%s' has an incomplete disk entry", journal_path(j));
        bk_disk *d = &p->disks[p->n++];
        d->target = vs_xstrdup(t);
        autofree char *name = bkmanifest_image_name(p->id, t);
        d->image = vs_asprintf("%s/%s", p->dir, name);
        d->virtual_size = sz ? strtoull(sz, NULL, 10) : 0;
    }
    return 0;
}

int backup_recover(vs_ctx *ctx, vs_journal *j)
{
    if (vs_streq(journal_get(j, "mode"), "pull"))
        return backup_pull_recover(ctx, j);
    const char *dname = journal_domain(j);
    bk_plan p = {0};
    int ret = -1;
    autobackup vs_backup *b = NULL;
    autodomain virDomainPtr dom = NULL;
    autofree char *mpath = NULL;
    if (plan_from_journal(ctx, j, &p) < 0)
        goto out;
    dom = journal_uuid(j) ? virDomainLookupByUUIDString(ctx->conn, journal_uuid(j)) : NULL;
    if (!dom) {
        vs_error("domain '%s' (%s) no longer exists; journal '%s' left for inspection", dname,
                 journal_uuid(j) ? journal_uuid(j) : "no UUID", journal_path(j));
        goto out;
    }
    /* First the guest: a freeze without its thaw hangs it. */
    if (backup_journal_may_be_frozen(j) && virDomainIsActive(dom) == 1) {
        int thawed = quiesce_thaw_domain(dom);
        if (thawed > 0)
            vs_warn("the interrupted backup had left '%s' frozen; thawed %d filesystem%s", dname, thawed,
                    thawed == 1 ? "" : "s");
    }
    mpath = manifest_path(ctx->store, dname, p.chain, p.id);
    if (journal_step_state(j, "record") == VS_STEP_DONE && access(mpath, F_OK) == 0) {
        vs_info("the interrupted backup '%s' of '%s' was complete", p.id, dname);
        ret = journal_finish(j);
        goto out;
    }

    /* A job still running (the killed process had started it) is let
     * finish: its data is as good as if the process had lived. */
    virDomainCheckpointPtr cp = virDomainCheckpointLookupByName(dom, p.checkpoint, 0);
    bool have_cp = cp != NULL;
    if (cp)
        virDomainCheckpointFree(cp);
    int outcome = 0; /* 1 completed, 0 not */
    unsigned long long processed = 0;
    if (have_cp) {
        bool said = false;
        job_signals_install();
        while (backup_running(dom, NULL, NULL, NULL) == 1) {
            if (!said)
                vs_info("waiting for the backup job of '%s' that the interrupted process started", dname);
            said = true;
            if (job_interrupted()) {
                virDomainAbortJob(dom);
                job_wait_idle(dom);
                break;
            }
            usleep(250 * 1000);
        }
        job_signals_restore();
        if (journal_step_state(j, "wait") == VS_STEP_DONE || journal_step_state(j, "record") != VS_STEP_NONE)
            outcome = 1;
        else
            outcome = completed_backup(dom, &processed) == 1;
    }
    for (size_t i = 0; outcome && i < p.n; i++)
        if (access(p.disks[i].image, R_OK) != 0)
            outcome = 0;

    if (outcome) {
        b = vs_xcalloc(1, sizeof(*b));
        b->id = vs_xstrdup(p.id);
        b->chain = vs_xstrdup(p.chain);
        b->domain = vs_xstrdup(dname);
        b->uuid = vs_xstrdup(journal_uuid(j));
        b->incremental = p.incremental;
        b->parent = p.parent ? vs_xstrdup(p.parent) : NULL;
        b->checkpoint = vs_xstrdup(p.checkpoint);
        b->complete = true;
        /* Killed between the freeze and the end of the step, it is not
         * known whether the freeze held: say crash-consistent. */
        b->consistency = vs_xstrdup(vs_streq(journal_get(j, "quiesced"), "yes") ? "quiesced" : "crash-consistent");
        b->frozen_us = -1;
        b->domain_xml = backup_domain_xml(dom);
        const char *bt = journal_get(j, "begin-time");
        unsigned long v = 0;
        b->end = (long long)time(NULL);
        b->begin = bt && vs_parse_ulong(bt, (unsigned long)b->end, &v) == 0 ? (long long)v : b->end;
        b->bytes_copied = processed;
        if (record(dom, b, &p) < 0 || bkmanifest_write(mpath, b) < 0)
            goto out;
        vs_info("finished the interrupted backup '%s' of '%s' (%s, %s)", p.id, dname,
                p.incremental ? "incremental" : "full", b->consistency);
        ret = journal_finish(j);
        goto out;
    }
    if (drop_own_checkpoint(dom, p.checkpoint) < 0)
        goto out;
    unlink(mpath);
    remove_images(&p);
    vs_info("rolled back the interrupted backup '%s' of '%s': removed its images%s", p.id, dname,
            have_cp ? " and its checkpoint" : "");
    ret = journal_finish(j);
out:
    plan_clear(&p);
    return ret;
}

/* ---- verify and restore --------------------------------------------------- */

/* qemu-img check of each image in turn, on a thread of its own while the
 * images are hashed: the check reads little (the qcow2 metadata) and mostly
 * waits for its process, so it costs the hashing nothing. */
typedef struct {
    char **images;
    size_t n;
    int *rc;
    char **why;
} bk_checks;

static void *run_checks(void *opaque)
{
    bk_checks *c = opaque;
    for (size_t i = 0; i < c->n; i++)
        c->rc[i] = qemuimg_check(c->images[i], &c->why[i]);
    return NULL;
}

int backup_verify(const char *store, const vs_backup *b, bool progress)
{
    int problems = 0;
    if (!b->complete)
        problems++, vs_error("backup '%s' is marked incomplete", b->id);
    if (b->parent) {
        autofree char *pm = manifest_path(store, b->domain, b->chain, b->parent);
        if (access(pm, F_OK) != 0)
            problems++, vs_error("backup '%s': its parent '%s' is missing from chain '%s'", b->id, b->parent,
                                 b->chain);
    }
    /* First the cheap checks of every image; then the images that pass them
     * are hashed together, on one thread per CPU, while qemu-img checks them
     * one after the other on another thread. The problems are reported at
     * the end, per image in the manifest's order, as one pass over the
     * images one by one would report them: the size, else the checksum,
     * else qemu-img's verdict. */
    size_t n = b->ndisks, nj = 0;
    autostrv char **imgs = vs_xcalloc(n + 1, sizeof(*imgs));
    autofree char **stat_msg = vs_xcalloc(n ? n : 1, sizeof(*stat_msg)); /* NULL where none */
    autofree vs_digest_job *jobs = vs_xcalloc(n ? n : 1, sizeof(*jobs));
    autofree size_t *job_of = vs_xcalloc(n ? n : 1, sizeof(*job_of));
    autofree char **check_imgs = vs_xcalloc(n ? n : 1, sizeof(*check_imgs));
    autofree int *check_rc = vs_xcalloc(n ? n : 1, sizeof(*check_rc));
    autofree char **check_why = vs_xcalloc(n ? n : 1, sizeof(*check_why)); /* NULL where it passed */
    for (size_t i = 0; i < n; i++) {
        const vs_bk_disk *d = &b->disks[i];
        struct stat st;
        imgs[i] = image_path(store, b, d);
        if (lstat(imgs[i], &st) < 0)
            stat_msg[i] = vs_asprintf("backup '%s': image '%s' is missing: %s", b->id, imgs[i], strerror(errno));
        else if (!S_ISREG(st.st_mode))
            stat_msg[i] = vs_asprintf("backup '%s': image '%s' is not a regular file", b->id, imgs[i]);
        else if ((unsigned long long)st.st_size != d->image_size)
            stat_msg[i] = vs_asprintf("backup '%s': image '%s' has %llu bytes, the manifest says %llu", b->id,
                                      imgs[i], (unsigned long long)st.st_size, d->image_size);
        if (stat_msg[i])
            continue;
        if (progress && !vs_is_quiet() && isatty(STDERR_FILENO))
            fprintf(stderr, "checking %s...\r", imgs[i]);
        job_of[i] = nj;
        check_imgs[nj] = imgs[i];
        jobs[nj++].path = imgs[i];
    }
    bk_checks checks = {.images = check_imgs, .n = nj, .rc = check_rc, .why = check_why};
    pthread_t checker;
    bool threaded = nj && pthread_create(&checker, NULL, run_checks, &checks) == 0;
    digest_files_sha256(jobs, nj, 0, true);
    if (threaded)
        pthread_join(checker, NULL);
    else
        run_checks(&checks);
    for (size_t i = 0; i < n; i++) {
        if (stat_msg[i]) {
            problems++, vs_error("%s", stat_msg[i]);
            continue;
        }
        vs_digest_job *j = &jobs[job_of[i]];
        if (j->error) {
            problems++, vs_error("%s", j->error);
            free(j->error);
            continue;
        }
        if (!vs_streq(j->hex, b->disks[i].image_sha256)) {
            problems++, vs_error("backup '%s': image '%s' does not match its checksum", b->id, imgs[i]);
            continue;
        }
        if (check_rc[job_of[i]] < 0)
            problems++, vs_error("backup '%s': image '%s': %s", b->id, imgs[i], check_why[job_of[i]]);
    }
    for (size_t i = 0; i < n; i++)
        free(stat_msg[i]), free(check_why[i]);
    return problems;
}

static bool dir_is_empty(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return false;
    bool empty = true;
    for (struct dirent *e; (e = readdir(d));)
        if (!vs_streq(e->d_name, ".") && !vs_streq(e->d_name, ".."))
            empty = false;
    closedir(d);
    return empty;
}

int backup_restore(const char *store, const vs_backup *b, const char *dir, char ***paths)
{
    struct stat st;
    *paths = NULL;
    if (!b->complete)
        return vs_error("backup '%s' is incomplete; it cannot be restored", b->id);
    if (b->pull)
        return vs_error("backup '%s' was a pull export: its data went to the NBD reader and the store holds no "
                        "image of it; restore from that reader's copy",
                        b->id);
    if (stat(dir, &st) < 0)
        return vs_error("cannot use '%s': %s", dir, strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return vs_error("'%s' is not a directory", dir);
    if (!dir_is_empty(dir))
        return vs_error("'%s' is not empty; restore writes only into an empty directory", dir);
    /* Nothing is written from a damaged chain. */
    int bad = backup_health_restorable(store, b);
    if (bad)
        return vs_error("backup '%s' is not restored: %d problem%s in its images or those it builds on (above); "
                        "nothing was written to '%s'",
                        b->id, bad, bad == 1 ? "" : "s", dir);
    char **out = NULL;
    size_t n = 0;
    for (size_t i = 0; i < b->ndisks; i++) {
        autofree char *img = image_path(store, b, &b->disks[i]);
        char *to = vs_asprintf("%s/%s.qcow2", dir, b->disks[i].target);
        vs_strv_push(&out, &n, to);
        if (qemuimg_convert(img, to) < 0) {
            for (size_t k = 0; k + 1 < n; k++)
                unlink(out[k]);
            vs_strv_free(out);
            return -1;
        }
        store_fsync_path(to);
    }
    store_fsync_dir(dir);
    *paths = out;
    return 0;
}
