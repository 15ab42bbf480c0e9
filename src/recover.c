#include "config.h"
#include "recover.h"

#include <string.h>

#include "backup.h"
#include "backup_snapshot.h"
#include "backup_prune.h"
#include "conn.h"
#include "journal.h"
#include "quiesce.h"
#include "commit.h"
#include "restore_point.h"
#include "revert.h"
#include "save.h"
#include "snapshot.h"
#include "util.h"

typedef struct {
    const char *operation;
    int (*recover)(vs_ctx *ctx, vs_journal *j);
} recover_handler;

static const recover_handler handlers[] = {
    {"save", save_recover},
    {"disk-snapshot", snapshot_create_recover},
    {"commit", commit_recover},
    {"revert", revert_recover},
    {"restore-point", rp_create_recover},
    {"restore-point-delete", rp_delete_recover},
    {"revert-point", rp_revert_recover},
    {"backup", backup_recover},
    {"snapshot-backup", backup_copy_recover},
    {"offline-backup", backup_copy_recover},
    {"backup-prune", backup_prune_recover},
};

int recover_guard(vs_ctx *ctx, const char *domain, const char *operation, vs_lock **lock)
{
    int rc = store_lock_domain(ctx->store, domain, operation, lock);
    if (rc < 0)
        return rc;
    autofree char *ddir = store_domain_dir(ctx->store, domain);
    autostrv char **pending = ddir ? journal_list(ddir) : NULL;
    /* A guest left frozen by an interrupted operation is thawed first,
     * whatever else that operation left: a frozen guest hangs. */
    for (char **p = pending; p && *p && ctx->conn; p++) {
        autojournal vs_journal *fj = journal_load(*p);
        if (!fj || !(snapshot_journal_may_be_frozen(fj) || rp_journal_may_be_frozen(fj) || backup_journal_may_be_frozen(fj) || backup_copy_journal_may_be_frozen(fj)) || !journal_uuid(fj))
            continue;
        autodomain virDomainPtr dom = virDomainLookupByUUIDString(ctx->conn, journal_uuid(fj));
        int thawed = dom && virDomainIsActive(dom) == 1 ? quiesce_thaw_domain(dom) : 0;
        if (thawed > 0)
            vs_warn("domain '%s' was left frozen by the interrupted %s operation %s; thawed %d filesystem%s",
                    domain, journal_operation(fj), journal_id(fj), thawed, thawed == 1 ? "" : "s");
    }
    if (pending) {
        autojournal vs_journal *j = journal_load(pending[0]);
        vs_error("domain '%s' has an interrupted %s operation%s%s%s; run 'virt-state recover %s' first", domain,
                 j ? journal_operation(j) : "unknown", j ? " (" : "", j ? journal_id(j) : "", j ? ")" : "",
                 domain);
        store_unlock(*lock);
        *lock = NULL;
        return -1;
    }
    return 0;
}

int recover_domain(vs_ctx *ctx, const char *domain, int *count)
{
    autolock vs_lock *lock = NULL;
    int rc = store_lock_domain(ctx->store, domain, "recover", &lock);
    if (rc < 0)
        return rc;
    autofree char *ddir = store_domain_dir(ctx->store, domain);
    autostrv char **pending = ddir ? journal_list(ddir) : NULL;
    int ret = 0;

    *count = 0;
    for (char **p = pending; p && *p; p++) {
        autojournal vs_journal *j = journal_load(*p);
        if (!j) {
            ret = -1;
            continue;
        }
        if (!vs_streq(journal_domain(j), domain)) {
            ret = vs_error("journal '%s' belongs to domain '%s', not '%s'; left alone", *p, journal_domain(j),
                           domain);
            continue;
        }
        const recover_handler *h = NULL;
        for (size_t i = 0; i < sizeof(handlers) / sizeof(handlers[0]); i++)
            if (strcmp(handlers[i].operation, journal_operation(j)) == 0)
                h = &handlers[i];
        if (!h) {
            ret = vs_error("journal '%s': this version cannot recover '%s' operations", *p, journal_operation(j));
            continue;
        }
        vs_debug("recovering %s", journal_id(j));
        if (h->recover(ctx, j) < 0)
            ret = -1;
        else
            (*count)++;
    }
    return ret;
}

char **recover_store_domains(const char *store)
{
    return vs_list_dir(store, NULL);
}
