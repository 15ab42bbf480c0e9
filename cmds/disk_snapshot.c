#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmds.h"
#include "commit.h"
#include "conn.h"
#include "domain.h"
#include "output.h"
#include "recover.h"
#include "restore_point.h"
#include "snapshot.h"
#include "store.h"
#include "util.h"

static void json_snapshot(vs_json *j, const vs_snapshot *s, const char *status)
{
    json_begin_object(j);
    json_key(j, "name");
    json_string(j, s->name);
    json_key(j, "domain");
    json_string(j, s->domain);
    json_key(j, "uuid");
    json_string(j, s->uuid);
    json_key(j, "description");
    json_string(j, s->description);
    json_key(j, "created");
    json_int(j, s->created);
    json_key(j, "consistency");
    json_string(j, s->consistency);
    json_key(j, "domain_state");
    json_string(j, s->domain_state);
    json_key(j, "frozen_us");
    if (s->frozen_us >= 0)
        json_int(j, s->frozen_us);
    else
        json_string(j, NULL);
    if (status) {
        json_key(j, "status");
        json_string(j, status);
    }
    json_key(j, "disks");
    json_begin_array(j);
    for (size_t i = 0; i < s->ndisks; i++) {
        const vs_snap_disk *d = &s->disks[i];
        json_begin_object(j);
        json_key(j, "target");
        json_string(j, d->target);
        json_key(j, "overlay");
        json_string(j, d->overlay);
        json_key(j, "backing");
        json_string(j, d->backing);
        json_key(j, "backing_format");
        json_string(j, d->backing_format);
        json_key(j, "virtual_size");
        json_int(j, (long long)d->virtual_size);
        json_key(j, "backing_size");
        json_int(j, (long long)d->backing_size);
        json_end_object(j);
    }
    json_end_array(j);
    json_end_object(j);
}

/* ---- create ---------------------------------------------------------------- */

static const vs_option create_options[] = {
    {"disk", 0, VS_OPT_LIST, "TARGET", VS_COMPLETE_DISK, NULL, 0,
     "snapshot only this disk; default: every writable disk"},
    {"quiesce", 0, VS_OPT_STRING, "POLICY", VS_COMPLETE_CHOICES, cmd_quiesce_choices, 0,
     "freeze guest I/O through the agent: auto (default: crash-consistent when no agent answers), "
     "required, off"},
    {"description", 0, VS_OPT_STRING, "TEXT", VS_COMPLETE_TEXT, NULL, 0, "a description kept in the manifest"},
    {NULL, 0, 0, NULL, 0, NULL, 0, NULL},
};

static const vs_positional create_args[] = {
    {"DOMAIN", VS_COMPLETE_DOMAIN, false, false, "the domain: name, UUID or id"},
    {"NAME", VS_COMPLETE_TEXT, true, false, "the snapshot's name (default: snapshot-DATE-TIME)"},
    {NULL, 0, false, false, NULL},
};

static int run_create(vs_ctx *ctx, const vs_args *args)
{
    const char *cmd = "disk-snapshot create";
    const char *domain = args_pos(args, 0);
    const char *name = args_pos(args, 1);
    const char *q = args_str(args, "quiesce");
    const char *desc = args_str(args, "description");
    size_t nd;
    char *const *disks = args_list(args, "disk", &nd);
    char defname[64];
    name = cmd_default_name(name, "snapshot", defname, sizeof(defname));
    int rc;
    if ((rc = cmd_check_name(cmd, name)) || (rc = cmd_check_disks(cmd, disks)))
        return rc;
    if ((rc = cmd_check_description(cmd, desc)))
        return rc;
    vs_quiesce_policy policy = cmd_quiesce_policy(q);
    autodomain virDomainPtr dom = NULL;
    autolock vs_lock *lock = NULL;
    if ((rc = cmd_open_domain(ctx, domain, cmd, true, &dom, &lock)))
        return rc;
    vs_snapshot_request req = {.name = name, .disks = nd ? disks : NULL, .quiesce = policy, .description = desc};
    autosnapshot vs_snapshot *s = NULL;
    if (snapshot_create(ctx, dom, &req, &s) < 0)
        return VS_EXIT_FAILURE;
    char fr[32];
    cmd_format_us(s->frozen_us, fr, sizeof(fr));
    vs_info("disk snapshot '%s' of '%s': %zu disk%s, %s%s%s%s", s->name, s->domain, s->ndisks,
            s->ndisks == 1 ? "" : "s", s->consistency, s->frozen_us >= 0 ? " (guest I/O frozen " : "",
            s->frozen_us >= 0 ? fr : "", s->frozen_us >= 0 ? ")" : "");
    for (size_t i = 0; i < s->ndisks; i++)
        vs_info("  %s: now on '%s', frozen '%s'", s->disks[i].target, s->disks[i].overlay, s->disks[i].backing);
    if (ctx->json) {
        vs_json j;
        json_init(&j, stdout);
        json_snapshot(&j, s, NULL);
        json_finish(&j);
    }
    return 0;
}

