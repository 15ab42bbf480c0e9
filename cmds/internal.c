/* The interactive shell's entry, and the hidden commands the tooling uses. */
#include "config.h"

#include <stdio.h>

#include "cmds.h"
#include "shell.h"
#include "util.h"

static int run_shell(vs_ctx *ctx, const vs_args *args)
{
    (void)args;
    return shell_run(ctx);
}

const vs_cmd cmd_shell = {
    .name = "shell",
    .summary = "interactive shell with history and completion",
    .description = "Opens an interactive prompt that runs virt-state commands over one libvirt\n"
                   "connection, with a history file and completion of commands, options and\n"
                   "domain names. 'exit', 'quit' or Ctrl-D leave it. When standard input is not\n"
                   "a terminal, commands are read from it one per line, without a prompt.",
    .options = NULL,
    .args = NULL,
    .handler = run_shell,
    .flags = VS_CMD_READ_ONLY | VS_CMD_NO_SHELL,
};

static const vs_positional complete_args[] = {
    {"WORD", VS_COMPLETE_TEXT, true, true, "the words of the command line after 'virt-state', the last one being completed"},
    {NULL, 0, false, false, NULL},
};

/* Exit status 0: candidates printed; 100: complete file names; 101: directories. */
static int run_complete(vs_ctx *ctx, const vs_args *args)
{
    int n = (int)args->nrest;
    char **words = vs_xcalloc((size_t)n + 2, sizeof(*words));
    char **out = NULL;
    size_t nout = 0;
    int want_files = 0;

    for (size_t i = 0; i < args->nrest; i++)
        words[i] = args->rest[i];
    if (n == 0)
        words[n++] = (char *)"";
    cmd_complete_words(ctx, n, words, &out, &nout, &want_files);
    for (size_t i = 0; i < nout; i++)
        puts(out[i]);
    vs_strv_free(out);
    free(words);
    return want_files == 1 ? 100 : want_files == 2 ? 101 : 0;
}

const vs_cmd cmd_complete = {
    .name = "complete",
    .summary = "print completion candidates for a command line",
    .description = "Prints, one per line, the candidates for the last WORD of a virt-state\n"
                   "command line; used by the bash completion. Exit status 100 asks for file\n"
                   "names, 101 for directory names.",
    .options = NULL,
    .args = complete_args,
    .handler = run_complete,
    .flags = VS_CMD_READ_ONLY | VS_CMD_HIDDEN | VS_CMD_ANY_CONFIG,
};

static int run_self_test(vs_ctx *ctx, const vs_args *args)
{
    (void)ctx;
    (void)args;
    int bad = cmd_self_check(stdout);
    int n = 0;
    while (vs_commands[n])
        n++;
    if (bad) {
        printf("self-test: %d problem%s in the command table\n", bad, bad == 1 ? "" : "s");
        return VS_EXIT_FAILURE;
    }
    printf("self-test: %d commands checked, no problems\n", n);
    return 0;
}

const vs_cmd cmd_self_test = {
    .name = "self-test",
    .summary = "check the command table's invariants",
    .description = "Checks the command table: every command has a summary, a description and a\n"
                   "handler; required arguments come before optional ones; every option with a\n"
                   "value has a completer; no names clash.",
    .options = NULL,
    .args = NULL,
    .handler = run_self_test,
    .flags = VS_CMD_READ_ONLY | VS_CMD_HIDDEN | VS_CMD_ANY_CONFIG,
};
