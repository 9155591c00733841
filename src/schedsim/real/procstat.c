/* schedsim.real._procstat: a thread's OS counters, read without letting go of the GIL.
 *
 * The compiled twin of two functions of schedsim.real.procfs (which are used
 * when this module is not built).  A traced thread samples its own counters
 * as it ends.  In Python the read goes through os.pread, which releases the
 * GIL for the system call: in the thread baozi another thread then took the
 * GIL and the ending thread waited for it, 80-500 us of its way out, on the
 * time its join waits.  A /proc/thread-self read takes a few microseconds,
 * so holding the GIL over it costs the other threads nothing they would see.
 *
 *   open_self() -> int | None   a descriptor on /proc/thread-self/schedstat
 *   read_open(fd) -> tuple | None
 *                  (run_ns, wait_ns, slices, voluntary, involuntary) of the
 *                  calling thread: schedstat through fd (opened by this same
 *                  thread), context switches from getrusage(RUSAGE_THREAD)
 *   close(fd)      close it (os.close too lets the GIL go)
 */
#define _GNU_SOURCE  /* RUSAGE_THREAD */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

static PyObject *open_self(PyObject *Py_UNUSED(module), PyObject *Py_UNUSED(ignored))
{
    int fd = open("/proc/thread-self/schedstat", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        Py_RETURN_NONE;
    return PyLong_FromLong(fd);
}

/* The first three numbers of a schedstat line; 0 when the line is not that. */
static int parse_schedstat(const char *text, unsigned long long out[3])
{
    const char *at = text;
    for (int i = 0; i < 3; i++) {
        char *end;
        out[i] = strtoull(at, &end, 10);
        if (end == at)
            return 0;
        at = end;
    }
    return 1;
}

static PyObject *read_open(PyObject *Py_UNUSED(module), PyObject *arg)
{
    int fd = (int)PyLong_AsLong(arg);
    if (fd == -1 && PyErr_Occurred())
        return NULL;
    char text[128];
    ssize_t n = pread(fd, text, sizeof text - 1, 0);
    unsigned long long stat[3];
    struct rusage usage;
    if (n <= 0)
        Py_RETURN_NONE;
    text[n] = '\0';
    if (!parse_schedstat(text, stat) || getrusage(RUSAGE_THREAD, &usage) != 0)
        Py_RETURN_NONE;
    return Py_BuildValue("(KKKll)", stat[0], stat[1], stat[2], usage.ru_nvcsw,
                         usage.ru_nivcsw);
}

static PyObject *close_fd(PyObject *Py_UNUSED(module), PyObject *arg)
{
    int fd = (int)PyLong_AsLong(arg);
    if (fd == -1 && PyErr_Occurred())
        return NULL;
    (void)close(fd);
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"open_self", open_self, METH_NOARGS,
     "A descriptor on the calling thread's schedstat, or None."},
    {"read_open", read_open, METH_O,
     "The calling thread's (run_ns, wait_ns, slices, voluntary, involuntary), or None."},
    {"close", close_fd, METH_O, "Close a descriptor from open_self() (errors ignored)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "schedsim.real._procstat",
    "A thread's OS counters, read without releasing the GIL.", -1, methods,
};

PyMODINIT_FUNC PyInit__procstat(void)
{
    return PyModule_Create(&module);
}
