#include "config.h"
#include "backup_prune.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>

#include "backup.h"
#include "conn.h"
#include "domain.h"
#include "qemuimg.h"
#include "restore_point.h"
#include "store.h"
#include "util.h"

#define OP "backup-prune"
#define CHECKPOINT_PREFIX "virt-state-"

/* ---- the selection (pure) ------------------------------------------------ */

typedef enum { BUCKET_DAY, BUCKET_WEEK, BUCKET_MONTH } bucket_kind;

static void bucket_key(long long t, bucket_kind k, char *buf, size_t len)
{
    time_t tt = (time_t)t;
    struct tm tm;
    localtime_r(&tt, &tm);
    strftime(buf, len, k == BUCKET_DAY ? "%Y-%m-%d" : k == BUCKET_WEEK ? "%G-W%V" : "%Y-%m", &tm);
}

/* The newest complete backup of each of the last 'count' buckets that have
 * one. */
static void keep_buckets(vs_prune_item *items, size_t n, unsigned long count, bucket_kind k, unsigned reason)
{
    char last[32] = "", key[32];
    unsigned long seen = 0;
    for (size_t i = n; i-- > 0 && seen < count;) {
        if (!items[i].complete)
            continue;
        bucket_key(items[i].time, k, key, sizeof(key));
        if (vs_streq(key, last))
            continue;
        snprintf(last, sizeof(last), "%s", key);
        items[i].keep |= reason;
        seen++;
    }
}

static vs_prune_item *find_parent(vs_prune_item *items, size_t n, const vs_prune_item *it)
{
    if (!it->parent)
        return NULL;
    for (size_t i = 0; i < n; i++)
        if (vs_streq(items[i].id, it->parent) && vs_streq(items[i].chain, it->chain))
            return &items[i];
    return NULL;
}

void prune_select(vs_prune_item *items, size_t n, const vs_prune_policy *policy)
{
    for (size_t i = 0; i < n; i++) {
        items[i].keep = 0;
        items[i].keep_checkpoint = false;
    }
    unsigned long seen = 0;
    for (size_t i = n; i-- > 0 && seen < policy->last;)
        if (items[i].complete) {
            items[i].keep |= VS_PRUNE_LAST;
            seen++;
        }
    keep_buckets(items, n, policy->daily, BUCKET_DAY, VS_PRUNE_DAILY);
    keep_buckets(items, n, policy->weekly, BUCKET_WEEK, VS_PRUNE_WEEKLY);
    keep_buckets(items, n, policy->monthly, BUCKET_MONTH, VS_PRUNE_MONTHLY);
    /* A kept backup keeps every backup below it: its images are the kept
     * one's backing files. The chain is walked at most n steps (a cycle in
     * hostile manifests cannot loop). */
    for (size_t i = 0; i < n; i++) {
        if (!items[i].keep || (items[i].keep & VS_PRUNE_BASE))
            continue;
        vs_prune_item *p = &items[i];
        for (size_t steps = 0; steps < n && (p = find_parent(items, n, p)); steps++)
            p->keep |= VS_PRUNE_BASE;
    }
    /* The checkpoints a future incremental builds on: the newest kept
     * complete backup's (pull exports build on any backup) and the newest
     * kept complete push backup's (push backups build on push backups).
     * Backups without a checkpoint (snapshot and offline methods) are no
     * base: the one below them keeps its checkpoint. */
    bool any = false, push = false;
    for (size_t i = n; i-- > 0 && !(any && push);) {
        if (!items[i].keep || !items[i].complete || !items[i].checkpoint)
            continue;
        if (!any || (!push && !items[i].pull))
            items[i].keep_checkpoint = true;
        any = true;
        if (!items[i].pull)
            push = true;
    }
}

const char *prune_reasons(unsigned keep, char *buf, size_t len)
{
    static const struct {
        unsigned bit;
        const char *word;
    } words[] = {{VS_PRUNE_LAST, "last"},
                 {VS_PRUNE_DAILY, "daily"},
                 {VS_PRUNE_WEEKLY, "weekly"},
                 {VS_PRUNE_MONTHLY, "monthly"},
                 {VS_PRUNE_BASE, "base of a kept backup"}};
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
        if (keep & words[i].bit) {
            int w = snprintf(buf + used, len - used, "%s%s", used ? ", " : "", words[i].word);
            if (w < 0 || (size_t)w >= len - used) {
                buf[used] = '\0';
                break;
            }
            used += (size_t)w;
        }
    return buf;
}

