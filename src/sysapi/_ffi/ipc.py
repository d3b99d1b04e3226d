"""C declarations of the SysV message queues and semaphore sets and the POSIX message queues and
semaphores (SysV shared memory is declared in ``process.py``)."""

INCLUDES = """
/* SysV msg and sem */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#ifndef MSG_COPY
/* The kernel's value (<linux/msg.h>, which clashes with <sys/msg.h>): glibc's <sys/msg.h> has
   it, musl's does not. */
#define MSG_COPY 040000
#endif
/* POSIX mq and sem */
#include <dlfcn.h>
#include <fcntl.h>
#include <mqueue.h>
#include <poll.h>
#include <semaphore.h>
#include <signal.h>
#include <stdint.h>
"""

# The flattened result structs, declared once for the cdef and the C code (glibc names the
# key and seq of struct ipc_perm __key and __seq, which cffi cannot parse as fields).
_SYSV_STRUCTS = """
struct sysapi_msqid_ds {
    int key;
    unsigned int uid;
    unsigned int gid;
    unsigned int cuid;
    unsigned int cgid;
    unsigned int mode;
    unsigned int seq;
    int64_t msg_stime;
    int64_t msg_rtime;
    int64_t msg_ctime;
    uint64_t msg_cbytes;
    uint64_t msg_qnum;
    uint64_t msg_qbytes;
    int msg_lspid;
    int msg_lrpid;
};
struct sysapi_semid_ds {
    int key;
    unsigned int uid;
    unsigned int gid;
    unsigned int cuid;
    unsigned int cgid;
    unsigned int mode;
    unsigned int seq;
    int64_t sem_otime;
    int64_t sem_ctime;
    uint64_t sem_nsems;
};
"""

# POSIX mq and sem: the private struct, declared to cffi and defined for the compiler from one
# text.
_POSIX_STRUCTS = """
/* A semaphore in use: see the semaphore shims. */
struct sysapi_sem {
    sem_t *sem;
    long users;
    int state;
    int named;
    int destroy;
};
"""

TYPES = (
    """
/* SysV msg and sem */
#define MSG_NOERROR ...
#define MSG_EXCEPT ...
#define MSG_COPY ...
#define MSG_STAT ...
#define MSG_STAT_ANY ...
#define MSG_INFO ...
#define SEM_UNDO ...
#define GETPID ...
#define GETVAL ...
#define GETALL ...
#define GETNCNT ...
#define GETZCNT ...
#define SETVAL ...
#define SETALL ...
#define SEM_STAT ...
#define SEM_STAT_ANY ...
#define SEM_INFO ...
#define USHRT_MAX ...
/* Messages up to this many bytes go through buffers reused by Python (and the stack in C). */
#define SYSAPI_MSG_POOL ...
struct sembuf {
    unsigned short sem_num;
    short sem_op;
    short sem_flg;
    ...;
};
"""
    + _SYSV_STRUCTS
    + """
/* POSIX mq and sem */
#define MQ_PRIO_MAX ...
#define SEM_VALUE_MAX ...
#define SYSAPI_SEM_CLOSED ...
#define SYSAPI_SEM_RELEASED ...

struct mq_attr {
    long mq_flags;
    long mq_maxmsg;
    long mq_msgsize;
    long mq_curmsgs;
    ...;
};

typedef struct { ...; } sem_t;
"""
    + _POSIX_STRUCTS
)

