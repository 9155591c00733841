/* schedsim._speedups._genhook: the generator profile hook in C.
 *
 * Does exactly what schedsim.real.genhook's pure-Python profiler does, and
 * appends the same raw tuples to the same list:
 *
 *   (GSTART,  t, tid, key, qualname, how, resumer)   generator first run
 *   (GRESUME, t, tid, key, how, resumer)             generator resumed
 *   (GYIELD,  t, tid, key)                           suspended at a yield
 *   (GEND,    t, tid, key)                           finished
 *
 * t = CLOCK_MONOTONIC ns (what time.perf_counter_ns reads on Linux; see
 * now_raw for the TSC shortcut), tid the native thread id (cached per
 * thread, reset after fork), key = id(frame).
 * Which code is recorded, and where its first RESUME and its YIELD_VALUE
 * instructions are, is decided by a Python callable ``code_info(code)`` (the
 * same one the pure-Python hook uses) once per code object; the answer is
 * kept in a pointer-keyed table (code objects hash by content, slowly).
 *
 * Packed mode (``Hook(..., packed=CODE)``): instead of one tuple per event,
 * events go into a preallocated C array of 32-byte records; each full array
 * (and what is left at ``drain()``) is appended to the list as ONE tuple
 *
 *   (CODE, t_first, tid_first, records: bytes, new_names: tuple)
 *
 * which ``schedsim._speedups.expand_packed`` turns back into the tuples
 * above (names are sent once per process, indices in the records).
 *
 * Two ways to be called: as a profile function (PyEval_SetProfile, per
 * thread; this file), or through a PEP 523 eval-frame function that sees
 * every generator resume once, in every thread, without frame objects
 * (``Hook.install_eval``; evalhook.c).  Both record through record().
 *
 * Python 3.11 only (PyFrame_GetLasti / PyFrame_GetGenerator, the
 * sys.setprofile event model, the 3.11 frame layout); the package falls
 * back to the pure-Python hook anywhere else.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <frameobject.h>
#include "genhook.h"
#include <pthread.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#if defined(__x86_64__)
#include <x86intrin.h>
#endif

#if PY_VERSION_HEX < 0x030B0000 || PY_VERSION_HEX >= 0x030C0000
#error "schedsim._speedups._genhook supports CPython 3.11 only"
#endif

enum { MARK_YIELD = 1, MARK_START = 2 };

static Hook *packed_hook = NULL;  /* the packed hook whose buffer a fork must drop */

/* per-thread state: the pending send/throw/close and the cached thread id */
/* initial-exec: no __tls_get_addr call per access (the few bytes fit the static TLS
 * surplus; where they do not, the import fails and the pure-Python hook is used) */
#define TLS static __thread __attribute__((tls_model("initial-exec")))
TLS PyObject *pending_gen = NULL;
TLS PyObject *pending_how = NULL;
TLS long cached_tid = 0;
TLS PyObject *tid_obj = NULL;

/* id(frame) objects of the last few frames seen: a ping-pong reuses them */
#define KEY_CACHE 8
TLS struct { void *frame; PyObject *key; } key_cache[KEY_CACHE];

static PyObject *new_ref(PyObject *o) { Py_INCREF(o); return o; }

PyObject *s_next, *s_send, *s_throw, *s_close, *s_unknown_resumer;
static PyObject *s_unknown;

static void reset_after_fork(void) {
    cached_tid = 0;
    tid_obj = NULL;
    if (packed_hook != NULL) {  /* the parent keeps and writes what it recorded */
        packed_hook->nbuf = 0;
        packed_hook->names_sent = 0;
    }
}

/* new reference to id(frame), from the per-thread cache when it is there */
static PyObject *frame_key(void *frame) {
    size_t slot = ((size_t)frame >> 6) & (KEY_CACHE - 1);
    if (key_cache[slot].frame != frame) {
        PyObject *key = PyLong_FromVoidPtr(frame);
        if (key == NULL) return NULL;
        Py_XSETREF(key_cache[slot].key, key);
        key_cache[slot].frame = frame;
    }
    return new_ref(key_cache[slot].key);
}

