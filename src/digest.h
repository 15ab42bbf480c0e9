/* SHA-256 of the files the tool writes (memory images, definitions,
 * backups), streamed through OpenSSL's libcrypto, which uses the CPU's SHA
 * instructions where there are any. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#define VS_SHA256_HEX 65 /* 64 hex digits and a NUL */

/* Hashes the regular file at path in 1 MiB reads (memory stays flat). hex receives
 * 64 lowercase hex digits; *size the bytes read, when given. Returns 0, or
 * -1 after reporting. 'interruptible' stops (reported) when
 * job_interrupted() turns true. */
int digest_file_sha256(const char *path, char hex[VS_SHA256_HEX], unsigned long long *size, bool interruptible);
/* Of a buffer. */
void digest_sha256(const void *data, size_t len, char hex[VS_SHA256_HEX]);

/* One file for digest_files_sha256. */
typedef struct {
    const char *path;         /* in */
    char hex[VS_SHA256_HEX];  /* out: the digest, "" on failure */
    unsigned long long size;  /* out: bytes read */
    char *error;              /* out: NULL, or what went wrong (the caller frees it) */
} vs_digest_job;

/* Hashes n files at once on up to 'threads' threads (0: one per online
 * CPU, at most 4), the largest files first; each thread reads through one
 * 1 MiB buffer, so memory depends on the threads, not on the files. Reports
 * nothing: a failure's message (the one digest_file_sha256 would report) is
 * left in its job's error. Returns the number of failed files. */
size_t digest_files_sha256(vs_digest_job *jobs, size_t n, unsigned threads, bool interruptible);
