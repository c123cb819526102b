// `assay-sandbox serve`: one warm worker per slot; request lines in, response lines out.
#ifndef ASSAY_SANDBOX_SERVE_H
#define ASSAY_SANDBOX_SERVE_H

#include "exec.h"
#include "run.h"

int run_serve(const sandbox_config *cfg, const limits_t *defaults);

#endif
