#include "learn/ext_agent.h"

#include <cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/jsonu.h"

enum { LINE_MAX_BYTES = 1 << 16, HELLO_MIN_MS = 10000 };

typedef struct ExtAgent {
    Strategy base;
    char name[16];
    pid_t pid;
    int to_fd, from_fd; /* agent's stdin (ours to write), agent's stdout (ours to read) */
    FILE *errf;         /* agent's stderr */
    TokFormat fmt;
    const Vocab *voc;
    int timeout_ms;
    long next_id;
    char *buf; /* read buffer: bytes after the last line handed out */
    size_t blen;
    unsigned char marks[STRAT_BATCH]; /* 1: a fallback happened in this slot's episode */
    ExtAgentStats st;
    int exited, status;
    int started;      /* hello answered */
    const char *when; /* for messages: " before answering the hello" or "" */
} ExtAgent;

static int live_agents;

static void sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) && errno == EINTR) {
    }
}
static struct sigaction old_pipe;

static long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

void ext_agent_stderr_tail(const Strategy *s, char *buf, size_t n) {
    const ExtAgent *a = s->state;
    buf[0] = 0;
    if (!a->errf || n < 2) return;
    fflush(a->errf);
    long end;
    if (fseek(a->errf, 0, SEEK_END) || (end = ftell(a->errf)) <= 0) return;
    long from = end > (long)n - 1 ? end - ((long)n - 1) : 0;
    if (fseek(a->errf, from, SEEK_SET)) return;
    size_t got = fread(buf, 1, n - 1, a->errf);
    buf[got] = 0;
    /* one line for messages: newlines become " / ", trailing ones dropped */
    while (got && (buf[got - 1] == '\n' || buf[got - 1] == '\r')) buf[--got] = 0;
    for (size_t i = 0; i < got; i++)
        if (buf[i] == '\n' || buf[i] == '\r' || buf[i] == '\t') buf[i] = ' ';
}

/* Fills e with what happened to the agent plus its stderr; returns -1. */
static int agent_fail(ExtAgent *a, Err *e, const char *what) {
    if (!a->exited && a->pid > 0) {
        /* give a dying agent a moment to be reaped, so the message can say how it ended */
        for (int i = 0; i < 50 && !a->exited; i++) {
            if (waitpid(a->pid, &a->status, WNOHANG) == a->pid) a->exited = 1;
            else sleep_ms(2);
        }
    }
    char how[64] = "";
    if (a->exited) {
        if (WIFEXITED(a->status)) snprintf(how, sizeof how, " (exited with status %d)", WEXITSTATUS(a->status));
        else if (WIFSIGNALED(a->status)) snprintf(how, sizeof how, " (killed by signal %d)", WTERMSIG(a->status));
    }
    char tail[240];
    ext_agent_stderr_tail(&a->base, tail, sizeof tail);
    /* once play has begun, strat_play puts the agent's name in front */
    return err_set(e, "%s %s%s%s%s%s%s", a->started ? "the agent" : a->name, what, a->when ? a->when : "", how, tail[0] ? "; its stderr: \"" : "", tail,
                   tail[0] ? "\"" : "");
}

/* Writes all of s within the deadline.  -1 with e set if the agent does not read or is gone. */
static int write_all(ExtAgent *a, const char *s, size_t n, long deadline, Err *e) {
    while (n) {
        ssize_t w = write(a->to_fd, s, n);
        if (w > 0) {
            s += w;
            n -= (size_t)w;
            continue;
        }
        if (w < 0 && errno == EINTR) continue;
        if (w < 0 && errno == EAGAIN) {
            long left = deadline - now_ms();
            struct pollfd p = {a->to_fd, POLLOUT, 0};
            if (left <= 0 || poll(&p, 1, (int)left) == 0) return agent_fail(a, e, "does not read its input");
            continue;
        }
        return agent_fail(a, e, "closed its input (it exited?)");
    }
    return 0;
}

/* Reads one line (without the newline) into *line (malloc'd) before the deadline.
 * Returns 1 with a line, 0 on timeout, -1 with e set if the agent closed its output. */
