/* freeze, thaw, and the hidden guardian that makes a thaw certain. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cmds.h"
#include "conn.h"
#include "domain.h"
#include "output.h"
#include "quiesce.h"
#include "recover.h"
#include "store.h"
#include "util.h"

#define MAX_TIMEOUT 86400

static int usage(const char *command, const char *fmt, ...) VS_ATTR_PRINTF(2, 3);
static int usage(const char *command, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "virt-state: %s: ", command);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'virt-state %s --help' for more information.\n", command);
    return VS_EXIT_USAGE;
}

static const char *plural(int n)
{
    return n == 1 ? "" : "s";
}

/* Connection, domain, lock: what freeze and thaw do before acting.
 * Returns 0 or an exit status. */
static int open_domain(vs_ctx *ctx, const char *domain, const char *operation, virDomainPtr *dom, vs_lock **lock,
                       char **ddir)
{
    int rc = cmd_open_domain(ctx, domain, operation, false, dom, lock);
    if (rc)
        return rc;
    *ddir = store_domain_dir(ctx->store, virDomainGetName(*dom));
    return *ddir ? 0 : VS_EXIT_FAILURE;
}

/* ---- freeze ------------------------------------------------------------ */

static const vs_option freeze_options[] = {
    {"mountpoint", 0, VS_OPT_LIST, "PATH", VS_COMPLETE_TEXT, NULL, 0,
     "freeze only the guest filesystem mounted at PATH (absolute, in the guest)"},
    {"timeout", 0, VS_OPT_UINT, "SECONDS", VS_COMPLETE_NUMBER, NULL, 0,
     "thaw by itself after SECONDS (1 to 86400), even once virt-state has exited"},
    {NULL, 0, 0, NULL, 0, NULL, 0, NULL},
};

static void report_freeze(vs_ctx *ctx, const char *name, int count, unsigned long timeout, long guardian)
{
    if (timeout)
        vs_info("froze %d filesystem%s of '%s'; %s by %s in %lu s (or: virt-state thaw %s)", count,
                plural(count), name, count == 1 ? "it thaws" : "they thaw", count == 1 ? "itself" : "themselves",
                timeout, name);
    else
        vs_info("froze %d filesystem%s of '%s'; %s frozen until 'virt-state thaw %s'", count, plural(count), name,
                count == 1 ? "it stays" : "they stay", name);
    if (!ctx->json)
        return;
    vs_json j;
    json_init(&j, stdout);
    json_begin_object(&j);
    json_key(&j, "domain");
    json_string(&j, name);
    json_key(&j, "frozen_filesystems");
    json_int(&j, count);
    json_key(&j, "timeout");
    if (timeout)
        json_int(&j, (long long)timeout);
    else
        json_string(&j, NULL);
    json_key(&j, "guardian_pid");
    if (guardian)
        json_int(&j, guardian);
    else
        json_string(&j, NULL);
    json_end_object(&j);
    json_finish(&j);
}

