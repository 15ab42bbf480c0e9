#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmds.h"
#include "conn.h"
#include "output.h"
#include "restore_point.h"
#include "store.h"
#include "util.h"

static void json_point(vs_json *j, const vs_restore_point *p)
{
    json_begin_object(j);
    json_key(j, "name");
    json_string(j, p->name);
    json_key(j, "domain");
    json_string(j, p->domain);
    json_key(j, "uuid");
    json_string(j, p->uuid);
    json_key(j, "description");
    json_string(j, p->description);
    json_key(j, "parent");
    json_string(j, p->parent);
    json_key(j, "created");
    json_int(j, p->created);
    json_key(j, "origin");
    json_string(j, p->origin);
    json_key(j, "domain_state");
    json_string(j, p->domain_state);
    json_key(j, "live");
    json_bool(j, p->live);
    json_key(j, "consistency");
    json_string(j, p->consistency);
    json_key(j, "paused_us");
    if (p->paused_us >= 0)
        json_int(j, p->paused_us);
    else
        json_string(j, NULL);
    json_key(j, "frozen_us");
    if (p->frozen_us >= 0)
        json_int(j, p->frozen_us);
    else
        json_string(j, NULL);
    json_key(j, "versions");
    json_begin_object(j);
    json_key(j, "tool");
    json_string(j, p->tool_version);
    json_key(j, "libvirt");
    json_string(j, p->libvirt_version);
    json_key(j, "qemu");
    json_string(j, p->qemu_version);
    json_end_object(j);
    json_key(j, "memory");
    if (p->has_memory) {
        json_begin_object(j);
        json_key(j, "file");
        json_string(j, VS_RP_MEMORY);
        json_key(j, "size");
        json_int(j, (long long)p->memory_size);
        json_key(j, "sha256");
        json_string(j, p->memory_sha256);
        json_end_object(j);
    } else {
        json_string(j, NULL);
    }
    json_key(j, "definition_sha256");
    json_string(j, p->definition_sha256);
    json_key(j, "disks");
    json_begin_array(j);
    for (size_t i = 0; i < p->ndisks; i++) {
        const vs_rp_disk *d = &p->disks[i];
        json_begin_object(j);
        json_key(j, "target");
        json_string(j, d->target);
        json_key(j, "frozen");
        json_string(j, d->frozen);
        json_key(j, "frozen_format");
        json_string(j, d->frozen_format);
        json_key(j, "frozen_size");
        json_int(j, (long long)d->frozen_size);
        json_key(j, "overlay");
        json_string(j, d->overlay);
        json_key(j, "virtual_size");
        json_int(j, (long long)d->virtual_size);
        json_end_object(j);
    }
    json_end_array(j);
    json_end_object(j);
}

/* The domain's directory name in the store, without asking libvirt when
 * the store knows the word (list must stay cheap); a UUID or id is looked
 * up. */
static char *store_name(vs_ctx *ctx, const char *word)
{
    if (vs_name_is_safe(word)) {
        autofree char *dir = vs_asprintf("%s/%s", ctx->store, word);
        if (access(dir, F_OK) == 0)
            return vs_xstrdup(word);
    }
    if (conn_ensure(ctx) == 0) {
        virDomainPtr d = conn_lookup_domain(ctx, word);
        if (d) {
            char *n = vs_xstrdup(virDomainGetName(d));
            virDomainFree(d);
            return n;
        }
        return NULL;
    }
    if (!vs_name_is_safe(word))
        return vs_error("'%s' is not a domain name", word), NULL;
    return vs_xstrdup(word);
}

/* ---- create ---------------------------------------------------------------- */

static const vs_option create_options[] = {
    {"live", 0, VS_OPT_BOOL, NULL, VS_COMPLETE_NONE, NULL, 0,
     "keep the guest running while its memory is copied; it pauses only for the last part"},
    {"quiesce", 0, VS_OPT_STRING, "POLICY", VS_COMPLETE_CHOICES, cmd_quiesce_choices, 0,
     "freeze guest I/O through the agent around the capture: auto (default: only when the agent answers), "
     "required, off"},
    {"description", 0, VS_OPT_STRING, "TEXT", VS_COMPLETE_TEXT, NULL, 0, "a description kept in the manifest"},
    {"dry-run", 'n', VS_OPT_BOOL, NULL, VS_COMPLETE_NONE, NULL, 0, "print the steps it would take; change nothing"},
    {NULL, 0, 0, NULL, 0, NULL, 0, NULL},
};

