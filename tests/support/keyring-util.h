/* keyring-util.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define KEYRING_PASSWORD "forge-test-keyring-password"

/* Starts a private gnome-keyring-daemon on the test's own session bus
 * (dbus-run-session), with its data in a temp dir and an unlocked login
 * keyring. Returns NULL, or why the test must be skipped. */
char *forge_test_start_keyring (void);
void  forge_test_stop_keyring  (void);
/* Where the keyring keeps its files (data/ below it). */
const char *forge_test_keyring_dir (void);

G_END_DECLS
