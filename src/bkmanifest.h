/* Backup manifests: <store>/<domain>/backups/<chain>/<id>.manifest.xml
 * beside the backup's images <id>.<target>.qcow2. Written atomically
 * (0600), validated against data/backup.rng (compiled in) whenever read,
 * names checked again before use: an image is a plain name in the chain's
 * directory, never a path. A backup without a manifest does not exist. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

typedef struct vs_bk_disk {
    char *target;                     /* "vda" */
    char *image;                      /* "<id>.<target>.qcow2", in the chain's directory */
    unsigned long long image_size;    /* st_size */
    char *image_sha256;
    unsigned long long virtual_size;
    unsigned long long bytes_written; /* guest data in the image itself */
    char *export_name;                /* pull mode (image NULL): the NBD export */
    char *export_bitmap;              /* and its dirty bitmap (incremental), or NULL */
} vs_bk_disk;

typedef struct vs_backup {
    char *id, *chain, *domain, *uuid;
    bool incremental;
    bool pull;          /* an NBD export (backup_pull.c): no images in the store */
    char *parent;       /* NULL for a full backup */
    bool complete;
    char *consistency;  /* "quiesced", "crash-consistent" or "offline" */
    long long begin, end;
    long long frozen_us; /* -1 when not frozen */
    unsigned long long bytes_copied;
    char *checkpoint;     /* its name */
    char *checkpoint_xml; /* as libvirt returned it (NO_DOMAIN) */
    size_t ndisks;
    vs_bk_disk *disks;
    /* How the data was read: "job" (libvirt's backup job; a manifest
     * without <method> reads as job), "snapshot" (the files a temporary
     * disk-only snapshot froze, copied by qemu-img) or "offline" (a shut-off
     * domain's disks copied by qemu-img). Only job backups have a
     * checkpoint; the others are always full. */
    char *method;
    char *domain_xml; /* the domain's inactive definition at the backup, or NULL (older manifests) */
} vs_backup;

/* b's method, "job" when unset. */
const char *bkmanifest_method(const vs_backup *b);

#define VS_BK_MANIFEST_SUFFIX ".manifest.xml"

/* The image name of a backup's disk: "<id>.<target>.qcow2". */
char *bkmanifest_image_name(const char *id, const char *target);

char *bkmanifest_format(const vs_backup *b);
vs_backup *bkmanifest_parse(const char *xml, size_t len, const char *source);
vs_backup *bkmanifest_load(const char *path);
int bkmanifest_write(const char *path, const vs_backup *b);
const vs_bk_disk *bkmanifest_disk(const vs_backup *b, const char *target);
void bkmanifest_free(vs_backup *b);
static inline void bkmanifest_freep(vs_backup **b) { bkmanifest_free(*b); }
#define autobackup __attribute__((cleanup(bkmanifest_freep)))

extern const char vs_schema_backup[];
