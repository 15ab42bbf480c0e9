#include "config.h"
#include "snapshot.h"

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libxml/tree.h>

#include "conn.h"
#include "domain.h"
#include "job.h"
#include "qemuimg.h"
#include "quiesce.h"
#include "store.h"
#include "util.h"

#define OP "disk-snapshot"

char *snapshot_dir(const char *store, const char *domain, const char *name)
{
    return name ? vs_asprintf("%s/%s/disk-snapshots/%s", store, domain, name)
                : vs_asprintf("%s/%s/disk-snapshots", store, domain);
}

char *snapshot_manifest_path(const char *store, const char *domain, const char *name)
{
    return vs_asprintf("%s/%s/disk-snapshots/%s/manifest.xml", store, domain, name);
}

char **snapshot_names(const char *store, const char *domain)
{
    autofree char *dir = snapshot_dir(store, domain, NULL);
    autostrv char **all = vs_list_dir(dir, NULL);
    char **out = NULL;
    size_t n = 0;
    for (char **p = all; p && *p; p++) {
        autofree char *m = snapshot_manifest_path(store, domain, *p);
        if (vs_name_is_safe(*p) && access(m, F_OK) == 0)
            vs_strv_push(&out, &n, vs_xstrdup(*p));
    }
    return out;
}

bool snapshot_name_taken(const char *store, const char *domain, const char *name)
{
    autofree char *a = snapshot_dir(store, domain, name);
    autofree char *b = vs_asprintf("%s/%s/restore-points/%s", store, domain, name);
    return access(a, F_OK) == 0 || access(b, F_OK) == 0;
}

vs_snapshot *snapshot_load(const char *store, const char *domain, const char *name)
{
    autofree char *path = snapshot_manifest_path(store, domain, name);
    if (access(path, F_OK) != 0)
        return vs_error("domain '%s' has no disk snapshot '%s'", domain, name), NULL;
    vs_snapshot *s = manifest_snapshot_load(path);
    if (s && !vs_streq(s->name, name)) {
        vs_error("manifest '%s' names snapshot '%s', not '%s'", path, s->name, name);
        manifest_snapshot_free(s);
        return NULL;
    }
    return s;
}

int snapshot_forget(const char *store, const char *domain, const char *name)
{
    autofree char *dir = snapshot_dir(store, domain, name);
    autofree char *m = snapshot_manifest_path(store, domain, name);
    /* The manifest goes first: a directory without one is no snapshot. */
    if (unlink(m) < 0 && errno != ENOENT)
        return vs_error("cannot remove '%s': %s", m, strerror(errno));
    autostrv char **left = vs_list_dir(dir, NULL);
    for (char **p = left; p && *p; p++) {
        autofree char *f = vs_asprintf("%s/%s", dir, *p);
        unlink(f);
    }
    if (rmdir(dir) < 0 && errno != ENOENT)
        return vs_error("cannot remove '%s': %s", dir, strerror(errno));
    autofree char *parent = snapshot_dir(store, domain, NULL);
    return store_fsync_dir(parent);
}

/* True when 'path' is s's frozen file or lies below it in its backing
 * chain (read from the image headers, at most 64 deep). */
static bool frozen_chain_has(const vs_snapshot *s, const char *path)
{
    for (size_t i = 0; i < s->ndisks; i++) {
        autofree char *cur = vs_xstrdup(s->disks[i].backing);
        for (int depth = 0; cur && depth < 64; depth++) {
            if (vs_streq(cur, path))
                return true;
            char *next = qemuimg_backing_file(cur, NULL, false);
            free(cur);
            cur = next;
        }
    }
    return false;
}

