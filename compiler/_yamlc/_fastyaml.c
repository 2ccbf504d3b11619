/*
 * gwfc.compiler._yamlc._fastyaml: the YAML node-tree builder of compiler/loader.py (`_build`)
 * in C, on the vendored libyaml parser (libyaml/: the 0.2.6 that PyYAML 6.0.4 bundles).
 *
 * It pulls libyaml's events one at a time and builds the tree with an explicit stack (no
 * recursion), exactly as `_build` does from PyYAML's CParser events: the same Scalar/Seq/Map
 * tuples, the same sharing of aliased nodes and the same diagnostics, in the same order.
 *
 *     configure(Scalar, Seq, Map, typed_value, typed_cache, typed_first,
 *               scalar_tags, collection_tags)        -- once, from the package __init__
 *     build(text, depth_limit, alias_limit) -> (root | None, diagnostics, error | None)
 *     events(text) -> (events, error | None)               -- raw events, for tests
 *     libyaml_version() -> str
 *
 * diagnostics: a list of (code, message, notes, line, column, end_line, end_column);
 * error: None, or libyaml's error as data for the Python glue, which formats it as `_build`
 *   formats PyYAML's exceptions:
 *     ("reader", problem, problem_offset, problem_value)
 *     ("scanner" | "parser", context | None, context_mark | None, problem, problem_mark | None)
 *   where a mark is (index, line, column), 0-based as libyaml gives them.
 *
 * Text is decoded as PyYAML's CParser decodes it (strict UTF-8, anchors and tags with
 * PyUnicode_FromString), so an undecodable tag raises the same UnicodeDecodeError.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <limits.h>
#include <string.h>

#include <yaml.h>

/* ---- configuration (set by configure()) ------------------------------------------------ */

static PyTypeObject *ScalarType = NULL;
static PyTypeObject *SeqType = NULL;
static PyTypeObject *MapType = NULL;
static PyObject *typed_value_fn = NULL;   /* nodes.typed_value */
static PyObject *typed_cache = NULL;      /* nodes._TYPED_CACHE (dict) or None */
static PyObject *scalar_tags = NULL;      /* nodes.SCALAR_TAGS */
static PyObject *collection_tags = NULL;  /* nodes.COLLECTION_TAGS */
/* typed_first[c]: a plain scalar whose first UTF-8 byte is c may be typed (needs Python). */
static unsigned char typed_first[256];

/* ---- interned constants ------------------------------------------------------------------ */

static PyObject *s_plain, *s_squote, *s_dquote, *s_literal, *s_folded;
static PyObject *s_kind_name, *s_commas;
static PyObject *k_reader, *k_scanner, *k_parser;
static PyObject *c_gw101, *c_gw104, *c_gw105, *c_gw107, *c_gw108, *c_gw109, *c_gw113, *c_gw114,
    *c_gw203;

#define STR_TAG "tag:yaml.org,2002:str"
#define SHORT_PREFIX "tag:yaml.org,2002:"

/* ---- the builder ------------------------------------------------------------------------ */

typedef struct {
    int is_map;
    PyObject *items;    /* list: nodes (seq) or (key, value) pairs (map) */
    PyObject *index;    /* dict text -> pair (map), NULL for a seq */
    PyObject *tag;      /* str or NULL */
    PyObject *anchor;   /* str or NULL */
    long line, column;  /* 1-based start */
    long long size;
    PyObject *pending;  /* map: NULL (expecting a key), Py_False (a rejected key), or the key */
    PyObject *merges;   /* map: list of `<<` values, or NULL */
} Frame;

typedef struct {
    Frame *stack;
    Py_ssize_t depth, cap;
    long long depth_limit, alias_limit, alias_total;
    PyObject *depth_obj, *alias_obj;  /* the limits as given, for messages */
    PyObject *anchors;      /* dict anchor -> (node, size) */
    PyObject *in_progress;  /* set of anchors of open collections */
    PyObject *diags;        /* list of diagnostic tuples */
    PyObject *root;
    PyObject **ints;        /* cache of int objects >= 257 (lines, columns) */
    Py_ssize_t nints;
    PyObject **strs;        /* cache of short ASCII scalar texts (keys repeat a lot) */
} Builder;

#define STR_CACHE_SIZE 4096  /* a power of two */
#define STR_CACHE_MAX_LEN 48

#define INT_CACHE_MAX (1 << 22)

static PyObject *
make_int(Builder *b, long v)
{
    PyObject *o;
    if (v < 257 || v >= INT_CACHE_MAX)
        return PyLong_FromLong(v);
    if (v >= b->nints) {
        Py_ssize_t n = b->nints ? b->nints : 4096;
        PyObject **grown;
        while (n <= v)
            n *= 2;
        if (n > INT_CACHE_MAX)
            n = INT_CACHE_MAX;
        grown = PyMem_Realloc(b->ints, (size_t)n * sizeof(PyObject *));
        if (grown == NULL)
            return PyErr_NoMemory();
        memset(grown + b->nints, 0, (size_t)(n - b->nints) * sizeof(PyObject *));
        b->ints = grown;
        b->nints = n;
    }
    o = b->ints[v];
    if (o == NULL) {
        o = PyLong_FromLong(v);
        if (o == NULL)
            return NULL;
        b->ints[v] = o;
    }
    Py_INCREF(o);
    return o;
}

/* The text of a scalar: short ASCII texts come from a per-build cache, so that the many
   repeated keys and values of a workflow share one str object each. */
