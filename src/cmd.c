#include "config.h"
#include "cmd.h"

#include <ctype.h>
#include <popt.h>
#include <string.h>

#include "backup.h"
#include "conn.h"
#include "restore_point.h"
#include "snapshot.h"
#include "util.h"

const vs_option vs_common_options[] = {
    {"help", 'h', VS_OPT_BOOL, NULL, VS_COMPLETE_NONE, NULL, 0, "show this help and exit"},
    {"json", 0, VS_OPT_BOOL, NULL, VS_COMPLETE_NONE, NULL, 0, "print results as JSON on standard output"},
    {"quiet", 'q', VS_OPT_BOOL, NULL, VS_COMPLETE_NONE, NULL, 0, "no progress or chatter on standard error"},
    {NULL, 0, 0, NULL, 0, NULL, 0, NULL},
};

const vs_option vs_global_options[] = {
    {"connect", 'c', VS_OPT_STRING, "URI", VS_COMPLETE_TEXT, NULL, 0,
     "libvirt connection URI (default: LIBVIRT_DEFAULT_URI, then libvirt's own default)"},
    {"readonly", 'r', VS_OPT_BOOL, NULL, VS_COMPLETE_NONE, NULL, 0, "open a read-only connection"},
    {"store", 0, VS_OPT_STRING, "DIR", VS_COMPLETE_DIR, NULL, 0,
     "the store directory (default: VIRT_STATE_STORE, the config file, /var/lib/virt-state)"},
    {"config", 0, VS_OPT_STRING, "FILE", VS_COMPLETE_FILE, NULL, 0,
     "configuration file (default: /etc/virt-state.conf)"},
    {"quiet", 'q', VS_OPT_BOOL, NULL, VS_COMPLETE_NONE, NULL, 0, "no progress or chatter on standard error"},
    {"json", 0, VS_OPT_BOOL, NULL, VS_COMPLETE_NONE, NULL, 0, "print results as JSON on standard output"},
    {"debug", 0, VS_OPT_BOOL, NULL, VS_COMPLETE_NONE, NULL, 0, "print debugging messages on standard error"},
    {"version", 'V', VS_OPT_BOOL, NULL, VS_COMPLETE_NONE, NULL, 0, "print the program's version and exit"},
    {"help", 'h', VS_OPT_BOOL, NULL, VS_COMPLETE_NONE, NULL, 0, "show help and exit"},
    {NULL, 0, 0, NULL, 0, NULL, 0, NULL},
};

/* ---- lookup ---------------------------------------------------------- */

static size_t first_word_len(const char *name)
{
    const char *sp = strchr(name, ' ');
    return sp ? (size_t)(sp - name) : strlen(name);
}

static bool is_group(const char *word, size_t len)
{
    for (const vs_cmd *const *c = vs_commands; *c; c++)
        if (first_word_len((*c)->name) == len && strncmp((*c)->name, word, len) == 0 &&
            (*c)->name[len] == ' ')
            return true;
    return false;
}

const vs_cmd *cmd_find_exact(const char *name)
{
    for (const vs_cmd *const *c = vs_commands; *c; c++)
        if (strcmp((*c)->name, name) == 0)
            return *c;
    return NULL;
}

/* Candidates for one word: 'level' 0 looks at first words, 1 at the second
 * words of group 'group'. Exact matches win; otherwise a unique prefix among
 * the visible commands. The matched word, pointing into the table, is returned
 * through match and match_len. */
static int match_word(const char *typed, int level, const char *group, size_t group_len,
                      const char **match, size_t *match_len, const char **cands, size_t *ncands)
{
    size_t tlen = strlen(typed);
    *ncands = 0;
    for (const vs_cmd *const *c = vs_commands; *c; c++) {
        const char *w = (*c)->name;
        if (level == 1) {
            if (strncmp(w, group, group_len) != 0 || w[group_len] != ' ')
                continue;
            w += group_len + 1;
        }
        size_t wl = first_word_len(w);
        if (wl == tlen && strncmp(w, typed, tlen) == 0) {
            *match = w;
            *match_len = wl;
            *ncands = 1;
            return 0;
        }
        if ((*c)->flags & VS_CMD_HIDDEN)
            continue;
        if (wl > tlen && strncmp(w, typed, tlen) == 0) {
            bool seen = false;
            for (size_t i = 0; i < *ncands; i++)
                if (first_word_len(cands[i]) == wl && strncmp(cands[i], w, wl) == 0)
                    seen = true;
            if (!seen && *ncands < 64)
                cands[(*ncands)++] = w;
        }
    }
    if (*ncands == 1) {
        *match = cands[0];
        *match_len = first_word_len(cands[0]);
        return 0;
    }
    return -1;
}

