/* schedsim.real._mapwriter: raw events written straight into a shared file map.
 *
 * The compiled twin of schedsim.real.mapfile.MappedFile (which is used when
 * this module is not built), plus what Python cannot do cheaply: put each
 * event into the file the moment it is recorded.  Then nothing is left in
 * the traced process's private memory, so a SIGKILL loses no event, and the
 * tracer need not stop the program at each printed line to write its
 * buffer out (10-20 us of cold Python code per line on a CPU that idled).
 *
 * File layout, the same as MappedFile's: records of an 8-byte little-endian
 * length and that many bytes; a zero length ends the file.  A whole record
 * (the header) is written by append(bytes).  Events go into an open *chunk*:
 * a record whose bytes are a marshal list ('[' + int32 count + items), each
 * item marshalled on its own at version 2 (which uses no back-references,
 * so items dumped one by one concatenate into a valid list).  Adding an item
 * copies its bytes first, then stores the record's new length, then the new
 * count: a kill between any two stores leaves a record that marshal.loads
 * reads whole (it ignores bytes after the count-th item).
 *
 *   MapWriter()            closed; record() keeps events in a pending list
 *   .open(fd)              map fd (a new empty file)
 *   .append(data)          one whole record (bytes)
 *   .record(event)         one event into the open chunk (never raises:
 *                          an event that cannot be written is counted in
 *                          .dropped)
 *   .take(events)          record() each event of a list, then empty the list
 *                          (one step under the GIL)
 *   .close() -> end        unmap, trim the file to its records, close fd
 *   .forget()              in a forked child: unmap, close fd, keep the file
 *   .seal() -> end         at the process's exit: end the open chunk, write no
 *                          more, and leave unmapping, trim and close to the exit
 *   .write_pending()       write what record() kept while closed (after the header)
 *   .dropped               events that could not be written
 *
 * The descriptor is only trimmed or closed while it still is the file that
 * was opened (same device and inode): a program may close descriptors it
 * does not know and reuse the numbers.  Growing checks the same; when the
 * descriptor is no longer ours the writer is "broken" and drops events.
 */
#define _GNU_SOURCE  /* mremap */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <marshal.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define INITIAL_SIZE ((size_t)1 << 16)   /* as mapfile.INITIAL_SIZE */
#define CHUNK_ITEMS 4096u          /* events per chunk (one marshal.loads each) */
#define LEN 8                      /* bytes of a record's length field */
#define LIST_HEAD 5                /* '[' and an int32 count */
#define NO_CHUNK ((size_t)-1)

typedef struct {
    PyObject_HEAD
    int fd;                        /* -1 when closed */
    dev_t dev;
    ino_t ino;
    char *base;                    /* the map (NULL when closed) */
    size_t size;                   /* bytes mapped, = the file's size */
    /* invariant: [0, end) holds whole records (the open chunk's length field
       always matches its count); every byte from end on is zero */
    size_t end;
    size_t chunk;                  /* offset of the open chunk's record, or NO_CHUNK */
    uint32_t count;                /* items in the open chunk */
    int broken;                    /* the file cannot grow: events are dropped */
    Py_ssize_t dropped;
    PyObject *pending;             /* list: events recorded while closed */
} MapWriter;

static void put_le(char *at, uint64_t value, int nbytes)
{
    for (int i = 0; i < nbytes; i++)
        at[i] = (char)((value >> (8 * i)) & 0xff);
}

static int still_ours(MapWriter *w)
{
    struct stat st;
    return fstat(w->fd, &st) == 0 && st.st_dev == w->dev && st.st_ino == w->ino;
}

/* Map the first `size` bytes of fd, allocated and faulted in up front. */
static char *map_file(int fd, size_t size)
{
    if (ftruncate(fd, (off_t)size) != 0)
        return NULL;
    (void)posix_fallocate(fd, 0, (off_t)size);  /* a file system without it: lazy */
    int flags = MAP_SHARED;
#ifdef MAP_POPULATE
    flags |= MAP_POPULATE;
#endif
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, flags, fd, 0);
    return p == MAP_FAILED ? NULL : (char *)p;
}

/* The map of fd grown from `old` to `size` bytes (the old map is gone on success). */
static char *grow_map(int fd, char *base, size_t old, size_t size)
{
#if defined(MREMAP_MAYMOVE)
    if (ftruncate(fd, (off_t)size) != 0)
        return NULL;
    (void)posix_fallocate(fd, (off_t)old, (off_t)(size - old));
    void *p = mremap(base, old, size, MREMAP_MAYMOVE);
    if (p == MAP_FAILED)
        return NULL;
#ifdef MADV_POPULATE_WRITE
    (void)madvise((char *)p + old, size - old, MADV_POPULATE_WRITE);  /* Linux >= 5.14 */
#endif
    return (char *)p;
#else
    char *bigger = map_file(fd, size);
    if (bigger != NULL)
        munmap(base, old);
    return bigger;
#endif
}

