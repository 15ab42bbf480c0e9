/* Disk-snapshot manifests: <store>/<domain>/disk-snapshots/<name>/manifest.xml.
 * The manifest is the snapshot's truth. It is written atomically (0600) and
 * validated against the RelaxNG schema shipped as data/disk-snapshot.rng
 * (compiled into the program) every time it is read; names and paths read
 * from it are checked again (safe names, absolute paths without "..")
 * before anyone uses them. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

typedef struct vs_snap_disk {
    char *target;                    /* "vda" */
    char *overlay;                   /* absolute path of the overlay created */
    char *backing;                   /* absolute path of the file frozen (the overlay's backing) */
    char *backing_format;            /* "qcow2" or "raw" */
    unsigned long long virtual_size; /* guest-visible size, bytes */
    unsigned long long backing_size; /* the frozen file's allocation on the host at capture, bytes */
} vs_snap_disk;

typedef struct vs_snapshot {
    char *name;          /* safe name (vs_name_is_safe) */
    char *domain;        /* domain name */
    char *uuid;          /* domain UUID */
    char *description;   /* NULL when none */
    long long created;   /* Unix time, seconds */
    char *consistency;   /* "quiesced", "crash-consistent" or "offline" (domain was shut off) */
    char *domain_state;  /* "running" or "shut off" at capture */
    long long frozen_us; /* how long guest I/O was frozen, microseconds; -1 when never frozen */
    size_t ndisks;       /* >= 1 */
    vs_snap_disk *disks;
} vs_snapshot;

/* The manifest's XML text (UTF-8, NUL-terminated); NULL on error. */
char *manifest_snapshot_format(const vs_snapshot *s);
/* Parses and validates manifest text (schema, then names and paths);
 * 'source' names it in error messages. NULL after reporting why. */
vs_snapshot *manifest_snapshot_parse(const char *xml, size_t len, const char *source);
/* Reads (at most 1 MiB) and parses a manifest file. NULL after reporting. */
vs_snapshot *manifest_snapshot_load(const char *path);
/* Writes the manifest atomically (store_write_atomic: 0600). */
int manifest_snapshot_write(const char *path, const vs_snapshot *s);
/* The disk entry for a target, or NULL. */
const vs_snap_disk *manifest_snapshot_disk(const vs_snapshot *s, const char *target);
void manifest_snapshot_free(vs_snapshot *s);
static inline void manifest_snapshot_freep(vs_snapshot **s) { manifest_snapshot_free(*s); }
#define autosnapshot __attribute__((cleanup(manifest_snapshot_freep)))

/* The schema text (data/disk-snapshot.rng, compiled in). */
extern const char vs_schema_disk_snapshot[];
