INCLUDES = """
#include <limits.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <time.h>
#include <sys/timex.h>
"""

TYPES = """
#define CLOCK_REALTIME ...
#define CLOCK_MONOTONIC ...
#define CLOCK_PROCESS_CPUTIME_ID ...
#define CLOCK_THREAD_CPUTIME_ID ...
#define CLOCK_MONOTONIC_RAW ...
#define CLOCK_REALTIME_COARSE ...
#define CLOCK_MONOTONIC_COARSE ...
#define CLOCK_BOOTTIME ...
#define CLOCK_REALTIME_ALARM ...
#define CLOCK_BOOTTIME_ALARM ...
#define CLOCK_TAI ...
#define TIMER_ABSTIME ...
#define DELAYTIMER_MAX ...

#define SIGEV_SIGNAL ...
#define SIGEV_NONE ...
#define SIGEV_THREAD ...
#define SIGEV_THREAD_ID ...

#define ADJ_OFFSET ...
#define ADJ_FREQUENCY ...
#define ADJ_MAXERROR ...
#define ADJ_ESTERROR ...
#define ADJ_STATUS ...
#define ADJ_TIMECONST ...
#define ADJ_TAI ...
#define ADJ_SETOFFSET ...
#define ADJ_MICRO ...
#define ADJ_NANO ...
#define ADJ_TICK ...
#define ADJ_OFFSET_SINGLESHOT ...
#define ADJ_OFFSET_SS_READ ...

#define STA_PLL ...
#define STA_PPSFREQ ...
#define STA_PPSTIME ...
#define STA_FLL ...
#define STA_INS ...
#define STA_DEL ...
#define STA_UNSYNC ...
#define STA_FREQHOLD ...
#define STA_PPSSIGNAL ...
#define STA_PPSJITTER ...
#define STA_PPSWANDER ...
#define STA_PPSERROR ...
#define STA_CLOCKERR ...
#define STA_NANO ...
#define STA_MODE ...
#define STA_CLK ...

#define TIME_OK ...
#define TIME_INS ...
#define TIME_DEL ...
#define TIME_OOP ...
#define TIME_WAIT ...
#define TIME_ERROR ...

/* A private mirror of struct timex with fixed-width fields: standard structs such as
   struct timeval are declared by no area, so areas never clash in the one cdef. */
struct sysapi_timex {
    unsigned int modes;
    int status;
    int64_t offset, freq, maxerror, esterror, constant, precision, tolerance;
    int64_t time_sec, time_usec;
    int64_t tick, ppsfreq, jitter, shift, stabil, jitcnt, calcnt, errcnt, stbcnt, tai;
};
"""

FUNCTIONS = """
extern "Python" void sysapi_timer_fire(uint64_t key, int overrun);

long sysapi_timer_create(int clockid, int notify, int signo, int value, uint64_t key, int tid,
                         void **timerid);
long sysapi_timer_settime(void *timerid, int flags, int64_t value_sec, int64_t value_nsec,
                          int64_t interval_sec, int64_t interval_nsec, int64_t *old);
long sysapi_timer_gettime(void *timerid, int64_t *cur);
long sysapi_timer_gettime_ns(void *timerid, int64_t *ns);
long sysapi_timer_getoverrun(void *timerid);
long sysapi_timer_delete(void *timerid);
long sysapi_timers_close_gate(long timeout_ms);
void sysapi_timers_after_fork(void);
long sysapi_timers_inflight(void);
long sysapi_timers_dispatch_tid(void);

long sysapi_clock_nanosleep(int clockid, int flags, int64_t sec, int64_t nsec, int64_t *out);
long sysapi_adjtimex(struct sysapi_timex *tx);
long sysapi_clock_adjtime(int clockid, struct sysapi_timex *tx);
"""

