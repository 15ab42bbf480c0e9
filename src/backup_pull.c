#include "config.h"
#include "backup_pull.h"
#include "backup_health.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "conn.h"
#include "domain.h"
#include "job.h"
#include "qemuimg.h"
#include "quiesce.h"
#include "store.h"
#include "util.h"

#define OP "backup"
#define CHECKPOINT_PREFIX "virt-state-"
#define SOCKET_NAME "nbd.sock"

/* ---- checking the command line --------------------------------------------- */

/* A usage problem: into *usage when the caller reports it as one (with
 * the command's help hint), reported here otherwise. */
static int usage_error(char **usage, char *msg)
{
    if (usage) {
        *usage = msg;
        return VS_EXIT_USAGE;
    }
    vs_error("%s", msg);
    free(msg);
    return VS_EXIT_USAGE;
}

int backup_pull_check_socket(const char *path, char **usage)
{
    struct sockaddr_un sa;
    struct stat st;
    if (!path || path[0] != '/')
        return usage_error(usage, vs_asprintf("--socket '%s' is not an absolute path", path ? path : ""));
    if (strlen(path) >= sizeof(sa.sun_path))
        return usage_error(usage, vs_asprintf("--socket '%s' is too long for a unix socket (at most %zu bytes)",
                                              path, sizeof(sa.sun_path) - 1));
    const char *slash = strrchr(path, '/');
    if (!slash[1] || vs_streq(slash + 1, ".") || vs_streq(slash + 1, ".."))
        return usage_error(usage, vs_asprintf("--socket '%s' names no file", path));
    autofree char *dir = slash == path ? vs_xstrdup("/") : vs_xstrndup(path, (size_t)(slash - path));
    if (stat(dir, &st) < 0)
        return vs_error("cannot use the socket '%s': directory '%s': %s", path, dir, strerror(errno)), VS_EXIT_FAILURE;
    if (!S_ISDIR(st.st_mode))
        return vs_error("cannot use the socket '%s': '%s' is not a directory", path, dir), VS_EXIT_FAILURE;
    /* QEMU removes whatever is at the path before it binds: only a stale
     * socket may be there. */
    if (lstat(path, &st) == 0 && !S_ISSOCK(st.st_mode))
        return vs_error("cannot use the socket '%s': it exists and is not a socket", path), VS_EXIT_FAILURE;
    return 0;
}

int backup_pull_parse_tcp(const char *arg, unsigned *port, char **usage)
{
    const char *p = arg ? strrchr(arg, ':') : NULL;
    if (p) {
        autofree char *host = vs_xstrndup(arg, (size_t)(p - arg));
        if (!vs_streq(host, "127.0.0.1") && !vs_streq(host, "localhost"))
            return usage_error(usage, vs_asprintf("--tcp '%s': the export listens on 127.0.0.1 only, not on '%s'",
                                                  arg, host));
        p++;
    } else {
        p = arg ? arg : "";
    }
    unsigned long v = 0;
    if (vs_parse_ulong(p, 65535, &v) < 0 || v == 0)
        return usage_error(usage, vs_asprintf("--tcp '%s' is not a port (1 to 65535)", arg ? arg : ""));
    *port = (unsigned)v;
    return 0;
}

/* ---- the plan ----------------------------------------------------------------- */

typedef struct {
    char *id, *chain, *parent, *checkpoint, *parent_checkpoint, *socket;
    char *nbd_dir; /* <store>/<domain>/nbd: the scratch images (and the default socket) */
    bool incremental;
    char **targets;
    size_t n;
} pull_plan;

static void plan_clear(pull_plan *p)
{
    free(p->id);
    free(p->chain);
    free(p->parent);
    free(p->checkpoint);
    free(p->parent_checkpoint);
    free(p->socket);
    free(p->nbd_dir);
    vs_strv_free(p->targets);
    memset(p, 0, sizeof(*p));
}

static char *manifest_path(const char *store, const char *domain, const char *chain, const char *id)
{
    return vs_asprintf("%s/%s/backups/%s/%s%s", store, domain, chain, id, VS_BK_MANIFEST_SUFFIX);
}

