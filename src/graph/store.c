/*
 * store.c - the state file: every node's state and every message not yet processed, in SQLite.
 *
 * What it promises (issue 11, docs/graphs.md "Durable state"): after a kill -9 at any moment, running
 * the same command with the same file goes on where it stopped, with no committed message lost, none
 * processed twice, and every node's state exact. How:
 *
 *   - A step is the unit: one message consumed by one node, the node's new state and counters, and
 *     the messages the call produced. rn_store_step writes all of it inside one transaction, so a
 *     step is in the file whole or not at all. A message from outside (stdin, runnel_network_send) is
 *     a row written together with the count of messages accepted so far, so that a resumed run knows
 *     how many inputs it already took.
 *   - Steps are committed in batches (up to BATCH_STEPS steps or BATCH_MS milliseconds, and whenever a
 *     worker goes idle), because a commit per message would cap the rate at what the disk's commits
 *     allow. Batching keeps the promise: a batch is a prefix of the steps in the order they were
 *     written, and a message is written (in its producer's step) before any step that consumes it,
 *     since it reaches a queue only after its producer's step returned. A crash loses the last
 *     uncommitted batch whole, and the run redoes it from the messages that were still in the file.
 *   - Messages that leave the graph (outports) are handed to the caller only after their step is
 *     committed: what the user has seen cannot be taken back by a crash. (A crash between the commit
 *     and the write to stdout loses those lines; nothing is ever printed twice.)
 *   - WAL journal with synchronous=NORMAL: a commit is durable against the process being killed (the
 *     OS has the pages) without an fsync per commit; against a power cut the file stays consistent but
 *     the last commits may be lost. That trade is SQLite's documented one for WAL.
 *
 * A state file is bound to its graph by a fingerprint of the flat network (node ids, components,
 * edges): queued messages name their edge by number, which only means something in the same graph. A
 * file of another graph is refused with a message, never overwritten; so is a file that is not an
 * SQLite database.
 *
 * Locks: the store's mutex is always taken before the network's (sched.h); outport messages of a
 * commit are emitted under a second mutex taken before the store's is released, so that two commits
 * emit in the order they committed.
 */
#include "sched.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BATCH_STEPS 256
#define BATCH_MS 20

#define STORE_FORMAT 1

typedef struct deferred {
    rn_edge *edge;
    runnel_msg msg;
} deferred;

typedef struct pending_node {
    const rn_node *node;
    char *state; /* compact JSON */
    uint64_t counts[3];
} pending_node;

struct rn_store {
    sqlite3 *db;
    char *path;
    int lock_fd; /* holds flock(LOCK_EX) on the file: one process at a time */
    pthread_mutex_t mu, emit_mu;
    bool in_tx;
    size_t pending; /* steps in the open transaction */
    uint64_t tx_start; /* rn_now_ns() */
    bool resuming;
    uint64_t accepted;
    sqlite3_stmt *del_packet, *put_packet, *put_node, *put_meta;
    deferred *deferred;
    size_t ndeferred, capdeferred;
    void (*emit)(runnel_network *n, rn_edge *e, const runnel_msg *msg);
    runnel_network *emit_net;
    /* Rows that a batch would otherwise rewrite at every step: a node's state and counters, and the
       accepted count. They are kept here and written once, just before the batch's COMMIT (same
       transaction, so nothing changes for a crash; measured: 4 statements fewer per message). */
    pending_node *pending_nodes;
    size_t npending_nodes, cappending_nodes;
    bool accepted_pending;
};

static runnel_status db_fail(rn_store *s, runnel_report *r, const char *what)
{
    return rn_graph_fail(r, RUNNEL_BADARG, "%s: %s: %s", s->path, what, sqlite3_errmsg(s->db));
}

static bool exec(rn_store *s, const char *sql)
{
    return sqlite3_exec(s->db, sql, NULL, NULL, NULL) == SQLITE_OK;
}