const vs_cmd cmd_disk_snapshot_create = {
    .name = "disk-snapshot create",
    .summary = "take an external snapshot of a domain's disks",
    .description = "Takes an external, disk-only snapshot of every writable disk of DOMAIN (or of the\n"
                   "disks given with --disk), atomically across them, on a running or shut-off domain.\n"
                   "Each disk's current file is frozen and the domain goes on in a new qcow2 overlay\n"
                   "beside it (<file>.<NAME>.qcow2). The overlays are created before guest I/O is\n"
                   "frozen, so the guest agent freezes the guest only around libvirt's snapshot call;\n"
                   "the thaw is guaranteed, even when virt-state is killed. The manifest goes to\n"
                   "<store>/<domain>/disk-snapshots/NAME/manifest.xml.",
    .options = create_options,
    .args = create_args,
    .handler = run_create,
    .flags = 0,
};

/* ---- list ---------------------------------------------------------------- */

/* The domain's name in the store: looked up in libvirt when it answers (a
 * UUID or id given), else the word itself (the domain may be gone). */
static char *store_name(vs_ctx *ctx, const char *word)
{
    if (conn_ensure(ctx) == 0) {
        virDomainPtr d = virDomainLookupByName(ctx->conn, word);
        if (!d)
            d = virDomainLookupByUUIDString(ctx->conn, word);
        if (d) {
            char *n = vs_xstrdup(virDomainGetName(d));
            virDomainFree(d);
            return n;
        }
    }
    if (!vs_name_is_safe(word))
        return vs_error("'%s' is not a domain name", word), NULL;
    return vs_xstrdup(word);
}

/* Where a snapshot stands now, from the domain's definition. */
static const char *snapshot_status(vs_ctx *ctx, const vs_snapshot *s)
{
    for (size_t i = 0; i < s->ndisks; i++)
        if (access(s->disks[i].backing, F_OK) != 0)
            return "broken: a frozen file is missing";
    virDomainPtr dom = ctx->conn && s->uuid ? virDomainLookupByUUIDString(ctx->conn, s->uuid) : NULL;
    if (!dom)
        return "domain gone";
    vs_disk *disks = NULL;
    size_t n = 0;
    const char *st = "kept";
    bool active = virDomainIsActive(dom) == 1;
    if (domain_disks(dom, !active, &disks, &n) == 0) {
        size_t top = 0;
        for (size_t i = 0; i < s->ndisks; i++) {
            const vs_disk *d = domain_disk_find(disks, n, s->disks[i].target);
            if (d && vs_streq(d->source, s->disks[i].overlay))
                top++;
        }
        if (top == s->ndisks)
            st = "current";
    }
    domain_disks_free(disks, n);
    virDomainFree(dom);
    return st;
}

static int run_list(vs_ctx *ctx, const vs_args *args)
{
    autofree char *dname = store_name(ctx, args_pos(args, 0));
    if (!dname)
        return VS_EXIT_FAILURE;
    autostrv char **names = snapshot_names(ctx->store, dname);
    static const char *const headers[] = {"Name", "Created", "Consistency", "Frozen", "Disks", "Status"};
    autotable vs_table *t = table_new(6, headers);
    vs_json j;
    if (ctx->json) {
        json_init(&j, stdout);
        json_begin_array(&j);
    }
    int ret = 0;
    for (char **p = names; p && *p; p++) {
        autosnapshot vs_snapshot *s = snapshot_load(ctx->store, dname, *p);
        if (!s) {
            ret = VS_EXIT_FAILURE;
            continue;
        }
        const char *status = snapshot_status(ctx, s);
        if (ctx->json) {
            json_snapshot(&j, s, status);
            continue;
        }
        char created[32], fr[32], dl[256] = "";
        cmd_format_time(s->created, created, sizeof(created));
        cmd_format_us(s->frozen_us, fr, sizeof(fr));
        for (size_t i = 0; i < s->ndisks; i++)
            if (strlen(dl) + strlen(s->disks[i].target) + 2 < sizeof(dl))
                strcat(strcat(dl, i ? "," : ""), s->disks[i].target);
        const char *row[] = {s->name, created, s->consistency, fr, dl, status};
        table_add_row(t, row);
    }
    if (ctx->json) {
        json_end_array(&j);
        json_finish(&j);
    } else {
        table_print(t, stdout);
    }
    return ret;
}

