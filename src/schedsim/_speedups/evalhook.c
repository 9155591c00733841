/* schedsim._speedups._genhook, part 2: the generator hook as a PEP 523
 * eval-frame function (CPython 3.11).
 *
 * Every frame evaluation of the interpreter, in every thread (also threads
 * started before tracing), goes through eval_hook(); a generator resume
 * (send, next, throw, close, for-loops, yield from, finalisation: all go
 * through gen_send_ex2) is one call, with no frame object made.  For a
 * generator's own frame (owner FRAME_OWNED_BY_GENERATOR, CO_GENERATOR code
 * that ``code_info`` says is recorded):
 *
 *   entry  GSTART when the frame has not reached its first RESUME yet,
 *          else GRESUME; ``how`` is "throw" (or "close" when the exception
 *          being thrown in is GeneratorExit) for a throwflag entry, else
 *          "send" when the value gen_send_ex2 pushed on the frame's stack is
 *          not None, else "next" -- so send(None) is reported as next;
 *          ``resumer`` is the qualname of the calling frame's code.
 *   exit   GYIELD when the generator is suspended (gi_frame_state), else
 *          GEND (returned or raised).
 *
 * The key is the address of the generator's _PyInterpreterFrame, which
 * lives inside the generator object: stable for the generator's life.
 *
 * A generator's creating call (the frame before RETURN_GENERATOR, owned by
 * the thread) and all other frames pass straight to the default.  Note
 * that any eval-frame function makes CPython 3.11 stop inlining
 * Python-to-Python calls: the "floor" functions below measure that cost.
 *
 * Because every Python call then recurses in C, a program that raises the
 * recursion limit far above its default could overflow the C stack where
 * untraced CPython would not: within STACK_MARGIN of the thread's stack end
 * a call raises RecursionError instead (saying so) rather than crash.
 *
 * Generator frames that the hook's own Python callbacks (``code_info``, the
 * log's flush) run are not recorded.  Recording runs with any pending
 * exception (throw, or the frame's own raise) set aside; a failure inside the hook cannot be raised into the
 * program's frame, so it is reported as unraisable (on stderr).
 */
#define _GNU_SOURCE 1  /* pthread_getattr_np */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <pthread.h>
#define Py_BUILD_CORE 1   /* the 3.11 frame layout, in this file only */
#include "internal/pycore_frame.h"
#undef Py_BUILD_CORE
#include "genhook.h"

static Hook *active = NULL;  /* strong reference while installed */
/* set while this thread runs the hook's own Python callbacks (code_info, flush): their
 * frames are not observed, as a profile function is not called inside itself */
static __thread __attribute__((tls_model("initial-exec"))) int inside = 0;
static _PyFrameEvalFunction previous = NULL;
static volatile int64_t floor_sink;

/* ---- the C stack guard ---------------------------------------------------- */

#define STACK_MARGIN (256 * 1024)
static __thread __attribute__((tls_model("initial-exec"))) char *stack_low = NULL;

/* lowest address this thread's frames may use; (char *)1 when it is unknown */
static char *find_stack_low(void) {
    pthread_attr_t attr;
    void *addr;
    size_t size;
    char *low = (char *)1;
    if (pthread_getattr_np(pthread_self(), &attr) == 0) {
        if (pthread_attr_getstack(&attr, &addr, &size) == 0 && size > 4 * STACK_MARGIN)
            low = (char *)addr + STACK_MARGIN;
        pthread_attr_destroy(&attr);
    }
    return low;
}

static int stack_nearly_full(void) {
    if (stack_low == NULL) stack_low = find_stack_low();
    return (char *)__builtin_frame_address(0) < stack_low;
}

static PyObject *stack_error(void) {
    PyErr_SetString(PyExc_RecursionError, "maximum recursion depth exceeded: the C stack is "
                    "nearly full (under schedsim's eval-frame hook every Python call uses it; "
                    "SCHEDSIM_HOOK=profile traces without it)");
    return NULL;
}

typedef struct { PyObject *type, *value, *tb; } Pending;

static void set_aside(PyThreadState *ts, Pending *p) {
    p->type = NULL;
    if (ts->curexc_type != NULL) PyErr_Fetch(&p->type, &p->value, &p->tb);
}

static void put_back(int rc, Pending *p) {
    if (rc < 0) _PyErr_WriteUnraisableMsg("in schedsim's generator hook", NULL);
    if (p->type != NULL) PyErr_Restore(p->type, p->value, p->tb);
}

static int is_generator_frame(_PyInterpreterFrame *frame) {
    return (frame->f_code->co_flags & CO_GENERATOR) && frame->owner == FRAME_OWNED_BY_GENERATOR;
}

/* how the generator was resumed (see the top of this file) */
static PyObject *how_of(PyThreadState *ts, _PyInterpreterFrame *frame, int throwflag) {
    if (throwflag)
        return PyErr_GivenExceptionMatches(ts->curexc_type, PyExc_GeneratorExit) ? s_close
                                                                                 : s_throw;
    return frame->localsplus[frame->stacktop - 1] == Py_None ? s_next : s_send;
}

static PyObject *resumer_of(_PyInterpreterFrame *frame) {
    return frame->previous == NULL ? s_unknown_resumer : frame->previous->f_code->co_qualname;
}