static PyObject *
make_text(Builder *b, const yaml_char_t *s, size_t len)
{
    size_t i;
    unsigned int h = 2166136261u, slot;
    unsigned char any = 0;
    PyObject *o;
    if (len > STR_CACHE_MAX_LEN)
        return PyUnicode_DecodeUTF8((const char *)s, (Py_ssize_t)len, "strict");
    for (i = 0; i < len; i++) {
        any |= s[i];
        h = (h ^ s[i]) * 16777619u;
    }
    if (any & 0x80)
        return PyUnicode_DecodeUTF8((const char *)s, (Py_ssize_t)len, "strict");
    if (b->strs == NULL) {
        b->strs = PyMem_Calloc(STR_CACHE_SIZE, sizeof(PyObject *));
        if (b->strs == NULL)
            return PyErr_NoMemory();
    }
    slot = h & (STR_CACHE_SIZE - 1);
    o = b->strs[slot];
    if (o != NULL && (size_t)PyUnicode_GET_LENGTH(o) == len && memcmp(PyUnicode_DATA(o), s, len) == 0) {
        Py_INCREF(o);
        return o;
    }
    o = PyUnicode_FromStringAndSize((const char *)s, (Py_ssize_t)len);
    if (o == NULL)
        return NULL;
    Py_INCREF(o);
    Py_XSETREF(b->strs[slot], o);
    return o;
}

static long long
sat_add(long long a, long long b)
{
    return (a > LLONG_MAX - b) ? LLONG_MAX : a + b;
}

/* Record a diagnostic (steals message and notes). */
static int
report(Builder *b, PyObject *code, PyObject *message, PyObject *notes,
       long line, long column, long end_line, long end_column)
{
    PyObject *d;
    int rc;
    if (message == NULL || notes == NULL) {
        Py_XDECREF(message);
        Py_XDECREF(notes);
        return -1;
    }
    d = Py_BuildValue("(ONNllll)", code, message, notes, line, column, end_line, end_column);
    if (d == NULL)
        return -1;
    rc = PyList_Append(b->diags, d);
    Py_DECREF(d);
    return rc;
}

static PyObject *
notes1(const char *text)
{
    return Py_BuildValue("(s)", text);
}

static PyObject *
decode_cstr(const yaml_char_t *s)
{
    return PyUnicode_FromString((const char *)s);
}

/* `_short(tag)`: the yaml.org prefix written as `!!`. */
static PyObject *
short_tag(PyObject *tag)
{
    Py_ssize_t n = (Py_ssize_t)strlen(SHORT_PREFIX);
    PyObject *prefix = PyUnicode_FromString(SHORT_PREFIX);
    PyObject *res;
    int starts;
    if (prefix == NULL)
        return NULL;
    starts = (int)PyUnicode_Tailmatch(tag, prefix, 0, PY_SSIZE_T_MAX, -1);
    Py_DECREF(prefix);
    if (starts < 0)
        return NULL;
    if (!starts) {
        Py_INCREF(tag);
        return tag;
    }
    {
        PyObject *rest = PyUnicode_Substring(tag, n, PyUnicode_GET_LENGTH(tag));
        if (rest == NULL)
            return NULL;
        res = PyUnicode_FromFormat("!!%U", rest);
        Py_DECREF(rest);
    }
    return res;
}

/* `check_tag`: keeps *tag when allowed, else reports GW113 and clears it; -1 on error. */
static int
check_tag(Builder *b, PyObject **tag, PyObject *allowed, yaml_mark_t start, yaml_mark_t end)
{
    int ok, rc;
    PyObject *shown;
    if (*tag == NULL)
        return 0;
    ok = PySet_Contains(allowed, *tag);
    if (ok < 0)
        return -1;
    if (ok)
        return 0;
    shown = short_tag(*tag);
    if (shown == NULL)
        return -1;
    Py_CLEAR(*tag);
    rc = report(b, c_gw113, PyUnicode_FromFormat("the tag `%U` is not supported", shown),
                notes1("Gradient read workflows with a safe YAML loader; remove the tag"),
                (long)start.line + 1, (long)start.column + 1,
                (long)end.line + 1, (long)end.column + 1);
    Py_DECREF(shown);
    return rc;
}

static PyObject *
new_node(PyTypeObject *cls, Py_ssize_t n)
{
    return cls->tp_alloc(cls, n);
}

/* Position items of a node: line, column, end_line, end_column as C longs. */
static long
node_pos(PyObject *node, int which)
{
    Py_ssize_t n = PyTuple_GET_SIZE(node);
    return PyLong_AsLong(PyTuple_GET_ITEM(node, n - 4 + which));
}

static int
report_at_node(Builder *b, PyObject *code, PyObject *message, PyObject *notes, PyObject *node)
{
    return report(b, code, message, notes, node_pos(node, 0), node_pos(node, 1),
                  node_pos(node, 2), node_pos(node, 3));
}

