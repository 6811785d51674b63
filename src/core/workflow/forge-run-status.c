/* forge-run-status.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-workflow"

#include "config.h"

#include "forge-run-status.h"

/* Spelled out rather than taken from the GEnum nicks: these strings are
 * stored in journals and printed by --headless, so renaming an enum member
 * must not change them. */
const char *
forge_run_status_to_string (ForgeRunStatus status)
{
  switch (status)
    {
    case FORGE_RUN_STATUS_QUEUED:
      return "queued";
    case FORGE_RUN_STATUS_RUNNING:
      return "running";
    case FORGE_RUN_STATUS_COMPLETED:
      return "completed";
    case FORGE_RUN_STATUS_FAILED:
      return "failed";
    case FORGE_RUN_STATUS_CANCELLED:
      return "cancelled";
    }

  /* No default case above, so that -Wswitch points at a new member. */
  g_return_val_if_reached ("failed");
}

gboolean
forge_run_status_from_string (const char     *string,
                              ForgeRunStatus *status)
{
  static const ForgeRunStatus all[] = {
    FORGE_RUN_STATUS_QUEUED,
    FORGE_RUN_STATUS_RUNNING,
    FORGE_RUN_STATUS_COMPLETED,
    FORGE_RUN_STATUS_FAILED,
    FORGE_RUN_STATUS_CANCELLED,
  };

  g_return_val_if_fail (status != NULL, FALSE);

  for (guint i = 0; string != NULL && i < G_N_ELEMENTS (all); i++)
    {
      if (g_str_equal (string, forge_run_status_to_string (all[i])))
        {
          *status = all[i];
          return TRUE;
        }
    }

  *status = FORGE_RUN_STATUS_FAILED;
  return FALSE;
}

gboolean
forge_run_status_is_finished (ForgeRunStatus status)
{
  return status == FORGE_RUN_STATUS_COMPLETED ||
         status == FORGE_RUN_STATUS_FAILED ||
         status == FORGE_RUN_STATUS_CANCELLED;
}