static const vs_positional create_args[] = {
    {"DOMAIN", VS_COMPLETE_DOMAIN, false, false, "the domain: name, UUID or id"},
    {"NAME", VS_COMPLETE_TEXT, true, false, "the point's name (default: point-DATE-TIME)"},
    {NULL, 0, false, false, NULL},
};

static int run_create(vs_ctx *ctx, const vs_args *args)
{
    const char *cmd = "restore-point create";
    const char *name = args_pos(args, 1);
    const char *q = args_str(args, "quiesce");
    const char *desc = args_str(args, "description");
    char defname[64];
    name = cmd_default_name(name, "point", defname, sizeof(defname));
    int rc;
    if ((rc = cmd_check_name(cmd, name)))
        return rc;
    if (vs_str_has_prefix(name, "pre-revert-"))
        return cmd_usage(cmd, "names starting with 'pre-revert-' are kept for the points revert makes");
    if ((rc = cmd_check_description(cmd, desc)))
        return rc;
    vs_quiesce_policy policy = cmd_quiesce_policy(q);
    autodomain virDomainPtr dom = NULL;
    autolock vs_lock *lock = NULL;
    if ((rc = cmd_open_domain(ctx, args_pos(args, 0), cmd, true, &dom, &lock)))
        return rc;
    vs_rp_request req = {.name = name,
                         .live = args_flag(args, "live"),
                         .quiesce = policy,
                         .description = desc,
                         .dry_run = args_flag(args, "dry-run")};
    autorp vs_restore_point *p = NULL;
    if (rp_create(ctx, dom, &req, &p) < 0)
        return VS_EXIT_FAILURE;
    if (!p)
        return 0; /* dry run */
    char paused[32], frozen[32], mem[32];
    cmd_format_us(p->paused_us, paused, sizeof(paused));
    cmd_format_us(p->frozen_us, frozen, sizeof(frozen));
    vs_format_bytes(p->memory_size, mem, sizeof(mem));
    vs_info("restore point '%s' of '%s': %s, %zu disk%s%s%s%s%s%s%s", p->name, p->domain, p->consistency, p->ndisks,
            p->ndisks == 1 ? "" : "s", p->has_memory ? ", memory " : "", p->has_memory ? mem : "",
            p->paused_us >= 0 ? ", guest paused " : "", p->paused_us >= 0 ? paused : "",
            p->frozen_us >= 0 ? ", I/O frozen " : "", p->frozen_us >= 0 ? frozen : "");
    if (ctx->json) {
        vs_json j;
        json_init(&j, stdout);
        json_point(&j, p);
        json_finish(&j);
    }
    return 0;
}

const vs_cmd cmd_restore_point_create = {
    .name = "restore-point create",
    .summary = "capture a domain's memory and every disk as one restore point",
    .description =
        "Captures the memory of DOMAIN and every writable disk at one instant: libvirt writes\n"
        "the memory image and switches every disk to a new qcow2 overlay beside its file\n"
        "(<file>.<NAME>.qcow2) in one call, so the files the domain used are frozen at the\n"
        "point. Without --live the guest is paused while its memory is written; with --live\n"
        "it runs meanwhile and pauses only for the last part. With the guest agent answering\n"
        "(--quiesce auto), guest I/O is frozen around the capture and thawed after, always.\n"
        "A shut-off domain gets a point of its disks and definition. The point lives in\n"
        "<store>/<domain>/restore-points/NAME/: memory.img, domain.xml and manifest.xml; it\n"
        "exists once its manifest is written.",
    .options = create_options,
    .args = create_args,
    .handler = run_create,
    .flags = 0,
};

/* ---- list ---------------------------------------------------------------- */

static const vs_option list_options[] = {
    {"tree", 0, VS_OPT_BOOL, NULL, VS_COMPLETE_NONE, NULL, 0, "show each point under its parent"},
    {NULL, 0, 0, NULL, 0, NULL, 0, NULL},
};

