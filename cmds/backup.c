#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backup.h"
#include "backup_define.h"
#include "cmds.h"
#include "conn.h"
#include "output.h"
#include "store.h"
#include "util.h"

static void json_backup(vs_json *j, const vs_backup *b)
{
    json_begin_object(j);
    json_key(j, "id");
    json_string(j, b->id);
    json_key(j, "chain");
    json_string(j, b->chain);
    json_key(j, "domain");
    json_string(j, b->domain);
    json_key(j, "uuid");
    json_string(j, b->uuid);
    json_key(j, "kind");
    json_string(j, b->incremental ? "incremental" : "full");
    json_key(j, "parent");
    json_string(j, b->parent);
    json_key(j, "status");
    json_string(j, b->complete ? "complete" : "incomplete");
    json_key(j, "method");
    json_string(j, bkmanifest_method(b));
    json_key(j, "mode");
    json_string(j, b->pull ? "pull" : "push");
    json_key(j, "consistency");
    json_string(j, b->consistency);
    json_key(j, "begin");
    json_int(j, b->begin);
    json_key(j, "end");
    json_int(j, b->end);
    json_key(j, "frozen_us");
    if (b->frozen_us >= 0)
        json_int(j, b->frozen_us);
    else
        json_string(j, NULL);
    json_key(j, "bytes_copied");
    json_int(j, (long long)b->bytes_copied);
    json_key(j, "checkpoint");
    json_string(j, b->checkpoint);
    json_key(j, "disks");
    json_begin_array(j);
    for (size_t i = 0; i < b->ndisks; i++) {
        const vs_bk_disk *d = &b->disks[i];
        json_begin_object(j);
        json_key(j, "target");
        json_string(j, d->target);
        json_key(j, "image");
        json_string(j, d->image);
        json_key(j, "image_size");
        json_int(j, (long long)d->image_size);
        json_key(j, "sha256");
        json_string(j, d->image_sha256);
        json_key(j, "virtual_size");
        json_int(j, (long long)d->virtual_size);
        json_key(j, "bytes_written");
        json_int(j, (long long)d->bytes_written);
        if (b->pull) {
            json_key(j, "export");
            json_string(j, d->export_name);
            json_key(j, "bitmap");
            json_string(j, d->export_bitmap);
        }
        json_end_object(j);
    }
    json_end_array(j);
    json_end_object(j);
}

static void format_time(long long t, char *buf, size_t len)
{
    time_t tt = (time_t)t;
    struct tm tm;
    localtime_r(&tt, &tm);
    strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm);
}

static unsigned long long written(const vs_backup *b)
{
    unsigned long long w = 0;
    for (size_t i = 0; i < b->ndisks; i++)
        w += b->disks[i].bytes_written;
    return w;
}

/* The domain's directory name in the store: the word itself when the store
 * knows it (the domain may be gone), else libvirt's name for it (a UUID or
 * id given). */
static char *store_name(vs_ctx *ctx, const char *word)
{
    if (vs_name_is_safe(word)) {
        autofree char *dir = vs_asprintf("%s/%s", ctx->store, word);
        if (access(dir, F_OK) == 0)
            return vs_xstrdup(word);
    }
    if (conn_ensure(ctx) == 0) {
        virDomainPtr d = conn_lookup_domain(ctx, word);
        if (!d)
            return NULL;
        char *n = vs_xstrdup(virDomainGetName(d));
        virDomainFree(d);
        return n;
    }
    if (!vs_name_is_safe(word))
        return vs_error("'%s' is not a domain name", word), NULL;
    return vs_xstrdup(word);
}

/* ---- create ---------------------------------------------------------------- */

static const char *const quiesce_choices[] = {"auto", "required", "off", NULL};
static const char *const method_choices[] = {"job", "snapshot", NULL};