/* ---- paths ----------------------------------------------------------------- */

static char *manifest_path(const char *store, const char *domain, const char *chain, const char *id)
{
    return vs_asprintf("%s/%s/backups/%s/%s%s", store, domain, chain, id, VS_BK_MANIFEST_SUFFIX);
}

static char *image_path(const char *store, const char *domain, const char *chain, const char *id,
                        const char *target)
{
    autofree char *name = bkmanifest_image_name(id, target);
    return vs_asprintf("%s/%s/backups/%s/%s", store, domain, chain, name);
}

void prune_result_clear(vs_prune_result *r)
{
    for (size_t i = 0; i < r->n; i++) {
        bkmanifest_free(r->e[i].b);
        vs_strv_free(r->e[i].images);
        free(r->e[i].cp_note);
    }
    free(r->e);
    memset(r, 0, sizeof(*r));
}

/* ---- checkpoints ------------------------------------------------------------ */

/* The files below the top image of each disk of the running domain, with
 * the persistent bitmaps each holds: libvirt 9.0 deletes a checkpoint's
 * bitmap from every image of the chain that has it, and those files are
 * frozen (restore points, disk snapshots): rewriting them breaks what
 * froze them. */
typedef struct {
    char *target;
    size_t n;
    char **files;
    char ***bitmaps;
} chain_info;

typedef struct {
    size_t n;
    chain_info *c;
    bool loaded, ok;
} chains;

static void chains_clear(chains *cs)
{
    for (size_t i = 0; i < cs->n; i++) {
        free(cs->c[i].target);
        for (size_t k = 0; k < cs->c[i].n; k++) {
            free(cs->c[i].files[k]);
            vs_strv_free(cs->c[i].bitmaps[k]);
        }
        free(cs->c[i].files);
        free(cs->c[i].bitmaps);
    }
    free(cs->c);
    memset(cs, 0, sizeof(*cs));
}

static int chains_load(virDomainPtr dom, chains *cs)
{
    if (cs->loaded)
        return cs->ok ? 0 : -1;
    cs->loaded = true;
    vs_disk *disks = NULL;
    size_t n = 0;
    if (domain_disks(dom, false, &disks, &n) < 0)
        return -1;
    cs->c = vs_xcalloc(n ? n : 1, sizeof(*cs->c));
    cs->ok = true;
    for (size_t i = 0; i < n && cs->ok; i++) {
        if (!disks[i].source)
            continue;
        chain_info *ci = &cs->c[cs->n++];
        ci->target = vs_xstrdup(disks[i].target);
        char *f = qemuimg_backing_file(disks[i].source, NULL, false);
        for (int depth = 0; f && depth < 64; depth++) {
            bool ok;
            char **names = qemuimg_bitmap_names(f, &ok);
            if (!ok) {
                free(f);
                cs->ok = false;
                break;
            }
            ci->files = vs_xrealloc(ci->files, (ci->n + 1) * sizeof(char *));
            ci->bitmaps = vs_xrealloc(ci->bitmaps, (ci->n + 1) * sizeof(char **));
            ci->files[ci->n] = f;
            ci->bitmaps[ci->n] = names;
            ci->n++;
            f = qemuimg_backing_file(f, NULL, false);
        }
        free(f);
    }
    domain_disks_free(disks, n);
    return cs->ok ? 0 : -1;
}

/* When a bitmap of the checkpoint lies in a file below a disk's top image,
 * why (to be reported); NULL otherwise. */
static char *bitmap_in_frozen_file(const char *store, const char *dname, const char *cpxml, const chains *cs)
{
    xmlDocPtr doc = xmlReadMemory(cpxml, (int)strlen(cpxml), NULL, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR);
    if (!doc)
        return vs_xstrdup("its XML cannot be read");
    char *why = NULL;
    xmlXPathContextPtr xc = xmlXPathNewContext(doc);
    xmlXPathObjectPtr r = xc ? xmlXPathEvalExpression(BAD_CAST "/domaincheckpoint/disks/disk[@checkpoint='bitmap']", xc)
                             : NULL;
    for (int i = 0; r && r->nodesetval && i < r->nodesetval->nodeNr && !why; i++) {
        xmlNodePtr d = r->nodesetval->nodeTab[i];
        xmlChar *name = xmlGetProp(d, BAD_CAST "name");
        xmlChar *bitmap = xmlGetProp(d, BAD_CAST "bitmap");
        for (size_t k = 0; k < cs->n && name && bitmap && !why; k++) {
            if (!vs_streq(cs->c[k].target, (const char *)name))
                continue;
            for (size_t f = 0; f < cs->c[k].n && !why; f++) {
                if (!vs_strv_contains(cs->c[k].bitmaps[f], (const char *)bitmap))
                    continue;
                autofree char *who = NULL;
                bool rp = rp_freezes(store, dname, cs->c[k].files[f], &who);
                why = vs_asprintf("its bitmap '%s' of disk %s is also in '%s', %s%s%s; deleting it there would "
                                  "change that file",
                                  (const char *)bitmap, (const char *)name, cs->c[k].files[f],
                                  rp ? "frozen by restore point '" : "a frozen backing file", rp ? who : "",
                                  rp ? "'" : "");
            }
        }
        xmlFree(name);
        xmlFree(bitmap);
    }
    xmlXPathFreeObject(r);
    xmlXPathFreeContext(xc);
    xmlFreeDoc(doc);
    return why;
}