/* Every writable disk, or the ones named: as push backups choose them. */
static int plan_disks(virDomainPtr dom, char *const *want, pull_plan *p)
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
    for (size_t i = 0; i < n; i++) {
        const vs_disk *d = &disks[i];
        if (want && !vs_strv_contains(want, d->target))
            continue;
        if (!vs_streq(d->device, "disk") || d->readonly) {
            if (want) {
                vs_error("'%s' is a %s%s, not a writable disk; it is not exported", d->target,
                         d->readonly ? "read-only " : "", d->device);
                goto out;
            }
            continue;
        }
        vs_strv_push(&p->targets, &p->n, vs_xstrdup(d->target));
    }
    if (p->n == 0) {
        vs_error("domain '%s' has no disk to export", virDomainGetName(dom));
        goto out;
    }
    ret = 0;
out:
    domain_disks_free(disks, n);
    return ret;
}

/* The base of an incremental export: the last complete backup (push or
 * pull) of this domain, on the same disks, whose checkpoint libvirt still
 * has. The reader already holds the data up to it; only the bitmap
 * matters here, not images. NULL with *why otherwise. */
static vs_backup *find_base(vs_ctx *ctx, virDomainPtr dom, const char *uuid, const pull_plan *p, char **why)
{
    size_t n = 0;
    vs_backup **all = backup_load_all(ctx->store, virDomainGetName(dom), &n, NULL);
    vs_backup *last = NULL, *base = NULL;
    for (size_t i = n; i-- > 0 && !last;)
        if (all[i]->complete && all[i]->checkpoint) /* snapshot and offline backups have none */
            last = all[i];
    if (!last) {
        *why = vs_xstrdup("there is no earlier complete backup of the domain");
        goto out;
    }
    if (!vs_streq(last->uuid, uuid)) {
        *why = vs_asprintf("the last backup '%s' is of another domain of that name (UUID %s)", last->id, last->uuid);
        goto out;
    }
    bool same = last->ndisks == p->n;
    for (size_t i = 0; same && i < p->n; i++)
        same = bkmanifest_disk(last, p->targets[i]) != NULL;
    if (!same) {
        *why = vs_asprintf("the disks differ from those of the last backup '%s'", last->id);
        goto out;
    }
    /* Its checkpoint exists (or is redefined from the manifest) and QEMU
     * holds its bitmaps (backup_health.h). */
    unsigned long long changed = 0;
    if (backup_health_base(dom, &last, 1, (const char *const *)p->targets, p->n, why, &changed) != 1)
        goto out;
    for (size_t i = 0; i < n; i++)
        if (all[i] == last)
            all[i] = NULL;
    base = last;
out:
    backup_free_all(all, n);
    return base;
}

/* ---- the socket ------------------------------------------------------------- */

/* The group QEMU runs as, from the DAC label of the live XML ("+64055:+64055");
 * -1 when there is none (QEMU runs as root). */
static long qemu_gid(virDomainPtr dom)
{
    autofree char *xml = virDomainGetXMLDesc(dom, 0);
    if (!xml)
        return -1;
    xmlDocPtr doc = xmlReadMemory(xml, (int)strlen(xml), "domain.xml", NULL, XML_PARSE_NONET | XML_PARSE_NOBLANKS);
    long gid = -1;
    xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL;
    for (xmlNodePtr s = root ? root->children : NULL; s && gid < 0; s = s->next) {
        if (s->type != XML_ELEMENT_NODE || !xmlStrEqual(s->name, BAD_CAST "seclabel"))
            continue;
        xmlChar *model = xmlGetProp(s, BAD_CAST "model");
        bool dac = model && xmlStrEqual(model, BAD_CAST "dac");
        xmlFree(model);
        for (xmlNodePtr l = dac ? s->children : NULL; l; l = l->next) {
            if (l->type != XML_ELEMENT_NODE || !xmlStrEqual(l->name, BAD_CAST "label"))
                continue;
            xmlChar *t = xmlNodeGetContent(l);
            const char *colon = t ? strchr((const char *)t, ':') : NULL;
            if (colon) {
                colon += colon[1] == '+';
                char *end = NULL;
                long v = strtol(colon + 1, &end, 10);
                if (end && !*end && v >= 0)
                    gid = v;
            }
            xmlFree(t);
        }
    }
    xmlFreeDoc(doc);
    return gid;
}

/* <store>/<domain>/nbd: the scratch images QEMU keeps the guest's
 * overwritten blocks in while it exports, and the default socket, which
 * QEMU (its own user) creates: the directory is writable by QEMU's group
 * only (0730, nothing listable), and the directories above it are
 * searchable. */
