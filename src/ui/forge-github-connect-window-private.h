/* forge-github-connect-window-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "forge-github-connect-window.h"

G_BEGIN_DECLS

/* For tests: which page shows ("busy", "code" or "problem"), the code
 * shown, and the problem page's title and description. */
const char *forge_github_connect_window_get_page          (ForgeGithubConnectWindow *self);
const char *forge_github_connect_window_get_code          (ForgeGithubConnectWindow *self);
const char *forge_github_connect_window_get_problem_title (ForgeGithubConnectWindow *self);
const char *forge_github_connect_window_get_problem       (ForgeGithubConnectWindow *self);

G_END_DECLS
