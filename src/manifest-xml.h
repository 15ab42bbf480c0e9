/* The XML core every manifest kind shares (src/manifest.c): reading with
 * libxml2 safely (size limit, no DTD, no network, no entities) and schema
 * validation against a compiled-in RelaxNG text, small tree accessors, and
 * the checks the schema cannot make. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include <libxml/relaxng.h>
#include <libxml/tree.h>

/* A compiled-in schema, parsed on first use into *cache; NULL (reported)
 * when it does not parse. */
xmlRelaxNGPtr manifest_xml_schema(const char *text, xmlRelaxNGPtr *cache);
/* Parses manifest text (at most 1 MiB, no NUL, no DTD) and validates it:
 * the document, or NULL after reporting. 'what' names it in messages. */
xmlDocPtr manifest_xml_read(const char *xml, size_t len, xmlRelaxNGPtr schema, const char *what);
/* Reads at most 1 MiB (plus one byte, to tell a larger file) of a regular
 * file without blocking on FIFOs, NUL-terminated; NULL after reporting. */
char *manifest_read_file(const char *path, size_t *len);
/* The document as UTF-8 text, indented; NULL after reporting. */
char *manifest_xml_dump(xmlDocPtr doc, const char *what);

char *manifest_xml_text(xmlNodePtr n);
/* Decimal digits only, up to max; -1 otherwise. */
int manifest_xml_number(xmlNodePtr n, unsigned long long max, unsigned long long *out);
bool manifest_xml_is(xmlNodePtr n, const char *name);
void manifest_xml_add_number(xmlNodePtr parent, const char *name, unsigned long long v);
/* Absolute, no "." or ".." component, no trailing '/'. */
bool manifest_path_is_plain(const char *path);