static PyObject *thread_id(void) {
    if (cached_tid == 0) {
        cached_tid = (long)syscall(SYS_gettid);
        tid_obj = PyLong_FromLong(cached_tid);  /* one per thread, kept */
    }
    return tid_obj;
}

static int64_t clock_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* The clock: CLOCK_MONOTONIC ns.  Where the kernel itself keeps time with
 * the TSC (clocksource "tsc", x86-64), reading the TSC costs ~10 ns against
 * ~25 ns for clock_gettime in this VM, so the time is extrapolated from the
 * last clock_gettime (an anchor at most ANCHOR_NS old) at a rate measured
 * over the whole run (a baseline of at least BASELINE_NS, growing).  The error
 * stays within ~10 ns while the baseline is short, a few ns after (tens at the
 * largest NTP slew); all state is guarded by the GIL.  Elsewhere every event reads clock_gettime. */
#define ANCHOR_NS 100000
#define BASELINE_NS 1000000
#define PAIR_TICKS 300  /* a clean clock_gettime takes ~70 ticks: at most ~50 ns of skew */
static int tsc_usable = 0;
#if defined(__x86_64__)
static uint64_t base_tsc, anchor_tsc, anchor_window;  /* window = 0 until calibrated */
static int64_t base_ns, anchor_ns;
static double ns_per_tick;

/* a fresh (clock, TSC) pair; one interrupted between its two reads is not used */
static int64_t reanchor(void) {
    uint64_t before = __rdtsc();
    int64_t mono = clock_ns();
    uint64_t after = __rdtsc();
    if (after - before > PAIR_TICKS) return mono;
    uint64_t tsc = before + (after - before) / 2;
    if (base_tsc == 0 || tsc <= base_tsc) {
        base_tsc = tsc;
        base_ns = mono;
    } else if (mono - base_ns >= BASELINE_NS) {
        ns_per_tick = (double)(mono - base_ns) / (double)(tsc - base_tsc);
        anchor_window = (uint64_t)(ANCHOR_NS / ns_per_tick);
    }
    anchor_tsc = tsc;
    anchor_ns = mono;
    return mono;
}

int64_t now_raw(void) {
    if (!tsc_usable) return clock_ns();
    uint64_t elapsed = __rdtsc() - anchor_tsc;
    if (elapsed < anchor_window) return anchor_ns + (int64_t)((double)elapsed * ns_per_tick);
    return reanchor();
}
#else
int64_t now_raw(void) { return clock_ns(); }
#endif

/* also takes the first (clock, TSC) pair, so the rate is calibrated by the first event
 * at least BASELINE_NS after import, not BASELINE_NS after the first event */
static void check_clocksource(void) {
#if defined(__x86_64__)
    char name[32] = {0};
    FILE *f = fopen("/sys/devices/system/clocksource/clocksource0/current_clocksource", "r");
    if (f == NULL) return;
    if (fgets(name, sizeof name, f) != NULL) tsc_usable = strncmp(name, "tsc\n", 4) == 0;
    fclose(f);
    if (tsc_usable) reanchor();
#endif
}

static PyObject *now_ns(void) { return PyLong_FromLongLong(now_raw()); }

static PyObject *marks_from_info(PyObject *info) {
    /* () -> b"";  (start, offsets) -> bytes with MARK_START / MARK_YIELD */
    if (!PyTuple_Check(info) || PyTuple_GET_SIZE(info) == 0)
        return PyBytes_FromStringAndSize(NULL, 0);
    long start = PyLong_AsLong(PyTuple_GET_ITEM(info, 0));
    PyObject *offsets = PyTuple_GET_ITEM(info, 1);
    long top = start;
    PyObject *it = PyObject_GetIter(offsets), *o;
    if (it == NULL) return NULL;
    PyObject *list = PySequence_List(it);
    Py_DECREF(it);
    if (list == NULL) return NULL;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(list); i++) {
        long v = PyLong_AsLong(PyList_GET_ITEM(list, i));
        if (v > top) top = v;
    }
    PyObject *bytes = PyBytes_FromStringAndSize(NULL, top / 2 + 1);
    if (bytes != NULL) {
        char *m = PyBytes_AS_STRING(bytes);
        memset(m, 0, top / 2 + 1);
        for (Py_ssize_t i = 0; i < PyList_GET_SIZE(list); i++) {
            o = PyList_GET_ITEM(list, i);
            m[PyLong_AsLong(o) / 2] |= MARK_YIELD;
        }
        if (start >= 0) m[start / 2] |= MARK_START;
    }
    Py_DECREF(list);
    if (PyErr_Occurred()) { Py_XDECREF(bytes); return NULL; }
    return bytes;
}

