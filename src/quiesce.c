#include "config.h"
#include "quiesce.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "conn.h"
#include "domain.h"
#include "job.h"
#include "journal.h"
#include "store.h"
#include "util.h"

/* The guardian's protocol: one byte each from the tool ... */
enum {
    MSG_ARMED = 'F',       /* a freeze is asked for now: from here on, thaw when the tool goes; the deadline starts */
    MSG_DONE = 'T',        /* thawed (or left frozen on purpose, or the freeze failed): exit without acting */
    MSG_INTERRUPTED = 'I', /* a signal reached the tool while frozen: thaw now, keep watching */
    MSG_DETACHED = 'D',    /* the tool exits: stop watching, thaw at the deadline */
};
/* ... and one line back: "ready PID\n" once it watches, or "error MESSAGE\n". */

#define GUARDIAN_FD 3
#define READY_TIMEOUT_MS 30000
#define THAW_RETRY_MS 120000

struct vs_freeze {
    virDomainPtr dom;
    char *name;
    int sock;
    long guardian;
    int frozen;
    struct timespec t0;
};

static long long last_frozen_us = -1;

static long long us_between(const struct timespec *a, const struct timespec *b)
{
    return (b->tv_sec - a->tv_sec) * 1000000LL + (b->tv_nsec - a->tv_nsec) / 1000;
}

static int send_byte(int fd, char c)
{
    for (;;) {
        ssize_t n = send(fd, &c, 1, MSG_NOSIGNAL);
        if (n == 1)
            return 0;
        if (n < 0 && errno == EINTR)
            continue;
        return -1;
    }
}

/* ---- starting the guardian ------------------------------------------------ */

/* Reads one line (without its newline) within timeout_ms; -1 on EOF or
 * timeout before a newline. */