static void print_candidates(const char *what, const char *typed, const char **cands, size_t n)
{
    fprintf(stderr, "virt-state: ambiguous %s '%s', could be:", what, typed);
    for (size_t i = 0; i < n; i++)
        fprintf(stderr, "%s %.*s", i ? "," : "", (int)first_word_len(cands[i]), cands[i]);
    fputc('\n', stderr);
}

const vs_cmd *cmd_lookup(int argc, char *const argv[], int *consumed)
{
    const char *cands[64];
    size_t n;
    const char *m;
    size_t mlen;

    if (argc < 1)
        return NULL;
    if (match_word(argv[0], 0, NULL, 0, &m, &mlen, cands, &n) < 0) {
        if (n == 0)
            fprintf(stderr, "virt-state: unknown command '%s'\nRun 'virt-state help' for the list of commands.\n",
                    argv[0]);
        else
            print_candidates("command", argv[0], cands, n);
        return NULL;
    }
    if (!is_group(m, mlen)) {
        *consumed = 1;
        autofree char *name = vs_xstrndup(m, mlen);
        return cmd_find_exact(name);
    }
    autofree char *group = vs_xstrndup(m, mlen);
    if (argc < 2 || argv[1][0] == '-') {
        fprintf(stderr, "virt-state: '%s' needs a subcommand:", group);
        bool first = true;
        for (const vs_cmd *const *c = vs_commands; *c; c++)
            if (!((*c)->flags & VS_CMD_HIDDEN) && strncmp((*c)->name, group, mlen) == 0 &&
                (*c)->name[mlen] == ' ') {
                fprintf(stderr, "%s %s", first ? "" : ",", (*c)->name + mlen + 1);
                first = false;
            }
        fprintf(stderr, "\nRun 'virt-state help %s' for details.\n", group);
        return NULL;
    }
    if (match_word(argv[1], 1, group, mlen, &m, &mlen, cands, &n) < 0) {
        if (n == 0)
            fprintf(stderr, "virt-state: unknown command '%s %s'\nRun 'virt-state help %s' for its subcommands.\n",
                    group, argv[1], group);
        else
            print_candidates("command", argv[1], cands, n);
        return NULL;
    }
    *consumed = 2;
    autofree char *full = vs_asprintf("%s %.*s", group, (int)mlen, m);
    return cmd_find_exact(full);
}

bool cmd_print_group_help(const char *word, FILE *out)
{
    const char *cands[64];
    size_t n, mlen;
    const char *m;
    if (match_word(word, 0, NULL, 0, &m, &mlen, cands, &n) < 0 || !is_group(m, mlen))
        return false;
    fprintf(out, "Usage: virt-state %.*s SUBCOMMAND [ARGUMENTS] [OPTIONS]\n\nSubcommands:\n", (int)mlen, m);
    for (const vs_cmd *const *c = vs_commands; *c; c++)
        if (!((*c)->flags & VS_CMD_HIDDEN) && strncmp((*c)->name, m, mlen) == 0 && (*c)->name[mlen] == ' ')
            fprintf(out, "  %-22s %s\n", (*c)->name + mlen + 1, (*c)->summary);
    fprintf(out, "\nRun 'virt-state help %.*s SUBCOMMAND' for one subcommand's usage and options.\n", (int)mlen, m);
    return true;
}

const vs_cmd *cmd_lookup_multicall(const char *progname)
{
    const char *base = strrchr(progname, '/');
    base = base ? base + 1 : progname;
    if (!vs_str_has_prefix(base, "virt-state-"))
        return NULL;
    base += strlen("virt-state-");
    for (const vs_cmd *const *c = vs_commands; *c; c++) {
        if ((*c)->flags & VS_CMD_HIDDEN)
            continue;
        autofree char *dashed = vs_xstrdup((*c)->name);
        for (char *p = dashed; *p; p++)
            if (*p == ' ')
                *p = '-';
        if (strcmp(dashed, base) == 0)
            return *c;
    }
    return NULL;
}

/* ---- typed access ------------------------------------------------------ */

static int option_index(const vs_cmd *cmd, const char *name)
{
    for (int i = 0; cmd->options && cmd->options[i].name; i++)
        if (strcmp(cmd->options[i].name, name) == 0)
            return i;
    fprintf(stderr, "virt-state: internal error: command '%s' has no option '%s'\n", cmd->name, name);
    abort();
}

bool args_flag(const vs_args *args, const char *name)
{
    return args->set[option_index(args->cmd, name)];
}