static int table_grow(Hook *h) {
    Py_ssize_t cap = h->cap ? h->cap * 2 : 256;
    Slot *slots = PyMem_Calloc(cap, sizeof(Slot));
    if (slots == NULL) { PyErr_NoMemory(); return -1; }
    for (Py_ssize_t i = 0; i < h->cap; i++) {
        if (h->slots[i].code == NULL) continue;
        size_t j = ((size_t)h->slots[i].code >> 4) & (cap - 1);
        while (slots[j].code != NULL) j = (j + 1) & (cap - 1);
        slots[j] = h->slots[i];
    }
    PyMem_Free(h->slots);
    h->slots = slots;
    h->cap = cap;
    return 0;
}

/* the slot of ``code``, computing its info on first sight; NULL on error.
 * The pointer is valid until the next insertion (code_info may run Python
 * code that inserts, so the slot is looked up again after calling it). */
static Slot *code_slot(Hook *h, PyObject *code) {
    if (h->cap) {
        size_t j = ((size_t)code >> 4) & (h->cap - 1);
        while (h->slots[j].code != NULL) {
            if (h->slots[j].code == code) return &h->slots[j];
            j = (j + 1) & (h->cap - 1);
        }
    }
    PyObject *info = PyObject_CallOneArg(h->code_info, code);
    if (info == NULL) return NULL;
    PyObject *marks = marks_from_info(info);
    int start = marks != NULL && PyBytes_GET_SIZE(marks) ? (int)PyLong_AsLong(PyTuple_GET_ITEM(info, 0)) : -1;
    Py_DECREF(info);
    if (marks == NULL) return NULL;
    if (2 * (h->used + 1) > h->cap && table_grow(h) < 0) { Py_DECREF(marks); return NULL; }
    size_t j = ((size_t)code >> 4) & (h->cap - 1);
    while (h->slots[j].code != NULL) j = (j + 1) & (h->cap - 1);
    Py_INCREF(code);
    h->slots[j].code = code;
    h->slots[j].marks = marks;
    h->slots[j].start = start;
    h->used++;
    return &h->slots[j];
}

/* marks of ``code`` (borrowed), computing them on first sight; NULL on error */
static PyObject *code_marks(Hook *h, PyObject *code) {
    Slot *slot = code_slot(h, code);
    return slot == NULL ? NULL : slot->marks;
}

int code_start(Hook *h, PyObject *code) {
    Slot *slot = code_slot(h, code);
    return slot == NULL ? -2 : slot->start;
}

static int mark_at(PyObject *marks, int lasti) {
    Py_ssize_t i = lasti / 2;
    return (lasti >= 0 && i < PyBytes_GET_SIZE(marks)) ? PyBytes_AS_STRING(marks)[i] : 0;
}

/* ---- recording ---------------------------------------------------------- */

/* steals every item reference; appends the tuple; flushes a full chunk (or always) */
static int emit_tuple(Hook *h, Py_ssize_t n, PyObject **items, int always_flush) {
    PyObject *tup = PyTuple_New(n);
    int ok = tup != NULL;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (items[i] == NULL) ok = 0;
        if (tup != NULL) PyTuple_SET_ITEM(tup, i, items[i]);
        else Py_XDECREF(items[i]);
    }
    if (!ok) { Py_XDECREF(tup); return -1; }
    int rc = PyList_Append(h->events, tup);
    Py_DECREF(tup);
    if (rc == 0 && (always_flush || PyList_GET_SIZE(h->events) >= h->chunk)) {
        PyObject *r = PyObject_CallNoArgs(h->flush);
        if (r == NULL) return -1;
        Py_DECREF(r);
    }
    return rc;
}