FUNCTIONS = """
/* SysV msg and sem */
long sysapi_msgget(int key, int msgflg);
long sysapi_msgsnd(int msqid, long mtype, const char *data, size_t size, int msgflg);
long sysapi_msgrcv(int msqid, char *buf, size_t msgsz, long msgtyp, int msgflg);
long sysapi_msgctl(int msqid, int cmd, struct sysapi_msqid_ds *buf);
long sysapi_semget(int key, int nsems, int semflg);
long sysapi_semop(int semid, const char *sops, size_t nsops);
long sysapi_semtimedop(int semid, const char *sops, size_t nsops, int64_t timeout_ns);
long sysapi_semctl(int semid, int semnum, int cmd, int val, unsigned short *array,
            struct sysapi_semid_ds *buf);

/* POSIX mq and sem */
long sysapi_mq_open(const char *name, int oflag, unsigned int mode, struct mq_attr *attr);
long sysapi_mq_unlink(const char *name);
long sysapi_mq_send(int fd, const char *msg, size_t len, unsigned int prio);
long sysapi_mq_timedsend(int fd, const char *msg, size_t len, unsigned int prio,
                         int64_t sec, long nsec);
long sysapi_mq_receive(int fd, char *buf, size_t len, unsigned int *prio);
long sysapi_mq_timedreceive(int fd, char *buf, size_t len, unsigned int *prio,
                            int64_t sec, long nsec);
long sysapi_mq_send_until(int fd, const char *msg, size_t len, unsigned int prio,
                          int64_t deadline_ns);
long sysapi_mq_receive_until(int fd, char *buf, size_t len, unsigned int *prio,
                             int64_t deadline_ns);
long sysapi_mq_getattr(int fd, struct mq_attr *attr);
long sysapi_mq_setattr(int fd, const struct mq_attr *newattr, struct mq_attr *oldattr);
long sysapi_mq_notify(int fd, int remove, int signo, int value);

long sysapi_sem_open(struct sysapi_sem *h, const char *name, int oflag, unsigned int mode,
                     unsigned int value);
long sysapi_sem_init(struct sysapi_sem *h, void *addr, unsigned int value);
long sysapi_sem_unlink(const char *name);
long sysapi_sem_wait(struct sysapi_sem *h);
long sysapi_sem_trywait(struct sysapi_sem *h);
long sysapi_sem_clockwait(struct sysapi_sem *h, int64_t deadline_ns);
long sysapi_sem_post(struct sysapi_sem *h);
long sysapi_sem_getvalue(struct sysapi_sem *h);
long sysapi_sem_close(struct sysapi_sem *h);
int sysapi_sem_clockwait_available(void);
void sysapi_sem_clockwait_disable(int disable);
"""

