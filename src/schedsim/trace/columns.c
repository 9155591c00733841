/* schedsim.trace._columns: the trace's bulk column work in C.
 *
 * Two functions, each the compiled twin of pure Python in
 * schedsim.trace.columns (which is used when this module is not built, and
 * which the tests check against this one):
 *
 *   rows_to_columns(rows, kind_code, string_ids, last_t, n_units, base)
 *       rows: a list of 13-tuples (t, unit, kind, cpu, cause, cost, peer,
 *       label, reason, level, obj, value, style).  Checks time order (from
 *       last_t, None: no event yet), unit ids (0 <= unit < n_units) and kinds
 *       (kind_code[kind]); interns strings with string_ids[text] (a dict
 *       whose __missing__ adds the text).  Returns the column bytes
 *       (t q, unit i, kind B, cpu i, cause q, cost q, peer i, label i,
 *       reason i, level i, obj i: machine order, as array.frombytes takes
 *       them; None is -1 in integer columns, 0 in string columns) and two
 *       lists of (index, value) / (index, style) for the set ones
 *       (index = base + row number).
 *
 *   json_text(columns, a, b, kind_texts, str_texts, extras)
 *       columns: the 11 arrays above; kind_texts[k] = ',"kind":"K"';
 *       str_texts: 4 lists (label, reason, level, obj) of ',"key":<json>'
 *       indexed by string code (entry 0 unused); extras: a list of
 *       (index, text) sorted by index, text already ',"value":...' etc.
 *       Returns the JSON Lines text of events a..b-1, each line ending in
 *       a newline: {"t":T,"unit":U,"kind":"K"[,"cpu":..][,"cause":..]
 *       [,"cost":..][,"peer":..][label..obj][extras]}.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#define NCOLS 11
#define ROW 13

static const char *const INT_KEYS[4] = {",\"cpu\":", ",\"cause\":", ",\"cost\":", ",\"peer\":"};
/* item size of each column, in the order above */
static const int SIZES[NCOLS] = {8, 4, 1, 4, 8, 8, 4, 4, 4, 4, 4};

/* -- rows_to_columns -------------------------------------------------------- */

static int get_int(PyObject *o, int64_t none, int64_t lo, int64_t hi, int64_t *out) {
    if (o == Py_None) { *out = none; return 0; }
    long long v = PyLong_AsLongLong(o);
    if (v == -1 && PyErr_Occurred()) return -1;
    if (v < lo || v > hi) {
        PyErr_SetString(PyExc_OverflowError, "value out of range for its trace column");
        return -1;
    }
    *out = v;
    return 0;
}

static void put(char *col, int size, Py_ssize_t i, int64_t v) {
    if (size == 8) { int64_t x = v; memcpy(col + 8 * i, &x, 8); }
    else if (size == 4) { int32_t x = (int32_t)v; memcpy(col + 4 * i, &x, 4); }
    else { col[i] = (char)(uint8_t)v; }
}

static int add_sparse(PyObject *list, Py_ssize_t index, PyObject *v) {
    if (v == Py_None) return 0;
    PyObject *pair = Py_BuildValue("(nO)", index, v);
    if (pair == NULL) return -1;
    int r = PyList_Append(list, pair);
    Py_DECREF(pair);
    return r;
}

static int check_time(Py_ssize_t index, int64_t t, int64_t *last, int *has_last) {
    if (*has_last && t < *last) {
        PyErr_Format(PyExc_ValueError, "event %zd at t=%lld is earlier than the previous one "
                     "(t=%lld): events must be appended in time order",
                     index, (long long)t, (long long)*last);
        return -1;
    }
    *last = t;
    *has_last = 1;
    return 0;
}

/* The last object looked up in a dict and its code: consecutive rows mostly
 * repeat their kind and strings (the same objects), so most lookups are skipped.
 * The object is referenced while cached, so its address cannot be reused. */
typedef struct { PyObject *obj; int64_t code; } Memo;