static int emit(Hook *h, Py_ssize_t n, PyObject **items) { return emit_tuple(h, n, items, 0); }

/* borrowed: qualname of the code that resumed ``frame``, or "?" */
static PyObject *resumer_of(PyFrameObject *frame) {
    PyFrameObject *back = PyFrame_GetBack(frame);
    if (back == NULL) return s_unknown_resumer;
    PyCodeObject *code = PyFrame_GetCode(back);
    PyObject *name = code->co_qualname;  /* the code outlives this call: its frame is live */
    Py_DECREF(code);
    Py_DECREF(back);
    return name;
}

static int how_index(PyObject *how) {
    return how == s_send ? 1 : how == s_throw ? 2 : how == s_close ? 3 : 0;
}

/* index of ``name`` in h->names, adding it on first sight; -1 on error */
static int32_t name_id(Hook *h, PyObject *name) {
    size_t slot = ((size_t)name >> 4) & (NAME_CACHE - 1);
    if (h->name_cache[slot].name == name) return h->name_cache[slot].id;
    PyObject *index = PyDict_GetItemWithError(h->name_index, name);
    if (index != NULL) {
        h->name_cache[slot].name = name;  /* kept alive by h->names */
        return h->name_cache[slot].id = (int32_t)PyLong_AsLong(index);
    }
    if (PyErr_Occurred()) return -1;
    index = PyLong_FromSsize_t(PyList_GET_SIZE(h->names));
    int rc = index == NULL ? -1 : PyDict_SetItem(h->name_index, name, index);
    Py_XDECREF(index);
    if (rc < 0 || PyList_Append(h->names, name) < 0) return -1;
    return (int32_t)(PyList_GET_SIZE(h->names) - 1);
}

/* packed mode: move the records into the list as one block tuple */
static int drain(Hook *h) {
    if (h->nbuf == 0) return 0;
    Py_ssize_t total = PyList_GET_SIZE(h->names);
    PyObject *fresh = PyList_GetSlice(h->names, h->names_sent, total);
    PyObject *items[] = {
        new_ref(h->pack_code), PyLong_FromLongLong(h->buf[0].t), PyLong_FromLong(h->buf[0].tid),
        PyBytes_FromStringAndSize((const char *)h->buf, h->nbuf * (Py_ssize_t)sizeof(Rec)),
        fresh == NULL ? NULL : PyList_AsTuple(fresh)};
    Py_XDECREF(fresh);
    h->nbuf = 0;
    h->names_sent = total;
    return emit_tuple(h, 5, items, 1);  /* a block is a whole chunk: write it out */
}

static int record_packed(Hook *h, int which, void *addr, PyObject *how, PyObject *qual,
                         PyObject *resumer) {
    Rec *r = &h->buf[h->nbuf];
    r->t = now_raw();
    thread_id();
    r->tid = (int32_t)cached_tid;
    r->key = (uint64_t)(uintptr_t)addr;
    r->which = (uint8_t)which;
    r->how = (uint8_t)how_index(how);
    r->qual = r->resumer = -1;
    if (which == C_START && (r->qual = name_id(h, qual)) < 0) return -1;
    if (which <= C_RESUME && (r->resumer = name_id(h, resumer)) < 0) return -1;
    return ++h->nbuf >= h->chunk ? drain(h) : 0;
}

