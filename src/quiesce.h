/* Guest-agent freeze and thaw, with the thaw guaranteed.
 *
 * Before freezing, quiesce_freeze() starts a guardian: this same program
 * re-executed as the hidden command `guardian`, in its own session, with its
 * own libvirt connection, holding the other end of a socketpair (a socket
 * rather than a pipe: send(2) with MSG_NOSIGNAL never raises SIGPIPE, and
 * one descriptor carries both ways). It forks once more, so init, not the
 * tool, is its parent. The guardian thaws the guest when
 *   - the socket reaches end of file without the tool having said "done"
 *     (the tool died, even by SIGKILL): within about a second;
 *   - the tool's handler for SIGINT, SIGTERM or SIGHUP sends to the socket
 *     (send(2) is async-signal-safe) while the guest is frozen;
 *   - its deadline passes (freeze --timeout), even after the tool exited.
 * quiesce_thaw() thaws and tells the guardian to exit without acting. */
#pragma once

#include <libvirt/libvirt.h>
#include <stdbool.h>

#include "ctx.h"

typedef struct vs_freeze vs_freeze;

typedef enum {
    VS_QUIESCE_AUTO = 0, /* freeze when the agent answers, else crash-consistent (warned) */
    VS_QUIESCE_REQUIRED, /* no agent, no capture */
    VS_QUIESCE_OFF,      /* never freeze */
} vs_quiesce_policy;


typedef struct vs_freeze_opts {
    const char *const *mountpoints; /* NULL-terminated, or NULL for every filesystem */
    unsigned timeout_s;             /* 0: no deadline; else the guardian thaws after this */
} vs_freeze_opts;

/* Freezes the guest's filesystems through the agent, guardian first.
 * Returns 0 with *out set, or -1 after reporting (guest not frozen;
 * *no_agent set when the failure is that no agent answers). From the
 * freeze call to quiesce_thaw/detach/release, SIGINT, SIGTERM and SIGHUP
 * set job_interrupted() and make the guardian thaw at once.
 *
 * Test-only: VIRT_STATE_TEST_HOLD_FROZEN_MS=N makes it wait N ms after a
 * successful freeze (less if one of those signals comes, after which it
 * thaws and fails), so that a test can signal or kill the process while
 * the guest is frozen; VIRT_STATE_FAULT_AT=quiesce:frozen:done kills it
 * with SIGKILL right after the freeze succeeded. */
int quiesce_freeze(vs_ctx *ctx, virDomainPtr dom, const vs_freeze_opts *opts, vs_freeze **out, bool *no_agent);
/* The freeze of an operation that captures something under a --quiesce
 * policy other than off. Returns 0 to go on: frozen (*out set, *quiesced
 * true), or, under auto, not frozen after the warning "<why>: <crash_msg>".
 * Returns -1 to stop: a signal came (job_interrupted()), or under required
 * nothing was frozen (error "--quiesce required: <why>; no <what> taken"). */
int quiesce_freeze_by_policy(vs_ctx *ctx, virDomainPtr dom, vs_quiesce_policy policy, const char *what,
                             const char *crash_msg, vs_freeze **out, bool *quiesced);
/* Thaws and ends the guardian; returns 0, or -1 after reporting (the
 * guardian keeps watching and thaws by itself). Always frees f. */
int quiesce_thaw(vs_freeze *f);
/* Microseconds from the start of the freeze call to the end of the thaw
 * call (valid after quiesce_thaw returned 0; read it before, with
 * quiesce_frozen_us_so_far, for progress). */
long long quiesce_last_frozen_us(void);
/* Hands the guardian over: the tool exits with the guest frozen and the
 * guardian thaws at its deadline (freeze --timeout). Frees f. Like
 * quiesce_release(), thaws instead and returns -1 (reported) when a signal
 * came since the freeze. */
int quiesce_detach(vs_freeze *f);

/* Thaws whatever froze the guest (a freeze of another client or a killed
 * process). Returns the number of filesystems thawed (0: nothing was
 * frozen), -1 after reporting. */
int quiesce_thaw_domain(virDomainPtr dom);
/* 1 frozen, 0 thawed, -1 unknown (no agent; reported only with 'report').
 * Without libvirt-qemu, whose agent passthrough taints the domain: a
 * frozen agent refuses guest-get-fsinfo, saying it is in frozen state. */
int quiesce_status(virDomainPtr dom, bool report);

/* Filesystems the freeze call froze (the agent's count). */
int quiesce_frozen_count(const vs_freeze *f);
/* The guardian's process id. */
long quiesce_guardian_pid(const vs_freeze *f);
/* Microseconds since the start of the freeze call, while frozen. */
long long quiesce_frozen_us_so_far(const vs_freeze *f);
/* Ends the guardian and leaves the guest frozen, on purpose (an open-ended
 * `freeze`: the admin thaws). Frees f. */
int quiesce_release(vs_freeze *f);

/* Before a freeze of some filesystems: each mountpoint must be one of the
 * guest's (virDomainGetFSInfo). 0, or -1 after reporting; 0 too when the
 * agent cannot list them (the freeze call then says why). */
int quiesce_check_mountpoints(virDomainPtr dom, const char *const *mountpoints);

/* ---- the guardian ----------------------------------------------------- */

/* The hidden command's body, in the process quiesce_freeze() started:
 * 'fd' is its end of the socket, uuid the domain's, timeout_s its deadline
 * after the freeze (0: none). Forks once more so that no virt-state process
 * ever has to reap it, then watches. Returns an exit status. */
int quiesce_guardian_run(const char *uri, const char *uuid, int fd, unsigned timeout_s);
/* A 36-character UUID in its usual form. */
bool quiesce_uuid_is_valid(const char *s);
/* Whether process pid is a virt-state guardian of the domain with this
 * UUID (its command line says so), so that it can safely be signalled. */
bool quiesce_guardian_matches(long pid, const char *uuid);
/* Stops a detached guardian (the guest was thawed by other means): SIGUSR1,
 * which it takes as "stand down", then waits up to a second for it to go.
 * Returns 0 when it is gone, -1 (reported) otherwise. */
int quiesce_guardian_stop(long pid, const char *uuid);

/* ---- the freeze record: <store>/<domain>/frozen ------------------------ */

/* What `freeze` leaves behind for `thaw` and `list`: key=value lines. */
typedef struct vs_frozen_record {
    char *uuid;
    long long frozen_at;     /* seconds since the epoch */
    long long deadline;      /* seconds since the epoch; 0: none (thaw by hand) */
    long guardian_pid;       /* 0: none */
    int filesystems;
    char **mountpoints;      /* NULL: every filesystem */
} vs_frozen_record;

int quiesce_record_write(const char *domain_dir, const vs_frozen_record *r);
/* 1 with *r filled, 0 when there is no record, -1 after reporting. */
int quiesce_record_read(const char *domain_dir, vs_frozen_record *r);
int quiesce_record_remove(const char *domain_dir);
void quiesce_record_clear(vs_frozen_record *r);
/* Whether the record still describes a frozen guest as far as the store
 * can tell: open-ended, or its deadline not passed yet. */
bool quiesce_record_current(const vs_frozen_record *r, long long now);