/* `attach`: add a finished node (borrowed) to the open collection, or make it the root. */
static int
attach(Builder *b, PyObject *node, long long size)
{
    Frame *f;
    PyObject *key, *text, *first, *pair;
    if (b->depth == 0) {
        Py_INCREF(node);
        Py_XSETREF(b->root, node);
        return 0;
    }
    f = &b->stack[b->depth - 1];
    f->size = sat_add(f->size, size);
    if (!f->is_map)
        return PyList_Append(f->items, node);
    if (f->pending == NULL) {
        const char *what;
        if (PyObject_TypeCheck(node, ScalarType)
            && (PyUnicode_GET_LENGTH(PyTuple_GET_ITEM(node, 0)) > 0
                || PyUnicode_GET_LENGTH(PyTuple_GET_ITEM(node, 1)) > 0)) {
            Py_INCREF(node);
            f->pending = node;
            return 0;
        }
        what = PyObject_TypeCheck(node, SeqType) ? "a list"
               : PyObject_TypeCheck(node, MapType) ? "a map" : "empty";
        Py_INCREF(Py_False);
        f->pending = Py_False;
        return report_at_node(b, c_gw114,
                              PyUnicode_FromFormat("a mapping key must be a plain name, not %s", what),
                              notes1("write the key as a plain string"), node);
    }
    key = f->pending;
    f->pending = NULL;
    if (key == Py_False) {
        Py_DECREF(key);
        return 0;
    }
    text = PyTuple_GET_ITEM(key, 0);
    if (PyUnicode_GET_LENGTH(text) == 2 && PyUnicode_READ_CHAR(text, 0) == '<'
        && PyUnicode_READ_CHAR(text, 1) == '<'
        && PyUnicode_GET_LENGTH(PyTuple_GET_ITEM(key, 1)) == 0
        && PyTuple_GET_ITEM(key, 2) == Py_None) {
        Py_DECREF(key);
        if (f->merges == NULL && (f->merges = PyList_New(0)) == NULL)
            return -1;
        return PyList_Append(f->merges, node);
    }
    first = PyDict_GetItemWithError(f->index, text);
    if (first != NULL) {
        PyObject *fk = PyTuple_GET_ITEM(first, 0), *header = NULL, *notes;
        Py_ssize_t i, at = -1, n = PyList_GET_SIZE(f->items);
        int rc;
        for (i = 0; i < n; i++) {
            PyObject *p = PyList_GET_ITEM(f->items, i);
            if (at < 0) {
                if (p == first)
                    at = i;
                continue;
            }
            /* A key with no value between the two: a header indented one level too deep,
               which the repeated keys belong to (loader._is_header). */
            PyObject *v = PyTuple_GET_ITEM(p, 1);
            if (PyObject_TypeCheck(v, ScalarType) && PyUnicode_GET_LENGTH(PyTuple_GET_ITEM(v, 0)) == 0
                && PyUnicode_GET_LENGTH(PyTuple_GET_ITEM(v, 1)) == 0 && PyTuple_GET_ITEM(v, 2) == Py_None)
                header = PyTuple_GET_ITEM(p, 0);
        }
        if (header != NULL)
            notes = Py_BuildValue("(NN)", PyUnicode_FromFormat(
                "first defined at line %S, column %S", PyTuple_GET_ITEM(fk, 4), PyTuple_GET_ITEM(fk, 5)),
                PyUnicode_FromFormat(
                "\"%U\" above it (line %S) has no value: if it is a job, it is indented one level too "
                "deep and the keys after it are its own", PyTuple_GET_ITEM(header, 0), PyTuple_GET_ITEM(header, 4)));
        else
            notes = Py_BuildValue("(N)", PyUnicode_FromFormat(
                "first defined at line %S, column %S; PyYAML would silently keep only the last value",
                PyTuple_GET_ITEM(fk, 4), PyTuple_GET_ITEM(fk, 5)));
        rc = report_at_node(b, c_gw105, PyUnicode_FromFormat("duplicate key \"%U\"", text), notes, key);
        if (rc < 0 || header != NULL || at < 0) {  /* under a misplaced header: the first stays */
            Py_DECREF(key);
            return rc;
        }
        /* Keep the last value in the first one's place, as PyYAML (and so Gradient) reads it. */
        pair = PyTuple_New(2);
        if (pair == NULL) {
            Py_DECREF(key);
            return -1;
        }
        Py_INCREF(first);  /* the list and the dict let go of it below */
        PyTuple_SET_ITEM(pair, 0, key);  /* steals key */
        Py_INCREF(node);
        PyTuple_SET_ITEM(pair, 1, node);
        Py_INCREF(pair);
        if (PyList_SetItem(f->items, at, pair) < 0) {  /* steals the new reference */
            Py_DECREF(pair);
            Py_DECREF(first);
            return -1;
        }
        rc = PyDict_SetItem(f->index, text, pair);
        Py_DECREF(pair);
        Py_DECREF(first);
        return rc < 0 ? -1 : 0;
    }
    if (PyErr_Occurred()) {
        Py_DECREF(key);
        return -1;
    }
    pair = PyTuple_New(2);
    if (pair == NULL) {
        Py_DECREF(key);
        return -1;
    }
    PyTuple_SET_ITEM(pair, 0, key);  /* steals key */
    Py_INCREF(node);
    PyTuple_SET_ITEM(pair, 1, node);
    if (PyDict_SetItem(f->index, text, pair) < 0 || PyList_Append(f->items, pair) < 0) {
        Py_DECREF(pair);
        return -1;
    }
    Py_DECREF(pair);
    return 0;
}

/* `_merge`: apply the `<<` values of a closing map. */
static int
apply_merges(Builder *b, Frame *f)
{
    Py_ssize_t i, j, k, nvalues = PyList_GET_SIZE(f->merges);
    for (i = 0; i < nvalues; i++) {
        PyObject *value = PyList_GET_ITEM(f->merges, i);
        PyObject *sources;
        Py_ssize_t nsources;
        if (PyObject_TypeCheck(value, SeqType)) {
            sources = PyTuple_GET_ITEM(value, 0);
            Py_INCREF(sources);
        } else {
            sources = PyList_New(1);
            if (sources == NULL)
                return -1;
            Py_INCREF(value);
            PyList_SET_ITEM(sources, 0, value);
        }
        nsources = PyList_GET_SIZE(sources);
        for (j = 0; j < nsources; j++) {
            PyObject *src = PyList_GET_ITEM(sources, j);
            PyObject *pairs;
            if (!PyObject_TypeCheck(src, MapType)) {
                PyObject *kind = PyObject_GetAttr(src, s_kind_name);
                int rc;
                if (kind == NULL) {
                    Py_DECREF(sources);
                    return -1;
                }
                rc = report_at_node(b, c_gw203,
                                    PyUnicode_FromString("a `<<` merge key takes a map or a list of maps"),
                                    Py_BuildValue("(N)", PyUnicode_FromFormat("found %S", kind)), src);
                Py_DECREF(kind);
                if (rc < 0) {
                    Py_DECREF(sources);
                    return -1;
                }
                continue;
            }
            pairs = PyTuple_GET_ITEM(src, 0);
            for (k = 0; k < PyList_GET_SIZE(pairs); k++) {
                PyObject *pair = PyList_GET_ITEM(pairs, k);
                PyObject *text = PyTuple_GET_ITEM(PyTuple_GET_ITEM(pair, 0), 0);
                int has = PyDict_Contains(f->index, text);
                if (has < 0 || (!has && (PyDict_SetItem(f->index, text, pair) < 0
                                         || PyList_Append(f->items, pair) < 0))) {
                    Py_DECREF(sources);
                    return -1;
                }
            }
        }
        Py_DECREF(sources);
    }
    return 0;
}

