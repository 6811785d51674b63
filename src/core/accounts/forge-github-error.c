/* forge-github-error.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-github"

#include "config.h"

#include "forge-github-error.h"

G_DEFINE_QUARK (forge-github-error-quark, forge_github_error)