static int read_line(ExtAgent *a, long deadline, char **line, Err *e) {
    for (;;) {
        char *nl = a->buf ? memchr(a->buf, '\n', a->blen) : NULL;
        if (nl) {
            size_t k = (size_t)(nl - a->buf);
            *line = malloc(k + 1);
            if (!*line) return err_set(e, "out of memory");
            memcpy(*line, a->buf, k);
            (*line)[k] = 0;
            memmove(a->buf, nl + 1, a->blen - k - 1);
            a->blen -= k + 1;
            return 1;
        }
        if (a->blen >= LINE_MAX_BYTES) { /* an endless line: hand out what we have as one */
            *line = malloc(a->blen + 1);
            if (!*line) return err_set(e, "out of memory");
            memcpy(*line, a->buf, a->blen);
            (*line)[a->blen] = 0;
            a->blen = 0;
            return 1;
        }
        long left = deadline - now_ms();
        if (left <= 0) return 0;
        struct pollfd p = {a->from_fd, POLLIN, 0};
        int r = poll(&p, 1, (int)left);
        if (r < 0 && errno == EINTR) continue;
        if (r == 0) return 0;
        if (!a->buf && !(a->buf = malloc(LINE_MAX_BYTES))) return err_set(e, "out of memory");
        ssize_t got = read(a->from_fd, a->buf + a->blen, LINE_MAX_BYTES - a->blen);
        if (got < 0 && (errno == EINTR || errno == EAGAIN)) continue;
        if (got <= 0) return agent_fail(a, e, "closed its output (it exited?)");
        a->blen += (size_t)got;
    }
}

/* Sends one message (a line) and waits for the reply whose "id" is id; stale replies to
 * earlier (timed-out) messages are skipped.  Returns 1 with *reply (the caller frees it), 0
 * on timeout, 2 for a line that is not a JSON object with that id (*reply NULL), -1 on error. */
static int exchange(ExtAgent *a, cJSON *msg, long id, int timeout_ms, cJSON **reply, Err *e) {
    *reply = NULL;
    char *s = cJSON_PrintUnformatted(msg);
    if (!s) return err_set(e, "out of memory");
    size_t n = strlen(s);
    s[n] = '\n'; /* cJSON's buffer has room for the NUL: write the newline over it */
    long deadline = now_ms() + timeout_ms;
    int rc = write_all(a, s, n + 1, deadline, e);
    free(s);
    if (rc) return -1;
    for (;;) {
        char *line;
        int r = read_line(a, deadline, &line, e);
        if (r <= 0) return r;
        cJSON *j = cJSON_Parse(line);
        free(line);
        const cJSON *jid = cJSON_GetObjectItemCaseSensitive(j, "id");
        if (!cJSON_IsObject(j) || !cJSON_IsNumber(jid) || jid->valuedouble > (double)id) {
            cJSON_Delete(j);
            return 2;
        }
        if (jid->valuedouble < (double)id) { /* the late answer to an earlier message */
            cJSON_Delete(j);
            continue;
        }
        *reply = j;
        return 1;
    }
}

static cJSON *var_names(unsigned set, int n) {
    cJSON *l = cJSON_CreateArray();
    for (int x = 0; x < n; x++)
        if ((set >> x) & 1u) {
            char nm[2] = {scm_name(x), 0};
            cJSON_AddItemToArray(l, cJSON_CreateString(nm));
        }
    return l;
}

static cJSON *num_row(const double *v, int n) {
    cJSON *l = cJSON_CreateArray();
    for (int x = 0; x < n; x++) cJSON_AddItemToArray(l, ju_num(v[x]));
    return l;
}

