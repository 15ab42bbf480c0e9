/* help and version */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cmds.h"
#include "conn.h"
#include "output.h"
#include "util.h"

static const vs_positional help_args[] = {
    {"COMMAND", VS_COMPLETE_COMMAND, true, true, "the command to explain (a group and its subcommand for grouped commands)"},
    {NULL, 0, false, false, NULL},
};

static int run_help(vs_ctx *ctx, const vs_args *args)
{
    (void)ctx;
    /* The variadic COMMAND takes every word into args->rest. */
    if (args->nrest == 0) {
        cmd_print_overview(stdout);
        return 0;
    }
    int n = (int)args->nrest;
    int consumed = 0;
    if (n == 1 && cmd_print_group_help(args->rest[0], stdout))
        return 0;
    const vs_cmd *cmd = cmd_lookup(n, args->rest, &consumed);
    const char *extra = cmd && consumed < n ? args->rest[consumed] : NULL;
    if (!cmd)
        return VS_EXIT_USAGE;
    if (extra) {
        fprintf(stderr, "virt-state: help: unexpected argument '%s'\n", extra);
        return VS_EXIT_USAGE;
    }
    cmd_print_help(cmd, stdout);
    return 0;
}

const vs_cmd cmd_help = {
    .name = "help",
    .summary = "show the commands, or one command's usage and options",
    .description = "Without an argument, lists the commands and the global options. With a\n"
                   "command, shows its usage, arguments and options.",
    .options = NULL,
    .args = help_args,
    .handler = run_help,
    .flags = VS_CMD_READ_ONLY | VS_CMD_ANY_CONFIG,
};

static void version_string(unsigned long v, char *buf, size_t len)
{
    snprintf(buf, len, "%lu.%lu.%lu", v / 1000000, (v / 1000) % 1000, v % 1000);
}

static int run_version(vs_ctx *ctx, const vs_args *args)
{
    (void)args;
    unsigned long lib = 0, daemon = 0, hv = 0;
    char libs[32] = "", daemons[32] = "", hvs[32] = "";
    const char *hvtype = NULL;
    int ret = 0;

    virGetVersion(&lib, NULL, NULL);
    version_string(lib, libs, sizeof(libs));
    if (conn_ensure(ctx) == 0) {
        if (virConnectGetLibVersion(ctx->conn, &daemon) == 0)
            version_string(daemon, daemons, sizeof(daemons));
        hvtype = virConnectGetType(ctx->conn);
        if (virConnectGetVersion(ctx->conn, &hv) == 0 && hv)
            version_string(hv, hvs, sizeof(hvs));
    } else {
        ret = VS_EXIT_FAILURE;
    }
    if (ctx->json) {
        vs_json j;
        json_init(&j, stdout);
        json_begin_object(&j);
        json_key(&j, "virt-state");
        json_string(&j, PACKAGE_VERSION);
        json_key(&j, "libvirt_library");
        json_string(&j, libs);
        json_key(&j, "libvirt_daemon");
        json_string(&j, *daemons ? daemons : NULL);
        json_key(&j, "hypervisor");
        json_string(&j, hvtype);
        json_key(&j, "hypervisor_version");
        json_string(&j, *hvs ? hvs : NULL);
        json_end_object(&j);
        json_finish(&j);
        return ret;
    }
    printf("virt-state %s\n", PACKAGE_VERSION);
    printf("libvirt library: %s\n", libs);
    if (*daemons)
        printf("libvirt daemon: %s\n", daemons);
    if (hvtype)
        printf("hypervisor: %s%s%s\n", hvtype, *hvs ? " " : "", hvs);
    return ret;
}

const vs_cmd cmd_version = {
    .name = "version",
    .summary = "show the versions of virt-state, libvirt and the hypervisor",
    .description = "Shows the version of virt-state, of the libvirt library it uses, and of the\n"
                   "libvirt daemon and hypervisor it connects to. Without a connection it says\n"
                   "why and shows what it can.",
    .options = NULL,
    .args = NULL,
    .handler = run_version,
    .flags = VS_CMD_READ_ONLY,
};
