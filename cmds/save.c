#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cmds.h"
#include "conn.h"
#include "domain.h"
#include "job.h"
#include "output.h"
#include "recover.h"
#include "save.h"
#include "store.h"
#include "util.h"

enum { GROUP_STATE = 1, GROUP_MODE = 2 };

static const vs_option save_options[] = {
    {"running", 0, VS_OPT_BOOL, NULL, VS_COMPLETE_NONE, NULL, GROUP_STATE,
     "the domain runs when restored from the image"},
    {"paused", 0, VS_OPT_BOOL, NULL, VS_COMPLETE_NONE, NULL, GROUP_STATE,
     "the domain is paused when restored from the image"},
    {"bypass-cache", 0, VS_OPT_BOOL, NULL, VS_COMPLETE_NONE, NULL, 0,
     "write the image without filling the host's page cache"},
    {"xml", 0, VS_OPT_STRING, "FILE", VS_COMPLETE_FILE, NULL, 0,
     "domain XML to store in the image instead of the current one (same guest ABI)"},
    {"force", 0, VS_OPT_BOOL, NULL, VS_COMPLETE_NONE, NULL, 0, "replace FILE if it exists"},
    {"managed", 0, VS_OPT_BOOL, NULL, VS_COMPLETE_NONE, NULL, GROUP_MODE,
     "save to libvirt's managed save image instead of FILE; the next start resumes from it"},
    {"remove-managed", 0, VS_OPT_BOOL, NULL, VS_COMPLETE_NONE, NULL, GROUP_MODE,
     "remove the domain's managed save image"},
    {NULL, 0, 0, NULL, 0, NULL, 0, NULL},
};

static const vs_positional save_args[] = {
    {"DOMAIN", VS_COMPLETE_DOMAIN, false, false, "the domain: name, UUID or id"},
    {"FILE", VS_COMPLETE_FILE, true, false, "where the memory image goes (not with --managed)"},
    {NULL, 0, false, false, NULL},
};

static int usage(const char *msg)
{
    fprintf(stderr, "virt-state: save: %s\nTry 'virt-state save --help' for more information.\n", msg);
    return VS_EXIT_USAGE;
}

static void report(vs_ctx *ctx, const char *domain, const char *action, const char *file,
                   unsigned long long size, const vs_job_result *job)
{
    if (ctx->json) {
        vs_json j;
        json_init(&j, stdout);
        json_begin_object(&j);
        json_key(&j, "domain");
        json_string(&j, domain);
        json_key(&j, "action");
        json_string(&j, action);
        json_key(&j, "file");
        json_string(&j, file);
        if (file) {
            json_key(&j, "size");
            json_int(&j, (long long)size);
        }
        if (job && job->valid) {
            json_key(&j, "data_processed");
            json_int(&j, (long long)job->processed);
            json_key(&j, "job_ms");
            json_int(&j, (long long)job->elapsed_ms);
        }
        json_end_object(&j);
        json_finish(&j);
    }
}

/* Returns an exit status. */
static int save_managed(vs_ctx *ctx, virDomainPtr dom, bool remove, unsigned flags)
{
    const char *name = virDomainGetName(dom);
    autolock vs_lock *lock = NULL;
    int rc = recover_guard(ctx, name, remove ? "save --remove-managed" : "save --managed", &lock);
    if (rc < 0)
        return rc == -2 ? VS_EXIT_BUSY : VS_EXIT_FAILURE;

    if (remove) {
        int has = virDomainHasManagedSaveImage(dom, 0);
        if (has < 0)
            return conn_error("cannot check for a managed save image"), VS_EXIT_FAILURE;
        if (has == 0)
            return vs_error("domain '%s' has no managed save image", name), VS_EXIT_FAILURE;
        if (virDomainManagedSaveRemove(dom, 0) < 0)
            return conn_error("cannot remove the managed save image"), VS_EXIT_FAILURE;
        vs_info("removed the managed save image of domain '%s'", name);
        report(ctx, name, "managed-save-removed", NULL, 0, NULL);
        return 0;
    }
    int state = domain_state(dom);
    if (state < 0)
        return VS_EXIT_FAILURE;
    if (state != VIR_DOMAIN_RUNNING && state != VIR_DOMAIN_PAUSED && state != VIR_DOMAIN_BLOCKED)
        return vs_error("domain '%s' is %s; only a running or paused domain can be saved", name,
                        domain_state_name(state)), VS_EXIT_FAILURE;
    if (virDomainManagedSave(dom, flags) < 0)
        return vs_error("managed save of '%s' failed: %s; the domain keeps running", name, conn_last_error()),
               VS_EXIT_FAILURE;
    vs_job_result job;
    job_completed_stats(dom, &job);
    job_print_summary("save", &job);
    vs_info("domain '%s' saved to its managed save image; 'virsh start %s' resumes it", name, name);
    report(ctx, name, "managed-saved", NULL, 0, &job);
    return 0;
}