/* `typed_value(text, style, tag)`, with the common cases in C. */
static PyObject *
scalar_value(PyObject *text, PyObject *style, PyObject *tag, const yaml_char_t *raw, size_t len)
{
    if (tag == NULL) {
        if (style != s_plain || (len > 0 && !typed_first[raw[0]])) {
            Py_INCREF(text);
            return text;
        }
        if (typed_cache != NULL) {
            PyObject *v = PyDict_GetItemWithError(typed_cache, text);
            if (v != NULL) {
                Py_INCREF(v);
                return v;
            }
            if (PyErr_Occurred())
                return NULL;
        }
        return PyObject_CallFunctionObjArgs(typed_value_fn, text, style, Py_None, NULL);
    }
    if (PyUnicode_CompareWithASCIIString(tag, "!") == 0
        || PyUnicode_CompareWithASCIIString(tag, STR_TAG) == 0) {
        Py_INCREF(text);
        return text;
    }
    return PyObject_CallFunctionObjArgs(typed_value_fn, text, style, tag, NULL);
}

static void
clear_frame(Frame *f)
{
    Py_CLEAR(f->items);
    Py_CLEAR(f->index);
    Py_CLEAR(f->tag);
    Py_CLEAR(f->anchor);
    Py_CLEAR(f->pending);
    Py_CLEAR(f->merges);
}

static PyObject *
mark_tuple(yaml_mark_t m)
{
    return Py_BuildValue("(nnn)", (Py_ssize_t)m.index, (Py_ssize_t)m.line, (Py_ssize_t)m.column);
}

/* libyaml's error as data (PyYAML CParser._parser_error); NULL with an exception set for a
   memory error. */
static PyObject *
parser_error(yaml_parser_t *p)
{
    PyObject *context = NULL, *cmark = NULL, *problem = NULL, *pmark = NULL, *res;
    switch (p->error) {
    case YAML_MEMORY_ERROR:
        return PyErr_NoMemory();
    case YAML_READER_ERROR:
        return Py_BuildValue("(ONni)", k_reader, PyUnicode_FromString(p->problem),
                             (Py_ssize_t)p->problem_offset, p->problem_value);
    case YAML_SCANNER_ERROR:
    case YAML_PARSER_ERROR:
        if (p->context != NULL) {
            context = PyUnicode_FromString(p->context);
            cmark = mark_tuple(p->context_mark);
        } else {
            Py_INCREF(Py_None);
            Py_INCREF(Py_None);
            context = cmark = Py_None;
        }
        if (p->problem != NULL) {
            problem = PyUnicode_FromString(p->problem);
            pmark = mark_tuple(p->problem_mark);
        } else {
            Py_INCREF(Py_None);
            Py_INCREF(Py_None);
            problem = pmark = Py_None;
        }
        if (context == NULL || cmark == NULL || problem == NULL || pmark == NULL) {
            Py_XDECREF(context);
            Py_XDECREF(cmark);
            Py_XDECREF(problem);
            Py_XDECREF(pmark);
            return NULL;
        }
        res = Py_BuildValue("(ONNNN)", p->error == YAML_SCANNER_ERROR ? k_scanner : k_parser,
                            context, cmark, problem, pmark);
        return res;
    default:
        PyErr_SetString(PyExc_ValueError, "no parser error");
        return NULL;
    }
}

enum { GO_ON = 0, STOP = 1, FAIL = -1, FINISH = 2 };

static int
on_scalar(Builder *b, yaml_event_t *ev)
{
    PyObject *anchor = NULL, *tag = NULL, *text = NULL, *style, *value = NULL, *node = NULL;
    PyObject *pos[4] = {NULL, NULL, NULL, NULL};
    int rc = FAIL, i;

    if (ev->data.scalar.anchor != NULL && (anchor = decode_cstr(ev->data.scalar.anchor)) == NULL)
        goto done;
    if (ev->data.scalar.tag != NULL && (tag = decode_cstr(ev->data.scalar.tag)) == NULL)
        goto done;
    text = make_text(b, ev->data.scalar.value, ev->data.scalar.length);
    if (text == NULL)
        goto done;
    if (tag != NULL) {
        if (ev->data.scalar.plain_implicit == 1 && PyUnicode_CompareWithASCIIString(tag, "!") == 0)
            Py_CLEAR(tag);
        else if (check_tag(b, &tag, scalar_tags, ev->start_mark, ev->end_mark) < 0)
            goto done;
    }
    switch (ev->data.scalar.style) {
    case YAML_SINGLE_QUOTED_SCALAR_STYLE: style = s_squote; break;
    case YAML_DOUBLE_QUOTED_SCALAR_STYLE: style = s_dquote; break;
    case YAML_LITERAL_SCALAR_STYLE: style = s_literal; break;
    case YAML_FOLDED_SCALAR_STYLE: style = s_folded; break;
    default: style = s_plain; break;
    }
    value = scalar_value(text, style, tag, ev->data.scalar.value, ev->data.scalar.length);
    if (value == NULL)
        goto done;
    pos[0] = make_int(b, (long)ev->start_mark.line + 1);
    pos[1] = make_int(b, (long)ev->start_mark.column + 1);
    pos[2] = make_int(b, (long)ev->end_mark.line + 1);
    pos[3] = make_int(b, (long)ev->end_mark.column + 1);
    if (!pos[0] || !pos[1] || !pos[2] || !pos[3])
        goto done;
    node = new_node(ScalarType, 8);
    if (node == NULL)
        goto done;
    PyTuple_SET_ITEM(node, 0, text);
    text = NULL;
    Py_INCREF(style);
    PyTuple_SET_ITEM(node, 1, style);
    if (tag == NULL) {
        Py_INCREF(Py_None);
        PyTuple_SET_ITEM(node, 2, Py_None);
    } else {
        PyTuple_SET_ITEM(node, 2, tag);
        tag = NULL;
    }
    PyTuple_SET_ITEM(node, 3, value);
    value = NULL;
    for (i = 0; i < 4; i++) {
        PyTuple_SET_ITEM(node, 4 + i, pos[i]);
        pos[i] = NULL;
    }
    if (anchor != NULL) {
        PyObject *entry = Py_BuildValue("(Oi)", node, 1);
        if (entry == NULL || PyDict_SetItem(b->anchors, anchor, entry) < 0) {
            Py_XDECREF(entry);
            goto done;
        }
        Py_DECREF(entry);
    }
    if (attach(b, node, 1) < 0)
        goto done;
    rc = GO_ON;
done:
    Py_XDECREF(anchor);
    Py_XDECREF(tag);
    Py_XDECREF(text);
    Py_XDECREF(value);
    Py_XDECREF(node);
    for (i = 0; i < 4; i++)
        Py_XDECREF(pos[i]);
    return rc;
}