/* Decides what happens to entry e's checkpoint. */
static int plan_checkpoint(vs_ctx *ctx, virDomainPtr dom, const char *uuid, bool active, chains *cs,
                           vs_prune_entry *e, bool keep_it)
{
    const vs_backup *b = e->b;
    e->cp = VS_PRUNE_CP_NONE;
    if (!vs_streq(b->uuid, uuid)) {
        e->cp_note = vs_xstrdup("the backup is of another domain of that name");
        return 0;
    }
    if (!b->checkpoint) {
        e->cp_note = vs_asprintf("a %s backup has no checkpoint", bkmanifest_method(b));
        return 0;
    }
    if (!vs_str_has_prefix(b->checkpoint, CHECKPOINT_PREFIX)) {
        e->cp_note = vs_asprintf("'%s' is not a checkpoint virt-state creates; left alone", b->checkpoint);
        return 0;
    }
    virDomainCheckpointPtr cp = virDomainCheckpointLookupByName(dom, b->checkpoint, 0);
    if (!cp) {
        e->cp_note = vs_asprintf("'%s' is not in libvirt", b->checkpoint);
        return 0;
    }
    if (keep_it) {
        virDomainCheckpointFree(cp);
        e->cp = VS_PRUNE_CP_KEEP;
        return 0;
    }
    if (!active) {
        virDomainCheckpointFree(cp);
        e->cp = VS_PRUNE_CP_METADATA;
        e->cp_note = vs_xstrdup("the domain is not running, and libvirt 9.0 deletes a checkpoint's bitmaps only "
                                "from a running domain: its metadata goes, its bitmaps stay in the disk images");
        return 0;
    }
    autofree char *xml = virDomainCheckpointGetXMLDesc(cp, VIR_DOMAIN_CHECKPOINT_XML_NO_DOMAIN);
    virDomainCheckpointFree(cp);
    if (!xml) {
        autofree char *what = vs_asprintf("cannot read checkpoint '%s'", b->checkpoint);
        return conn_error(what);
    }
    if (chains_load(dom, cs) < 0)
        return vs_error("cannot read the bitmaps of the domain's backing files");
    autofree char *why = bitmap_in_frozen_file(ctx->store, virDomainGetName(dom), xml, cs);
    if (why) {
        e->cp = VS_PRUNE_CP_METADATA;
        e->cp_note = vs_asprintf("%s: only its metadata goes", why);
    } else {
        e->cp = VS_PRUNE_CP_DELETE;
    }
    return 0;
}

/* Deletes checkpoint 'name' (metadata only when asked, or when the domain
 * no longer runs). 0 also when it is gone already. */
static int delete_checkpoint(virDomainPtr dom, const char *name, bool metadata_only)
{
    if (!vs_str_has_prefix(name, CHECKPOINT_PREFIX))
        return 0;
    virDomainCheckpointPtr cp = virDomainCheckpointLookupByName(dom, name, 0);
    if (!cp)
        return 0;
    if (!metadata_only && virDomainIsActive(dom) != 1)
        metadata_only = true;
    int rc = virDomainCheckpointDelete(cp, metadata_only ? VIR_DOMAIN_CHECKPOINT_DELETE_METADATA_ONLY : 0);
    virDomainCheckpointFree(cp);
    if (rc < 0) {
        autofree char *what = vs_asprintf("cannot delete checkpoint '%s'", name);
        return conn_error(what);
    }
    vs_debug("deleted checkpoint %s%s", name, metadata_only ? " (metadata only)" : "");
    return 0;
}

