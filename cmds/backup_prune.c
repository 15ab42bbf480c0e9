#include "config.h"

#include <stdio.h>
#include <string.h>

#include "backup_prune.h"
#include "cmds.h"
#include "conn.h"
#include "output.h"
#include "util.h"

#define KEEP_MAX 100000UL

static const vs_option prune_options[] = {
    {"keep-last", 0, VS_OPT_UINT, "N", VS_COMPLETE_NUMBER, NULL, 0, "keep the N newest backups"},
    {"keep-daily", 0, VS_OPT_UINT, "N", VS_COMPLETE_NUMBER, NULL, 0,
     "keep the newest backup of each of the last N days that have backups (local time)"},
    {"keep-weekly", 0, VS_OPT_UINT, "N", VS_COMPLETE_NUMBER, NULL, 0,
     "keep the newest backup of each of the last N ISO weeks that have backups"},
    {"keep-monthly", 0, VS_OPT_UINT, "N", VS_COMPLETE_NUMBER, NULL, 0,
     "keep the newest backup of each of the last N months that have backups"},
    {"dry-run", 'n', VS_OPT_BOOL, NULL, VS_COMPLETE_NONE, NULL, 0,
     "say what would be removed and kept (backups, images, checkpoints), change nothing"},
    {NULL, 0, 0, NULL, 0, NULL, 0, NULL},
};

static const char *cp_word(vs_prune_cp cp, bool dry)
{
    switch (cp) {
    case VS_PRUNE_CP_KEEP:
        return dry ? "keep" : "kept";
    case VS_PRUNE_CP_DELETE:
        return dry ? "delete" : "deleted";
    case VS_PRUNE_CP_METADATA:
        return dry ? "delete metadata only" : "deleted metadata only";
    default:
        return "none";
    }
}

static const char *cp_json(vs_prune_cp cp)
{
    switch (cp) {
    case VS_PRUNE_CP_KEEP:
        return "keep";
    case VS_PRUNE_CP_DELETE:
        return "delete";
    case VS_PRUNE_CP_METADATA:
        return "delete-metadata";
    default:
        return "none";
    }
}

static void print_json(const vs_prune_result *r)
{
    vs_json j;
    char why[128];
    json_init(&j, stdout);
    json_begin_object(&j);
    json_key(&j, "dry_run");
    json_bool(&j, r->dry_run);
    json_key(&j, "backups");
    json_begin_array(&j);
    for (size_t i = 0; i < r->n; i++) {
        const vs_prune_entry *e = &r->e[i];
        json_begin_object(&j);
        json_key(&j, "id");
        json_string(&j, e->b->id);
        json_key(&j, "chain");
        json_string(&j, e->b->chain);
        json_key(&j, "kind");
        json_string(&j, e->b->incremental ? "incremental" : "full");
        json_key(&j, "status");
        json_string(&j, e->b->complete ? "complete" : "incomplete");
        json_key(&j, "begin");
        json_int(&j, e->b->begin);
        json_key(&j, "action");
        json_string(&j, e->keep ? "keep" : "remove");
        json_key(&j, "reasons");
        json_string(&j, e->keep ? prune_reasons(e->keep, why, sizeof(why)) : NULL);
        json_key(&j, "images");
        json_begin_array(&j);
        for (char **p = e->images; p && *p; p++)
            json_string(&j, *p);
        json_end_array(&j);
        json_key(&j, "checkpoint");
        json_string(&j, e->b->checkpoint);
        json_key(&j, "checkpoint_action");
        json_string(&j, cp_json(e->cp));
        json_key(&j, "checkpoint_note");
        json_string(&j, e->cp_note);
        json_end_object(&j);
    }
    json_end_array(&j);
    json_end_object(&j);
    json_finish(&j);
}

static void print_text(const vs_prune_result *r)
{
    char why[128], begin[32];
    bool dry = r->dry_run;
    for (size_t i = 0; i < r->n; i++) {
        const vs_prune_entry *e = &r->e[i];
        cmd_format_time(e->b->begin, begin, sizeof(begin));
        const char *kind = e->b->incremental ? "incremental" : "full";
        if (e->keep)
            printf("%s backup %s (%s, %s, chain %s): %s\n", dry ? "keep" : "kept", e->b->id, kind, begin,
                   e->b->chain, prune_reasons(e->keep, why, sizeof(why)));
        else
            printf("%s backup %s (%s, %s, chain %s%s)\n", dry ? "remove" : "removed", e->b->id, kind, begin,
                   e->b->chain, e->b->complete ? "" : ", incomplete");
        for (char **p = e->images; !e->keep && p && *p; p++)
            printf("  %s image %s\n", dry ? "remove" : "removed", *p);
        if (e->cp != VS_PRUNE_CP_NONE)
            printf("  %s checkpoint %s%s%s\n", cp_word(e->cp, dry), e->b->checkpoint, e->cp_note ? ": " : "",
                   e->cp_note ? e->cp_note : "");
        else if (!e->keep && e->cp_note)
            printf("  checkpoint: %s\n", e->cp_note);
    }
}