void snapshot_forget_frozen_in(const char *store, const char *domain, char *const *bases, size_t n)
{
    autostrv char **names = snapshot_names(store, domain);
    for (char **p = names; p && *p; p++) {
        autofree char *path = snapshot_manifest_path(store, domain, *p);
        autosnapshot vs_snapshot *s = manifest_snapshot_load(path);
        if (!s)
            continue;
        bool hit = false;
        for (size_t k = 0; k < n && !hit; k++)
            hit = frozen_chain_has(s, bases[k]);
        if (hit && snapshot_forget(store, domain, *p) == 0)
            vs_info("disk snapshot '%s' is gone: the commit wrote into the files it had frozen", *p);
    }
}

/* ---- create ------------------------------------------------------------ */

/* "<dir>/<stem>.<name>.qcow2" beside the disk's current file. */
char *snapshot_overlay_path(const char *source, const char *name)
{
    autofree char *a = vs_xstrdup(source);
    autofree char *b = vs_xstrdup(source);
    char *base = basename(b);
    char *dot = strrchr(base, '.');
    if (dot && dot != base)
        *dot = '\0';
    return vs_asprintf("%s/%s.%s.qcow2", dirname(a), base, name);
}

/* Checks the request against the domain's disks and fills s->disks. */
int snapshot_plan_disks(virDomainPtr dom, const vs_snapshot_request *req, bool active, vs_snapshot *s)
{
    vs_disk *disks = NULL;
    size_t n = 0;
    if (domain_disks(dom, !active, &disks, &n) < 0)
        return -1;
    int ret = -1;
    for (char *const *p = req->disks; p && *p; p++) {
        const vs_disk *d = domain_disk_find(disks, n, *p);
        if (!d) {
            vs_error("domain '%s' has no disk '%s'", virDomainGetName(dom), *p);
            goto out;
        }
        for (char *const *q = req->disks; q < p; q++)
            if (vs_streq(*q, *p)) {
                vs_error("disk '%s' is named twice", *p);
                goto out;
            }
    }
    s->disks = vs_xcalloc(n ? n : 1, sizeof(*s->disks));
    for (size_t i = 0; i < n; i++) {
        const vs_disk *d = &disks[i];
        bool named = req->disks != NULL;
        if (req->disks && !vs_strv_contains(req->disks, d->target))
            continue;
        if (!vs_streq(d->device, "disk") || d->readonly) {
            if (named) {
                vs_error("'%s' is a %s%s, not a writable disk; it cannot be snapshotted", d->target,
                         d->readonly ? "read-only " : "", d->device);
                goto out;
            }
            continue; /* CD-ROMs and read-only disks need no snapshot */
        }
        if (!vs_streq(d->type, "file") || !d->source) {
            vs_error("disk '%s' is not a file (type '%s'); only file disks can be snapshotted%s", d->target,
                     d->type ? d->type : "?", named ? "" : " (leave it out with --disk)");
            goto out;
        }
        if (!vs_streq(d->format, "qcow2") && !vs_streq(d->format, "raw")) {
            vs_error("disk '%s' has format '%s'; only qcow2 and raw disks can be snapshotted", d->target,
                     d->format ? d->format : "unknown");
            goto out;
        }
        virDomainBlockInfo bi;
        if (virDomainGetBlockInfo(dom, d->target, &bi, 0) < 0) {
            autofree char *what = vs_asprintf("cannot read the size of disk '%s'", d->target);
            conn_error(what);
            goto out;
        }
        vs_snap_disk *x = &s->disks[s->ndisks++];
        x->target = vs_xstrdup(d->target);
        x->backing = vs_xstrdup(d->source);
        x->backing_format = vs_xstrdup(d->format);
        x->overlay = snapshot_overlay_path(d->source, req->name);
        x->virtual_size = bi.capacity;
        struct stat st;
        x->backing_size = stat(d->source, &st) == 0 ? (unsigned long long)st.st_blocks * 512 : 0;
        if (access(x->overlay, F_OK) == 0) {
            vs_error("'%s' exists already; choose another snapshot name", x->overlay);
            goto out;
        }
    }
    if (s->ndisks == 0) {
        vs_error("domain '%s' has no disk to snapshot", virDomainGetName(dom));
        goto out;
    }
    ret = 0;
out:
    domain_disks_free(disks, n);
    return ret;
}