const char *args_str(const vs_args *args, const char *name)
{
    return args->str[option_index(args->cmd, name)];
}

bool args_uint(const vs_args *args, const char *name, unsigned long *out)
{
    int i = option_index(args->cmd, name);
    if (args->set[i])
        *out = args->num[i];
    return args->set[i];
}

char *const *args_list(const vs_args *args, const char *name, size_t *n)
{
    int i = option_index(args->cmd, name);
    *n = args->nlist[i];
    return args->list[i];
}

const char *args_pos(const vs_args *args, int i)
{
    return i < args->npos ? args->pos[i] : NULL;
}

void cmd_args_clear(vs_args *args)
{
    for (int i = 0; i < VS_MAX_OPTIONS; i++) {
        free(args->str[i]);
        vs_strv_free(args->list[i]);
    }
    for (int i = 0; i < args->npos; i++)
        free(args->pos[i]);
    vs_strv_free(args->rest);
    memset(args, 0, sizeof(*args));
}

/* ---- parsing ----------------------------------------------------------- */

static size_t count_options(const vs_option *o)
{
    size_t n = 0;
    while (o && o[n].name)
        n++;
    return n;
}

static int usage_error(const vs_cmd *cmd, const char *fmt, ...) VS_ATTR_PRINTF(2, 3);
static int usage_error(const vs_cmd *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "virt-state: %s: ", cmd->name);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'virt-state %s --help' for more information.\n", cmd->name);
    return VS_EXIT_USAGE;
}

#define COMMON_BASE 1000

int cmd_parse(vs_ctx *ctx, const vs_cmd *cmd, int argc, const char **argv, vs_args *args)
{
    size_t nopt = count_options(cmd->options);
    size_t ncommon = count_options(vs_common_options);
    struct poptOption *table = vs_xcalloc(nopt + ncommon + 1, sizeof(*table));
    size_t t = 0;

    memset(args, 0, sizeof(*args));
    args->cmd = cmd;
    ctx->help_shown = false;

    for (size_t i = 0; i < nopt; i++) {
        const vs_option *o = &cmd->options[i];
        table[t++] = (struct poptOption){o->name, o->short_name,
                                         o->type == VS_OPT_BOOL ? POPT_ARG_NONE : POPT_ARG_STRING,
                                         NULL, (int)i + 1, o->help, o->arg_name};
    }
    for (size_t i = 0; i < ncommon; i++) {
        const vs_option *o = &vs_common_options[i];
        table[t++] = (struct poptOption){o->name, o->short_name, POPT_ARG_NONE, NULL,
                                         COMMON_BASE + (int)i, o->help, NULL};
    }
    table[t] = (struct poptOption)POPT_TABLEEND;

    poptContext pc = poptGetContext(cmd->name, argc, argv, table, 0);
    int rc, ret = 0;
    bool want_help = false;

    while ((rc = poptGetNextOpt(pc)) > 0) {
        if (rc >= COMMON_BASE) {
            const char *name = vs_common_options[rc - COMMON_BASE].name;
            if (strcmp(name, "help") == 0)
                want_help = true;
            else if (strcmp(name, "json") == 0)
                ctx->json = true;
            else if (strcmp(name, "quiet") == 0)
                ctx->quiet = true;
            continue;
        }
        int i = rc - 1;
        const vs_option *o = &cmd->options[i];
        char *val = o->type == VS_OPT_BOOL ? NULL : poptGetOptArg(pc);
        switch (o->type) {
        case VS_OPT_BOOL:
            args->set[i] = true;
            break;
        case VS_OPT_STRING:
            if (args->set[i]) {
                free(val);
                ret = usage_error(cmd, "option '--%s' given more than once", o->name);
                goto out;
            }
            args->set[i] = true;
            args->str[i] = val;
            break;
        case VS_OPT_UINT:
            if (args->set[i] || vs_parse_ulong(val, 0xffffffffUL, &args->num[i]) < 0) {
                ret = args->set[i]
                          ? usage_error(cmd, "option '--%s' given more than once", o->name)
                          : usage_error(cmd, "option '--%s' needs a whole number, not '%s'", o->name,
                                        val ? val : "");
                free(val);
                goto out;
            }
            args->set[i] = true;
            args->str[i] = val;
            break;
        case VS_OPT_LIST:
            args->set[i] = true;
            vs_strv_push(&args->list[i], &args->nlist[i], val);
            break;
        }
        if (o->type != VS_OPT_BOOL && val && !*val) {
            ret = usage_error(cmd, "option '--%s' needs a value", o->name);
            goto out;
        }
        if (o->completer == VS_COMPLETE_CHOICES && val) {
            bool ok = false;
            for (const char *const *c = o->choices; *c; c++)
                ok |= strcmp(*c, val) == 0;
            if (!ok) {
                autofree char *list = NULL;
                for (const char *const *c = o->choices; *c; c++) {
                    char *n = vs_asprintf("%s%s%s", list ? list : "", list ? ", " : "", *c);
                    free(list);
                    list = n;
                }
                ret = usage_error(cmd, "invalid value '%s' for '--%s': one of %s", val, o->name, list);
                goto out;
            }
        }
    }
    if (rc < -1) {
        ret = usage_error(cmd, "invalid option '%s': %s", poptBadOption(pc, POPT_BADOPTION_NOALIAS),
                          poptStrerror(rc));
        goto out;
    }
    if (want_help) {
        cmd_print_help(cmd, stdout);
        ctx->help_shown = true;
        ret = 0;
        goto out;
    }

    for (int i = 0; i < VS_MAX_OPTIONS; i++) {
        if (!args->set[i] || !cmd->options[i].exclusive_group)
            continue;
        for (int j = i + 1; cmd->options[j].name; j++)
            if (args->set[j] && cmd->options[j].exclusive_group == cmd->options[i].exclusive_group) {
                ret = usage_error(cmd, "options '--%s' and '--%s' exclude each other",
                                  cmd->options[i].name, cmd->options[j].name);
                goto out;
            }
    }

    const char *arg;
    int npos_table = 0;
    while (cmd->args && cmd->args[npos_table].name)
        npos_table++;
    while ((arg = poptGetArg(pc))) {
        if (npos_table > 0 && args->npos == npos_table - 1 && cmd->args[npos_table - 1].variadic) {
            vs_strv_push(&args->rest, &args->nrest, vs_xstrdup(arg));
            continue;
        }
        if (args->npos >= npos_table) {
            ret = usage_error(cmd, "unexpected argument '%s'", arg);
            goto out;
        }
        args->pos[args->npos++] = vs_xstrdup(arg);
    }
    for (int i = args->npos; i < npos_table; i++)
        if (!cmd->args[i].optional) {
            ret = usage_error(cmd, "missing argument %s", cmd->args[i].name);
            goto out;
        }

out:
    poptFreeContext(pc);
    free(table);
    return ret;
}

