/* SHA-256 of the files the tool writes (memory images, definitions,
 * backups), streamed through OpenSSL's libcrypto, which uses the CPU's SHA
 * instructions where there are any. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#define VS_SHA256_HEX 65 /* 64 hex digits and a NUL */

/* Hashes the regular file at path in 1 MiB reads (memory stays flat).
 * hex receives 64 lowercase hex digits; *size the bytes read, when given.
 * Returns 0, or -1 after reporting. 'interruptible' stops (reported) when
 * job_interrupted() turns true. */
int digest_file_sha256(const char *path, char hex[VS_SHA256_HEX], unsigned long long *size, bool interruptible);
/* Of a buffer. */
void digest_sha256(const void *data, size_t len, char hex[VS_SHA256_HEX]);