static int read_line(int fd, char *buf, size_t len, int timeout_ms)
{
    size_t used = 0;
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    while (used + 1 < len) {
        clock_gettime(CLOCK_MONOTONIC, &now);
        long long left = timeout_ms - us_between(&start, &now) / 1000;
        if (left <= 0)
            break;
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int r = poll(&p, 1, (int)left);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        ssize_t n = recv(fd, buf + used, 1, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        if (buf[used] == '\n') {
            buf[used] = '\0';
            return 0;
        }
        used++;
    }
    buf[used] = '\0';
    return -1;
}

/* Closes every descriptor from 'from' up; async-signal-safe. */
static void close_from(int from, long max_fd)
{
    if (close_range((unsigned)from, ~0U, 0) == 0)
        return;
    for (long fd = from; fd < max_fd; fd++)
        close((int)fd);
}

/* Starts `virt-state -c URI guardian UUID --fd 3 [--timeout N]` in its own
 * session; returns 0 once it reported "ready", with our end of its socket. */
static int guardian_start(vs_ctx *ctx, virDomainPtr dom, unsigned timeout_s, int *sock_out, long *pid_out)
{
    const char *name = virDomainGetName(dom);
    autofree char *uri = ctx->uri ? vs_xstrdup(ctx->uri) : virConnectGetURI(ctx->conn);
    if (!uri)
        return vs_error("cannot start the thaw guardian: the connection's URI is unknown: %s; nothing was frozen",
                        conn_last_error());
    autofree char *uuid = domain_uuid_string(dom);
    if (!uuid)
        return vs_error("cannot read the UUID of '%s': %s; nothing was frozen", name, conn_last_error());

    /* The path /proc/self/exe names, not that link itself: under valgrind
     * the link is valgrind. But the link when the file was replaced (an
     * upgrade during a long shell session): it still runs this program. */
    char exe[PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (len > 0)
        exe[len] = '\0';
    if (len <= 0 || access(exe, X_OK) < 0)
        snprintf(exe, sizeof(exe), "/proc/self/exe");

    char fdarg[16], tmo[16];
    snprintf(fdarg, sizeof(fdarg), "%d", GUARDIAN_FD);
    snprintf(tmo, sizeof(tmo), "%u", timeout_s);
    const char *argv[12];
    int a = 0;
    argv[a++] = "virt-state";
    if (vs_is_debug())
        argv[a++] = "--debug";
    argv[a++] = "--connect";
    argv[a++] = uri;
    argv[a++] = "guardian";
    argv[a++] = uuid;
    argv[a++] = "--fd";
    argv[a++] = fdarg;
    if (timeout_s) {
        argv[a++] = "--timeout";
        argv[a++] = tmo;
    }
    argv[a] = NULL;

    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
        return vs_error("cannot start the thaw guardian: socketpair: %s; nothing was frozen", strerror(errno));
    long max_fd = sysconf(_SC_OPEN_MAX);
    if (max_fd < 0 || max_fd > 65536)
        max_fd = 65536;
    sigset_t none;
    sigemptyset(&none);

    pid_t pid = fork();
    if (pid < 0) {
        int err = errno;
        close(sv[0]);
        close(sv[1]);
        return vs_error("cannot start the thaw guardian: fork: %s; nothing was frozen", strerror(err));
    }
    if (pid == 0) {
        /* Between fork and exec only async-signal-safe calls: this
         * process has threads. Standard input and output go to /dev/null
         * so that a detached guardian holds no pipe of its caller open;
         * its end of the socket becomes fd 3; nothing else survives. */
        int g = fcntl(sv[1], F_DUPFD, 10);
        int nul = open("/dev/null", O_RDWR);
        if (g < 0 || nul < 0 || dup2(nul, 0) < 0 || dup2(nul, 1) < 0 || dup2(g, GUARDIAN_FD) != GUARDIAN_FD)
            _exit(127);
        close_from(GUARDIAN_FD + 1, max_fd);
        sigprocmask(SIG_SETMASK, &none, NULL);
        execv(exe, (char *const *)argv);
        _exit(127);
    }
    close(sv[1]);
    /* That child forks the guardian and exits at once (or fails its checks). */
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    char line[512];
    int got = read_line(sv[0], line, sizeof(line), READY_TIMEOUT_MS);
    long gpid = 0;
    if (got == 0 && sscanf(line, "ready %ld", &gpid) == 1 && gpid > 1) {
        *sock_out = sv[0];
        *pid_out = gpid;
        vs_debug("thaw guardian of '%s' ready: pid %ld", name, gpid);
        return 0;
    }
    close(sv[0]); /* a guardian that still started sees EOF before 'F': it exits without acting */
    if (got == 0 && vs_str_has_prefix(line, "error "))
        return vs_error("cannot start the thaw guardian: %s; nothing was frozen", line + 6);
    if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
        return vs_error("cannot start the thaw guardian ('%s' exited with status %d); nothing was frozen", exe,
                        WEXITSTATUS(status));
    return vs_error("the thaw guardian did not report ready within %d s; nothing was frozen",
                    READY_TIMEOUT_MS / 1000);
}

/* ---- the tool's side ---------------------------------------------------- */

static void freeze_free(vs_freeze *f)
{
    if (!f)
        return;
    if (f->sock >= 0)
        close(f->sock);
    virDomainFree(f->dom);
    free(f->name);
    free(f);
}

/* Ends the signal window that began with the freeze. */
static void end_window(vs_freeze *f)
{
    job_signals_notify(-1);
    job_signals_restore();
    if (f->sock >= 0) {
        close(f->sock);
        f->sock = -1;
    }
}

static bool error_is_no_agent(int code, const char *msg)
{
    if (code == VIR_ERR_AGENT_UNRESPONSIVE || code == VIR_ERR_AGENT_UNSYNCED)
        return true;
    /* libvirt 9.0: "QEMU guest agent is not configured" (no channel at
     * all) is VIR_ERR_ARGUMENT_UNSUPPORTED; "... is not connected" is
     * VIR_ERR_AGENT_UNRESPONSIVE, but older daemons said so differently. */
    return (code == VIR_ERR_ARGUMENT_UNSUPPORTED || code == VIR_ERR_OPERATION_INVALID) && msg &&
           strstr(msg, "guest agent is not");
}

static int thaw_if_interrupted(vs_freeze *f);

static void hold_for_tests(void)
{
    const char *v = getenv("VIRT_STATE_TEST_HOLD_FROZEN_MS");
    unsigned long ms;
    if (!v || !*v || vs_parse_ulong(v, 3600000, &ms) < 0)
        return;
    vs_debug("test hook: holding the guest frozen for %lu ms", ms);
    for (unsigned long waited = 0; waited < ms && !job_interrupted(); waited += 10) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

int quiesce_freeze(vs_ctx *ctx, virDomainPtr dom, const vs_freeze_opts *opts, vs_freeze **out, bool *no_agent)
{
    const char *name = virDomainGetName(dom);
    int sock = -1;
    long gpid = 0;

    *out = NULL;
    *no_agent = false;
    if (guardian_start(ctx, dom, opts->timeout_s, &sock, &gpid) < 0)
        return -1;

    vs_freeze *f = vs_xcalloc(1, sizeof(*f));
    virDomainRef(dom);
    f->dom = dom;
    f->name = vs_xstrdup(name);
    f->sock = sock;
    f->guardian = gpid;

    job_signals_install();
    job_signals_notify(sock);
    if (send_byte(sock, MSG_ARMED) < 0) {
        vs_error("the thaw guardian of '%s' went away before the freeze; nothing was frozen", name);
        end_window(f);
        freeze_free(f);
        return -1;
    }

    size_t n = 0;
    while (opts->mountpoints && opts->mountpoints[n])
        n++;
    clock_gettime(CLOCK_MONOTONIC, &f->t0);
    int frozen = virDomainFSFreeze(dom, n ? (const char **)opts->mountpoints : NULL, (unsigned)n, 0);
    /* An agent that is there but slow to answer libvirt's guest-sync (a
     * loaded host, a TCG guest) is worth two more tries, a second apart;
     * an agent that is not connected at all is not. */
    for (int tries = 1; frozen < 0 && tries < 3 && !job_interrupted() &&
                        conn_last_error_code() == VIR_ERR_AGENT_UNRESPONSIVE &&
                        !strstr(conn_last_error(), "not connected");
         tries++) {
        vs_debug("the agent of '%s' did not answer (%s); trying again", name, conn_last_error());
        sleep(1);
        clock_gettime(CLOCK_MONOTONIC, &f->t0);
        frozen = virDomainFSFreeze(dom, n ? (const char **)opts->mountpoints : NULL, (unsigned)n, 0);
    }
    if (frozen < 0) {
        int code = conn_last_error_code();
        autofree char *msg = vs_xstrdup(conn_last_error());
        *no_agent = error_is_no_agent(code, msg);
        /* Left as it was when nothing can have been frozen by us: no
         * agent, a guest frozen already (maybe by someone else), a guest
         * not running. Otherwise (a timeout...) make sure: thaw now, and
         * if even that fails the guardian, seeing no 'T', keeps trying. */
        bool certain = *no_agent || strstr(msg, "frozen state") || code == VIR_ERR_OPERATION_INVALID;
        if (certain || virDomainFSThaw(dom, NULL, 0, 0) >= 0)
            send_byte(sock, MSG_DONE);
        if (*no_agent)
            vs_error("cannot freeze the filesystems of '%s': no guest agent answers (%s)", name, msg);
        else if (strstr(msg, "frozen state"))
            vs_error("'%s' is frozen already; 'virt-state thaw %s' thaws it", name, name);
        else
            vs_error("cannot freeze the filesystems of '%s': %s", name, msg);
        end_window(f);
        freeze_free(f);
        return -1;
    }
    f->frozen = frozen;
    vs_debug("froze %d filesystems of '%s'", frozen, name);
    journal_fault_point("quiesce", "frozen", true);
    hold_for_tests();
    if (thaw_if_interrupted(f) < 0)
        return -1;
    *out = f;
    return 0;
}

int quiesce_freeze_by_policy(vs_ctx *ctx, virDomainPtr dom, vs_quiesce_policy policy, const char *what,
                             const char *crash_msg, vs_freeze **out, bool *quiesced)
{
    bool no_agent = false;
    vs_freeze_opts fo = {0};
    *quiesced = false;
    if (quiesce_freeze(ctx, dom, &fo, out, &no_agent) == 0) {
        *quiesced = true;
        return 0;
    }
    /* A signal during the freeze is a request to stop, not a reason to go
     * on unfrozen. */
    if (job_interrupted())
        return -1;
    if (policy == VS_QUIESCE_REQUIRED)
        return vs_error("--quiesce required: %s; no %s taken",
                        no_agent ? "the guest agent does not answer" : "the guest could not be frozen", what);
    vs_warn("%s: %s", no_agent ? "no guest agent answers" : "the guest could not be frozen", crash_msg);
    return 0;
}

int quiesce_thaw(vs_freeze *f)
{
    if (!f)
        return 0;
    int n = virDomainFSThaw(f->dom, NULL, 0, 0);
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    int ret = 0;
    if (n >= 0) {
        last_frozen_us = us_between(&f->t0, &t1);
        vs_debug("thawed %d filesystems of '%s' after %lld us", n, f->name, last_frozen_us);
        send_byte(f->sock, MSG_DONE);
    } else {
        /* The guardian thaws (retrying while the agent is busy) on 'I',
         * and again when the socket closes without a 'T'. */
        ret = vs_error("cannot thaw the filesystems of '%s': %s; its thaw guardian (pid %ld) keeps trying",
                       f->name, conn_last_error(), f->guardian);
        send_byte(f->sock, MSG_INTERRUPTED);
    }
    end_window(f);
    freeze_free(f);
    return ret;
}

long long quiesce_last_frozen_us(void)
{
    return last_frozen_us;
}

long long quiesce_frozen_us_so_far(const vs_freeze *f)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return us_between(&f->t0, &now);
}

int quiesce_frozen_count(const vs_freeze *f)
{
    return f->frozen;
}

long quiesce_guardian_pid(const vs_freeze *f)
{
    return f->guardian;
}

/* A signal since the freeze: the guardian thawed already; so do we, and
 * the caller fails instead of leaving the guest as it said it would. */
static int thaw_if_interrupted(vs_freeze *f)
{
    if (!job_interrupted())
        return 0;
    autofree char *name = vs_xstrdup(f->name);
    quiesce_thaw(f);
    return vs_error("interrupted; the filesystems of '%s' were thawed", name);
}

int quiesce_detach(vs_freeze *f)
{
    if (thaw_if_interrupted(f) < 0)
        return -1;
    if (send_byte(f->sock, MSG_DETACHED) < 0) {
        vs_error("the thaw guardian of '%s' is gone; thawing now", f->name);
        quiesce_thaw(f);
        return -1;
    }
    end_window(f);
    freeze_free(f);
    return 0;
}

int quiesce_release(vs_freeze *f)
{
    if (thaw_if_interrupted(f) < 0)
        return -1;
    send_byte(f->sock, MSG_DONE);
    end_window(f);
    freeze_free(f);
    return 0;
}

int quiesce_thaw_domain(virDomainPtr dom)
{
    /* Before the call: virDomainGetName() would reset its error. */
    const char *name = virDomainGetName(dom);
    int n = virDomainFSThaw(dom, NULL, 0, 0);
    if (n < 0)
        return vs_error("cannot thaw the filesystems of '%s': %s", name, conn_last_error());
    return n;
}

/* libvirt 9.0 has no freeze-state call outside libvirt-qemu, whose agent
 * passthrough taints the domain. A frozen agent refuses every command but
 * a few (ping, sync, fsfreeze status and thaw), saying "... has been
 * disabled: the agent is in frozen state"; guest-get-fsinfo is one it
 * refuses, and answers otherwise. */
int quiesce_status(virDomainPtr dom, bool report)
{
    const char *name = virDomainGetName(dom);
    virDomainFSInfoPtr *info = NULL;
    int n = virDomainGetFSInfo(dom, &info, 0);
    if (n >= 0) {
        for (int i = 0; i < n; i++)
            virDomainFSInfoFree(info[i]);
        free(info);
        return 0;
    }
    const char *msg = conn_last_error();
    if (strstr(msg, "frozen state"))
        return 1;
    if (report)
        vs_error("cannot tell whether '%s' is frozen: %s", name, msg);
    return -1;
}

int quiesce_check_mountpoints(virDomainPtr dom, const char *const *mountpoints)
{
    if (!mountpoints || !mountpoints[0])
        return 0;
    virDomainFSInfoPtr *info = NULL;
    int n = virDomainGetFSInfo(dom, &info, 0);
    if (n < 0) {
        vs_debug("cannot list the guest's filesystems: %s", conn_last_error());
        return 0;
    }
    int ret = 0;
    autofree char *known = NULL;
    for (int i = 0; i < n; i++) {
        char *k = vs_asprintf("%s%s%s", known ? known : "", known ? ", " : "", info[i]->mountpoint);
        free(known);
        known = k;
    }
    for (const char *const *m = mountpoints; *m && ret == 0; m++) {
        bool found = false;
        for (int i = 0; i < n && !found; i++)
            found = vs_streq(info[i]->mountpoint, *m);
        if (!found)
            ret = vs_error("'%s' is not a mount point of '%s' (its filesystems: %s)", *m, virDomainGetName(dom),
                           known ? known : "none");
    }
    for (int i = 0; i < n; i++)
        virDomainFSInfoFree(info[i]);
    free(info);
    return ret;
}

/* ---- the guardian ----------------------------------------------------- */

typedef struct {
    const char *uri;
    const char *uuid;
    virConnectPtr conn;
    virDomainPtr dom;
    char name[256];
    bool stderr_attached;
} guardian;

static volatile sig_atomic_t stand_down;

static void on_usr1(int sig)
{
    (void)sig;
    stand_down = 1;
}

static void guardian_log(guardian *g, int prio, const char *fmt, ...) VS_ATTR_PRINTF(3, 4);
static void guardian_log(guardian *g, int prio, const char *fmt, ...)
{
    va_list ap;
    /* The tool's standard error may be gone (a closed terminal, cron's
     * mail already sent): syslog too. */
    if (g->stderr_attached) {
        va_start(ap, fmt);
        fputs("virt-state guardian: ", stderr);
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
        fflush(stderr);
        va_end(ap);
    }
    va_start(ap, fmt);
    autofree char *msg = vs_vasprintf(fmt, ap);
    va_end(ap);
    syslog(LOG_USER | prio, "virt-state guardian: %s", msg);
}

static void guardian_disconnect(guardian *g)
{
    if (g->dom)
        virDomainFree(g->dom);
    g->dom = NULL;
    if (g->conn)
        virConnectClose(g->conn);
    g->conn = NULL;
}

static int guardian_connect(guardian *g, char **err)
{
    guardian_disconnect(g);
    g->conn = virConnectOpenAuth(g->uri, virConnectAuthPtrDefault, 0);
    if (!g->conn) {
        *err = vs_asprintf("cannot connect to '%s': %s", g->uri, conn_last_error());
        return -1;
    }
    if (virConnectSetKeepAlive(g->conn, 5, 6) < 0)
        vs_debug("keepalive not available: %s", conn_last_error());
    g->dom = virDomainLookupByUUIDString(g->conn, g->uuid);
    if (!g->dom) {
        *err = vs_asprintf("no domain with UUID %s: %s", g->uuid, conn_last_error());
        return -1;
    }
    snprintf(g->name, sizeof(g->name), "%s", virDomainGetName(g->dom));
    return 0;
}

/* Thaws, retrying while the agent is busy or the connection was lost
 * (libvirtd restarted): the guardian is the last one who can. A thaw is
 * believed only once the agent no longer says it is in frozen state.
 * The count thawed, or -1 with *err after THAW_RETRY_MS. */
static int guardian_thaw(guardian *g, char **err)
{
    struct timespec start, now;
    int thawed = 0;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (int attempt = 1;; attempt++) {
        free(*err);
        *err = NULL;
        if (!g->conn || virConnectIsAlive(g->conn) != 1) {
            if (guardian_connect(g, err) == 0)
                vs_debug("reconnected to '%s'", g->uri);
        }
        if (g->dom) {
            int n = virDomainFSThaw(g->dom, NULL, 0, 0);
            if (n >= 0) {
                thawed += n;
                if (quiesce_status(g->dom, false) != 1)
                    return thawed;
                *err = vs_xstrdup("the agent still says it is in frozen state");
                vs_debug("thaw of '%s' (attempt %d): thawed %d, yet %s", g->name, attempt, n, *err);
            } else {
                int code = conn_last_error_code();
                *err = vs_xstrdup(conn_last_error());
                vs_debug("thaw of '%s' (attempt %d) failed (code %d): %s", g->name, attempt, code, *err);
                if (code == VIR_ERR_NO_DOMAIN || virDomainIsActive(g->dom) == 0)
                    return thawed; /* gone or shut off: nothing is frozen */
            }
        } else {
            vs_debug("thaw of '%s' (attempt %d): no connection: %s", g->name, attempt,
                     *err ? *err : "unknown error");
        }
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (us_between(&start, &now) / 1000 >= THAW_RETRY_MS)
            return -1;
        /* Quickly at first (a busy agent), then every few seconds. */
        struct timespec ts = {attempt < 10 ? 0 : 2, attempt < 10 ? 500 * 1000 * 1000 : 0};
        nanosleep(&ts, NULL);
    }
}

static void guardian_thaw_and_log(guardian *g, const char *why)
{
    autofree char *err = NULL;
    int n = guardian_thaw(g, &err);
    vs_debug("thaw %s: %d", why, n);
    if (n > 0)
        guardian_log(g, LOG_WARNING, "thawed '%s' %s", g->name, why);
    else if (n < 0)
        guardian_log(g, LOG_ERR, "cannot thaw '%s' %s: %s; run 'virt-state thaw %s'", g->name, why,
                     err ? err : "unknown error", g->name);
    else
        vs_debug("'%s' was not frozen any more %s", g->name, why);
}

/* Keeps 0, 1, 2 and keep; closes the rest (nothing of the tool's, such as
 * the domain's lock, may outlive it here). */
static void close_other_fds(int keep)
{
    int fds[1024], n = 0;
    DIR *d = opendir("/proc/self/fd");
    if (!d) {
        close_from(keep + 1, 65536);
        for (int fd = 3; fd < keep; fd++)
            close(fd);
        return;
    }
    int self = dirfd(d);
    struct dirent *e;
    while ((e = readdir(d)) && n < 1024) {
        unsigned long fd;
        if (vs_parse_ulong(e->d_name, INT_MAX, &fd) == 0 && (int)fd > 2 && (int)fd != keep && (int)fd != self)
            fds[n++] = (int)fd;
    }
    closedir(d);
    for (int i = 0; i < n; i++)
        close(fds[i]);
}

static void send_line(int fd, const char *fmt, ...) VS_ATTR_PRINTF(2, 3);
static void send_line(int fd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    autofree char *s = vs_vasprintf(fmt, ap);
    va_end(ap);
    size_t len = strlen(s);
    for (size_t off = 0; off < len;) {
        ssize_t w = send(fd, s + off, len - off, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        off += (size_t)w;
    }
}

int quiesce_guardian_run(const char *uri, const char *uuid, int fd, unsigned timeout_s)
{
    /* Fork once more: the process the tool started exits at once and is
     * reaped by it; this one is adopted by init, so no virt-state process
     * (the interactive shell lives long) ever holds a zombie of it. */
    pid_t pid = fork();
    if (pid < 0) {
        send_line(fd, "error fork: %s\n", strerror(errno));
        return VS_EXIT_FAILURE;
    }
    if (pid > 0)
        _exit(0);
    /* Its own session: Ctrl-C and a closed terminal do not reach it. */
    setsid();
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = SIG_IGN;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    sigaction(SIGPIPE, &sa, NULL);
    /* SIGUSR1 (from `virt-state thaw`): stand down. Blocked except inside
     * ppoll(), so that it cannot slip in between a check and the wait. */
    sigset_t usr1, waitmask;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    sigprocmask(SIG_BLOCK, &usr1, &waitmask);
    sigdelset(&waitmask, SIGUSR1);
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, NULL);
    close_other_fds(fd);
    openlog("virt-state", LOG_PID, LOG_USER);

    guardian g = {.uri = uri, .uuid = uuid, .stderr_attached = true};
    autofree char *err = NULL;
    if (conn_init() < 0 || guardian_connect(&g, &err) < 0) {
        send_line(fd, "error %s\n", err ? err : "cannot initialise libvirt");
        guardian_disconnect(&g);
        return VS_EXIT_FAILURE;
    }
    send_line(fd, "ready %ld\n", (long)getpid());
    vs_debug("guardian of '%s' watching fd %d", g.name, fd);

    bool armed = false, watching = true, have_deadline = false;
    struct timespec deadline = {0, 0};
    int ret = 0;
    for (;;) {
        if (stand_down) {
            vs_debug("told to stand down");
            break;
        }
        struct timespec now, left, *tmo = NULL;
        if (have_deadline) {
            clock_gettime(CLOCK_MONOTONIC, &now);
            long long us = us_between(&now, &deadline);
            if (us <= 0) {
                guardian_thaw_and_log(&g, "at the end of its freeze --timeout");
                break;
            }
            left.tv_sec = us / 1000000;
            left.tv_nsec = (us % 1000000) * 1000;
            tmo = &left;
        }
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int r = ppoll(watching ? &p : NULL, watching ? 1 : 0, tmo, &waitmask);
        if (r < 0 && errno != EINTR) {
            guardian_log(&g, LOG_ERR, "poll: %s", strerror(errno));
            if (armed)
                guardian_thaw_and_log(&g, "after an error of its own");
            ret = VS_EXIT_FAILURE;
            break;
        }
        if (r <= 0)
            continue;
        char c;
        ssize_t n = recv(fd, &c, 1, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            /* The tool is gone without a word: killed, crashed. */
            if (armed)
                guardian_thaw_and_log(&g, "after its process died");
            break;
        }
        if (c == MSG_DONE) {
            break;
        } else if (c == MSG_ARMED) {
            armed = true;
            if (timeout_s) {
                clock_gettime(CLOCK_MONOTONIC, &deadline);
                deadline.tv_sec += timeout_s;
                have_deadline = true;
            }
        } else if (c == MSG_INTERRUPTED) {
            if (armed) {
                autofree char *e = NULL;
                if (guardian_thaw(&g, &e) < 0)
                    guardian_log(&g, LOG_ERR, "cannot thaw '%s' after an interruption: %s", g.name, e);
            }
        } else if (c == MSG_DETACHED) {
            if (!armed || !have_deadline)
                break;
            /* The tool exits now. Its standard error, when a pipe
             * (command substitution, cron) or a terminal, must not be
             * held open or written to for minutes to come: let it go.
             * A log file is kept, to receive the deadline's line. */
            watching = false;
            close(fd);
            fd = -1;
            struct stat st;
            if (fstat(2, &st) < 0 || !S_ISREG(st.st_mode)) {
                int nul = open("/dev/null", O_WRONLY);
                if (nul >= 0) {
                    dup2(nul, 2);
                    close(nul);
                }
                g.stderr_attached = false;
            }
        } else {
            vs_debug("ignored byte 0x%02x", (unsigned char)c);
        }
    }
    if (fd >= 0)
        close(fd);
    guardian_disconnect(&g);
    closelog();
    return ret;
}

bool quiesce_uuid_is_valid(const char *s)
{
    if (!s || strlen(s) != 36)
        return false;
    for (int i = 0; i < 36; i++) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? s[i] != '-' : !strchr("0123456789abcdefABCDEF", s[i]))
            return false;
    }
    return true;
}