/* ---- help ------------------------------------------------------------ */

char *cmd_synopsis(const vs_cmd *cmd)
{
    autofree char *s = vs_asprintf("virt-state %s", cmd->name);
    char *n;

    for (int i = 0; cmd->args && cmd->args[i].name; i++) {
        const vs_positional *p = &cmd->args[i];
        n = vs_asprintf("%s %s%s%s%s", s, p->optional ? "[" : "", p->name, p->variadic ? "..." : "",
                        p->optional ? "]" : "");
        free(s);
        s = n;
    }
    for (int i = 0; cmd->options && cmd->options[i].name; i++) {
        const vs_option *o = &cmd->options[i];
        int g = o->exclusive_group;
        bool first_of_group = true;
        for (int j = 0; g && j < i; j++)
            if (cmd->options[j].exclusive_group == g)
                first_of_group = false;
        if (!first_of_group)
            continue;
        autofree char *item = NULL;
        for (int j = i; cmd->options[j].name; j++) {
            const vs_option *q = &cmd->options[j];
            if (j != i && (!g || q->exclusive_group != g))
                continue;
            autofree char *one = q->arg_name ? vs_asprintf("--%s %s", q->name, q->arg_name)
                                             : vs_asprintf("--%s", q->name);
            char *joined = vs_asprintf("%s%s%s", item ? item : "", item ? "|" : "", one);
            free(item);
            item = joined;
            if (!g)
                break;
        }
        n = vs_asprintf("%s [%s]%s", s, item, o->type == VS_OPT_LIST ? "..." : "");
        free(s);
        s = n;
    }
    return vs_steal(&s);
}

static void print_option_line(FILE *out, const vs_option *o)
{
    char left[64];
    if (o->short_name)
        snprintf(left, sizeof(left), "-%c, --%s%s%s", o->short_name, o->name, o->arg_name ? " " : "",
                 o->arg_name ? o->arg_name : "");
    else
        snprintf(left, sizeof(left), "    --%s%s%s", o->name, o->arg_name ? " " : "",
                 o->arg_name ? o->arg_name : "");
    fprintf(out, "  %-26s %s", left, o->help);
    if (o->completer == VS_COMPLETE_CHOICES) {
        fputs(" (", out);
        for (const char *const *c = o->choices; *c; c++)
            fprintf(out, "%s%s", c == o->choices ? "" : ", ", *c);
        fputc(')', out);
    }
    if (o->type == VS_OPT_LIST)
        fputs("; may be repeated", out);
    fputc('\n', out);
}

