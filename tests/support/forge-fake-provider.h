/* forge-fake-provider.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "forge-fake-sandbox.h"
#include "forge-sandbox-provider.h"

G_BEGIN_DECLS

#define FORGE_TYPE_FAKE_PROVIDER (forge_fake_provider_get_type ())

G_DECLARE_FINAL_TYPE (ForgeFakeProvider, forge_fake_provider, FORGE, FAKE_PROVIDER, GObject)

/* The "fake" backend: hands out ForgeFakeSandbox, so that the workflow
 * and the manager can be tested where bubblewrap is not what is tested.
 * Thread-safe: the workflow creates sandboxes on worker threads. */
ForgeFakeProvider *forge_fake_provider_new               (void);
/* The same backend under another @name, unavailable with
 * @unavailable_reason when that is not NULL: for tests of the choosers
 * that list backends. */
ForgeFakeProvider *forge_fake_provider_new_named         (const char        *name,
                                                          const char        *unavailable_reason);
/* The next @n sandbox creations fail, as a backend that is down would. */
void               forge_fake_provider_fail_next         (ForgeFakeProvider *self,
                                                          guint              n);
/* The next sandbox made fails its first sync with @message. */
void               forge_fake_provider_fail_next_sync    (ForgeFakeProvider *self,
                                                          const char        *message);
guint              forge_fake_provider_get_n_created     (ForgeFakeProvider *self);
/* The sandbox made last (a new reference), or NULL. */
ForgeFakeSandbox  *forge_fake_provider_dup_last_sandbox  (ForgeFakeProvider *self);

G_END_DECLS