/* ---- removal ------------------------------------------------------------------ */

/* Removes one backup: its manifest first (from then on it does not exist),
 * then its images, then the chain's directory when it is empty. Missing
 * files are fine (a removal resumed by recover). */
static int remove_backup(const char *store, const char *dname, const char *chain, const char *id,
                         char *const *targets)
{
    autofree char *dir = backup_dir(store, dname, chain);
    autofree char *m = manifest_path(store, dname, chain, id);
    if (access(dir, F_OK) != 0 && errno == ENOENT)
        return 0; /* removed already, directory and all */
    if (unlink(m) < 0 && errno != ENOENT)
        return vs_error("cannot remove '%s': %s", m, strerror(errno));
    if (store_fsync_dir(dir) < 0)
        return -1;
    for (char *const *t = targets; t && *t; t++) {
        autofree char *img = image_path(store, dname, chain, id, *t);
        if (unlink(img) < 0 && errno != ENOENT)
            return vs_error("cannot remove '%s': %s", img, strerror(errno));
    }
    if (rmdir(dir) == 0) {
        autofree char *top = backup_dir(store, dname, NULL);
        store_fsync_dir(top);
    } else if (errno != ENOTEMPTY && errno != EEXIST && errno != ENOENT) {
        vs_warn("cannot remove '%s': %s", dir, strerror(errno));
    } else if (errno != ENOENT) {
        store_fsync_dir(dir);
    }
    return 0;
}