static int
on_start(Builder *b, yaml_event_t *ev, int is_map)
{
    const yaml_char_t *raw_anchor = is_map ? ev->data.mapping_start.anchor : ev->data.sequence_start.anchor;
    const yaml_char_t *raw_tag = is_map ? ev->data.mapping_start.tag : ev->data.sequence_start.tag;
    PyObject *anchor = NULL, *tag = NULL;
    Frame *f;

    if (raw_anchor != NULL && (anchor = decode_cstr(raw_anchor)) == NULL)
        return FAIL;
    if (raw_tag != NULL && (tag = decode_cstr(raw_tag)) == NULL)
        goto fail;
    if (b->depth >= b->depth_limit) {
        long line = (long)ev->start_mark.line + 1, column = (long)ev->start_mark.column + 1;
        Py_XDECREF(anchor);
        Py_XDECREF(tag);
        if (report(b, c_gw107,
                   PyUnicode_FromFormat("nesting is deeper than the limit of %S levels", b->depth_obj),
                   notes1("raise `limits.depth` in gwfc.toml if this is legitimate"),
                   line, column, line, column + 1) < 0)
            return FAIL;
        return STOP;
    }
    if (check_tag(b, &tag, collection_tags, ev->start_mark, ev->end_mark) < 0)
        goto fail;
    if (tag != NULL && PyUnicode_CompareWithASCIIString(tag, "!") == 0)
        Py_CLEAR(tag);
    if (anchor != NULL && PySet_Add(b->in_progress, anchor) < 0)
        goto fail;
    if (b->depth == b->cap) {
        Py_ssize_t cap = b->cap ? b->cap * 2 : 64;
        Frame *grown = PyMem_Realloc(b->stack, (size_t)cap * sizeof(Frame));
        if (grown == NULL) {
            PyErr_NoMemory();
            goto fail;
        }
        b->stack = grown;
        b->cap = cap;
    }
    f = &b->stack[b->depth];
    memset(f, 0, sizeof *f);
    f->is_map = is_map;
    f->items = PyList_New(0);
    if (f->items == NULL)
        goto fail;
    if (is_map && (f->index = PyDict_New()) == NULL) {
        Py_CLEAR(f->items);
        goto fail;
    }
    f->tag = tag;
    f->anchor = anchor;
    f->line = (long)ev->start_mark.line + 1;
    f->column = (long)ev->start_mark.column + 1;
    f->size = 1;
    b->depth++;
    return GO_ON;
fail:
    Py_XDECREF(anchor);
    Py_XDECREF(tag);
    return FAIL;
}

static int
on_end(Builder *b, yaml_event_t *ev)
{
    Frame f;
    PyObject *node = NULL;
    PyObject *pos[4] = {NULL, NULL, NULL, NULL};
    int rc = FAIL, i, n;

    if (b->depth == 0) {  /* cannot happen with libyaml's event grammar */
        PyErr_SetString(PyExc_RuntimeError, "unbalanced collection end");
        return FAIL;
    }
    f = b->stack[--b->depth];
    if (f.is_map && f.merges != NULL && PyList_GET_SIZE(f.merges) > 0 && apply_merges(b, &f) < 0)
        goto done;
    pos[0] = make_int(b, f.line);
    pos[1] = make_int(b, f.column);
    pos[2] = make_int(b, (long)ev->end_mark.line + 1);
    pos[3] = make_int(b, (long)ev->end_mark.column + 1);
    if (!pos[0] || !pos[1] || !pos[2] || !pos[3])
        goto done;
    n = f.is_map ? 7 : 6;
    node = new_node(f.is_map ? MapType : SeqType, n);
    if (node == NULL)
        goto done;
    i = 0;
    PyTuple_SET_ITEM(node, i++, f.items);
    f.items = NULL;
    if (f.is_map) {
        PyTuple_SET_ITEM(node, i++, f.index);
        f.index = NULL;
    }
    if (f.tag == NULL) {
        Py_INCREF(Py_None);
        PyTuple_SET_ITEM(node, i++, Py_None);
    } else {
        PyTuple_SET_ITEM(node, i++, f.tag);
        f.tag = NULL;
    }
    for (n = 0; n < 4; n++) {
        PyTuple_SET_ITEM(node, i++, pos[n]);
        pos[n] = NULL;
    }
    if (f.anchor != NULL) {
        PyObject *entry;
        if (PySet_Discard(b->in_progress, f.anchor) < 0)
            goto done;
        entry = Py_BuildValue("(OL)", node, f.size);
        if (entry == NULL || PyDict_SetItem(b->anchors, f.anchor, entry) < 0) {
            Py_XDECREF(entry);
            goto done;
        }
        Py_DECREF(entry);
    }
    if (attach(b, node, f.size) < 0)
        goto done;
    rc = GO_ON;
done:
    clear_frame(&f);
    Py_XDECREF(node);
    for (i = 0; i < 4; i++)
        Py_XDECREF(pos[i]);
    return rc;
}

