# The private structs are declared to cffi and defined for the C compiler from one text.
_STRUCTS = """
/* siginfo_t flattened: the union members every sysapi caller may want, copied in C so that
   Python never depends on glibc's union layout. Which members mean something depends on
   si_signo and si_code (see sysapi.signals.SigInfo). */
struct sysapi_siginfo {
    int signo;
    int err;
    int code;
    int pid;
    unsigned int uid;
    int status;
    int value_int;
    uintptr_t value_ptr;
    long utime;
    long stime;
    uintptr_t addr;
    long band;
    int fd;
    int timerid;
    int overrun;
};

/* struct rusage flattened (timevals split into seconds and microseconds). */
struct sysapi_rusage {
    long ru_utime_sec;
    long ru_utime_usec;
    long ru_stime_sec;
    long ru_stime_usec;
    long ru_maxrss;
    long ru_ixrss;
    long ru_idrss;
    long ru_isrss;
    long ru_minflt;
    long ru_majflt;
    long ru_nswap;
    long ru_inblock;
    long ru_oublock;
    long ru_msgsnd;
    long ru_msgrcv;
    long ru_nsignals;
    long ru_nvcsw;
    long ru_nivcsw;
};

/* What waitid reports, in one allocation. */
struct sysapi_waitid_out {
    struct sysapi_siginfo info;
    struct sysapi_rusage ru;
};

/* struct shmid_ds with shm_perm flattened (glibc names its key and seq __key and __seq). */
struct sysapi_shmid_ds {
    int key;
    unsigned int uid;
    unsigned int gid;
    unsigned int cuid;
    unsigned int cgid;
    unsigned int mode;
    unsigned int seq;
    uint64_t shm_segsz;
    int64_t shm_atime;
    int64_t shm_dtime;
    int64_t shm_ctime;
    int shm_cpid;
    int shm_lpid;
    uint64_t shm_nattch;
};
"""

INCLUDES = """
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <sys/signalfd.h>
#if __has_include(<sys/pidfd.h>)
#include <sys/pidfd.h>
#endif
#include <sys/ipc.h>
#include <sys/resource.h>
#include <sys/shm.h>
#include <sys/wait.h>
#ifndef P_PIDFD
/* The kernel's value (<linux/wait.h>, which clashes with <sys/wait.h>): glibc's <sys/wait.h> has
   it from 2.36 on, so a build against older headers (Debian 11's 2.31, the manylinux_2_28
   image's 2.28) needs it here. */
#define P_PIDFD 3
#endif
#if !defined(SYS_pidfd_getfd) && defined(__NR_pidfd_getfd)
/* glibc's <sys/syscall.h> names only the calls of the kernel it was released with (2.31: none
   of Linux 5.6's pidfd_getfd); the kernel headers' number is the same call. */
#define SYS_pidfd_getfd __NR_pidfd_getfd
#endif
#if defined(__x86_64__) || defined(__aarch64__)
/* Older still (glibc 2.28 with Linux 4.18's headers: the manylinux_2_28 image that builds the
   release wheels) names no pidfd call at all, and the wheel would answer ENOSYS on every kernel.
   Since Linux 5.1 a new call has one number on every architecture but alpha, ia64 and mips
   (<asm-generic/unistd.h>, arch/x86/entry/syscalls/syscall_64.tbl): those of the wheels'. */
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif
#endif
"""

TYPES = (
    """
#define P_ALL ...
#define P_PID ...
#define P_PGID ...
#define P_PIDFD ...
#define WEXITED ...
#define WSTOPPED ...
#define WCONTINUED ...
#define WNOHANG ...
#define WNOWAIT ...
#define CLD_EXITED ...
#define CLD_KILLED ...
#define CLD_DUMPED ...
#define CLD_TRAPPED ...
#define CLD_STOPPED ...
#define CLD_CONTINUED ...

#define SI_USER ...
#define SI_KERNEL ...
#define SI_QUEUE ...
#define SI_TIMER ...
#define SI_MESGQ ...
#define SI_ASYNCIO ...
#define SI_SIGIO ...
#define SI_TKILL ...

#define IPC_PRIVATE ...
#define IPC_CREAT ...
#define IPC_EXCL ...
#define IPC_NOWAIT ...
#define IPC_RMID ...
#define IPC_SET ...
#define IPC_STAT ...
#define IPC_INFO ...
#define SHM_RDONLY ...
#define SHM_RND ...
#define SHM_REMAP ...
#define SHM_EXEC ...
#define SHM_LOCK ...
#define SHM_UNLOCK ...
#define SHM_STAT ...
#define SHM_INFO ...
#define SHM_STAT_ANY ...
#define SHM_HUGETLB ...
#define SHM_NORESERVE ...
#define SHM_DEST ...
#define SHM_LOCKED ...

#define PIDFD_NONBLOCK ...
#define PIDFD_THREAD ...
#define PIDFD_SIGNAL_THREAD ...
#define PIDFD_SIGNAL_THREAD_GROUP ...
#define PIDFD_SIGNAL_PROCESS_GROUP ...
#define SFD_CLOEXEC ...
#define SFD_NONBLOCK ...
#define SYSAPI_SIGNALFD_BATCH ...

/* Declared in part: cffi takes the real offsets and size from the header. */
struct signalfd_siginfo {
    uint32_t ssi_signo;
    int32_t ssi_errno;
    int32_t ssi_code;
    uint32_t ssi_pid;
    uint32_t ssi_uid;
    int32_t ssi_fd;
    uint32_t ssi_tid;
    uint32_t ssi_band;
    uint32_t ssi_overrun;
    uint32_t ssi_trapno;
    int32_t ssi_status;
    int32_t ssi_int;
    uint64_t ssi_ptr;
    uint64_t ssi_utime;
    uint64_t ssi_stime;
    uint64_t ssi_addr;
    ...;
};
"""
    + _STRUCTS
)