char *snapshot_libvirt_xml(virDomainPtr dom, bool inactive, const char *name, const char *memory, size_t n,
                           const char *const *targets, const char *const *overlays)
{
    vs_disk *disks = NULL;
    size_t nd = 0;
    if (domain_disks(dom, inactive, &disks, &nd) < 0)
        return NULL;
    xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
    xmlNodePtr root = xmlNewNode(NULL, BAD_CAST "domainsnapshot");
    xmlDocSetRootElement(doc, root);
    xmlNewTextChild(root, NULL, BAD_CAST "name", BAD_CAST name);
    if (memory) {
        xmlNodePtr mem = xmlNewChild(root, NULL, BAD_CAST "memory", NULL);
        xmlSetProp(mem, BAD_CAST "snapshot", BAD_CAST "external");
        xmlSetProp(mem, BAD_CAST "file", BAD_CAST memory);
    }
    xmlNodePtr list = xmlNewChild(root, NULL, BAD_CAST "disks", NULL);
    for (size_t i = 0; i < nd; i++) {
        const char *overlay = NULL;
        for (size_t k = 0; k < n && !overlay; k++)
            if (vs_streq(targets[k], disks[i].target))
                overlay = overlays[k];
        xmlNodePtr d = xmlNewChild(list, NULL, BAD_CAST "disk", NULL);
        xmlSetProp(d, BAD_CAST "name", BAD_CAST disks[i].target);
        xmlSetProp(d, BAD_CAST "snapshot", BAD_CAST(overlay ? "external" : "no"));
        if (!overlay)
            continue;
        xmlSetProp(d, BAD_CAST "type", BAD_CAST "file");
        xmlSetProp(xmlNewChild(d, NULL, BAD_CAST "driver", NULL), BAD_CAST "type", BAD_CAST "qcow2");
        xmlSetProp(xmlNewChild(d, NULL, BAD_CAST "source", NULL), BAD_CAST "file", BAD_CAST overlay);
    }
    domain_disks_free(disks, nd);
    xmlChar *buf = NULL;
    int len = 0;
    xmlDocDumpFormatMemory(doc, &buf, &len, 1);
    xmlFreeDoc(doc);
    char *x = buf ? vs_xstrndup((const char *)buf, (size_t)len) : NULL;
    xmlFree(buf);
    if (!x)
        vs_error("cannot write the snapshot XML");
    return x;
}

static char *snapshot_xml(virDomainPtr dom, const vs_snapshot *s, bool active)
{
    const char **t = vs_xcalloc(s->ndisks, sizeof(char *)), **o = vs_xcalloc(s->ndisks, sizeof(char *));
    for (size_t i = 0; i < s->ndisks; i++)
        t[i] = s->disks[i].target, o[i] = s->disks[i].overlay;
    char *x = snapshot_libvirt_xml(dom, !active, s->name, NULL, s->ndisks, t, o);
    free(t), free(o);
    return x;
}

static void journal_disks(vs_journal *j, const vs_snapshot *s)
{
    char val[32];
    journal_set_disk_count(j, s->ndisks);
    for (size_t i = 0; i < s->ndisks; i++) {
        journal_set_disk(j, i, "target", s->disks[i].target);
        journal_set_disk(j, i, "overlay", s->disks[i].overlay);
        journal_set_disk(j, i, "backing", s->disks[i].backing);
        journal_set_disk(j, i, "format", s->disks[i].backing_format);
        snprintf(val, sizeof(val), "%llu", s->disks[i].virtual_size);
        journal_set_disk(j, i, "size", val);
        snprintf(val, sizeof(val), "%llu", s->disks[i].backing_size);
        journal_set_disk(j, i, "backing-size", val);
    }
}

