#include "config.h"

#include <stdio.h>

#include "cmds.h"
#include "conn.h"
#include "recover.h"
#include "revert.h"
#include "util.h"

static const vs_option revert_options[] = {
    {"force", 0, VS_OPT_BOOL, NULL, VS_COMPLETE_NONE, NULL, 0,
     "stop a running domain first (like pulling its plug: unsaved memory is lost)"},
    {"start", 0, VS_OPT_BOOL, NULL, VS_COMPLETE_NONE, NULL, 0, "start the domain after the revert"},
    {"discard-current", 0, VS_OPT_BOOL, NULL, VS_COMPLETE_NONE, NULL, 0,
     "remove the overlays the domain used before, when no snapshot refers to them"},
    {NULL, 0, 0, NULL, 0, NULL, 0, NULL},
};

static const vs_positional revert_args[] = {
    {"DOMAIN", VS_COMPLETE_DOMAIN, false, false, "the domain: name, UUID or id"},
    {"NAME", VS_COMPLETE_DISK_SNAPSHOT, false, false, "the disk snapshot to go back to"},
    {NULL, 0, false, false, NULL},
};

static int run_revert(vs_ctx *ctx, const vs_args *args)
{
    const char *name = args_pos(args, 1);
    int rc;
    if ((rc = cmd_check_name("revert", name)))
        return rc;
    autodomain virDomainPtr dom = NULL;
    autolock vs_lock *lock = NULL;
    if ((rc = cmd_open_domain(ctx, args_pos(args, 0), "revert", true, &dom, &lock)))
        return rc;
    vs_revert_request req = {.name = name, .force = args_flag(args, "force"), .start = args_flag(args, "start"),
                             .discard_current = args_flag(args, "discard-current")};
    return revert_domain(ctx, dom, &req) < 0 ? VS_EXIT_FAILURE : 0;
}

const vs_cmd cmd_revert = {
    .name = "revert",
    .summary = "take a domain's disks back to a disk snapshot",
    .description = "Takes the disks of DOMAIN back to disk snapshot NAME. The domain must be shut\n"
                   "off, or --force stops it. Each disk gets a fresh overlay on the file the\n"
                   "snapshot froze, and the persistent definition names the new overlays, so the\n"
                   "next start boots the snapshot's state. The files the domain used before stay\n"
                   "on disk (the abandoned branch) unless --discard-current is given.",
    .options = revert_options,
    .args = revert_args,
    .handler = run_revert,
    .flags = 0,
};
