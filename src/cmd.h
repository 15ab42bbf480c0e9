/* The command table: one declaration per command drives option parsing,
 * help, the usage synopsis, completion (bash and the shell) and self-test. */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include "ctx.h"

typedef enum {
    VS_COMPLETE_NONE = 0,   /* nothing to offer (an option without value) */
    VS_COMPLETE_TEXT,       /* free text: nothing can be offered */
    VS_COMPLETE_NUMBER,     /* a number: nothing can be offered */
    VS_COMPLETE_CHOICES,    /* one of the option's fixed choices */
    VS_COMPLETE_FILE,       /* a file name */
    VS_COMPLETE_DIR,        /* a directory name */
    VS_COMPLETE_DOMAIN,     /* a domain known to libvirt */
    VS_COMPLETE_COMMAND,    /* a virt-state command */
    VS_COMPLETE_DISK_SNAPSHOT, /* a disk snapshot of the DOMAIN given before it */
    VS_COMPLETE_DISK,       /* a disk target of the DOMAIN given before it */
    VS_COMPLETE_RESTORE_POINT, /* a restore point of the DOMAIN given before it */
    VS_COMPLETE_STATE_NAME, /* a restore point or disk snapshot of the DOMAIN given before it */
    VS_COMPLETE_BACKUP,     /* a backup id of the DOMAIN given before it */
} vs_completer;

typedef enum {
    VS_OPT_BOOL,    /* --flag */
    VS_OPT_STRING,  /* --name VALUE */
    VS_OPT_UINT,    /* --name N, a non-negative integer */
    VS_OPT_LIST,    /* --name VALUE, repeatable */
} vs_opt_type;

typedef struct {
    const char *name;            /* long name without "--" */
    char short_name;             /* 0 for none */
    vs_opt_type type;
    const char *arg_name;        /* "FILE", "SECONDS"; NULL for VS_OPT_BOOL */
    vs_completer completer;
    const char *const *choices;  /* NULL-terminated, with VS_COMPLETE_CHOICES */
    int exclusive_group;         /* options sharing a non-zero group exclude each other */
    const char *help;
} vs_option;

typedef struct {
    const char *name;            /* "DOMAIN" */
    vs_completer completer;
    bool optional;
    bool variadic;               /* takes all its words into args->rest; last only */
    const char *help;
} vs_positional;

enum {
    VS_CMD_NEEDS_CONN = 1 << 0,  /* opens the libvirt connection before the handler */
    VS_CMD_READ_ONLY  = 1 << 1,  /* works on a read-only connection */
    VS_CMD_HIDDEN     = 1 << 2,  /* not in help listings (self-test, complete) */
    VS_CMD_NO_SHELL   = 1 << 3,  /* not inside the interactive shell */
    VS_CMD_ANY_CONFIG = 1 << 4,  /* runs even when the configuration file is broken */
};

#define VS_MAX_OPTIONS 24
#define VS_MAX_POSITIONALS 4

typedef struct vs_args vs_args;

typedef struct vs_cmd {
    const char *name;            /* "save", or "group sub" for grouped commands */
    const char *summary;         /* one line, lowercase, no final period */
    const char *description;     /* paragraph for help and the man page */
    const vs_option *options;    /* terminated by an entry with name == NULL */
    const vs_positional *args;   /* terminated by an entry with name == NULL */
    int (*handler)(vs_ctx *ctx, const vs_args *args);
    unsigned flags;
} vs_cmd;

struct vs_args {
    const vs_cmd *cmd;
    bool set[VS_MAX_OPTIONS];
    char *str[VS_MAX_OPTIONS];
    unsigned long num[VS_MAX_OPTIONS];
    char **list[VS_MAX_OPTIONS];
    size_t nlist[VS_MAX_OPTIONS];
    char *pos[VS_MAX_POSITIONALS];
    int npos;
    char **rest;                 /* the words a variadic positional took */
    size_t nrest;
};

/* The table, NULL-terminated, defined in cmds/commands.c. */
extern const vs_cmd *const vs_commands[];

/* Options every command accepts after its name, and the global options
 * accepted before the command. */
extern const vs_option vs_common_options[];
extern const vs_option vs_global_options[];

/* Lookup by exact name or unique prefix of each word. argv[0..] are the words
 * the user typed; *consumed says how many of them named the command. Prints
 * "unknown command" / "ambiguous command" and returns NULL otherwise. */
const vs_cmd *cmd_lookup(int argc, char *const argv[], int *consumed);
/* The command a multi-call name ("virt-state-save") stands for, or NULL. */
/* A group of commands ('disk-snapshot', or a unique prefix of it): prints
 * its subcommands and returns true; false when 'word' is no group. */
bool cmd_print_group_help(const char *word, FILE *out);
const vs_cmd *cmd_lookup_multicall(const char *progname);
const vs_cmd *cmd_find_exact(const char *name);

/* Parses argv (argv[0] is the command name) into *args.
 * Returns 0, or VS_EXIT_USAGE after printing the reason, or 1 when help was
 * printed and nothing is left to do (ctx->help_shown). */
int cmd_parse(vs_ctx *ctx, const vs_cmd *cmd, int argc, const char **argv, vs_args *args);
void cmd_args_clear(vs_args *args);

/* Typed access by option name; asking for a name not in the table aborts. */
bool args_flag(const vs_args *args, const char *name);
const char *args_str(const vs_args *args, const char *name);
bool args_uint(const vs_args *args, const char *name, unsigned long *out);
char *const *args_list(const vs_args *args, const char *name, size_t *n);
const char *args_pos(const vs_args *args, int i);

/* Runs one command line (words after the global options). Returns an exit code. */
int cmd_run(vs_ctx *ctx, int argc, char **argv);
int cmd_run_command(vs_ctx *ctx, const vs_cmd *cmd, int argc, const char **argv);
/* Runs cmd with the words after the 'skip' that named it. */
int cmd_run_words(vs_ctx *ctx, const vs_cmd *cmd, int skip, int argc, char **argv);

/* Help and synopsis, generated from the table. */
char *cmd_synopsis(const vs_cmd *cmd);
void cmd_print_help(const vs_cmd *cmd, FILE *out);
void cmd_print_overview(FILE *out);

/* Completion: candidates for the last word of words[0..nwords-1], the words
 * after "virt-state" (globals included). Candidates are pushed to *out; when
 * file names are wanted *want_files is set to 1 (files) or 2 (directories). */
void cmd_complete_words(vs_ctx *ctx, int nwords, char **words, char ***out, size_t *nout, int *want_files);

/* Table invariants; prints each problem, returns the number found. */
int cmd_self_check(FILE *out);