static const char *meta_text(rn_store *s, const char *key, char *buf, size_t size)
{
    sqlite3_stmt *st;
    const char *out = NULL;
    if (sqlite3_prepare_v2(s->db, "SELECT value FROM runnel_meta WHERE key = ?", -1, &st, NULL) != SQLITE_OK)
        return NULL;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0)) {
        snprintf(buf, size, "%s", (const char *)sqlite3_column_text(st, 0));
        out = buf;
    }
    sqlite3_finalize(st);
    return out;
}

static bool put_meta(rn_store *s, const char *key, const char *value)
{
    sqlite3_reset(s->put_meta);
    sqlite3_bind_text(s->put_meta, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(s->put_meta, 2, value, -1, SQLITE_TRANSIENT);
    return sqlite3_step(s->put_meta) == SQLITE_DONE;
}

static const char schema[] = "CREATE TABLE IF NOT EXISTS runnel_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
                             "CREATE TABLE IF NOT EXISTS runnel_nodes (id TEXT PRIMARY KEY, state TEXT NOT NULL,"
                             " n_in INTEGER NOT NULL, n_out INTEGER NOT NULL, n_errors INTEGER NOT NULL);"
                             "CREATE TABLE IF NOT EXISTS runnel_queue (seq INTEGER PRIMARY KEY AUTOINCREMENT,"
                             " edge INTEGER NOT NULL, message TEXT NOT NULL);";

/* Checks (or, in a new file, writes) the format and the graph's fingerprint. */
static runnel_status check_owner(rn_store *s, uint64_t fingerprint, runnel_report *r)
{
    char want[32], buf[64];
    snprintf(want, sizeof want, "%016llx", (unsigned long long)fingerprint);
    const char *fp = meta_text(s, "fingerprint", buf, sizeof buf);
    if (!fp) {
        char fmt[16];
        snprintf(fmt, sizeof fmt, "%d", STORE_FORMAT);
        if (!exec(s, "BEGIN") || !put_meta(s, "format", fmt) || !put_meta(s, "fingerprint", want) ||
            !exec(s, "COMMIT"))
            return db_fail(s, r, "cannot initialise the state file");
        return RUNNEL_OK;
    }
    if (strcmp(fp, want) != 0)
        return rn_graph_fail(r, RUNNEL_BADARG,
                             "%s holds the state of another graph (or of an earlier version of this one: its nodes "
                             "or connections differ); it is left untouched. Use another file, or remove this one to "
                             "start afresh",
                             s->path);
    const char *fmt = meta_text(s, "format", buf, sizeof buf);
    if (!fmt || atoi(fmt) != STORE_FORMAT)
        return rn_graph_fail(r, RUNNEL_BADARG, "%s: a state file of format %s, which this runnel does not read",
                             s->path, fmt ? fmt : "(none)");
    s->resuming = meta_text(s, "started", buf, sizeof buf) != NULL;
    const char *acc = meta_text(s, "accepted", buf, sizeof buf);
    s->accepted = acc ? strtoull(acc, NULL, 10) : 0;
    return RUNNEL_OK;
}

/* Refuses a file that is not an SQLite database, or one that holds tables other than a state file's:
   the user's own database given by mistake must not get runnel's tables added to it. */
static runnel_status check_foreign(rn_store *s, runnel_report *r)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT name FROM sqlite_master WHERE name NOT IN ('runnel_meta', 'runnel_nodes',"
                           " 'runnel_queue', 'sqlite_sequence') AND name NOT LIKE 'sqlite_autoindex_runnel_%'",
                           -1, &st, NULL) != SQLITE_OK)
        return db_fail(s, r, "not a runnel state file (or not readable); it is left untouched");
    int step = sqlite3_step(st);
    runnel_status rs = RUNNEL_OK;
    if (step == SQLITE_ROW)
        rs = rn_graph_fail(r, RUNNEL_BADARG,
                           "%s: an SQLite database of something else (it holds `%s`), not a runnel state file; it is "
                           "left untouched",
                           s->path, (const char *)sqlite3_column_text(st, 0));
    else if (step != SQLITE_DONE)
        rs = db_fail(s, r, "not a runnel state file (or not readable); it is left untouched");
    sqlite3_finalize(st);
    return rs;
}

