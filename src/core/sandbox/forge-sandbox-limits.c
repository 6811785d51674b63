/* forge-sandbox-limits.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "forge-sandbox-limits.h"

#define MB (G_GUINT64_CONSTANT (1024) * 1024)

void
forge_sandbox_limits_init_default (ForgeSandboxLimits *limits)
{
  g_return_if_fail (limits != NULL);

  limits->memory_bytes = FORGE_SANDBOX_DEFAULT_MEMORY_MB * MB;
  limits->max_tasks = FORGE_SANDBOX_DEFAULT_MAX_TASKS;
  limits->max_open_files = FORGE_SANDBOX_DEFAULT_OPEN_FILES;
  limits->tmp_bytes = FORGE_SANDBOX_DEFAULT_TMP_MB * MB;
  limits->workspace_bytes = FORGE_SANDBOX_DEFAULT_WORKSPACE_MB * MB;
}

char *
forge_format_limit_size (guint64 bytes)
{
  guint64 tenths;

  if (bytes < 1024 * MB)
    /* Translators: a size limit in megabytes */
    return g_strdup_printf (_("%u MB"), (guint) ((bytes + MB / 2) / MB));

  /* One decimal at most, and none when it is zero. */
  tenths = (bytes * 10 + 512 * MB) / (1024 * MB);
  if (tenths % 10 == 0)
    /* Translators: a size limit in gigabytes */
    return g_strdup_printf (_("%u GB"), (guint) (tenths / 10));

  return g_strdup_printf (_("%.1f GB"), tenths / 10.0);
}
