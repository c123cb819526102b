#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json.h"
#include "run.h"

// ------------------------------------------------------------------------------------------
// Streams

void stream_init(stream_t *s, int fd, size_t capture, int64_t cap, bool keep_tail) {
    memset(s, 0, sizeof *s);
    s->fd = fd;
    s->capture = capture;
    s->cap = cap;
    s->keep_tail = keep_tail;
}

static void stream_feed(stream_t *s, const char *chunk, size_t n) {
    s->total += (int64_t)n;
    if (s->total > s->cap) s->over = true;
    if (s->capture == 0) return;
    if (s->keep_tail) {
        buf_append(&s->data, chunk, n);
        if (s->data.len > 2 * s->capture) {
            memmove(s->data.data, s->data.data + s->data.len - s->capture, s->capture);
            s->data.len = s->capture;
        }
    } else if (s->data.len < s->capture) {
        size_t room = s->capture - s->data.len;
        buf_append(&s->data, chunk, n < room ? n : room);
    }
}

int stream_read(stream_t *s) {
    if (s->fd < 0) return 0;
    char chunk[65536];
    ssize_t n = read(s->fd, chunk, sizeof chunk);
    if (n < 0) {
        if (errno == EAGAIN || errno == EINTR) return -1;
        n = 0; // treat read errors as EOF
    }
    if (n == 0) {
        close(s->fd);
        s->fd = -1;
        return 0;
    }
    stream_feed(s, chunk, (size_t)n);
    return 1;
}

void stream_finish(stream_t *s) {
    if (s->keep_tail && s->data.len > s->capture) {
        memmove(s->data.data, s->data.data + s->data.len - s->capture, s->capture);
        s->data.len = s->capture;
    }
}

void stream_free(stream_t *s) {
    if (s->fd >= 0) close(s->fd);
    s->fd = -1;
    buf_free(&s->data);
}

// ------------------------------------------------------------------------------------------
// Outcome and response

void outcome_init(outcome_t *o) {
    memset(o, 0, sizeof *o);
    o->ok = true;
    o->exit_code = -1;
    o->out.fd = o->err.fd = o->res.fd = -1;
}

void outcome_free(outcome_t *o) {
    stream_free(&o->out);
    stream_free(&o->err);
    stream_free(&o->res);
    buf_free(&o->layers);
    buf_free(&o->extra);
}

void outcome_fail(outcome_t *o, const char *fmt, ...) {
    if (!o->ok) return; // keep the first error
    o->ok = false;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(o->error, sizeof o->error, fmt, ap);
    va_end(ap);
}

static void num_ms(buf_t *b, const char *key, double v) {
    buf_printf(b, ",\"%s\":%.3f", key, v < 0 ? 0 : v);
}

void response_json(buf_t *b, const char *id, size_t idlen, const outcome_t *o) {
    buf_puts(b, "{\"v\":1,\"id\":");
    json_string(b, id ? id : "", id ? idlen : 0);
    buf_printf(b, ",\"ok\":%s,\"error\":", o->ok ? "true" : "false");
    json_cstring(b, o->ok ? NULL : o->error);
    if (o->exited) buf_printf(b, ",\"exit_code\":%d", o->exit_code);
    else buf_puts(b, ",\"exit_code\":null");
    if (o->signal) buf_printf(b, ",\"signal\":%d", o->signal);
    else buf_puts(b, ",\"signal\":null");
    buf_puts(b, ",\"killed_by\":");
    json_cstring(b, o->killed_by);
    buf_puts(b, ",\"syscall\":");
    json_cstring(b, o->syscall[0] ? o->syscall : NULL);
    num_ms(b, "wall_ms", o->wall_ms);
    num_ms(b, "cpu_ms", o->user_ms + o->sys_ms);
    num_ms(b, "user_ms", o->user_ms);
    num_ms(b, "sys_ms", o->sys_ms);
    buf_printf(b, ",\"max_rss_kib\":%ld", o->max_rss_kib);
    buf_puts(b, ",\"stdout\":");
    json_string(b, o->out.data.data ? o->out.data.data : "", o->out.data.len);
    buf_puts(b, ",\"stderr\":");
    json_string(b, o->err.data.data ? o->err.data.data : "", o->err.data.len);
    buf_printf(b, ",\"stdout_bytes\":%lld,\"stderr_bytes\":%lld",
               (long long)(o->out.total > o->out.cap ? o->out.cap : o->out.total),
               (long long)(o->err.total > o->err.cap ? o->err.cap : o->err.total));
    buf_printf(b, ",\"stdout_truncated\":%s,\"stderr_truncated\":%s", o->out.over ? "true" : "false",
               o->err.over ? "true" : "false");
    buf_puts(b, ",\"result\":");
    if (o->res.total > 0) json_string(b, o->res.data.data, o->res.data.len);
    else buf_puts(b, "null");
    buf_printf(b, ",\"result_truncated\":%s", o->res.over ? "true" : "false");
    buf_puts(b, ",\"layers\":{");
    if (o->layers.len) buf_append(b, o->layers.data, o->layers.len);
    buf_puts(b, "}");
    if (o->extra.len) buf_append(b, o->extra.data, o->extra.len);
    buf_puts(b, "}");
}