void cmd_print_help(const vs_cmd *cmd, FILE *out)
{
    autofree char *syn = cmd_synopsis(cmd);
    fprintf(out, "Usage: %s\n\n%s\n", syn, cmd->description);
    if (cmd->args && cmd->args[0].name) {
        fputs("\nArguments:\n", out);
        for (int i = 0; cmd->args[i].name; i++)
            fprintf(out, "  %-26s %s\n", cmd->args[i].name, cmd->args[i].help);
    }
    fputs("\nOptions:\n", out);
    for (int i = 0; cmd->options && cmd->options[i].name; i++)
        print_option_line(out, &cmd->options[i]);
    for (int i = 0; vs_common_options[i].name; i++)
        print_option_line(out, &vs_common_options[i]);
}

void cmd_print_overview(FILE *out)
{
    fputs("Usage: virt-state [GLOBAL OPTIONS] COMMAND [ARGUMENTS] [OPTIONS]\n"
          "       virt-state [GLOBAL OPTIONS]            (interactive shell)\n\n"
          "Capture and restore the state of QEMU/KVM guests through libvirt.\n\n"
          "Commands:\n",
          out);
    for (const vs_cmd *const *c = vs_commands; *c; c++)
        if (!((*c)->flags & VS_CMD_HIDDEN))
            fprintf(out, "  %-22s %s\n", (*c)->name, (*c)->summary);
    fputs("\nGlobal options:\n", out);
    for (int i = 0; vs_global_options[i].name; i++)
        print_option_line(out, &vs_global_options[i]);
    fputs("\nA command may be abbreviated to a unique prefix.\n"
          "Run 'virt-state help COMMAND' or 'virt-state COMMAND --help' for a command's options.\n",
          out);
}

/* ---- running ----------------------------------------------------------- */

int cmd_run_command(vs_ctx *ctx, const vs_cmd *cmd, int argc, const char **argv)
{
    bool saved_json = ctx->json, saved_quiet = ctx->quiet;
    vs_args args;
    int ret;

    if (ctx->interactive && (cmd->flags & VS_CMD_NO_SHELL)) {
        fprintf(stderr, "virt-state: %s: not available inside the shell\n", cmd->name);
        return VS_EXIT_USAGE;
    }
    ret = cmd_parse(ctx, cmd, argc, argv, &args);
    if (ret != 0 || ctx->help_shown)
        goto out;

    vs_set_error_prefix(cmd->name);
    vs_set_quiet(ctx->quiet);
    if (ctx->readonly && !(cmd->flags & VS_CMD_READ_ONLY)) {
        vs_error("this command changes state and cannot run on a read-only connection (--readonly)");
        ret = VS_EXIT_USAGE;
        goto out;
    }
    if ((cmd->flags & VS_CMD_NEEDS_CONN) && conn_ensure(ctx) < 0) {
        ret = VS_EXIT_FAILURE;
        goto out;
    }
    ret = cmd->handler(ctx, &args);
    if (ret < 0)
        ret = VS_EXIT_FAILURE;

out:
    vs_set_error_prefix(NULL);
    cmd_args_clear(&args);
    ctx->json = saved_json;
    ctx->quiet = saved_quiet;
    vs_set_quiet(ctx->quiet);
    return ret;
}

int cmd_run_words(vs_ctx *ctx, const vs_cmd *cmd, int skip, int argc, char **argv)
{
    /* popt wants the command name in argv[0]; the words after it follow. */
    const char **av = vs_xcalloc((size_t)(argc - skip + 2), sizeof(*av));
    av[0] = cmd->name;
    for (int i = skip; i < argc; i++)
        av[i - skip + 1] = argv[i];
    int ret = cmd_run_command(ctx, cmd, argc - skip + 1, av);
    free(av);
    return ret;
}

int cmd_run(vs_ctx *ctx, int argc, char **argv)
{
    int consumed = 0;
    const vs_cmd *cmd = cmd_lookup(argc, argv, &consumed);
    if (!cmd)
        return VS_EXIT_USAGE;
    return cmd_run_words(ctx, cmd, consumed, argc, argv);
}

/* ---- completion -------------------------------------------------------- */

static void push_if_prefix(char ***out, size_t *nout, const char *cand, const char *prefix)
{
    if (vs_str_has_prefix(cand, prefix))
        vs_strv_push(out, nout, vs_xstrdup(cand));
}