static const vs_option create_options[] = {
    {"full", 0, VS_OPT_BOOL, NULL, VS_COMPLETE_NONE, NULL, 1, "a full backup, starting a new chain"},
    {"incremental", 0, VS_OPT_BOOL, NULL, VS_COMPLETE_NONE, NULL, 1,
     "an incremental backup since the last one; fails when the chain cannot serve"},
    {"disk", 0, VS_OPT_LIST, "TARGET", VS_COMPLETE_DISK, NULL, 0,
     "back up this disk (default: every writable disk)"},
    {"quiesce", 0, VS_OPT_STRING, "POLICY", VS_COMPLETE_CHOICES, quiesce_choices, 0,
     "freeze guest I/O through the agent while the job starts: auto (default: only when the agent answers), "
     "required or off"},
    {"method", 0, VS_OPT_STRING, "METHOD", VS_COMPLETE_CHOICES, method_choices, 0,
     "how: job (default: libvirt's backup job) or snapshot (copy the files of a temporary disk snapshot, "
     "then commit it back; always full, no checkpoint)"},
    {"pull", 0, VS_OPT_BOOL, NULL, VS_COMPLETE_NONE, NULL, 0,
     "export the disks over NBD for another tool to read, and wait until 'backup end' or a signal"},
    {"socket", 0, VS_OPT_STRING, "PATH", VS_COMPLETE_FILE, NULL, 2,
     "with --pull: the export's unix socket (default: <store>/<domain>/nbd/nbd.sock)"},
    {"tcp", 0, VS_OPT_STRING, "PORT", VS_COMPLETE_NUMBER, NULL, 2,
     "with --pull: export over TCP on 127.0.0.1:PORT instead of a unix socket"},
    {NULL, 0, 0, NULL, 0, NULL, 0, NULL},
};

static int run_create(vs_ctx *ctx, const vs_args *args)
{
    const char *cmd = "backup create";
    const char *q = args_str(args, "quiesce");
    const char *method = args_str(args, "method");
    size_t nd;
    char *const *disks = args_list(args, "disk", &nd);
    int rc;
    if (args_flag(args, "pull") || args_str(args, "socket") || args_str(args, "tcp"))
        return cmd_backup_create_pull(ctx, args); /* cmds/backup_pull.c */
    if ((rc = cmd_check_disks(cmd, disks)))
        return rc;
    bool snap = method && vs_streq(method, "snapshot");
    if (snap && args_flag(args, "incremental"))
        return cmd_usage(cmd, "--incremental: a --method snapshot backup is always full (it creates no "
                              "checkpoint); use --method job for an incremental backup");
    vs_quiesce_policy policy = !q || vs_streq(q, "auto") ? VS_QUIESCE_AUTO
                               : vs_streq(q, "required") ? VS_QUIESCE_REQUIRED
                                                          : VS_QUIESCE_OFF;
    autodomain virDomainPtr dom = NULL;
    autolock vs_lock *lock = NULL;
    if ((rc = cmd_open_domain(ctx, args_pos(args, 0), cmd, true, &dom, &lock)))
        return rc;
    vs_backup_request req = {.kind = args_flag(args, "full")          ? VS_BACKUP_FULL
                                     : args_flag(args, "incremental") ? VS_BACKUP_INCREMENTAL
                                                                      : VS_BACKUP_AUTO,
                             .disks = nd ? disks : NULL,
                             .quiesce = policy,
                             .method = snap ? VS_BACKUP_METHOD_SNAPSHOT : VS_BACKUP_METHOD_JOB};
    autobackup vs_backup *b = NULL;
    if (backup_create(ctx, dom, &req, &b) < 0)
        return VS_EXIT_FAILURE;
    char copied[32], wr[32];
    vs_format_bytes(b->bytes_copied, copied, sizeof(copied));
    vs_format_bytes(written(b), wr, sizeof(wr));
    vs_info("backup '%s' of '%s': %s, %s, %zu disk%s, %s copied in %lld s, %s in the images", b->id, b->domain,
            b->incremental ? "incremental" : "full", b->consistency, b->ndisks, b->ndisks == 1 ? "" : "s", copied,
            b->end - b->begin, wr);
    if (ctx->json) {
        vs_json j;
        json_init(&j, stdout);
        json_backup(&j, b);
        json_finish(&j);
    } else {
        printf("%s\n", b->id);
    }
    return 0;
}

