/* forge-progress-line.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* How much a line of a tool's output says about how far the tool got. */
typedef enum
{
  FORGE_PROGRESS_LINE_NOISE,    /* nothing to show: blank, a spinner, a rule */
  FORGE_PROGRESS_LINE_CHATTER,  /* worth showing only when nothing better was: warnings
                                 * ("npm warn deprecated …"), funding and audit notices,
                                 * the list of what was added */
  FORGE_PROGRESS_LINE_TEXT,     /* an ordinary line */
  FORGE_PROGRESS_LINE_STATUS,   /* a stage or counts: "added 1234 packages in 45s",
                                 * "Progress: resolved 12, …", "Compiled successfully!" */
} ForgeProgressLineKind;

/* A summary is at most this many characters, "…" marking a cut. */
#define FORGE_PROGRESS_LINE_MAX_CHARS 160

/* One line of an install's or a dev server's output as the line to show
 * under the running step: colours and carriage-return redraws (only the
 * last frame counts) taken out, spinners and bullets dropped, spaces
 * collapsed, cut to FORGE_PROGRESS_LINE_MAX_CHARS. Knows the output of
 * npm, pnpm, yarn (classic and berry), bun, webpack and Create React App,
 * Next.js and Vite. NULL for a line with nothing to show.
 *
 * @kind (optional) receives how much it says; @fraction (optional) what
 * the tool says of its own progress in [0,1] (yarn's "[2/4]", webpack's
 * "45%"), or -1. Pure and thread-safe: the sandbox's reader threads call
 * it. */
char *forge_progress_line_summarize (const char            *line,
                                     ForgeProgressLineKind *kind,
                                     double                *fraction);

G_END_DECLS
