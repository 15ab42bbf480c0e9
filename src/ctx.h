/* What one invocation (or one interactive shell) carries between commands. */
#pragma once

#include <stdbool.h>
#include <libvirt/libvirt.h>

typedef struct vs_ctx {
    char *uri;           /* --connect, LIBVIRT_DEFAULT_URI or the config file; NULL: libvirt's default */
    bool readonly;
    char *store;         /* the store root */
    char *config_path;
    bool quiet;
    bool json;
    bool debug;
    bool interactive;    /* inside the shell */
    bool help_shown;     /* the last parse printed help */
    virConnectPtr conn;  /* opened on demand, kept across shell commands */
} vs_ctx;

void ctx_free(vs_ctx *ctx);
