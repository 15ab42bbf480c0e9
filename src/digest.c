#include "config.h"
#include "digest.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "job.h"
#include "util.h"

/* Reads of 1 MiB (what the help and the manual promise) into a
 * page-aligned buffer: few system calls, and the kernel copies whole pages.
 * The kernel's own readahead (doubled by POSIX_FADV_SEQUENTIAL) keeps the
 * disk busy while a piece is hashed; asking for the next pieces with
 * POSIX_FADV_WILLNEED on top made cold reads a third slower here (it
 * submits the reads synchronously, in the hashing thread). */
#define CHUNK (1u << 20)
#define MAX_THREADS 4

static void to_hex(const unsigned char *md, unsigned n, char hex[VS_SHA256_HEX])
{
    static const char digits[] = "0123456789abcdef";
    for (unsigned i = 0; i < n && i < 32; i++) {
        hex[2 * i] = digits[md[i] >> 4];
        hex[2 * i + 1] = digits[md[i] & 15];
    }
    hex[64] = '\0';
}

void digest_sha256(const void *data, size_t len, char hex[VS_SHA256_HEX])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned n = 0;
    EVP_Digest(data, len, md, &n, EVP_sha256(), NULL);
    to_hex(md, n, hex);
}

static void *chunk_buffer(void)
{
    void *buf = NULL;
    if (posix_memalign(&buf, 4096, CHUNK) != 0)
        return vs_xmalloc(CHUNK);
    return buf;
}

/* Hashes the file at path with buf (CHUNK bytes). Returns NULL, or the
 * message of what went wrong (to be freed); reports nothing, so that it can
 * run on any thread. */
static char *hash_file(const char *path, unsigned char *buf, char hex[VS_SHA256_HEX], unsigned long long *size,
                       bool interruptible)
{
    autoclose int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return vs_asprintf("cannot open '%s': %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
        return vs_asprintf("'%s' is not a regular file", path);
    posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    if (!md || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
        EVP_MD_CTX_free(md);
        return vs_asprintf("cannot start a SHA-256 digest");
    }
    unsigned long long total = 0;
    char *err = NULL;
    for (;;) {
        if (interruptible && job_interrupted()) {
            err = vs_asprintf("interrupted while reading '%s'", path);
            goto out;
        }
        /* Fill the whole buffer (a short read is not the end of a file). */
        size_t got = 0;
        while (got < CHUNK) {
            ssize_t r = read(fd, buf + got, CHUNK - got);
            if (r < 0 && errno == EINTR)
                continue;
            if (r < 0) {
                err = vs_asprintf("cannot read '%s': %s", path, strerror(errno));
                goto out;
            }
            if (r == 0)
                break;
            got += (size_t)r;
        }
        if (got == 0)
            break;
        EVP_DigestUpdate(md, buf, got);
        total += got;
        if (got < CHUNK)
            break;
    }
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned n = 0;
    EVP_DigestFinal_ex(md, out, &n);
    to_hex(out, n, hex);
    if (size)
        *size = total;
out:
    EVP_MD_CTX_free(md);
    return err;
}

int digest_file_sha256(const char *path, char hex[VS_SHA256_HEX], unsigned long long *size, bool interruptible)
{
    autofree unsigned char *buf = chunk_buffer();
    autofree char *err = hash_file(path, buf, hex, size, interruptible);
    if (err)
        return vs_error("%s", err);
    return 0;
}

/* ---- several files on several threads ------------------------------------- */

typedef struct {
    vs_digest_job *jobs;
    size_t *order; /* indexes into jobs, largest file first */
    size_t n;
    atomic_size_t next;
    bool interruptible;
} pool;

static void *worker(void *opaque)
{
    pool *p = opaque;
    autofree unsigned char *buf = chunk_buffer();
    for (;;) {
        size_t k = atomic_fetch_add(&p->next, 1);
        if (k >= p->n)
            break;
        vs_digest_job *j = &p->jobs[p->order[k]];
        j->error = hash_file(j->path, buf, j->hex, &j->size, p->interruptible);
    }
    return NULL;
}

static unsigned online_cpus(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > MAX_THREADS ? MAX_THREADS : (unsigned)n;
}

size_t digest_files_sha256(vs_digest_job *jobs, size_t n, unsigned threads, bool interruptible)
{
    if (!n)
        return 0;
    /* Largest first: the longest file starts at once, the small ones fill
     * in around it. */
    autofree size_t *order = vs_xcalloc(n, sizeof(*order));
    autofree off_t *sizes = vs_xcalloc(n, sizeof(*sizes));
    for (size_t i = 0; i < n; i++) {
        struct stat st;
        jobs[i].error = NULL;
        jobs[i].hex[0] = '\0';
        jobs[i].size = 0;
        sizes[i] = stat(jobs[i].path, &st) == 0 ? st.st_size : 0;
        size_t k = i;
        while (k > 0 && sizes[order[k - 1]] < sizes[i]) {
            order[k] = order[k - 1];
            k--;
        }
        order[k] = i;
    }
    if (!threads)
        threads = online_cpus();
    if (threads > n)
        threads = (unsigned)n;
    pool p = {.jobs = jobs, .order = order, .n = n, .interruptible = interruptible};
    atomic_init(&p.next, 0);
    pthread_t tid[MAX_THREADS];
    unsigned started = 0;
    for (unsigned t = 1; t < threads && t < MAX_THREADS; t++) {
        if (pthread_create(&tid[started], NULL, worker, &p) != 0)
            break; /* fewer threads: the calling one does the rest */
        started++;
    }
    worker(&p);
    for (unsigned t = 0; t < started; t++)
        pthread_join(tid[t], NULL);
    size_t failed = 0;
    for (size_t i = 0; i < n; i++)
        failed += jobs[i].error != NULL;
    return failed;
}