static const vs_positional list_args[] = {
    {"DOMAIN", VS_COMPLETE_DOMAIN, true, false, "the domain (default: every domain in the store)"},
    {NULL, 0, false, false, NULL},
};

typedef struct {
    vs_restore_point **p;
    size_t n;
} point_set;

static void add_row(vs_table *t, const vs_restore_point *p, const char *label, bool with_domain)
{
    char created[32], paused[32], mem[32] = "-";
    cmd_format_time(p->created, created, sizeof(created));
    cmd_format_us(p->paused_us, paused, sizeof(paused));
    if (p->has_memory)
        vs_format_bytes(p->memory_size, mem, sizeof(mem));
    const char *row[] = {p->domain, label, created, p->domain_state, p->consistency, paused, mem,
                         p->parent ? p->parent : "-"};
    table_add_row(t, with_domain ? row : row + 1);
}

/* The point named 'name' of 'domain' in s, or NULL. */
static bool in_set(const point_set *s, const char *domain, const char *name)
{
    for (size_t k = 0; k < s->n; k++)
        if (vs_streq(s->p[k]->domain, domain) && vs_streq(s->p[k]->name, name))
            return true;
    return false;
}

/* Depth-first under 'parent' (NULL: the roots, and the points whose parent
 * is not in the store any more); parents are matched within a domain. */
static void add_tree(vs_table *t, point_set *s, bool *done, const vs_restore_point *parent, int depth,
                     bool with_domain)
{
    for (size_t i = 0; i < s->n; i++) {
        const vs_restore_point *x = s->p[i];
        if (done[i])
            continue;
        bool under = parent ? vs_streq(x->domain, parent->domain) && vs_streq(x->parent, parent->name)
                            : !x->parent || !in_set(s, x->domain, x->parent);
        if (!under)
            continue;
        done[i] = true;
        autofree char *label = vs_asprintf("%*s%s%s", depth * 2, "", depth ? "\\_ " : "", x->name);
        add_row(t, x, label, with_domain);
        add_tree(t, s, done, x, depth + 1, with_domain);
    }
}

static int list_domain(vs_ctx *ctx, const char *dname, point_set *s)
{
    autostrv char **names = rp_names(ctx->store, dname);
    int ret = 0;
    for (char **p = names; p && *p; p++) {
        vs_restore_point *x = rp_load(ctx->store, dname, *p);
        if (!x) {
            ret = -1;
            continue;
        }
        s->p = vs_xrealloc(s->p, (s->n + 1) * sizeof(*s->p));
        s->p[s->n++] = x;
    }
    return ret;
}

static int by_created(const void *a, const void *b)
{
    const vs_restore_point *x = *(vs_restore_point *const *)a, *y = *(vs_restore_point *const *)b;
    int d = strcmp(x->domain, y->domain);
    if (d)
        return d;
    return x->created < y->created ? -1 : x->created > y->created ? 1 : strcmp(x->name, y->name);
}

static int run_list(vs_ctx *ctx, const vs_args *args)
{
    const char *word = args_pos(args, 0);
    point_set s = {0};
    int ret = 0;
    if (word) {
        autofree char *dname = store_name(ctx, word);
        if (!dname)
            return VS_EXIT_FAILURE;
        if (list_domain(ctx, dname, &s) < 0)
            ret = VS_EXIT_FAILURE;
    } else {
        autostrv char **domains = vs_list_dir(ctx->store, NULL);
        for (char **d = domains; d && *d; d++)
            if (list_domain(ctx, *d, &s) < 0)
                ret = VS_EXIT_FAILURE;
    }
    if (s.n)
        qsort(s.p, s.n, sizeof(*s.p), by_created);
    if (ctx->json) {
        vs_json j;
        json_init(&j, stdout);
        json_begin_array(&j);
        for (size_t i = 0; i < s.n; i++)
            json_point(&j, s.p[i]);
        json_end_array(&j);
        json_finish(&j);
    } else {
        static const char *const headers[] = {"Domain", "Name",   "Created", "State",
                                              "Consistency", "Paused", "Memory",  "Parent"};
        bool with_domain = !word;
        autotable vs_table *t = table_new(with_domain ? 8 : 7, with_domain ? headers : headers + 1);
        if (args_flag(args, "tree")) {
            bool *done = vs_xcalloc(s.n ? s.n : 1, sizeof(bool));
            add_tree(t, &s, done, NULL, 0, with_domain);
            free(done);
        } else {
            for (size_t i = 0; i < s.n; i++)
                add_row(t, s.p[i], s.p[i]->name, with_domain);
        }
        table_print(t, stdout);
    }
    for (size_t i = 0; i < s.n; i++)
        rpmanifest_free(s.p[i]);
    free(s.p);
    return ret;
}