static void remove_overlays(const vs_snapshot *s, size_t upto)
{
    for (size_t i = 0; i < upto; i++)
        if (unlink(s->disks[i].overlay) < 0 && errno != ENOENT)
            vs_warn("cannot remove '%s': %s", s->disks[i].overlay, strerror(errno));
}

static int write_manifest(const char *store, const vs_snapshot *s)
{
    autofree char *dir = snapshot_dir(store, s->domain, s->name);
    autofree char *path = snapshot_manifest_path(store, s->domain, s->name);
    if (store_mkdirs(dir) < 0)
        return -1;
    return manifest_snapshot_write(path, s);
}

int snapshot_create(vs_ctx *ctx, virDomainPtr dom, const vs_snapshot_request *req, vs_snapshot **out)
{
    const char *dname = virDomainGetName(dom);
    int state = domain_state(dom);
    if (state < 0)
        return -1;
    bool active = state == VIR_DOMAIN_RUNNING || state == VIR_DOMAIN_BLOCKED;
    if (!active && state != VIR_DOMAIN_SHUTOFF)
        return vs_error("domain '%s' is %s; a disk snapshot needs it running or shut off", dname,
                        domain_state_name(state));
    if (virDomainIsPersistent(dom) != 1)
        return vs_error("domain '%s' is transient; a disk snapshot changes its definition, which a transient "
                        "domain loses when it stops (make it persistent with 'virsh define')", dname);
    if (snapshot_name_taken(ctx->store, dname, req->name))
        return vs_error("domain '%s' already has a disk snapshot or restore point named '%s'", dname, req->name);

    autosnapshot vs_snapshot *s = vs_xcalloc(1, sizeof(*s));
    s->name = vs_xstrdup(req->name);
    s->domain = vs_xstrdup(dname);
    s->uuid = domain_uuid_string(dom);
    s->description = req->description ? vs_xstrdup(req->description) : NULL;
    s->created = (long long)time(NULL);
    s->domain_state = vs_xstrdup(active ? "running" : "shut off");
    s->frozen_us = -1;
    if (snapshot_plan_disks(dom, req, active, s) < 0)
        return -1;
    if (!active && req->quiesce == VS_QUIESCE_REQUIRED)
        vs_info("domain '%s' is shut off: its disks are consistent without quiescing", dname);

    autofree char *ddir = store_domain_dir(ctx->store, dname);
    if (!ddir)
        return -1;
    autojournal vs_journal *j = journal_begin(ddir, OP, dname, s->uuid);
    if (!j)
        return -1;
    journal_set(j, "name", s->name);
    journal_set(j, "state", s->domain_state);
    if (s->description)
        journal_set(j, "description", s->description);
    journal_disks(j, s);
    char created[32];
    snprintf(created, sizeof(created), "%lld", s->created);
    journal_set(j, "created", created);

    job_signals_install();
    size_t made = 0;
    vs_freeze *frozen = NULL;
    bool quiesced = false;
    autofree char *xml = NULL;

    if (journal_step(j, "overlays") < 0)
        goto rollback;
    for (; made < s->ndisks; made++) {
        vs_snap_disk *d = &s->disks[made];
        if (job_interrupted() || qemuimg_create_overlay(d->overlay, d->backing, d->backing_format,
                                                        d->virtual_size) < 0)
            goto rollback;
    }
    if (journal_step_done(j, "overlays") < 0 || job_interrupted())
        goto rollback;
    xml = snapshot_xml(dom, s, active);
    if (!xml)
        goto rollback;

    /* Nothing is written to the journal while the guest is frozen: the
     * "snapshot" step, begun before the freeze and done after the thaw,
     * with freeze=yes, tells recovery that the guest may be frozen. */
    bool freezing = active && req->quiesce != VS_QUIESCE_OFF;
    journal_set(j, "freeze", freezing ? "yes" : "no");
    if (journal_step(j, "snapshot") < 0)
        goto rollback;
    if (freezing) {
        autofree char *crash = vs_asprintf("the snapshot of '%s' is only crash-consistent", dname);
        if (quiesce_freeze_by_policy(ctx, dom, req->quiesce, "snapshot", crash, &frozen, &quiesced) < 0)
            goto rollback;
    }
    unsigned flags = VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY | VIR_DOMAIN_SNAPSHOT_CREATE_REUSE_EXT |
                     VIR_DOMAIN_SNAPSHOT_CREATE_NO_METADATA;
    if (active)
        flags |= VIR_DOMAIN_SNAPSHOT_CREATE_ATOMIC;
    virDomainSnapshotPtr snap = virDomainSnapshotCreateXML(dom, xml, flags);
    if (!snap) {
        autofree char *why = vs_xstrdup(conn_last_error());
        if (frozen) {
            quiesce_thaw(frozen);
            frozen = NULL;
        }
        vs_error("libvirt could not take the snapshot of '%s': %s", dname, why);
        goto rollback;
    }
    virDomainSnapshotFree(snap);
    if (frozen) {
        int trc = quiesce_thaw(frozen);
        frozen = NULL;
        if (trc == 0)
            s->frozen_us = quiesce_last_frozen_us();
    }
    journal_set(j, "quiesced", quiesced ? "yes" : "no");
    if (journal_step_done(j, "snapshot") < 0) {
        job_signals_restore();
        vs_error("the snapshot was taken but its record was not written; run 'virt-state recover %s'", dname);
        return -1;
    }
    free(s->consistency);
    s->consistency = vs_xstrdup(!active ? "offline" : quiesced ? "quiesced" : "crash-consistent");

    if (journal_step(j, "manifest") < 0 || write_manifest(ctx->store, s) < 0 ||
        journal_step_done(j, "manifest") < 0) {
        job_signals_restore();
        vs_error("the snapshot was taken but its record was not written; run 'virt-state recover %s'", dname);
        return -1;
    }
    job_signals_restore();
    journal_finish(j);
    *out = vs_steal(&s);
    return 0;

rollback:
    if (frozen)
        quiesce_thaw(frozen);
    job_signals_restore();
    if (job_interrupted())
        vs_error("interrupted; no snapshot taken, '%s' is unchanged", dname);
    remove_overlays(s, made);
    journal_finish(j);
    return -1;
}