/* The "decide" message for one view. */
static cJSON *decide_msg(ExtAgent *a, const EpView *v, int slot, long id, int exploit, Err *e) {
    TokSeq *ts = malloc(sizeof *ts);
    if (!ts) {
        err_set(e, "out of memory");
        return NULL;
    }
    if (tok_encode(&a->fmt, v, ts, e)) {
        free(ts);
        return NULL;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "type", "decide");
    cJSON_AddNumberToObject(o, "id", (double)id);
    cJSON_AddNumberToObject(o, "slot", slot);
    cJSON_AddStringToObject(o, "phase", exploit ? "exploit" : "explore");
    cJSON_AddNumberToObject(o, "variables", v->n);
    cJSON_AddItemToObject(o, "relevant", var_names(v->relevant, v->n));
    ju_add_num(o, "value", v->value);
    ju_add_num(o, "exploit_value", v->exploit_value);
    cJSON_AddNumberToObject(o, "explore_total", v->explore_total);
    cJSON_AddNumberToObject(o, "step", v->n_steps);
    if (v->goal >= 0) {
        char g[2] = {scm_name(v->goal), 0};
        cJSON_AddStringToObject(o, "goal", g);
    } else {
        cJSON_AddNullToObject(o, "goal");
    }
    cJSON *legal = cJSON_AddArrayToObject(o, "legal");
    char answers[EP_MAX_ANSWERS][3];
    int na = ep_legal_answers(v, answers);
    for (int i = 0; i < na; i++) cJSON_AddItemToArray(legal, cJSON_CreateString(answers[i]));
    cJSON *passive = cJSON_AddArrayToObject(o, "passive");
    for (int i = 0; i < v->n_passive; i++) cJSON_AddItemToArray(passive, num_row(v->passive[i], v->n));
    cJSON *steps = cJSON_AddArrayToObject(o, "steps");
    for (int s = 0; s < v->n_steps; s++) {
        cJSON *so = cJSON_CreateObject();
        char nm[2] = {scm_name(v->steps[s].var), 0};
        cJSON_AddStringToObject(so, "var", nm);
        ju_add_num(so, "value", v->steps[s].value);
        cJSON_AddItemToObject(so, "obs", num_row(v->steps[s].obs, v->n));
        cJSON_AddItemToArray(steps, so);
    }
    cJSON *toks = cJSON_AddArrayToObject(o, "tokens");
    for (int i = 0; i < ts->n; i++) cJSON_AddItemToArray(toks, cJSON_CreateString(tok_name(a->voc, ts->tok[i])));
    SB text = {0};
    tok_render(a->voc, ts->tok, ts->n, v->value, NULL, &text);
    cJSON_AddStringToObject(o, "text", sb_str(&text));
    sb_free(&text);
    free(ts);
    return o;
}

/* Reads the action of a reply: 0 with *out set, 1 malformed, 2 illegal. */
static int parse_reply(const cJSON *r, const EpView *v, StratAction *out) {
    const cJSON *act = cJSON_GetObjectItemCaseSensitive(r, "action");
    const cJSON *ex = cJSON_GetObjectItemCaseSensitive(r, "explanation");
    const cJSON *pr = cJSON_GetObjectItemCaseSensitive(r, "probs");
    if (!cJSON_IsString(act) || (ex && !cJSON_IsString(ex)) || (pr && !cJSON_IsObject(pr))) return 1;
    for (const cJSON *p = pr ? pr->child : NULL; p; p = p->next)
        if (!cJSON_IsNumber(p) || !(p->valuedouble >= 0 && p->valuedouble <= 1)) return 1;
    return ep_parse_answer(v, act->valuestring, &out->var, &out->sign) ? 2 : 0;
}

static StratAction fallback(const EpView *v, int exploit) {
    StratAction d = {-1, 1};
    for (int x = 0; x < v->n && d.var < 0; x++)
        if (exploit ? ep_can_exploit(v, x) : (int)((v->relevant >> x) & 1u)) d.var = x;
    return d;
}

static int ext_act(Strategy *s, const EpView *const *views, const Episode *const *truth, const int *ids, int n,
                   StratAction *out, Err *e) {
    (void)truth;
    ExtAgent *a = s->state;
    for (int i = 0; i < n; i++) {
        const EpView *v = views[i];
        int exploit = ep_phase(v) == EP_EXPLOIT;
        int slot = ids[i] >= 0 && ids[i] < STRAT_BATCH ? ids[i] : 0;
        long id = ++a->next_id;
        cJSON *msg = decide_msg(a, v, slot, id, exploit, e);
        if (!msg) return -1;
        cJSON *reply;
        int r = exchange(a, msg, id, a->timeout_ms, &reply, e);
        cJSON_Delete(msg);
        if (r < 0) return err_prefix(e, "decision %ld", id);
        a->st.decisions++;
        int bad = r == 0 ? 1 : r == 2 ? 2 : 0;
        if (r == 1) {
            int p = parse_reply(reply, v, &out[i]);
            bad = p == 1 ? 2 : p == 2 ? 3 : 0;
        }
        cJSON_Delete(reply);
        if (bad) {
            out[i] = fallback(v, exploit);
            if (bad == 1) a->st.timeouts++;
            else if (bad == 2) a->st.malformed++;
            else a->st.illegal++;
            a->marks[slot] = 1;
        }
        if (exploit) { /* the episode's last decision */
            a->st.episodes++;
            a->st.marked += a->marks[slot];
            a->marks[slot] = 0;
        }
    }
    return 0;
}

