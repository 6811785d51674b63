/* forge-sandbox-limits.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* What one sandbox may use on this computer. Zero means "no limit" for
 * every field. Plain data: copied by whoever keeps it. */
typedef struct
{
  guint64 memory_bytes;      /* every process together */
  guint   max_tasks;         /* processes and threads together */
  guint   max_open_files;    /* per process */
  guint64 tmp_bytes;         /* the size of /tmp */
  guint64 workspace_bytes;   /* the clone, node_modules and the home */
} ForgeSandboxLimits;

/* Generous enough for a Next.js or Create React App project to install
 * and run its dev server (measured: see README, "Limits"). */
#define FORGE_SANDBOX_DEFAULT_MEMORY_MB      4096
#define FORGE_SANDBOX_DEFAULT_MAX_TASKS      2048
#define FORGE_SANDBOX_DEFAULT_OPEN_FILES     8192
#define FORGE_SANDBOX_DEFAULT_TMP_MB         1024
#define FORGE_SANDBOX_DEFAULT_WORKSPACE_MB   10240

void  forge_sandbox_limits_init_default (ForgeSandboxLimits       *limits);
/* "4 GB", "512 MB", "1.5 GB": how limits are shown, in the units
 * Preferences uses (1 GB = 1024 MB). */
char *forge_format_limit_size           (guint64                   bytes);

G_END_DECLS
