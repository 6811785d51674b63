/* forge-process-tree.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-local-sandbox"

#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "forge-process-tree.h"

static guint64
get_pid_namespace (GPid pid)
{
  char path[64];
  struct stat st;

  g_snprintf (path, sizeof path, "/proc/%d/ns/pid", (int) pid);
  if (stat (path, &st) != 0)
    return 0;

  return st.st_ino;
}

void
forge_process_tree_init (ForgeProcessTree *tree,
                         GPid              init_pid)
{
  char path[64];
  struct stat ns_stat;

  g_return_if_fail (tree != NULL);

  tree->pid_ns = get_pid_namespace (init_pid);
  tree->ns_fd = -1;

  /* Namespace inode numbers are reused as soon as they are free: without
   * this reference, a late kill of this tree (its bwrap gone) could hit
   * the next command's. */
  g_snprintf (path, sizeof path, "/proc/%d/ns/pid", (int) init_pid);
  tree->ns_fd = open (path, O_RDONLY | O_CLOEXEC);
  if (tree->ns_fd < 0 || fstat (tree->ns_fd, &ns_stat) != 0 || ns_stat.st_ino != tree->pid_ns)
    tree->pid_ns = 0;
}

void
forge_process_tree_clear (ForgeProcessTree *tree)
{
  g_return_if_fail (tree != NULL);

  if (tree->ns_fd >= 0)
    close (tree->ns_fd);
  tree->ns_fd = -1;
  tree->pid_ns = 0;
}

void
forge_process_tree_signal (ForgeProcessTree *tree,
                           int               signum)
{
  DIR *dir;
  struct dirent *ent;

  g_return_if_fail (tree != NULL);

  if (tree->pid_ns == 0)
    return;

  if (!(dir = opendir ("/proc")))
    return;

  while ((ent = readdir (dir)))
    {
      char *end = NULL;
      gint64 pid = g_ascii_strtoll (ent->d_name, &end, 10);

      if (pid <= 0 || end == NULL || *end != '\0')
        continue;

      if (get_pid_namespace ((GPid) pid) == tree->pid_ns)
        kill ((pid_t) pid, signum);
    }

  closedir (dir);
}

int
forge_process_open_pidfd (GSubprocess *subprocess)
{
#ifdef SYS_pidfd_open
  const char *identifier = g_subprocess_get_identifier (subprocess);
  int fd;

  /* NULL once reaped, so the pid cannot have been recycled yet. */
  if (identifier == NULL)
    return -2;

  fd = (int) syscall (SYS_pidfd_open, (pid_t) g_ascii_strtoll (identifier, NULL, 10), 0);
  if (fd < 0)
    return errno == ESRCH ? -2 : -1;

  return fd;
#else
  return -1;
#endif
}
