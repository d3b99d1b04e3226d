INCLUDES = """
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ioctl.h>
#include <linux/fs.h>
#include <sys/uio.h>
"""

TYPES = """
#define FIBMAP ...
#define FIGETBSZ ...
#define SYNC_FILE_RANGE_WAIT_BEFORE ...
#define SYNC_FILE_RANGE_WRITE ...
#define SYNC_FILE_RANGE_WAIT_AFTER ...
#define SPLICE_F_MOVE ...
#define SPLICE_F_NONBLOCK ...
#define SPLICE_F_MORE ...
#define SPLICE_F_GIFT ...
#define IOV_MAX ...
/* chattr's inode flags: the conformance cases make a file immutable or append-only. */
#define FS_IOC_GETFLAGS ...
#define FS_IOC_SETFLAGS ...
#define FS_IMMUTABLE_FL ...
#define FS_APPEND_FL ...
"""

FUNCTIONS = """
long sysapi_readahead(int fd, int64_t offset, size_t count);
long sysapi_fibmap(int fd, int block);
long sysapi_figetbsz(int fd);
long sysapi_block_map(int fd, int *blocks, int count);
long sysapi_sync_file_range(int fd, int64_t offset, int64_t nbytes, unsigned int flags);
long sysapi_tee(int fd_in, int fd_out, size_t len, unsigned int flags);
long sysapi_vmsplice(int fd, const char **bases, const size_t *lens, size_t count,
                     unsigned int flags);
long sysapi_vmsplice_copy(int fd, const char **bases, const size_t *lens, size_t count,
                          unsigned int flags);
"""

CUSTOMIZATIONS = """
static long sysapi_readahead(int fd, int64_t offset, size_t count)
{ SYSAPI_RET(readahead(fd, offset, count)); }

/* The block goes in and out by value: no cdata allocation per call. */
static long sysapi_fibmap(int fd, int block)
{
    if (ioctl(fd, FIBMAP, &block) < 0)
        return -(long)errno;
    return block;
}

static long sysapi_figetbsz(int fd)
{
    int size = 0;
    if (ioctl(fd, FIGETBSZ, &size) < 0)
        return -(long)errno;
    return size;
}

/* FIBMAP for blocks[0..count): logical block numbers in, physical out, in one C loop.
   Returns 0, or -errno of the first failing block. */
static long sysapi_block_map(int fd, int *blocks, int count)
{
    for (int i = 0; i < count; i++)
        if (ioctl(fd, FIBMAP, &blocks[i]) < 0)
            return -(long)errno;
    return 0;
}

static long sysapi_sync_file_range(int fd, int64_t offset, int64_t nbytes, unsigned int flags)
{ SYSAPI_RET(sync_file_range(fd, offset, nbytes, flags)); }

static long sysapi_tee(int fd_in, int fd_out, size_t len, unsigned int flags)
{ SYSAPI_RET(tee(fd_in, fd_out, len, flags)); }

/* vmsplice of the caller's own memory: the pipe keeps references to those pages (for the
   buffers sysapi lets through, an mmap whose lifetime the caller controls). */
static long sysapi_vmsplice(int fd, const char **bases, const size_t *lens, size_t count,
                            unsigned int flags)
{
    struct iovec iov[IOV_MAX];
    long fl;

    if (count > IOV_MAX)
        return -(long)EINVAL;  /* the kernel's answer, before anything is filled in */
    /* On a pipe's read end vmsplice reads, into memory the caller passed to be read from. */
    fl = fcntl(fd, F_GETFL);
    if (fl < 0)
        return -(long)errno;
    if ((fl & O_ACCMODE) == O_RDONLY)
        return -(long)EBADF;
    for (size_t i = 0; i < count; i++) {
        iov[i].iov_base = (void *)bases[i];
        iov[i].iov_len = lens[i];
    }
    SYSAPI_RET(vmsplice(fd, iov, count, flags));
}

/* vmsplice of a copy: the bytes of the buffers (as much of them as the pipe can hold) go into
   fresh private pages, which are gifted to the pipe and unmapped here. The pipe then holds the
   only references to them: no later write and no reuse of the caller's memory can reach the
   reader. Returns the bytes spliced, or -errno (ENOMEM: no pages for the copy). */
static long sysapi_vmsplice_copy(int fd, const char **bases, const size_t *lens, size_t count,
                                 unsigned int flags)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE), total = 0, want, size, done = 0;
    struct iovec iov;
    long fl, capacity, r;
    char *pages;

    if (count > IOV_MAX)
        return -(long)EINVAL;
    for (size_t i = 0; i < count; i++) {
        if (lens[i] > (size_t)SSIZE_MAX - total)
            return -(long)EINVAL;  /* as the kernel answers a total past SSIZE_MAX */
        total += lens[i];
    }
    fl = fcntl(fd, F_GETFL);
    if (fl < 0)
        return -(long)errno;
    if ((fl & O_ACCMODE) == O_RDONLY)
        return -(long)EBADF;
    if (total == 0)
        SYSAPI_RET(vmsplice(fd, NULL, 0, flags));
    /* One pass of vmsplice never takes more than the pipe holds: copy no more than that.
       Not a pipe: one page, and vmsplice reports the error. */
    capacity = fcntl(fd, F_GETPIPE_SZ);
    want = total;
    if (capacity <= 0 && want > page)
        want = page;
    else if (capacity > 0 && want > (size_t)capacity)
        want = (size_t)capacity;
    size = (want + page - 1) / page * page;
    /* MAP_POPULATE: one batch of page allocations instead of a fault per page of the copy. */
    pages = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE,
                 -1, 0);
    if (pages == MAP_FAILED)
        return -(long)errno;
    for (size_t i = 0; i < count && done < want; i++) {
        size_t n = lens[i] < want - done ? lens[i] : want - done;
        memcpy(pages + done, bases[i], n);
        done += n;
    }
    iov.iov_base = pages;
    iov.iov_len = want;
    r = vmsplice(fd, &iov, 1, flags | SPLICE_F_GIFT);
    if (r < 0)
        r = -(long)errno;
    munmap(pages, size);
    return r;
}
"""