CUSTOMIZATIONS = """
struct sysapi_timex {
    unsigned int modes;
    int status;
    int64_t offset, freq, maxerror, esterror, constant, precision, tolerance;
    int64_t time_sec, time_usec;
    int64_t tick, ppsfreq, jitter, shift, stabil, jitcnt, calcnt, errcnt, stbcnt, tai;
};

/* ---- POSIX timers ----
   SIGEV_THREAD callbacks. glibc would run each expiry on a freshly created thread and drop
   the kernel's si_overrun; sysapi instead sends each expiry (SIGEV_THREAD_ID, signal
   SIGRTMAX) to one dispatch thread of its own, which takes it with sigwaitinfo and calls into
   Python with the sigval's integer key (never an object pointer) and the exact si_overrun.
   Only that thread blocks SIGRTMAX and the signals are directed at it, so the rest of the
   process never sees them.
   The gate lets interpreter shutdown stop callbacks from entering Python: it is closed, then
   the callback already inside Python is waited for (with the GIL released). */
static void sysapi_timer_fire(uint64_t key, int overrun);  /* extern "Python", by cffi */

/* Tagged keys: a process-directed SIGRTMAX timer signal of someone else's (its sigval has no
   tag) that the dispatch thread happens to take is dropped, never mistaken for a callback. */
#define SYSAPI_KEY_TAG  0x5359000000000000ULL
#define SYSAPI_KEY_MASK 0xffff000000000000ULL

static int sysapi_timers_gate = 1;
static long sysapi_timers_running = 0;
static pthread_mutex_t sysapi_dispatch_lock = PTHREAD_MUTEX_INITIALIZER;
static pid_t sysapi_dispatch_tid = 0;  /* 0: no dispatch thread in this process yet */
static sem_t sysapi_dispatch_ready;

static void *sysapi_dispatch_main(void *arg)
{
    sigset_t wanted;
    siginfo_t si;
    (void)arg;
    sigemptyset(&wanted);
    sigaddset(&wanted, SIGRTMAX);
    __atomic_store_n(&sysapi_dispatch_tid, (pid_t)syscall(SYS_gettid), __ATOMIC_SEQ_CST);
    sem_post(&sysapi_dispatch_ready);
    for (;;) {
        uint64_t tagged;
        if (sigwaitinfo(&wanted, &si) < 0 || si.si_code != SI_TIMER)
            continue;  /* EINTR, or a stray SIGRTMAX not from a timer: nothing to run */
        tagged = (uint64_t)(uintptr_t)si.si_value.sival_ptr;
        if ((tagged & SYSAPI_KEY_MASK) != SYSAPI_KEY_TAG)
            continue;  /* not one of ours */
        __atomic_add_fetch(&sysapi_timers_running, 1, __ATOMIC_SEQ_CST);
        if (__atomic_load_n(&sysapi_timers_gate, __ATOMIC_SEQ_CST))
            sysapi_timer_fire(tagged & ~SYSAPI_KEY_MASK, si.si_overrun);
        __atomic_sub_fetch(&sysapi_timers_running, 1, __ATOMIC_SEQ_CST);
    }
    return NULL;
}

/* The dispatch thread's tid, starting the thread on first use; or -errno. */
static long sysapi_dispatch_start(void)
{
    long result;
    pthread_mutex_lock(&sysapi_dispatch_lock);
    if (sysapi_dispatch_tid == 0) {
        sigset_t all, old;
        pthread_attr_t attr;
        pthread_t thread;
        int rc;
        sem_init(&sysapi_dispatch_ready, 0, 0);
        sigfillset(&all);  /* the new thread starts with every signal blocked */
        pthread_sigmask(SIG_SETMASK, &all, &old);
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        rc = pthread_create(&thread, &attr, sysapi_dispatch_main, NULL);
        pthread_attr_destroy(&attr);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        if (rc != 0) {
            pthread_mutex_unlock(&sysapi_dispatch_lock);
            return -(long)rc;
        }
        pthread_setname_np(thread, "sysapi-timers");
        while (sem_wait(&sysapi_dispatch_ready) < 0 && errno == EINTR)
            ;
    }
    result = sysapi_dispatch_tid;
    pthread_mutex_unlock(&sysapi_dispatch_lock);
    return result;
}

/* Close the gate for good; wait up to timeout_ms for a callback inside Python to leave.
   Returns how many are still running (0 normally). */
static long sysapi_timers_close_gate(long timeout_ms)
{
    struct timespec step = {0, 1000000};
    __atomic_store_n(&sysapi_timers_gate, 0, __ATOMIC_SEQ_CST);
    for (long waited = 0; waited < timeout_ms; waited++) {
        if (__atomic_load_n(&sysapi_timers_running, __ATOMIC_SEQ_CST) == 0)
            return 0;
        nanosleep(&step, NULL);
    }
    return __atomic_load_n(&sysapi_timers_running, __ATOMIC_SEQ_CST);
}

/* In a forked child the dispatch thread does not exist: the next callback timer starts one. */
static void sysapi_timers_after_fork(void)
{
    pthread_mutex_init(&sysapi_dispatch_lock, NULL);
    sysapi_dispatch_tid = 0;
    __atomic_store_n(&sysapi_timers_running, 0, __ATOMIC_SEQ_CST);
    __atomic_store_n(&sysapi_timers_gate, 1, __ATOMIC_SEQ_CST);
}

static long sysapi_timers_inflight(void)
{ return __atomic_load_n(&sysapi_timers_running, __ATOMIC_SEQ_CST); }

static long sysapi_timers_dispatch_tid(void)
{ return __atomic_load_n(&sysapi_dispatch_tid, __ATOMIC_SEQ_CST); }

/* The timer calls go to the system calls themselves, with the kernel's timer id as the handle.
   Before glibc 2.34 a timer_t is a pointer to a block glibc allocates at timer_create and frees
   at timer_delete: PosixTimer.gettime and getoverrun take no lock, so a delete() in another
   thread during one of them made glibc read freed memory. A kernel id that was deleted is only
   refused (EINVAL; Linux hands ids out in a cycle of 2**31). sysapi never asks the C library
   for SIGEV_THREAD (its callbacks are SIGEV_THREAD_ID to its own dispatch thread), so glibc's
   timer_t adds nothing; musl's and glibc 2.34's are the kernel id already. The kernel's struct
   sigevent and, on 64-bit targets, struct itimerspec are the C library's; a 32-bit target keeps
   the library's functions (its time_t may be wider than the system call's). */
#if defined(SYS_timer_create) && __SIZEOF_LONG__ == 8
#define SYSAPI_TIMER_SYSCALLS 1
#else
#define SYSAPI_TIMER_SYSCALLS 0
#endif

static int sysapi_sys_timer_create(clockid_t clockid, struct sigevent *sev, void **timerid)
{
#if SYSAPI_TIMER_SYSCALLS
    int id;  /* the kernel's timer_t */
    if (syscall(SYS_timer_create, clockid, sev, &id) < 0)
        return -1;
    *timerid = (void *)(intptr_t)id;
#else
    timer_t id;
    if (timer_create(clockid, sev, &id) < 0)
        return -1;
    *timerid = (void *)id;
#endif
    return 0;
}

static int sysapi_sys_timer_settime(void *timerid, int flags, const struct itimerspec *value,
                                    struct itimerspec *old)
{
#if SYSAPI_TIMER_SYSCALLS
    return (int)syscall(SYS_timer_settime, (int)(intptr_t)timerid, flags, value, old);
#else
    return timer_settime((timer_t)timerid, flags, value, old);
#endif
}

static int sysapi_sys_timer_gettime(void *timerid, struct itimerspec *value)
{
#if SYSAPI_TIMER_SYSCALLS
    return (int)syscall(SYS_timer_gettime, (int)(intptr_t)timerid, value);
#else
    return timer_gettime((timer_t)timerid, value);
#endif
}

static int sysapi_sys_timer_getoverrun(void *timerid)
{
#if SYSAPI_TIMER_SYSCALLS
    return (int)syscall(SYS_timer_getoverrun, (int)(intptr_t)timerid);
#else
    return timer_getoverrun((timer_t)timerid);
#endif
}

static int sysapi_sys_timer_delete(void *timerid)
{
#if SYSAPI_TIMER_SYSCALLS
    return (int)syscall(SYS_timer_delete, (int)(intptr_t)timerid);
#else
    return timer_delete((timer_t)timerid);
#endif
}

static long sysapi_timer_create(int clockid, int notify, int signo, int value, uint64_t key,
                                int tid, void **timerid)
{
    struct sigevent sev;
    memset(&sev, 0, sizeof sev);
    sev.sigev_notify = notify;
    sev.sigev_signo = signo;
    sev.sigev_value.sival_int = value;
    if (notify == SIGEV_THREAD) {
        long dispatcher = sysapi_dispatch_start();
        if (dispatcher < 0)
            return dispatcher;
        sev.sigev_notify = SIGEV_THREAD_ID;
        sev.sigev_signo = SIGRTMAX;
        if (key & SYSAPI_KEY_MASK)
            return -(long)EOVERFLOW;  /* 2**48 callback timers: not reachable in practice */
        sev.sigev_value.sival_ptr = (void *)(uintptr_t)(key | SYSAPI_KEY_TAG);
        tid = (int)dispatcher;
    }
    if (sev.sigev_notify == SIGEV_THREAD_ID) {
#ifdef sigev_notify_thread_id  /* glibc 2.35+ and musl name the field; older glibc does not */
        sev.sigev_notify_thread_id = tid;
#else
        sev._sigev_un._tid = tid;
#endif
    }
    if (sysapi_sys_timer_create(clockid, &sev, timerid) < 0)
        return -(long)errno;
    return 0;
}

static long sysapi_timer_settime(void *timerid, int flags, int64_t value_sec, int64_t value_nsec,
                                 int64_t interval_sec, int64_t interval_nsec, int64_t *old)
{
    struct itimerspec new_value, old_value;
    new_value.it_value.tv_sec = value_sec;
    new_value.it_value.tv_nsec = value_nsec;
    new_value.it_interval.tv_sec = interval_sec;
    new_value.it_interval.tv_nsec = interval_nsec;
    if (sysapi_sys_timer_settime(timerid, flags, &new_value, &old_value) < 0)
        return -(long)errno;
    old[0] = old_value.it_value.tv_sec;
    old[1] = old_value.it_value.tv_nsec;
    old[2] = old_value.it_interval.tv_sec;
    old[3] = old_value.it_interval.tv_nsec;
    return 0;
}

static long sysapi_timer_gettime(void *timerid, int64_t *cur)
{
    struct itimerspec value;
    if (sysapi_sys_timer_gettime(timerid, &value) < 0)
        return -(long)errno;
    cur[0] = value.it_value.tv_sec;
    cur[1] = value.it_value.tv_nsec;
    cur[2] = value.it_interval.tv_sec;
    cur[3] = value.it_interval.tv_nsec;
    return 0;
}

/* The same in nanoseconds: ns[0] the time to the next expiry, ns[1] the period. Linux keeps
   timers in 64-bit nanoseconds (it clamps longer settings), so they fit; should a kernel ever
   report more, this returns 1 and the caller asks sysapi_timer_gettime, whose seconds and
   nanoseconds it can add without limit. */
static long sysapi_timer_gettime_ns(void *timerid, int64_t *ns)
{
    struct itimerspec value;
    if (sysapi_sys_timer_gettime(timerid, &value) < 0)
        return -(long)errno;
    if (__builtin_mul_overflow((int64_t)value.it_value.tv_sec, (int64_t)1000000000, &ns[0])
        || __builtin_add_overflow(ns[0], (int64_t)value.it_value.tv_nsec, &ns[0])
        || __builtin_mul_overflow((int64_t)value.it_interval.tv_sec, (int64_t)1000000000, &ns[1])
        || __builtin_add_overflow(ns[1], (int64_t)value.it_interval.tv_nsec, &ns[1]))
        return 1;
    return 0;
}

static long sysapi_timer_getoverrun(void *timerid)
{ SYSAPI_RET(sysapi_sys_timer_getoverrun(timerid)); }

static long sysapi_timer_delete(void *timerid)
{ SYSAPI_RET(sysapi_sys_timer_delete(timerid)); }

/* ---- clocks ---- */

/* clock_nanosleep returns the error number (it does not set errno). On EINTR, out[0..1]
   receives the kernel's remaining time (relative sleeps) and out[2] the clock's reading at
   that instant, so the caller can recompute what is left after its signal handlers ran. */
static long sysapi_clock_nanosleep(int clockid, int flags, int64_t sec, int64_t nsec,
                                   int64_t *out)
{
    struct timespec req, rem = {0, 0}, now;
    int rc;
    req.tv_sec = sec;
    req.tv_nsec = nsec;
    rc = clock_nanosleep(clockid, flags, &req, &rem);
    if (rc == EINTR) {
        out[0] = rem.tv_sec;
        out[1] = rem.tv_nsec;
        out[2] = clock_gettime(clockid, &now) == 0
                 ? (int64_t)now.tv_sec * 1000000000 + now.tv_nsec : -1;
    }
    SYSAPI_RET_RC(rc);
}

static void sysapi_timex_in(struct timex *t, const struct sysapi_timex *s)
{
    memset(t, 0, sizeof *t);
    t->modes = s->modes;
    t->offset = s->offset;
    t->freq = s->freq;
    t->maxerror = s->maxerror;
    t->esterror = s->esterror;
    t->status = s->status;
    t->constant = s->constant;
    t->precision = s->precision;
    t->tolerance = s->tolerance;
    t->time.tv_sec = s->time_sec;
    t->time.tv_usec = s->time_usec;
    t->tick = s->tick;
    t->ppsfreq = s->ppsfreq;
    t->jitter = s->jitter;
    t->shift = s->shift;
    t->stabil = s->stabil;
    t->jitcnt = s->jitcnt;
    t->calcnt = s->calcnt;
    t->errcnt = s->errcnt;
    t->stbcnt = s->stbcnt;
    t->tai = s->tai;
}

static void sysapi_timex_out(struct sysapi_timex *s, const struct timex *t)
{
    s->modes = t->modes;
    s->offset = t->offset;
    s->freq = t->freq;
    s->maxerror = t->maxerror;
    s->esterror = t->esterror;
    s->status = t->status;
    s->constant = t->constant;
    s->precision = t->precision;
    s->tolerance = t->tolerance;
    s->time_sec = t->time.tv_sec;
    s->time_usec = t->time.tv_usec;
    s->tick = t->tick;
    s->ppsfreq = t->ppsfreq;
    s->jitter = t->jitter;
    s->shift = t->shift;
    s->stabil = t->stabil;
    s->jitcnt = t->jitcnt;
    s->calcnt = t->calcnt;
    s->errcnt = t->errcnt;
    s->stbcnt = t->stbcnt;
    s->tai = t->tai;
}

/* Both return the clock state (TIME_OK ... TIME_ERROR) or -errno; *tx is updated in place. */
static long sysapi_adjtimex(struct sysapi_timex *tx)
{
    struct timex t;
    int state;
    sysapi_timex_in(&t, tx);
    state = adjtimex(&t);
    if (state < 0)
        return -(long)errno;
    sysapi_timex_out(tx, &t);
    return state;
}

static long sysapi_clock_adjtime(int clockid, struct sysapi_timex *tx)
{
    struct timex t;
    int state;
    sysapi_timex_in(&t, tx);
    state = clock_adjtime(clockid, &t);
    if (state < 0)
        return -(long)errno;
    sysapi_timex_out(tx, &t);
    return state;
}
"""

