// The confinement layers, their switches and their reporting.
#ifndef ASSAY_SANDBOX_LAYERS_H
#define ASSAY_SANDBOX_LAYERS_H

#include <stdbool.h>

#include "util.h"

typedef enum {
    L_SECCOMP,
    L_USER_NS,
    L_PID_NS,
    L_NET_NS,
    L_MOUNT_NS,
    L_IPC_NS,
    L_UTS_NS,
    L_CGROUP_NS,
    L_CG_MEMORY,
    L_CG_PIDS,
    L_UID_DROP,
    L_COUNT
} layer_id;

typedef struct {
    bool wanted[L_COUNT];
    bool active[L_COUNT];
    char reason[L_COUNT][600];
} layers_t;

extern const char *const layer_names[L_COUNT];
/// The command-line switch that turns a layer off ("--no-seccomp", ...).
extern const char *const layer_flags[L_COUNT];

void layers_init(layers_t *l); // everything wanted
void layer_set(layers_t *l, layer_id id, bool active, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/// Appends the members of the `layers` object (no braces).
void layers_json(const layers_t *l, buf_t *b);
/// Name → id, or -1.
int layer_by_name(const char *name);

#endif
