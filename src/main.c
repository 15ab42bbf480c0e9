#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "conn.h"
#include "shell.h"
#include "store.h"
#include "util.h"

#define DEFAULT_CONFIG "/etc/virt-state.conf"

void ctx_free(vs_ctx *ctx)
{
    conn_close(ctx);
    free(ctx->uri);
    free(ctx->store);
    free(ctx->config_path);
}

static int global_usage(const char *fmt, ...) VS_ATTR_PRINTF(1, 2);
static int global_usage(const char *fmt, ...)
{
    va_list ap;
    fputs("virt-state: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\nTry 'virt-state --help' for more information.\n", stderr);
    return VS_EXIT_USAGE;
}

typedef struct {
    char *connect;
    char *store;
    char *config;
    bool readonly, quiet, json, debug, version, help;
} globals;

/* Global options come before the command; they are read off the same table
 * the help and the completion use. Returns the index of the first word after
 * them, or -1 after a usage error. A multi-call link ('virt-state-save')
 * stops at the first option that is not global: it belongs to the command. */
static int parse_globals(int argc, char **argv, globals *g, bool multicall)
{
    int i = 1;
    for (; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0)
            return i + 1;
        if (a[0] != '-' || !a[1])
            break;
        const vs_option *opt = NULL;
        const char *value = NULL;
        for (const vs_option *o = vs_global_options; o->name; o++) {
            size_t l = strlen(o->name);
            if (a[1] == '-' && strncmp(a + 2, o->name, l) == 0 && (a[2 + l] == '\0' || a[2 + l] == '=')) {
                opt = o;
                value = a[2 + l] == '=' ? a + 3 + l : NULL;
                break;
            }
            if (a[1] != '-' && a[1] == o->short_name) {
                opt = o;
                value = a[2] ? a + 2 : NULL;
                break;
            }
        }
        if (!opt && multicall)
            break;
        if (!opt)
            return global_usage("unknown global option '%s'", a), -1;
        if (opt->type == VS_OPT_BOOL) {
            if (value)
                return global_usage("option '%s' takes no value", a), -1;
        } else if (!value) {
            if (i + 1 >= argc)
                return global_usage("option '%s' needs a value", a), -1;
            value = argv[++i];
        }
        if (opt->type != VS_OPT_BOOL && !*value)
            return global_usage("option '%s' needs a non-empty value", a), -1;
        char **slot = strcmp(opt->name, "connect") == 0 ? &g->connect
                      : strcmp(opt->name, "store") == 0 ? &g->store
                      : strcmp(opt->name, "config") == 0 ? &g->config
                                                         : NULL;
        if (slot) {
            free(*slot);
            *slot = vs_xstrdup(value);
        } else if (strcmp(opt->name, "readonly") == 0) {
            g->readonly = true;
        } else if (strcmp(opt->name, "quiet") == 0) {
            g->quiet = true;
        } else if (strcmp(opt->name, "json") == 0) {
            g->json = true;
        } else if (strcmp(opt->name, "debug") == 0) {
            g->debug = true;
        } else if (strcmp(opt->name, "version") == 0) {
            g->version = true;
        } else if (strcmp(opt->name, "help") == 0) {
            g->help = true;
        }
    }
    return i;
}

/* The configuration file: "key = value" lines, '#' comments; keys 'uri'
 * and 'store'. A missing default file is fine; a missing named one is not. */
