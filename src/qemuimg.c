#include "config.h"
#include "qemuimg.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "output.h"
#include "util.h"

/* Runs qemu-img with argv (argv[0] is "qemu-img"); its stdout is returned
 * in *out when out is given, its stderr folded into the error message. */
static int run_ex(char *const argv[], char **out, bool report, bool progress);

static int run(char *const argv[], char **out, bool report)
{
    return run_ex(argv, out, report, false);
}

/* With 'progress', qemu-img's standard output (its -p progress line) goes
 * to our standard error instead of being read. */
static int run_ex(char *const argv[], char **out, bool report, bool progress)
{
    int opipe[2], epipe[2];
    if (pipe2(opipe, O_CLOEXEC) < 0)
        return report ? vs_error("cannot run qemu-img: %s", strerror(errno)) : -1;
    if (pipe2(epipe, O_CLOEXEC) < 0) {
        close(opipe[0]);
        close(opipe[1]);
        return report ? vs_error("cannot run qemu-img: %s", strerror(errno)) : -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        close(opipe[0]), close(opipe[1]), close(epipe[0]), close(epipe[1]);
        return report ? vs_error("cannot run qemu-img: %s", strerror(errno)) : -1;
    }
    if (pid == 0) {
        umask(077);
        signal(SIGPIPE, SIG_DFL);
        int null = open("/dev/null", O_RDONLY);
        if (null >= 0)
            dup2(null, 0);
        dup2(progress ? 2 : opipe[1], 1);
        dup2(epipe[1], 2);
        execvp(argv[0], argv);
        dprintf(2, "cannot execute %s: %s", argv[0], strerror(errno));
        _exit(127);
    }
    close(opipe[1]);
    close(epipe[1]);
    /* Two pipes, read in turn with poll-less simplicity: qemu-img writes
     * little to either, far below a pipe's buffer. Read stdout fully, then
     * stderr. */
    size_t olen = 0, elen = 0;
    autofree char *obuf = vs_xmalloc(1);
    autofree char *ebuf = vs_xmalloc(1);
    char chunk[4096];
    ssize_t r;
    while ((r = read(opipe[0], chunk, sizeof(chunk))) != 0) {
        if (r < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (olen < (1u << 20)) {
            obuf = vs_xrealloc(obuf, olen + (size_t)r + 1);
            memcpy(obuf + olen, chunk, (size_t)r);
            olen += (size_t)r;
        }
    }
    obuf[olen] = '\0';
    while ((r = read(epipe[0], chunk, sizeof(chunk))) != 0) {
        if (r < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (elen < 4096) {
            ebuf = vs_xrealloc(ebuf, elen + (size_t)r + 1);
            memcpy(ebuf + elen, chunk, (size_t)r);
            elen += (size_t)r;
        }
    }
    ebuf[elen] = '\0';
    close(opipe[0]);
    close(epipe[0]);
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    while (elen > 0 && (ebuf[elen - 1] == '\n' || ebuf[elen - 1] == ' '))
        ebuf[--elen] = '\0';
    for (char *p = ebuf; *p; p++)
        if (*p == '\n')
            *p = ' ';
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        if (report)
            vs_error("qemu-img %s failed: %s", argv[1], *ebuf ? ebuf : "no message");
        return -1;
    }
    if (out)
        *out = vs_steal(&obuf);
    return 0;
}

int qemuimg_create_overlay(const char *overlay, const char *backing, const char *backing_format,
                           unsigned long long size)
{
    /* Reserve the name first: O_EXCL refuses an existing file, and the mode
     * is 0600 whatever the umask (qemu-img keeps an existing file's mode). */
    int fd = open(overlay, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return vs_error("cannot create '%s': %s", overlay, strerror(errno));
    fchmod(fd, 0600);
    close(fd);
    char sz[32];
    snprintf(sz, sizeof(sz), "%llu", size);
    char *const argv[] = {"qemu-img", "create", "-q", "-f", "qcow2", "-u", "-b", (char *)backing,
                          "-F", (char *)backing_format, (char *)overlay, sz, NULL};
    char *const plain[] = {"qemu-img", "create", "-q", "-f", "qcow2", (char *)overlay, sz, NULL};
    if (run(backing ? argv : plain, NULL, true) < 0) {
        unlink(overlay);
        return -1;
    }
    return 0;
}

int qemuimg_commit(const char *overlay, bool drop)
{
    char *const argv_drop[] = {"qemu-img", "commit", "-q", "-d", (char *)overlay, NULL};
    char *const argv_keep[] = {"qemu-img", "commit", "-q", (char *)overlay, NULL};
    return run(drop ? argv_drop : argv_keep, NULL, true);
}

char *qemuimg_backing_file(const char *image, char **format, bool report)
{
    /* Only the top image's header is read (-U: no lock needed, the image may
     * be in use). The output is "backing file: PATH" among other lines. */
    char *const argv[] = {"qemu-img", "info", "-U", (char *)image, NULL};
    autofree char *out = NULL;
    if (format)
        *format = NULL;
    if (run(argv, &out, report) < 0)
        return NULL;
    char *found = NULL;
    for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
        if (format && vs_str_has_prefix(line, "backing file format: ") && !*format)
            *format = vs_xstrdup(line + strlen("backing file format: "));
        if (!found && vs_str_has_prefix(line, "backing file: ")) {
            char *v = line + strlen("backing file: ");
            /* "PATH (actual path: ...)" when relative. */
            char *paren = strstr(v, " (actual path: ");
            if (paren) {
                char *actual = paren + strlen(" (actual path: ");
                size_t l = strlen(actual);
                if (l && actual[l - 1] == ')')
                    actual[l - 1] = '\0';
                found = vs_xstrdup(actual);
            } else {
                found = vs_xstrdup(v);
            }
        }
    }
    return found;
}

/* ---- persistent bitmaps -------------------------------------------------- */

/* Skips a JSON string starting at *p == '"'; returns the char after it. */
static const char *skip_string(const char *p)
{
    for (p++; *p && *p != '"'; p++)
        if (*p == '\\' && p[1])
            p++;
    return *p ? p + 1 : p;
}

/* The end of the JSON value (object or array) opening at *p. */
static const char *skip_nested(const char *p)
{
    int depth = 0;
    while (*p) {
        if (*p == '"') {
            p = skip_string(p);
            continue;
        }
        if (*p == '{' || *p == '[')
            depth++;
        else if ((*p == '}' || *p == ']') && --depth == 0)
            return p + 1;
        p++;
    }
    return p;
}

/* The string value of "key" inside [obj, end), unescaped-free: a name with
 * a backslash escape is refused (NULL), as is a missing key. */
static char *json_field_string(const char *obj, const char *end, const char *key)
{
    autofree char *pat = vs_asprintf("\"%s\": \"", key);
    const char *p = strstr(obj, pat);
    if (!p || p >= end)
        return NULL;
    p += strlen(pat);
    const char *q = p;
    while (q < end && *q != '"' && *q != '\\')
        q++;
    return q < end && *q == '"' ? vs_xstrndup(p, (size_t)(q - p)) : NULL;
}

typedef struct bitmap_info {
    char *name;
    unsigned long long granularity;
    bool is_auto, in_use;
} bitmap_info;

/* The persistent bitmaps of an image's top layer, from qemu-img's JSON;
 * *n of them (0 and NULL when none). -1 (reported) when qemu-img fails. */
static int read_bitmaps(const char *image, bitmap_info **out, size_t *n)
{
    char *const argv[] = {"qemu-img", "info", "-U", "--output=json", (char *)image, NULL};
    autofree char *json = NULL;
    *out = NULL;
    *n = 0;
    if (run(argv, &json, true) < 0)
        return -1;
    const char *p = strstr(json, "\"bitmaps\": [");
    if (!p)
        return 0;
    p = strchr(p, '[');
    const char *list_end = skip_nested(p);
    for (p++; p < list_end; p++) {
        if (*p == '"') {
            p = skip_string(p) - 1;
            continue;
        }
        if (*p != '{')
            continue;
        const char *end = skip_nested(p);
        const char *flags = strstr(p, "\"flags\": [");
        const char *flags_end = flags && flags < end ? skip_nested(strchr(flags, '[')) : NULL;
        const char *g = strstr(p, "\"granularity\": ");
        bitmap_info b = {.name = json_field_string(p, end, "name")};
        b.granularity = g && g < end ? strtoull(g + strlen("\"granularity\": "), NULL, 10) : 0;
        for (const char *f = flags; flags_end && f < flags_end; f++) {
            if (strncmp(f, "\"auto\"", 6) == 0)
                b.is_auto = true;
            if (strncmp(f, "\"in-use\"", 8) == 0)
                b.in_use = true;
        }
        p = end - 1;
        if (!b.name)
            continue;
        *out = vs_xrealloc(*out, (*n + 1) * sizeof(**out));
        (*out)[(*n)++] = b;
    }
    return 0;
}

static void free_bitmaps(bitmap_info *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(b[i].name);
    free(b);
}

int qemuimg_copy_bitmaps(const char *from, const char *to, int *copied)
{
    bitmap_info *b;
    size_t n;
    *copied = 0;
    if (read_bitmaps(from, &b, &n) < 0)
        return -1;
    int ret = 0;
    for (size_t i = 0; i < n; i++) {
        /* Only the bitmaps libvirt keeps recording (auto) and that were
         * stored cleanly (not in-use): they describe the frozen state. */
        if (!b[i].is_auto || b[i].in_use || b[i].granularity == 0) {
            if (b[i].is_auto && b[i].in_use)
                vs_warn("bitmap '%s' of '%s' was not stored cleanly; not carried over", b[i].name, from);
            continue;
        }
        char gs[32];
        snprintf(gs, sizeof(gs), "%llu", b[i].granularity);
        char *const add[] = {"qemu-img", "bitmap", "--add", "-g", gs, (char *)to, b[i].name, NULL};
        if (run(add, NULL, true) < 0)
            ret = -1;
        else
            (*copied)++;
    }
    free_bitmaps(b, n);
    return ret;
}

char **qemuimg_bitmap_names(const char *image, bool *ok)
{
    bitmap_info *b;
    size_t n;
    char **names = NULL;
    size_t k = 0;
    *ok = read_bitmaps(image, &b, &n) == 0;
    for (size_t i = 0; *ok && i < n; i++)
        vs_strv_push(&names, &k, vs_steal(&b[i].name));
    if (*ok)
        free_bitmaps(b, n);
    return names;
}

/* ---- backups ----------------------------------------------------------- */

int qemuimg_check(const char *image, char **why)
{
    char *const argv[] = {"qemu-img", "check", "-q", "-f", "qcow2", (char *)image, NULL};
    *why = NULL;
    if (run(argv, NULL, false) == 0)
        return 0;
    *why = vs_xstrdup("qemu-img check finds it damaged or unreadable");
    return -1;
}

int qemuimg_convert(const char *from, const char *to)
{
    /* As for overlays: the name is reserved with O_EXCL and mode 0600, and
     * qemu-img writes into the file (sparse: zeroes are not written). */
    int fd = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return vs_error("cannot create '%s': %s", to, strerror(errno));
    fchmod(fd, 0600);
    close(fd);
    char *const argv[] = {"qemu-img", "convert", "-q", "-f", "qcow2", "-O", "qcow2", (char *)from, (char *)to, NULL};
    if (run(argv, NULL, true) < 0) {
        unlink(to);
        return -1;
    }
    return 0;
}

int qemuimg_copy(const char *from, const char *from_format, const char *to, bool shared, const char *label)
{
    int fd = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return vs_error("cannot create '%s': %s", to, strerror(errno));
    fchmod(fd, 0600);
    close(fd);
    bool progress = label && progress_enabled();
    char *argv[16];
    int k = 0;
    argv[k++] = "qemu-img";
    argv[k++] = "convert";
    argv[k++] = progress ? "-p" : "-q";
    if (shared)
        argv[k++] = "-U";
    argv[k++] = "-f";
    argv[k++] = (char *)from_format;
    argv[k++] = "-O";
    argv[k++] = "qcow2";
    argv[k++] = (char *)from;
    argv[k++] = (char *)to;
    argv[k] = NULL;
    if (progress) {
        fprintf(stderr, "%s\n", label);
        fflush(stderr);
    }
    int rc = run_ex(argv, NULL, true, progress);
    if (progress) {
        fprintf(stderr, "\r%40s\r", "");
        fflush(stderr);
    }
    if (rc < 0) {
        unlink(to);
        return -1;
    }
    return 0;
}

int qemuimg_data_bytes(const char *image, unsigned long long *bytes)
{
    /* One extent per line: { "start": 0, "length": 65536, "depth": 0,
     * "present": true, "zero": false, "data": true, ... }. */
    char *const argv[] = {"qemu-img", "map", "-f", "qcow2", "--output=json", (char *)image, NULL};
    autofree char *out = NULL;
    *bytes = 0;
    if (run(argv, &out, true) < 0)
        return -1;
    for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
        const char *len = strstr(line, "\"length\": ");
        const char *depth = strstr(line, "\"depth\": ");
        if (!len || !depth || !strstr(line, "\"data\": true"))
            continue;
        if (strtoull(depth + strlen("\"depth\": "), NULL, 10) != 0)
            continue;
        *bytes += strtoull(len + strlen("\"length\": "), NULL, 10);
    }
    return 0;
}

int qemuimg_wait_closed(const char *image, int timeout_ms)
{
    /* Without -U, qemu-img needs the lock a writer holds: it fails while
     * QEMU still has the image open for writing. */
    char *const argv[] = {"qemu-img", "info", "-f", "qcow2", (char *)image, NULL};
    for (int waited = 0;; waited += 100) {
        if (run(argv, NULL, waited >= timeout_ms) == 0)
            return 0;
        if (waited >= timeout_ms)
            return -1;
        usleep(100 * 1000);
    }
}
