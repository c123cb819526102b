#include "layers.h"

#include <stdio.h>
#include <string.h>

const char *const layer_names[L_COUNT] = {"seccomp",  "user_ns",   "pid_ns",        "net_ns",      "mount_ns", "ipc_ns",
                                          "uts_ns",   "cgroup_ns", "cgroup_memory", "cgroup_pids", "uid_drop"};
const char *const layer_flags[L_COUNT] = {"no-seccomp", "no-userns",   "no-pidns",         "no-netns",
                                          "no-mountns", "no-ipcns",    "no-utsns",         "no-cgroupns",
                                          "no-cgroup-memory", "no-cgroup-pids", "no-uid-drop"};

void layers_init(layers_t *l) {
    memset(l, 0, sizeof *l);
    for (int i = 0; i < L_COUNT; i++) l->wanted[i] = true;
}

void layer_set(layers_t *l, layer_id id, bool active, const char *fmt, ...) {
    l->active[id] = active;
    l->reason[id][0] = 0;
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(l->reason[id], sizeof l->reason[id], fmt, ap);
        va_end(ap);
    }
}

void layers_json(const layers_t *l, buf_t *b) {
    for (int i = 0; i < L_COUNT; i++) {
        if (b->len) buf_puts(b, ",");
        json_cstring(b, layer_names[i]);
        buf_puts(b, ":");
        if (l->active[i]) {
            json_cstring(b, "active");
        } else {
            char text[700];
            if (!l->wanted[i]) snprintf(text, sizeof text, "unavailable: disabled by --%s", layer_flags[i]);
            else snprintf(text, sizeof text, "unavailable: %s", l->reason[i][0] ? l->reason[i] : "not set up");
            json_cstring(b, text);
        }
    }
    buf_puts(b, ",\"rlimits\":\"active\",\"no_new_privs\":\"active\",\"session\":\"active\",\"fd_hygiene\":\"active\"");
}

int layer_by_name(const char *name) {
    for (int i = 0; i < L_COUNT; i++)
        if (strcmp(layer_names[i], name) == 0) return i;
    return -1;
}