static char *nbd_dir(vs_ctx *ctx, virDomainPtr dom)
{
    const char *dname = virDomainGetName(dom);
    autofree char *ddir = vs_asprintf("%s/%s", ctx->store, dname);
    char *dir = vs_asprintf("%s/nbd", ddir);
    if (store_mkdirs(dir) < 0)
        goto fail;
    long gid = qemu_gid(dom);
    if (gid >= 0 && (chown(dir, (uid_t)-1, (gid_t)gid) < 0 || chmod(dir, 0730) < 0)) {
        vs_error("cannot let QEMU create its socket in '%s': %s", dir, strerror(errno));
        goto fail;
    }
    const char *const up[] = {ctx->store, ddir};
    for (size_t i = 0; gid >= 0 && i < 2; i++) {
        struct stat st;
        if (stat(up[i], &st) < 0 || ((st.st_mode & 0011) != 0011 && chmod(up[i], (st.st_mode & 07777) | 0011) < 0)) {
            vs_error("QEMU cannot reach '%s': it needs search permission for others: %s", up[i], strerror(errno));
            goto fail;
        }
    }
    return dir;
fail:
    free(dir);
    return NULL;
}

static char *default_socket(const char *dir)
{
    char *path = vs_asprintf("%s/" SOCKET_NAME, dir);
    struct sockaddr_un sa;
    if (strlen(path) >= sizeof(sa.sun_path)) {
        vs_error("the default socket '%s' is too long for a unix socket; give a shorter one with --socket", path);
    } else if (backup_pull_check_socket(path, NULL) == 0) {
        return path;
    }
    free(path);
    return NULL;
}

static char *scratch_path(const char *dir, const char *id, const char *target)
{
    return vs_asprintf("%s/%s.%s.scratch.qcow2", dir, id, target);
}

static void remove_scratch(const char *dir, const char *id, char *const *targets)
{
    for (char *const *t = targets; dir && t && *t; t++) {
        autofree char *f = scratch_path(dir, id, *t);
        if (unlink(f) < 0 && errno != ENOENT)
            vs_warn("cannot remove '%s': %s", f, strerror(errno));
    }
}

static void remove_socket(const char *path)
{
    struct stat st;
    if (path && lstat(path, &st) == 0 && S_ISSOCK(st.st_mode) && unlink(path) < 0)
        vs_warn("cannot remove the socket '%s': %s", path, strerror(errno));
}

/* ---- libvirt's XML ------------------------------------------------------------- */

static char *dump(xmlDocPtr doc)
{
    xmlChar *buf = NULL;
    int len = 0;
    xmlDocDumpFormatMemory(doc, &buf, &len, 1);
    xmlFreeDoc(doc);
    char *x = buf ? vs_xstrndup((const char *)buf, (size_t)len) : NULL;
    xmlFree(buf);
    if (!x)
        vs_error("cannot write the backup XML");
    return x;
}

/* Every disk of the domain is named, as for push backups. libvirt puts
 * each exported disk's point-in-time scratch image in its own directory. */