static void complete_options(const vs_option *opts, const char *cur, char ***out, size_t *nout)
{
    for (int i = 0; opts && opts[i].name; i++) {
        autofree char *o = vs_asprintf("--%s", opts[i].name);
        push_if_prefix(out, nout, o, cur);
    }
}

static const vs_option *find_option(const vs_option *opts, const char *word)
{
    if (word[0] != '-')
        return NULL;
    for (int i = 0; opts && opts[i].name; i++) {
        if (word[1] == '-' && strcmp(word + 2, opts[i].name) == 0)
            return &opts[i];
        if (word[1] == opts[i].short_name && word[1] && !word[2])
            return &opts[i];
    }
    return NULL;
}

static void complete_value(vs_ctx *ctx, vs_completer c, const char *const *choices, const char *cur,
                           const char *domain_word, char ***out, size_t *nout, int *want_files)
{
    switch (c) {
    case VS_COMPLETE_DISK: {
        if (!domain_word)
            break;
        autostrv char **targets = conn_disk_targets(ctx, domain_word);
        for (char **p = targets; p && *p; p++)
            push_if_prefix(out, nout, *p, cur);
        break;
    }
    case VS_COMPLETE_DISK_SNAPSHOT:
    case VS_COMPLETE_RESTORE_POINT:
    case VS_COMPLETE_STATE_NAME: {
        /* Names in the store under the domain given before (its name as
         * typed: completion does not ask libvirt to resolve UUIDs). */
        if (!domain_word || !vs_name_is_safe(domain_word) || !ctx->store)
            break;
        if (c != VS_COMPLETE_RESTORE_POINT) {
            autostrv char **names = snapshot_names(ctx->store, domain_word);
            for (char **p = names; p && *p; p++)
                push_if_prefix(out, nout, *p, cur);
        }
        if (c != VS_COMPLETE_DISK_SNAPSHOT) {
            autostrv char **names = rp_names(ctx->store, domain_word);
            for (char **p = names; p && *p; p++)
                push_if_prefix(out, nout, *p, cur);
        }
        break;
    }
    case VS_COMPLETE_BACKUP: {
        if (!domain_word || !vs_name_is_safe(domain_word) || !ctx->store)
            break;
        autostrv char **ids = backup_ids(ctx->store, domain_word);
        for (char **p = ids; p && *p; p++)
            push_if_prefix(out, nout, *p, cur);
        break;
    }
    case VS_COMPLETE_CHOICES:
        for (const char *const *p = choices; p && *p; p++)
            push_if_prefix(out, nout, *p, cur);
        break;
    case VS_COMPLETE_FILE:
        *want_files = 1;
        break;
    case VS_COMPLETE_DIR:
        *want_files = 2;
        break;
    case VS_COMPLETE_DOMAIN: {
        autostrv char **names = conn_domain_names(ctx);
        for (char **p = names; p && *p; p++)
            push_if_prefix(out, nout, *p, cur);
        break;
    }
    case VS_COMPLETE_COMMAND:
        for (const vs_cmd *const *cm = vs_commands; *cm; cm++)
            if (!((*cm)->flags & VS_CMD_HIDDEN) && !strchr((*cm)->name, ' '))
                push_if_prefix(out, nout, (*cm)->name, cur);
            else if (!((*cm)->flags & VS_CMD_HIDDEN)) {
                autofree char *g = vs_xstrndup((*cm)->name, first_word_len((*cm)->name));
                if (!*nout || strcmp((*out)[*nout - 1], g) != 0)
                    push_if_prefix(out, nout, g, cur);
            }
        break;
    case VS_COMPLETE_NONE:
    case VS_COMPLETE_TEXT:
    case VS_COMPLETE_NUMBER:
        break;
    }
}

