/* forge-monorepo.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-frameworks"

#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "forge-folder-workspace.h"
#include "forge-framework-private.h"
#include "forge-monorepo.h"
#include "forge-util.h"

/* Bounds on what a repository can make detection do. */
#define MAX_PATTERNS          100
#define MAX_PATTERN_SEGMENTS  8
#define MAX_GLOBSTAR_LEVELS   3
#define MAX_LISTINGS          500
#define MAX_LIST_ENTRIES      4096
#define MAX_CONFIG_SIZE       ((gsize) 256 * 1024)
#define MAX_JSON_DEPTH        64

struct _ForgeMonorepo
{
  GObject     parent_instance;
  char       *kind;
  GListStore *packages;
  gboolean    truncated;
};

G_DEFINE_FINAL_TYPE (ForgeMonorepo, forge_monorepo, G_TYPE_OBJECT)

static void
forge_monorepo_finalize (GObject *object)
{
  ForgeMonorepo *self = FORGE_MONOREPO (object);

  g_clear_pointer (&self->kind, g_free);
  g_clear_object (&self->packages);

  G_OBJECT_CLASS (forge_monorepo_parent_class)->finalize (object);
}

static void
forge_monorepo_class_init (ForgeMonorepoClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = forge_monorepo_finalize;
}

static void
forge_monorepo_init (ForgeMonorepo *self)
{
  self->packages = g_list_store_new (FORGE_TYPE_MONOREPO_PACKAGE);
}

/* A JSON file of the repository's root, or NULL: missing, too large,
 * nested too deep or not JSON all mean "not declared here". */
static JsonNode *
read_json (ForgeWorkspace *workspace,
           const char     *path,
           gsize           max_size)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autofree char *contents = NULL;
  gsize length = 0;
  JsonNode *root;

  if (!forge_workspace_test (workspace, path, FORGE_REPO_TEST_IS_REGULAR) ||
      !forge_workspace_read_file (workspace, path, max_size, &contents, &length, NULL) ||
      !forge_json_depth_within (contents, length, MAX_JSON_DEPTH))
    return NULL;

  parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, contents, length, NULL) ||
      (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;

  return json_node_copy (root);
}

static void
add_pattern (GPtrArray  *patterns,
             const char *pattern)
{
  if (pattern != NULL && *pattern != '\0' && patterns->len < MAX_PATTERNS)
    g_ptr_array_add (patterns, g_strdup (pattern));
}

static void
add_json_patterns (GPtrArray *patterns,
                   JsonNode  *node)
{
  JsonArray *array;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return;

  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);

      if (JSON_NODE_HOLDS_VALUE (element) && json_node_get_value_type (element) == G_TYPE_STRING)
        add_pattern (patterns, json_node_get_string (element));
    }
}

/* package.json "workspaces": a list, or yarn's { "packages": [...] }. */
static gboolean
add_package_json_patterns (GPtrArray *patterns,
                           JsonNode  *package)
{
  JsonObject *object;
  JsonNode *workspaces;

  if (package == NULL)
    return FALSE;
  object = json_node_get_object (package);
  workspaces = json_object_get_member (object, "workspaces");
  if (workspaces == NULL)
    return FALSE;

  if (JSON_NODE_HOLDS_OBJECT (workspaces))
    workspaces = json_object_get_member (json_node_get_object (workspaces), "packages");
  add_json_patterns (patterns, workspaces);
  return TRUE;
}

static char *
unquote (const char *text)
{
  g_autofree char *value = g_strstrip (g_strdup (text));
  gsize len = strlen (value);

  if (len >= 2 && (value[0] == '"' || value[0] == '\'') && value[len - 1] == value[0])
    return g_strndup (value + 1, len - 2);
  return g_steal_pointer (&value);
}

/* The line without a comment; a '#' inside quotes is not one. */
static void
cut_comment (char *line)
{
  char quote = '\0';

  for (char *p = line; *p != '\0'; p++)
    {
      if (quote != '\0')
        {
          if (*p == quote)
            quote = '\0';
        }
      else if (*p == '"' || *p == '\'')
        quote = *p;
      else if (*p == '#' && (p == line || g_ascii_isspace (p[-1])))
        {
          *p = '\0';
          return;
        }
    }
}

/* Only the "packages:" list of pnpm-workspace.yaml, block or flow
 * style: the rest of the file (catalogs, overrides) means nothing here,
 * and a YAML library would be a large parser for hostile input. */