/* ---- recovery ----------------------------------------------------------- */

bool snapshot_journal_may_be_frozen(const vs_journal *j)
{
    return vs_streq(journal_get(j, "freeze"), "yes") && journal_step_state(j, "snapshot") == VS_STEP_BEGUN;
}

static vs_snapshot *snapshot_from_journal(vs_journal *j)
{
    size_t n = journal_disk_count(j, "the snapshot");
    if (n == 0)
        return NULL;
    vs_snapshot *s = vs_xcalloc(1, sizeof(*s));
    s->name = vs_xstrdup(journal_get(j, "name") ? journal_get(j, "name") : "");
    s->domain = vs_xstrdup(journal_domain(j));
    s->uuid = vs_xstrdup(journal_uuid(j) ? journal_uuid(j) : "");
    s->description = journal_get(j, "description") ? vs_xstrdup(journal_get(j, "description")) : NULL;
    s->domain_state = vs_xstrdup(journal_get(j, "state") ? journal_get(j, "state") : "running");
    const char *cr = journal_get(j, "created");
    s->created = cr ? atoll(cr) : (long long)time(NULL);
    s->frozen_us = -1;
    s->disks = vs_xcalloc(n, sizeof(*s->disks));
    for (size_t i = 0; i < n; i++) {
        const char *v[6];
        const char *names[] = {"target", "overlay", "backing", "format", "size", "backing-size"};
        for (int k = 0; k < 6; k++)
            v[k] = journal_get_disk(j, i, names[k]);
        if (!v[0] || !v[1] || !v[2] || !v[3] || v[1][0] != '/' || v[2][0] != '/' || strstr(v[1], "/../")) {
            manifest_snapshot_free(s);
            return vs_error("journal '%s' has an incomplete disk entry", journal_path(j)), NULL;
        }
        vs_snap_disk *d = &s->disks[s->ndisks++];
        d->target = vs_xstrdup(v[0]);
        d->overlay = vs_xstrdup(v[1]);
        d->backing = vs_xstrdup(v[2]);
        d->backing_format = vs_xstrdup(v[3]);
        d->virtual_size = v[4] ? strtoull(v[4], NULL, 10) : 0;
        d->backing_size = v[5] ? strtoull(v[5], NULL, 10) : 0;
    }
    return s;
}

