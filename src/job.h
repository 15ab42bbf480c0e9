/* Long libvirt jobs: a watcher thread that shows progress from the domain's
 * job statistics and aborts the job when SIGINT, SIGTERM or SIGHUP arrives. */
#pragma once

#include <stdbool.h>
#include <libvirt/libvirt.h>

typedef struct vs_job_watch vs_job_watch;

/* Starts watching dom's job; the caller then runs the blocking libvirt call. */
vs_job_watch *job_watch_start(virDomainPtr dom, const char *label);
/* Stops the watcher; true when a signal asked for the job to be aborted.
 * The progress line stays open for job_print_summary() or progress_end(). */
bool job_watch_stop(vs_job_watch *w);

/* Signals that interrupt a job set this flag instead of killing the process.
 * Install and restore nest: only the outermost pair changes the handlers
 * and clears the flag. */
void job_signals_install(void);
void job_signals_restore(void);
bool job_interrupted(void);
/* While fd >= 0, each of those signals also sends the byte 'I' to the
 * socket fd from the handler (the thaw guardian acts on it at once, even
 * while this process is blocked in a libvirt call). -1 stops it. */
void job_signals_notify(int fd);

/* What a finished job did, from libvirt's completed-job statistics. */
typedef struct vs_job_result {
    bool valid;
    unsigned long long processed;  /* bytes */
    unsigned long long total;      /* bytes */
    unsigned long long elapsed_ms;
} vs_job_result;

/* Reads (and consumes) the statistics of the job that just completed. */
void job_completed_stats(virDomainPtr dom, vs_job_result *r);
/* Ends the progress line on a terminal with "save: 100% (96.0 MiB in 68 ms,
 * 1.4 GiB/s)" when the statistics are there. */
void job_print_summary(const char *label, const vs_job_result *r);

/* Waits (up to an hour) while libvirt still runs a job on the domain: the
 * save or snapshot of a killed client goes on in the daemon. */
void job_wait_idle(virDomainPtr dom);