static int ext_begin(Strategy *s, int n, Err *e) {
    (void)n, (void)e;
    ExtAgent *a = s->state;
    memset(a->marks, 0, sizeof a->marks);
    return 0;
}

static void ext_destroy(Strategy *s) {
    if (!s) return;
    ExtAgent *a = s->state;
    if (a->to_fd >= 0) close(a->to_fd); /* EOF on its stdin: a polite agent exits */
    if (a->from_fd >= 0) close(a->from_fd);
    if (a->pid > 0 && !a->exited) {
        int i = 0;
        for (; i < 100 && waitpid(a->pid, &a->status, WNOHANG) == 0; i++) sleep_ms(10);
        if (i == 100) {
            kill(a->pid, SIGKILL);
            waitpid(a->pid, &a->status, 0);
        }
    }
    if (a->errf) fclose(a->errf);
    free(a->buf);
    free(a);
    if (--live_agents == 0) sigaction(SIGPIPE, &old_pipe, NULL);
}

static void name_from_cmd(const char *cmd, char *out, size_t n) {
    while (*cmd == ' ' || *cmd == '\t') cmd++;
    size_t len = strcspn(cmd, " \t");
    /* "python3 x.py": name the script, not the interpreter */
    if ((len >= 6 && strncmp(cmd, "python", 6) == 0) || (len >= 4 && strncmp(cmd, "perl", 4) == 0) ||
        (len >= 4 && strncmp(cmd, "node", 4) == 0) || (len == 2 && strncmp(cmd, "sh", 2) == 0) ||
        (len == 4 && strncmp(cmd, "bash", 4) == 0)) {
        const char *next = cmd + len;
        while (*next == ' ' || *next == '\t') next++;
        if (*next && *next != '-') {
            cmd = next;
            len = strcspn(cmd, " \t");
        }
    }
    const char *slash = NULL;
    for (size_t i = 0; i < len; i++)
        if (cmd[i] == '/') slash = cmd + i;
    if (slash) {
        len -= (size_t)(slash + 1 - cmd);
        cmd = slash + 1;
    }
    for (size_t i = 0; i < len; i++)
        if (cmd[i] == '.') len = i;
    if (len > 6 && strncmp(cmd + len - 6, "_agent", 6) == 0) len -= 6;
    char word[16];
    size_t k = 0;
    for (size_t i = 0; i < len && k < sizeof word - 1; i++) {
        char c = cmd[i];
        word[k++] = (char)((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                                   c == '-'
                               ? c
                               : '_');
    }
    word[k] = 0;
    snprintf(out, n, "agent:%.9s", k ? word : "ext");
}

static int set_cloexec(int fd) { return fcntl(fd, F_SETFD, FD_CLOEXEC); }

Strategy *ext_agent_new(const char *cmd, const EpConfig *shape, const TokFormat *fmt, const Vocab *voc,
                        int timeout_ms, Err *e) {
    if (!cmd || !*cmd) {
        err_set(e, "agent: empty command");
        return NULL;
    }
    ExtAgent *a = calloc(1, sizeof *a);
    if (!a) {
        err_set(e, "out of memory");
        return NULL;
    }
    a->pid = -1;
    a->to_fd = a->from_fd = -1;
    a->fmt = fmt ? *fmt : (TokFormat){0};
    a->voc = voc;
    a->timeout_ms = timeout_ms > 0 ? timeout_ms : 1;
    name_from_cmd(cmd, a->name, sizeof a->name);
    a->base = (Strategy){a->name, "an external agent speaking the agent protocol (docs/agents.md)", 0, ext_begin,
                         ext_act, ext_destroy, a, 0};
    if (live_agents++ == 0) {
        struct sigaction ign;
        memset(&ign, 0, sizeof ign);
        ign.sa_handler = SIG_IGN;
        sigemptyset(&ign.sa_mask);
        sigaction(SIGPIPE, &ign, &old_pipe);
    }
    int in[2] = {-1, -1}, outp[2] = {-1, -1};
    a->errf = tmpfile();
    if (!a->errf || pipe(in) || pipe(outp)) {
        err_set(e, "agent: cannot make pipes: %s", strerror(errno));
        goto fail;
    }
    set_cloexec(in[0]), set_cloexec(in[1]), set_cloexec(outp[0]), set_cloexec(outp[1]);
    set_cloexec(fileno(a->errf));
    fflush(stdout), fflush(stderr);
    a->pid = fork();
    if (a->pid < 0) {
        err_set(e, "agent: cannot fork: %s", strerror(errno));
        goto fail;
    }
    if (a->pid == 0) {
        signal(SIGPIPE, SIG_DFL); /* an ignored signal stays ignored across exec */
        if (dup2(in[0], 0) < 0 || dup2(outp[1], 1) < 0 || dup2(fileno(a->errf), 2) < 0) _exit(126);
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    close(in[0]), close(outp[1]);
    in[0] = outp[1] = -1;
    a->to_fd = in[1];
    a->from_fd = outp[0];
    fcntl(a->to_fd, F_SETFL, fcntl(a->to_fd, F_GETFL) | O_NONBLOCK);

    cJSON *hello = cJSON_CreateObject();
    cJSON_AddStringToObject(hello, "type", "hello");
    cJSON_AddNumberToObject(hello, "id", 0);
    cJSON_AddNumberToObject(hello, "protocol", EXT_AGENT_PROTOCOL);
    cJSON_AddNumberToObject(hello, "variables", shape->world.n);
    cJSON_AddItemToObject(hello, "names", var_names((1u << shape->world.n) - 1u, shape->world.n));
    ju_add_num(hello, "value", shape->value);
    ju_add_num(hello, "exploit_value", shape->exploit_value);
    cJSON_AddNumberToObject(hello, "explore_steps", shape->explore);
    cJSON_AddNumberToObject(hello, "passive", shape->passive);
    cJSON_AddNumberToObject(hello, "timeout_ms", a->timeout_ms);
    cJSON *ready;
    a->when = " before answering the hello";
    int r = exchange(a, hello, 0, a->timeout_ms > HELLO_MIN_MS ? a->timeout_ms : HELLO_MIN_MS, &ready, e);
    cJSON_Delete(hello);
    if (r < 0) goto fail;
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(ready, "type");
    const cJSON *proto = cJSON_GetObjectItemCaseSensitive(ready, "protocol");
    if (r != 1 || !cJSON_IsString(type) || strcmp(type->valuestring, "ready") != 0) {
        a->when = NULL;
        agent_fail(a, e, r == 0 ? "did not answer the hello in time"
                                : "answered the hello with something other than {\"type\": \"ready\", \"id\": 0}");
        cJSON_Delete(ready);
        goto fail;
    }
    if (proto && (!cJSON_IsNumber(proto) || proto->valuedouble != EXT_AGENT_PROTOCOL)) {
        agent_fail(a, e, "speaks another protocol version (dolab speaks 1)");
        cJSON_Delete(ready);
        goto fail;
    }
    a->when = NULL;
    a->started = 1;
    const cJSON *nm = cJSON_GetObjectItemCaseSensitive(ready, "name");
    if (cJSON_IsString(nm) && nm->valuestring[0]) name_from_cmd(nm->valuestring, a->name, sizeof a->name);
    cJSON_Delete(ready);
    return &a->base;
fail:
    if (in[0] >= 0) close(in[0]);
    if (outp[1] >= 0) close(outp[1]);
    if (a->pid < 0) {
        if (in[1] >= 0) close(in[1]);
        if (outp[0] >= 0) close(outp[0]);
    }
    ext_destroy(&a->base);
    return NULL;
}

void ext_agent_set_name(Strategy *s, const char *name) {
    ExtAgent *a = s->state;
    name_from_cmd(name, a->name, sizeof a->name);
}

void ext_agent_stats(const Strategy *s, ExtAgentStats *out) { *out = ((const ExtAgent *)s->state)->st; }
