/* forge-node-version.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  FORGE_NODE_RANGE_SATISFIED,
  FORGE_NODE_RANGE_UNSATISFIED,
  /* Not a range this understands (a tag, a URL, garbage): say nothing. */
  FORGE_NODE_RANGE_UNKNOWN,
} ForgeNodeRangeResult;

/* "v20.19.2", "20.19.2" or "20": TRUE with the parts (missing ones 0). */
gboolean             forge_node_version_parse        (const char  *text,
                                                      guint       *major,
                                                      guint       *minor,
                                                      guint       *patch);
/* Whether @version ("v20.19.2") is in the npm semver range @range
 * (engines.node: "^18", "~18.17", ">=18 <21", "18.x", "16 || 18",
 * "14 - 18", "*"). Pre-release tags are ignored. */
ForgeNodeRangeResult forge_node_range_check          (const char  *range,
                                                      const char  *version);
/* What an .nvmrc or .node-version holds ("18", "v18.17.0") as a range
 * of that major version ("18"); NULL for an alias nvm resolves itself
 * ("lts/iron", "node", "stable") or anything else. */
char                *forge_node_version_file_range   (const char  *contents);
/* The version a range names first, for people: "18" for "^18", "18.17"
 * for ">=18.17 <19"; NULL when it names none. */
char                *forge_node_range_describe       (const char  *range);

G_END_DECLS