NATIVE = """
/* ---- native functions (sysapi._native) ----
   PosixTimer.gettime builds its ItimerSpec here. timer_gettime only reads the timer: it never
   blocks, so it runs with the GIL held. Timer ids cross as integers (uintptr_t). */
static struct sysapi_record sysapi_itimerspec;

static PyObject *sysapi_native_timers_bind(PyObject *self, PyObject *itimerspec)
{
    static const char *const fields[] = {"it_value_ns", "it_interval_ns", NULL};
    (void)self;
    if (sysapi_record_bind(&sysapi_itimerspec, itimerspec, fields) < 0)
        return NULL;
    Py_RETURN_NONE;
}

/* A timespec in nanoseconds. Linux keeps timers in 64-bit nanoseconds (it clamps longer
   settings), so the fast case is the only one met; a wider value is still exact. */
static PyObject *sysapi_timespec_ns(const struct timespec *ts)
{
    int64_t ns;
    PyObject *sec, *nsec, *giga, *product = NULL, *sum = NULL;
    if (!__builtin_mul_overflow((int64_t)ts->tv_sec, (int64_t)1000000000, &ns)
        && !__builtin_add_overflow(ns, (int64_t)ts->tv_nsec, &ns))
        return PyLong_FromLongLong(ns);
    sec = PyLong_FromLongLong(ts->tv_sec);
    nsec = PyLong_FromLong(ts->tv_nsec);
    giga = PyLong_FromLong(1000000000);
    if (sec != NULL && nsec != NULL && giga != NULL)
        product = PyNumber_Multiply(sec, giga);
    if (product != NULL)
        sum = PyNumber_Add(product, nsec);
    Py_XDECREF(sec);
    Py_XDECREF(nsec);
    Py_XDECREF(giga);
    Py_XDECREF(product);
    return sum;
}

/* timer_gettime(timerid) -> ItimerSpec, or the errno as an int. */
static PyObject *sysapi_native_timer_gettime(PyObject *self, PyObject *timerid)
{
    struct itimerspec value;
    PyObject *values[2];
    void *id = PyLong_AsVoidPtr(timerid);
    (void)self;
    if (id == NULL && PyErr_Occurred())
        return NULL;
    if (sysapi_sys_timer_gettime(id, &value) < 0)
        return PyLong_FromLong(errno);
    values[0] = sysapi_timespec_ns(&value.it_value);
    values[1] = sysapi_timespec_ns(&value.it_interval);
    return sysapi_record_new(&sysapi_itimerspec, values, 2);
}

/* timer_getoverrun(timerid) -> the overrun count, or -errno. */
static PyObject *sysapi_native_timer_getoverrun(PyObject *self, PyObject *timerid)
{
    int overrun;
    void *id = PyLong_AsVoidPtr(timerid);
    (void)self;
    if (id == NULL && PyErr_Occurred())
        return NULL;
    overrun = sysapi_sys_timer_getoverrun(id);
    return PyLong_FromLong(overrun < 0 ? -(long)errno : (long)overrun);
}

/* adjtimex and clock_adjtime results: the calls stay cffi shims (a setting may wait for the
   timekeeping lock); C builds the AdjtimexResult from the struct sysapi_timex they filled. */
static struct sysapi_record sysapi_timex_record, sysapi_adjtimex_result;
/* AdjMode, TimexStatus and ClockState, each with the dict that memoises its members. */
static PyObject *sysapi_timex_enums[6];
#define SYSAPI_TIMEX_ENUM_CACHE 256

/* timex_bind(timex, adjtimex_result, adj_mode, modes, timex_status, statuses, clock_state,
   states) */
static PyObject *sysapi_native_timex_bind(PyObject *self, PyObject *const *args,
                                          Py_ssize_t nargs)
{
    static const char *const timex[] = {"modes", "status", "offset", "freq", "maxerror",
        "esterror", "constant", "precision", "tolerance", "time_ns", "tick", "ppsfreq", "jitter",
        "shift", "stabil", "jitcnt", "calcnt", "errcnt", "stbcnt", "tai", NULL};
    static const char *const result[] = {"state", "timex", NULL};
    int i;
    (void)self;
    if (nargs != 8 || !PyDict_Check(args[3]) || !PyDict_Check(args[5]) || !PyDict_Check(args[7])
        || !PyCallable_Check(args[2]) || !PyCallable_Check(args[4])
        || !PyCallable_Check(args[6])) {
        PyErr_SetString(PyExc_TypeError, "timex_bind(timex, adjtimex_result, adj_mode, modes, "
                                         "timex_status, statuses, clock_state, states)");
        return NULL;
    }
    if (sysapi_record_bind(&sysapi_timex_record, args[0], timex) < 0
        || sysapi_record_bind(&sysapi_adjtimex_result, args[1], result) < 0)
        return NULL;
    for (i = 0; i < 6; i++) {
        PyObject *old = sysapi_timex_enums[i];
        Py_INCREF(args[i + 2]);
        sysapi_timex_enums[i] = args[i + 2];
        Py_XDECREF(old);
    }
    Py_RETURN_NONE;
}

/* timex_result(state, buffer) -> the AdjtimexResult of a call that returned the clock state
   `state` and filled buffer (the bytes of a struct sysapi_timex). */
static PyObject *sysapi_native_timex_result(PyObject *self, PyObject *const *args,
                                            Py_ssize_t nargs)
{
    struct sysapi_timex tx;
    struct timespec when;
    PyObject *values[20], *result[2];
    const int64_t *rest[] = {&tx.offset, &tx.freq, &tx.maxerror, &tx.esterror, &tx.constant,
        &tx.precision, &tx.tolerance};
    const int64_t *last[] = {&tx.tick, &tx.ppsfreq, &tx.jitter, &tx.shift, &tx.stabil,
        &tx.jitcnt, &tx.calcnt, &tx.errcnt, &tx.stbcnt, &tx.tai};
    long state;
    int i;
    (void)self;
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "timex_result(state, buffer) takes 2 arguments");
        return NULL;
    }
    state = PyLong_AsLong(args[0]);
    if ((state == -1 && PyErr_Occurred()) || sysapi_record_bound(&sysapi_adjtimex_result) < 0
        || sysapi_copy_struct(args[1], &tx, sizeof tx) < 0)
        return NULL;
    values[0] = sysapi_lookup(sysapi_timex_enums[1], sysapi_timex_enums[0], (long)tx.modes,
                              SYSAPI_TIMEX_ENUM_CACHE);
    values[1] = sysapi_lookup(sysapi_timex_enums[3], sysapi_timex_enums[2], tx.status,
                              SYSAPI_TIMEX_ENUM_CACHE);
    for (i = 0; i < 7; i++)
        values[2 + i] = PyLong_FromLongLong(*rest[i]);
    /* time.tv_usec is in nanoseconds when the kernel runs STA_NANO */
    when.tv_sec = tx.time_sec;
    when.tv_nsec = tx.status & STA_NANO ? tx.time_usec : tx.time_usec * 1000;
    values[9] = sysapi_timespec_ns(&when);
    for (i = 0; i < 10; i++)
        values[10 + i] = PyLong_FromLongLong(*last[i]);
    result[0] = sysapi_lookup(sysapi_timex_enums[5], sysapi_timex_enums[4], state,
                              SYSAPI_TIMEX_ENUM_CACHE);
    result[1] = sysapi_record_new(&sysapi_timex_record, values, 20);
    return sysapi_record_new(&sysapi_adjtimex_result, result, 2);
}

static PyMethodDef sysapi_timers_native[] = {
    {"timers_bind", sysapi_native_timers_bind, METH_O,
     "timers_bind(itimerspec, /)\\n--\\n\\nBind the record class the native functions build."},
    {"timer_gettime", sysapi_native_timer_gettime, METH_O,
     "timer_gettime(timerid, /)\\n--\\n\\nThe timer's ItimerSpec, or the errno as an int."},
    {"timer_getoverrun", sysapi_native_timer_getoverrun, METH_O,
     "timer_getoverrun(timerid, /)\\n--\\n\\nThe timer's overrun count, or -errno."},
    {"timex_bind", (PyCFunction)(void (*)(void))sysapi_native_timex_bind, METH_FASTCALL,
     "timex_bind(timex, adjtimex_result, adj_mode, modes, timex_status, statuses, clock_state, "
     "states, /)\\n--\\n\\nBind the classes and member caches timex_result uses."},
    {"timex_result", (PyCFunction)(void (*)(void))sysapi_native_timex_result, METH_FASTCALL,
     "timex_result(state, buffer, /)\\n--\\n\\nThe AdjtimexResult of a filled struct."},
    {NULL, NULL, 0, NULL},
};
"""