const vs_cmd cmd_restore_point_list = {
    .name = "restore-point list",
    .summary = "list restore points",
    .description = "Lists the restore points of DOMAIN, or of every domain in the store, oldest\n"
                   "first: when each was taken, the domain's state then, its consistency, how long\n"
                   "the guest was paused, the memory image's size and the parent point. --tree\n"
                   "shows each point under its parent. Only the store is read: no libvirt call is\n"
                   "made per point.",
    .options = list_options,
    .args = list_args,
    .handler = run_list,
    .flags = VS_CMD_READ_ONLY,
};

/* ---- show ---------------------------------------------------------------- */

static const vs_positional name_args[] = {
    {"DOMAIN", VS_COMPLETE_DOMAIN, false, false, "the domain: name, UUID or id"},
    {"NAME", VS_COMPLETE_RESTORE_POINT, false, false, "the restore point's name"},
    {NULL, 0, false, false, NULL},
};

static vs_restore_point *load_named(vs_ctx *ctx, const vs_args *args, const char *cmd, int *rc)
{
    const char *name = args_pos(args, 1);
    if ((*rc = cmd_check_name(cmd, name)))
        return NULL;
    autofree char *dname = store_name(ctx, args_pos(args, 0));
    *rc = VS_EXIT_FAILURE;
    if (!dname)
        return NULL;
    vs_restore_point *p = rp_load(ctx->store, dname, name);
    if (p)
        *rc = 0;
    return p;
}

static int run_show(vs_ctx *ctx, const vs_args *args)
{
    int rc;
    autorp vs_restore_point *p = load_named(ctx, args, "restore-point show", &rc);
    if (!p)
        return rc;
    if (ctx->json) {
        vs_json j;
        json_init(&j, stdout);
        json_point(&j, p);
        json_finish(&j);
        return 0;
    }
    char created[32], paused[32], frozen[32], mem[32];
    cmd_format_time(p->created, created, sizeof(created));
    cmd_format_us(p->paused_us, paused, sizeof(paused));
    cmd_format_us(p->frozen_us, frozen, sizeof(frozen));
    vs_format_bytes(p->memory_size, mem, sizeof(mem));
    printf("Name:          %s\n", p->name);
    printf("Domain:        %s (%s)\n", p->domain, p->uuid);
    if (p->description)
        printf("Description:   %s\n", p->description);
    printf("Parent:        %s\n", p->parent ? p->parent : "-");
    printf("Created:       %s (%s)\n", created, vs_streq(p->origin, "pre-revert") ? "kept by a revert" : "by a user");
    printf("Domain state:  %s%s\n", p->domain_state, p->live ? " (captured live)" : "");
    printf("Consistency:   %s\n", p->consistency);
    printf("Guest paused:  %s\n", paused);
    printf("I/O frozen:    %s\n", frozen);
    if (p->has_memory)
        printf("Memory:        %s (%s, sha256 %s)\n", VS_RP_MEMORY, mem, p->memory_sha256);
    printf("Definition:    %s (sha256 %s)\n", VS_RP_DEFINITION, p->definition_sha256);
    printf("Versions:      virt-state %s, libvirt %s, QEMU %s\n", p->tool_version, p->libvirt_version,
           p->qemu_version);
    for (size_t i = 0; i < p->ndisks; i++) {
        const vs_rp_disk *d = &p->disks[i];
        char vsz[32], fsz[32];
        vs_format_bytes(d->virtual_size, vsz, sizeof(vsz));
        vs_format_bytes(d->frozen_size, fsz, sizeof(fsz));
        printf("Disk %s:\n  frozen file: %s (%s, %s)\n  overlay:     %s\n  size:        %s\n", d->target, d->frozen,
               d->frozen_format, fsz, d->overlay ? d->overlay : "- (the domain stopped at the point)", vsz);
    }
    return 0;
}