static void
add_pnpm_patterns (GPtrArray  *patterns,
                   const char *text)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  gboolean in_packages = FALSE;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *line = lines[i];
      char *trimmed;

      cut_comment (line);
      g_strchomp (line);
      if (*line == '\0')
        continue;

      /* A key at the top level ends the list ("- x" may sit at column 0). */
      if (!g_ascii_isspace (line[0]) && line[0] != '-')
        {
          const char *rest;

          in_packages = g_str_has_prefix (line, "packages:");
          if (!in_packages)
            continue;

          rest = line + strlen ("packages:");
          while (g_ascii_isspace (*rest))
            rest++;
          if (*rest == '[')
            {
              g_autofree char *inner = g_strndup (rest + 1, strcspn (rest + 1, "]"));
              g_auto(GStrv) items = g_strsplit (inner, ",", -1);

              for (guint j = 0; items[j] != NULL; j++)
                {
                  g_autofree char *item = unquote (items[j]);

                  add_pattern (patterns, item);
                }
              in_packages = FALSE;
            }
          continue;
        }

      if (!in_packages)
        continue;
      trimmed = g_strstrip (line);
      if (trimmed[0] == '-')
        {
          g_autofree char *item = unquote (trimmed + 1);

          add_pattern (patterns, item);
        }
    }
}

/* The folder names of a pattern ("./apps/" and a star become "apps"
 * and a star); NULL for a pattern that could leave the repository or is
 * too deep to be meant. */
static char **
split_pattern (const char *pattern)
{
  g_auto(GStrv) parts = NULL;
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  guint n = 0;

  if (pattern[0] == '/' || strchr (pattern, '\\') != NULL)
    return NULL;

  parts = g_strsplit (pattern, "/", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      if (parts[i][0] == '\0' || strcmp (parts[i], ".") == 0)
        continue;
      if (strcmp (parts[i], "..") == 0 || strpbrk (parts[i], "[]{}") != NULL)
        return NULL;
      /* A pattern may name the manifests rather than their folders. */
      if (parts[i + 1] == NULL && strcmp (parts[i], "package.json") == 0)
        continue;
      if (++n > MAX_PATTERN_SEGMENTS)
        return NULL;
      g_strv_builder_add (builder, parts[i]);
    }

  return n > 0 ? g_strv_builder_end (builder) : NULL;
}

static gboolean
glob_match (char * const *pattern,
            char * const *path)
{
  if (*pattern == NULL)
    return *path == NULL;

  if (strcmp (*pattern, "**") == 0)
    {
      for (guint i = 0; ; i++)
        {
          if (glob_match (pattern + 1, path + i))
            return TRUE;
          if (path[i] == NULL)
            return FALSE;
        }
    }

  return *path != NULL && g_pattern_match_simple (*pattern, *path) && glob_match (pattern + 1, path + 1);
}

typedef struct
{
  ForgeWorkspace *workspace;
  GPtrArray      *folders;
  GHashTable     *seen;
  guint           listings;
  gboolean        truncated;
} Search;

static char *
join (const char *base,
      const char *name)
{
  return *base == '\0' ? g_strdup (name) : g_strconcat (base, "/", name, NULL);
}

/* Folders only, never through a symlink: a package folder that links out
 * of the work tree is not looked into. */
static GPtrArray *
list_child_folders (Search     *search,
                    const char *base)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) names = NULL;
  GPtrArray *children;

  if (search->listings >= MAX_LISTINGS)
    {
      search->truncated = TRUE;
      return NULL;
    }
  search->listings++;

  names = forge_workspace_list_dir (search->workspace, base, MAX_LIST_ENTRIES, &error);
  if (names == NULL)
    {
      if (g_error_matches (error, FORGE_REPO_FILE_ERROR, FORGE_REPO_FILE_ERROR_TOO_LARGE))
        search->truncated = TRUE;
      return NULL;
    }

  children = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; names[i] != NULL; i++)
    {
      g_autofree char *child = NULL;

      if (names[i][0] == '.' || strcmp (names[i], "node_modules") == 0)
        continue;
      child = join (base, names[i]);
      if (forge_workspace_test (search->workspace, child, FORGE_REPO_TEST_IS_DIR))
        g_ptr_array_add (children, g_steal_pointer (&child));
    }
  return children;
}

