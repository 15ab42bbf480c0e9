#include "config.h"

#include <stdio.h>

#include "cmds.h"
#include "commit.h"
#include "conn.h"
#include "recover.h"
#include "util.h"

static const vs_option commit_options[] = {
    {"disk", 0, VS_OPT_LIST, "TARGET", VS_COMPLETE_DISK, NULL, 0,
     "commit only this disk; default: every disk running on an overlay"},
    {"keep-overlay", 0, VS_OPT_BOOL, NULL, VS_COMPLETE_NONE, NULL, 0,
     "leave the overlay files on disk after the pivot"},
    {"bandwidth", 0, VS_OPT_UINT, "MIB_PER_S", VS_COMPLETE_NUMBER, NULL, 0,
     "limit the copy to this many MiB/s per disk (running domain)"},
    {"timeout", 0, VS_OPT_UINT, "SECONDS", VS_COMPLETE_NUMBER, NULL, 0,
     "cancel, leaving the domain on its overlays, when not ready to pivot after this long"},
    {NULL, 0, 0, NULL, 0, NULL, 0, NULL},
};

static int run_commit(vs_ctx *ctx, const vs_args *args)
{
    size_t nd;
    char *const *disks = args_list(args, "disk", &nd);
    unsigned long bw = 0, timeout = 0;
    int rc;
    if ((rc = cmd_check_disks("commit", disks)))
        return rc;
    args_uint(args, "bandwidth", &bw);
    args_uint(args, "timeout", &timeout);
    if (args_str(args, "bandwidth") && (bw == 0 || bw > 1048576)) {
        return cmd_usage("commit", "--bandwidth must be 1 to 1048576 MiB/s");
    }
    if (args_str(args, "timeout") && (timeout == 0 || timeout > 604800)) {
        return cmd_usage("commit", "--timeout must be 1 to 604800 seconds");
    }
    autodomain virDomainPtr dom = NULL;
    autolock vs_lock *lock = NULL;
    if ((rc = cmd_open_domain(ctx, args_pos(args, 0), "commit", true, &dom, &lock)))
        return rc;
    vs_commit_request req = {.disks = nd ? disks : NULL, .keep_overlay = args_flag(args, "keep-overlay"),
                             .bandwidth_mib = bw, .timeout_s = timeout};
    return commit_domain(ctx, dom, &req) < 0 ? VS_EXIT_FAILURE : 0;
}

const vs_cmd cmd_commit = {
    .name = "commit",
    .summary = "fold a domain's overlays back into their base",
    .description = "Commits the overlay each disk of DOMAIN runs on (as a disk snapshot left it)\n"
                   "into its backing file, and makes the domain use that file again. On a running\n"
                   "domain this is an active block commit per disk: virt-state waits for libvirt's\n"
                   "ready events, then pivots every disk; if any disk fails before that, every\n"
                   "commit is cancelled and the domain stays on its overlays. On a shut-off domain\n"
                   "qemu-img commits each overlay, then the definition names the bases. Afterwards\n"
                   "the overlay files are removed unless --keep-overlay is given, and the disk\n"
                   "snapshots that had frozen the bases are forgotten: their frozen state is gone.\n"
                   "Ctrl-C cancels cleanly before the pivot.",
    .options = commit_options,
    .args = cmd_domain_arg,
    .handler = run_commit,
    .flags = 0,
};
