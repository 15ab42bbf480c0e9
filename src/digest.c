#include "config.h"
#include "digest.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/evp.h>

#include "job.h"
#include "util.h"

#define CHUNK (1u << 20)

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

int digest_file_sha256(const char *path, char hex[VS_SHA256_HEX], unsigned long long *size, bool interruptible)
{
    autoclose int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return vs_error("cannot open '%s': %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
        return vs_error("'%s' is not a regular file", path);
    posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    if (!md || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
        EVP_MD_CTX_free(md);
        return vs_error("cannot start a SHA-256 digest");
    }
    autofree unsigned char *buf = vs_xmalloc(CHUNK);
    unsigned long long total = 0;
    int ret = -1;
    for (;;) {
        if (interruptible && job_interrupted()) {
            vs_error("interrupted while reading '%s'", path);
            goto out;
        }
        ssize_t r = read(fd, buf, CHUNK);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            vs_error("cannot read '%s': %s", path, strerror(errno));
            goto out;
        }
        if (r == 0)
            break;
        EVP_DigestUpdate(md, buf, (size_t)r);
        total += (unsigned long long)r;
    }
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned n = 0;
    EVP_DigestFinal_ex(md, out, &n);
    to_hex(out, n, hex);
    if (size)
        *size = total;
    ret = 0;
out:
    EVP_MD_CTX_free(md);
    return ret;
}
