INCLUDES = """
#include <fcntl.h>
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

static long sysapi_vmsplice(int fd, const char **bases, const size_t *lens, size_t count,
                            unsigned int flags)
{
    struct iovec iov[count ? count : 1];
    if (count > 1024)
        return -(long)EINVAL;  /* IOV_MAX: the kernel's answer, without a VLA that large */
    for (size_t i = 0; i < count; i++) {
        iov[i].iov_base = (void *)bases[i];
        iov[i].iov_len = lens[i];
    }
    SYSAPI_RET(vmsplice(fd, iov, count, flags));
}
"""