static int lookup(PyObject *map, PyObject *key, Memo *memo, int64_t *out) {
    if (key == memo->obj) { *out = memo->code; return 0; }
    PyObject *code = PyObject_GetItem(map, key);
    if (code == NULL) return -1;
    long long v = PyLong_AsLongLong(code);
    Py_DECREF(code);
    if (v == -1 && PyErr_Occurred()) return -1;
    Py_INCREF(key);
    Py_XSETREF(memo->obj, key);
    memo->code = *out = v;
    return 0;
}

static int fill_row(PyObject *row, Py_ssize_t i, Py_ssize_t index, char **cols,
                    PyObject *kind_code, PyObject *ids, int64_t *last, int *has_last,
                    long n_units, Memo *memos) {
    int64_t v;
    PyObject **f = &PyTuple_GET_ITEM(row, 0);
    if (get_int(f[0], 0, INT64_MIN, INT64_MAX, &v) < 0) return -1;
    if (f[0] == Py_None) { PyErr_SetString(PyExc_TypeError, "event time must be an int"); return -1; }
    if (check_time(index, v, last, has_last) < 0) return -1;
    put(cols[0], 8, i, v);
    if (f[1] == Py_None || get_int(f[1], 0, INT32_MIN, INT32_MAX, &v) < 0 || v < 0 || v >= n_units) {
        if (!PyErr_Occurred() || PyErr_ExceptionMatches(PyExc_OverflowError)) {
            PyErr_Clear();
            PyErr_Format(PyExc_ValueError, "event %zd: unknown unit %R", index, f[1]);
        }
        return -1;
    }
    put(cols[1], 4, i, v);
    if (lookup(kind_code, f[2], &memos[0], &v) < 0) {
        if (PyErr_ExceptionMatches(PyExc_KeyError)) {
            PyErr_Clear();
            PyErr_Format(PyExc_ValueError, "unknown event kind %R", f[2]);
        }
        return -1;
    }
    put(cols[2], 1, i, v);
    for (int c = 3; c < 7; c++) {
        int64_t lo = SIZES[c] == 8 ? INT64_MIN : INT32_MIN, hi = SIZES[c] == 8 ? INT64_MAX : INT32_MAX;
        if (get_int(f[c], -1, lo, hi, &v) < 0) return -1;
        put(cols[c], SIZES[c], i, v);
    }
    for (int c = 7; c < 11; c++) {
        v = 0;
        if (f[c] != Py_None && lookup(ids, f[c], &memos[c - 6], &v) < 0) return -1;
        put(cols[c], 4, i, v);
    }
    return 0;
}

static PyObject *rows_to_columns(PyObject *mod, PyObject *args) {
    PyObject *rows, *kind_code, *ids, *last_t;
    long n_units;
    Py_ssize_t base;
    if (!PyArg_ParseTuple(args, "O!O!OOln", &PyList_Type, &rows, &PyDict_Type, &kind_code, &ids,
                          &last_t, &n_units, &base))
        return NULL;
    int64_t last = 0;
    int has_last = last_t != Py_None;
    if (has_last && get_int(last_t, 0, INT64_MIN, INT64_MAX, &last) < 0) return NULL;
    Py_ssize_t n = PyList_GET_SIZE(rows);
    PyObject *bufs[NCOLS] = {NULL}, *values = PyList_New(0), *styles = PyList_New(0);
    PyObject *result = NULL;
    char *cols[NCOLS];
    Memo memos[5] = {{NULL, 0}};  /* kind, label, reason, level, obj */
    if (values == NULL || styles == NULL) goto done;
    for (int c = 0; c < NCOLS; c++) {
        bufs[c] = PyBytes_FromStringAndSize(NULL, n * SIZES[c]);
        if (bufs[c] == NULL) goto done;
        cols[c] = PyBytes_AS_STRING(bufs[c]);
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *row = PyList_GET_ITEM(rows, i);
        if (!PyTuple_Check(row) || PyTuple_GET_SIZE(row) != ROW) {
            PyErr_Format(PyExc_ValueError, "event %zd: expected 13 fields (t, unit, kind, cpu, "
                         "cause, cost, peer, label, reason, level, obj, value, style), got %zd",
                         base + i, PyTuple_Check(row) ? PyTuple_GET_SIZE(row) : (Py_ssize_t)-1);
            goto done;
        }
        Py_INCREF(row);  /* __missing__ may run Python code that changes the list */
        int bad = fill_row(row, i, base + i, cols, kind_code, ids, &last, &has_last, n_units, memos) < 0
            || add_sparse(values, base + i, PyTuple_GET_ITEM(row, 11)) < 0
            || add_sparse(styles, base + i, PyTuple_GET_ITEM(row, 12)) < 0;
        Py_DECREF(row);
        if (bad) goto done;
        if (PyList_GET_SIZE(rows) != n) {
            PyErr_SetString(PyExc_RuntimeError, "rows changed while being read");
            goto done;
        }
    }
    result = PyTuple_New(NCOLS + 2);
    if (result == NULL) goto done;
    for (int c = 0; c < NCOLS; c++) { PyTuple_SET_ITEM(result, c, bufs[c]); bufs[c] = NULL; }
    PyTuple_SET_ITEM(result, NCOLS, values); values = NULL;
    PyTuple_SET_ITEM(result, NCOLS + 1, styles); styles = NULL;
done:
    for (int m = 0; m < 5; m++) Py_XDECREF(memos[m].obj);
    for (int c = 0; c < NCOLS; c++) Py_XDECREF(bufs[c]);
    Py_XDECREF(values);
    Py_XDECREF(styles);
    return result;
}