static int run_freeze(vs_ctx *ctx, const vs_args *args)
{
    const char *domain = args_pos(args, 0);
    size_t nmount = 0;
    char *const *mounts = args_list(args, "mountpoint", &nmount);
    unsigned long timeout = 0;
    bool has_timeout = args_uint(args, "timeout", &timeout);

    for (size_t i = 0; i < nmount; i++) {
        if (mounts[i][0] != '/')
            return usage("freeze", "--mountpoint '%s' is not an absolute path", mounts[i]);
        for (const char *c = mounts[i]; *c; c++)
            if ((unsigned char)*c < 0x20 || *c == 0x7f)
                return usage("freeze", "--mountpoint must not contain control characters");
    }
    if (has_timeout && (timeout < 1 || timeout > MAX_TIMEOUT))
        return usage("freeze", "--timeout must be 1 to %d seconds, not %lu", MAX_TIMEOUT, timeout);

    autodomain virDomainPtr dom = NULL;
    autolock vs_lock *lock = NULL;
    autofree char *ddir = NULL;
    int rc = open_domain(ctx, domain, "freeze", &dom, &lock, &ddir);
    if (rc)
        return rc;
    const char *name = virDomainGetName(dom);
    int state = domain_state(dom);
    if (state < 0)
        return VS_EXIT_FAILURE;
    if (state != VIR_DOMAIN_RUNNING && state != VIR_DOMAIN_BLOCKED)
        return vs_error("domain '%s' is %s; only a running domain's filesystems can be frozen", name,
                        domain_state_name(state));
    if (quiesce_check_mountpoints(dom, (const char *const *)mounts) < 0)
        return VS_EXIT_FAILURE;

    vs_freeze_opts opts = {.mountpoints = (const char *const *)mounts, .timeout_s = (unsigned)timeout};
    vs_freeze *f = NULL;
    bool no_agent = false;
    if (quiesce_freeze(ctx, dom, &opts, &f, &no_agent) < 0)
        return VS_EXIT_FAILURE;
    int count = quiesce_frozen_count(f);
    if (count == 0) {
        quiesce_thaw(f);
        return vs_error("the guest agent of '%s' froze no filesystem", name);
    }

    autofree char *uuid = domain_uuid_string(dom);
    /* The guardian of an earlier freeze --timeout (the guest thawed since
     * by other means) must not thaw this freeze at its deadline. */
    vs_frozen_record old;
    if (quiesce_record_read(ddir, &old) > 0 && old.guardian_pid && old.guardian_pid != quiesce_guardian_pid(f) &&
        uuid)
        quiesce_guardian_stop(old.guardian_pid, uuid);
    quiesce_record_clear(&old);
    long long now = (long long)time(NULL);
    vs_frozen_record rec = {
        .uuid = uuid,
        .frozen_at = now,
        .deadline = timeout ? now + (long long)timeout : 0,
        .guardian_pid = timeout ? quiesce_guardian_pid(f) : 0,
        .filesystems = count,
        .mountpoints = (char **)mounts,
    };
    if (quiesce_record_write(ddir, &rec) < 0) {
        quiesce_thaw(f);
        return vs_error("the freeze of '%s' could not be recorded in the store; thawed it again", name);
    }
    if ((timeout ? quiesce_detach(f) : quiesce_release(f)) < 0) {
        quiesce_record_remove(ddir);
        return VS_EXIT_FAILURE;
    }
    report_freeze(ctx, name, count, timeout, rec.guardian_pid);
    return 0;
}

const vs_cmd cmd_freeze = {
    .name = "freeze",
    .summary = "freeze a guest's filesystems through its agent",
    .description = "Freezes the filesystems of a running guest through the QEMU guest agent, so\n"
                   "that its disks are consistent while they are copied. With --timeout they\n"
                   "thaw by themselves after SECONDS, even if virt-state or its caller is killed;\n"
                   "without it they stay frozen until 'virt-state thaw'. Either way, a signal or\n"
                   "the death of virt-state while it is freezing thaws them.",
    .options = freeze_options,
    .args = cmd_domain_arg,
    .handler = run_freeze,
    .flags = 0,
};

/* ---- thaw -------------------------------------------------------------- */

static void report_thaw(vs_ctx *ctx, const char *name, int count, long guardian)
{
    if (count > 0)
        vs_info("thawed %d filesystem%s of '%s'", count, plural(count), name);
    else
        vs_info("'%s' was not frozen", name);
    if (!ctx->json)
        return;
    vs_json j;
    json_init(&j, stdout);
    json_begin_object(&j);
    json_key(&j, "domain");
    json_string(&j, name);
    json_key(&j, "thawed_filesystems");
    json_int(&j, count);
    json_key(&j, "guardian_pid");
    if (guardian)
        json_int(&j, guardian);
    else
        json_string(&j, NULL);
    json_end_object(&j);
    json_finish(&j);
}

