/* Restore-point manifests: <store>/<domain>/restore-points/<name>/manifest.xml
 * beside memory.img and domain.xml. Written atomically (0600), validated
 * against data/restore-point.rng (compiled in) whenever read, names and
 * paths checked again before use. A point without a manifest does not exist. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

typedef struct vs_rp_disk {
    char *target;                    /* "vda" */
    char *frozen;                    /* the file frozen at the point (absolute) */
    char *frozen_format;             /* "qcow2" or "raw" */
    unsigned long long frozen_size;  /* st_size at capture */
    unsigned long long frozen_dev;   /* st_dev */
    unsigned long long frozen_ino;   /* st_ino */
    unsigned long long frozen_mtime; /* st_mtim in nanoseconds */
    char *overlay;                   /* the overlay the domain went on with, or NULL */
    unsigned long long virtual_size;
} vs_rp_disk;

typedef struct vs_restore_point {
    char *name, *domain, *uuid;
    char *description; /* or NULL */
    char *parent;      /* or NULL */
    long long created;
    char *origin;       /* "user" or "pre-revert" */
    char *domain_state; /* "running", "paused" or "shut off" at capture */
    bool live;
    char *consistency;  /* "quiesced", "crash-consistent", "offline" */
    long long paused_us; /* -1 when not paused */
    long long frozen_us; /* -1 when not frozen */
    char *tool_version, *libvirt_version, *qemu_version;
    bool has_memory;
    unsigned long long memory_size;
    char *memory_sha256; /* NULL without memory */
    unsigned long long definition_size;
    char *definition_sha256;
    size_t ndisks;
    vs_rp_disk *disks;
} vs_restore_point;

#define VS_RP_MEMORY "memory.img"
#define VS_RP_DEFINITION "domain.xml"
#define VS_RP_MANIFEST "manifest.xml"

char *rpmanifest_format(const vs_restore_point *p);
vs_restore_point *rpmanifest_parse(const char *xml, size_t len, const char *source);
vs_restore_point *rpmanifest_load(const char *path);
int rpmanifest_write(const char *path, const vs_restore_point *p);
const vs_rp_disk *rpmanifest_disk(const vs_restore_point *p, const char *target);
void rpmanifest_free(vs_restore_point *p);
static inline void rpmanifest_freep(vs_restore_point **p) { rpmanifest_free(*p); }
#define autorp __attribute__((cleanup(rpmanifest_freep)))

extern const char vs_schema_restore_point[];