static int libvirt_xml(virDomainPtr dom, const pull_plan *p, unsigned port, char **backup, char **checkpoint)
{
    vs_disk *disks = NULL;
    size_t n = 0;
    if (domain_disks(dom, false, &disks, &n) < 0)
        return -1;
    xmlDocPtr bd = xmlNewDoc(BAD_CAST "1.0");
    xmlNodePtr br = xmlNewNode(NULL, BAD_CAST "domainbackup");
    xmlDocSetRootElement(bd, br);
    xmlSetProp(br, BAD_CAST "mode", BAD_CAST "pull");
    if (p->incremental)
        xmlNewTextChild(br, NULL, BAD_CAST "incremental", BAD_CAST p->parent_checkpoint);
    xmlNodePtr srv = xmlNewChild(br, NULL, BAD_CAST "server", NULL);
    if (port) {
        char ps[16];
        snprintf(ps, sizeof(ps), "%u", port);
        xmlSetProp(srv, BAD_CAST "transport", BAD_CAST "tcp");
        xmlSetProp(srv, BAD_CAST "name", BAD_CAST "127.0.0.1");
        xmlSetProp(srv, BAD_CAST "port", BAD_CAST ps);
    } else {
        xmlSetProp(srv, BAD_CAST "transport", BAD_CAST "unix");
        xmlSetProp(srv, BAD_CAST "socket", BAD_CAST p->socket);
    }
    xmlNodePtr bdisks = xmlNewChild(br, NULL, BAD_CAST "disks", NULL);

    xmlDocPtr cd = xmlNewDoc(BAD_CAST "1.0");
    xmlNodePtr cr = xmlNewNode(NULL, BAD_CAST "domaincheckpoint");
    xmlDocSetRootElement(cd, cr);
    xmlNewTextChild(cr, NULL, BAD_CAST "name", BAD_CAST p->checkpoint);
    autofree char *desc = vs_asprintf("virt-state backup %s (pull)", p->id);
    xmlNewTextChild(cr, NULL, BAD_CAST "description", BAD_CAST desc);
    xmlNodePtr cdisks = xmlNewChild(cr, NULL, BAD_CAST "disks", NULL);
    for (size_t i = 0; i < n; i++) {
        bool x = vs_strv_contains(p->targets, disks[i].target);
        xmlNodePtr d = xmlNewChild(bdisks, NULL, BAD_CAST "disk", NULL);
        xmlSetProp(d, BAD_CAST "name", BAD_CAST disks[i].target);
        xmlSetProp(d, BAD_CAST "backup", BAD_CAST(x ? "yes" : "no"));
        if (x) {
            /* libvirt 9.0 does not choose a scratch file itself */
            autofree char *sp = scratch_path(p->nbd_dir, p->id, disks[i].target);
            xmlSetProp(d, BAD_CAST "type", BAD_CAST "file");
            xmlSetProp(xmlNewChild(d, NULL, BAD_CAST "scratch", NULL), BAD_CAST "file", BAD_CAST sp);
            xmlSetProp(xmlNewChild(d, NULL, BAD_CAST "driver", NULL), BAD_CAST "type", BAD_CAST "qcow2");
        }
        xmlNodePtr c = xmlNewChild(cdisks, NULL, BAD_CAST "disk", NULL);
        xmlSetProp(c, BAD_CAST "name", BAD_CAST disks[i].target);
        xmlSetProp(c, BAD_CAST "checkpoint", BAD_CAST(x ? "bitmap" : "no"));
    }
    domain_disks_free(disks, n);
    *backup = dump(bd);
    *checkpoint = dump(cd);
    if (!*backup || !*checkpoint) {
        free(*backup), free(*checkpoint);
        *backup = *checkpoint = NULL;
        return -1;
    }
    return 0;
}

/* The export name and bitmap libvirt chose for each disk, from the running
 * job's XML (<disk name='vda' exportname='vda' exportbitmap='backup-vda'>). */
static int read_exports(virDomainPtr dom, vs_backup *b)
{
    autofree char *xml = virDomainBackupGetXMLDesc(dom, 0);
    if (!xml)
        return conn_error("cannot read the backup job's description");
    xmlDocPtr doc = xmlReadMemory(xml, (int)strlen(xml), "backup.xml", NULL, XML_PARSE_NONET | XML_PARSE_NOBLANKS);
    xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL;
    for (xmlNodePtr s = root ? root->children : NULL; s; s = s->next) {
        if (s->type != XML_ELEMENT_NODE || !xmlStrEqual(s->name, BAD_CAST "disks"))
            continue;
        for (xmlNodePtr d = s->children; d; d = d->next) {
            if (d->type != XML_ELEMENT_NODE || !xmlStrEqual(d->name, BAD_CAST "disk"))
                continue;
            xmlChar *name = xmlGetProp(d, BAD_CAST "name");
            for (size_t i = 0; name && i < b->ndisks; i++) {
                vs_bk_disk *x = &b->disks[i];
                if (!vs_streq(x->target, (const char *)name))
                    continue;
                xmlChar *en = xmlGetProp(d, BAD_CAST "exportname"), *eb = xmlGetProp(d, BAD_CAST "exportbitmap");
                if (en && vs_name_is_safe((const char *)en)) {
                    free(x->export_name);
                    x->export_name = vs_xstrdup((const char *)en);
                }
                if (eb && vs_name_is_safe((const char *)eb)) {
                    free(x->export_bitmap);
                    x->export_bitmap = vs_xstrdup((const char *)eb);
                }
                xmlFree(en);
                xmlFree(eb);
            }
            xmlFree(name);
        }
    }
    xmlFreeDoc(doc);
    return 0;
}

/* ---- the job ------------------------------------------------------------------- */

/* 1 while a backup job runs on the domain (of the given mode, when one is
 * asked for and libvirt says), 0 when none does. */
static int pull_job_running(virDomainPtr dom)
{
    int type = 0;
    virTypedParameterPtr params = NULL;
    int n = 0;
    if (virDomainGetJobStats(dom, &type, &params, &n, 0) < 0)
        return virDomainIsActive(dom) == 1 ? -1 : 0;
    int op = 0;
    bool backup = virTypedParamsGetInt(params, n, VIR_DOMAIN_JOB_OPERATION, &op) != 1 ||
                  op == VIR_DOMAIN_JOB_OPERATION_BACKUP;
    virTypedParamsFree(params, n);
    return type != VIR_DOMAIN_JOB_NONE && backup;
}