// ------------------------------------------------------------------------------------------
// Limits

static bool limit_member(json_value limits, const char *key, int64_t *dst, const char **err) {
    json_value v;
    if (!json_member(limits, key, &v) || v.type == JSON_NULL) return true;
    if (!json_get_uint(v, dst)) {
        static char msg[96];
        snprintf(msg, sizeof msg, "limits.%s must be a non-negative integer", key);
        *err = msg;
        return false;
    }
    return true;
}

bool limits_from_request(const char *req, size_t len, limits_t *limits, char **id, size_t *idlen, const char **err) {
    json_value root, v;
    *id = NULL;
    *idlen = 0;
    if (!json_parse(req, len, &root, err)) return false;
    if (root.type != JSON_OBJECT) {
        *err = "the request is not a JSON object";
        return false;
    }
    if (json_member(root, "id", &v)) {
        if (v.type != JSON_STRING) {
            *err = "id must be a string";
            return false;
        }
        json_decode_string(v, id, idlen);
    }
    if (json_member(root, "v", &v)) {
        int64_t version;
        if (!json_get_uint(v, &version) || version != 1) {
            *err = "unsupported protocol version (expected v = 1)";
            return false;
        }
    }
    if (json_member(root, "limits", &v) && v.type != JSON_NULL) {
        if (v.type != JSON_OBJECT) {
            *err = "limits must be an object";
            return false;
        }
        if (!limit_member(v, "wall_ms", &limits->wall_ms, err) || !limit_member(v, "cpu_ms", &limits->cpu_ms, err) ||
            !limit_member(v, "memory_bytes", &limits->memory_bytes, err) ||
            !limit_member(v, "output_bytes", &limits->output_bytes, err) ||
            !limit_member(v, "fsize_bytes", &limits->fsize_bytes, err) || !limit_member(v, "nofile", &limits->nofile, err))
            return false;
    }
    if (limits->wall_ms < 1 || (limits->cpu_ms != LIMIT_UNSET && limits->cpu_ms < 1)) {
        *err = "limits.wall_ms and limits.cpu_ms must be at least 1";
        return false;
    }
    if (limits->nofile < 8) {
        *err = "limits.nofile must be at least 8 (the interpreter needs a few descriptors)";
        return false;
    }
    return true;
}

void limits_resolve(limits_t *l) {
    if (l->cpu_ms == LIMIT_UNSET) l->cpu_ms = l->wall_ms;
}

static rlim_t clamp(int resource, rlim_t want, bool *clamped) {
    // The supervisor never changes its own hard limits: read each once (serve asks per request).
    static struct rlimit cache[RLIM_NLIMITS];
    static bool cached[RLIM_NLIMITS];
    if (resource < 0 || resource >= RLIM_NLIMITS) return want;
    if (!cached[resource]) cached[resource] = getrlimit(resource, &cache[resource]) == 0;
    struct rlimit cur = cache[resource];
    if (cached[resource] && cur.rlim_max != RLIM_INFINITY && want > cur.rlim_max) {
        *clamped = true;
        return cur.rlim_max;
    }
    return want;
}

void limits_apply_plan(const limits_t *l, applied_limits_t *a) {
    memset(a, 0, sizeof *a);
    a->as = clamp(RLIMIT_AS, l->memory_bytes > 0 ? (rlim_t)l->memory_bytes : RLIM_INFINITY, &a->clamped);
    rlim_t cpu_s = (rlim_t)((l->cpu_ms + 999) / 1000);
    if (cpu_s < 1) cpu_s = 1;
    a->cpu_hard = clamp(RLIMIT_CPU, cpu_s + 1, &a->clamped);
    a->cpu_soft = cpu_s < a->cpu_hard ? cpu_s : a->cpu_hard;
    a->fsize = clamp(RLIMIT_FSIZE, (rlim_t)l->fsize_bytes, &a->clamped);
    a->nofile = clamp(RLIMIT_NOFILE, (rlim_t)l->nofile, &a->clamped);
}

static void rlim_json(buf_t *b, const char *key, rlim_t v) {
    if (v == RLIM_INFINITY) buf_printf(b, "\"%s\":null", key);
    else buf_printf(b, "\"%s\":%llu", key, (unsigned long long)v);
}

void applied_json(buf_t *b, const limits_t *l, const applied_limits_t *a) {
    buf_printf(b, ",\"limits\":{\"wall_ms\":%lld,\"cpu_ms\":%lld,\"output_bytes\":%lld,", (long long)l->wall_ms,
               (long long)l->cpu_ms, (long long)l->output_bytes);
    rlim_json(b, "rlimit_as", a->as);
    buf_puts(b, ",");
    rlim_json(b, "rlimit_cpu_soft", a->cpu_soft);
    buf_puts(b, ",");
    rlim_json(b, "rlimit_cpu_hard", a->cpu_hard);
    buf_puts(b, ",");
    rlim_json(b, "rlimit_fsize", a->fsize);
    buf_puts(b, ",");
    rlim_json(b, "rlimit_nofile", a->nofile);
    buf_printf(b, ",\"rlimit_core\":0,\"clamped\":%s}", a->clamped ? "true" : "false");
}