rn_store *rn_store_open(const char *path, uint64_t fingerprint, runnel_report *r)
{
    rn_store *s = calloc(1, sizeof *s);
    if (!s || !(s->path = strdup(path))) {
        free(s);
        rn_graph_fail(r, RUNNEL_NOMEM, "out of memory");
        return NULL;
    }
    s->lock_fd = -1;
    pthread_mutex_init(&s->mu, NULL);
    pthread_mutex_init(&s->emit_mu, NULL);
    /* A symbolic link is followed, as `runnel send --state` follows one (fileio.h): SQLite resolves it
       and keeps its journal next to the file it points to. One that points to nothing is refused
       rather than creating a file at a place the user may not have meant. */
    struct stat lst;
    if (lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode) && access(path, F_OK) != 0 && errno == ENOENT) {
        rn_graph_fail(r, RUNNEL_BADARG, "%s: a symbolic link to a file that does not exist", path);
        rn_store_close(s);
        return NULL;
    }
    /* Two runs on one state file would each resume the same messages: the second is refused. flock is
       separate from SQLite's own (fcntl) locks; the descriptor stays open until SQLite has closed the
       file, since closing any descriptor of a file drops a process's fcntl locks on it. */
    s->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (s->lock_fd < 0 || flock(s->lock_fd, LOCK_EX | LOCK_NB) != 0) {
        rn_graph_fail(r, RUNNEL_BADARG, "%s: %s", path,
                      s->lock_fd < 0 ? strerror(errno) : "the state file is in use by another process (another runnel run?)");
        rn_store_close(s);
        return NULL;
    }
    if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        db_fail(s, r, "cannot open the state file");
        rn_store_close(s);
        return NULL;
    }
    sqlite3_busy_timeout(s->db, 5000);
    /* The first statement reads the file: one that is not a database fails here, and is left alone; so
       is a database of something else, before anything (WAL mode, our tables) is written into it. */
    if (check_foreign(s, r) != RUNNEL_OK) {
        rn_store_close(s);
        return NULL;
    }
    if (!exec(s, "PRAGMA journal_mode=WAL") || !exec(s, "PRAGMA synchronous=NORMAL") || !exec(s, schema)) {
        db_fail(s, r, "not a runnel state file (or not readable)");
        rn_store_close(s);
        return NULL;
    }
    if (sqlite3_prepare_v2(s->db, "DELETE FROM runnel_queue WHERE seq = ?", -1, &s->del_packet, NULL) ||
        sqlite3_prepare_v2(s->db, "INSERT INTO runnel_queue (edge, message) VALUES (?, ?)", -1, &s->put_packet,
                           NULL) ||
        sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO runnel_nodes VALUES (?, ?, ?, ?, ?)", -1, &s->put_node,
                           NULL) ||
        sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO runnel_meta VALUES (?, ?)", -1, &s->put_meta, NULL)) {
        db_fail(s, r, "cannot prepare the state file");
        rn_store_close(s);
        return NULL;
    }
    if (check_owner(s, fingerprint, r) != RUNNEL_OK) {
        rn_store_close(s);
        return NULL;
    }
    return s;
}

void rn_store_close(rn_store *s)
{
    if (!s)
        return;
    if (s->in_tx)
        exec(s, "ROLLBACK"); /* only after a failure: a normal end flushed everything */
    sqlite3_finalize(s->del_packet);
    sqlite3_finalize(s->put_packet);
    sqlite3_finalize(s->put_node);
    sqlite3_finalize(s->put_meta);
    sqlite3_close(s->db);
    if (s->lock_fd >= 0)
        close(s->lock_fd);
    for (size_t i = 0; i < s->ndeferred; i++)
        runnel_msg_clear(&s->deferred[i].msg);
    free(s->deferred);
    for (size_t i = 0; i < s->npending_nodes; i++)
        free(s->pending_nodes[i].state);
    free(s->pending_nodes);
    pthread_mutex_destroy(&s->mu);
    pthread_mutex_destroy(&s->emit_mu);
    free(s->path);
    free(s);
}

