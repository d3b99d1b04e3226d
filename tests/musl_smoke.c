/* The shims on musl at run time, without Python: tests/test_symbols.py compiles this file
   together with the module's C source (every shim, as build_ffi.py joins them, in this one
   translation unit: the shims are static) into an executable linked dynamically against musl,
   runs it, and expects "ok" as the last line. It shows that the C layer works on musl's libc
   (the glibc-only calls answer ENOSYS, sem_clockwait's fallback, the callback timers' dispatch
   thread); it does not run cffi, the Python layer or the test suite, which need a musl CPython.

   Every check prints one line; a failed one names what it got and the program exits 1. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static volatile uint64_t fired_key;

/* cffi's extern "Python" callback: here, a C function that records the key. */
static void sysapi_timer_fire(uint64_t key, int overrun)
{
    (void)overrun;
    __atomic_store_n(&fired_key, key, __ATOMIC_SEQ_CST);
}

static int failures;

static void expect(const char *what, long got, long want)
{
    printf("%-58s %s (got %ld, want %ld)\n", what, got == want ? "ok" : "FAILED", got, want);
    if (got != want)
        failures++;
}

static int64_t after_ms(long ms) { return sysapi_monotonic_ns() + (int64_t)ms * 1000000; }

int main(void)
{
    char name[64];
    snprintf(name, sizeof name, "/sysapi-musl-smoke-%ld", (long)getpid());

    /* glibc-only and late calls: looked up at run time, absent on musl. */
    struct sysapi_mallinfo2 info;
    expect("libc_has(\"mq_open\") is 1 (dlsym looks in musl)", sysapi_libc_has("mq_open"), 1);
    expect("libc_has(\"mallinfo2\") is 0 on musl", sysapi_libc_has("mallinfo2"), 0);
    expect("mallinfo2 answers -ENOSYS", sysapi_mallinfo2(&info), -ENOSYS);
    expect("malloc_trim answers -ENOSYS", sysapi_malloc_trim(0), -ENOSYS);
    expect("mallopt answers -ENOSYS", sysapi_mallopt(1, 0), -ENOSYS);
    expect("sem_clockwait is absent (the fallback serves)", sysapi_sem_clockwait_available(), 0);

    /* A named semaphore: the fallback wait times out, then takes a post. */
    struct sysapi_sem sem;
    memset(&sem, 0, sizeof sem);
    expect("sem_open O_CREAT|O_EXCL", sysapi_sem_open(&sem, name, O_CREAT | O_EXCL, 0600, 0), 0);
    expect("sem_clockwait at a past deadline: -ETIMEDOUT", sysapi_sem_clockwait(&sem, 0),
           -ETIMEDOUT);
    expect("sem_post", sysapi_sem_post(&sem), 0);
    expect("sem_clockwait after the post", sysapi_sem_clockwait(&sem, after_ms(1000)), 0);
    expect("sem_close releases it now", sysapi_sem_close(&sem), SYSAPI_SEM_RELEASED);
    expect("sem_unlink", sysapi_sem_unlink(name), 0);

    /* A POSIX message queue through the deadline loops (mq_timed* at a past deadline + ppoll). */
    long mq = sysapi_mq_open(name, O_CREAT | O_EXCL | O_RDWR, 0600, NULL);
    expect("mq_open O_CREAT|O_EXCL gives a descriptor", mq >= 0, 1);
    char buf[8192];
    unsigned int prio = 0;
    expect("mq_send_until", sysapi_mq_send_until((int)mq, "hello", 5, 3, after_ms(1000)), 0);
    expect("mq_receive_until: 5 bytes", sysapi_mq_receive_until((int)mq, buf, sizeof buf, &prio,
                                                                after_ms(1000)), 5);
    expect("... with priority 3", prio, 3);
    expect("mq_receive_until on an empty queue: -ETIMEDOUT",
           sysapi_mq_receive_until((int)mq, buf, sizeof buf, &prio, after_ms(20)), -ETIMEDOUT);
    close((int)mq);
    expect("mq_unlink", sysapi_mq_unlink(name), 0);

    /* A SysV message queue, and msgctl's IPC_STAT copied out field by field. */
    long q = sysapi_msgget(IPC_PRIVATE, IPC_CREAT | 0600);
    expect("msgget IPC_PRIVATE gives an id", q >= 0, 1);
    expect("msgsnd", sysapi_msgsnd((int)q, 7, "world", 5, 0), 0);
    struct sysapi_msqid_ds ds;
    memset(&ds, 0, sizeof ds);
    expect("msgctl IPC_STAT", sysapi_msgctl((int)q, IPC_STAT, &ds), 0);
    expect("... msg_qnum", (long)ds.msg_qnum, 1);
    expect("... msg_cbytes", (long)ds.msg_cbytes, 5);
    expect("... mode", (long)(ds.mode & 0777), 0600);
    char msg[sizeof(long) + 16];
    expect("msgrcv: 5 bytes", sysapi_msgrcv((int)q, msg, 16, 0, 0), 5);
    long mtype;
    memcpy(&mtype, msg, sizeof mtype);
    expect("... of type 7", mtype, 7);
    expect("msgctl IPC_RMID", sysapi_msgctl((int)q, IPC_RMID, &ds), 0);

    /* A callback timer: SIGEV_THREAD_ID with SIGRTMAX to the dispatch thread, whose
       sigwaitinfo loop calls sysapi_timer_fire with the key. */
    void *timer = NULL;
    expect("timer_create (callback: the dispatch thread)",
           sysapi_timer_create(CLOCK_MONOTONIC, SIGEV_THREAD, 0, 0, 42, 0, &timer), 0);
    int64_t old[4];
    expect("timer_settime 10 ms", sysapi_timer_settime(timer, 0, 0, 10000000, 0, 0, old), 0);
    int64_t deadline = after_ms(5000);
    while (__atomic_load_n(&fired_key, __ATOMIC_SEQ_CST) == 0 && sysapi_monotonic_ns() < deadline) {
        struct timespec nap = {0, 1000000};
        nanosleep(&nap, NULL);
    }
    expect("the dispatch thread called back with key 42", (long)fired_key, 42);
    expect("timer_delete", sysapi_timer_delete(timer), 0);

    /* A few plain system calls through their shims. */
    struct sysapi_sched_attr attr;
    memset(&attr, 0, sizeof attr);
    expect("sched_getattr of this thread (1: new bytes)", sysapi_sched_getattr_self(&attr), 1);
    expect("... SCHED_OTHER", attr.sched_policy, SCHED_OTHER);
    long pidfd = sysapi_pidfd_open(getpid(), 0);
    expect("pidfd_open of this process gives a descriptor", pidfd >= 0, 1);
    close((int)pidfd);

    puts(failures ? "FAILED" : "ok");
    return failures ? 1 : 0;
}
