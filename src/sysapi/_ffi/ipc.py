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
    int rc = semctl(semid, semnum, cmd, arg);
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
)