bool rn_store_resuming(rn_store *s) { return s->resuming; }
uint64_t rn_store_accepted(rn_store *s) { return s->accepted; }

void rn_store_set_emitter(rn_store *s, void (*emit)(runnel_network *n, rn_edge *e, const runnel_msg *msg),
                          runnel_network *n)
{
    s->emit = emit;
    s->emit_net = n;
}

/* ---------------------------------------------------------------- transactions (under s->mu) */

static uint64_t elapsed_ms(uint64_t since_ns) { return (rn_now_ns() - since_ns) / 1000000u; }

static bool begin(rn_store *s)
{
    if (s->in_tx)
        return true;
    if (!exec(s, "BEGIN IMMEDIATE"))
        return false;
    s->in_tx = true;
    s->pending = 0;
    s->tx_start = rn_now_ns();
    return true;
}

/* The rows kept for the end of the batch (under s->mu, inside the transaction). */
static bool write_pending(rn_store *s)
{
    bool ok = true;
    if (s->accepted_pending) {
        char count[32];
        snprintf(count, sizeof count, "%llu", (unsigned long long)s->accepted);
        ok = put_meta(s, "accepted", count);
        s->accepted_pending = false;
    }
    for (size_t i = 0; i < s->npending_nodes; i++) {
        pending_node *p = &s->pending_nodes[i];
        if (ok) {
            sqlite3_reset(s->put_node);
            sqlite3_bind_text(s->put_node, 1, p->node->id, -1, SQLITE_STATIC);
            sqlite3_bind_text(s->put_node, 2, p->state, -1, SQLITE_STATIC);
            for (int k = 0; k < 3; k++)
                sqlite3_bind_int64(s->put_node, 3 + k, (sqlite3_int64)p->counts[k]);
            ok = sqlite3_step(s->put_node) == SQLITE_DONE;
        }
        free(p->state);
    }
    s->npending_nodes = 0;
    return ok;
}

/* Keeps a node's row for the end of the batch (the newest state replaces an older one). */
static bool keep_node(rn_store *s, const rn_node *node, char *state, const uint64_t counts[3])
{
    size_t i = 0;
    while (i < s->npending_nodes && s->pending_nodes[i].node != node)
        i++;
    if (i == s->npending_nodes) {
        if (s->npending_nodes == s->cappending_nodes) {
            size_t ncap = s->cappending_nodes ? s->cappending_nodes * 2 : 8;
            pending_node *p = realloc(s->pending_nodes, ncap * sizeof *p);
            if (!p)
                return false;
            s->pending_nodes = p;
            s->cappending_nodes = ncap;
        }
        s->pending_nodes[s->npending_nodes++] = (pending_node){.node = node};
    }
    pending_node *p = &s->pending_nodes[i];
    free(p->state);
    p->state = state;
    memcpy(p->counts, counts, sizeof p->counts);
    return true;
}

/* Commits, then emits the outport messages of what was committed (in commit order: emit_mu is taken
   before s->mu is let go). Called with s->mu held; returns with it released. */
