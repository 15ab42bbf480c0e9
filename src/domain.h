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
