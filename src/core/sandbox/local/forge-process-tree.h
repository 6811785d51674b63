/* forge-process-tree.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Every process of one sandboxed command: those in the PID namespace of
 * its init, including daemons that re-parented themselves. Found by
 * scanning /proc, so it works without any cooperation from inside. */
typedef struct
{
  guint64 pid_ns;   /* the namespace's inode, 0 if unknown */
  int     ns_fd;    /* keeps that inode from going to a new namespace */
} ForgeProcessTree;

/* Pins the PID namespace of @init_pid (a host pid). When it cannot be
 * pinned, the tree stays unknown and signals reach nobody. */
void     forge_process_tree_init   (ForgeProcessTree *tree,
                                    GPid              init_pid);
void     forge_process_tree_clear  (ForgeProcessTree *tree);
/* Sends @signum to every process of the tree that is alive now. */
void     forge_process_tree_signal (ForgeProcessTree *tree,
                                    int               signum);

/* A pidfd of @subprocess, readable once it has exited; -2 when it has
 * exited already, -1 when pidfds are not available (before Linux 5.3). */
int      forge_process_open_pidfd  (GSubprocess      *subprocess);

G_END_DECLS
