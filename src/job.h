/* Long libvirt jobs: a watcher thread that shows progress from the domain's
 * job statistics and aborts the job when SIGINT, SIGTERM or SIGHUP arrives. */
#pragma once

#include <stdbool.h>
#include <libvirt/libvirt.h>

typedef struct vs_job_watch vs_job_watch;

/* Starts watching dom's job; the caller then runs the blocking libvirt call. */
vs_job_watch *job_watch_start(virDomainPtr dom, const char *label);
/* Stops the watcher; true when a signal asked for the job to be aborted. */
bool job_watch_stop(vs_job_watch *w);

/* Signals that interrupt a job set this flag instead of killing the process. */
void job_signals_install(void);
void job_signals_restore(void);
bool job_interrupted(void);
