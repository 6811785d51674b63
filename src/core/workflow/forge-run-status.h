/* forge-run-status.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* Where a workflow run stands: the "run-status" and "run-finished"
 * signals of ForgeWorkflowEngine, and the "status" of a run journal. */
typedef enum
{
  FORGE_RUN_STATUS_QUEUED,
  FORGE_RUN_STATUS_RUNNING,
  FORGE_RUN_STATUS_COMPLETED,
  FORGE_RUN_STATUS_FAILED,
  FORGE_RUN_STATUS_CANCELLED,
} ForgeRunStatus;

/* "queued", "running", "completed", "failed", "cancelled": the words the
 * journals on disk and the headless JSON output use. */
const char *forge_run_status_to_string   (ForgeRunStatus  status);
/* FALSE for NULL or an unknown string; *status is then
 * FORGE_RUN_STATUS_FAILED, a run that is neither resumed nor reported as
 * done, which the user may retry. */
gboolean    forge_run_status_from_string (const char     *string,
                                          ForgeRunStatus *status);
/* Completed, failed or cancelled. */
gboolean    forge_run_status_is_finished (ForgeRunStatus  status);

G_END_DECLS

#include "forge-enum-types.h"
