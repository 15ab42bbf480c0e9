#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cmds.h"
#include "conn.h"
#include "domain.h"
#include "output.h"
#include "recover.h"
#include "save.h"
#include "store.h"
#include "util.h"

static const vs_option restore_options[] = {
    {"running", 0, VS_OPT_BOOL, NULL, VS_COMPLETE_NONE, NULL, 1, "start the domain running, whatever the image says"},
    {"paused", 0, VS_OPT_BOOL, NULL, VS_COMPLETE_NONE, NULL, 1, "start the domain paused, whatever the image says"},
    {"bypass-cache", 0, VS_OPT_BOOL, NULL, VS_COMPLETE_NONE, NULL, 0,
     "read the image without filling the host's page cache"},
    {"xml", 0, VS_OPT_STRING, "FILE", VS_COMPLETE_FILE, NULL, 0,
     "domain XML to restore with instead of the one in the image (same guest ABI)"},
    {NULL, 0, 0, NULL, 0, NULL, 0, NULL},
};

static const vs_positional restore_args[] = {
    {"FILE", VS_COMPLETE_FILE, false, false, "a memory image written by 'virt-state save' or 'virsh save'"},
    {NULL, 0, false, false, NULL},
};

static int run_restore(vs_ctx *ctx, const vs_args *args)
{
    const char *file = args_pos(args, 0);
    const char *xml_file = args_str(args, "xml");
    autofree char *xml = NULL;
    unsigned flags = save_flags_from_args(args);

    if (conn_require_local(ctx) < 0)
        return VS_EXIT_FAILURE;
    autofree char *path = store_resolve_new_path(file);
    if (!path)
        return VS_EXIT_FAILURE;
    struct stat st;
    if (stat(path, &st) < 0)
        return vs_error("cannot read '%s': %s", file, strerror(errno));
    if (!S_ISREG(st.st_mode))
        return vs_error("'%s' is not a regular file", file);
    if (access(path, R_OK) < 0)
        return vs_error("cannot read '%s': %s", file, strerror(errno));
    if (xml_file && !(xml = domain_read_xml_file(xml_file)))
        return VS_EXIT_FAILURE;

    if (conn_ensure(ctx) < 0 || conn_require_local(ctx) < 0)
        return VS_EXIT_FAILURE;
    /* The image names its domain: lock that one before restoring it. */
    autofree char *image_xml = virDomainSaveImageGetXMLDesc(ctx->conn, path, 0);
    if (!image_xml)
        return vs_error("'%s' is not a usable memory image: %s", file, conn_last_error());
    autofree char *name = domain_xml_name(xml ? xml : image_xml);
    if (!name)
        return vs_error("'%s' names no domain", file);
    autolock vs_lock *lock = NULL;
    int rc = recover_guard(ctx, name, "restore", &lock);
    if (rc < 0)
        return rc == -2 ? VS_EXIT_BUSY : VS_EXIT_FAILURE;

    if (virDomainRestoreFlags(ctx->conn, path, xml, flags) < 0)
        return vs_error("restore of '%s' from '%s' failed: %s", name, file, conn_last_error());
    vs_info("domain '%s' restored from '%s'", name, path);
    if (ctx->json) {
        vs_json j;
        json_init(&j, stdout);
        json_begin_object(&j);
        json_key(&j, "domain");
        json_string(&j, name);
        json_key(&j, "action");
        json_string(&j, "restored");
        json_key(&j, "file");
        json_string(&j, path);
        json_end_object(&j);
        json_finish(&j);
    }
    return 0;
}

const vs_cmd cmd_restore = {
    .name = "restore",
    .summary = "start a domain from a memory image",
    .description = "Restores a domain from a memory image written by 'virt-state save' (or\n"
                   "'virsh save'). The domain continues where it was saved; its disks must be\n"
                   "in the state they had then. The image is left in place.",
    .options = restore_options,
    .args = restore_args,
    .handler = run_restore,
    .flags = 0,
};