static int
on_alias(Builder *b, yaml_event_t *ev)
{
    PyObject *anchor, *target;
    long sl = (long)ev->start_mark.line + 1, sc = (long)ev->start_mark.column + 1;
    long el = (long)ev->end_mark.line + 1, ec = (long)ev->end_mark.column + 1;
    long long size;
    int in, rc;

    anchor = decode_cstr(ev->data.alias.anchor);
    if (anchor == NULL)
        return FAIL;
    in = PySet_Contains(b->in_progress, anchor);
    if (in < 0)
        goto fail;
    if (in) {
        rc = report(b, c_gw109,
                    PyUnicode_FromFormat("the alias *%U refers to a node that contains it", anchor),
                    PyTuple_New(0), sl, sc, el, ec);
        Py_DECREF(anchor);
        return rc < 0 ? FAIL : STOP;
    }
    target = PyDict_GetItemWithError(b->anchors, anchor);
    if (target == NULL) {
        if (PyErr_Occurred())
            goto fail;
        rc = report(b, c_gw101, PyUnicode_FromFormat("found undefined alias *%U", anchor),
                    Py_BuildValue("(N)", PyUnicode_FromFormat(
                        "define the anchor `&%U` before using it", anchor)),
                    sl, sc, el, ec);
        Py_DECREF(anchor);
        return rc < 0 ? FAIL : STOP;
    }
    Py_DECREF(anchor);
    size = PyLong_AsLongLong(PyTuple_GET_ITEM(target, 1));
    if (size == -1 && PyErr_Occurred())
        return FAIL;
    b->alias_total = sat_add(b->alias_total, size);
    if (b->alias_total > b->alias_limit) {
        PyObject *limit = PyObject_Format(b->alias_obj, s_commas);  /* f"{limit:,}" */
        if (limit == NULL)
            return FAIL;
        rc = report(b, c_gw108, PyUnicode_FromFormat("aliases expand to more than %U nodes", limit),
                    notes1("this looks like a 'billion laughs' file; raise "
                           "`limits.alias-nodes` in gwfc.toml if it is legitimate"),
                    sl, sc, el, ec);
        Py_DECREF(limit);
        return rc < 0 ? FAIL : STOP;
    }
    Py_INCREF(target);  /* keep the node alive while attaching */
    rc = attach(b, PyTuple_GET_ITEM(target, 0), size);
    Py_DECREF(target);
    return rc < 0 ? FAIL : GO_ON;
fail:
    Py_DECREF(anchor);
    return FAIL;
}

/* PyYAML's CParser decodes a document's tag directives; do the same (it can raise). */
static int
check_directives(yaml_event_t *ev)
{
    yaml_tag_directive_t *d;
    for (d = ev->data.document_start.tag_directives.start;
         d != NULL && d != ev->data.document_start.tag_directives.end; d++) {
        PyObject *h = decode_cstr(d->handle), *p;
        if (h == NULL)
            return -1;
        Py_DECREF(h);
        p = decode_cstr(d->prefix);
        if (p == NULL)
            return -1;
        Py_DECREF(p);
    }
    return 0;
}

static long long
as_limit(PyObject *o, int *err)
{
    int overflow = 0;
    long long v = PyLong_AsLongLongAndOverflow(o, &overflow);
    if (v == -1 && PyErr_Occurred()) {
        *err = 1;
        return 0;
    }
    if (overflow > 0)
        return LLONG_MAX;
    if (overflow < 0)
        return LLONG_MIN;
    return v;
}

static PyObject *
build(PyObject *self, PyObject *args)
{
    PyObject *text, *depth_obj, *alias_obj, *result = NULL, *error = NULL;
    const char *utf8;
    Py_ssize_t utf8_len;
    yaml_parser_t parser;
    yaml_event_t event;
    Builder b;
    long long depth_limit;
    int documents = 0, state = GO_ON, err = 0;
    Py_ssize_t i;

    (void)self;
    if (!PyArg_ParseTuple(args, "UO!O!:build", &text, &PyLong_Type, &depth_obj, &PyLong_Type, &alias_obj))
        return NULL;
    if (ScalarType == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "_fastyaml.configure() has not been called");
        return NULL;
    }
    memset(&b, 0, sizeof b);
    depth_limit = as_limit(depth_obj, &err);
    b.alias_limit = as_limit(alias_obj, &err);
    if (err)
        return NULL;
    b.depth_limit = depth_limit;
    b.depth_obj = depth_obj;
    b.alias_obj = alias_obj;
    /* Limits beyond 64 bits are clamped: no input reaches them (sizes saturate). */

    utf8 = PyUnicode_AsUTF8AndSize(text, &utf8_len);
    if (utf8 == NULL)
        return NULL;
    b.anchors = PyDict_New();
    b.in_progress = PySet_New(NULL);
    b.diags = PyList_New(0);
    if (b.anchors == NULL || b.in_progress == NULL || b.diags == NULL)
        goto cleanup;
    if (!yaml_parser_initialize(&parser)) {
        PyErr_NoMemory();
        goto cleanup;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)utf8, (size_t)utf8_len);

    while (state == GO_ON) {
        if (!yaml_parser_parse(&parser, &event)) {
            error = parser_error(&parser);
            state = error == NULL ? FAIL : STOP;
            break;
        }
        switch (event.type) {
        case YAML_SCALAR_EVENT:
            state = on_scalar(&b, &event);
            break;
        case YAML_SEQUENCE_START_EVENT:
            state = on_start(&b, &event, 0);
            break;
        case YAML_MAPPING_START_EVENT:
            state = on_start(&b, &event, 1);
            break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
            state = on_end(&b, &event);
            break;
        case YAML_ALIAS_EVENT:
            state = on_alias(&b, &event);
            break;
        case YAML_DOCUMENT_START_EVENT:
            if (check_directives(&event) < 0) {
                state = FAIL;
                break;
            }
            documents++;
            if (documents > 1) {
                long line = (long)event.start_mark.line + 1, column = (long)event.start_mark.column + 1;
                state = report(&b, c_gw104,
                               PyUnicode_FromString("a second YAML document starts here; a workflow file holds one"),
                               notes1("remove the `---` separator or split the file"),
                               line, column, line, column + 1) < 0 ? FAIL : FINISH;
            }
            break;
        case YAML_STREAM_END_EVENT:
        case YAML_NO_EVENT:
            state = FINISH;
            break;
        default:  /* stream start, document end */
            break;
        }
        yaml_event_delete(&event);
    }
    yaml_parser_delete(&parser);

    if (state == FAIL)
        goto cleanup;
    if (state == STOP) {
        result = Py_BuildValue("(OOO)", Py_None, b.diags, error ? error : Py_None);
    } else {
        result = Py_BuildValue("(OOO)", b.root ? b.root : Py_None, b.diags, Py_None);
    }
