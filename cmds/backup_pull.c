/* backup create --pull (the options live in cmds/backup.c's table) and
 * backup end. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "backup.h"
#include "backup_pull.h"
#include "cmds.h"
#include "conn.h"
#include "output.h"
#include "util.h"

static char *nbd_uri(const vs_pull_export *e, const char *export_name)
{
    if (e->socket)
        return vs_asprintf("nbd+unix:///%s?socket=%s", export_name, e->socket);
    return vs_asprintf("nbd://%s:%u/%s", e->host, e->port, export_name);
}

/* What a third-party reader needs, on stdout at once: the command then
 * waits, and a reader of a pipe must not wait for the buffer. */
static void announce(vs_ctx *ctx, const vs_backup *b, const vs_pull_export *e)
{
    if (ctx->json) {
        vs_json j;
        json_init(&j, stdout);
        json_begin_object(&j);
        json_key(&j, "id");
        json_string(&j, b->id);
        json_key(&j, "domain");
        json_string(&j, b->domain);
        json_key(&j, "kind");
        json_string(&j, b->incremental ? "incremental" : "full");
        json_key(&j, "parent");
        json_string(&j, b->parent);
        json_key(&j, "checkpoint");
        json_string(&j, b->checkpoint);
        json_key(&j, "consistency");
        json_string(&j, b->consistency);
        json_key(&j, "socket");
        json_string(&j, e->socket);
        json_key(&j, "tcp");
        if (e->socket) {
            json_string(&j, NULL);
        } else {
            json_begin_object(&j);
            json_key(&j, "host");
            json_string(&j, e->host);
            json_key(&j, "port");
            json_int(&j, e->port);
            json_end_object(&j);
        }
        json_key(&j, "disks");
        json_begin_array(&j);
        for (size_t i = 0; i < b->ndisks; i++) {
            const vs_bk_disk *d = &b->disks[i];
            autofree char *uri = nbd_uri(e, d->export_name);
            json_begin_object(&j);
            json_key(&j, "target");
            json_string(&j, d->target);
            json_key(&j, "export");
            json_string(&j, d->export_name);
            json_key(&j, "bitmap");
            json_string(&j, d->export_bitmap);
            json_key(&j, "uri");
            json_string(&j, uri);
            json_key(&j, "virtual_size");
            json_int(&j, (long long)d->virtual_size);
            json_end_object(&j);
        }
        json_end_array(&j);
        json_end_object(&j);
        json_finish(&j);
    } else {
        printf("id %s\nkind %s\ncheckpoint %s\n", b->id, b->incremental ? "incremental" : "full", b->checkpoint);
        if (e->socket)
            printf("socket %s\n", e->socket);
        else
            printf("tcp %s:%u\n", e->host, e->port);
        for (size_t i = 0; i < b->ndisks; i++) {
            const vs_bk_disk *d = &b->disks[i];
            autofree char *uri = nbd_uri(e, d->export_name);
            printf("disk %s export %s bitmap %s uri %s\n", d->target, d->export_name,
                   d->export_bitmap ? d->export_bitmap : "-", uri);
        }
    }
    fflush(stdout);
    vs_info("exporting %zu disk%s of '%s' (%s pull backup '%s'); end with 'virt-state backup end %s' or Ctrl-C",
            b->ndisks, b->ndisks == 1 ? "" : "s", b->domain, b->incremental ? "incremental" : "full", b->id,
            b->domain);
}

int cmd_backup_create_pull(vs_ctx *ctx, const vs_args *args)
{
    const char *cmd = "backup create";
    const char *sock = args_str(args, "socket"), *tcp = args_str(args, "tcp");
    const char *method = args_str(args, "method");
    size_t nd;
    char *const *disks = args_list(args, "disk", &nd);
    autofree char *usage = NULL;
    vs_pull_opts o = {.socket = sock, .ready = announce};
    int rc;
    if (!args_flag(args, "pull"))
        return cmd_usage(cmd, "--socket and --tcp need --pull");
    if (method && !vs_streq(method, "job"))
        return cmd_usage(cmd, "--pull needs --method job");
    if ((rc = cmd_check_disks(cmd, disks)))
        return rc;
    if (tcp && (rc = backup_pull_parse_tcp(tcp, &o.tcp_port, &usage)))
        return usage ? cmd_usage(cmd, usage) : rc;
    if (sock && (rc = backup_pull_check_socket(sock, &usage)))
        return usage ? cmd_usage(cmd, usage) : rc;
    autodomain virDomainPtr dom = NULL;
    autolock vs_lock *lock = NULL;
    if ((rc = cmd_open_domain(ctx, args_pos(args, 0), cmd, true, &dom, &lock)))
        return rc;
    vs_backup_request req = {.kind = args_flag(args, "full")          ? VS_BACKUP_FULL
                                     : args_flag(args, "incremental") ? VS_BACKUP_INCREMENTAL
                                                                      : VS_BACKUP_AUTO,
                             .disks = nd ? disks : NULL,
                             .quiesce = cmd_quiesce_policy(args_str(args, "quiesce")),
                             .pull = &o};
    autobackup vs_backup *b = NULL;
    if (backup_create(ctx, dom, &req, &b) < 0)
        return VS_EXIT_FAILURE;
    vs_info("pull backup '%s' of '%s' ended after %lld s; checkpoint '%s' kept", b->id, b->domain,
            b->end - b->begin, b->checkpoint);
    return 0;
}

/* ---- end ------------------------------------------------------------------- */

static int run_end(vs_ctx *ctx, const vs_args *args)
{
    if (conn_ensure(ctx) < 0)
        return VS_EXIT_FAILURE;
    autodomain virDomainPtr dom = conn_lookup_domain(ctx, args_pos(args, 0));
    if (!dom)
        return VS_EXIT_FAILURE;
    return backup_pull_end(dom) < 0 ? VS_EXIT_FAILURE : 0;
}

const vs_cmd cmd_backup_end = {
    .name = "backup end",
    .summary = "end a domain's pull backup",
    .description =
        "Ends the pull backup job of DOMAIN that 'backup create --pull' started (from another\n"
        "shell, while that command waits): the NBD export stops, the waiting command records\n"
        "the end and exits 0, and the backup's checkpoint stays as the base of the next\n"
        "incremental. Fails when the domain has no backup job, or a push one (interrupt its\n"
        "'backup create' to abort it).",
    .options = NULL,
    .args = cmd_domain_arg,
    .handler = run_end,
    .flags = 0,
};