const vs_cmd cmd_backup_create = {
    .name = "backup create",
    .summary = "back up a domain's disks, full or incremental",
    .description =
        "Backs up every writable disk of the running DOMAIN (or the disks given with --disk)\n"
        "with libvirt's backup job in push mode: guest I/O is frozen through the agent only\n"
        "while the job starts, then the job copies the disks as they were at that instant\n"
        "into qcow2 images in <store>/<domain>/backups/<chain>/ while the guest runs on.\n"
        "Each backup creates a libvirt checkpoint, virt-state-<id>, the base of the next\n"
        "incremental. An incremental image has the previous backup's image as backing file,\n"
        "so qemu-img reads every backup directly. Without --full or --incremental the\n"
        "backup is incremental when the last backup's checkpoint and disks still serve, and\n"
        "full otherwise; it says which and why. Progress is shown on a terminal; Ctrl-C\n"
        "aborts the job and keeps nothing. The backup's id is printed on standard output.\n"
        "With --pull the job exports the disks over NBD instead (a unix socket, or TCP on\n"
        "127.0.0.1 with --tcp), prints the socket, export and dirty bitmap names, keeps the\n"
        "checkpoint and waits until 'virt-state backup end DOMAIN' or a signal ends it.\n"
        "With --method snapshot (file disks, where a backup job cannot serve) a temporary\n"
        "disk-only snapshot freezes the disks' files (guest I/O frozen only around it),\n"
        "qemu-img copies them into standalone images, and the temporary overlays\n"
        "(<disk>.vs-backup-tmp-<id>.qcow2) are committed back and removed. A shut-off\n"
        "domain's disks are copied by qemu-img (method offline). Both are always full and\n"
        "create no checkpoint: the next job backup is still incremental on the last job\n"
        "backup.",
    .options = create_options,
    .args = cmd_domain_arg,
    .handler = run_create,
    .flags = 0,
};

/* ---- list ---------------------------------------------------------------- */

static int run_list(vs_ctx *ctx, const vs_args *args)
{
    autofree char *dname = store_name(ctx, args_pos(args, 0));
    if (!dname)
        return VS_EXIT_FAILURE;
    size_t n = 0;
    int bad = 0;
    vs_backup **all = backup_load_all(ctx->store, dname, &n, &bad);
    if (ctx->json) {
        vs_json j;
        json_init(&j, stdout);
        json_begin_array(&j);
        for (size_t i = 0; i < n; i++)
            json_backup(&j, all[i]);
        json_end_array(&j);
        json_finish(&j);
    } else {
        static const char *const headers[] = {"Id", "Kind", "Chain", "Parent", "Begin", "Seconds", "Consistency",
                                              "Copied", "Written", "Status"};
        autotable vs_table *t = table_new(10, headers);
        for (size_t i = 0; i < n; i++) {
            const vs_backup *b = all[i];
            char begin[32], secs[32], copied[32], wr[32];
            format_time(b->begin, begin, sizeof(begin));
            snprintf(secs, sizeof(secs), "%lld", b->end - b->begin);
            vs_format_bytes(b->bytes_copied, copied, sizeof(copied));
            vs_format_bytes(written(b), wr, sizeof(wr));
            const char *kind = b->pull ? (b->incremental ? "incremental pull" : "full pull")
                               : vs_streq(bkmanifest_method(b), "snapshot") ? "full snapshot"
                               : vs_streq(bkmanifest_method(b), "offline")  ? "full offline"
                               : b->incremental                              ? "incremental"
                                                                             : "full";
            const char *row[] = {b->id,   kind, b->chain, b->parent ? b->parent : "-",
                                 begin,   secs, b->consistency, copied, wr, b->complete ? "complete" : "incomplete"};
            table_add_row(t, row);
        }
        table_print(t, stdout);
    }
    backup_free_all(all, n);
    return bad ? VS_EXIT_FAILURE : 0;
}