static void
add_folder (Search     *search,
            const char *folder)
{
  g_autofree char *manifest = NULL;

  if (*folder == '\0' || g_hash_table_contains (search->seen, folder))
    return;
  g_hash_table_add (search->seen, g_strdup (folder));

  manifest = join (folder, "package.json");
  if (!forge_workspace_test (search->workspace, manifest, FORGE_REPO_TEST_IS_REGULAR))
    return;

  if (search->folders->len >= FORGE_MONOREPO_MAX_PACKAGES)
    {
      search->truncated = TRUE;
      return;
    }
  g_ptr_array_add (search->folders, g_strdup (folder));
}

static void
search_segments (Search       *search,
                 const char   *base,
                 char * const *segments,
                 guint         globstar_levels)
{
  const char *segment = segments[0];

  if (search->truncated)
    return;

  if (segment == NULL)
    {
      add_folder (search, base);
      return;
    }

  if (strcmp (segment, "**") == 0)
    {
      g_autoptr(GPtrArray) children = NULL;

      search_segments (search, base, segments + 1, 0);
      if (globstar_levels >= MAX_GLOBSTAR_LEVELS || (children = list_child_folders (search, base)) == NULL)
        return;
      for (guint i = 0; i < children->len; i++)
        search_segments (search, g_ptr_array_index (children, i), segments, globstar_levels + 1);
      return;
    }

  if (strpbrk (segment, "*?") != NULL)
    {
      g_autoptr(GPtrArray) children = list_child_folders (search, base);

      for (guint i = 0; children != NULL && i < children->len; i++)
        {
          const char *child = g_ptr_array_index (children, i);
          const char *name = strrchr (child, '/') ? strrchr (child, '/') + 1 : child;

          if (g_pattern_match_simple (segment, name))
            search_segments (search, child, segments + 1, 0);
        }
      return;
    }

  {
    g_autofree char *child = join (base, segment);

    if (forge_workspace_test (search->workspace, child, FORGE_REPO_TEST_IS_DIR))
      search_segments (search, child, segments + 1, 0);
  }
}

static int
compare_packages (gconstpointer a,
                  gconstpointer b,
                  gpointer      user_data)
{
  return strcmp (forge_monorepo_package_get_folder ((ForgeMonorepoPackage *) a),
                 forge_monorepo_package_get_folder ((ForgeMonorepoPackage *) b));
}

