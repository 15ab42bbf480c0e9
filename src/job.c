#include "config.h"
#include "job.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "conn.h"
#include "output.h"
#include "util.h"

static volatile sig_atomic_t interrupted;
static volatile sig_atomic_t notify_fd = -1;
static struct sigaction saved_int, saved_term, saved_hup;
static int depth;

static void on_signal(int sig)
{
    (void)sig;
    interrupted = 1;
    int fd = notify_fd;
    if (fd >= 0) {
        /* send(2) is async-signal-safe; a full buffer or a peer gone must
         * neither block the handler nor raise SIGPIPE. */
        int saved = errno;
        (void)send(fd, "I", 1, MSG_NOSIGNAL | MSG_DONTWAIT);
        errno = saved;
    }
}

void job_signals_install(void)
{
    struct sigaction sa;
    /* Nested windows (a job while the guest is frozen) share the outer
     * one's handlers and flag: an interruption is never forgotten. */
    if (depth++ > 0)
        return;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    interrupted = 0;
    sigaction(SIGINT, &sa, &saved_int);
    sigaction(SIGTERM, &sa, &saved_term);
    sigaction(SIGHUP, &sa, &saved_hup);
}

void job_signals_restore(void)
{
    if (depth == 0 || --depth > 0)
        return;
    sigaction(SIGINT, &saved_int, NULL);
    sigaction(SIGTERM, &saved_term, NULL);
    sigaction(SIGHUP, &saved_hup, NULL);
}

void job_signals_notify(int fd)
{
    notify_fd = fd;
}

bool job_interrupted(void)
{
    return interrupted != 0;
}

struct vs_job_watch {
    pthread_t thread;
    virDomainPtr dom;
    char *label;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool stop;
    bool aborted;
};

static void show_progress(vs_job_watch *w)
{
    virTypedParameterPtr params = NULL;
    int nparams = 0, type = 0;
    unsigned long long processed = 0, total = 0, elapsed = 0;

    if (virDomainGetJobStats(w->dom, &type, &params, &nparams, 0) < 0)
        return;
    if (type != VIR_DOMAIN_JOB_NONE) {
        /* Backup jobs report only the DISK_ pair (libvirt 9.0). */
        if (virTypedParamsGetULLong(params, nparams, VIR_DOMAIN_JOB_DATA_PROCESSED, &processed) != 1)
            virTypedParamsGetULLong(params, nparams, VIR_DOMAIN_JOB_DISK_PROCESSED, &processed);
        if (virTypedParamsGetULLong(params, nparams, VIR_DOMAIN_JOB_DATA_TOTAL, &total) != 1)
            virTypedParamsGetULLong(params, nparams, VIR_DOMAIN_JOB_DISK_TOTAL, &total);
        virTypedParamsGetULLong(params, nparams, VIR_DOMAIN_JOB_TIME_ELAPSED, &elapsed);
        if (processed || total)
            progress_update(w->label, processed, total, elapsed ? processed * 1000.0 / elapsed : 0);
    }
    virTypedParamsFree(params, nparams);
}

static void *watch_thread(void *opaque)
{
    vs_job_watch *w = opaque;
    bool show = progress_enabled();

    pthread_mutex_lock(&w->lock);
    while (!w->stop) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 250 * 1000 * 1000;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&w->cond, &w->lock, &ts);
        if (w->stop)
            break;
        pthread_mutex_unlock(&w->lock);
        if (interrupted && !w->aborted) {
            w->aborted = true;
            vs_debug("interrupted: aborting the job");
            if (virDomainAbortJob(w->dom) < 0)
                vs_debug("abort: %s", conn_last_error());
        } else if (show) {
            show_progress(w);
        }
        pthread_mutex_lock(&w->lock);
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

vs_job_watch *job_watch_start(virDomainPtr dom, const char *label)
{
    vs_job_watch *w = vs_xcalloc(1, sizeof(*w));
    w->dom = dom;
    w->label = vs_xstrdup(label);
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->cond, NULL);
    if (pthread_create(&w->thread, NULL, watch_thread, w) != 0) {
        vs_warn("cannot start the progress thread; no progress will be shown");
        w->thread = 0;
    }
    return w;
}

bool job_watch_stop(vs_job_watch *w)
{
    if (!w)
        return false;
    pthread_mutex_lock(&w->lock);
    w->stop = true;
    pthread_cond_signal(&w->cond);
    pthread_mutex_unlock(&w->lock);
    if (w->thread)
        pthread_join(w->thread, NULL);
    bool aborted = w->aborted || interrupted;
    pthread_mutex_destroy(&w->lock);
    pthread_cond_destroy(&w->cond);
    free(w->label);
    free(w);
    return aborted;
}

void job_completed_stats(virDomainPtr dom, vs_job_result *r)
{
    virTypedParameterPtr params = NULL;
    int nparams = 0, type = 0;

    memset(r, 0, sizeof(*r));
    if (virDomainGetJobStats(dom, &type, &params, &nparams, VIR_DOMAIN_JOB_STATS_COMPLETED) < 0) {
        vs_debug("no statistics of the completed job: %s", conn_last_error());
        return;
    }
    if (type == VIR_DOMAIN_JOB_COMPLETED) {
        r->valid = true;
        if (virTypedParamsGetULLong(params, nparams, VIR_DOMAIN_JOB_DATA_PROCESSED, &r->processed) != 1)
            virTypedParamsGetULLong(params, nparams, VIR_DOMAIN_JOB_DISK_PROCESSED, &r->processed);
        if (virTypedParamsGetULLong(params, nparams, VIR_DOMAIN_JOB_DATA_TOTAL, &r->total) != 1)
            virTypedParamsGetULLong(params, nparams, VIR_DOMAIN_JOB_DISK_TOTAL, &r->total);
        virTypedParamsGetULLong(params, nparams, VIR_DOMAIN_JOB_TIME_ELAPSED, &r->elapsed_ms);
    }
    virTypedParamsFree(params, nparams);
}

void job_print_summary(const char *label, const vs_job_result *r)
{
    char done[32], rate[32], line[160];

    if (!r->valid) {
        progress_end(NULL);
        return;
    }
    vs_format_bytes(r->processed, done, sizeof(done));
    vs_format_bytes(r->elapsed_ms ? r->processed * 1000 / r->elapsed_ms : r->processed, rate, sizeof(rate));
    snprintf(line, sizeof(line), "%s: 100%% (%s in %llu ms, %s/s)", label, done, r->elapsed_ms, rate);
    progress_end(line);
}

void job_wait_idle(virDomainPtr dom)
{
    for (int i = 0; i < 3600; i++) {
        virDomainJobInfo info;
        if (virDomainGetJobInfo(dom, &info) < 0 || info.type == VIR_DOMAIN_JOB_NONE)
            return;
        if (i == 0)
            vs_info("waiting for the job still running on the domain");
        sleep(1);
    }
}