/* -- json_text --------------------------------------------------------------- */

typedef struct { char *p; Py_ssize_t len, cap; } Buf;

static int grow(Buf *b, Py_ssize_t more) {
    if (b->len + more <= b->cap) return 0;
    Py_ssize_t cap = b->cap ? b->cap : 1 << 16;
    while (cap < b->len + more) cap *= 2;
    char *p = PyMem_Realloc(b->p, cap);
    if (p == NULL) { PyErr_NoMemory(); return -1; }
    b->p = p;
    b->cap = cap;
    return 0;
}

static int add(Buf *b, const char *s, Py_ssize_t n) {
    if (grow(b, n) < 0) return -1;
    memcpy(b->p + b->len, s, n);
    b->len += n;
    return 0;
}

static int add_int(Buf *b, int64_t v) {
    char tmp[24], *end = tmp + sizeof tmp, *p = end;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do { *--p = (char)('0' + u % 10); u /= 10; } while (u);
    if (v < 0) *--p = '-';
    return add(b, p, end - p);
}

static int add_str(Buf *b, PyObject *s) {
    Py_ssize_t n;
    const char *u = PyUnicode_AsUTF8AndSize(s, &n);
    return u == NULL ? -1 : add(b, u, n);
}

static int64_t get(const Py_buffer *col, Py_ssize_t i) {
    const char *p = (const char *)col->buf + i * col->itemsize;
    if (col->itemsize == 8) { int64_t x; memcpy(&x, p, 8); return x; }
    if (col->itemsize == 4) { int32_t x; memcpy(&x, p, 4); return x; }
    return (uint8_t)*p;
}

static int str_item(PyObject *list, int64_t code, Buf *b) {
    if (code < 0 || code >= PyList_GET_SIZE(list)) {
        PyErr_Format(PyExc_IndexError, "string code %lld out of range", (long long)code);
        return -1;
    }
    return add_str(b, PyList_GET_ITEM(list, code));
}

static int write_line(Buf *b, Py_buffer *cols, Py_ssize_t i, PyObject *kinds, PyObject *strs,
                      PyObject *extras, Py_ssize_t *next) {
    if (add(b, "{\"t\":", 5) < 0 || add_int(b, get(&cols[0], i)) < 0
        || add(b, ",\"unit\":", 8) < 0 || add_int(b, get(&cols[1], i)) < 0
        || str_item(kinds, get(&cols[2], i), b) < 0)
        return -1;
    for (int c = 3; c < 7; c++) {
        int64_t v = get(&cols[c], i);
        if (v >= 0 && (add(b, INT_KEYS[c - 3], strlen(INT_KEYS[c - 3])) < 0 || add_int(b, v) < 0))
            return -1;
    }
    for (int c = 7; c < 11; c++) {
        int64_t code = get(&cols[c], i);
        if (code && str_item(PyList_GET_ITEM(strs, c - 7), code, b) < 0) return -1;
    }
    while (*next < PyList_GET_SIZE(extras)) {
        PyObject *pair = PyList_GET_ITEM(extras, *next);
        Py_ssize_t at = PyLong_AsSsize_t(PyTuple_GET_ITEM(pair, 0));
        if (at != i) break;
        if (add_str(b, PyTuple_GET_ITEM(pair, 1)) < 0) return -1;
        (*next)++;
    }
    return add(b, "}\n", 2);
}