bool quiesce_guardian_matches(long pid, const char *uuid)
{
    if (pid <= 1)
        return false;
    autofree char *path = vs_asprintf("/proc/%ld/cmdline", pid);
    char buf[4096];
    autoclose int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    if (n <= 0)
        return false; /* gone, or a zombie */
    buf[n] = '\0';
    /* argv: virt-state [--debug] --connect URI guardian UUID --fd N ... */
    bool prog = false, cmd = false, id = false;
    for (char *p = buf; p < buf + n; p += strlen(p) + 1) {
        if (p == buf) {
            const char *base = strrchr(p, '/');
            prog = vs_str_has_prefix(base ? base + 1 : p, "virt-state");
        } else if (!cmd && strcmp(p, "guardian") == 0) {
            cmd = true;
        } else if (cmd && !id) {
            id = strcasecmp(p, uuid) == 0;
            if (!id)
                return false;
        }
    }
    return prog && cmd && id;
}

int quiesce_guardian_stop(long pid, const char *uuid)
{
    if (!quiesce_guardian_matches(pid, uuid))
        return 0;
    if (kill((pid_t)pid, SIGUSR1) < 0)
        return errno == ESRCH ? 0 : vs_error("cannot stop the thaw guardian (pid %ld): %s", pid, strerror(errno));
    for (int i = 0; i < 100; i++) {
        if (!quiesce_guardian_matches(pid, uuid))
            return 0;
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return vs_error("the thaw guardian (pid %ld) is still running", pid);
}

/* ---- the freeze record ---------------------------------------------------- */

static char *record_path(const char *domain_dir)
{
    return vs_asprintf("%s/frozen", domain_dir);
}

int quiesce_record_write(const char *domain_dir, const vs_frozen_record *r)
{
    autofree char *path = record_path(domain_dir);
    autofree char *text = vs_asprintf("# virt-state freeze; 'virt-state thaw' removes it\n"
                                      "uuid=%s\nfrozen_at=%lld\ndeadline=%lld\nguardian=%ld\nfilesystems=%d\n",
                                      r->uuid ? r->uuid : "", r->frozen_at, r->deadline, r->guardian_pid,
                                      r->filesystems);
    for (char **m = r->mountpoints; m && *m; m++) {
        char *t = vs_asprintf("%smountpoint=%s\n", text, *m);
        free(text);
        text = t;
    }
    return store_write_atomic(path, text, strlen(text));
}

void quiesce_record_clear(vs_frozen_record *r)
{
    free(r->uuid);
    vs_strv_free(r->mountpoints);
    memset(r, 0, sizeof(*r));
}

static long long parse_ll(const char *v)
{
    unsigned long n;
    return vs_parse_ulong(v, LONG_MAX, &n) == 0 ? (long long)n : -1;
}

int quiesce_record_read(const char *domain_dir, vs_frozen_record *r)
{
    autofree char *path = record_path(domain_dir);
    memset(r, 0, sizeof(*r));
    FILE *f = fopen(path, "re");
    if (!f) {
        if (errno == ENOENT)
            return 0;
        return vs_error("cannot read '%s': %s", path, strerror(errno));
    }
    char *line = NULL;
    size_t cap = 0, nm = 0;
    bool bad = false;
    while (getline(&line, &cap, f) >= 0) {
        line[strcspn(line, "\n")] = '\0';
        if (!*line || *line == '#')
            continue;
        char *eq = strchr(line, '=');
        if (!eq) {
            bad = true;
            continue;
        }
        *eq = '\0';
        const char *k = line, *v = eq + 1;
        if (strcmp(k, "uuid") == 0 && quiesce_uuid_is_valid(v)) {
            free(r->uuid);
            r->uuid = vs_xstrdup(v);
        } else if (strcmp(k, "frozen_at") == 0) {
            r->frozen_at = parse_ll(v);
        } else if (strcmp(k, "deadline") == 0) {
            r->deadline = parse_ll(v);
        } else if (strcmp(k, "guardian") == 0) {
            r->guardian_pid = (long)parse_ll(v);
        } else if (strcmp(k, "filesystems") == 0) {
            r->filesystems = (int)parse_ll(v);
        } else if (strcmp(k, "mountpoint") == 0 && v[0] == '/') {
            vs_strv_push(&r->mountpoints, &nm, vs_xstrdup(v));
        }
    }
    free(line);
    fclose(f);
    if (bad || r->frozen_at < 0 || r->deadline < 0 || r->guardian_pid < 0 || r->filesystems < 0) {
        vs_warn("'%s' is damaged; what cannot be read in it is ignored", path);
        r->deadline = r->deadline < 0 ? 0 : r->deadline;
        r->guardian_pid = r->guardian_pid < 0 ? 0 : r->guardian_pid;
        r->frozen_at = r->frozen_at < 0 ? 0 : r->frozen_at;
        r->filesystems = r->filesystems < 0 ? 0 : r->filesystems;
    }
    return 1;
}

int quiesce_record_remove(const char *domain_dir)
{
    autofree char *path = record_path(domain_dir);
    if (unlink(path) < 0 && errno != ENOENT)
        return vs_error("cannot remove '%s': %s", path, strerror(errno));
    return store_fsync_dir(domain_dir);
}

bool quiesce_record_current(const vs_frozen_record *r, long long now)
{
    return r->deadline == 0 || r->deadline > now;
}