void cmd_complete_words(vs_ctx *session, int nwords, char **words, char ***out, size_t *nout, int *want_files)
{
    /* A -c URI on the line being completed serves this lookup only: the
     * shell's own session keeps its URI and its connection. */
    vs_ctx local = *session;
    vs_ctx *ctx = &local;
    const char *cur = nwords > 0 ? words[nwords - 1] : "";
    int i = 0;

    *want_files = 0;
    /* Global options before the command; -c URI is honoured for domain names. */
    while (i < nwords - 1 && words[i][0] == '-') {
        if (vs_str_has_prefix(words[i], "--connect=")) {
            ctx->uri = words[i] + strlen("--connect=");
            ctx->conn = NULL;
            i++;
            continue;
        }
        const vs_option *g = find_option(vs_global_options, words[i]);
        if (g && g->type != VS_OPT_BOOL) {
            if (i + 1 == nwords - 1) {
                complete_value(ctx, g->completer, g->choices, cur, NULL, out, nout, want_files);
                return;
            }
            if (strcmp(g->name, "connect") == 0) {
                ctx->uri = words[i + 1];
                ctx->conn = NULL;
            }
            i += 2;
        } else {
            i++;
        }
    }
    if (i == nwords - 1) {
        if (cur[0] == '-')
            complete_options(vs_global_options, cur, out, nout);
        else
            complete_value(ctx, VS_COMPLETE_COMMAND, NULL, cur, NULL, out, nout, want_files);
        return;
    }
    if (i >= nwords)
        return;

    /* The command: one word, or a group and its subcommand. */
    const vs_cmd *cmd = NULL;
    const char *cands[64];
    size_t n;
    const char *m;
    size_t mlen;
    if (match_word(words[i], 0, NULL, 0, &m, &mlen, cands, &n) < 0)
        return;
    if (is_group(m, mlen)) {
        autofree char *group = vs_xstrndup(m, mlen);
        if (i + 1 == nwords - 1) {
            for (const vs_cmd *const *c = vs_commands; *c; c++)
                if (!((*c)->flags & VS_CMD_HIDDEN) && strncmp((*c)->name, group, mlen) == 0 &&
                    (*c)->name[mlen] == ' ')
                    push_if_prefix(out, nout, (*c)->name + mlen + 1, cur);
            return;
        }
        if (match_word(words[i + 1], 1, group, strlen(group), &m, &mlen, cands, &n) < 0)
            return;
        autofree char *full = vs_asprintf("%s %.*s", group, (int)mlen, m);
        cmd = cmd_find_exact(full);
        i += 2;
    } else {
        autofree char *name = vs_xstrndup(m, mlen);
        cmd = cmd_find_exact(name);
        i += 1;
    }
    if (!cmd)
        return;

    /* Words after the command: options, their values, positionals. */
    int npos = 0;
    const char *first_pos = NULL;
    bool after_dashdash = false;
    for (; i < nwords - 1; i++) {
        if (!after_dashdash && strcmp(words[i], "--") == 0) {
            after_dashdash = true;
            continue;
        }
        if (!after_dashdash && words[i][0] == '-' && words[i][1]) {
            const vs_option *o = find_option(cmd->options, words[i]);
            if (o && o->type != VS_OPT_BOOL && !strchr(words[i], '=')) {
                if (i + 1 == nwords - 1) {
                    complete_value(ctx, o->completer, o->choices, cur, first_pos, out, nout, want_files);
                    return;
                }
                i++;
            }
            continue;
        }
        if (npos++ == 0)
            first_pos = words[i];
    }
    if (!after_dashdash && cur[0] == '-') {
        complete_options(cmd->options, cur, out, nout);
        complete_options(vs_common_options, cur, out, nout);
        return;
    }
    int np = 0;
    while (cmd->args && cmd->args[np].name)
        np++;
    if (np == 0)
        return;
    const vs_positional *p = npos < np ? &cmd->args[npos] : &cmd->args[np - 1];
    if (npos >= np && !p->variadic)
        return;
    complete_value(ctx, p->completer, NULL, cur, first_pos, out, nout, want_files);
}

/* ---- self-test --------------------------------------------------------- */

static bool valid_word(const char *s, bool upper)
{
    if (!s || !*s)
        return false;
    for (const char *p = s; *p; p++) {
        bool letter = upper ? (isupper((unsigned char)*p) || *p == '_') : islower((unsigned char)*p);
        if (!letter && *p != '-' && !isdigit((unsigned char)*p))
            return false;
    }
    return s[0] != '-';
}