ForgeMonorepo *
forge_monorepo_detect (ForgeWorkspace *workspace)
{
  g_autoptr(ForgeMonorepo) self = NULL;
  g_autoptr(GPtrArray) patterns = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) negations = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  g_autoptr(JsonNode) package = NULL;
  g_autoptr(GHashTable) seen = NULL;
  g_autoptr(GPtrArray) folders = NULL;
  const char *kind = NULL;
  Search search = { 0 };

  g_return_val_if_fail (FORGE_IS_WORKSPACE (workspace), NULL);

  package = read_json (workspace, "package.json", FORGE_REPO_MANIFEST_MAX_SIZE);

  if (forge_workspace_test (workspace, "pnpm-workspace.yaml", FORGE_REPO_TEST_IS_REGULAR))
    {
      g_autofree char *text = NULL;

      if (forge_workspace_read_file (workspace, "pnpm-workspace.yaml", MAX_CONFIG_SIZE, &text, NULL, NULL))
        add_pnpm_patterns (patterns, text);
      kind = "pnpm";
    }
  else if (add_package_json_patterns (patterns, package))
    kind = "workspaces";

  if (kind == NULL)
    {
      g_autoptr(JsonNode) lerna = read_json (workspace, "lerna.json", MAX_CONFIG_SIZE);

      if (lerna != NULL)
        {
          JsonNode *list = json_object_get_member (json_node_get_object (lerna), "packages");

          kind = "lerna";
          if (list != NULL)
            add_json_patterns (patterns, list);
          else
            add_pattern (patterns, "packages/*");
        }
    }

  /* Nx and Turborepo run over a package manager's workspaces; alone,
   * their projects sit where their generators put them. */
  if (kind == NULL)
    {
      g_autoptr(JsonNode) nx = read_json (workspace, "nx.json", MAX_CONFIG_SIZE);

      if (nx != NULL)
        {
          JsonNode *layout = json_object_get_member (json_node_get_object (nx), "workspaceLayout");
          const char *dirs[] = { "appsDir", "libsDir" };

          kind = "nx";
          for (guint i = 0; layout != NULL && JSON_NODE_HOLDS_OBJECT (layout) && i < G_N_ELEMENTS (dirs); i++)
            {
              const char *dir = json_object_get_string_member_with_default (json_node_get_object (layout), dirs[i], NULL);

              if (dir != NULL)
                {
                  g_autofree char *pattern = g_strconcat (dir, "/*", NULL);

                  add_pattern (patterns, pattern);
                }
            }
          if (patterns->len == 0)
            {
              add_pattern (patterns, "apps/*");
              add_pattern (patterns, "libs/*");
              add_pattern (patterns, "packages/*");
            }
        }
      else if (forge_workspace_test (workspace, "turbo.json", FORGE_REPO_TEST_IS_REGULAR))
        {
          kind = "turbo";
          add_pattern (patterns, "apps/*");
          add_pattern (patterns, "packages/*");
        }
    }

  if (kind == NULL)
    return NULL;

  self = g_object_new (FORGE_TYPE_MONOREPO, NULL);
  self->kind = g_strdup (kind);

  seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  folders = g_ptr_array_new_with_free_func (g_free);
  search.workspace = workspace;
  search.folders = folders;
  search.seen = seen;

  for (guint i = 0; i < patterns->len; i++)
    {
      const char *pattern = g_ptr_array_index (patterns, i);
      gboolean negated = pattern[0] == '!';
      char **segments = split_pattern (negated ? pattern + 1 : pattern);

      if (segments == NULL)
        continue;
      if (negated)
        g_ptr_array_add (negations, segments);
      else
        {
          search_segments (&search, "", segments, 0);
          g_strfreev (segments);
        }
    }
  self->truncated = search.truncated;

  for (guint i = 0; i < folders->len; i++)
    {
      const char *folder = g_ptr_array_index (folders, i);
      g_auto(GStrv) path = g_strsplit (folder, "/", -1);
      g_autoptr(ForgeWorkspace) folder_workspace = NULL;
      g_autoptr(ForgeFramework) framework = NULL;
      g_autoptr(ForgeMonorepoPackage) item = NULL;
      gboolean excluded = FALSE;

      for (guint j = 0; j < negations->len && !excluded; j++)
        excluded = glob_match (g_ptr_array_index (negations, j), path);
      if (excluded)
        continue;

      folder_workspace = forge_folder_workspace_new (workspace, folder);
      framework = _forge_framework_detect_single (folder_workspace, NULL);
      item = forge_monorepo_package_new (folder,
                                         framework != NULL ? forge_framework_get_package_name (framework) : NULL,
                                         framework);
      g_list_store_append (self->packages, item);
    }
  g_list_store_sort (self->packages, compare_packages, NULL);

  return g_steal_pointer (&self);
}

const char *
forge_monorepo_get_kind (ForgeMonorepo *self)
{
  g_return_val_if_fail (FORGE_IS_MONOREPO (self), NULL);
  return self->kind;
}

GListModel *
forge_monorepo_get_packages (ForgeMonorepo *self)
{
  g_return_val_if_fail (FORGE_IS_MONOREPO (self), NULL);
  return G_LIST_MODEL (self->packages);
}

GListModel *
forge_monorepo_dup_apps (ForgeMonorepo *self)
{
  GListStore *apps;
  guint n;

  g_return_val_if_fail (FORGE_IS_MONOREPO (self), NULL);

  apps = g_list_store_new (FORGE_TYPE_MONOREPO_PACKAGE);
  n = g_list_model_get_n_items (G_LIST_MODEL (self->packages));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ForgeMonorepoPackage) item = g_list_model_get_item (G_LIST_MODEL (self->packages), i);

      if (forge_monorepo_package_is_app (item))
        g_list_store_append (apps, item);
    }
  return G_LIST_MODEL (apps);
}

ForgeMonorepoPackage *
forge_monorepo_lookup (ForgeMonorepo *self,
                       const char    *folder)
{
  guint n;

  g_return_val_if_fail (FORGE_IS_MONOREPO (self), NULL);
  g_return_val_if_fail (folder != NULL, NULL);

  n = g_list_model_get_n_items (G_LIST_MODEL (self->packages));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ForgeMonorepoPackage) item = g_list_model_get_item (G_LIST_MODEL (self->packages), i);

      if (strcmp (forge_monorepo_package_get_folder (item), folder) == 0)
        return item;
    }
  return NULL;
}

gboolean
forge_monorepo_is_truncated (ForgeMonorepo *self)
{
  g_return_val_if_fail (FORGE_IS_MONOREPO (self), FALSE);
  return self->truncated;
}