const vs_cmd cmd_restore_point_show = {
    .name = "restore-point show",
    .summary = "show one restore point",
    .description = "Shows everything the manifest of restore point NAME of DOMAIN records.",
    .options = NULL,
    .args = name_args,
    .handler = run_show,
    .flags = VS_CMD_READ_ONLY,
};

/* ---- verify -------------------------------------------------------------- */

static int run_verify(vs_ctx *ctx, const vs_args *args)
{
    int rc;
    autorp vs_restore_point *p = load_named(ctx, args, "restore-point verify", &rc);
    if (!p)
        return rc;
    int problems = rp_verify(ctx->store, p, true);
    if (ctx->json) {
        vs_json j;
        json_init(&j, stdout);
        json_begin_object(&j);
        json_key(&j, "domain");
        json_string(&j, p->domain);
        json_key(&j, "name");
        json_string(&j, p->name);
        json_key(&j, "ok");
        json_bool(&j, problems == 0);
        json_key(&j, "problems");
        json_int(&j, problems);
        json_end_object(&j);
        json_finish(&j);
    }
    if (problems)
        return vs_error("restore point '%s' of '%s' does not verify: %d problem%s", p->name, p->domain, problems,
                        problems == 1 ? "" : "s"),
               VS_EXIT_FAILURE;
    vs_info("restore point '%s' of '%s' verifies: checksums match, %zu frozen file%s unchanged, chains intact",
            p->name, p->domain, p->ndisks, p->ndisks == 1 ? "" : "s");
    return 0;
}

const vs_cmd cmd_restore_point_verify = {
    .name = "restore-point verify",
    .summary = "check a restore point against its manifest",
    .description = "Checks restore point NAME of DOMAIN: its memory image and definition against\n"
                   "their SHA-256 checksums, each frozen disk file against the identity recorded\n"
                   "(same file, size and modification time: nothing wrote into it), and the backing\n"
                   "chain below each frozen file. Exits 1 and names every problem when it fails.",
    .options = NULL,
    .args = name_args,
    .handler = run_verify,
    .flags = VS_CMD_READ_ONLY,
};

/* ---- delete -------------------------------------------------------------- */

static const vs_option delete_options[] = {
    {"dry-run", 'n', VS_OPT_BOOL, NULL, VS_COMPLETE_NONE, NULL, 0, "print the steps it would take; change nothing"},
    {NULL, 0, 0, NULL, 0, NULL, 0, NULL},
};

static int run_delete(vs_ctx *ctx, const vs_args *args)
{
    const char *cmd = "restore-point delete";
    const char *name = args_pos(args, 1);
    int rc;
    if ((rc = cmd_check_name(cmd, name)) || (rc = cmd_precheck_point(ctx, args_pos(args, 0), name)))
        return rc;
    autodomain virDomainPtr dom = NULL;
    autolock vs_lock *lock = NULL;
    if ((rc = cmd_open_domain(ctx, args_pos(args, 0), cmd, true, &dom, &lock)))
        return rc;
    if (rp_delete(ctx, dom, name, args_flag(args, "dry-run")) < 0)
        return VS_EXIT_FAILURE;
    if (ctx->json && !args_flag(args, "dry-run")) {
        vs_json j;
        json_init(&j, stdout);
        json_begin_object(&j);
        json_key(&j, "domain");
        json_string(&j, virDomainGetName(dom));
        json_key(&j, "deleted");
        json_string(&j, name);
        json_end_object(&j);
        json_finish(&j);
    }
    return 0;
}

const vs_cmd cmd_restore_point_delete = {
    .name = "restore-point delete",
    .summary = "delete a restore point without losing any other state",
    .description = "Deletes restore point NAME of DOMAIN: its manifest, memory image and definition.\n"
                   "Its frozen disk files stay as long as the current state or another point builds\n"
                   "on them; when the domain still runs on the point's overlay and nothing else\n"
                   "names it, the overlay is committed back into the frozen file (as 'virt-state\n"
                   "commit' does) and removed. Points whose parent it was get its parent.",
    .options = delete_options,
    .args = name_args,
    .handler = run_delete,
    .flags = 0,
};
