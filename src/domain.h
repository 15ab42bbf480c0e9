/* Domains: state names, identity, and domain XML taken from files. */
#pragma once

#include <stdbool.h>
#include <libvirt/libvirt.h>

const char *domain_state_name(int state);
/* The domain's state; -1 (reported) on error. */
int domain_state(virDomainPtr dom);
char *domain_uuid_string(virDomainPtr dom);

/* Reads a domain XML file given on the command line: at most 4 MiB, well
 * formed, no DTD (so no external entities), root element <domain>.
 * Returns the text, or NULL after reporting why. */
char *domain_read_xml_file(const char *path);
/* The <name> of a domain XML document, or NULL. */
char *domain_xml_name(const char *xml);

/* One <disk> of a domain definition. */
typedef struct vs_disk {
    char *target;         /* <target dev>, "vda" */
    char *type;           /* <disk type>: "file", "block", "network", "volume"... */
    char *device;         /* <disk device>: "disk", "cdrom", "floppy", "lun" */
    char *source;         /* <source file> (NULL unless type is "file") */
    char *format;         /* <driver type>, "qcow2", "raw"; NULL when not given */
    char *backing;        /* the first <backingStore>'s <source file>, or NULL */
    char *backing_format; /* its <format type> */
    bool readonly;
} vs_disk;

/* The disks of a domain XML document. Returns 0, or -1 after reporting. */
int domain_disks_from_xml(const char *xml, vs_disk **out, size_t *n);
/* The disks of the live (running) or inactive (persistent) definition. */
int domain_disks(virDomainPtr dom, bool inactive, vs_disk **out, size_t *n);
void domain_disks_free(vs_disk *d, size_t n);
const vs_disk *domain_disk_find(const vs_disk *d, size_t n, const char *target);

/* A domain XML document with the sources of some disks replaced: for each
 * target[i], <source file> becomes source[i], <driver type> format[i], and
 * the disk's <backingStore> goes (libvirt then reads the chain from the
 * image headers). NULL after reporting (e.g. a target not found). */
char *domain_xml_set_disk_sources(const char *xml, size_t n, const char *const *target,
                                  const char *const *source, const char *const *format);
/* Writes the persistent definition from the inactive XML with the disks
 * replaced as above. Returns 0, or -1 after reporting. */
int domain_redefine_disks(virDomainPtr dom, size_t n, const char *const *target, const char *const *source,
                          const char *const *format);
