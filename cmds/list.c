#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cmds.h"
#include "conn.h"
#include "domain.h"
#include "output.h"
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

static int run_list(vs_ctx *ctx, const vs_args *args)
{
    virDomainPtr *doms = NULL;
    unsigned flags = args_flag(args, "all") ? 0 : VIR_CONNECT_LIST_DOMAINS_ACTIVE;
    int n = virConnectListAllDomains(ctx->conn, &doms, flags);
    if (n < 0)
        return conn_error("cannot list domains");
    qsort(doms, (size_t)n, sizeof(*doms), cmp_domain);

    static const char *const headers[] = {"Id", "Name", "State", "Managed save", "Restore points",
                                          "Disk snapshots", "Backups", "Recovery"};
    autotable vs_table *t = table_new(8, headers);
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
            const char *row[] = {idbuf, name, domain_state_name(state), managed == 1 ? "yes" : "no", rp, ds,
                                 bk, c.pending_journals ? "needed" : "-"};
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
                   "and what is kept for each: a managed save image, restore points, disk\n"
                   "snapshots and backups in the store, and whether an interrupted operation\n"
                   "waits for 'virt-state recover'.",
    .options = list_options,
    .args = NULL,
    .handler = run_list,
    .flags = VS_CMD_NEEDS_CONN | VS_CMD_READ_ONLY,
};