static int run_thaw(vs_ctx *ctx, const vs_args *args)
{
    autodomain virDomainPtr dom = NULL;
    autolock vs_lock *lock = NULL;
    autofree char *ddir = NULL;
    int rc = open_domain(ctx, args_pos(args, 0), "thaw", &dom, &lock, &ddir);
    if (rc)
        return rc;
    const char *name = virDomainGetName(dom);
    autofree char *uuid = domain_uuid_string(dom);
    vs_frozen_record rec;
    if (quiesce_record_read(ddir, &rec) < 0)
        return VS_EXIT_FAILURE;

    int count = 0;
    int state = domain_state(dom);
    if (state < 0) {
        quiesce_record_clear(&rec);
        return VS_EXIT_FAILURE;
    }
    if (state == VIR_DOMAIN_PAUSED) {
        quiesce_record_clear(&rec);
        return vs_error("domain '%s' is paused; its agent answers only once it runs again ('virsh resume %s')",
                        name, name);
    }
    /* A guest that does not run has nothing frozen. */
    if (state == VIR_DOMAIN_RUNNING || state == VIR_DOMAIN_BLOCKED) {
        count = quiesce_thaw_domain(dom);
        if (count < 0) {
            quiesce_record_clear(&rec);
            return VS_EXIT_FAILURE;
        }
    }
    /* Only now: had the thaw failed, the guardian would still be the one
     * to thaw at its deadline. */
    long stopped = 0;
    if (rec.guardian_pid && uuid && quiesce_guardian_matches(rec.guardian_pid, uuid)) {
        if (quiesce_guardian_stop(rec.guardian_pid, uuid) < 0) {
            quiesce_record_clear(&rec);
            return VS_EXIT_FAILURE;
        }
        stopped = rec.guardian_pid;
        vs_debug("stopped the thaw guardian, pid %ld", stopped);
    }
    quiesce_record_clear(&rec);
    if (quiesce_record_remove(ddir) < 0)
        return VS_EXIT_FAILURE;
    report_thaw(ctx, name, count, stopped);
    return 0;
}

const vs_cmd cmd_thaw = {
    .name = "thaw",
    .summary = "thaw a guest's frozen filesystems",
    .description = "Thaws the filesystems of a guest frozen by 'virt-state freeze' or by anything\n"
                   "else (virsh domfsfreeze, a killed backup tool), stops the thaw guardian of a\n"
                   "freeze --timeout, and forgets the freeze. A guest that is not frozen is\n"
                   "left as it is.",
    .options = NULL,
    .args = cmd_domain_arg,
    .handler = run_thaw,
    .flags = 0,
};

/* ---- guardian ---------------------------------------------------------- */

static const vs_option guardian_options[] = {
    {"fd", 0, VS_OPT_UINT, "N", VS_COMPLETE_NUMBER, NULL, 0,
     "its end of the socket shared with the virt-state process that froze the guest"},
    {"timeout", 0, VS_OPT_UINT, "SECONDS", VS_COMPLETE_NUMBER, NULL, 0,
     "thaw SECONDS after the freeze, even once virt-state has exited"},
    {NULL, 0, 0, NULL, 0, NULL, 0, NULL},
};

static const vs_positional guardian_args[] = {
    {"UUID", VS_COMPLETE_TEXT, false, false, "the UUID of the domain to thaw"},
    {NULL, 0, false, false, NULL},
};

static int run_guardian(vs_ctx *ctx, const vs_args *args)
{
    const char *uuid = args_pos(args, 0);
    unsigned long fd = 0, timeout = 0;
    static const char hint[] = "the guardian is started by 'virt-state freeze', not by hand";

    if (!quiesce_uuid_is_valid(uuid))
        return usage("guardian", "'%s' is not a domain UUID; %s", uuid, hint);
    if (!args_uint(args, "fd", &fd))
        return usage("guardian", "--fd is required; %s", hint);
    struct stat st;
    if (fd < 3 || fd > 1024 || fstat((int)fd, &st) < 0 || !S_ISSOCK(st.st_mode))
        return usage("guardian", "--fd %lu is not an open socket; %s", fd, hint);
    if (args_uint(args, "timeout", &timeout) && (timeout < 1 || timeout > MAX_TIMEOUT))
        return usage("guardian", "--timeout must be 1 to %d seconds, not %lu", MAX_TIMEOUT, timeout);
    return quiesce_guardian_run(ctx->uri, uuid, (int)fd, (unsigned)timeout);
}

const vs_cmd cmd_guardian = {
    .name = "guardian",
    .summary = "thaw a frozen guest when virt-state cannot (internal)",
    .description = "Started by 'virt-state freeze' before it freezes a guest, in a session of\n"
                   "its own and with a libvirt connection of its own. It thaws the guest when\n"
                   "the socket on --fd reaches its end before virt-state said it thawed (the\n"
                   "process died), when virt-state reports a signal, or at the deadline of\n"
                   "freeze --timeout. Not meant to be run by hand.",
    .options = guardian_options,
    .args = guardian_args,
    .handler = run_guardian,
    .flags = VS_CMD_HIDDEN | VS_CMD_NO_SHELL | VS_CMD_ANY_CONFIG,
};
