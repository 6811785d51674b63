/* forge-workflow-error.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define FORGE_WORKFLOW_ERROR (forge_workflow_error_quark ())

typedef enum
{
  FORGE_WORKFLOW_ERROR_FAILED,
  /* Retrying cannot help (bad URL, missing repository, nothing runnable,
   * malformed package.json): the run fails at once. */
  FORGE_WORKFLOW_ERROR_NON_RETRIABLE,
  FORGE_WORKFLOW_ERROR_CANCELLED,
} ForgeWorkflowError;

GQuark forge_workflow_error_quark (void);

G_END_DECLS