int record(Hook *h, int which, void *addr, PyObject *how, PyObject *qual, PyObject *resumer) {
    if (h->pack_code != NULL) return record_packed(h, which, addr, how, qual, resumer);
    PyObject *head[] = {new_ref(h->codes[which]), now_ns(), new_ref(thread_id()), frame_key(addr)};
    if (which == C_START) {
        PyObject *items[] = {head[0], head[1], head[2], head[3], new_ref(qual), new_ref(how),
                             new_ref(resumer)};
        return emit(h, 7, items);
    }
    if (which == C_RESUME) {
        PyObject *items[] = {head[0], head[1], head[2], head[3], new_ref(how), new_ref(resumer)};
        return emit(h, 6, items);
    }
    return emit(h, 4, head);
}

static int on_call(Hook *h, PyFrameObject *frame, PyCodeObject *code, PyObject *marks) {
    PyObject *key = frame_key(frame);
    if (key == NULL) return -1;
    PyObject *gen = PyFrame_GetGenerator(frame);
    PyObject *how = s_next;
    PyObject *p_gen = pending_gen, *p_how = pending_how;
    pending_gen = pending_how = NULL;
    if (p_gen != NULL && p_gen == gen) how = p_how;
    int mark = mark_at(marks, PyFrame_GetLasti(frame));
    int rc = record(h, mark & MARK_START ? C_START : C_RESUME, frame, how, code->co_qualname,
                    resumer_of(frame));
    if (rc == 0 && (mark & MARK_YIELD)) {
        rc = PyDict_SetItem(h->thrown, key, how != s_next && gen ? gen : Py_None);
    } else if (rc == 0 && PyDict_GET_SIZE(h->thrown)) {
        if (PyDict_DelItem(h->thrown, key) < 0) {
            if (PyErr_ExceptionMatches(PyExc_KeyError)) PyErr_Clear();
            else rc = -1;
        }
    }
    Py_XDECREF(p_gen);
    Py_XDECREF(p_how);
    Py_XDECREF(gen);
    Py_DECREF(key);
    return rc;
}

static int still_suspended(PyObject *gen) {
    if (gen == Py_None) return 0;
    PyObject *v = PyObject_GetAttrString(gen, "gi_suspended");
    if (v == NULL) return -1;
    int r = PyObject_IsTrue(v);
    Py_DECREF(v);
    return r;
}

static int on_return(Hook *h, PyFrameObject *frame, PyObject *marks) {
    PyObject *key = frame_key(frame);
    if (key == NULL) return -1;
    int which = C_YIELD;
    if (!(mark_at(marks, PyFrame_GetLasti(frame)) & MARK_YIELD)) {
        which = C_END;
    } else if (PyDict_GET_SIZE(h->thrown)) {
        PyObject *gen = PyDict_GetItemWithError(h->thrown, key);
        if (gen != NULL) {
            Py_INCREF(gen);
            int s = PyDict_DelItem(h->thrown, key) < 0 ? -1 : still_suspended(gen);
            Py_DECREF(gen);
            if (s < 0) { Py_DECREF(key); return -1; }
            which = s ? C_YIELD : C_END;
        } else if (PyErr_Occurred()) { Py_DECREF(key); return -1; }
    }
    int rc = record(h, which, frame, NULL, NULL, NULL);
    Py_DECREF(key);
    return rc;
}

static void on_c_call(PyObject *arg) {
    if (!PyCFunction_Check(arg)) return;
    PyObject *self = PyCFunction_GET_SELF(arg);
    if (self == NULL || !PyGen_CheckExact(self)) return;
    const char *name = ((PyCFunctionObject *)arg)->m_ml->ml_name;
    PyObject *how = strcmp(name, "send") == 0 ? s_send : strcmp(name, "throw") == 0 ? s_throw
                  : strcmp(name, "close") == 0 ? s_close : s_unknown;
    Py_INCREF(self);
    Py_INCREF(how);
    Py_XSETREF(pending_gen, self);
    Py_XSETREF(pending_how, how);
}

