#include "config.h"
#include "save.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conn.h"
#include "domain.h"
#include "job.h"
#include "output.h"
#include "store.h"
#include "util.h"

unsigned save_flags_from_args(const vs_args *args)
{
    unsigned flags = 0;
    if (args_flag(args, "running"))
        flags |= VIR_DOMAIN_SAVE_RUNNING;
    if (args_flag(args, "paused"))
        flags |= VIR_DOMAIN_SAVE_PAUSED;
    if (args_flag(args, "bypass-cache"))
        flags |= VIR_DOMAIN_SAVE_BYPASS_CACHE;
    return flags;
}

static char *temp_twin(const char *file, const char *op_id)
{
    autofree char *a = vs_xstrdup(file);
    autofree char *b = vs_xstrdup(file);
    return vs_asprintf("%s/.%s.%s.part", dirname(a), basename(b), op_id);
}

int save_domain(vs_ctx *ctx, virDomainPtr dom, const vs_save_request *req, unsigned long long *size,
                vs_job_result *job)
{
    const char *name = virDomainGetName(dom);
    autofree char *uuid = domain_uuid_string(dom);
    autofree char *ddir = store_domain_dir(ctx->store, name);
    if (!ddir)
        return -1;

    autojournal vs_journal *j = journal_begin(ddir, "save", name, uuid);
    if (!j)
        return -1;
    autofree char *temp = temp_twin(req->file, journal_id(j));
    char flags[32];
    snprintf(flags, sizeof(flags), "%u", req->flags);
    journal_set(j, "file", req->file);
    journal_set(j, "temp", temp);
    journal_set(j, "force", req->force ? "yes" : "no");
    journal_set(j, "flags", flags);

    if (journal_step(j, "temp") < 0)
        goto rollback;
    int fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        vs_error("cannot create '%s': %s", temp, strerror(errno));
        goto rollback;
    }
    fchmod(fd, 0600); /* whatever the umask */
    close(fd);
    if (journal_step_done(j, "temp") < 0 || journal_step(j, "save") < 0)
        goto rollback;

    job_signals_install();
    vs_job_watch *w = job_watch_start(dom, "save");
    int rc = virDomainSaveFlags(dom, temp, req->xml, req->flags);
    bool aborted = job_watch_stop(w);
    job_signals_restore();
    if (rc < 0) {
        progress_end(NULL);
        if (aborted)
            vs_error("save interrupted; '%s' keeps running and '%s' was not touched", name, req->file);
        else
            vs_error("save of '%s' failed: %s; the domain keeps running and '%s' was not touched", name,
                     conn_last_error(), req->file);
        goto rollback;
    }
    if (journal_step_done(j, "save") < 0)
        return -1; /* the image exists only as the temporary: leave it to recover */
    job_completed_stats(dom, job);
    job_print_summary("save", job);

    if (journal_step(j, "sync") < 0 || store_fsync_path(temp) < 0 || journal_step_done(j, "sync") < 0)
        goto keep;
    if (req->force == false && access(req->file, F_OK) == 0) {
        vs_error("'%s' appeared while saving; the memory image was kept as '%s'", req->file, temp);
        goto keep;
    }
    if (journal_step(j, "rename") < 0 || store_rename_durable(temp, req->file) < 0 ||
        journal_step_done(j, "rename") < 0)
        goto keep;
    struct stat st = {0};
    *size = stat(req->file, &st) == 0 ? (unsigned long long)st.st_size : 0;
    journal_finish(j);
    return 0;

keep:
    vs_error("the domain is stopped and its memory is in '%s'; run 'virt-state recover %s'", temp, name);
    return -1;

rollback:
    if (unlink(temp) < 0 && errno != ENOENT)
        vs_warn("cannot remove '%s': %s", temp, strerror(errno));
    journal_finish(j);
    return -1;
}

int save_recover(vs_ctx *ctx, vs_journal *j)
{
    const char *file = journal_get(j, "file");
    const char *temp = journal_get(j, "temp");
    const char *name = journal_domain(j);
    bool force = vs_streq(journal_get(j, "force"), "yes");

    if (!file || !temp || file[0] != '/' || temp[0] != '/')
        return vs_error("journal '%s' lacks the save's file names", journal_path(j));
    if (journal_step_state(j, "rename") == VS_STEP_DONE || access(temp, F_OK) != 0) {
        vs_info("save of '%s' to '%s': nothing left to do", name, file);
        return journal_finish(j);
    }

    autodomain virDomainPtr dom = journal_uuid(j) ? virDomainLookupByUUIDString(ctx->conn, journal_uuid(j)) : NULL;
    if (dom)
        job_wait_idle(dom);
    bool active = dom && virDomainIsActive(dom) == 1;
    bool complete = false;
    if (!active) {
        char *xml = virDomainSaveImageGetXMLDesc(ctx->conn, temp, 0);
        complete = xml != NULL;
        free(xml);
    }
    if (complete) {
        if (!force && access(file, F_OK) == 0) {
            autofree char *alt = vs_asprintf("%s.recovered-%s", file, journal_id(j));
            if (store_fsync_path(temp) < 0 || store_rename_durable(temp, alt) < 0)
                return -1;
            vs_warn("'%s' exists now; the saved memory of '%s' was kept as '%s'", file, name, alt);
        } else {
            if (store_fsync_path(temp) < 0 || store_rename_durable(temp, file) < 0)
                return -1;
            vs_info("finished the interrupted save: the memory of '%s' is in '%s'", name, file);
        }
        return journal_finish(j);
    }
    if (unlink(temp) < 0 && errno != ENOENT)
        return vs_error("cannot remove '%s': %s", temp, strerror(errno));
    vs_info("rolled back the interrupted save of '%s': removed its incomplete image; '%s' untouched", name,
            file);
    return journal_finish(j);
}
