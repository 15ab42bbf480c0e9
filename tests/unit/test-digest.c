#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "digest.h"
#include "tap.h"
#include "util.h"

static char tmpdir[] = "/tmp/vs-test-digest-XXXXXX";

/* Writes len bytes of a repeatable pattern to dir/name; returns the path
 * and, in hex, the digest of the bytes computed from memory. */
static char *make_file(const char *name, size_t len, char hex[VS_SHA256_HEX])
{
    char *path = vs_asprintf("%s/%s", tmpdir, name);
    unsigned char *buf = vs_xmalloc(len ? len : 1);
    unsigned x = (unsigned)len * 2654435761u + 1;
    for (size_t i = 0; i < len; i++) {
        x = x * 1103515245u + 12345u;
        buf[i] = (unsigned char)(x >> 16);
    }
    FILE *f = fopen(path, "w");
    if (!f || fwrite(buf, 1, len, f) != len || fclose(f) != 0)
        abort();
    digest_sha256(buf, len, hex);
    free(buf);
    return path;
}

int main(void)
{
    if (!mkdtemp(tmpdir))
        return 99;
    /* Sizes around the 1 MiB piece the files are read in. */
    static const size_t sizes[] = {0, 1, 4096, (1u << 20) - 1, 1u << 20, (1u << 20) + 1, (5u << 20) + 123};
    enum { N = sizeof(sizes) / sizeof(sizes[0]) };
    char want[N][VS_SHA256_HEX];
    char *paths[N];
    for (size_t i = 0; i < N; i++) {
        char name[32];
        snprintf(name, sizeof(name), "f%zu", i);
        paths[i] = make_file(name, sizes[i], want[i]);
    }
    char hex[VS_SHA256_HEX];
    digest_sha256("abc", 3, hex);
    is_str(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "digest of a buffer: the FIPS 180-2 'abc' vector");

    for (size_t i = 0; i < N; i++) {
        unsigned long long size = 1;
        ok(digest_file_sha256(paths[i], hex, &size, false) == 0 && strcmp(hex, want[i]) == 0 && size == sizes[i],
           "digest_file_sha256 of %zu bytes", sizes[i]);
    }

    /* Every file at once, on 1, 2 and the default number of threads, with
     * a missing file and a directory among them. */
    for (unsigned threads = 0; threads <= 2; threads++) {
        vs_digest_job jobs[N + 2];
        memset(jobs, 0, sizeof(jobs));
        for (size_t i = 0; i < N; i++)
            jobs[i].path = paths[i];
        char *missing = vs_asprintf("%s/absent", tmpdir);
        jobs[N].path = missing;
        jobs[N + 1].path = tmpdir;
        size_t failed = digest_files_sha256(jobs, N + 2, threads, false);
        ok(failed == 2, "%u thread(s): two of %d files fail", threads, N + 2);
        int good = 0;
        for (size_t i = 0; i < N; i++)
            good += !jobs[i].error && strcmp(jobs[i].hex, want[i]) == 0 && jobs[i].size == sizes[i];
        ok(good == N, "%u thread(s): every readable file has its digest and size", threads);
        char *want_missing = vs_asprintf("cannot open '%s': No such file or directory", missing);
        is_str(jobs[N].error, want_missing, "%u thread(s): the missing file's message", threads);
        char *want_dir = vs_asprintf("'%s' is not a regular file", tmpdir);
        is_str(jobs[N + 1].error, want_dir, "%u thread(s): the directory's message", threads);
        ok(jobs[N].hex[0] == '\0', "%u thread(s): no digest for a failed file", threads);
        for (size_t i = 0; i < N + 2; i++)
            free(jobs[i].error);
        free(missing), free(want_missing), free(want_dir);
    }
    ok(digest_files_sha256(NULL, 0, 0, false) == 0, "no file: nothing fails");

    for (size_t i = 0; i < N; i++) {
        unlink(paths[i]);
        free(paths[i]);
    }
    rmdir(tmpdir);
    return done_testing();
}