static int run_prune(vs_ctx *ctx, const vs_args *args)
{
    const char *cmd = "backup prune";
    static const char *const keeps[] = {"keep-last", "keep-daily", "keep-weekly", "keep-monthly"};
    unsigned long v[4] = {0};
    bool any = false;
    for (size_t i = 0; i < 4; i++) {
        if (!args_uint(args, keeps[i], &v[i]))
            continue;
        if (v[i] < 1 || v[i] > KEEP_MAX) {
            autofree char *m = vs_asprintf("--%s must be between 1 and %lu", keeps[i], KEEP_MAX);
            return cmd_usage(cmd, m);
        }
        any = true;
    }
    if (!any)
        return cmd_usage(cmd, "say what to keep: --keep-last, --keep-daily, --keep-weekly or --keep-monthly");
    vs_prune_policy policy = {.last = v[0], .daily = v[1], .weekly = v[2], .monthly = v[3]};
    bool dry = args_flag(args, "dry-run");
    int rc;
    autodomain virDomainPtr dom = NULL;
    autolock vs_lock *lock = NULL;
    if ((rc = cmd_open_domain(ctx, args_pos(args, 0), cmd, true, &dom, &lock)))
        return rc;
    vs_prune_result r;
    if (backup_prune(ctx, dom, &policy, dry, &r) < 0) {
        prune_result_clear(&r);
        return VS_EXIT_FAILURE;
    }
    size_t kept = 0, gone = 0, cps = 0;
    for (size_t i = 0; i < r.n; i++) {
        if (r.e[i].keep)
            kept++;
        else
            gone++;
        if (r.e[i].cp == VS_PRUNE_CP_DELETE || r.e[i].cp == VS_PRUNE_CP_METADATA)
            cps++;
    }
    const char *dname = virDomainGetName(dom);
    if (r.n == 0)
        vs_info("domain '%s' has no backup: nothing to prune", dname);
    else if (dry)
        vs_info("dry run, nothing was changed: would remove %zu backup%s and %zu checkpoint%s of '%s', keep %zu "
                "backup%s",
                gone, gone == 1 ? "" : "s", cps, cps == 1 ? "" : "s", dname, kept, kept == 1 ? "" : "s");
    else
        vs_info("removed %zu backup%s and %zu checkpoint%s of '%s', kept %zu backup%s", gone, gone == 1 ? "" : "s",
                cps, cps == 1 ? "" : "s", dname, kept, kept == 1 ? "" : "s");
    if (ctx->json)
        print_json(&r);
    else
        print_text(&r);
    prune_result_clear(&r);
    return 0;
}

const vs_cmd cmd_backup_prune = {
    .name = "backup prune",
    .summary = "remove old backups by a retention policy",
    .description =
        "Removes the backups of DOMAIN that the retention policy does not keep, as restic\n"
        "and borg do: --keep-last N keeps the N newest backups; --keep-daily, --keep-weekly\n"
        "and --keep-monthly N keep the newest backup of each of the last N days, ISO weeks\n"
        "or months that have backups (local time). A backup kept by any rule is kept. A kept\n"
        "incremental keeps every backup below it in its chain (its images are the kept\n"
        "one's backing files); incomplete backups always go. Each backup's manifest is\n"
        "removed before its images. Of the libvirt checkpoints, only the newest kept\n"
        "backup's stays (the base of the next incremental); those of the other backups are\n"
        "deleted, and only checkpoints virt-state created (virt-state-<id>) are touched.\n"
        "A checkpoint whose bitmap lies in a frozen backing file (a restore point's), or of\n"
        "a domain that is not running, loses only its libvirt metadata, and says so.\n"
        "With --dry-run it prints what it would remove and keep and changes nothing. An\n"
        "interrupted prune is finished by 'virt-state recover DOMAIN'.",
    .options = prune_options,
    .args = cmd_domain_arg,
    .handler = run_prune,
    .flags = 0,
};
