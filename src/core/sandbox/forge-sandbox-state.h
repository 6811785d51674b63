/* forge-sandbox-state.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* What happened to a watched sandbox: the "sandbox-state" signal of
 * ForgeSandboxManager. */
typedef enum
{
  /* A heartbeat found the server answering. */
  FORGE_SANDBOX_STATE_ALIVE,
  /* Hidden longer than the sandbox timeout, the sandbox ran out. */
  FORGE_SANDBOX_STATE_EXPIRED,
  FORGE_SANDBOX_STATE_DIED,
  FORGE_SANDBOX_STATE_RESTARTING,
  /* Running again after a restart, perhaps at a new URL. */
  FORGE_SANDBOX_STATE_RESTORED,
  /* Too many failed starts: automatic restarts stop. */
  FORGE_SANDBOX_STATE_GAVE_UP,
} ForgeSandboxState;

/* "alive", "expired", "died", "restarting", "restored", "gave-up": the
 * words of the headless JSON output. */
const char *forge_sandbox_state_to_string   (ForgeSandboxState  state);
/* FALSE for NULL or an unknown string; *state is then
 * FORGE_SANDBOX_STATE_DIED, so that nothing unknown passes for a working
 * preview. */
gboolean    forge_sandbox_state_from_string (const char        *string,
                                             ForgeSandboxState *state);

G_END_DECLS

#include "forge-enum-types.h"