static int hook_profile(PyObject *obj, PyFrameObject *frame, int what, PyObject *arg) {
    Hook *h = (Hook *)obj;
    if (what == PyTrace_C_CALL) { on_c_call(arg); return 0; }
    if (what != PyTrace_CALL && what != PyTrace_RETURN) return 0;
    PyCodeObject *code = PyFrame_GetCode(frame);
    int rc = 0;
    if (code->co_flags & CO_GENERATOR) {
        PyObject *marks = code_marks(h, (PyObject *)code);
        if (marks == NULL) rc = -1;
        else if (PyBytes_GET_SIZE(marks))
            rc = what == PyTrace_CALL ? on_call(h, frame, code, marks) : on_return(h, frame, marks);
    }
    Py_DECREF(code);
    return rc;
}

/* ---- the Hook type ------------------------------------------------------ */

static PyObject *Hook_new(PyTypeObject *type, PyObject *args, PyObject *kw) {
    static char *names[] = {"events", "flush", "code_info", "codes", "chunk", "packed", NULL};
    PyObject *events, *flush, *code_info, *codes, *packed = Py_None;
    Py_ssize_t chunk;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O!OOOn|O:Hook", names, &PyList_Type, &events,
                                     &flush, &code_info, &codes, &chunk, &packed))
        return NULL;
    if (!PyTuple_Check(codes) || PyTuple_GET_SIZE(codes) != N_CODES) {
        PyErr_SetString(PyExc_TypeError, "codes must be (GSTART, GRESUME, GYIELD, GEND)");
        return NULL;
    }
    Hook *h = (Hook *)type->tp_alloc(type, 0);
    if (h == NULL) return NULL;
    h->events = new_ref(events);
    h->flush = new_ref(flush);
    h->code_info = new_ref(code_info);
    for (int i = 0; i < N_CODES; i++) h->codes[i] = new_ref(PyTuple_GET_ITEM(codes, i));
    h->chunk = chunk > 0 ? chunk : 1;
    h->thrown = PyDict_New();
    if (h->thrown == NULL) { Py_DECREF(h); return NULL; }
    if (packed != Py_None) {
        h->pack_code = new_ref(packed);
        h->buf = PyMem_Malloc(h->chunk * sizeof(Rec));
        h->names = PyList_New(0);
        h->name_index = PyDict_New();
        if (h->buf == NULL || h->names == NULL || h->name_index == NULL) {
            Py_DECREF(h);
            return PyErr_NoMemory();
        }
        packed_hook = h;
    }
    return (PyObject *)h;
}

static void Hook_dealloc(Hook *h) {
    Py_XDECREF(h->events);
    Py_XDECREF(h->flush);
    Py_XDECREF(h->code_info);
    Py_XDECREF(h->thrown);
    Py_XDECREF(h->pack_code);
    Py_XDECREF(h->names);
    Py_XDECREF(h->name_index);
    PyMem_Free(h->buf);
    if (packed_hook == h) packed_hook = NULL;
    for (int i = 0; i < N_CODES; i++) Py_XDECREF(h->codes[i]);
    for (Py_ssize_t i = 0; i < h->cap; i++) {
        Py_XDECREF(h->slots[i].code);
        Py_XDECREF(h->slots[i].marks);
    }
    PyMem_Free(h->slots);
    Py_TYPE(h)->tp_free((PyObject *)h);
}

static PyObject *Hook_enable_here(Hook *h, PyObject *unused) {
    PyEval_SetProfile(hook_profile, (PyObject *)h);
    Py_RETURN_NONE;
}

static PyObject *Hook_disable_here(Hook *h, PyObject *unused) {
    PyEval_SetProfile(NULL, NULL);
    Py_CLEAR(pending_gen);
    Py_CLEAR(pending_how);
    Py_RETURN_NONE;
}

/* Called as a Python profile function (threading.setprofile) in a new
 * thread's first event: switch that thread to the C hook, then handle it. */
