#include "config.h"

#include <stdio.h>
#include <unistd.h>

#include "cmds.h"
#include "conn.h"
#include "recover.h"
#include "restore_point.h"
#include "revert.h"
#include "snapshot.h"
#include "util.h"

static const vs_option revert_options[] = {
    {"running", 0, VS_OPT_BOOL, NULL, VS_COMPLETE_NONE, NULL, 0,
     "restore point: leave the domain running afterwards (default: the point's state)"},
    {"paused", 0, VS_OPT_BOOL, NULL, VS_COMPLETE_NONE, NULL, 0,
     "restore point: leave the domain paused afterwards"},
    {"discard-current", 0, VS_OPT_BOOL, NULL, VS_COMPLETE_NONE, NULL, 0,
     "do not keep the state being left (restore point: no pre-revert point) and remove the overlays it "
     "used when nothing else refers to them"},
    {"dry-run", 'n', VS_OPT_BOOL, NULL, VS_COMPLETE_NONE, NULL, 0, "print the steps it would take; change nothing"},
    {"force", 0, VS_OPT_BOOL, NULL, VS_COMPLETE_NONE, NULL, 0,
     "disk snapshot: stop a running domain first (like pulling its plug: unsaved memory is lost)"},
    {"start", 0, VS_OPT_BOOL, NULL, VS_COMPLETE_NONE, NULL, 0, "disk snapshot: start the domain after the revert"},
    {NULL, 0, 0, NULL, 0, NULL, 0, NULL},
};

static const vs_positional revert_args[] = {
    {"DOMAIN", VS_COMPLETE_DOMAIN, false, false, "the domain: name, UUID or id"},
    {"NAME", VS_COMPLETE_STATE_NAME, false, false, "the restore point or disk snapshot to go back to"},
    {NULL, 0, false, false, NULL},
};

static int run_revert(vs_ctx *ctx, const vs_args *args)
{
    const char *name = args_pos(args, 1);
    bool running = args_flag(args, "running"), paused = args_flag(args, "paused");
    int rc;
    if ((rc = cmd_check_name("revert", name)))
        return rc;
    if (running && paused)
        return cmd_usage("revert", "--running and --paused exclude each other");
    if ((rc = cmd_precheck_point(ctx, args_pos(args, 0), name)))
        return rc;
    autodomain virDomainPtr dom = NULL;
    autolock vs_lock *lock = NULL;
    if ((rc = cmd_open_domain(ctx, args_pos(args, 0), "revert", true, &dom, &lock)))
        return rc;
    const char *dname = virDomainGetName(dom);
    autofree char *rpm = rp_path(ctx->store, dname, name, VS_RP_MANIFEST);
    if (access(rpm, F_OK) == 0) {
        if (args_flag(args, "force") || args_flag(args, "start"))
            return cmd_usage("revert", "--force and --start are for disk snapshots; a restore point keeps the "
                                       "state being left and takes --running or --paused");
        vs_rp_revert_request req = {.name = name,
                                    .run = running ? VS_RUN_RUNNING : paused ? VS_RUN_PAUSED : VS_RUN_AS_POINT,
                                    .discard_current = args_flag(args, "discard-current"),
                                    .dry_run = args_flag(args, "dry-run")};
        return rp_revert(ctx, dom, &req) < 0 ? VS_EXIT_FAILURE : 0;
    }
    autofree char *dsm = snapshot_manifest_path(ctx->store, dname, name);
    if (access(dsm, F_OK) != 0)
        return vs_error("domain '%s' has no restore point or disk snapshot named '%s'", dname, name),
               VS_EXIT_FAILURE;
    if (running || paused)
        return cmd_usage("revert", "--running and --paused are for restore points; with a disk snapshot, --start "
                                   "starts the domain");
    if (args_flag(args, "dry-run"))
        return vs_error("--dry-run is not supported for disk snapshots yet"), VS_EXIT_FAILURE;
    vs_revert_request req = {.name = name, .force = args_flag(args, "force"), .start = args_flag(args, "start"),
                             .discard_current = args_flag(args, "discard-current")};
    return revert_domain(ctx, dom, &req) < 0 ? VS_EXIT_FAILURE : 0;
}

const vs_cmd cmd_revert = {
    .name = "revert",
    .summary = "go back to a restore point or a disk snapshot",
    .description =
        "Takes DOMAIN back to restore point or disk snapshot NAME, on libvirt versions that\n"
        "cannot revert external snapshots themselves.\n"
        "\n"
        "Restore point: the point is verified first (nothing it needs may have changed).\n"
        "The state being left is kept as a restore point of its own, pre-revert-DATE-TIME\n"
        "(a running domain is saved to memory for it), unless --discard-current is given.\n"
        "Each disk gets a fresh overlay on the point's frozen file, the persistent\n"
        "definition becomes the point's, and the memory is restored onto the new overlays:\n"
        "the guest resumes where it was, running or paused as at the point (--running,\n"
        "--paused). A point of a shut-off domain leaves it shut off unless told otherwise.\n"
        "\n"
        "Disk snapshot: the domain must be shut off, or --force stops it. Each disk gets a\n"
        "fresh overlay on the file the snapshot froze, and the persistent definition names\n"
        "the new overlays, so the next start (--start) boots the snapshot's state. The\n"
        "files the domain used before stay unless --discard-current is given.",
    .options = revert_options,
    .args = revert_args,
    .handler = run_revert,
    .flags = 0,
};