FUNCTIONS = """
long sysapi_waitid(int idtype, int id, int options, struct sysapi_waitid_out *out);
long sysapi_sigqueue(int pid, int sig, int value);
long sysapi_sigwaitinfo(uint64_t lo, uint64_t hi, struct sysapi_siginfo *info);
long sysapi_sigtimedwait(uint64_t lo, uint64_t hi, int64_t sec, long nsec,
                         struct sysapi_siginfo *info);
long sysapi_ftok(const char *path, int proj_id, int *key);
long sysapi_shmget(int key, size_t size, int shmflg);
long sysapi_shmat(int shmid, uintptr_t shmaddr, int shmflg, uintptr_t *addr);
long sysapi_shmdt(uintptr_t shmaddr);
long sysapi_shmctl(int shmid, int cmd, struct sysapi_shmid_ds *buf);
long sysapi_pidfd_open(int pid, unsigned int flags);
long sysapi_pidfd_send_signal(int pidfd, int sig, int queue, int value, unsigned int flags);
long sysapi_pidfd_getfd(int pidfd, int targetfd, unsigned int flags);
long sysapi_signalfd(int fd, uint64_t lo, uint64_t hi, int flags);
long sysapi_signalfd_wait_read(int fd, int wakefd, int64_t timeout_ns,
                               struct signalfd_siginfo *buf, uint32_t *changed, int *woken);
"""

