#include "serve.h"

#include <stdio.h>

int run_serve(const sandbox_config *cfg, const limits_t *defaults) {
    (void)cfg;
    (void)defaults;
    fprintf(stderr, PROG ": serve is not implemented yet\n");
    return 2;
}
