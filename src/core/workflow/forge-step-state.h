/* forge-step-state.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* What just happened to a workflow step: the "step" signal of
 * ForgeWorkflowEngine. */
typedef enum
{
  FORGE_STEP_STATE_START,
  FORGE_STEP_STATE_COMPLETE,
  FORGE_STEP_STATE_ERROR,
  /* Finished in an earlier invocation: its stored output was returned. */
  FORGE_STEP_STATE_MEMOIZED,
} ForgeStepState;

/* "start", "complete", "error", "memoized": the words of the headless
 * JSON output. */
const char *forge_step_state_to_string   (ForgeStepState  state);
/* FALSE for NULL or an unknown string; *state is then
 * FORGE_STEP_STATE_ERROR, so that nothing unknown passes for success. */
gboolean    forge_step_state_from_string (const char     *string,
                                          ForgeStepState *state);

G_END_DECLS

#include "forge-enum-types.h"