static bool target_ok(const char *t)
{
    if (!t || !*t || strlen(t) > 32 || t[0] < 'a' || t[0] > 'z')
        return false;
    for (const char *c = t; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9')))
            return false;
    return true;
}

/* The journaled plan, read back; every name checked before it makes a
 * path. */
typedef struct {
    size_t nb, nc;
    char **ids, **chains_, ***targets;
    char **cps;
    bool *metadata;
} prune_plan;

static void plan_free(prune_plan *p)
{
    for (size_t i = 0; i < p->nb; i++) {
        free(p->ids[i]);
        free(p->chains_[i]);
        vs_strv_free(p->targets[i]);
    }
    for (size_t i = 0; i < p->nc; i++)
        free(p->cps[i]);
    free(p->ids);
    free(p->chains_);
    free(p->targets);
    free(p->cps);
    free(p->metadata);
    memset(p, 0, sizeof(*p));
}

static void journal_plan(vs_journal *j, const prune_plan *p)
{
    char k[64], v[32];
    snprintf(v, sizeof(v), "%zu", p->nb);
    journal_set(j, "backups", v);
    for (size_t i = 0; i < p->nb; i++) {
        snprintf(k, sizeof(k), "backup.%zu.id", i);
        journal_set(j, k, p->ids[i]);
        snprintf(k, sizeof(k), "backup.%zu.chain", i);
        journal_set(j, k, p->chains_[i]);
        autofree char *ts = vs_xstrdup("");
        for (char **t = p->targets[i]; t && *t; t++) {
            char *x = vs_asprintf("%s%s%s", ts, *ts ? " " : "", *t);
            free(ts);
            ts = x;
        }
        snprintf(k, sizeof(k), "backup.%zu.disks", i);
        journal_set(j, k, ts);
    }
    snprintf(v, sizeof(v), "%zu", p->nc);
    journal_set(j, "checkpoints", v);
    for (size_t i = 0; i < p->nc; i++) {
        snprintf(k, sizeof(k), "checkpoint.%zu.name", i);
        journal_set(j, k, p->cps[i]);
        snprintf(k, sizeof(k), "checkpoint.%zu.mode", i);
        journal_set(j, k, p->metadata[i] ? "metadata" : "full");
    }
}

static int plan_from_journal(const vs_journal *j, prune_plan *p)
{
    unsigned long nb, nc;
    char k[64];
    if (!journal_get(j, "backups") || vs_parse_ulong(journal_get(j, "backups"), 100000, &nb) < 0 ||
        !journal_get(j, "checkpoints") || vs_parse_ulong(journal_get(j, "checkpoints"), 100000, &nc) < 0)
        return vs_error("journal '%s' has no plan", journal_path(j));
    p->ids = vs_xcalloc(nb + 1, sizeof(char *));
    p->chains_ = vs_xcalloc(nb + 1, sizeof(char *));
    p->targets = vs_xcalloc(nb + 1, sizeof(char **));
    p->cps = vs_xcalloc(nc + 1, sizeof(char *));
    p->metadata = vs_xcalloc(nc + 1, sizeof(bool));
    for (size_t i = 0; i < nb; i++) {
        snprintf(k, sizeof(k), "backup.%zu.id", i);
        const char *id = journal_get(j, k);
        snprintf(k, sizeof(k), "backup.%zu.chain", i);
        const char *chain = journal_get(j, k);
        snprintf(k, sizeof(k), "backup.%zu.disks", i);
        const char *disks = journal_get(j, k);
        if (!vs_name_is_safe(id) || !vs_name_is_safe(chain) || !disks)
            return vs_error("journal '%s' names an unsafe or no backup", journal_path(j));
        p->ids[i] = vs_xstrdup(id);
        p->chains_[i] = vs_xstrdup(chain);
        p->nb = i + 1;
        char **ts = NULL;
        size_t nt = 0;
        autofree char *copy = vs_xstrdup(disks);
        char *save = NULL;
        for (char *t = strtok_r(copy, " ", &save); t; t = strtok_r(NULL, " ", &save))
            vs_strv_push(&ts, &nt, vs_xstrdup(t));
        p->targets[i] = ts;
        for (size_t x = 0; x < nt; x++)
            if (!target_ok(ts[x]))
                return vs_error("journal '%s' names an unsafe disk", journal_path(j));
    }
    for (size_t i = 0; i < nc; i++) {
        snprintf(k, sizeof(k), "checkpoint.%zu.name", i);
        const char *name = journal_get(j, k);
        snprintf(k, sizeof(k), "checkpoint.%zu.mode", i);
        const char *mode = journal_get(j, k);
        if (!vs_name_is_safe(name) || !vs_str_has_prefix(name, CHECKPOINT_PREFIX))
            return vs_error("journal '%s' names a checkpoint virt-state does not create", journal_path(j));
        p->cps[i] = vs_xstrdup(name);
        p->metadata[i] = vs_streq(mode, "metadata");
        p->nc = i + 1;
    }
    return 0;
}

/* Carries the plan out (a fresh one, or one recover finishes): the
 * checkpoints first (a backup without its checkpoint is still a good
 * backup; a checkpoint without its backup could never be removed by
 * virt-state), then the backups, newest first. */
static int execute(vs_ctx *ctx, virDomainPtr dom, const char *dname, const prune_plan *p, vs_journal *j)
{
    char step[48];
    for (size_t i = 0; i < p->nc; i++) {
        snprintf(step, sizeof(step), "checkpoint.%zu", i);
        if (journal_step_state(j, step) == VS_STEP_DONE)
            continue;
        if (journal_step(j, step) < 0 || (dom && delete_checkpoint(dom, p->cps[i], p->metadata[i]) < 0) ||
            journal_step_done(j, step) < 0)
            return -1;
    }
    for (size_t i = 0; i < p->nb; i++) {
        snprintf(step, sizeof(step), "remove.%zu", i);
        if (journal_step_state(j, step) == VS_STEP_DONE)
            continue;
        if (journal_step(j, step) < 0 || remove_backup(ctx->store, dname, p->chains_[i], p->ids[i], p->targets[i]) < 0 ||
            journal_step_done(j, step) < 0)
            return -1;
    }
    return journal_finish(j);
}

/* ---- prune ------------------------------------------------------------------------ */

int backup_prune(vs_ctx *ctx, virDomainPtr dom, const vs_prune_policy *policy, bool dry_run, vs_prune_result *r)
{
    const char *dname = virDomainGetName(dom);
    memset(r, 0, sizeof(*r));
    r->dry_run = dry_run;
    size_t n = 0;
    int bad = 0;
    vs_backup **all = backup_load_all(ctx->store, dname, &n, &bad);
    if (bad) {
        backup_free_all(all, n);
        return vs_error("%d backup manifest%s of '%s' cannot be read (see above): which backups build on %s is "
                        "unknown, so nothing is pruned; repair or remove %s first",
                        bad, bad == 1 ? "" : "s", dname, bad == 1 ? "it" : "them", bad == 1 ? "it" : "them");
    }
    autofree char *uuid = domain_uuid_string(dom);
    int state = domain_state(dom);
    if (!uuid || state < 0) {
        backup_free_all(all, n);
        return -1;
    }
    bool active = state != VIR_DOMAIN_SHUTOFF && state != VIR_DOMAIN_CRASHED;

    vs_prune_item *items = vs_xcalloc(n ? n : 1, sizeof(*items));
    for (size_t i = 0; i < n; i++)
        items[i] = (vs_prune_item){.id = all[i]->id,
                                   .chain = all[i]->chain,
                                   .parent = all[i]->parent,
                                   .time = all[i]->begin,
                                   .complete = all[i]->complete,
                                   .pull = all[i]->pull,
                                   .checkpoint = all[i]->checkpoint != NULL};
    prune_select(items, n, policy);

    r->e = vs_xcalloc(n ? n : 1, sizeof(*r->e));
    r->n = n;
    chains cs = {0};
    int ret = -1;
    prune_plan plan = {0};
    autofree char *ddir = NULL;
    autojournal vs_journal *j = NULL;
    for (size_t i = 0; i < n; i++) {
        vs_prune_entry *e = &r->e[i];
        e->b = all[i];
        all[i] = NULL;
        e->keep = items[i].keep;
        size_t ni = 0;
        for (size_t k = 0; !e->b->pull && k < e->b->ndisks; k++)
            vs_strv_push(&e->images, &ni,
                         image_path(ctx->store, dname, e->b->chain, e->b->id, e->b->disks[k].target));
        if (plan_checkpoint(ctx, dom, uuid, active, &cs, e, items[i].keep_checkpoint) < 0)
            goto out;
    }
    if (dry_run) {
        ret = 0;
        goto out;
    }

    /* The plan: checkpoints in any order, backups newest first (a backup
     * never outlives the backups below it, whatever the interruption). */
    plan.ids = vs_xcalloc(n + 1, sizeof(char *));
    plan.chains_ = vs_xcalloc(n + 1, sizeof(char *));
    plan.targets = vs_xcalloc(n + 1, sizeof(char **));
    plan.cps = vs_xcalloc(n + 1, sizeof(char *));
    plan.metadata = vs_xcalloc(n + 1, sizeof(bool));
    for (size_t i = n; i-- > 0;) {
        const vs_prune_entry *e = &r->e[i];
        if (e->cp == VS_PRUNE_CP_DELETE || e->cp == VS_PRUNE_CP_METADATA) {
            plan.cps[plan.nc] = vs_xstrdup(e->b->checkpoint);
            plan.metadata[plan.nc++] = e->cp == VS_PRUNE_CP_METADATA;
        }
        if (e->keep)
            continue;
        plan.ids[plan.nb] = vs_xstrdup(e->b->id);
        plan.chains_[plan.nb] = vs_xstrdup(e->b->chain);
        char **ts = NULL;
        size_t nt = 0;
        for (size_t k = 0; !e->b->pull && k < e->b->ndisks; k++)
            vs_strv_push(&ts, &nt, vs_xstrdup(e->b->disks[k].target));
        plan.targets[plan.nb++] = ts;
    }
    if (plan.nb == 0 && plan.nc == 0) {
        ret = 0;
        goto out;
    }
    ddir = store_domain_dir(ctx->store, dname);
    j = ddir ? journal_begin(ddir, OP, dname, uuid) : NULL;
    if (!j)
        goto out;
    journal_plan(j, &plan);
    if (journal_step(j, "plan") < 0 || journal_step_done(j, "plan") < 0)
        goto unfinished;
    if (execute(ctx, dom, dname, &plan, j) < 0)
        goto unfinished;
    ret = 0;
    goto out;
unfinished:
    vs_error("the prune of '%s' is not finished; run 'virt-state recover %s'", dname, dname);
out:
    plan_free(&plan);
    chains_clear(&cs);
    backup_free_all(all, n);
    free(items);
    return ret;
}

int backup_prune_recover(vs_ctx *ctx, vs_journal *j)
{
    const char *dname = journal_domain(j);
    prune_plan plan = {0};
    int ret = -1;
    autodomain virDomainPtr dom = NULL;
    if (plan_from_journal(j, &plan) < 0)
        goto out;
    dom = journal_uuid(j) ? virDomainLookupByUUIDString(ctx->conn, journal_uuid(j)) : NULL;
    if (!dom && plan.nc)
        vs_warn("domain '%s' no longer exists: its checkpoints went with it", dname);
    if (execute(ctx, dom, dname, &plan, j) < 0)
        goto out;
    vs_info("finished the interrupted prune of '%s': %zu backup%s removed, %zu checkpoint%s deleted", dname,
            plan.nb, plan.nb == 1 ? "" : "s", plan.nc, plan.nc == 1 ? "" : "s");
    ret = 0;
out:
    plan_free(&plan);
    return ret;
}