CUSTOMIZATIONS = (
    """
/* SysV msg and sem */
#define SYSAPI_MSG_POOL 8192
"""
    + _SYSV_STRUCTS
    + """
/* The struct ipc_perm of a msqid_ds or semid_ds, into the flat result structs (which both
   begin with these seven fields). */
#define SYSAPI_COPY_PERM(dst, perm) do { \
    (dst)->key = (int)(perm).__key; \
    (dst)->uid = (perm).uid; \
    (dst)->gid = (perm).gid; \
    (dst)->cuid = (perm).cuid; \
    (dst)->cgid = (perm).cgid; \
    (dst)->mode = (perm).mode; \
    (dst)->seq = (perm).__seq; \
} while (0)

static long sysapi_msgget(int key, int msgflg)
{ SYSAPI_RET(msgget((key_t)key, msgflg)); }

/* The kernel wants the type and the text contiguous (struct msgbuf): a small message is
   assembled on the stack in a buffer of fixed size, a larger one on the heap. */
static long sysapi_msgsnd(int msqid, long mtype, const char *data, size_t size, int msgflg)
{
    union { long mtype; char bytes[sizeof(long) + SYSAPI_MSG_POOL]; } small;
    char *buf = small.bytes;
    if (size > SYSAPI_MSG_POOL) {
        buf = malloc(sizeof(long) + size);
        if (buf == NULL)
            return -ENOMEM;
    }
    memcpy(buf, &mtype, sizeof mtype);
    memcpy(buf + sizeof(long), data, size);
    int rc = msgsnd(msqid, buf, size, msgflg);
    long result = rc < 0 ? -(long)errno : 0;
    if (buf != small.bytes)
        free(buf);
    return result;
}

/* buf holds sizeof(long) + msgsz bytes: the type, then the text. */
static long sysapi_msgrcv(int msqid, char *buf, size_t msgsz, long msgtyp, int msgflg)
{ SYSAPI_RET(msgrcv(msqid, buf, msgsz, msgtyp, msgflg)); }

/* IPC_SET takes uid, gid, mode and msg_qbytes from buf; IPC_STAT, MSG_STAT and MSG_STAT_ANY
   fill it. IPC_INFO and MSG_INFO write a struct msginfo: the union gives them room. */
static long sysapi_msgctl(int msqid, int cmd, struct sysapi_msqid_ds *buf)
{
    union {
        struct msqid_ds ds;
        struct msginfo info;
    } u;
    memset(&u, 0, sizeof u);
    u.ds.msg_perm.uid = buf->uid;
    u.ds.msg_perm.gid = buf->gid;
    u.ds.msg_perm.mode = buf->mode;
    u.ds.msg_qbytes = buf->msg_qbytes;
    int rc = msgctl(msqid, cmd, &u.ds);
    if (rc < 0)
        return -(long)errno;
    if (cmd == IPC_STAT || cmd == MSG_STAT || cmd == MSG_STAT_ANY) {
        SYSAPI_COPY_PERM(buf, u.ds.msg_perm);
        buf->msg_stime = u.ds.msg_stime;
        buf->msg_rtime = u.ds.msg_rtime;
        buf->msg_ctime = u.ds.msg_ctime;
        buf->msg_cbytes = u.ds.__msg_cbytes;
        buf->msg_qnum = u.ds.msg_qnum;
        buf->msg_qbytes = u.ds.msg_qbytes;
        buf->msg_lspid = u.ds.msg_lspid;
        buf->msg_lrpid = u.ds.msg_lrpid;
    }
    return rc;
}

static long sysapi_semget(int key, int nsems, int semflg)
{ SYSAPI_RET(semget((key_t)key, nsems, semflg)); }

/* sops: nsops struct sembuf packed by Python (SemBuf keeps its 6 bytes, made once); only the
   kernel reads them (copy_from_user), so their alignment does not matter. */
static long sysapi_semop(int semid, const char *sops, size_t nsops)
{ SYSAPI_RET(semop(semid, (struct sembuf *)sops, nsops)); }

/* timeout_ns < 0: no timeout (NULL). The kernel measures the relative timeout on
   CLOCK_MONOTONIC. */
static long sysapi_semtimedop(int semid, const char *sops, size_t nsops, int64_t timeout_ns)
{
    struct timespec ts, *tp = NULL;
    if (timeout_ns >= 0) {
        ts.tv_sec = (time_t)(timeout_ns / 1000000000);
        ts.tv_nsec = (long)(timeout_ns % 1000000000);
        tp = &ts;
    }
    SYSAPI_RET(semtimedop(semid, (struct sembuf *)sops, nsops, tp));
}

/* glibc leaves union semun to the caller (semctl(2)). */
union sysapi_semun {
    int val;
    struct semid_ds *buf;
    unsigned short *array;
    struct seminfo *__buf;
};

/* One entry for every command: val for SETVAL, array for GETALL/SETALL (sem_nsems entries),
   buf for IPC_STAT/SEM_STAT/SEM_STAT_ANY (filled) and IPC_SET (uid, gid, mode read). IPC_INFO
   and SEM_INFO write a struct seminfo: the union gives them room. */
static long sysapi_semctl(int semid, int semnum, int cmd, int val, unsigned short *array,
                          struct sysapi_semid_ds *buf)
{
    union {
        struct semid_ds ds;
        struct seminfo info;
    } u;
    union sysapi_semun arg;
    memset(&u, 0, sizeof u);
    switch (cmd) {
    case SETVAL:
        arg.val = val;
        break;
    case GETALL:
    case SETALL:
        arg.array = array;
        break;
    default:
        if (buf != NULL) {
            u.ds.sem_perm.uid = buf->uid;
            u.ds.sem_perm.gid = buf->gid;
            u.ds.sem_perm.mode = buf->mode;
        }
        arg.buf = &u.ds;
    }
    /* glibc before 2.33 (BZ #26637) does not pass the fourth argument for SEM_STAT_ANY, which
       its wrapper's list of commands predates: the kernel got garbage (EFAULT on Debian 11's
       2.31). So that command goes to the system call itself (the 64-bit layout, as glibc's). */
    long rc = cmd == SEM_STAT_ANY ? syscall(SYS_semctl, semid, semnum, cmd, arg.buf)
                                  : semctl(semid, semnum, cmd, arg);
    if (rc < 0)
        return -(long)errno;
    if (buf != NULL && (cmd == IPC_STAT || cmd == SEM_STAT || cmd == SEM_STAT_ANY)) {
        SYSAPI_COPY_PERM(buf, u.ds.sem_perm);
        buf->sem_otime = u.ds.sem_otime;
        buf->sem_ctime = u.ds.sem_ctime;
        buf->sem_nsems = u.ds.sem_nsems;
    }
    return rc;
}
"""
    + _POSIX_STRUCTS
    + r"""
/* POSIX mq and sem */

/* ---- message queues ---- */

static long sysapi_mq_open(const char *name, int oflag, unsigned int mode, struct mq_attr *attr)
{
    SYSAPI_RET(mq_open(name, oflag | O_CLOEXEC, (mode_t)mode, attr));
}

static long sysapi_mq_unlink(const char *name) { SYSAPI_RET(mq_unlink(name)); }

static long sysapi_mq_send(int fd, const char *msg, size_t len, unsigned int prio)
{
    SYSAPI_RET(mq_send(fd, msg, len, prio));
}

static long sysapi_mq_timedsend(int fd, const char *msg, size_t len, unsigned int prio,
                                int64_t sec, long nsec)
{
    struct timespec ts = {(time_t)sec, nsec};
    SYSAPI_RET(mq_timedsend(fd, msg, len, prio, &ts));
}

static long sysapi_mq_receive(int fd, char *buf, size_t len, unsigned int *prio)
{
    SYSAPI_RET(mq_receive(fd, buf, len, prio));
}

static long sysapi_mq_timedreceive(int fd, char *buf, size_t len, unsigned int *prio,
                                   int64_t sec, long nsec)
{
    struct timespec ts = {(time_t)sec, nsec};
    SYSAPI_RET(mq_timedreceive(fd, buf, len, prio, &ts));
}

static int64_t sysapi_monotonic_ns(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
}

/* Wait in ppoll (CLOCK_MONOTONIC) until fd has `events` or the monotonic deadline passes:
   0 to try again, -ETIMEDOUT at the deadline, -EINTR for Python's signal handlers (the caller
   comes back with the same deadline, so the time left is recomputed). The kernel's own
   mq_timed* deadline is a CLOCK_REALTIME timer, which a clock step shortens or stretches. */
static long sysapi_mq_poll_until(int fd, short events, int64_t deadline_ns)
{
    int64_t left = deadline_ns - sysapi_monotonic_ns();
    if (left <= 0)
        return -ETIMEDOUT;
    struct timespec ts = {(time_t)(left / 1000000000), (long)(left % 1000000000)};
    struct pollfd p = {fd, events, 0};
    return ppoll(&p, 1, &ts, NULL) < 0 ? -(long)errno : 0;
}

static long sysapi_mq_send_until(int fd, const char *msg, size_t len, unsigned int prio,
                                 int64_t deadline_ns)
{
    for (;;) {
        /* An attempt that never sleeps, whatever O_NONBLOCK says: a deadline already in the
           past. Writable, on the stack: qemu-user writes the deadline back after the call,
           and on read-only memory it reports EFAULT for a message that was sent. */
        struct timespec past = {0, 0};
        if (mq_timedsend(fd, msg, len, prio, &past) == 0)
            return 0;
        if (errno != ETIMEDOUT && errno != EAGAIN)
            return -(long)errno;
        long r = sysapi_mq_poll_until(fd, POLLOUT, deadline_ns);
        if (r < 0)
            return r;
    }
}

static long sysapi_mq_receive_until(int fd, char *buf, size_t len, unsigned int *prio,
                                    int64_t deadline_ns)
{
    for (;;) {
        struct timespec past = {0, 0}; /* writable: see sysapi_mq_send_until */
        ssize_t n = mq_timedreceive(fd, buf, len, prio, &past);
        if (n >= 0)
            return (long)n;
        if (errno != ETIMEDOUT && errno != EAGAIN)
            return -(long)errno;
        long r = sysapi_mq_poll_until(fd, POLLIN, deadline_ns);
        if (r < 0)
            return r;
    }
}

static long sysapi_mq_getattr(int fd, struct mq_attr *attr) { SYSAPI_RET(mq_getattr(fd, attr)); }

static long sysapi_mq_setattr(int fd, const struct mq_attr *newattr, struct mq_attr *oldattr)
{
    SYSAPI_RET(mq_setattr(fd, newattr, oldattr));
}

/* remove: this process's registration, instead of registering for signo. */
static long sysapi_mq_notify(int fd, int remove, int signo, int value)
{
    if (remove)
        SYSAPI_RET(mq_notify(fd, NULL));
    struct sigevent sev;
    memset(&sev, 0, sizeof sev);
    sev.sigev_notify = SIGEV_SIGNAL;
    sev.sigev_signo = signo;
    sev.sigev_value.sival_int = value;
    SYSAPI_RET(mq_notify(fd, &sev));
}

/* ---- semaphores ----

   A struct sysapi_sem counts the threads inside a call on it, so that close() never unmaps
   (sem_close) or destroys a semaphore another thread is waiting on: close marks it closing,
   and the last thread out releases it. Calls on a closed one return SYSAPI_SEM_CLOSED; the
   one that released it adds SYSAPI_SEM_RELEASED to its result (0 or -errno), so that Python
   then lets go of the buffer of an unnamed semaphore. */

#define SYSAPI_SEM_OPEN 0
#define SYSAPI_SEM_CLOSING 1
#define SYSAPI_SEM_DONE 2
#define SYSAPI_SEM_CLOSED (-(1L << 40))
#define SYSAPI_SEM_RELEASED (1L << 40)

static long sysapi_sem_release(struct sysapi_sem *h)
{
    int rc = 0;
    if (h->named)
        rc = sem_close(h->sem);
    else if (h->destroy)
        rc = sem_destroy(h->sem);
    return rc ? -(long)errno : SYSAPI_SEM_RELEASED;
}

/* 1 when the caller may use h->sem; 0 when it is closed (or closing). */
static int sysapi_sem_enter(struct sysapi_sem *h)
{
    __atomic_add_fetch(&h->users, 1, __ATOMIC_SEQ_CST);
    if (__atomic_load_n(&h->state, __ATOMIC_SEQ_CST) == SYSAPI_SEM_OPEN)
        return 1;
    __atomic_sub_fetch(&h->users, 1, __ATOMIC_SEQ_CST);
    return 0;
}

/* Leave after a call that returned `result`; release the semaphore if this was the last user
   of one being closed. */
static long sysapi_sem_leave(struct sysapi_sem *h, long result)
{
    int closing = SYSAPI_SEM_CLOSING;
    if (__atomic_sub_fetch(&h->users, 1, __ATOMIC_SEQ_CST) == 0
        && __atomic_load_n(&h->state, __ATOMIC_SEQ_CST) == SYSAPI_SEM_CLOSING
        && __atomic_compare_exchange_n(&h->state, &closing, SYSAPI_SEM_DONE, 0,
                                       __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
        if (sysapi_sem_release(h) > 0)
            result += SYSAPI_SEM_RELEASED;
    }
    return result;
}

/* SYSAPI_SEM_RELEASED when released now, 0 when the last user will, SYSAPI_SEM_CLOSED when
   closed already, -errno when sem_close/sem_destroy failed. */
static long sysapi_sem_close(struct sysapi_sem *h)
{
    int open = SYSAPI_SEM_OPEN, closing = SYSAPI_SEM_CLOSING;
    if (!__atomic_compare_exchange_n(&h->state, &open, SYSAPI_SEM_CLOSING, 0,
                                     __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
        return SYSAPI_SEM_CLOSED;
    if (__atomic_load_n(&h->users, __ATOMIC_SEQ_CST) == 0
        && __atomic_compare_exchange_n(&h->state, &closing, SYSAPI_SEM_DONE, 0,
                                       __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
        return sysapi_sem_release(h);
    return 0;
}

static long sysapi_sem_open(struct sysapi_sem *h, const char *name, int oflag, unsigned int mode,
                            unsigned int value)
{
    sem_t *sem = sem_open(name, oflag, (mode_t)mode, value);
    if (sem == SEM_FAILED)
        return -(long)errno;
    h->sem = sem;
    h->named = 1;
    h->state = SYSAPI_SEM_OPEN;
    return 0;
}

static long sysapi_sem_init(struct sysapi_sem *h, void *addr, unsigned int value)
{
    if (sem_init((sem_t *)addr, 1, value))
        return -(long)errno;
    h->sem = (sem_t *)addr;
    h->destroy = 1;
    h->state = SYSAPI_SEM_OPEN;
    return 0;
}

static long sysapi_sem_unlink(const char *name) { SYSAPI_RET(sem_unlink(name)); }

#define SYSAPI_SEM_CALL(expr) do { \
    if (!sysapi_sem_enter(h)) return SYSAPI_SEM_CLOSED; \
    long sysapi_r_ = (expr) ? -(long)errno : 0; \
    return sysapi_sem_leave(h, sysapi_r_); } while (0)

static long sysapi_sem_wait(struct sysapi_sem *h) { SYSAPI_SEM_CALL(sem_wait(h->sem)); }

static long sysapi_sem_trywait(struct sysapi_sem *h) { SYSAPI_SEM_CALL(sem_trywait(h->sem)); }

static long sysapi_sem_post(struct sysapi_sem *h) { SYSAPI_SEM_CALL(sem_post(h->sem)); }

static long sysapi_sem_getvalue(struct sysapi_sem *h)
{
    int value = 0;
    if (!sysapi_sem_enter(h))
        return SYSAPI_SEM_CLOSED;
    long r = sem_getvalue(h->sem, &value) ? -(long)errno : (long)value;
    return sysapi_sem_leave(h, r);
}

/* sem_clockwait is glibc 2.30: looked up at run time, so that a build for an older glibc
   loads. Without it the wait falls back to sem_timedwait on CLOCK_REALTIME, its deadline
   computed from the monotonic time left just before the call (a clock step during the wait
   then shortens or stretches it; Python waits again when it ends before the monotonic one). */
typedef int (*sysapi_sem_clockwait_fn)(sem_t *, clockid_t, const struct timespec *);

/* Tests and the conformance cases set it to exercise the fallback on a glibc that has
   sem_clockwait. */
static int sysapi_sem_clockwait_disabled;

static void sysapi_sem_clockwait_disable(int disable)
{
    __atomic_store_n(&sysapi_sem_clockwait_disabled, disable, __ATOMIC_RELEASE);
}

/* sem_clockwait is glibc 2.30, above the wheels' floor: bound at run time (SYSAPI_LIBC_BIND). */
static sysapi_sem_clockwait_fn sysapi_libc_sem_clockwait;

static sysapi_sem_clockwait_fn sysapi_sem_clockwait_lookup(void)
{
    if (__atomic_load_n(&sysapi_sem_clockwait_disabled, __ATOMIC_ACQUIRE))
        return NULL;
    if (!SYSAPI_LIBC_BIND(sysapi_libc_sem_clockwait, "sem_clockwait"))
        return NULL;
    return sysapi_libc_sem_clockwait;
}

static int sysapi_sem_clockwait_available(void) { return sysapi_sem_clockwait_lookup() != NULL; }

static long sysapi_sem_clockwait(struct sysapi_sem *h, int64_t deadline_ns)
{
    sysapi_sem_clockwait_fn fn = sysapi_sem_clockwait_lookup();
    struct timespec ts;
    int rc;
    if (!sysapi_sem_enter(h))
        return SYSAPI_SEM_CLOSED;
    if (fn != NULL) {
        ts.tv_sec = (time_t)(deadline_ns / 1000000000);
        ts.tv_nsec = (long)(deadline_ns % 1000000000);
        rc = fn(h->sem, CLOCK_MONOTONIC, &ts);
    } else {
        int64_t left = deadline_ns - sysapi_monotonic_ns();
        if (left < 0)
            left = 0;
        clock_gettime(CLOCK_REALTIME, &ts);
        int64_t abs_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec + left;
        ts.tv_sec = (time_t)(abs_ns / 1000000000);
        ts.tv_nsec = (long)(abs_ns % 1000000000);
        rc = sem_timedwait(h->sem, &ts);
    }
    return sysapi_sem_leave(h, rc ? -(long)errno : 0);
}
"""
)