/* GSTART/GRESUME; -1 = not recorded, -2 = failed (reported), else the code's start */
static int on_enter(Hook *h, PyThreadState *ts, _PyInterpreterFrame *frame, int throwflag) {
    PyObject *how = how_of(ts, frame, throwflag);
    Pending pending;
    set_aside(ts, &pending);
    inside = 1;
    int start = code_start(h, (PyObject *)frame->f_code), rc = 0;
    if (start >= 0) {
        int which = _PyInterpreterFrame_LASTI(frame) < start ? C_START : C_RESUME;
        rc = record(h, which, frame, how, frame->f_code->co_qualname, resumer_of(frame));
    }
    inside = 0;
    put_back(start == -2 ? -1 : rc, &pending);
    return start;
}

static void on_leave(Hook *h, PyThreadState *ts, _PyInterpreterFrame *frame, PyGenObject *gen) {
    Pending pending;
    set_aside(ts, &pending);
    int which = gen->gi_frame_state == FRAME_SUSPENDED ? C_YIELD : C_END;
    inside = 1;
    int rc = record(h, which, frame, NULL, NULL, NULL);
    inside = 0;
    put_back(rc, &pending);
}

static PyObject *eval_generator(Hook *h, PyThreadState *ts, _PyInterpreterFrame *frame,
                                int throwflag) {
    Py_INCREF(h);  /* an uninstall while this frame runs must not free it */
    PyGenObject *gen = _PyFrame_GetGenerator(frame);  /* alive: gen_send_ex2 holds it */
    int start = on_enter(h, ts, frame, throwflag);
    PyObject *result = _PyEval_EvalFrameDefault(ts, frame, throwflag);
    if (start >= 0 && active == h) on_leave(h, ts, frame, gen);
    Py_DECREF(h);
    return result;
}

static PyObject *eval_hook(PyThreadState *ts, _PyInterpreterFrame *frame, int throwflag) {
    Hook *h = active;
    if (stack_nearly_full()) return stack_error();
    if (h != NULL && is_generator_frame(frame) && !inside)
        return eval_generator(h, ts, frame, throwflag);
    return _PyEval_EvalFrameDefault(ts, frame, throwflag);
}

/* ---- benchmark floors: what any eval-frame function costs -------------- */

static PyObject *eval_pass(PyThreadState *ts, _PyInterpreterFrame *frame, int throwflag) {
    return _PyEval_EvalFrameDefault(ts, frame, throwflag);
}

static PyObject *eval_clock(PyThreadState *ts, _PyInterpreterFrame *frame, int throwflag) {
    if (!is_generator_frame(frame)) return _PyEval_EvalFrameDefault(ts, frame, throwflag);
    int64_t t0 = now_raw();
    PyObject *result = _PyEval_EvalFrameDefault(ts, frame, throwflag);
    floor_sink += now_raw() - t0;
    return result;
}

/* ---- installing ---------------------------------------------------------- */

static const char *owner_name(_PyFrameEvalFunction fn) {
    return fn == _PyEval_EvalFrameDefault ? "default" : fn == eval_hook ? "hook"
         : fn == eval_pass || fn == eval_clock ? "floor" : "other";
}

static _PyFrameEvalFunction current(void) {
    return _PyInterpreterState_GetEvalFrameFunc(PyInterpreterState_Get());
}

static void set_current(_PyFrameEvalFunction fn) {
    _PyInterpreterState_SetEvalFrameFunc(PyInterpreterState_Get(), fn);
}

PyObject *Hook_install_eval(Hook *h, PyObject *unused) {
    _PyFrameEvalFunction now = current();
    if (now == eval_hook && active == h) Py_RETURN_NONE;
    if (now != _PyEval_EvalFrameDefault || active != NULL) {
        return PyErr_Format(PyExc_RuntimeError, "another eval-frame function is installed "
                            "(%s)", now == eval_hook ? "another schedsim hook" : owner_name(now));
    }
    Py_INCREF(h);
    active = h;
    previous = now;
    set_current(eval_hook);
    Py_RETURN_NONE;
}

PyObject *Hook_uninstall_eval(Hook *h, PyObject *unused) {
    if (active != h) Py_RETURN_NONE;
    if (current() == eval_hook) set_current(previous);
    active = NULL;
    Py_DECREF(h);  /* the caller holds ``h``; frames running through it hold their own */
    Py_RETURN_NONE;
}

PyObject *eval_owner(PyObject *mod, PyObject *unused) {
    return PyUnicode_FromString(owner_name(current()));
}

PyObject *eval_floor(PyObject *mod, PyObject *arg) {
    long mode = PyLong_AsLong(arg);
    if (mode == -1 && PyErr_Occurred()) return NULL;
    if (mode < 0 || mode > 2) return PyErr_Format(PyExc_ValueError, "mode must be 0, 1 or 2");
    _PyFrameEvalFunction now = current();
    if (now != _PyEval_EvalFrameDefault && now != eval_pass && now != eval_clock)
        return PyErr_Format(PyExc_RuntimeError, "eval-frame function in use (%s)",
                            owner_name(now));
    set_current(mode == 0 ? _PyEval_EvalFrameDefault : mode == 1 ? eval_pass : eval_clock);
    Py_RETURN_NONE;
}