/* Aborts the running pull job and waits until libvirt has ended it. */
static void end_job(virDomainPtr dom)
{
    if (pull_job_running(dom) == 1 && virDomainAbortJob(dom) < 0)
        vs_debug("abort: %s", conn_last_error());
    job_wait_idle(dom);
}

int backup_pull_end(virDomainPtr dom)
{
    const char *dname = virDomainGetName(dom);
    autofree char *xml = virDomainBackupGetXMLDesc(dom, 0);
    if (!xml) {
        int code = conn_last_error_code();
        if (code == VIR_ERR_NO_DOMAIN_BACKUP || code == VIR_ERR_NO_SUPPORT || code == VIR_ERR_OPERATION_INVALID)
            return vs_error("domain '%s' has no backup job", dname);
        autofree char *what = vs_asprintf("cannot read the backup job of '%s'", dname);
        return conn_error(what);
    }
    if (!strstr(xml, "mode='pull'") && !strstr(xml, "mode=\"pull\""))
        return vs_error("the backup job of '%s' is a push backup; it ends by itself (interrupt its 'backup create' "
                        "to abort it)",
                        dname);
    if (virDomainAbortJob(dom) < 0) {
        autofree char *what = vs_asprintf("cannot end the backup job of '%s'", dname);
        return conn_error(what);
    }
    job_wait_idle(dom);
    vs_info("ended the pull backup job of '%s'; its checkpoint stays", dname);
    return 0;
}

static void journal_plan(vs_journal *j, const pull_plan *p)
{
    journal_set(j, "mode", "pull");
    journal_set(j, "id", p->id);
    journal_set(j, "chain", p->chain);
    journal_set(j, "kind", p->incremental ? "incremental" : "full");
    if (p->parent)
        journal_set(j, "parent", p->parent);
    journal_set(j, "checkpoint", p->checkpoint);
    if (p->socket)
        journal_set(j, "socket", p->socket);
    journal_set_disk_count(j, p->n);
    for (size_t i = 0; i < p->n; i++)
        journal_set_disk(j, i, "target", p->targets[i]);
}

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
    return 0;
}

/* The manifest of a pull backup whose job began: complete as soon as the
 * checkpoint exists (what the reader copied is its own business). */
static vs_backup *new_manifest(virDomainPtr dom, const pull_plan *p, const char *uuid)
{
    vs_backup *b = vs_xcalloc(1, sizeof(*b));
    b->id = vs_xstrdup(p->id);
    b->chain = vs_xstrdup(p->chain);
    b->domain = vs_xstrdup(virDomainGetName(dom));
    b->uuid = vs_xstrdup(uuid);
    b->incremental = p->incremental;
    b->pull = true;
    b->complete = true;
    b->parent = p->parent ? vs_xstrdup(p->parent) : NULL;
    b->checkpoint = vs_xstrdup(p->checkpoint);
    b->frozen_us = -1;
    b->disks = vs_xcalloc(p->n, sizeof(*b->disks));
    for (size_t i = 0; i < p->n; i++) {
        vs_bk_disk *d = &b->disks[b->ndisks++];
        virDomainBlockInfo bi;
        d->target = vs_xstrdup(p->targets[i]);
        d->export_name = vs_xstrdup(p->targets[i]); /* libvirt's default; read_exports corrects it */
        if (virDomainGetBlockInfo(dom, d->target, &bi, 0) == 0)
            d->virtual_size = bi.capacity;
    }
    return b;
}

static int write_manifest(vs_ctx *ctx, virDomainPtr dom, vs_backup *b)
{
    if (!b->checkpoint_xml) {
        virDomainCheckpointPtr cp = virDomainCheckpointLookupByName(dom, b->checkpoint, 0);
        if (!cp)
            return conn_error("the backup's checkpoint is gone");
        b->checkpoint_xml = virDomainCheckpointGetXMLDesc(cp, VIR_DOMAIN_CHECKPOINT_XML_NO_DOMAIN);
        virDomainCheckpointFree(cp);
        if (!b->checkpoint_xml)
            return conn_error("cannot read the backup's checkpoint");
    }
    autofree char *dir = backup_dir(ctx->store, b->domain, b->chain);
    autofree char *path = manifest_path(ctx->store, b->domain, b->chain, b->id);
    if (store_mkdirs(dir) < 0)
        return -1;
    return bkmanifest_write(path, b);
}