static int check_args(PyObject *columns, PyObject *strs, PyObject *extras,
                      Py_ssize_t a, Py_ssize_t b) {
    if (!PyTuple_Check(columns) || PyTuple_GET_SIZE(columns) != NCOLS
        || !PyList_Check(strs) || PyList_GET_SIZE(strs) != 4 || !PyList_Check(extras)) {
        PyErr_SetString(PyExc_TypeError, "json_text(columns: 11-tuple, a, b, kind_texts, "
                        "str_texts: 4 lists, extras: list)");
        return -1;
    }
    for (int c = 0; c < 4; c++)
        if (!PyList_Check(PyList_GET_ITEM(strs, c))) {
            PyErr_SetString(PyExc_TypeError, "str_texts must hold lists");
            return -1;
        }
    for (Py_ssize_t k = 0; k < PyList_GET_SIZE(extras); k++) {
        PyObject *pair = PyList_GET_ITEM(extras, k);
        if (!PyTuple_Check(pair) || PyTuple_GET_SIZE(pair) != 2
            || !PyLong_Check(PyTuple_GET_ITEM(pair, 0)) || !PyUnicode_Check(PyTuple_GET_ITEM(pair, 1))) {
            PyErr_SetString(PyExc_TypeError, "extras must be (index, text) pairs");
            return -1;
        }
        Py_ssize_t at = PyLong_AsSsize_t(PyTuple_GET_ITEM(pair, 0)), prev = a;
        if (k) prev = PyLong_AsSsize_t(PyTuple_GET_ITEM(PyList_GET_ITEM(extras, k - 1), 0));
        if (PyErr_Occurred()) return -1;
        if (at < prev || at >= b) {
            PyErr_SetString(PyExc_ValueError, "extras must be sorted by index, within a..b-1");
            return -1;
        }
    }
    return 0;
}

static PyObject *json_text(PyObject *mod, PyObject *args) {
    PyObject *columns, *kinds, *strs, *extras, *result = NULL;
    Py_ssize_t a, b, next = 0;
    if (!PyArg_ParseTuple(args, "OnnO!OO", &columns, &a, &b, &PyList_Type, &kinds, &strs, &extras)
        || check_args(columns, strs, extras, a, b) < 0)
        return NULL;
    Py_buffer cols[NCOLS];
    int got = 0;
    Buf out = {NULL, 0, 0};
    for (; got < NCOLS; got++) {
        if (PyObject_GetBuffer(PyTuple_GET_ITEM(columns, got), &cols[got], PyBUF_SIMPLE | PyBUF_FORMAT) < 0)
            goto done;
        if (cols[got].itemsize != SIZES[got] || cols[got].len / cols[got].itemsize < b || a < 0 || a > b) {
            got++;
            PyErr_SetString(PyExc_ValueError, "json_text: columns of the wrong type or length");
            goto done;
        }
    }
    for (Py_ssize_t i = a; i < b; i++)
        if (write_line(&out, cols, i, kinds, strs, extras, &next) < 0) goto done;
    result = PyUnicode_DecodeUTF8(out.p ? out.p : "", out.len, "strict");
done:
    for (int c = 0; c < got; c++) PyBuffer_Release(&cols[c]);
    PyMem_Free(out.p);
    return result;
}

static PyMethodDef methods[] = {
    {"rows_to_columns", rows_to_columns, METH_VARARGS, "Event rows to column bytes (see module doc)."},
    {"json_text", json_text, METH_VARARGS, "JSON Lines text of events a..b-1 (see module doc)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_columns",
    "The trace's bulk column work in C (see schedsim.trace.columns).", -1, methods,
};

PyMODINIT_FUNC PyInit__columns(void) { return PyModule_Create(&module); }
