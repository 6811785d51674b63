/* forge-github-connect-window.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "forge-github-host.h"

G_BEGIN_DECLS

#define FORGE_TYPE_GITHUB_CONNECT_WINDOW (forge_github_connect_window_get_type ())

G_DECLARE_FINAL_TYPE (ForgeGithubConnectWindow, forge_github_connect_window, FORGE, GITHUB_CONNECT_WINDOW, AdwWindow)

/* Signing in to @host with GitHub's device flow, in a small modal window
 * over @parent: it asks for a code at once, shows it with a way to copy
 * it and to open GitHub's page, and waits for the user's approval. On
 * success it stores the token in the keyring under the host's name,
 * emits "connected" and closes. Closing it stops everything.
 *
 * @client_id: the OAuth app's, not empty. */
GtkWindow *forge_github_connect_window_new (GtkWindow       *parent,
                                            ForgeGithubHost *host,
                                            const char      *client_id);

G_END_DECLS