/* Make room for `need` bytes (plus the zero length that ends the file). */
static int ensure(MapWriter *w, size_t need)
{
    need += LEN;
    if (need <= w->size)
        return 0;
    if (w->broken || !still_ours(w)) {
        w->broken = 1;
        return -1;
    }
    size_t size = w->size;
    while (size < need)
        size *= 2;
    char *bigger = grow_map(w->fd, w->base, w->size, size);
    if (bigger == NULL) {
        w->broken = 1;
        return -1;
    }
    w->base = bigger;
    w->size = size;
    return 0;
}

/* Close the open chunk; one that got no item is taken back. */
static void end_chunk(MapWriter *w)
{
    if (w->chunk != NO_CHUNK && w->count == 0) {
        memset(w->base + w->chunk, 0, w->end - w->chunk);
        w->end = w->chunk;
    }
    w->chunk = NO_CHUNK;
}

static int write_item(MapWriter *w, const char *data, size_t n)
{
    if (w->chunk == NO_CHUNK || w->count >= CHUNK_ITEMS) {
        end_chunk(w);
        if (ensure(w, w->end + LEN + LIST_HEAD + n) != 0)
            return -1;
        w->chunk = w->end;
        w->count = 0;
        w->base[w->chunk + LEN] = '[';           /* length stays 0 until the first item */
        w->end = w->chunk + LEN + LIST_HEAD;
    } else if (ensure(w, w->end + n) != 0) {
        return -1;
    }
    memcpy(w->base + w->end, data, n);
    w->end += n;
    put_le(w->base + w->chunk, w->end - w->chunk - LEN, LEN);
    put_le(w->base + w->chunk + LEN + 1, ++w->count, 4);
    return 0;
}

/* -- encoding: marshal format 2 for the types events hold ------------------------- */

typedef struct {
    char *p;
    size_t n, cap;
} Buf;