int snapshot_create_recover(vs_ctx *ctx, vs_journal *j)
{
    const char *dname = journal_domain(j);
    autosnapshot vs_snapshot *s = snapshot_from_journal(j);
    if (!s)
        return -1;
    if (!vs_name_is_safe(s->name))
        return vs_error("journal '%s' names an unsafe snapshot '%s'", journal_path(j), s->name);
    autodomain virDomainPtr dom = journal_uuid(j) ? virDomainLookupByUUIDString(ctx->conn, journal_uuid(j)) : NULL;
    if (!dom)
        return vs_error("domain '%s' (%s) no longer exists; journal '%s' left for inspection", dname,
                        journal_uuid(j) ? journal_uuid(j) : "no UUID", journal_path(j));

    /* First the guest: a freeze without its thaw hangs it. */
    if (snapshot_journal_may_be_frozen(j)) {
        int thawed = quiesce_thaw_domain(dom);
        if (thawed > 0)
            vs_warn("the interrupted snapshot had left '%s' frozen; thawed %d filesystem%s", dname, thawed,
                    thawed == 1 ? "" : "s");
    }

    bool active = virDomainIsActive(dom) == 1;
    vs_disk *disks = NULL;
    size_t n = 0;
    if (domain_disks(dom, !active, &disks, &n) < 0)
        return -1;
    size_t on_overlay = 0;
    for (size_t i = 0; i < s->ndisks; i++) {
        const vs_disk *d = domain_disk_find(disks, n, s->disks[i].target);
        if (d && vs_streq(d->source, s->disks[i].overlay))
            on_overlay++;
    }
    domain_disks_free(disks, n);

    if (on_overlay == s->ndisks) {
        /* The snapshot was taken: finish its record. */
        /* Killed between the freeze and the end of the step, it is not
         * known whether the freeze held: say crash-consistent. */
        bool quiesced = vs_streq(journal_get(j, "quiesced"), "yes");
        bool was_running = vs_streq(s->domain_state, "running");
        s->consistency = vs_xstrdup(!was_running ? "offline" : quiesced ? "quiesced" : "crash-consistent");
        autofree char *mpath = snapshot_manifest_path(ctx->store, dname, s->name);
        if (access(mpath, F_OK) != 0 && write_manifest(ctx->store, s) < 0)
            return -1;
        vs_info("finished the interrupted disk snapshot '%s' of '%s' (%s)", s->name, dname, s->consistency);
        return journal_finish(j);
    }
    if (on_overlay == 0) {
        for (size_t i = 0; i < s->ndisks; i++)
            if (unlink(s->disks[i].overlay) == 0)
                vs_debug("removed %s", s->disks[i].overlay);
        vs_info("rolled back the interrupted disk snapshot '%s' of '%s': removed its unused overlays", s->name,
                dname);
        return journal_finish(j);
    }
    return vs_error("domain '%s' runs on the overlays of only %zu of the %zu disks of snapshot '%s'; journal '%s' "
                    "left for inspection",
                    dname, on_overlay, s->ndisks, s->name, journal_path(j));
}