const vs_cmd cmd_backup_list = {
    .name = "backup list",
    .summary = "list a domain's backups",
    .description = "Lists the backups of DOMAIN in the store, oldest first: kind, chain, parent,\n"
                   "when each began and how long it took, its consistency, the bytes the job copied\n"
                   "and the guest data its images hold. A backup that did not finish has no manifest\n"
                   "and is not listed. Only the store is read.",
    .options = NULL,
    .args = cmd_domain_arg,
    .handler = run_list,
    .flags = VS_CMD_READ_ONLY,
};

/* ---- show ---------------------------------------------------------------- */

static const vs_positional id_args[] = {
    {"DOMAIN", VS_COMPLETE_DOMAIN, false, false, "the domain: name, UUID or id"},
    {"ID", VS_COMPLETE_BACKUP, false, false, "the backup's id"},
    {NULL, 0, false, false, NULL},
};

static vs_backup *load_id(vs_ctx *ctx, const vs_args *args, const char *cmd, int *rc)
{
    const char *id = args_pos(args, 1);
    if ((*rc = cmd_check_name(cmd, id)))
        return NULL;
    autofree char *dname = store_name(ctx, args_pos(args, 0));
    *rc = VS_EXIT_FAILURE;
    if (!dname)
        return NULL;
    vs_backup *b = backup_load(ctx->store, dname, id);
    if (b)
        *rc = 0;
    return b;
}

static int run_show(vs_ctx *ctx, const vs_args *args)
{
    int rc;
    autobackup vs_backup *b = load_id(ctx, args, "backup show", &rc);
    if (!b)
        return rc;
    if (ctx->json) {
        vs_json j;
        json_init(&j, stdout);
        json_backup(&j, b);
        json_finish(&j);
        return 0;
    }
    char begin[32], end[32], copied[32];
    format_time(b->begin, begin, sizeof(begin));
    format_time(b->end, end, sizeof(end));
    vs_format_bytes(b->bytes_copied, copied, sizeof(copied));
    printf("Id:           %s\n", b->id);
    printf("Domain:       %s (%s)\n", b->domain, b->uuid);
    printf("Kind:         %s\n", b->incremental ? "incremental" : "full");
    printf("Method:       %s\n", bkmanifest_method(b));
    if (b->pull)
        printf("Mode:         pull (exported over NBD; no images in the store)\n");
    printf("Chain:        %s\n", b->chain);
    printf("Parent:       %s\n", b->parent ? b->parent : "-");
    printf("Status:       %s\n", b->complete ? "complete" : "incomplete");
    printf("Consistency:  %s\n", b->consistency);
    printf("Began:        %s\n", begin);
    printf("Ended:        %s\n", end);
    if (b->frozen_us >= 0)
        printf("I/O frozen:   %.1f ms\n", (double)b->frozen_us / 1000.0);
    printf("Copied:       %s\n", copied);
    printf("Checkpoint:   %s\n", b->checkpoint ? b->checkpoint : "- (none: not a job backup)");
    for (size_t i = 0; i < b->ndisks; i++) {
        const vs_bk_disk *d = &b->disks[i];
        char vsz[32], isz[32], wr[32];
        vs_format_bytes(d->virtual_size, vsz, sizeof(vsz));
        vs_format_bytes(d->image_size, isz, sizeof(isz));
        vs_format_bytes(d->bytes_written, wr, sizeof(wr));
        if (b->pull) {
            printf("Disk %s:\n  export:  %s%s%s\n  size:    %s\n", d->target, d->export_name,
                   d->export_bitmap ? ", dirty bitmap " : "", d->export_bitmap ? d->export_bitmap : "", vsz);
            continue;
        }
        printf("Disk %s:\n  image:   %s (%s, sha256 %s)\n  data:    %s\n  size:    %s\n", d->target, d->image, isz,
               d->image_sha256, wr, vsz);
    }
    return 0;
}

