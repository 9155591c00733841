/* What genhook.c (the Hook type, recording, the clock) shares with
 * evalhook.c (the PEP 523 eval-frame hook).  Everything here has hidden
 * visibility: it is private to the _genhook extension module. */
#ifndef SCHEDSIM_GENHOOK_H
#define SCHEDSIM_GENHOOK_H

#include <stdint.h>

#define GH_HIDDEN __attribute__((visibility("hidden")))

enum { C_START, C_RESUME, C_YIELD, C_END, N_CODES };
#define NAME_CACHE 16

/* per-code info in a pointer-keyed open addressing table */
typedef struct {
    PyObject *code;   /* strong ref: keeps the address from being reused */
    PyObject *marks;  /* bytes: marks[offset / 2] = MARK_*; empty = not recorded */
    int start;        /* offset of the first RESUME; -1 = not recorded */
} Slot;

/* one packed event; must match RECORD in schedsim/_speedups/__init__.py */
typedef struct {
    int64_t t;
    uint64_t key;
    int32_t tid, qual, resumer;
    uint8_t which, how, pad[2];
} Rec;

typedef struct {
    PyObject_HEAD
    PyObject *events;     /* the list raw tuples are appended to */
    PyObject *flush;      /* called when len(events) >= chunk */
    PyObject *code_info;  /* code -> () | (start_offset, yield_offsets) */
    PyObject *thrown;     /* dict: key -> generator | None (entered by throw/close) */
    PyObject *codes[N_CODES];
    Py_ssize_t chunk;
    Slot *slots;
    Py_ssize_t cap, used;
    /* packed mode (pack_code != NULL) */
    PyObject *pack_code;
    Rec *buf;
    Py_ssize_t nbuf;
    PyObject *names;        /* list of names, index = position */
    PyObject *name_index;   /* dict name -> index */
    struct { PyObject *name; int32_t id; } name_cache[NAME_CACHE];  /* names live in ``names`` */
    Py_ssize_t names_sent;  /* names already sent in a block (0 again after fork) */
} Hook;

/* interned "next", "send", "throw", "close" and the unknown resumer "?" */
extern GH_HIDDEN PyObject *s_next, *s_send, *s_throw, *s_close, *s_unknown_resumer;

/* CLOCK_MONOTONIC ns (TSC-extrapolated where the kernel uses the TSC) */
GH_HIDDEN int64_t now_raw(void);

/* offset of the first RESUME of ``code`` when it is recorded, -1 when not, -2 on error */
GH_HIDDEN int code_start(Hook *h, PyObject *code);

/* one raw event of the generator whose frame is at ``addr`` (the key);
 * ``how``/``resumer`` matter for C_START and C_RESUME, ``qual`` for C_START */
GH_HIDDEN int record(Hook *h, int which, void *addr, PyObject *how, PyObject *qual,
                     PyObject *resumer);

/* evalhook.c: Hook.install_eval / Hook.uninstall_eval and the module functions */
GH_HIDDEN PyObject *Hook_install_eval(Hook *h, PyObject *unused);
GH_HIDDEN PyObject *Hook_uninstall_eval(Hook *h, PyObject *unused);
GH_HIDDEN PyObject *eval_owner(PyObject *mod, PyObject *unused);
GH_HIDDEN PyObject *eval_floor(PyObject *mod, PyObject *arg);

#endif
