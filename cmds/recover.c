#include "config.h"

#include <stdio.h>

#include "cmds.h"
#include "conn.h"
#include "output.h"
#include "recover.h"
#include "util.h"

static const vs_positional recover_args[] = {
    {"DOMAIN", VS_COMPLETE_DOMAIN, true, false, "the domain whose interrupted operations to recover (default: all)"},
    {NULL, 0, false, false, NULL},
};

static int run_recover(vs_ctx *ctx, const vs_args *args)
{
    const char *only = args_pos(args, 0);
    autostrv char **domains = NULL;
    int ret = 0, total = 0;

    if (only && !vs_name_is_safe(only))
        return vs_error("'%s' is not a domain name the store can hold", only);
    if (conn_ensure(ctx) < 0)
        return VS_EXIT_FAILURE;
    if (only) {
        /* A UUID or id is resolved to the name the store uses. */
        autodomain virDomainPtr dom = conn_lookup_domain(ctx, only);
        size_t n = 0;
        vs_strv_push(&domains, &n, vs_xstrdup(dom ? virDomainGetName(dom) : only));
    } else {
        domains = recover_store_domains(ctx->store);
    }
    vs_json j;
    if (ctx->json) {
        json_init(&j, stdout);
        json_begin_array(&j);
    }
    for (char **d = domains; d && *d; d++) {
        int count = 0;
        int rc = recover_domain(ctx, *d, &count);
        if (rc == -2)
            ret = VS_EXIT_BUSY;
        else if (rc < 0 && ret == 0)
            ret = VS_EXIT_FAILURE;
        total += count;
        if (ctx->json && (count || rc < 0)) {
            json_begin_object(&j);
            json_key(&j, "domain");
            json_string(&j, *d);
            json_key(&j, "recovered");
            json_int(&j, count);
            json_key(&j, "ok");
            json_bool(&j, rc == 0);
            json_end_object(&j);
        }
    }
    if (ctx->json) {
        json_end_array(&j);
        json_finish(&j);
    }
    if (total == 0 && ret == 0)
        vs_info("nothing to recover");
    return ret;
}

const vs_cmd cmd_recover = {
    .name = "recover",
    .summary = "finish or roll back interrupted operations",
    .description = "Finishes or rolls back what an interrupted operation left (the tool killed,\n"
                   "the host crashed, a disk filled up), from the operation's journal in the\n"
                   "store: an interrupted save either lands in its file or leaves no trace.\n"
                   "Running it again changes nothing.",
    .options = NULL,
    .args = recover_args,
    .handler = run_recover,
    .flags = 0,
};