const vs_cmd cmd_disk_snapshot_list = {
    .name = "disk-snapshot list",
    .summary = "list a domain's disk snapshots",
    .description = "Lists the disk snapshots of DOMAIN recorded in the store, oldest name first: when\n"
                   "each was taken, whether it was quiesced, how long guest I/O was frozen, its disks,\n"
                   "and its status: 'current' when the domain runs on its overlays, 'kept' when the\n"
                   "domain has moved on (a later snapshot or a revert).",
    .options = NULL,
    .args = cmd_domain_arg,
    .handler = run_list,
    .flags = VS_CMD_READ_ONLY,
};

/* ---- show ---------------------------------------------------------------- */

static const vs_positional name_args[] = {
    {"DOMAIN", VS_COMPLETE_DOMAIN, false, false, "the domain: name, UUID or id"},
    {"NAME", VS_COMPLETE_DISK_SNAPSHOT, false, false, "the snapshot's name"},
    {NULL, 0, false, false, NULL},
};

static int run_show(vs_ctx *ctx, const vs_args *args)
{
    const char *name = args_pos(args, 1);
    int rc;
    if ((rc = cmd_check_name("disk-snapshot show", name)))
        return rc;
    autofree char *dname = store_name(ctx, args_pos(args, 0));
    if (!dname)
        return VS_EXIT_FAILURE;
    autosnapshot vs_snapshot *s = snapshot_load(ctx->store, dname, name);
    if (!s)
        return VS_EXIT_FAILURE;
    const char *status = snapshot_status(ctx, s);
    if (ctx->json) {
        vs_json j;
        json_init(&j, stdout);
        json_snapshot(&j, s, status);
        json_finish(&j);
        return 0;
    }
    char created[32], fr[32];
    cmd_format_time(s->created, created, sizeof(created));
    cmd_format_us(s->frozen_us, fr, sizeof(fr));
    printf("Name:          %s\n", s->name);
    printf("Domain:        %s (%s)\n", s->domain, s->uuid);
    if (s->description)
        printf("Description:   %s\n", s->description);
    printf("Created:       %s\n", created);
    printf("Domain state:  %s\n", s->domain_state);
    printf("Consistency:   %s\n", s->consistency);
    printf("I/O frozen:    %s\n", fr);
    printf("Status:        %s\n", status);
    for (size_t i = 0; i < s->ndisks; i++) {
        const vs_snap_disk *d = &s->disks[i];
        char vs[32], bs[32];
        vs_format_bytes(d->virtual_size, vs, sizeof(vs));
        vs_format_bytes(d->backing_size, bs, sizeof(bs));
        printf("Disk %s:\n  overlay:     %s\n  frozen file: %s (%s, %s used)\n  size:        %s\n", d->target,
               d->overlay, d->backing, d->backing_format, bs, vs);
    }
    return 0;
}

const vs_cmd cmd_disk_snapshot_show = {
    .name = "disk-snapshot show",
    .summary = "show one disk snapshot",
    .description = "Shows everything the manifest of disk snapshot NAME of DOMAIN records, and\n"
                   "where the snapshot stands now.",
    .options = NULL,
    .args = name_args,
    .handler = run_show,
    .flags = VS_CMD_READ_ONLY,
};

/* ---- delete -------------------------------------------------------------- */

static const vs_option delete_options[] = {
    {"keep-files", 0, VS_OPT_BOOL, NULL, VS_COMPLETE_NONE, NULL, 0,
     "remove only the record; leave the overlay files on disk"},
    {NULL, 0, 0, NULL, 0, NULL, 0, NULL},
};