static int run_save(vs_ctx *ctx, const vs_args *args)
{
    const char *domain = args_pos(args, 0);
    const char *file = args_pos(args, 1);
    const char *xml_file = args_str(args, "xml");
    bool managed = args_flag(args, "managed"), remove = args_flag(args, "remove-managed");
    unsigned flags = save_flags_from_args(args);

    /* Everything given on the command line is checked before libvirt is asked. */
    if (managed || remove) {
        if (file)
            return usage(managed ? "FILE cannot be given with --managed" : "FILE cannot be given with --remove-managed");
        if (xml_file || args_flag(args, "force"))
            return usage(xml_file ? "--xml cannot be given with a managed save"
                                  : "--force has no meaning with a managed save");
        if (remove && flags)
            return usage("--running, --paused and --bypass-cache have no meaning with --remove-managed");
    } else if (!file) {
        return usage("missing argument FILE (or give --managed)");
    }

    autofree char *path = NULL;
    autofree char *xml = NULL;
    if (file && conn_require_local(ctx) < 0)
        return VS_EXIT_FAILURE;
    if (file) {
        path = store_resolve_new_path(file);
        if (!path)
            return VS_EXIT_FAILURE;
        struct stat st;
        if (lstat(path, &st) == 0) {
            if (!S_ISREG(st.st_mode))
                return vs_error("'%s' exists and is not a regular file", file);
            if (!args_flag(args, "force"))
                return vs_error("'%s' exists; use --force to replace it", file);
        } else if (errno != ENOENT) {
            return vs_error("cannot check '%s': %s", file, strerror(errno));
        }
    }
    if (xml_file && !(xml = domain_read_xml_file(xml_file)))
        return VS_EXIT_FAILURE;

    if (conn_ensure(ctx) < 0 || (file && conn_require_local(ctx) < 0))
        return VS_EXIT_FAILURE;
    autodomain virDomainPtr dom = conn_lookup_domain(ctx, domain);
    if (!dom)
        return VS_EXIT_FAILURE;
    if (managed || remove)
        return save_managed(ctx, dom, remove, flags);

    const char *name = virDomainGetName(dom);
    autolock vs_lock *lock = NULL;
    int rc = recover_guard(ctx, name, "save", &lock);
    if (rc < 0)
        return rc == -2 ? VS_EXIT_BUSY : VS_EXIT_FAILURE;
    int state = domain_state(dom);
    if (state < 0)
        return VS_EXIT_FAILURE;
    if (state != VIR_DOMAIN_RUNNING && state != VIR_DOMAIN_PAUSED && state != VIR_DOMAIN_BLOCKED)
        return vs_error("domain '%s' is %s; only a running or paused domain can be saved", name,
                        domain_state_name(state));

    vs_save_request req = {.file = path, .xml = xml, .flags = flags, .force = args_flag(args, "force")};
    unsigned long long size = 0;
    vs_job_result job;
    if (save_domain(ctx, dom, &req, &size, &job) < 0)
        return VS_EXIT_FAILURE;
    char sz[32];
    vs_format_bytes(size, sz, sizeof(sz));
    vs_info("domain '%s' saved to '%s' (%s)", name, path, sz);
    report(ctx, name, "saved", path, size, &job);
    return 0;
}

const vs_cmd cmd_save = {
    .name = "save",
    .summary = "save a domain's memory to a file and stop it",
    .description = "Saves the memory of a running or paused domain to FILE and stops the domain,\n"
                   "like 'virsh save', but safely: the image is written to a temporary file in\n"
                   "FILE's directory and renamed into place only when complete, so a failed or\n"
                   "interrupted save never destroys an existing FILE. With --managed the memory\n"
                   "goes to libvirt's managed save image instead.",
    .options = save_options,
    .args = save_args,
    .handler = run_save,
    .flags = 0,
};