cleanup:
    Py_XDECREF(error);
    for (i = 0; i < b.depth; i++)
        clear_frame(&b.stack[i]);
    PyMem_Free(b.stack);
    for (i = 0; i < b.nints; i++)
        Py_XDECREF(b.ints[i]);
    PyMem_Free(b.ints);
    if (b.strs != NULL) {
        for (i = 0; i < STR_CACHE_SIZE; i++)
            Py_XDECREF(b.strs[i]);
        PyMem_Free(b.strs);
    }
    Py_XDECREF(b.anchors);
    Py_XDECREF(b.in_progress);
    Py_XDECREF(b.diags);
    Py_XDECREF(b.root);
    return result;
}

/* events(text) -> (events, error): libyaml's raw event stream, for tests that compare it
   with PyYAML's CParser. An event is (type, start mark, end mark, anchor, tag, value,
   implicit, style) with libyaml's enum values; unused fields are None. */
static PyObject *
opt_str(const yaml_char_t *s)
{
    if (s == NULL)
        Py_RETURN_NONE;
    return decode_cstr(s);
}

static PyObject *
event_tuple(yaml_event_t *e)
{
    PyObject *anchor = Py_None, *tag = Py_None, *value = Py_None, *implicit = Py_None;
    long style = -1;
    PyObject *res;
    Py_INCREF(Py_None);
    Py_INCREF(Py_None);
    Py_INCREF(Py_None);
    Py_INCREF(Py_None);
    switch (e->type) {
    case YAML_ALIAS_EVENT:
        Py_SETREF(anchor, opt_str(e->data.alias.anchor));
        break;
    case YAML_SCALAR_EVENT:
        Py_SETREF(anchor, opt_str(e->data.scalar.anchor));
        Py_SETREF(tag, opt_str(e->data.scalar.tag));
        Py_SETREF(value, PyUnicode_DecodeUTF8((const char *)e->data.scalar.value,
                                              (Py_ssize_t)e->data.scalar.length, "strict"));
        Py_SETREF(implicit, Py_BuildValue("(OO)", e->data.scalar.plain_implicit == 1 ? Py_True : Py_False,
                                          e->data.scalar.quoted_implicit == 1 ? Py_True : Py_False));
        style = e->data.scalar.style;
        break;
    case YAML_SEQUENCE_START_EVENT:
        Py_SETREF(anchor, opt_str(e->data.sequence_start.anchor));
        Py_SETREF(tag, opt_str(e->data.sequence_start.tag));
        Py_SETREF(implicit, PyBool_FromLong(e->data.sequence_start.implicit == 1));
        style = e->data.sequence_start.style;
        break;
    case YAML_MAPPING_START_EVENT:
        Py_SETREF(anchor, opt_str(e->data.mapping_start.anchor));
        Py_SETREF(tag, opt_str(e->data.mapping_start.tag));
        Py_SETREF(implicit, PyBool_FromLong(e->data.mapping_start.implicit == 1));
        style = e->data.mapping_start.style;
        break;
    case YAML_DOCUMENT_START_EVENT:
        if (check_directives(e) < 0) {
            Py_SETREF(anchor, NULL);
            break;
        }
        Py_SETREF(implicit, PyBool_FromLong(e->data.document_start.implicit != 0));
        break;
    case YAML_DOCUMENT_END_EVENT:
        Py_SETREF(implicit, PyBool_FromLong(e->data.document_end.implicit != 0));
        break;
    default:
        break;
    }
    if (anchor == NULL || tag == NULL || value == NULL || implicit == NULL) {
        Py_XDECREF(anchor);
        Py_XDECREF(tag);
        Py_XDECREF(value);
        Py_XDECREF(implicit);
        return NULL;
    }
    res = Py_BuildValue("(iNNNNNNl)", (int)e->type, mark_tuple(e->start_mark), mark_tuple(e->end_mark),
                        anchor, tag, value, implicit, style);
    return res;
}