static int load_config(const char *path, bool explicit_path, char **uri, char **store, char **err)
{
    FILE *f = fopen(path, "re");
    if (!f) {
        if (errno == ENOENT && !explicit_path)
            return 0;
        *err = vs_asprintf("cannot read configuration file '%s': %s", path, strerror(errno));
        return -1;
    }
    char *line = NULL;
    size_t cap = 0;
    int lineno = 0, ret = 0;
    while (getline(&line, &cap, f) >= 0) {
        lineno++;
        char *p = line + strspn(line, " \t");
        p[strcspn(p, "\r\n")] = '\0';
        if (!*p || *p == '#')
            continue;
        char *eq = strchr(p, '=');
        if (!eq) {
            *err = vs_asprintf("%s:%d: expected 'key = value'", path, lineno), ret = -1;
            break;
        }
        char *kend = eq;
        while (kend > p && (kend[-1] == ' ' || kend[-1] == '\t'))
            kend--;
        *kend = '\0';
        char *v = eq + 1 + strspn(eq + 1, " \t");
        size_t vl = strlen(v);
        while (vl && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
            v[--vl] = '\0';
        if (vl >= 2 && ((v[0] == '"' && v[vl - 1] == '"') || (v[0] == '\'' && v[vl - 1] == '\''))) {
            v[vl - 1] = '\0';
            v++;
        }
        char **slot = strcmp(p, "uri") == 0 ? uri : strcmp(p, "store") == 0 ? store : NULL;
        if (!slot) {
            *err = vs_asprintf("%s:%d: unknown key '%s' (known: uri, store)", path, lineno, p), ret = -1;
            break;
        }
        if (!*v) {
            *err = vs_asprintf("%s:%d: '%s' needs a value", path, lineno, p), ret = -1;
            break;
        }
        free(*slot);
        *slot = vs_xstrdup(v);
    }
    free(line);
    fclose(f);
    return ret;
}

static int finish_stdout(int rc)
{
    /* Like git: a full disk or closed pipe on stdout is a failure. */
    if (fflush(stdout) != 0 || ferror(stdout)) {
        if (errno != EPIPE)
            fprintf(stderr, "virt-state: write error on standard output: %s\n", strerror(errno));
        return rc ? rc : VS_EXIT_FAILURE;
    }
    return rc;
}

int main(int argc, char **argv)
{
    globals g = {0};
    vs_ctx ctx = {0};
    autofree char *conf_uri = NULL;
    autofree char *conf_store = NULL;
    autofree char *config_error = NULL;
    int rc;

    const vs_cmd *multi = cmd_lookup_multicall(argv[0]);
    int first = parse_globals(argc, argv, &g, multi != NULL);
    if (first < 0) {
        rc = VS_EXIT_USAGE;
        goto out;
    }
    vs_set_debug(g.debug);
    vs_set_quiet(g.quiet);
    if (g.version) {
        printf("virt-state %s\n", PACKAGE_VERSION);
        rc = finish_stdout(0);
        goto out;
    }
    if (g.help) {
        if (multi)
            cmd_print_help(multi, stdout);
        else
            cmd_print_overview(stdout);
        rc = finish_stdout(0);
        goto out;
    }

    /* The command is known before the configuration is read: help and
     * completion must work even when the configuration file is broken. */
    const vs_cmd *cmd = multi;
    int consumed = 0;
    /* "disk-snapshot --help": the group's subcommands. */
    if (!cmd && first + 2 == argc && (strcmp(argv[first + 1], "--help") == 0 || strcmp(argv[first + 1], "-h") == 0) &&
        cmd_print_group_help(argv[first], stdout)) {
        rc = finish_stdout(0);
        goto out;
    }
    if (!cmd && first < argc && !(cmd = cmd_lookup(argc - first, argv + first, &consumed))) {
        rc = VS_EXIT_USAGE;
        goto out;
    }
    ctx.config_path = vs_xstrdup(g.config ? g.config : DEFAULT_CONFIG);
    if (load_config(ctx.config_path, g.config != NULL, &conf_uri, &conf_store, &config_error) < 0) {
        if (!cmd || !(cmd->flags & VS_CMD_ANY_CONFIG)) {
            vs_error("%s", config_error);
            rc = VS_EXIT_FAILURE;
            goto out;
        }
        vs_debug("ignored: %s", config_error);
    }
    /* --connect, then LIBVIRT_DEFAULT_URI (libvirt reads it when given
     * NULL), then the config file, then libvirt's own default. */
    const char *env_uri = getenv("LIBVIRT_DEFAULT_URI");
    if (g.connect)
        ctx.uri = vs_steal(&g.connect);
    else if ((!env_uri || !*env_uri) && conf_uri)
        ctx.uri = vs_steal(&conf_uri);
    const char *env_store = getenv("VIRT_STATE_STORE");
    if (g.store)
        ctx.store = vs_steal(&g.store);
    else if (env_store && *env_store)
        ctx.store = vs_xstrdup(env_store);
    else if (conf_store)
        ctx.store = vs_steal(&conf_store);
    else
        ctx.store = vs_xstrdup(VS_DEFAULT_STORE);
    ctx.readonly = g.readonly;
    ctx.quiet = g.quiet;
    ctx.json = g.json;
    ctx.debug = g.debug;

    if (cmd)
        rc = cmd_run_words(&ctx, cmd, consumed, argc - first, argv + first);
    else
        rc = shell_run(&ctx);
    rc = finish_stdout(rc);

out:
    free(g.connect);
    free(g.store);
    free(g.config);
    ctx_free(&ctx);
    return rc;
}
