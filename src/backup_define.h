/* A new domain from a backup: `backup restore --define NAME` writes the
 * standalone images, then defines NAME from the definition the backup
 * recorded (or the domain's current one, for backups that predate it),
 * with a new UUID, its disks on the restored images and nothing that
 * would clash with the original: no MAC addresses (libvirt makes new
 * ones), its own NVRAM file, no writable disk that was not backed up, no
 * console file shared with the original. A fresh definition has no checkpoint or snapshot metadata. */
#pragma once

#include <libvirt/libvirt.h>
#include <stddef.h>

#include "bkmanifest.h"
#include "ctx.h"

/* The domain's inactive definition for a backup manifest; NULL when it
 * cannot be read or is too large to record (the manifest goes without). */
char *backup_domain_xml(virDomainPtr dom);

/* The definition of domain 'name' made from 'xml': <name> replaced,
 * <uuid> and every interface's <mac> removed, <nvram> emptied (libvirt
 * makes the new domain's own), the disks targets[i] on paths[i] (qcow2,
 * no <backingStore>), every other writable disk removed, and character
 * devices writing to a file moved to a pty (two domains cannot share the
 * file). *notes receives a sentence for each disk or device changed that
 * way. NULL after reporting. */
char *backup_define_xml(const char *xml, const char *name, size_t n, const char *const *targets,
                        const char *const *paths, char ***notes);

/* Before any image is written: refuses when a domain 'name' exists, finds
 * the definition to start from and returns the new domain's XML for
 * backup b restored into dir. NULL after reporting. */
char *backup_define_prepare(vs_ctx *ctx, const vs_backup *b, const char *dir, const char *name);

/* Defines the domain. 0, or -1 after reporting. */
int backup_define_domain(vs_ctx *ctx, const char *xml, const char *name);
