#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cmds.h"
#include "conn.h"
#include "domain.h"
#include "output.h"
#include "quiesce.h"
#include "store.h"
#include "util.h"

static const vs_option list_options[] = {
    {"all", 'a', VS_OPT_BOOL, NULL, VS_COMPLETE_NONE, NULL, 0, "inactive domains too"},
    {NULL, 0, 0, NULL, 0, NULL, 0, NULL},
};

static int cmp_domain(const void *a, const void *b)
{
    return strcmp(virDomainGetName(*(virDomainPtr const *)a), virDomainGetName(*(virDomainPtr const *)b));
}

/* As far as the store knows: a freeze recorded by 'virt-state freeze'
 * that is open-ended or whose --timeout has not run out. The agent is not
 * asked (one call per guest, and a frozen guest's agent is slow). */
static bool frozen_by_us(const char *store, const char *name, long long now)
{
    if (!vs_name_is_safe(name))
        return false;
    autofree char *ddir = vs_asprintf("%s/%s", store, name);
    vs_frozen_record r;
    bool frozen = quiesce_record_read(ddir, &r) > 0 && quiesce_record_current(&r, now);
    quiesce_record_clear(&r);
    return frozen;
}

static int run_list(vs_ctx *ctx, const vs_args *args)
{
    virDomainPtr *doms = NULL;
    unsigned flags = args_flag(args, "all") ? 0 : VIR_CONNECT_LIST_DOMAINS_ACTIVE;
    int n = virConnectListAllDomains(ctx->conn, &doms, flags);
    if (n < 0)
        return conn_error("cannot list domains");
    qsort(doms, (size_t)n, sizeof(*doms), cmp_domain);

    static const char *const headers[] = {"Id", "Name", "State", "Frozen", "Managed save", "Restore points",
                                          "Disk snapshots", "Backups", "Recovery"};
    autotable vs_table *t = table_new(9, headers);
    long long now = (long long)time(NULL);
    vs_json j;
    if (ctx->json) {
        json_init(&j, stdout);
        json_begin_array(&j);
    }
    for (int i = 0; i < n; i++) {
        virDomainPtr d = doms[i];
        const char *name = virDomainGetName(d);
        int id = virDomainIsActive(d) == 1 ? (int)virDomainGetID(d) : -1;
        int state = domain_state(d);
        int managed = virDomainHasManagedSaveImage(d, 0);
        autofree char *uuid = domain_uuid_string(d);
        vs_store_counts c;
        store_count(ctx->store, name, &c);
        bool frozen = (state == VIR_DOMAIN_RUNNING || state == VIR_DOMAIN_BLOCKED || state == VIR_DOMAIN_PAUSED) &&
                      frozen_by_us(ctx->store, name, now);
        if (ctx->json) {
            json_begin_object(&j);
            json_key(&j, "id");
            if (id >= 0)
                json_int(&j, id);
            else
                json_string(&j, NULL);
            json_key(&j, "name");
            json_string(&j, name);
            json_key(&j, "uuid");
            json_string(&j, uuid);
            json_key(&j, "state");
            json_string(&j, domain_state_name(state));
            json_key(&j, "persistent");
            json_bool(&j, virDomainIsPersistent(d) == 1);
            json_key(&j, "frozen");
            json_bool(&j, frozen);
            json_key(&j, "managed_save");
            json_bool(&j, managed == 1);
            json_key(&j, "restore_points");
            json_int(&j, c.restore_points);
            json_key(&j, "disk_snapshots");
            json_int(&j, c.disk_snapshots);
            json_key(&j, "backups");
            json_int(&j, c.backups);
            json_key(&j, "needs_recovery");
            json_bool(&j, c.pending_journals > 0);
            json_end_object(&j);
        } else {
            char idbuf[16], rp[16], ds[16], bk[16];
            snprintf(idbuf, sizeof(idbuf), "%s", "-");
            if (id >= 0)
                snprintf(idbuf, sizeof(idbuf), "%d", id);
            snprintf(rp, sizeof(rp), "%d", c.restore_points);
            snprintf(ds, sizeof(ds), "%d", c.disk_snapshots);
            snprintf(bk, sizeof(bk), "%d", c.backups);
            const char *row[] = {idbuf, name, domain_state_name(state), frozen ? "yes" : "-",
                                 managed == 1 ? "yes" : "no", rp, ds, bk, c.pending_journals ? "needed" : "-"};
            table_add_row(t, row);
        }
        virDomainFree(d);
    }
    free(doms);
    if (ctx->json) {
        json_end_array(&j);
        json_finish(&j);
    } else {
        table_print(t, stdout);
    }
    return 0;
}

const vs_cmd cmd_list = {
    .name = "list",
    .summary = "list domains and what virt-state holds for each",
    .description = "Lists the running domains (with --all, the inactive ones too), their state,\n"
                   "whether 'virt-state freeze' froze their filesystems, and what is kept for\n"
                   "each: a managed save image, restore points, disk snapshots and backups in\n"
                   "the store, and whether an interrupted operation waits for 'virt-state\n"
                   "recover'.",
    .options = list_options,
    .args = NULL,
    .handler = run_list,
    .flags = VS_CMD_NEEDS_CONN | VS_CMD_READ_ONLY,
};