/* Waits while the job runs: polling is enough, nothing is shown. A signal
 * ends the job; so does `backup end` or any client aborting it. */
static void wait_for_end(virDomainPtr dom)
{
    int errors = 0;
    for (;;) {
        if (job_interrupted()) {
            vs_info("interrupted: ending the pull backup job of '%s'", virDomainGetName(dom));
            end_job(dom);
            return;
        }
        int r = pull_job_running(dom);
        if (r == 0) {
            vs_info("the pull backup job of '%s' was ended", virDomainGetName(dom));
            return;
        }
        if (r < 0 && ++errors > 40) {
            vs_warn("cannot follow the backup job (%s); ending it", conn_last_error());
            end_job(dom);
            return;
        }
        usleep(200 * 1000);
    }
}

static int run_pull(vs_ctx *ctx, virDomainPtr dom, const vs_backup_request *req, pull_plan *p, const char *uuid,
                    vs_backup **out)
{
    const char *dname = virDomainGetName(dom);
    const vs_pull_opts *o = req->pull;
    autofree char *bxml = NULL, *cxml = NULL, *berr = NULL;
    autofree char *ddir = store_domain_dir(ctx->store, dname);
    autojournal vs_journal *j = NULL;
    autobackup vs_backup *b = NULL;
    if (libvirt_xml(dom, p, o->tcp_port, &bxml, &cxml) < 0 || !ddir)
        return -1;
    vs_debug("backup XML:\n%s", bxml);
    j = journal_begin(ddir, OP, dname, uuid);
    if (!j)
        return -1;
    journal_plan(j, p);
    int state = domain_state(dom);
    bool freezing = state != VIR_DOMAIN_PAUSED && req->quiesce != VS_QUIESCE_OFF;
    journal_set(j, "freeze", freezing ? "yes" : "no");

    job_signals_install();
    int ret = -1;
    bool quiesced = false, started = false;
    vs_freeze *frozen = NULL;
    long long begin = (long long)time(NULL), frozen_us = -1;
    char bt[32];
    snprintf(bt, sizeof(bt), "%lld", begin);
    journal_set(j, "begin-time", bt);
    /* As in push mode: nothing is journaled while the guest is frozen. */
    if (journal_step(j, "begin") < 0)
        goto rollback;
    for (size_t i = 0; i < p->n; i++) {
        autofree char *sp = scratch_path(p->nbd_dir, p->id, p->targets[i]);
        virDomainBlockInfo bi;
        if (virDomainGetBlockInfo(dom, p->targets[i], &bi, 0) < 0) {
            conn_error("cannot read the size of a disk");
            goto rollback;
        }
        if (qemuimg_create_overlay(sp, NULL, "qcow2", bi.capacity) < 0)
            goto rollback;
    }
    if (freezing) {
        autofree char *crash = vs_asprintf("the export of '%s' is only crash-consistent", dname);
        if (quiesce_freeze_by_policy(ctx, dom, req->quiesce, "backup", crash, &frozen, &quiesced) < 0)
            goto rollback;
    }
    if (job_interrupted())
        goto rollback;
    int brc = virDomainBackupBegin(dom, bxml, cxml, VIR_DOMAIN_BACKUP_BEGIN_REUSE_EXTERNAL);
    berr = brc < 0 ? vs_xstrdup(conn_last_error()) : NULL;
    if (frozen) {
        int trc = quiesce_thaw(frozen);
        frozen = NULL;
        if (trc == 0)
            frozen_us = quiesce_last_frozen_us();
    }
    if (brc < 0) {
        vs_error("libvirt could not start the pull backup of '%s': %s", dname, berr);
        goto rollback;
    }
    started = true;
    journal_set(j, "quiesced", quiesced ? "yes" : "no");
    if (journal_step_done(j, "begin") < 0)
        goto rollback;

    /* The export serves from here: record it, then tell the reader. */
    if (journal_step(j, "export") < 0)
        goto rollback;
    b = new_manifest(dom, p, uuid);
    b->begin = b->end = begin;
    b->frozen_us = frozen_us;
    b->consistency = vs_xstrdup(quiesced ? "quiesced" : "crash-consistent");
    if (read_exports(dom, b) < 0 || write_manifest(ctx, dom, b) < 0 || journal_step_done(j, "export") < 0)
        goto rollback;
    vs_pull_export e = {.socket = o->tcp_port ? NULL : p->socket,
                        .host = o->tcp_port ? "127.0.0.1" : NULL,
                        .port = o->tcp_port};
    if (o->ready)
        o->ready(ctx, b, &e);
    wait_for_end(dom);

    if (journal_step(j, "end") < 0)
        goto out;
    end_job(dom);
    remove_socket(p->socket);
    remove_scratch(p->nbd_dir, p->id, p->targets);
    b->end = (long long)time(NULL);
    if (b->end < b->begin)
        b->end = b->begin;
    if (write_manifest(ctx, dom, b) < 0 || journal_step_done(j, "end") < 0)
        goto out;
    journal_finish(j);
    *out = vs_steal(&b);
    ret = 0;
    goto out;

rollback:
    if (frozen)
        quiesce_thaw(frozen);
    if (started) {
        end_job(dom);
        /* The checkpoint exists: keep it and record the backup, so that
         * the chain stays consistent (nothing of it went to the store). */
        if (!b) {
            b = new_manifest(dom, p, uuid);
            b->begin = b->end = begin;
            b->consistency = vs_xstrdup(quiesced ? "quiesced" : "crash-consistent");
        }
        if (write_manifest(ctx, dom, b) < 0) {
            vs_error("the pull backup's record was not written; run 'virt-state recover %s'", dname);
            goto out;
        }
    } else {
        if (job_interrupted())
            vs_error("interrupted; no backup taken");
        if (drop_own_checkpoint(dom, p->checkpoint) < 0)
            goto out;
    }
    remove_socket(p->socket);
    remove_scratch(p->nbd_dir, p->id, p->targets);
    journal_finish(j);
out:
    job_signals_restore();
    return ret;
}

