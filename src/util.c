#include "config.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

static const char *error_prefix;
static bool quiet_mode;
static bool debug_mode;

void *vs_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        abort();
    return p;
}

void *vs_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        abort();
    return p;
}

void *vs_xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p)
        abort();
    return p;
}

char *vs_xstrdup(const char *s)
{
    char *d = strdup(s);
    if (!d)
        abort();
    return d;
}

char *vs_xstrndup(const char *s, size_t n)
{
    char *d = strndup(s, n);
    if (!d)
        abort();
    return d;
}

char *vs_vasprintf(const char *fmt, va_list ap)
{
    char *s = NULL;
    if (vasprintf(&s, fmt, ap) < 0)
        abort();
    return s;
}

char *vs_asprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = vs_vasprintf(fmt, ap);
    va_end(ap);
    return s;
}

void vs_strv_free(char **v)
{
    if (!v)
        return;
    for (char **p = v; *p; p++)
        free(*p);
    free(v);
}

size_t vs_strv_len(char *const *v)
{
    size_t n = 0;
    while (v && v[n])
        n++;
    return n;
}

void vs_strv_push(char ***v, size_t *n, char *s)
{
    *v = vs_xrealloc(*v, (*n + 2) * sizeof(**v));
    (*v)[(*n)++] = s;
    (*v)[*n] = NULL;
}

static int cmp_strp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void vs_strv_sort(char **v)
{
    if (v)
        qsort(v, vs_strv_len(v), sizeof(*v), cmp_strp);
}

bool vs_str_has_prefix(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool vs_streq(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

int vs_parse_ulong(const char *s, unsigned long max, unsigned long *out)
{
    if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
        return -1;
    for (const char *p = s; *p; p++)
        if (*p < '0' || *p > '9')
            return -1;
    errno = 0;
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || *end || v > max)
        return -1;
    *out = v;
    return 0;
}

void vs_set_error_prefix(const char *command) { error_prefix = command; }
void vs_set_quiet(bool quiet) { quiet_mode = quiet; }
bool vs_is_quiet(void) { return quiet_mode; }
void vs_set_debug(bool debug) { debug_mode = debug; }
bool vs_is_debug(void) { return debug_mode; }

static void vmessage(const char *kind, const char *fmt, va_list ap)
{
    fflush(stdout);
    fputs("virt-state: ", stderr);
    if (error_prefix)
        fprintf(stderr, "%s: ", error_prefix);
    if (kind)
        fputs(kind, stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

int vs_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmessage(NULL, fmt, ap);
    va_end(ap);
    return -1;
}

void vs_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmessage("warning: ", fmt, ap);
    va_end(ap);
}

void vs_info(const char *fmt, ...)
{
    if (quiet_mode)
        return;
    va_list ap;
    va_start(ap, fmt);
    vmessage(NULL, fmt, ap);
    va_end(ap);
}

void vs_debug(const char *fmt, ...)
{
    if (!debug_mode)
        return;
    va_list ap;
    va_start(ap, fmt);
    vmessage("debug: ", fmt, ap);
    va_end(ap);
}

char **vs_list_dir(const char *dir, const char *suffix)
{
    DIR *d = opendir(dir);
    char **out = NULL;
    size_t n = 0, sl = suffix ? strlen(suffix) : 0;
    struct dirent *e;

    if (!d)
        return NULL;
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (!vs_name_is_safe(e->d_name) || (suffix && (l <= sl || strcmp(e->d_name + l - sl, suffix) != 0)))
            continue;
        vs_strv_push(&out, &n, vs_xstrdup(e->d_name));
    }
    closedir(d);
    vs_strv_sort(out);
    return out;
}

bool vs_name_is_safe(const char *name)
{
    if (!name || !*name || name[0] == '.' || strlen(name) > 200)
        return false;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        if (*p == '/' || *p < 0x20 || *p == 0x7f)
            return false;
    return true;
}

void vs_format_bytes(unsigned long long bytes, char *buf, size_t len)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = (double)bytes;
    size_t u = 0;
    while (v >= 1024.0 && u + 1 < sizeof(units) / sizeof(units[0])) {
        v /= 1024.0;
        u++;
    }
    if (u == 0)
        snprintf(buf, len, "%llu B", bytes);
    else
        snprintf(buf, len, "%.1f %s", v, units[u]);
}

int vs_split_words(const char *line, char ***words, int *nwords)
{
    char **out = NULL;
    size_t n = 0;
    const char *p = line;

    *words = NULL;
    *nwords = 0;
    for (;;) {
        while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
            p++;
        if (!*p || *p == '#')
            break;
        size_t cap = strlen(p) + 1, len = 0;
        char *w = vs_xmalloc(cap);
        char quote = 0;
        for (; *p; p++) {
            if (quote) {
                if (*p == quote) {
                    quote = 0;
                } else if (quote == '"' && *p == '\\' && (p[1] == '"' || p[1] == '\\')) {
                    w[len++] = *++p;
                } else {
                    w[len++] = *p;
                }
                continue;
            }
            if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
                break;
            if (*p == '\'' || *p == '"')
                quote = *p;
            else if (*p == '\\' && p[1])
                w[len++] = *++p;
            else
                w[len++] = *p;
        }
        w[len] = '\0';
        if (quote) {
            free(w);
            vs_strv_free(out);
            fprintf(stderr, "virt-state: unterminated quote\n");
            return -1;
        }
        vs_strv_push(&out, &n, w);
    }
    if (!out)
        out = vs_xcalloc(1, sizeof(*out));
    *words = out;
    *nwords = (int)n;
    return 0;
}

bool vs_strv_contains(char *const *v, const char *s)
{
    for (; v && *v; v++)
        if (vs_streq(*v, s))
            return true;
    return false;
}