static int buf_room(Buf *b, size_t more)
{
    if (b->n + more <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->n + more)
        cap *= 2;
    char *p = PyMem_Realloc(b->p, cap);
    if (p == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    b->p = p;
    b->cap = cap;
    return 0;
}

static int buf_put(Buf *b, const void *data, size_t n)
{
    if (buf_room(b, n) != 0)
        return -1;
    memcpy(b->p + b->n, data, n);
    b->n += n;
    return 0;
}

static int buf_code_len(Buf *b, char code, size_t len)
{
    char head[5];
    if (len > INT32_MAX) {
        PyErr_SetString(PyExc_ValueError, "object too large for the raw log");
        return -1;
    }
    head[0] = code;
    put_le(head + 1, (uint64_t)len, 4);
    return buf_put(b, head, 5);
}

/* What marshal itself writes, for anything the fast cases do not cover. */
static int encode_generic(Buf *b, PyObject *obj)
{
    PyObject *data = PyMarshal_WriteObjectToString(obj, 2);
    if (data == NULL)
        return -1;
    int rc = buf_put(b, PyBytes_AS_STRING(data), (size_t)PyBytes_GET_SIZE(data));
    Py_DECREF(data);
    return rc;
}

static int encode_long(Buf *b, PyObject *obj)
{
    int overflow;
    long long v = PyLong_AsLongLongAndOverflow(obj, &overflow);
    if (overflow || (v == -1 && PyErr_Occurred())) {
        PyErr_Clear();
        return encode_generic(b, obj);
    }
    char out[1 + 4 + 2 * 5];
    if (v >= INT32_MIN && v <= INT32_MAX) {
        out[0] = 'i';
        put_le(out + 1, (uint64_t)(uint32_t)(int32_t)v, 4);
        return buf_put(b, out, 5);
    }
    /* 'l': a signed count of 15-bit digits, least significant first */
    unsigned long long mag = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    int n = 0;
    for (; mag; mag >>= 15, n++)
        put_le(out + 5 + 2 * n, mag & 0x7fff, 2);
    out[0] = 'l';
    put_le(out + 1, (uint64_t)(uint32_t)(int32_t)(v < 0 ? -n : n), 4);
    return buf_put(b, out, 5 + 2 * (size_t)n);
}

static int encode(Buf *b, PyObject *obj, int depth)
{
    if (obj == Py_None)
        return buf_put(b, "N", 1);
    if (obj == Py_True || obj == Py_False)
        return buf_put(b, obj == Py_True ? "T" : "F", 1);
    if (PyLong_CheckExact(obj))
        return encode_long(b, obj);
    if (PyUnicode_CheckExact(obj)) {
        Py_ssize_t n;
        const char *utf8 = PyUnicode_AsUTF8AndSize(obj, &n);
        if (utf8 == NULL) {        /* lone surrogates: marshal keeps them */
            PyErr_Clear();
            return encode_generic(b, obj);
        }
        return buf_code_len(b, 'u', (size_t)n) == 0 ? buf_put(b, utf8, (size_t)n) : -1;
    }
    if (PyFloat_CheckExact(obj)) {
        char out[9];
        out[0] = 'g';
        if (PyFloat_Pack8(PyFloat_AS_DOUBLE(obj), out + 1, 1) != 0)
            return -1;
        return buf_put(b, out, 9);
    }
    if ((PyTuple_CheckExact(obj) || PyList_CheckExact(obj)) && depth < 8) {
        int tuple = PyTuple_CheckExact(obj);
        Py_ssize_t n = tuple ? PyTuple_GET_SIZE(obj) : PyList_GET_SIZE(obj);
        if (buf_code_len(b, tuple ? '(' : '[', (size_t)n) != 0)
            return -1;
        for (Py_ssize_t i = 0; i < n; i++) {
            PyObject *item = tuple ? PyTuple_GET_ITEM(obj, i) : PyList_GET_ITEM(obj, i);
            if (encode(b, item, depth + 1) != 0)
                return -1;
        }
        return 0;
    }
    return encode_generic(b, obj);
}

static Buf scratch;  /* reused by every writer (all callers hold the GIL) */

static void record_one(MapWriter *w, PyObject *event)
{
    if (w->base == NULL) {
        if (PyList_Append(w->pending, event) != 0) {
            PyErr_Clear();
            w->dropped++;
        }
        return;
    }
    scratch.n = 0;
    if (w->broken || encode(&scratch, event, 0) != 0 || write_item(w, scratch.p, scratch.n) != 0) {
        PyErr_Clear();
        w->dropped++;
    }
}

/* -- methods ------------------------------------------------------------------------ */

static PyObject *mw_record(MapWriter *w, PyObject *event)
{
    record_one(w, event);
    Py_RETURN_NONE;
}

static PyObject *mw_take(MapWriter *w, PyObject *events)
{
    if (!PyList_Check(events)) {
        PyErr_SetString(PyExc_TypeError, "take() takes a list of events");
        return NULL;
    }
    Py_ssize_t n = PyList_GET_SIZE(events);
    for (Py_ssize_t i = 0; i < n; i++)
        record_one(w, PyList_GET_ITEM(events, i));
    if (PyList_SetSlice(events, 0, n, NULL) != 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *mw_append(MapWriter *w, PyObject *data)
{
    if (!PyBytes_Check(data)) {
        PyErr_SetString(PyExc_TypeError, "append() takes bytes");
        return NULL;
    }
    if (w->base == NULL) {
        PyErr_SetString(PyExc_ValueError, "the writer is not open");
        return NULL;
    }
    size_t n = (size_t)PyBytes_GET_SIZE(data);
    end_chunk(w);
    if (ensure(w, w->end + LEN + n) != 0)
        return PyErr_Format(PyExc_OSError, "the raw log's file cannot grow (descriptor %d)",
                            w->fd);
    memcpy(w->base + w->end + LEN, PyBytes_AS_STRING(data), n);
    put_le(w->base + w->end, n, LEN);
    w->end += LEN + n;
    Py_RETURN_NONE;
}

static PyObject *mw_open(MapWriter *w, PyObject *arg)
{
    int fd = PyLong_AsLong(arg);
    struct stat st;
    if (fd == -1 && PyErr_Occurred())
        return NULL;
    if (w->base != NULL) {
        PyErr_SetString(PyExc_ValueError, "the writer is already open");
        return NULL;
    }
    if (fstat(fd, &st) != 0)
        return PyErr_SetFromErrno(PyExc_OSError);
    char *base = map_file(fd, INITIAL_SIZE);
    if (base == NULL)
        return PyErr_SetFromErrno(PyExc_OSError);
    w->fd = fd;
    w->dev = st.st_dev;
    w->ino = st.st_ino;
    w->base = base;
    w->size = INITIAL_SIZE;
    w->end = 0;
    w->chunk = NO_CHUNK;
    w->count = 0;
    w->broken = 0;
    Py_RETURN_NONE;
}

/* Write what was kept while closed (after the header: call once it is appended). */
static PyObject *mw_write_pending(MapWriter *w, PyObject *Py_UNUSED(ignored))
{
    PyObject *kept = w->pending;
    w->pending = PyList_New(0);
    if (w->pending == NULL) {
        w->pending = kept;
        return NULL;
    }
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(kept); i++)
        record_one(w, PyList_GET_ITEM(kept, i));
    Py_DECREF(kept);
    Py_RETURN_NONE;
}

static void unmap(MapWriter *w)
{
    if (w->base != NULL)
        munmap(w->base, w->size);
    w->base = NULL;
    w->chunk = NO_CHUNK;
}

static PyObject *mw_close(MapWriter *w, PyObject *Py_UNUSED(ignored))
{
    if (w->base == NULL)
        return PyLong_FromSize_t(w->end);
    end_chunk(w);
    unmap(w);
    if (still_ours(w)) {
        if (ftruncate(w->fd, (off_t)w->end) != 0 || close(w->fd) != 0)
            return PyErr_SetFromErrno(PyExc_OSError);
    }
    w->fd = -1;
    return PyLong_FromSize_t(w->end);
}

/* The file reads whole once the open chunk is ended; the rest of close() is left
 * to the process's exit, which is about to come.  Unmapping a map that threads
 * of this process used on another CPU interrupts that CPU (a TLB shoot-down),
 * and the trim frees pages: in a forked child the two took ~70 us of the time
 * its parent's join waits.  Readers skip the zeros after the last record. */
static PyObject *mw_seal(MapWriter *w, PyObject *Py_UNUSED(ignored))
{
    if (w->base != NULL)
        end_chunk(w);
    w->base = NULL;                /* deliberately left mapped until the exit */
    w->chunk = NO_CHUNK;
    w->fd = -1;                    /* and the descriptor open */
    return PyLong_FromSize_t(w->end);
}

static PyObject *mw_forget(MapWriter *w, PyObject *Py_UNUSED(ignored))
{
    if (w->base != NULL) {
        unmap(w);
        if (still_ours(w))
            close(w->fd);
    }
    w->fd = -1;
    w->end = 0;
    Py_RETURN_NONE;
}

static PyObject *mw_get_dropped(MapWriter *w, void *Py_UNUSED(c))
{
    return PyLong_FromSsize_t(w->dropped);
}

static PyObject *mw_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    if (PyTuple_GET_SIZE(args) != 0 || (kwds != NULL && PyDict_GET_SIZE(kwds) != 0)) {
        PyErr_SetString(PyExc_TypeError, "MapWriter() takes no arguments");
        return NULL;
    }
    MapWriter *w = (MapWriter *)type->tp_alloc(type, 0);
    if (w == NULL)
        return NULL;
    w->fd = -1;
    w->chunk = NO_CHUNK;
    w->pending = PyList_New(0);
    if (w->pending == NULL) {
        Py_DECREF(w);
        return NULL;
    }
    return (PyObject *)w;
}

static void mw_dealloc(MapWriter *w)
{
    unmap(w);  /* the file keeps what was written; the descriptor is the owner's */
    Py_XDECREF(w->pending);
    Py_TYPE(w)->tp_free((PyObject *)w);
}

static PyMethodDef mw_methods[] = {
    {"open", (PyCFunction)mw_open, METH_O, "Map a new, empty file (its descriptor)."},
    {"append", (PyCFunction)mw_append, METH_O, "Write one whole record (bytes)."},
    {"record", (PyCFunction)mw_record, METH_O, "Write one event (never raises)."},
    {"take", (PyCFunction)mw_take, METH_O, "Write each event of a list and empty it."},
    {"write_pending", (PyCFunction)mw_write_pending, METH_NOARGS,
     "Write the events recorded while the writer was closed."},
    {"close", (PyCFunction)mw_close, METH_NOARGS,
     "Unmap, trim the file to its records and close it; returns its length."},
    {"seal", (PyCFunction)mw_seal, METH_NOARGS,
     "At the process's exit: end the open chunk and write no more; the exit unmaps."},
    {"forget", (PyCFunction)mw_forget, METH_NOARGS,
     "In a forked child: drop the inherited map and descriptor, keep the file."},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef mw_getset[] = {
    {"dropped", (getter)mw_get_dropped, NULL, "events that could not be written", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyTypeObject MapWriterType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "schedsim.real._mapwriter.MapWriter",
    .tp_basicsize = sizeof(MapWriter),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Raw events written straight into a shared map of a file.",
    .tp_new = mw_new,
    .tp_dealloc = (destructor)mw_dealloc,
    .tp_methods = mw_methods,
    .tp_getset = mw_getset,
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_mapwriter",
    "Raw events written straight into a shared file map (see mapwriter.c).", -1, NULL,
};

PyMODINIT_FUNC PyInit__mapwriter(void)
{
    if (PyType_Ready(&MapWriterType) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&module);
    if (m == NULL)
        return NULL;
    Py_INCREF(&MapWriterType);
    if (PyModule_AddObject(m, "MapWriter", (PyObject *)&MapWriterType) < 0) {
        Py_DECREF(&MapWriterType);
        Py_DECREF(m);
        return NULL;
    }
    if (PyModule_AddIntConstant(m, "CHUNK_ITEMS", CHUNK_ITEMS) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