int backup_pull_create(vs_ctx *ctx, virDomainPtr dom, const vs_backup_request *req, vs_backup **out)
{
    const char *dname = virDomainGetName(dom);
    int state = domain_state(dom);
    if (state < 0)
        return -1;
    if (state != VIR_DOMAIN_RUNNING && state != VIR_DOMAIN_BLOCKED && state != VIR_DOMAIN_PAUSED)
        return vs_error("--pull: domain '%s' is %s; a pull backup is served by the running domain's QEMU", dname,
                        domain_state_name(state));
    if (state == VIR_DOMAIN_PAUSED && req->quiesce == VS_QUIESCE_REQUIRED)
        return vs_error("--quiesce required: domain '%s' is paused, its guest agent cannot freeze anything; no "
                        "backup taken",
                        dname);
    autofree char *uuid = domain_uuid_string(dom);
    autofree char *why = NULL;
    autobackup vs_backup *base = NULL;
    pull_plan p = {0};
    int ret = -1;
    if (!uuid || plan_disks(dom, req->disks, &p) < 0)
        goto out;
    if (req->pull->tcp_port) {
        /* TCP: no socket */
    } else if (req->pull->socket) {
        if (backup_pull_check_socket(req->pull->socket, NULL) != 0)
            goto out;
        p.socket = vs_xstrdup(req->pull->socket);
    }
    if (!(p.nbd_dir = nbd_dir(ctx, dom)) || (!p.socket && !req->pull->tcp_port && !(p.socket = default_socket(p.nbd_dir))))
        goto out;
    if (req->kind != VS_BACKUP_FULL) {
        base = find_base(ctx, dom, uuid, &p, &why);
        if (!base && req->kind == VS_BACKUP_INCREMENTAL) {
            vs_error("no valid chain for an incremental backup of '%s': %s; take a full backup (--full)", dname,
                     why);
            goto out;
        }
        if (base)
            vs_info("incremental pull backup of '%s' since backup '%s' (checkpoint '%s')", dname, base->id,
                    base->checkpoint);
        else
            vs_info("full pull backup of '%s': %s", dname, why);
    } else {
        vs_info("full pull backup of '%s' (--full)", dname);
    }
    p.id = backup_new_id(ctx->store, dom);
    p.checkpoint = vs_asprintf(CHECKPOINT_PREFIX "%s", p.id);
    p.incremental = base != NULL;
    p.chain = vs_xstrdup(base ? base->chain : p.id);
    p.parent = base ? vs_xstrdup(base->id) : NULL;
    p.parent_checkpoint = base ? vs_xstrdup(base->checkpoint) : NULL;
    ret = run_pull(ctx, dom, req, &p, uuid, out);
out:
    plan_clear(&p);
    return ret;
}

/* ---- recovery ------------------------------------------------------------------- */