static int run_delete(vs_ctx *ctx, const vs_args *args)
{
    const char *cmd = "disk-snapshot delete";
    const char *name = args_pos(args, 1);
    int rc;
    if ((rc = cmd_check_name(cmd, name)))
        return rc;
    autodomain virDomainPtr dom = NULL;
    autolock vs_lock *lock = NULL;
    if ((rc = cmd_open_domain(ctx, args_pos(args, 0), cmd, true, &dom, &lock)))
        return rc;
    const char *dname = virDomainGetName(dom);
    autosnapshot vs_snapshot *s = snapshot_load(ctx->store, dname, name);
    if (!s)
        return VS_EXIT_FAILURE;

    /* Another snapshot built on this one's overlays needs them. */
    autostrv char **names = snapshot_names(ctx->store, dname);
    for (char **p = names; p && *p; p++) {
        if (vs_streq(*p, name))
            continue;
        autosnapshot vs_snapshot *o = snapshot_load(ctx->store, dname, *p);
        for (size_t i = 0; o && i < o->ndisks; i++)
            for (size_t k = 0; k < s->ndisks; k++)
                if (vs_streq(o->disks[i].backing, s->disks[k].overlay))
                    return vs_error("disk snapshot '%s' froze the overlay '%s' of '%s': delete '%s' first", *p,
                                    s->disks[k].overlay, name, *p),
                           VS_EXIT_FAILURE;
    }
    const char *status = snapshot_status(ctx, s);
    if (vs_streq(status, "current")) {
        /* The domain runs on its overlays: deleting it folds them back. */
        vs_info("domain '%s' runs on the overlays of '%s': committing them into their bases", dname, name);
        char **targets = vs_xcalloc(s->ndisks + 1, sizeof(char *));
        for (size_t i = 0; i < s->ndisks; i++)
            targets[i] = s->disks[i].target;
        vs_commit_request req = {.disks = targets, .keep_overlay = args_flag(args, "keep-files")};
        rc = commit_domain(ctx, dom, &req);
        free(targets);
        if (rc < 0)
            return VS_EXIT_FAILURE;
        /* The commit forgot the snapshot: its frozen files were written. */
        snapshot_forget(ctx->store, dname, name);
    } else {
        if (snapshot_forget(ctx->store, dname, name) < 0)
            return VS_EXIT_FAILURE;
        /* Its overlays hold the abandoned branch: they go unless kept or
         * still used. */
        vs_disk *live = NULL, *inact = NULL;
        size_t nl = 0, ni = 0;
        if (virDomainIsActive(dom) == 1)
            domain_disks(dom, false, &live, &nl);
        domain_disks(dom, true, &inact, &ni);
        for (size_t i = 0; i < s->ndisks; i++) {
            const char *ov = s->disks[i].overlay;
            bool used = false;
            for (size_t k = 0; k < nl; k++)
                used |= vs_streq(live[k].source, ov) || vs_streq(live[k].backing, ov);
            for (size_t k = 0; k < ni; k++)
                used |= vs_streq(inact[k].source, ov) || vs_streq(inact[k].backing, ov);
            /* A restore point or another snapshot may have frozen it. */
            used |= rp_file_referenced(ctx->store, dname, ov);
            if (used || args_flag(args, "keep-files"))
                vs_info("kept '%s'%s", ov, used ? " (the domain still uses it)" : "");
            else if (unlink(ov) == 0)
                vs_info("removed '%s'", ov);
        }
        domain_disks_free(live, nl);
        domain_disks_free(inact, ni);
    }
    vs_info("deleted disk snapshot '%s' of '%s'", name, dname);
    if (ctx->json) {
        vs_json j;
        json_init(&j, stdout);
        json_begin_object(&j);
        json_key(&j, "domain");
        json_string(&j, dname);
        json_key(&j, "deleted");
        json_string(&j, name);
        json_key(&j, "committed");
        json_bool(&j, vs_streq(status, "current"));
        json_end_object(&j);
        json_finish(&j);
    }
    return 0;
}

const vs_cmd cmd_disk_snapshot_delete = {
    .name = "disk-snapshot delete",
    .summary = "delete a disk snapshot",
    .description = "Deletes disk snapshot NAME of DOMAIN. When the domain still runs on the\n"
                   "snapshot's overlays, they are committed into their bases first (as 'virt-state\n"
                   "commit' does), so no data written since the snapshot is lost. Otherwise the\n"
                   "record goes, and so do its overlay files unless the domain still uses them or\n"
                   "--keep-files is given. A snapshot whose overlays a later snapshot froze cannot\n"
                   "be deleted before that one.",
    .options = delete_options,
    .args = name_args,
    .handler = run_delete,
    .flags = 0,
};