const vs_cmd cmd_backup_show = {
    .name = "backup show",
    .summary = "show one backup",
    .description = "Shows what the manifest of backup ID of DOMAIN records.",
    .options = NULL,
    .args = id_args,
    .handler = run_show,
    .flags = VS_CMD_READ_ONLY,
};

/* ---- verify -------------------------------------------------------------- */

static const vs_positional verify_args[] = {
    {"DOMAIN", VS_COMPLETE_DOMAIN, false, false, "the domain: name, UUID or id"},
    {"ID", VS_COMPLETE_BACKUP, true, false, "the backup's id (default: every backup of the domain)"},
    {NULL, 0, false, false, NULL},
};

static int run_verify(vs_ctx *ctx, const vs_args *args)
{
    const char *id = args_pos(args, 1);
    int rc;
    if (id && (rc = cmd_check_name("backup verify", id)))
        return rc;
    autofree char *dname = store_name(ctx, args_pos(args, 0));
    if (!dname)
        return VS_EXIT_FAILURE;
    size_t n = 0;
    int bad = 0;
    vs_backup **all = NULL;
    if (id) {
        vs_backup *b = backup_load(ctx->store, dname, id);
        if (!b)
            return VS_EXIT_FAILURE;
        all = vs_xcalloc(1, sizeof(*all));
        all[n++] = b;
    } else {
        all = backup_load_all(ctx->store, dname, &n, &bad);
        if (!n && !bad)
            vs_info("domain '%s' has no backup", dname);
    }
    vs_json j;
    if (ctx->json) {
        json_init(&j, stdout);
        json_begin_array(&j);
    }
    int failed = bad;
    for (size_t i = 0; i < n; i++) {
        int problems = all[i]->pull ? 0 : backup_verify(ctx->store, all[i], true);
        if (problems)
            failed++;
        else if (all[i]->pull)
            vs_info("backup '%s' of '%s' was a pull export: the store holds no image of it, nothing to check",
                    all[i]->id, dname);
        else
            vs_info("backup '%s' of '%s' verifies: %zu image%s match their checksums and are sound qcow2",
                    all[i]->id, dname, all[i]->ndisks, all[i]->ndisks == 1 ? "" : "s");
        if (ctx->json) {
            json_begin_object(&j);
            json_key(&j, "id");
            json_string(&j, all[i]->id);
            json_key(&j, "ok");
            json_bool(&j, problems == 0);
            json_key(&j, "problems");
            json_int(&j, problems);
            json_end_object(&j);
        }
    }
    if (ctx->json) {
        json_end_array(&j);
        json_finish(&j);
    }
    backup_free_all(all, n);
    if (failed)
        return vs_error("%d backup%s of '%s' do%s not verify", failed, failed == 1 ? "" : "s", dname,
                        failed == 1 ? "es" : ""),
               VS_EXIT_FAILURE;
    return 0;
}

const vs_cmd cmd_backup_verify = {
    .name = "backup verify",
    .summary = "check backups against their manifests",
    .description = "Checks backup ID of DOMAIN, or every backup of it: each image's size and SHA-256\n"
                   "against the manifest (read in 1 MiB pieces: memory stays flat), 'qemu-img check'\n"
                   "of each image and its backing chain, and the presence of its parent. Exits 1 and\n"
                   "names every damaged or missing image.",
    .options = NULL,
    .args = verify_args,
    .handler = run_verify,
    .flags = VS_CMD_READ_ONLY,
};

/* ---- restore ------------------------------------------------------------- */

