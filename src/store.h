/* The on-disk store: layout, per-domain lock, atomic and durable file writes.
 * Files the tool creates are 0600 and directories 0700, whatever the umask. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#define VS_DEFAULT_STORE "/var/lib/virt-state"

/* mkdir -p, each directory it creates 0700. */
int store_mkdirs(const char *path);

/* <store>/<domain>, refusing names that are not safe path components. */
char *store_domain_dir(const char *store, const char *domain);

/* Writes data to path through a temporary name in the same directory:
 * write, fsync, rename, fsync of the directory. Mode 0600. */
int store_write_atomic(const char *path, const void *data, size_t len);
int store_fsync_dir(const char *dir);
int store_fsync_path(const char *path);
/* rename(2) followed by an fsync of the target's directory. */
int store_rename_durable(const char *from, const char *to);

/* Creates a new empty file "<dir>/.<base>.vs-XXXXXX" with mode 0600 and
 * returns its path: the temporary twin of dir/base. */
char *store_make_temp_beside(const char *final_path);

/* The per-domain lock: flock(2) on <store>/<domain>/lock, so a lock left by
 * a killed process is released by the kernel. */
typedef struct vs_lock {
    int fd;
    char *path;
} vs_lock;

/* Returns 0 with *out set, -1 on error, -2 when another process holds the
 * lock (reported, with its pid and operation). */
int store_lock_domain(const char *store, const char *domain, const char *operation, vs_lock **out);
void store_unlock(vs_lock *lock);
static inline void store_unlockp(vs_lock **l) { store_unlock(*l); }
#define autolock __attribute__((cleanup(store_unlockp)))

/* Counts of what the store holds for a domain (directories with a manifest). */
typedef struct vs_store_counts {
    int restore_points;
    int disk_snapshots;
    int backups;
    int pending_journals;
} vs_store_counts;
void store_count(const char *store, const char *domain, vs_store_counts *out);

/* The absolute path a new file given on the command line will have: its
 * directory resolved (it must exist), its last component kept. libvirtd
 * does not share our working directory, so relative paths never reach it. */
char *store_resolve_new_path(const char *path);
