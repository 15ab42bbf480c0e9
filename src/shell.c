#include "config.h"
#include "shell.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "cmd.h"
#include "store.h"
#include "util.h"

static vs_ctx *shell_ctx;
static char **candidates;
static size_t ncandidates;

static bool is_exit(int argc, char **argv)
{
    return argc == 1 && (strcmp(argv[0], "exit") == 0 || strcmp(argv[0], "quit") == 0);
}

static char *history_path(void)
{
    const char *env = getenv("VIRT_STATE_HISTORY");
    if (env)
        return *env ? vs_xstrdup(env) : NULL;
    const char *state = getenv("XDG_STATE_HOME");
    const char *home = getenv("HOME");
    autofree char *dir = state && *state ? vs_asprintf("%s/virt-state", state)
                         : home && *home ? vs_asprintf("%s/.local/state/virt-state", home)
                                         : NULL;
    if (!dir || store_mkdirs(dir) < 0)
        return NULL;
    return vs_asprintf("%s/history", dir);
}

static char *candidate_generator(const char *text, int state)
{
    static size_t next;
    (void)text;
    if (state == 0)
        next = 0;
    return next < ncandidates ? vs_xstrdup(candidates[next++]) : NULL;
}

static char **shell_completion(const char *text, int start, int end)
{
    (void)end;
    autofree char *before = vs_xstrndup(rl_line_buffer, (size_t)start);
    char **words = NULL;
    int nwords = 0;
    int want_files = 0;

    vs_strv_free(candidates);
    candidates = NULL;
    ncandidates = 0;
    if (vs_split_words(before, &words, &nwords) < 0)
        return NULL;
    size_t n = (size_t)nwords;
    vs_strv_push(&words, &n, vs_xstrdup(text));
    cmd_complete_words(shell_ctx, (int)n, words, &candidates, &ncandidates, &want_files);
    vs_strv_free(words);
    if (want_files) {
        rl_attempted_completion_over = 0; /* readline's own file name completion */
        return NULL;
    }
    rl_attempted_completion_over = 1;
    if (!ncandidates)
        return NULL;
    return rl_completion_matches(text, candidate_generator);
}

static int run_line(vs_ctx *ctx, const char *line, bool *leave)
{
    char **argv = NULL;
    int argc = 0;
    int rc = 0;

    if (vs_split_words(line, &argv, &argc) < 0)
        return VS_EXIT_USAGE;
    if (argc == 0) {
        vs_strv_free(argv);
        return 0;
    }
    if (is_exit(argc, argv))
        *leave = true;
    else
        rc = cmd_run(ctx, argc, argv);
    fflush(stdout);
    vs_strv_free(argv);
    return rc;
}

int shell_run(vs_ctx *ctx)
{
    bool leave = false;
    int failed = 0;

    ctx->interactive = true;
    if (!isatty(STDIN_FILENO)) {
        char *line = NULL;
        size_t cap = 0;
        while (!leave && getline(&line, &cap, stdin) >= 0)
            if (run_line(ctx, line, &leave) != 0)
                failed = 1;
        free(line);
        ctx->interactive = false;
        return failed;
    }

    autofree char *hist = history_path();
    shell_ctx = ctx;
    rl_readline_name = "virt-state";
    rl_attempted_completion_function = shell_completion;
    using_history();
    if (hist && read_history(hist) != 0) {
        /* append_history() needs the file to exist. */
        write_history(hist);
        chmod(hist, 0600);
    }
    if (!ctx->quiet)
        printf("Welcome to virt-state %s, the interactive shell.\n"
               "Type 'help' for the commands, 'exit' or Ctrl-D to leave.\n\n",
               PACKAGE_VERSION);
    const char *prompt = geteuid() == 0 ? "virt-state # " : "virt-state $ ";
    while (!leave) {
        char *line = readline(prompt);
        if (!line) {
            putchar('\n');
            break;
        }
        if (*line) {
            add_history(line);
            if (hist)
                append_history(1, hist);
        }
        run_line(ctx, line, &leave);
        free(line);
    }
    if (hist) {
        chmod(hist, 0600);
        history_truncate_file(hist, 1000);
    }
    clear_history();
    vs_strv_free(candidates);
    candidates = NULL;
    ncandidates = 0;
    ctx->interactive = false;
    return 0;
}