static const vs_option restore_options[] = {
    {"to", 0, VS_OPT_STRING, "DIR", VS_COMPLETE_DIR, NULL, 0,
     "the existing, empty directory that receives one image per disk (required)"},
    {"define", 0, VS_OPT_STRING, "NAME", VS_COMPLETE_TEXT, NULL, 0,
     "then define a new domain NAME on the restored images (new UUID, no MAC addresses)"},
    {NULL, 0, 0, NULL, 0, NULL, 0, NULL},
};

static int run_restore(vs_ctx *ctx, const vs_args *args)
{
    const char *cmd = "backup restore";
    const char *to = args_str(args, "to");
    const char *define = args_str(args, "define");
    if (!to || !*to)
        return cmd_usage(cmd, "--to DIR is required");
    int rc;
    if (define && (rc = cmd_check_name(cmd, define)))
        return rc;
    if (define && ctx->readonly)
        return vs_error("--define defines a domain: it cannot run on a read-only connection (--readonly)"),
               VS_EXIT_USAGE;
    autobackup vs_backup *b = load_id(ctx, args, cmd, &rc);
    if (!b)
        return rc;
    /* Everything --define needs is checked before an image is written. */
    autofree char *defxml = NULL;
    if (define && b->complete && !b->pull) {
        if (conn_require_local(ctx) < 0 || !(defxml = backup_define_prepare(ctx, b, to, define)))
            return VS_EXIT_FAILURE;
    }
    autostrv char **paths = NULL;
    if (backup_restore(ctx->store, b, to, &paths) < 0)
        return VS_EXIT_FAILURE;
    vs_info("restored backup '%s' of '%s' (%s) as %zu standalone image%s", b->id, b->domain,
            b->incremental ? "incremental, with its chain" : "full", b->ndisks, b->ndisks == 1 ? "" : "s");
    if (define) {
        if (backup_define_domain(ctx, defxml, define) < 0) {
            for (char **p = paths; p && *p; p++)
                unlink(*p);
            vs_error("the restored images were removed again");
            return VS_EXIT_FAILURE;
        }
        vs_info("defined domain '%s' on them (not started)", define);
    }
    if (ctx->json) {
        vs_json j;
        json_init(&j, stdout);
        json_begin_object(&j);
        json_key(&j, "id");
        json_string(&j, b->id);
        json_key(&j, "images");
        json_begin_object(&j);
        for (size_t i = 0; i < b->ndisks; i++) {
            json_key(&j, b->disks[i].target);
            json_string(&j, paths[i]);
        }
        json_end_object(&j);
        json_key(&j, "defined");
        json_string(&j, define);
        json_end_object(&j);
        json_finish(&j);
    } else {
        for (size_t i = 0; i < b->ndisks; i++)
            printf("%s %s\n", b->disks[i].target, paths[i]);
    }
    return 0;
}

const vs_cmd cmd_backup_restore = {
    .name = "backup restore",
    .summary = "write standalone disk images of a backup",
    .description = "Writes the disks of DOMAIN as they were at backup ID into DIR, one standalone,\n"
                   "sparse qcow2 image per disk (<target>.qcow2), from the backup's image and those\n"
                   "below it in its chain. DIR must exist and be empty: nothing is ever overwritten.\n"
                   "The domain itself is not touched. With --define NAME, a new domain NAME is then\n"
                   "defined (not started) from the definition the backup recorded (or, for backups\n"
                   "taken before versions recorded it, from the domain's current one, with a\n"
                   "warning): a new UUID, no MAC addresses (libvirt makes new ones), its own NVRAM,\n"
                   "the disks on the restored images, any writable disk the backup lacks left out,\n"
                   "serial ports and consoles that wrote to a file on a pty instead.\n"
                   "NAME must not exist; that is checked before any image is written. --define needs\n"
                   "a local, read-write connection.",
    .options = restore_options,
    .args = id_args,
    .handler = run_restore,
    .flags = VS_CMD_READ_ONLY,
};