static runnel_status commit_and_unlock(rn_store *s, runnel_report *r)
{
    runnel_status st = RUNNEL_OK;
    if (s->in_tx) {
        if (!write_pending(s) || !exec(s, "COMMIT")) {
            st = db_fail(s, r, "cannot commit to the state file");
            exec(s, "ROLLBACK");
        }
        s->in_tx = false;
        s->pending = 0;
    }
    deferred *list = s->deferred;
    size_t n = s->ndeferred;
    s->deferred = NULL;
    s->ndeferred = s->capdeferred = 0;
    pthread_mutex_lock(&s->emit_mu);
    pthread_mutex_unlock(&s->mu);
    for (size_t i = 0; i < n; i++) {
        if (st == RUNNEL_OK && s->emit)
            s->emit(s->emit_net, list[i].edge, &list[i].msg);
        runnel_msg_clear(&list[i].msg);
    }
    pthread_mutex_unlock(&s->emit_mu);
    free(list);
    return st;
}

/* After a step: commit when the batch is full or old enough, else just unlock. */
static runnel_status end_step(rn_store *s, runnel_report *r)
{
    s->pending++;
    if (s->pending >= BATCH_STEPS || elapsed_ms(s->tx_start) >= BATCH_MS)
        return commit_and_unlock(s, r);
    pthread_mutex_unlock(&s->mu);
    return RUNNEL_OK;
}

runnel_status rn_store_flush(rn_store *s, runnel_report *r)
{
    pthread_mutex_lock(&s->mu);
    if (!s->in_tx && !s->ndeferred) {
        pthread_mutex_unlock(&s->mu);
        return RUNNEL_OK;
    }
    return commit_and_unlock(s, r);
}

static bool put_packet(rn_store *s, const rn_edge *e, const runnel_msg *msg, int64_t *seq)
{
    char *text = runnel_msg_to_text(msg);
    if (!text)
        return false;
    sqlite3_reset(s->put_packet);
    sqlite3_bind_int64(s->put_packet, 1, (sqlite3_int64)e->index);
    sqlite3_bind_text(s->put_packet, 2, text, -1, free);
    if (sqlite3_step(s->put_packet) != SQLITE_DONE)
        return false;
    *seq = sqlite3_last_insert_rowid(s->db);
    return true;
}

static bool defer(rn_store *s, rn_edge *e, runnel_msg *msg)
{
    if (s->ndeferred == s->capdeferred) {
        size_t ncap = s->capdeferred ? s->capdeferred * 2 : 16;
        deferred *d = realloc(s->deferred, ncap * sizeof *d);
        if (!d)
            return false;
        s->deferred = d;
        s->capdeferred = ncap;
    }
    s->deferred[s->ndeferred++] = (deferred){e, *msg};
    *msg = runnel_msg_flow();
    return true;
}

runnel_status rn_store_step(rn_store *s, int64_t consumed, const rn_node *node, const json_t *state,
                            const uint64_t counts[3], rn_out *outs, size_t nouts, runnel_report *r)
{
    char *text = json_dumps(state, JSON_COMPACT);
    pthread_mutex_lock(&s->mu);
    bool ok = text && begin(s);
    if (ok && consumed) {
        sqlite3_reset(s->del_packet);
        sqlite3_bind_int64(s->del_packet, 1, consumed);
        ok = sqlite3_step(s->del_packet) == SQLITE_DONE;
    }
    bool have_text = text != NULL;
    if (ok) {
        ok = keep_node(s, node, text, counts);
        if (ok)
            text = NULL; /* kept */
    }
    for (size_t i = 0; ok && i < nouts; i++)
        ok = outs[i].edge->tgt ? put_packet(s, outs[i].edge, &outs[i].msg, &outs[i].seq)
                               : defer(s, outs[i].edge, &outs[i].msg);
    free(text);
    if (!ok) {
        runnel_status st = have_text ? db_fail(s, r, "cannot write a step to the state file")
                                     : rn_graph_fail(r, RUNNEL_NOMEM, "out of memory");
        pthread_mutex_unlock(&s->mu);
        return st;
    }
    return end_step(s, r);
}