static PyObject *
events(PyObject *self, PyObject *args)
{
    PyObject *text, *list, *error = NULL, *item;
    const char *utf8;
    Py_ssize_t utf8_len;
    yaml_parser_t parser;
    yaml_event_t event;
    int done = 0;

    (void)self;
    if (!PyArg_ParseTuple(args, "U:events", &text))
        return NULL;
    utf8 = PyUnicode_AsUTF8AndSize(text, &utf8_len);
    if (utf8 == NULL)
        return NULL;
    list = PyList_New(0);
    if (list == NULL)
        return NULL;
    if (!yaml_parser_initialize(&parser)) {
        Py_DECREF(list);
        return PyErr_NoMemory();
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)utf8, (size_t)utf8_len);
    while (!done) {
        if (!yaml_parser_parse(&parser, &event)) {
            error = parser_error(&parser);
            if (error == NULL)
                goto fail;
            break;
        }
        if (event.type == YAML_NO_EVENT) {
            yaml_event_delete(&event);
            break;
        }
        item = event_tuple(&event);
        yaml_event_delete(&event);
        if (item == NULL || PyList_Append(list, item) < 0) {
            Py_XDECREF(item);
            goto fail;
        }
        Py_DECREF(item);
    }
    yaml_parser_delete(&parser);
    return Py_BuildValue("(NN)", list, error ? error : (Py_INCREF(Py_None), Py_None));
fail:
    yaml_parser_delete(&parser);
    Py_DECREF(list);
    return NULL;
}

static PyObject *
configure(PyObject *self, PyObject *args)
{
    PyObject *scalar, *seq, *map, *fn, *cache, *first, *stags, *ctags, *it, *item;
    (void)self;
    if (!PyArg_ParseTuple(args, "O!O!O!OOOO!O!:configure", &PyType_Type, &scalar, &PyType_Type, &seq,
                          &PyType_Type, &map, &fn, &cache, &first, &PyFrozenSet_Type, &stags,
                          &PyFrozenSet_Type, &ctags))
        return NULL;
    if (!PyType_IsSubtype((PyTypeObject *)scalar, &PyTuple_Type)
        || !PyType_IsSubtype((PyTypeObject *)seq, &PyTuple_Type)
        || !PyType_IsSubtype((PyTypeObject *)map, &PyTuple_Type)) {
        PyErr_SetString(PyExc_TypeError, "node classes must be tuple subclasses");
        return NULL;
    }
    if (cache != Py_None && !PyDict_CheckExact(cache)) {
        PyErr_SetString(PyExc_TypeError, "typed_cache must be a dict or None");
        return NULL;
    }
    /* Which first bytes of a plain scalar need typed_value: the ASCII members of `first`;
       any non-ASCII member makes every non-ASCII first byte go to Python too. */
    memset(typed_first, 0, sizeof typed_first);
    it = PyObject_GetIter(first);
    if (it == NULL)
        return NULL;
    while ((item = PyIter_Next(it)) != NULL) {
        if (PyUnicode_Check(item) && PyUnicode_GET_LENGTH(item) == 1
            && PyUnicode_READ_CHAR(item, 0) < 128) {
            typed_first[PyUnicode_READ_CHAR(item, 0)] = 1;
        } else {
            memset(typed_first + 128, 1, 128);
        }
        Py_DECREF(item);
    }
    Py_DECREF(it);
    if (PyErr_Occurred())
        return NULL;
    Py_INCREF(scalar);
    Py_XSETREF(ScalarType, (PyTypeObject *)scalar);
    Py_INCREF(seq);
    Py_XSETREF(SeqType, (PyTypeObject *)seq);
    Py_INCREF(map);
    Py_XSETREF(MapType, (PyTypeObject *)map);
    Py_INCREF(fn);
    Py_XSETREF(typed_value_fn, fn);
    if (cache == Py_None) {
        Py_CLEAR(typed_cache);
    } else {
        Py_INCREF(cache);
        Py_XSETREF(typed_cache, cache);
    }
    Py_INCREF(stags);
    Py_XSETREF(scalar_tags, stags);
    Py_INCREF(ctags);
    Py_XSETREF(collection_tags, ctags);
    Py_RETURN_NONE;
}

static PyObject *
libyaml_version(PyObject *self, PyObject *unused)
{
    (void)self;
    (void)unused;
    return PyUnicode_FromString(yaml_get_version_string());
}

static PyMethodDef methods[] = {
    {"build", build, METH_VARARGS,
     "build(text, depth_limit, alias_limit) -> (root, diagnostics, error): loader._build in C."},
    {"configure", configure, METH_VARARGS,
     "configure(Scalar, Seq, Map, typed_value, typed_cache, typed_first, scalar_tags, "
     "collection_tags)"},
    {"events", events, METH_VARARGS,
     "events(text) -> (events, error): libyaml's raw event stream (for tests)."},
    {"libyaml_version", libyaml_version, METH_NOARGS, "The vendored libyaml's version."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_fastyaml",
    "The YAML node-tree builder of gwfc's loader, in C on libyaml.", -1, methods,
    NULL, NULL, NULL, NULL,
};

#define INTERN(var, text)                                  \
    do {                                                   \
        if ((var = PyUnicode_InternFromString(text)) == NULL) \
            return NULL;                                   \
    } while (0)

PyMODINIT_FUNC
PyInit__fastyaml(void)
{
    INTERN(s_plain, "");
    INTERN(s_squote, "'");
    INTERN(s_dquote, "\"");
    INTERN(s_literal, "|");
    INTERN(s_folded, ">");
    INTERN(s_kind_name, "kind_name");
    INTERN(s_commas, ",");
    INTERN(k_reader, "reader");
    INTERN(k_scanner, "scanner");
    INTERN(k_parser, "parser");
    INTERN(c_gw101, "GW101");
    INTERN(c_gw104, "GW104");
    INTERN(c_gw105, "GW105");
    INTERN(c_gw107, "GW107");
    INTERN(c_gw108, "GW108");
    INTERN(c_gw109, "GW109");
    INTERN(c_gw113, "GW113");
    INTERN(c_gw114, "GW114");
    INTERN(c_gw203, "GW203");
    return PyModule_Create(&module);
}