CUSTOMIZATIONS = (
    _STRUCTS
    + """
/* Headers older than Linux 6.9 (Debian 12's) lack these: the values of its <linux/pidfd.h>. */
#ifndef PIDFD_NONBLOCK
#define PIDFD_NONBLOCK O_NONBLOCK
#endif
#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL
#endif
#ifndef PIDFD_SIGNAL_THREAD
#define PIDFD_SIGNAL_THREAD (1UL << 0)
#define PIDFD_SIGNAL_THREAD_GROUP (1UL << 1)
#define PIDFD_SIGNAL_PROCESS_GROUP (1UL << 2)
#endif

/* Records read per signalfd read: the stack array below and the changed bit mask. */
#define SYSAPI_SIGNALFD_BATCH 16

static void sysapi_copy_siginfo(const siginfo_t *in, struct sysapi_siginfo *out)
{
    /* The members overlap in the kernel's union: reading all of them is well defined in GNU C
       and lets Python pick the ones si_code gives a meaning to. */
    out->signo = in->si_signo;
    out->err = in->si_errno;
    out->code = in->si_code;
    out->pid = in->si_pid;
    out->uid = in->si_uid;
    out->status = in->si_status;
    out->value_int = in->si_value.sival_int;
    out->value_ptr = (uintptr_t)in->si_value.sival_ptr;
    out->utime = (long)in->si_utime;
    out->stime = (long)in->si_stime;
    out->addr = (uintptr_t)in->si_addr;
    out->band = in->si_band;
    out->fd = in->si_fd;
    out->timerid = in->si_timerid;
    out->overrun = in->si_overrun;
}

static void sysapi_copy_rusage(const struct rusage *in, struct sysapi_rusage *out)
{
    out->ru_utime_sec = in->ru_utime.tv_sec;
    out->ru_utime_usec = in->ru_utime.tv_usec;
    out->ru_stime_sec = in->ru_stime.tv_sec;
    out->ru_stime_usec = in->ru_stime.tv_usec;
    out->ru_maxrss = in->ru_maxrss;
    out->ru_ixrss = in->ru_ixrss;
    out->ru_idrss = in->ru_idrss;
    out->ru_isrss = in->ru_isrss;
    out->ru_minflt = in->ru_minflt;
    out->ru_majflt = in->ru_majflt;
    out->ru_nswap = in->ru_nswap;
    out->ru_inblock = in->ru_inblock;
    out->ru_oublock = in->ru_oublock;
    out->ru_msgsnd = in->ru_msgsnd;
    out->ru_msgrcv = in->ru_msgrcv;
    out->ru_nsignals = in->ru_nsignals;
    out->ru_nvcsw = in->ru_nvcsw;
    out->ru_nivcsw = in->ru_nivcsw;
}

/* The raw system call: glibc's waitid() has no rusage argument. Zeroed first, so that fields
   the kernel leaves alone (si_utime, si_stime) read 0. Returns si_pid: 0 when WNOHANG found
   no child to report, in which case out is left untouched (Python does not read it). */
static long sysapi_waitid(int idtype, int id, int options, struct sysapi_waitid_out *out)
{
#ifdef SYS_waitid
    siginfo_t si;
    struct rusage r;
    memset(&si, 0, sizeof si);
    memset(&r, 0, sizeof r);
    if (syscall(SYS_waitid, idtype, id, &si, options, &r) < 0)
        return -(long)errno;
    if (si.si_pid == 0)
        return 0;
    sysapi_copy_siginfo(&si, &out->info);
    sysapi_copy_rusage(&r, &out->ru);
    return si.si_pid;
#else
    return -ENOSYS;
#endif
}

static long sysapi_sigqueue(int pid, int sig, int value)
{
    union sigval v;
    memset(&v, 0, sizeof v);  /* a receiver reading sival_ptr sees no stack garbage */
    v.sival_int = value;
    SYSAPI_RET(sigqueue(pid, sig, v));
}

/* The signal set as a bit mask, bit n for signal n (lo: bits 0-63, hi: 64-127, enough for
   every Linux architecture's _NSIG). Python validated the numbers (valid_signals()). */
static int sysapi_fill_sigset(sigset_t *set, uint64_t lo, uint64_t hi)
{
    const uint64_t words[2] = {lo, hi};
    sigemptyset(set);
    for (int w = 0; w < 2; w++)
        for (uint64_t m = words[w]; m != 0; m &= m - 1)  /* each set bit, lowest first */
            if (sigaddset(set, w * 64 + __builtin_ctzll(m)) < 0)
                return -1;
    return 0;
}

/* Copy si into info unless info already holds the same flattened bytes: 1 when it changed,
   0 when not, so that Python can reuse the SigInfo it built from info last time. Both sides
   are copied whole, padding included (zeroed here, zeroed by ffi.new), so memcmp is exact. */
static long sysapi_update_siginfo(const siginfo_t *si, struct sysapi_siginfo *info)
{
    struct sysapi_siginfo now;
    memset(&now, 0, sizeof now);
    sysapi_copy_siginfo(si, &now);
    if (memcmp(&now, info, sizeof now) == 0)
        return 0;
    memcpy(info, &now, sizeof now);
    return 1;
}

/* Success: 1 when info received new contents, 0 when they equal what it held (a signal always
   differs from a zeroed info). */
static long sysapi_sigwaitinfo(uint64_t lo, uint64_t hi, struct sysapi_siginfo *info)
{
    sigset_t set;
    siginfo_t si;
    memset(&si, 0, sizeof si);
    if (sysapi_fill_sigset(&set, lo, hi) < 0)
        return -(long)errno;
    if (sigwaitinfo(&set, &si) < 0)
        return -(long)errno;
    return sysapi_update_siginfo(&si, info);
}

/* As sysapi_sigwaitinfo. */
static long sysapi_sigtimedwait(uint64_t lo, uint64_t hi, int64_t sec, long nsec,
                                struct sysapi_siginfo *info)
{
    sigset_t set;
    siginfo_t si;
    struct timespec ts;
    memset(&si, 0, sizeof si);
    if (sysapi_fill_sigset(&set, lo, hi) < 0)
        return -(long)errno;
    ts.tv_sec = (time_t)sec;
    ts.tv_nsec = nsec;
    if (sigtimedwait(&set, &si, &ts) < 0)
        return -(long)errno;
    return sysapi_update_siginfo(&si, info);
}

/* ftok's -1 is also a valid key (proj_id >= 128 makes keys negative): errno decides. */
static long sysapi_ftok(const char *path, int proj_id, int *key)
{
    errno = 0;
    key_t k = ftok(path, proj_id);
    if (k == (key_t)-1 && errno != 0)
        return -(long)errno;
    *key = (int)k;
    return 0;
}

static long sysapi_shmget(int key, size_t size, int shmflg)
{ SYSAPI_RET(shmget((key_t)key, size, shmflg)); }

static long sysapi_shmat(int shmid, uintptr_t shmaddr, int shmflg, uintptr_t *addr)
{
    void *p = shmat(shmid, (const void *)shmaddr, shmflg);
    if (p == (void *)-1)
        return -(long)errno;
    *addr = (uintptr_t)p;
    return 0;
}

static long sysapi_shmdt(uintptr_t shmaddr)
{ SYSAPI_RET(shmdt((const void *)shmaddr)); }

/* IPC_SET takes uid, gid and mode from buf; IPC_STAT, SHM_STAT and SHM_STAT_ANY fill it.
   The kernel writes other structs (shminfo, shm_info) for IPC_INFO and SHM_INFO: the union
   gives every command room, and only the shmid_ds view is copied out. */
static long sysapi_shmctl(int shmid, int cmd, struct sysapi_shmid_ds *buf)
{
    union {
        struct shmid_ds ds;
        struct shminfo info;
        struct shm_info sinfo;
    } u;
    memset(&u, 0, sizeof u);
    u.ds.shm_perm.uid = buf->uid;
    u.ds.shm_perm.gid = buf->gid;
    u.ds.shm_perm.mode = buf->mode;
    int rc = shmctl(shmid, cmd, &u.ds);
    if (rc < 0)
        return -(long)errno;
    if (cmd == IPC_STAT || cmd == SHM_STAT || cmd == SHM_STAT_ANY) {
        buf->key = (int)u.ds.shm_perm.__key;
        buf->uid = u.ds.shm_perm.uid;
        buf->gid = u.ds.shm_perm.gid;
        buf->cuid = u.ds.shm_perm.cuid;
        buf->cgid = u.ds.shm_perm.cgid;
        buf->mode = u.ds.shm_perm.mode;
        buf->seq = u.ds.shm_perm.__seq;
        buf->shm_segsz = u.ds.shm_segsz;
        buf->shm_atime = u.ds.shm_atime;
        buf->shm_dtime = u.ds.shm_dtime;
        buf->shm_ctime = u.ds.shm_ctime;
        buf->shm_cpid = u.ds.shm_cpid;
        buf->shm_lpid = u.ds.shm_lpid;
        buf->shm_nattch = u.ds.shm_nattch;
    }
    return rc;
}

/* glibc 2.36 has wrappers, older ones do not: the raw calls work with either. */
static long sysapi_pidfd_open(int pid, unsigned int flags)
{
#ifdef SYS_pidfd_open
    SYSAPI_RET(syscall(SYS_pidfd_open, pid, flags));
#else
    (void)pid;
    (void)flags;
    return -ENOSYS;
#endif
}

/* queue: send si_code SI_QUEUE with sival_int = value and the caller's pid and real uid, the
   siginfo sigqueue() builds (pidfd_send_signal takes it as rt_sigqueueinfo does); otherwise
   NULL, which the kernel fills as kill() does (SI_USER). */
static long sysapi_pidfd_send_signal(int pidfd, int sig, int queue, int value, unsigned int flags)
{
#ifdef SYS_pidfd_send_signal
    siginfo_t si;
    siginfo_t *info = NULL;
    if (queue) {
        memset(&si, 0, sizeof si);  /* a receiver reading sival_ptr sees no stack garbage */
        si.si_signo = sig;
        si.si_code = SI_QUEUE;
        si.si_pid = getpid();
        si.si_uid = getuid();
        si.si_value.sival_int = value;
        info = &si;
    }
    SYSAPI_RET(syscall(SYS_pidfd_send_signal, pidfd, sig, info, flags));
#else
    (void)pidfd;
    (void)sig;
    (void)queue;
    (void)value;
    (void)flags;
    return -ENOSYS;
#endif
}

static long sysapi_pidfd_getfd(int pidfd, int targetfd, unsigned int flags)
{
#ifdef SYS_pidfd_getfd
    SYSAPI_RET(syscall(SYS_pidfd_getfd, pidfd, targetfd, flags));
#else
    (void)pidfd;
    (void)targetfd;
    (void)flags;
    return -ENOSYS;
#endif
}

static long sysapi_signalfd(int fd, uint64_t lo, uint64_t hi, int flags)
{
    sigset_t set;
    if (sysapi_fill_sigset(&set, lo, hi) < 0)
        return -(long)errno;
    SYSAPI_RET(signalfd(fd, &set, flags));
}

/* Wait until fd is readable (or wakefd, when >= 0, is: the owner closed it), for at most
   timeout_ns (< 0: forever), then read up to SYSAPI_SIGNALFD_BATCH records: the poll-then-read
   of the inotify area (its shim, earlier in this translation unit, reads any descriptor).
   Returns how many records were read; 0 when the time ran out or wakefd fired (*woken = 1);
   -errno (EINTR: the caller retries with the time left; EAGAIN: another reader took the
   signals first). Bit i of *changed is set when record i differs from what buf[i] held, so
   that Python can reuse the SigInfo it built from the same bytes. The caller serializes
   readers of one buf. */
static long sysapi_signalfd_wait_read(int fd, int wakefd, int64_t timeout_ns,
                                      struct signalfd_siginfo *buf, uint32_t *changed, int *woken)
{
    struct signalfd_siginfo got[SYSAPI_SIGNALFD_BATCH];
    uint32_t bits = 0;
    long n = sysapi_inotify_wait_read(fd, wakefd, timeout_ns, (char *)got, sizeof got, woken);
    if (n <= 0)
        return n;
    long count = n / (long)sizeof got[0];
    for (long i = 0; i < count; i++) {
        if (memcmp(&got[i], &buf[i], sizeof got[i]) != 0) {
            memcpy(&buf[i], &got[i], sizeof got[i]);
            bits |= 1u << i;
        }
    }
    *changed = bits;
    return count;
}
"""
)

