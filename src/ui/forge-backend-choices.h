/* forge-backend-choices.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "forge-sandbox-providers.h"

G_BEGIN_DECLS

/* One sandbox backend as a chooser shows it. */
typedef struct
{
  char *name;     /* what projects store and runs take */
  char *title;    /* as people call it: "This Computer" */
  /* Why it cannot run previews here (one line), or NULL when it can. */
  char *reason;
} ForgeBackendChoice;

/* The backends of @providers, this computer's first and the others by
 * name, each asked once whether it is available. Elements are
 * ForgeBackendChoice. */
GPtrArray *forge_backend_choices_new (ForgeSandboxProviders *providers);

G_END_DECLS
