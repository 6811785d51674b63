/* forge-step-state.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-workflow"

#include "config.h"

#include "forge-step-state.h"

/* Spelled out rather than taken from the GEnum nicks: --headless prints
 * these strings, so renaming an enum member must not change them. */
const char *
forge_step_state_to_string (ForgeStepState state)
{
  switch (state)
    {
    case FORGE_STEP_STATE_START:
      return "start";
    case FORGE_STEP_STATE_COMPLETE:
      return "complete";
    case FORGE_STEP_STATE_ERROR:
      return "error";
    case FORGE_STEP_STATE_MEMOIZED:
      return "memoized";
    }

  /* No default case above, so that -Wswitch points at a new member. */
  g_return_val_if_reached ("error");
}

gboolean
forge_step_state_from_string (const char     *string,
                              ForgeStepState *state)
{
  static const ForgeStepState all[] = {
    FORGE_STEP_STATE_START,
    FORGE_STEP_STATE_COMPLETE,
    FORGE_STEP_STATE_ERROR,
    FORGE_STEP_STATE_MEMOIZED,
  };

  g_return_val_if_fail (state != NULL, FALSE);

  for (guint i = 0; string != NULL && i < G_N_ELEMENTS (all); i++)
    {
      if (g_str_equal (string, forge_step_state_to_string (all[i])))
        {
          *state = all[i];
          return TRUE;
        }
    }

  *state = FORGE_STEP_STATE_ERROR;
  return FALSE;
}