int backup_pull_recover(vs_ctx *ctx, vs_journal *j)
{
    const char *dname = journal_domain(j);
    const char *id = journal_get(j, "id"), *chain = journal_get(j, "chain"), *cp = journal_get(j, "checkpoint");
    const char *parent = journal_get(j, "parent"), *sock = journal_get(j, "socket");
    size_t n = journal_disk_count(j, "the pull backup");
    if (n == 0)
        return -1;
    if (!vs_name_is_safe(id) || !vs_name_is_safe(chain) || !vs_name_is_safe(cp) ||
        (parent && !vs_name_is_safe(parent)) || !journal_uuid(j))
        return vs_error("journal '%s' names an unsafe backup, chain or checkpoint", journal_path(j));
    autodomain virDomainPtr dom = virDomainLookupByUUIDString(ctx->conn, journal_uuid(j));
    if (!dom)
        return vs_error("domain '%s' (%s) no longer exists; journal '%s' left for inspection", dname,
                        journal_uuid(j), journal_path(j));
    if (backup_journal_may_be_frozen(j) && virDomainIsActive(dom) == 1) {
        int thawed = quiesce_thaw_domain(dom);
        if (thawed > 0)
            vs_warn("the interrupted pull backup had left '%s' frozen; thawed %d filesystem%s", dname, thawed,
                    thawed == 1 ? "" : "s");
    }
    /* The job a killed process left serves nobody now. Only a pull job. */
    bool ended = false;
    autofree char *jx = virDomainIsActive(dom) == 1 ? virDomainBackupGetXMLDesc(dom, 0) : NULL;
    if (jx && (strstr(jx, "mode='pull'") || strstr(jx, "mode=\"pull\""))) {
        end_job(dom);
        ended = true;
    }
    /* The export's socket (checked to be absent or a socket before), and
     * the scratch images. */
    if (sock && sock[0] == '/')
        remove_socket(sock);
    autofree char *ndir = vs_asprintf("%s/%s/nbd", ctx->store, dname);
    for (size_t i = 0; i < n; i++) {
        const char *t = journal_get_disk(j, i, "target");
        char *const one[] = {(char *)t, NULL};
        if (t && vs_name_is_safe(t) && !strchr(t, '/'))
            remove_scratch(ndir, id, one);
    }

    virDomainCheckpointPtr c = virDomainCheckpointLookupByName(dom, cp, 0);
    bool have_cp = c != NULL;
    if (c)
        virDomainCheckpointFree(c);
    autofree char *mpath = manifest_path(ctx->store, dname, chain, id);
    if (!have_cp) {
        /* The job never began: nothing to keep. */
        unlink(mpath);
        vs_info("the interrupted pull backup '%s' of '%s' had not begun; nothing kept", id, dname);
        return journal_finish(j);
    }
    autobackup vs_backup *b = access(mpath, F_OK) == 0 ? bkmanifest_load(mpath) : NULL;
    if (!b) {
        pull_plan p = {0};
        p.id = vs_xstrdup(id);
        p.chain = vs_xstrdup(chain);
        p.parent = parent ? vs_xstrdup(parent) : NULL;
        p.checkpoint = vs_xstrdup(cp);
        p.incremental = vs_streq(journal_get(j, "kind"), "incremental");
        for (size_t i = 0; i < n; i++) {
            const char *t = journal_get_disk(j, i, "target");
            if (!t || !vs_name_is_safe(t)) {
                plan_clear(&p);
                return vs_error("journal '%s' has an incomplete disk entry", journal_path(j));
            }
            vs_strv_push(&p.targets, &p.n, vs_xstrdup(t));
        }
        b = new_manifest(dom, &p, journal_uuid(j));
        plan_clear(&p);
        const char *bt = journal_get(j, "begin-time");
        unsigned long v = 0;
        b->end = (long long)time(NULL);
        b->begin = bt && vs_parse_ulong(bt, (unsigned long)b->end, &v) == 0 ? (long long)v : b->end;
        b->consistency = vs_xstrdup(vs_streq(journal_get(j, "quiesced"), "yes") ? "quiesced" : "crash-consistent");
    } else {
        b->end = (long long)time(NULL);
        if (b->end < b->begin)
            b->end = b->begin;
    }
    if (write_manifest(ctx, dom, b) < 0)
        return -1;
    vs_info("%s the pull backup '%s' of '%s' that the interrupted process left; its checkpoint '%s' stays",
            ended ? "ended" : "recorded", id, dname, cp);
    return journal_finish(j);
}
