#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libxml/xmlstring.h>

#include "cmds.h"
#include "conn.h"
#include "recover.h"
#include "restore_point.h"
#include "util.h"

const vs_positional cmd_domain_arg[] = {
    {"DOMAIN", VS_COMPLETE_DOMAIN, false, false, "the domain: name, UUID or id"},
    {NULL, 0, false, false, NULL},
};

int cmd_usage(const char *cmd, const char *msg)
{
    fprintf(stderr, "virt-state: %s: %s\nTry 'virt-state %s --help' for more information.\n", cmd, msg, cmd);
    return VS_EXIT_USAGE;
}

/* A disk target as libvirt names them: "vda", "sdb", "hdc". */
bool cmd_valid_target(const char *t)
{
    size_t n = strlen(t);
    if (n == 0 || n > 32 || !islower((unsigned char)t[0]))
        return false;
    for (const char *p = t; *p; p++)
        if (!islower((unsigned char)*p) && !isdigit((unsigned char)*p))
            return false;
    return true;
}

/* Checks every --disk value; returns 0 or a usage exit status. */
int cmd_check_disks(const char *cmd, char *const *disks)
{
    for (char *const *p = disks; p && *p; p++)
        if (!cmd_valid_target(*p)) {
            autofree char *m = vs_asprintf("'%s' is not a disk target (like vda or sdb)", *p);
            return cmd_usage(cmd, m);
        }
    return 0;
}

int cmd_check_name(const char *cmd, const char *name)
{
    if (!vs_name_is_safe(name)) {
        autofree char *m = vs_asprintf("'%s' is not a valid name: names have no '/' and no control "
                                       "characters, do not start with '.', and have at most 200 bytes",
                                       name);
        return cmd_usage(cmd, m);
    }
    return 0;
}

int cmd_open_domain(vs_ctx *ctx, const char *word, const char *operation, bool local, virDomainPtr *dom,
                    vs_lock **lock)
{
    if (local && conn_require_local(ctx) < 0)
        return VS_EXIT_FAILURE;
    if (conn_ensure(ctx) < 0 || (local && conn_require_local(ctx) < 0))
        return VS_EXIT_FAILURE;
    *dom = conn_lookup_domain(ctx, word);
    if (!*dom)
        return VS_EXIT_FAILURE;
    int rc = recover_guard(ctx, virDomainGetName(*dom), operation, lock);
    if (rc < 0)
        return rc == -2 ? VS_EXIT_BUSY : VS_EXIT_FAILURE;
    return 0;
}

int cmd_precheck_point(vs_ctx *ctx, const char *domain_word, const char *name)
{
    if (!vs_name_is_safe(domain_word) || !ctx->store)
        return 0;
    autofree char *m = rp_path(ctx->store, domain_word, name, VS_RP_MANIFEST);
    if (access(m, F_OK) != 0)
        return 0;
    autorp vs_restore_point *p = rp_load(ctx->store, domain_word, name);
    return p ? 0 : VS_EXIT_FAILURE;
}

int cmd_check_description(const char *cmd, const char *desc)
{
    if (!desc)
        return 0;
    bool ok = strlen(desc) <= 1024 && xmlCheckUTF8((const unsigned char *)desc);
    for (const unsigned char *c = (const unsigned char *)desc; ok && *c; c++)
        ok = *c >= 0x20 && *c != 0x7f;
    return ok ? 0 : cmd_usage(cmd, "--description must be one line of printable UTF-8 text of at most 1024 bytes");
}

const char *const cmd_quiesce_choices[] = {"auto", "required", "off", NULL};

vs_quiesce_policy cmd_quiesce_policy(const char *q)
{
    return !q || vs_streq(q, "auto") ? VS_QUIESCE_AUTO : vs_streq(q, "required") ? VS_QUIESCE_REQUIRED : VS_QUIESCE_OFF;
}

const char *cmd_default_name(const char *given, const char *prefix, char *buf, size_t len)
{
    if (given)
        return given;
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    char stamp[32];
    strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
    snprintf(buf, len, "%s-%s", prefix, stamp);
    return buf;
}

void cmd_format_time(long long t, char *buf, size_t len)
{
    time_t tt = (time_t)t;
    struct tm tm;
    localtime_r(&tt, &tm);
    strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm);
}

void cmd_format_us(long long us, char *buf, size_t len)
{
    if (us < 0)
        snprintf(buf, len, "-");
    else
        snprintf(buf, len, "%.1f ms", (double)us / 1000.0);
}