static int check_options(FILE *out, const char *where, const vs_option *opts, const vs_option *others)
{
    int bad = 0;
    for (int i = 0; opts && opts[i].name; i++) {
        const vs_option *o = &opts[i];
        if (!valid_word(o->name, false))
            bad++, fprintf(out, "%s: option '%s': name must be lowercase words joined by '-'\n", where, o->name);
        if (!o->help || !*o->help)
            bad++, fprintf(out, "%s: option '--%s' has no help text\n", where, o->name);
        if ((o->type == VS_OPT_BOOL) != (o->arg_name == NULL))
            bad++, fprintf(out, "%s: option '--%s': value name must be given exactly for options with values\n",
                           where, o->name);
        if (o->type == VS_OPT_BOOL && o->completer != VS_COMPLETE_NONE)
            bad++, fprintf(out, "%s: option '--%s' takes no value but has a completer\n", where, o->name);
        if (o->type != VS_OPT_BOOL && o->completer == VS_COMPLETE_NONE)
            bad++, fprintf(out, "%s: option '--%s' takes a value but has no completer\n", where, o->name);
        if ((o->completer == VS_COMPLETE_CHOICES) != (o->choices != NULL))
            bad++, fprintf(out, "%s: option '--%s': choices and the choices completer go together\n", where,
                           o->name);
        if (o->exclusive_group) {
            int members = 0;
            for (int j = 0; opts[j].name; j++)
                members += opts[j].exclusive_group == o->exclusive_group;
            if (members < 2)
                bad++, fprintf(out, "%s: option '--%s' is alone in its exclusive group\n", where, o->name);
        }
        for (int j = i + 1; opts[j].name; j++) {
            if (strcmp(opts[j].name, o->name) == 0)
                bad++, fprintf(out, "%s: option '--%s' declared twice\n", where, o->name);
            if (o->short_name && opts[j].short_name == o->short_name)
                bad++, fprintf(out, "%s: short option '-%c' declared twice\n", where, o->short_name);
        }
        for (int j = 0; others && others[j].name; j++) {
            if (strcmp(others[j].name, o->name) == 0)
                bad++, fprintf(out, "%s: option '--%s' clashes with a common option\n", where, o->name);
            if (o->short_name && others[j].short_name == o->short_name)
                bad++, fprintf(out, "%s: short option '-%c' clashes with a common option\n", where,
                               o->short_name);
        }
    }
    return bad;
}

int cmd_self_check(FILE *out)
{
    int bad = 0;
    int ncmd = 0;

    bad += check_options(out, "global options", vs_global_options, NULL);
    bad += check_options(out, "common options", vs_common_options, NULL);
    for (const vs_cmd *const *c = vs_commands; *c; c++, ncmd++) {
        const vs_cmd *cmd = *c;
        const char *n = cmd->name;
        autofree char *copy = vs_xstrdup(n ? n : "");
        char *sp = strchr(copy, ' ');
        if (sp)
            *sp = '\0';
        if (!n || !valid_word(copy, false) || (sp && (!valid_word(sp + 1, false) || strchr(sp + 1, ' ')))) {
            bad++, fprintf(out, "command '%s': name must be one or two lowercase words\n", n ? n : "(null)");
            continue;
        }
        if (!cmd->summary || !*cmd->summary || cmd->summary[strlen(cmd->summary) - 1] == '.')
            bad++, fprintf(out, "command '%s': summary missing or ends with a period\n", n);
        if (!cmd->description || !*cmd->description)
            bad++, fprintf(out, "command '%s': description missing\n", n);
        if (!cmd->handler)
            bad++, fprintf(out, "command '%s': no handler\n", n);
        if (sp && cmd_find_exact(copy))
            bad++, fprintf(out, "command '%s': group '%s' is also a command\n", n, copy);
        for (const vs_cmd *const *d = c + 1; *d; d++)
            if (strcmp((*d)->name, n) == 0)
                bad++, fprintf(out, "command '%s' declared twice\n", n);
        if (count_options(cmd->options) > VS_MAX_OPTIONS)
            bad++, fprintf(out, "command '%s': more than %d options\n", n, VS_MAX_OPTIONS);
        bad += check_options(out, n, cmd->options, vs_common_options);
        bool optional_seen = false;
        int np = 0;
        for (int i = 0; cmd->args && cmd->args[i].name; i++, np++) {
            const vs_positional *p = &cmd->args[i];
            if (!valid_word(p->name, true))
                bad++, fprintf(out, "command '%s': argument '%s' must be uppercase\n", n, p->name);
            if (!p->help || !*p->help)
                bad++, fprintf(out, "command '%s': argument %s has no help text\n", n, p->name);
            if (p->completer == VS_COMPLETE_NONE)
                bad++, fprintf(out, "command '%s': argument %s has no completer\n", n, p->name);
            if (!p->optional && optional_seen)
                bad++, fprintf(out, "command '%s': required argument %s follows an optional one\n", n, p->name);
            if (p->variadic && cmd->args[i + 1].name)
                bad++, fprintf(out, "command '%s': variadic argument %s is not last\n", n, p->name);
            optional_seen |= p->optional;
        }
        if (np > VS_MAX_POSITIONALS)
            bad++, fprintf(out, "command '%s': more than %d arguments\n", n, VS_MAX_POSITIONALS);
    }
    if (ncmd == 0)
        bad++, fprintf(out, "the command table is empty\n");
    return bad;
}
