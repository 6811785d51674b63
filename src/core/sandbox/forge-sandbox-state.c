/* forge-sandbox-state.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-sandbox"

#include "config.h"

#include "forge-sandbox-state.h"

/* Spelled out rather than taken from the GEnum nicks: --headless prints
 * these strings, so renaming an enum member must not change them. */
const char *
forge_sandbox_state_to_string (ForgeSandboxState state)
{
  switch (state)
    {
    case FORGE_SANDBOX_STATE_ALIVE:
      return "alive";
    case FORGE_SANDBOX_STATE_EXPIRED:
      return "expired";
    case FORGE_SANDBOX_STATE_DIED:
      return "died";
    case FORGE_SANDBOX_STATE_RESTARTING:
      return "restarting";
    case FORGE_SANDBOX_STATE_RESTORED:
      return "restored";
    case FORGE_SANDBOX_STATE_GAVE_UP:
      return "gave-up";
    }

  /* No default case above, so that -Wswitch points at a new member. */
  g_return_val_if_reached ("died");
}

gboolean
forge_sandbox_state_from_string (const char        *string,
                                 ForgeSandboxState *state)
{
  static const ForgeSandboxState all[] = {
    FORGE_SANDBOX_STATE_ALIVE,
    FORGE_SANDBOX_STATE_EXPIRED,
    FORGE_SANDBOX_STATE_DIED,
    FORGE_SANDBOX_STATE_RESTARTING,
    FORGE_SANDBOX_STATE_RESTORED,
    FORGE_SANDBOX_STATE_GAVE_UP,
  };

  g_return_val_if_fail (state != NULL, FALSE);

  for (guint i = 0; string != NULL && i < G_N_ELEMENTS (all); i++)
    {
      if (g_str_equal (string, forge_sandbox_state_to_string (all[i])))
        {
          *state = all[i];
          return TRUE;
        }
    }

  *state = FORGE_SANDBOX_STATE_DIED;
  return FALSE;
}