NATIVE = """
/* ---- native functions (sysapi._native) ----
   shmctl's IPC_STAT family builds its ShmidDs here: those commands only copy the kernel's
   record of the segment, so they run with the GIL held. */
static struct sysapi_record sysapi_ipc_perm, sysapi_shmid_ds;
static struct sysapi_last sysapi_last_shmid_ds;

/* shm_bind(ipc_perm, shmid_ds): the record classes. */
static PyObject *sysapi_native_shm_bind(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    static const char *const perm[] = {"key", "uid", "gid", "cuid", "cgid", "mode", "seq", NULL};
    static const char *const ds[] = {"shm_perm", "shm_segsz", "shm_atime", "shm_dtime",
        "shm_ctime", "shm_cpid", "shm_lpid", "shm_nattch", NULL};
    (void)self;
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "shm_bind(ipc_perm, shmid_ds)");
        return NULL;
    }
    if (sysapi_record_bind(&sysapi_ipc_perm, args[0], perm) < 0
        || sysapi_record_bind(&sysapi_shmid_ds, args[1], ds) < 0)
        return NULL;
    sysapi_last_set(&sysapi_last_shmid_ds, NULL, 0, NULL);  /* of a class bound before */
    Py_RETURN_NONE;
}

/* shm_stat(shmid, cmd) -> ShmidDs, for cmd IPC_STAT, SHM_STAT or SHM_STAT_ANY; or the errno as
   an int. */
static PyObject *sysapi_native_shm_stat(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    struct sysapi_shmid_ds buf;
    PyObject *perm[7], *ds[8], *result;
    int shmid, cmd;
    long rc;
    (void)self;
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "shm_stat(shmid, cmd) takes 2 arguments");
        return NULL;
    }
    if (sysapi_as_int(args[0], &shmid) < 0 || sysapi_as_int(args[1], &cmd) < 0)
        return NULL;
    if (cmd != IPC_STAT && cmd != SHM_STAT && cmd != SHM_STAT_ANY) {
        PyErr_SetString(PyExc_ValueError, "shm_stat: cmd is not a stat command");
        return NULL;
    }
    memset(&buf, 0, sizeof buf);
    rc = sysapi_shmctl(shmid, cmd, &buf);
    if (rc < 0)
        return PyLong_FromLong(-rc);
    result = sysapi_last_get(&sysapi_last_shmid_ds, &buf, sizeof buf);
    if (result != NULL)
        return result;
    perm[0] = PyLong_FromLong(buf.key);
    perm[1] = PyLong_FromUnsignedLong(buf.uid);
    perm[2] = PyLong_FromUnsignedLong(buf.gid);
    perm[3] = PyLong_FromUnsignedLong(buf.cuid);
    perm[4] = PyLong_FromUnsignedLong(buf.cgid);
    perm[5] = PyLong_FromUnsignedLong(buf.mode);
    perm[6] = PyLong_FromUnsignedLong(buf.seq);
    ds[0] = sysapi_record_new(&sysapi_ipc_perm, perm, 7);
    ds[1] = PyLong_FromUnsignedLongLong(buf.shm_segsz);
    ds[2] = PyLong_FromLongLong(buf.shm_atime);
    ds[3] = PyLong_FromLongLong(buf.shm_dtime);
    ds[4] = PyLong_FromLongLong(buf.shm_ctime);
    ds[5] = PyLong_FromLong(buf.shm_cpid);
    ds[6] = PyLong_FromLong(buf.shm_lpid);
    ds[7] = PyLong_FromUnsignedLongLong(buf.shm_nattch);
    result = sysapi_record_new(&sysapi_shmid_ds, ds, 8);
    sysapi_last_set(&sysapi_last_shmid_ds, &buf, sizeof buf, result);
    return result;
}

/* waitid: the wait and the WaitidResult in one call (the GIL released around the wait). */
static struct sysapi_record sysapi_waitid_result;
static PyObject *sysapi_signals;        /* sysapi.process._SIGNALS: number -> signal.Signals */
static PyObject *sysapi_cld_codes;      /* code -> CldCode */
static PyObject *sysapi_cld_code_type;  /* CldCode, for a code no member has */
static PyObject *sysapi_struct_rusage;  /* resource.struct_rusage */

/* Keep a reference to each of the n values in *slots[i], releasing the one held before (a
   reloaded module binds again). */
static void sysapi_keep(PyObject **const *slots, PyObject *const *values, int n)
{
    for (int i = 0; i < n; i++) {
        PyObject *old = *slots[i];
        Py_INCREF(values[i]);
        *slots[i] = values[i];
        Py_XDECREF(old);
    }
}

/* waitid_bind(result, signals, cld_codes, cld_code, struct_rusage) */
static PyObject *sysapi_native_waitid_bind(PyObject *self, PyObject *const *args,
                                           Py_ssize_t nargs)
{
    static const char *const fields[] = {"si_signo", "si_code", "si_pid", "si_uid", "si_status",
        "si_utime", "si_stime", "rusage", NULL};
    PyObject **const kept[4] = {&sysapi_signals, &sysapi_cld_codes, &sysapi_cld_code_type,
                                &sysapi_struct_rusage};
    (void)self;
    if (nargs != 5 || !PyDict_Check(args[1]) || !PyDict_Check(args[2])
        || !PyCallable_Check(args[3]) || !PyCallable_Check(args[4])) {
        PyErr_SetString(PyExc_TypeError,
                        "waitid_bind(result, signals, cld_codes, cld_code, struct_rusage)");
        return NULL;
    }
    if (sysapi_record_bind(&sysapi_waitid_result, args[0], fields) < 0)
        return NULL;  /* nothing else is bound before the record is */
    sysapi_keep(kept, args + 1, 4);
    Py_RETURN_NONE;
}

/* CPU time in clock ticks, truncated as the kernel's nsec_to_clock_t does. */
static PyObject *sysapi_ticks(long sec, long usec)
{
    __int128 us = (__int128)sec * 1000000 + usec;
    return PyLong_FromLongLong((long long)(us * sysconf(_SC_CLK_TCK) / 1000000));
}

/* resource.struct_rusage of a struct sysapi_rusage, as os.wait4 makes it. */
static PyObject *sysapi_rusage_object(const struct sysapi_rusage *ru)
{
    const long rest[] = {ru->ru_maxrss, ru->ru_ixrss, ru->ru_idrss, ru->ru_isrss, ru->ru_minflt,
        ru->ru_majflt, ru->ru_nswap, ru->ru_inblock, ru->ru_oublock, ru->ru_msgsnd,
        ru->ru_msgrcv, ru->ru_nsignals, ru->ru_nvcsw, ru->ru_nivcsw};
    const Py_ssize_t n = (Py_ssize_t)(sizeof rest / sizeof rest[0]);
    PyObject *fields = PyTuple_New(2 + n), *result = NULL;
    Py_ssize_t i;
    for (i = 0; fields != NULL && i < 2 + n; i++) {
        PyObject *item;
        if (i == 0)
            item = PyFloat_FromDouble((double)ru->ru_utime_sec + (double)ru->ru_utime_usec / 1e6);
        else if (i == 1)
            item = PyFloat_FromDouble((double)ru->ru_stime_sec + (double)ru->ru_stime_usec / 1e6);
        else
            item = PyLong_FromLong(rest[i - 2]);
        if (item == NULL || PyTuple_SetItem(fields, i, item) < 0)  /* it steals item */
            Py_CLEAR(fields);
    }
    if (fields != NULL)
        result = PyObject_CallFunctionObjArgs(sysapi_struct_rusage, fields, NULL);
    Py_XDECREF(fields);
    return result;
}

/* The WaitidResult of what sysapi_waitid filled in, with the rusage when asked. */
static PyObject *sysapi_waitid_object(const struct sysapi_waitid_out *out, int with_rusage)
{
    PyObject *values[8];
    values[0] = sysapi_lookup(sysapi_signals, NULL, out->info.signo, 0);
    values[1] = sysapi_lookup(sysapi_cld_codes, sysapi_cld_code_type, out->info.code, 0);
    values[2] = PyLong_FromLong(out->info.pid);
    values[3] = PyLong_FromUnsignedLong(out->info.uid);
    if (out->info.code == CLD_EXITED)
        values[4] = PyLong_FromLong(out->info.status);
    else
        values[4] = sysapi_lookup(sysapi_signals, NULL, out->info.status, 0);
    values[5] = sysapi_ticks(out->ru.ru_utime_sec, out->ru.ru_utime_usec);
    values[6] = sysapi_ticks(out->ru.ru_stime_sec, out->ru.ru_stime_usec);
    if (with_rusage) {
        values[7] = sysapi_rusage_object(&out->ru);
    } else {
        Py_INCREF(Py_None);
        values[7] = Py_None;
    }
    return sysapi_record_new(&sysapi_waitid_result, values, 8);
}

/* waitid_result(buffer, rusage) -> the WaitidResult in buffer (the bytes of a struct
   sysapi_waitid_out that sysapi_waitid filled), with the rusage when asked. */
static PyObject *sysapi_native_waitid_result(PyObject *self, PyObject *const *args,
                                             Py_ssize_t nargs)
{
    struct sysapi_waitid_out out;
    int with_rusage;
    (void)self;
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "waitid_result(buffer, rusage) takes 2 arguments");
        return NULL;
    }
    with_rusage = PyObject_IsTrue(args[1]);
    if (with_rusage < 0 || sysapi_record_bound(&sysapi_waitid_result) < 0
        || sysapi_copy_struct(args[0], &out, sizeof out) < 0)
        return NULL;
    return sysapi_waitid_object(&out, with_rusage);
}

/* waitid(idtype, id, options, rusage) -> the WaitidResult; None when WNOHANG found no child
   to report; or the errno as an int (EINTR included: Python runs the handlers and retries).
   The wait may block: the GIL is released around the system call alone, which touches only
   C locals. */
static PyObject *sysapi_native_waitid(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    struct sysapi_waitid_out out;
    int idtype, id, options, with_rusage;
    long pid;
    (void)self;
    if (nargs != 4) {
        PyErr_SetString(PyExc_TypeError, "waitid(idtype, id, options, rusage) takes 4 arguments");
        return NULL;
    }
    if (sysapi_as_int(args[0], &idtype) < 0 || sysapi_as_int(args[1], &id) < 0
        || sysapi_as_int(args[2], &options) < 0)
        return NULL;
    with_rusage = PyObject_IsTrue(args[3]);
    if (with_rusage < 0 || sysapi_record_bound(&sysapi_waitid_result) < 0)
        return NULL;
    Py_BEGIN_ALLOW_THREADS
    pid = sysapi_waitid(idtype, id, options, &out);
    Py_END_ALLOW_THREADS
    if (pid < 0)
        return PyLong_FromLong(-pid);
    if (pid == 0)
        Py_RETURN_NONE;
    return sysapi_waitid_object(&out, with_rusage);
}

/* sigwaitinfo and sigtimedwait: the wait and the SigInfo in one call (the GIL released
   around the wait alone). */
static struct sysapi_record sysapi_siginfo_record;
static PyObject *sysapi_siginfo_signals;  /* number -> signal.Signals */
static PyObject *sysapi_si_codes;         /* code -> SiCode */
static PyObject *sysapi_sigchld_codes;    /* code -> CldCode, for SIGCHLD */
static uint64_t sysapi_valid_signals[2];  /* bit n: signal n is valid (signal.valid_signals) */
static struct sysapi_last sysapi_last_siginfo;

/* signals_bind(siginfo, signals, si_codes, sigchld_codes, valid_lo, valid_hi) */
static PyObject *sysapi_native_signals_bind(PyObject *self, PyObject *const *args,
                                            Py_ssize_t nargs)
{
    static const char *const fields[] = {"si_signo", "si_errno", "si_code", "si_pid", "si_uid",
        "si_status", "si_value", "si_ptr", "si_utime", "si_stime", "si_addr", "si_band",
        "si_fd", "si_timerid", "si_overrun", NULL};
    PyObject **const kept[3] = {&sysapi_siginfo_signals, &sysapi_si_codes, &sysapi_sigchld_codes};
    unsigned long long valid[2];
    int i;
    (void)self;
    if (nargs != 6 || !PyDict_Check(args[1]) || !PyDict_Check(args[2]) || !PyDict_Check(args[3])) {
        PyErr_SetString(PyExc_TypeError, "signals_bind(siginfo, signals, si_codes, "
                                         "sigchld_codes, valid_lo, valid_hi)");
        return NULL;
    }
    for (i = 0; i < 2; i++) {
        valid[i] = PyLong_AsUnsignedLongLong(args[4 + i]);
        if (valid[i] == (unsigned long long)-1 && PyErr_Occurred())
            return NULL;
    }
    if (sysapi_record_bind(&sysapi_siginfo_record, args[0], fields) < 0)
        return NULL;  /* nothing else is bound before the record is */
    sysapi_keep(kept, args + 1, 3);
    sysapi_valid_signals[0] = valid[0];
    sysapi_valid_signals[1] = valid[1];
    sysapi_last_set(&sysapi_last_siginfo, NULL, 0, NULL);  /* of a class bound before */
    Py_RETURN_NONE;
}

/* The signal mask of sigset when it is a tuple, list, set or frozenset of valid signal
   numbers (iterating those runs no Python code): 1, with the bit mask in words; 0 for
   anything else, which Python converts (and reports) itself; -1 with an exception set. */
static int sysapi_sigset_words(PyObject *sigset, uint64_t words[2])
{
    PyObject *iter, *item;
    int result = 1;
    if (!PyTuple_CheckExact(sigset) && !PyList_CheckExact(sigset)
        && !PyAnySet_CheckExact(sigset))
        return 0;
    iter = PyObject_GetIter(sigset);
    if (iter == NULL)
        return -1;
    words[0] = words[1] = 0;
    while (result == 1 && (item = PyIter_Next(iter)) != NULL) {
        long n = PyLong_Check(item) ? PyLong_AsLong(item) : -1;
        if (n == -1 && PyErr_Occurred())
            PyErr_Clear();  /* too large: Python reports it */
        if (n > 0 && n < 128 && (sysapi_valid_signals[n / 64] >> (n % 64) & 1))
            words[n / 64] |= (uint64_t)1 << (n % 64);
        else
            result = 0;
        Py_DECREF(item);
    }
    Py_DECREF(iter);
    return PyErr_Occurred() ? -1 : result;
}

/* A timeout in ns as a timespec, floor-divided as Python's divmod (a negative one reaches the
   kernel, which refuses it). Past 292 years only the seconds must fit, as for the shim. */
static int sysapi_ns_timespec(PyObject *ns, struct timespec *ts)
{
    int overflow;
    long long v = PyLong_AsLongLongAndOverflow(ns, &overflow);
    PyObject *billion, *pair;
    long long sec;
    if (v == -1 && PyErr_Occurred())
        return -1;
    if (!overflow) {
        ts->tv_sec = (time_t)(v / 1000000000);
        ts->tv_nsec = (long)(v % 1000000000);
        if (ts->tv_nsec < 0) {
            ts->tv_nsec += 1000000000;
            ts->tv_sec -= 1;
        }
        return 0;
    }
    billion = PyLong_FromLong(1000000000);
    pair = billion != NULL ? PyNumber_Divmod(ns, billion) : NULL;
    Py_XDECREF(billion);
    if (pair == NULL)
        return -1;
    sec = PyLong_AsLongLong(PyTuple_GetItem(pair, 0));  /* OverflowError past int64 */
    ts->tv_sec = (time_t)sec;
    ts->tv_nsec = PyLong_AsLong(PyTuple_GetItem(pair, 1));
    Py_DECREF(pair);
    return PyErr_Occurred() ? -1 : 0;
}

/* si_code as SigInfo names it: a SiCode, else a CldCode for SIGCHLD, else the int. */
static PyObject *sysapi_si_code(int signo, int code)
{
    PyObject *found = sysapi_lookup(sysapi_si_codes, NULL, code, 0);
    if (found == NULL || !PyLong_CheckExact(found) || signo != SIGCHLD)
        return found;
    Py_DECREF(found);
    return sysapi_lookup(sysapi_sigchld_codes, NULL, code, 0);
}

/* The SigInfo of a flattened siginfo. */
static PyObject *sysapi_siginfo_object(const struct sysapi_siginfo *info)
{
    PyObject *values[15];
    values[0] = sysapi_lookup(sysapi_siginfo_signals, NULL, info->signo, 0);
    values[1] = PyLong_FromLong(info->err);
    values[2] = sysapi_si_code(info->signo, info->code);
    values[3] = PyLong_FromLong(info->pid);
    values[4] = PyLong_FromUnsignedLong(info->uid);
    values[5] = PyLong_FromLong(info->status);
    values[6] = PyLong_FromLong(info->value_int);
    values[7] = PyLong_FromSize_t(info->value_ptr);
    values[8] = PyLong_FromLong(info->utime);
    values[9] = PyLong_FromLong(info->stime);
    values[10] = PyLong_FromSize_t(info->addr);
    values[11] = PyLong_FromLong(info->band);
    values[12] = PyLong_FromLong(info->fd);
    values[13] = PyLong_FromLong(info->timerid);
    values[14] = PyLong_FromLong(info->overrun);
    return sysapi_record_new(&sysapi_siginfo_record, values, 15);
}

/* sigwait(sigset, ns[, lo, hi]) -> the SigInfo of a signal of sigset taken off the queue,
   waiting ns nanoseconds at most (sigtimedwait; None when none came) or, for ns None, until
   one comes (sigwaitinfo). Or the errno as an int (EINTR included: Python runs the handlers
   and retries), or 0 when sigset is not a plain collection of valid signals: Python then
   passes its mask as lo (signals 1-63) and hi (64-127), and sigset is not read. */
static PyObject *sysapi_native_sigwait(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    struct sysapi_siginfo now;
    struct timespec ts;
    sigset_t set;
    siginfo_t si;
    uint64_t words[2];
    int timed, rc, err = 0;
    PyObject *result;
    (void)self;
    if (nargs != 2 && nargs != 4) {
        PyErr_SetString(PyExc_TypeError, "sigwait(sigset, ns[, lo, hi]) takes 2 or 4 arguments");
        return NULL;
    }
    if (sysapi_record_bound(&sysapi_siginfo_record) < 0)
        return NULL;
    timed = args[1] != Py_None;
    if (timed && sysapi_ns_timespec(args[1], &ts) < 0)
        return NULL;
    if (nargs == 4) {
        words[0] = PyLong_AsUnsignedLongLong(args[2]);
        if (words[0] == (uint64_t)-1 && PyErr_Occurred())
            return NULL;
        words[1] = PyLong_AsUnsignedLongLong(args[3]);
        if (words[1] == (uint64_t)-1 && PyErr_Occurred())
            return NULL;
    } else {
        rc = sysapi_sigset_words(args[0], words);
        if (rc <= 0)
            return rc < 0 ? NULL : PyLong_FromLong(0);
    }
    if (sysapi_fill_sigset(&set, words[0], words[1]) < 0)
        return PyLong_FromLong(errno);
    memset(&si, 0, sizeof si);
    Py_BEGIN_ALLOW_THREADS
    rc = timed ? sigtimedwait(&set, &si, &ts) : sigwaitinfo(&set, &si);
    if (rc < 0)
        err = errno;
    Py_END_ALLOW_THREADS
    if (rc < 0) {
        if (err == EAGAIN && timed)
            Py_RETURN_NONE;  /* the time ran out */
        return PyLong_FromLong(err);
    }
    memset(&now, 0, sizeof now);  /* padding included: memcmp compares whole structs */
    sysapi_copy_siginfo(&si, &now);
    result = sysapi_last_get(&sysapi_last_siginfo, &now, sizeof now);
    if (result == NULL) {
        result = sysapi_siginfo_object(&now);
        sysapi_last_set(&sysapi_last_siginfo, &now, sizeof now, result);
    }
    return result;
}

static PyMethodDef sysapi_process_native[] = {
    {"shm_bind", (PyCFunction)(void (*)(void))sysapi_native_shm_bind, METH_FASTCALL,
     "shm_bind(ipc_perm, shmid_ds, /)\\n--\\n\\nBind the record classes of shm_stat."},
    {"shm_stat", (PyCFunction)(void (*)(void))sysapi_native_shm_stat, METH_FASTCALL,
     "shm_stat(shmid, cmd, /)\\n--\\n\\nThe segment's ShmidDs, or the errno as an int."},
    {"waitid_bind", (PyCFunction)(void (*)(void))sysapi_native_waitid_bind, METH_FASTCALL,
     "waitid_bind(result, signals, cld_codes, cld_code, struct_rusage, /)\\n--\\n\\n"
     "Bind the classes and tables waitid and waitid_result use."},
    {"waitid_result", (PyCFunction)(void (*)(void))sysapi_native_waitid_result, METH_FASTCALL,
     "waitid_result(buffer, rusage, /)\\n--\\n\\nThe WaitidResult in a filled buffer."},
    {"signals_bind", (PyCFunction)(void (*)(void))sysapi_native_signals_bind, METH_FASTCALL,
     "signals_bind(siginfo, signals, si_codes, sigchld_codes, valid_lo, valid_hi, /)\\n--\\n\\n"
     "Bind the class, the tables and the valid signals sigwait uses."},
    {"sigwait", (PyCFunction)(void (*)(void))sysapi_native_sigwait, METH_FASTCALL,
     "sigwait(sigset, ns, lo=None, hi=None, /)\\n--\\n\\n"
     "Wait for a signal (the GIL released): the SigInfo, None, 0 or the errno."},
    {"waitid", (PyCFunction)(void (*)(void))sysapi_native_waitid, METH_FASTCALL,
     "waitid(idtype, id, options, rusage, /)\\n--\\n\\n"
     "Wait (the GIL released): the WaitidResult, None, or the errno."},
    {NULL, NULL, 0, NULL},
};
"""