runnel_status rn_store_accept(rn_store *s, rn_edge *e, const runnel_msg *msg, uint64_t accepted, int64_t *seq,
                              runnel_report *r)
{
    pthread_mutex_lock(&s->mu);
    bool ok = begin(s) && put_packet(s, e, msg, seq);
    if (ok && !e->is_iip) { /* written at the batch's end (write_pending) */
        s->accepted = accepted;
        s->accepted_pending = true;
    }
    if (!ok) {
        runnel_status st = db_fail(s, r, "cannot write a message to the state file");
        pthread_mutex_unlock(&s->mu);
        return st;
    }
    return end_step(s, r);
}

runnel_status rn_store_mark_started(rn_store *s, runnel_report *r)
{
    pthread_mutex_lock(&s->mu);
    if (!begin(s) || !put_meta(s, "started", "1")) {
        runnel_status st = db_fail(s, r, "cannot write to the state file");
        pthread_mutex_unlock(&s->mu);
        return st;
    }
    s->resuming = true;
    return commit_and_unlock(s, r);
}

/* ---------------------------------------------------------------- resuming */

static runnel_status load_nodes(rn_store *s, runnel_network *n, runnel_report *r)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "SELECT id, state, n_in, n_out, n_errors FROM runnel_nodes", -1, &st, NULL))
        return db_fail(s, r, "cannot read node states");
    runnel_status res = RUNNEL_OK;
    while (res == RUNNEL_OK && sqlite3_step(st) == SQLITE_ROW) {
        const char *id = (const char *)sqlite3_column_text(st, 0);
        const char *text = (const char *)sqlite3_column_text(st, 1);
        rn_node *node = NULL;
        for (size_t i = 0; id && i < n->nnodes && !node; i++)
            if (strcmp(n->nodes[i]->id, id) == 0)
                node = n->nodes[i];
        json_t *state = text ? json_loads(text, 0, NULL) : NULL;
        if (!node || !json_is_object(state)) {
            json_decref(state);
            res = rn_graph_fail(r, RUNNEL_BADARG, "%s: node %s: its state in the file is not a JSON object", s->path,
                                id ? id : "?");
            break;
        }
        node->in = (uint64_t)sqlite3_column_int64(st, 2);
        node->out = (uint64_t)sqlite3_column_int64(st, 3);
        node->errors = (uint64_t)sqlite3_column_int64(st, 4);
        if (node->actor)
            res = runnel_actor_set_state(node->actor, state, r);
        else {
            json_decref(node->state);
            node->state = json_incref(state);
        }
        json_decref(state);
    }
    sqlite3_finalize(st);
    return res;
}

runnel_status rn_store_load(rn_store *s, runnel_network *n,
                            void (*packet)(runnel_network *n, rn_edge *e, int64_t seq, runnel_msg *msg),
                            runnel_report *r)
{
    pthread_mutex_lock(&s->mu);
    runnel_status res = load_nodes(s, n, r);
    sqlite3_stmt *st = NULL;
    if (res == RUNNEL_OK &&
        sqlite3_prepare_v2(s->db, "SELECT seq, edge, message FROM runnel_queue ORDER BY seq", -1, &st, NULL))
        res = db_fail(s, r, "cannot read queued messages");
    while (res == RUNNEL_OK && sqlite3_step(st) == SQLITE_ROW) {
        int64_t seq = sqlite3_column_int64(st, 0), edge = sqlite3_column_int64(st, 1);
        const char *text = (const char *)sqlite3_column_text(st, 2);
        json_t *tagged = text ? json_loads(text, 0, NULL) : NULL;
        runnel_msg m;
        if (edge < 0 || (uint64_t)edge >= n->nedges || !n->edges[edge]->tgt || !tagged ||
            runnel_msg_from_json(&m, tagged, NULL) != RUNNEL_OK) {
            res = rn_graph_fail(r, RUNNEL_BADARG, "%s: queued message %lld is damaged", s->path, (long long)seq);
        } else {
            packet(n, n->edges[edge], seq, &m);
            runnel_msg_clear(&m);
        }
        json_decref(tagged);
    }
    sqlite3_finalize(st);
    pthread_mutex_unlock(&s->mu);
    return res;
}