static PyObject *Hook_call(Hook *h, PyObject *args, PyObject *kw) {
    PyObject *frame, *event, *arg;
    if (!PyArg_ParseTuple(args, "OUO:Hook", &frame, &event, &arg)) return NULL;
    Py_INCREF(h);
    PyEval_SetProfile(hook_profile, (PyObject *)h);
    int what = PyUnicode_CompareWithASCIIString(event, "call") == 0 ? PyTrace_CALL
             : PyUnicode_CompareWithASCIIString(event, "return") == 0 ? PyTrace_RETURN
             : PyUnicode_CompareWithASCIIString(event, "c_call") == 0 ? PyTrace_C_CALL : -1;
    int rc = (what >= 0 && PyFrame_Check(frame))
           ? hook_profile((PyObject *)h, (PyFrameObject *)frame, what, arg) : 0;
    Py_DECREF(h);
    if (rc < 0) return NULL;
    Py_RETURN_NONE;
}

static PyObject *Hook_drain(Hook *h, PyObject *unused) {
    if (drain(h) < 0) return NULL;
    Py_RETURN_NONE;
}

static PyObject *uses_tsc(PyObject *mod, PyObject *unused) {
    return PyBool_FromLong(tsc_usable);
}

static PyObject *now(PyObject *mod, PyObject *unused) { return now_ns(); }

static PyMethodDef module_methods[] = {
    {"uses_tsc", uses_tsc, METH_NOARGS, "Whether event times are extrapolated from the TSC."},
    {"now", now, METH_NOARGS, "The hook's clock: CLOCK_MONOTONIC ns, as time.perf_counter_ns."},
    {"eval_owner", eval_owner, METH_NOARGS,
     "The interpreter's eval-frame function: 'default', 'hook', 'floor' or 'other'."},
    {"eval_floor", eval_floor, METH_O,
     "Benchmark floor: 0 removes it, 1 installs an eval-frame function that only calls the "
     "default, 2 one that also reads the clock before and after each generator frame."},
    {NULL}
};

static PyMethodDef Hook_methods[] = {
    {"drain", (PyCFunction)Hook_drain, METH_NOARGS,
     "Packed mode: append what the buffer holds to the list now (a no-op otherwise)."},
    {"enable_here", (PyCFunction)Hook_enable_here, METH_NOARGS,
     "Profile the calling thread with this hook (PyEval_SetProfile)."},
    {"disable_here", (PyCFunction)Hook_disable_here, METH_NOARGS,
     "Remove any profile function from the calling thread."},
    {"install_eval", (PyCFunction)Hook_install_eval, METH_NOARGS,
     "Record through a PEP 523 eval-frame function (every thread); idempotent. "
     "RuntimeError when another eval-frame function is installed."},
    {"uninstall_eval", (PyCFunction)Hook_uninstall_eval, METH_NOARGS,
     "Restore the default eval-frame function if this hook's is installed."},
    {NULL}
};

static PyTypeObject HookType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "schedsim._speedups._genhook.Hook",
    .tp_basicsize = sizeof(Hook),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Hook(events, flush, code_info, codes, chunk, packed=None): "
              "the C generator profile hook.",
    .tp_new = Hook_new,
    .tp_dealloc = (destructor)Hook_dealloc,
    .tp_call = (ternaryfunc)Hook_call,
    .tp_methods = Hook_methods,
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_genhook",
    "C implementation of schedsim's generator profile hook.", -1, module_methods,
};

PyMODINIT_FUNC PyInit__genhook(void) {
    if (PyType_Ready(&HookType) < 0) return NULL;
    s_next = PyUnicode_InternFromString("next");
    s_send = PyUnicode_InternFromString("send");
    s_throw = PyUnicode_InternFromString("throw");
    s_close = PyUnicode_InternFromString("close");
    s_unknown = PyUnicode_InternFromString("next");
    s_unknown_resumer = PyUnicode_InternFromString("?");
    if (!s_next || !s_send || !s_throw || !s_close || !s_unknown || !s_unknown_resumer)
        return NULL;
    pthread_atfork(NULL, NULL, reset_after_fork);
    check_clocksource();
    PyObject *m = PyModule_Create(&module);
    if (m == NULL) return NULL;
    Py_INCREF(&HookType);
    if (PyModule_AddObject(m, "Hook", (PyObject *)&HookType) < 0) {
        Py_DECREF(&HookType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
