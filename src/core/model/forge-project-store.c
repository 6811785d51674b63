/* forge-project-store.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-model"

#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "forge-project-store.h"
#include "forge-util.h"

/* Older than any save takes, even on a slow disk. */
#define STALE_TEMP_AGE_S 60

struct _ForgeProjectStore
{
  GObject       parent_instance;
  char         *path;
  GPtrArray    *projects;
  GMainContext *context;
  guint         save_source;
  char         *default_backend;
};

enum {
  PROP_0,
  PROP_DEFAULT_BACKEND,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (ForgeProjectStore, forge_project_store, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

static GType
get_item_type (GListModel *model)
{
  return FORGE_TYPE_PROJECT;
}

static guint
get_n_items (GListModel *model)
{
  return FORGE_PROJECT_STORE (model)->projects->len;
}

static gpointer
get_item (GListModel *model,
          guint       position)
{
  ForgeProjectStore *self = FORGE_PROJECT_STORE (model);

  if (position >= self->projects->len)
    return NULL;

  return g_object_ref (g_ptr_array_index (self->projects, position));
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = get_item_type;
  iface->get_n_items = get_n_items;
  iface->get_item = get_item;
}

static gboolean
save_in_idle (gpointer user_data)
{
  ForgeProjectStore *self = user_data;
  g_autoptr(GError) error = NULL;

  self->save_source = 0;
  if (!forge_project_store_save (self, &error))
    g_warning ("Could not save the project list: %s", error->message);

  return G_SOURCE_REMOVE;
}

/* Bursts of property changes (a step finishing sets several) make one write. */
static void
queue_save (ForgeProjectStore *self)
{
  g_autoptr(GSource) source = NULL;

  if (self->save_source != 0)
    return;

  source = g_idle_source_new ();
  g_source_set_callback (source, save_in_idle, self, NULL);
  g_source_set_static_name (source, "[forge] save projects");
  self->save_source = g_source_attach (source, self->context);
}

static void
project_notify_cb (ForgeProject      *project,
                   GParamSpec        *pspec,
                   ForgeProjectStore *self)
{
  queue_save (self);
}

static void
append_project (ForgeProjectStore *self,
                ForgeProject      *project)
{
  g_signal_connect_object (project, "notify", G_CALLBACK (project_notify_cb), self, 0);
  g_ptr_array_add (self->projects, g_object_ref (project));
  g_list_model_items_changed (G_LIST_MODEL (self), self->projects->len - 1, 0, 1);
}

static void
forge_project_store_dispose (GObject *object)
{
  ForgeProjectStore *self = FORGE_PROJECT_STORE (object);

  if (self->save_source != 0)
    {
      GSource *source = g_main_context_find_source_by_id (self->context, self->save_source);

      /* Pending changes are written before the store goes away. */
      if (source != NULL)
        g_source_destroy (source);
      self->save_source = 0;
      forge_project_store_save (self, NULL);
    }

  for (guint i = 0; i < self->projects->len; i++)
    g_signal_handlers_disconnect_by_func (g_ptr_array_index (self->projects, i), project_notify_cb, self);
  g_ptr_array_set_size (self->projects, 0);

  G_OBJECT_CLASS (forge_project_store_parent_class)->dispose (object);
}

static void
forge_project_store_finalize (GObject *object)
{
  ForgeProjectStore *self = FORGE_PROJECT_STORE (object);

  g_clear_pointer (&self->projects, g_ptr_array_unref);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_pointer (&self->path, g_free);
  g_clear_pointer (&self->default_backend, g_free);

  G_OBJECT_CLASS (forge_project_store_parent_class)->finalize (object);
}

static void
forge_project_store_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  ForgeProjectStore *self = FORGE_PROJECT_STORE (object);

  switch (prop_id)
    {
    case PROP_DEFAULT_BACKEND:
      g_value_set_string (value, self->default_backend);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
forge_project_store_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  ForgeProjectStore *self = FORGE_PROJECT_STORE (object);

  switch (prop_id)
    {
    case PROP_DEFAULT_BACKEND:
      forge_project_store_set_default_backend (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
forge_project_store_class_init (ForgeProjectStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = forge_project_store_dispose;
  object_class->finalize = forge_project_store_finalize;
  object_class->get_property = forge_project_store_get_property;
  object_class->set_property = forge_project_store_set_property;

  /* A property so that the UI can bind the "default-backend" setting. */
  properties[PROP_DEFAULT_BACKEND] =
    g_param_spec_string ("default-backend", NULL, NULL, FORGE_PROJECT_DEFAULT_BACKEND,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
forge_project_store_init (ForgeProjectStore *self)
{
  self->default_backend = g_strdup (FORGE_PROJECT_DEFAULT_BACKEND);
  self->projects = g_ptr_array_new_with_free_func (g_object_unref);
  self->context = g_main_context_ref_thread_default ();
}

ForgeProjectStore *
forge_project_store_new (const char *path)
{
  ForgeProjectStore *self = g_object_new (FORGE_TYPE_PROJECT_STORE, NULL);

  if (path != NULL)
    self->path = g_strdup (path);
  else
    {
      g_autofree char *data_dir = forge_data_dir ();
      self->path = g_build_filename (data_dir, "projects.json", NULL);
    }

  return self;
}

const char *
forge_project_store_get_path (ForgeProjectStore *self)
{
  g_return_val_if_fail (FORGE_IS_PROJECT_STORE (self), NULL);
  return self->path;
}

gboolean
forge_project_store_load (ForgeProjectStore  *self,
                          GError            **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) local_error = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *first_skipped = NULL;
  gsize length = 0;
  guint n_skipped = 0;
  JsonNode *root;
  JsonArray *array;
  guint removed;

  g_return_val_if_fail (FORGE_IS_PROJECT_STORE (self), FALSE);

  removed = self->projects->len;
  g_ptr_array_set_size (self->projects, 0);
  if (removed > 0)
    g_list_model_items_changed (G_LIST_MODEL (self), 0, removed, 0);

  /* A save killed half-way leaves its temp file (never the list itself). */
  {
    g_autofree char *dir = g_path_get_dirname (self->path);
    g_autofree char *name = g_path_get_basename (self->path);

    forge_remove_stale_temp_files (dir, name, STALE_TEMP_AGE_S);
  }

  if (!g_file_get_contents (self->path, &contents, &length, &local_error))
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return TRUE;
      g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                                  "Could not read the project list %s: ", self->path);
      return FALSE;
    }

  if (!json_parser_load_from_data (parser, contents, length, &local_error))
    goto corrupt;

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root) ||
      !json_object_has_member (json_node_get_object (root), "projects") ||
      !JSON_NODE_HOLDS_ARRAY (json_object_get_member (json_node_get_object (root), "projects")))
    {
      g_set_error_literal (&local_error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "no “projects” list");
      goto corrupt;
    }

  array = json_object_get_array_member (json_node_get_object (root), "projects");
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      g_autoptr(ForgeProject) project = NULL;
      g_autoptr(GError) entry_error = NULL;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        g_set_error_literal (&entry_error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                             "A project entry is not an object");
      else
        project = forge_project_new_from_json (json_node_get_object (node), &entry_error);

      /* Two entries with one id would share a workspace, and removing
       * either would delete the other's: the first one stays. */
      if (project != NULL && forge_project_store_lookup (self, forge_project_get_id (project)) != NULL)
        {
          g_set_error (&entry_error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       "A second project with the id %s", forge_project_get_id (project));
          g_clear_object (&project);
        }

      /* Ids become folder names (workspaces, whose removal deletes them):
       * an entry with an id like "../../x" must never get that far. */
      if (project == NULL)
        {
          g_warning ("Skipping an entry of %s: %s", self->path, entry_error->message);
          n_skipped++;
          if (first_skipped == NULL)
            first_skipped = g_strdup (entry_error->message);
          continue;
        }
      append_project (self, project);
    }

  if (n_skipped > 0)
    {
      g_autofree char *aside = forge_dup_corrupt_path (self->path);
      g_autoptr(GError) copy_error = NULL;

      /* The next save drops the skipped entries: keep the file as it was,
       * as a corrupt one is kept, so nothing is lost. */
      if (!forge_write_file_atomic (aside, contents, length, &copy_error))
        g_warning ("Could not keep a copy of %s: %s", self->path, copy_error->message);

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   g_dngettext (GETTEXT_PACKAGE,
                                "The project list %s was damaged (%s); %u project was skipped and the original kept as %s.",
                                "The project list %s was damaged (%s); %u projects were skipped and the original kept as %s.",
                                n_skipped),
                   self->path, first_skipped, n_skipped, aside);
      return FALSE;
    }

  return TRUE;

corrupt:
  {
    g_autoptr(GError) aside_error = NULL;
    g_autofree char *aside = forge_move_aside (self->path, &aside_error);

    if (aside == NULL)
      g_warning ("%s", aside_error->message);
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                 "The project list %s was damaged (%s); it was kept as %s and a new one started.",
                 self->path, local_error->message, aside != NULL ? aside : self->path);
  }
  return FALSE;
}

gboolean
forge_project_store_save (ForgeProjectStore  *self,
                          GError            **error)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *data = NULL;
  gsize length;

  g_return_val_if_fail (FORGE_IS_PROJECT_STORE (self), FALSE);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "version");
  json_builder_add_int_value (builder, 1);
  json_builder_set_member_name (builder, "projects");
  json_builder_begin_array (builder);
  for (guint i = 0; i < self->projects->len; i++)
    {
      JsonNode *node = json_node_new (JSON_NODE_OBJECT);

      json_node_take_object (node, forge_project_to_json (g_ptr_array_index (self->projects, i)));
      json_builder_add_value (builder, node);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, TRUE);
  data = json_generator_to_data (generator, &length);

  return forge_write_file_atomic (self->path, data, length, error);
}

ForgeProject *
forge_project_store_lookup (ForgeProjectStore *self,
                            const char        *project_id)
{
  g_return_val_if_fail (FORGE_IS_PROJECT_STORE (self), NULL);

  for (guint i = 0; project_id != NULL && i < self->projects->len; i++)
    {
      ForgeProject *project = g_ptr_array_index (self->projects, i);

      if (g_strcmp0 (forge_project_get_id (project), project_id) == 0)
        return project;
    }

  return NULL;
}

ForgeProject *
forge_project_store_find_by_url (ForgeProjectStore *self,
                                 const char        *repo_url)
{
  g_return_val_if_fail (FORGE_IS_PROJECT_STORE (self), NULL);

  for (guint i = 0; repo_url != NULL && i < self->projects->len; i++)
    {
      ForgeProject *project = g_ptr_array_index (self->projects, i);

      if (g_strcmp0 (forge_project_get_repo_url (project), repo_url) == 0)
        return project;
    }

  return NULL;
}

ForgeProject *
forge_project_store_ensure (ForgeProjectStore *self,
                            const char        *repo_url)
{
  ForgeProject *project;
  g_autoptr(ForgeProject) created = NULL;
  g_autofree char *id = NULL;

  g_return_val_if_fail (FORGE_IS_PROJECT_STORE (self), NULL);
  g_return_val_if_fail (repo_url != NULL, NULL);

  project = forge_project_store_find_by_url (self, repo_url);
  if (project != NULL)
    return project;

  id = g_uuid_string_random ();
  created = forge_project_new (id, repo_url);
  forge_project_set_backend (created, self->default_backend);
  append_project (self, created);
  queue_save (self);

  return created;
}

const char *
forge_project_store_get_default_backend (ForgeProjectStore *self)
{
  g_return_val_if_fail (FORGE_IS_PROJECT_STORE (self), NULL);
  return self->default_backend;
}

void
forge_project_store_set_default_backend (ForgeProjectStore *self,
                                         const char        *backend)
{
  g_return_if_fail (FORGE_IS_PROJECT_STORE (self));

  if (backend == NULL || *backend == '\0')
    backend = FORGE_PROJECT_DEFAULT_BACKEND;
  if (g_strcmp0 (self->default_backend, backend) == 0)
    return;

  g_free (self->default_backend);
  self->default_backend = g_strdup (backend);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DEFAULT_BACKEND]);
}

gboolean
forge_project_store_remove (ForgeProjectStore *self,
                            const char        *project_id)
{
  g_return_val_if_fail (FORGE_IS_PROJECT_STORE (self), FALSE);

  for (guint i = 0; i < self->projects->len; i++)
    {
      ForgeProject *project = g_ptr_array_index (self->projects, i);

      if (g_strcmp0 (forge_project_get_id (project), project_id) == 0)
        {
          g_signal_handlers_disconnect_by_func (project, project_notify_cb, self);
          g_ptr_array_remove_index (self->projects, i);
          g_list_model_items_changed (G_LIST_MODEL (self), i, 1, 0);
          queue_save (self);
          return TRUE;
        }
    }

  return FALSE;
}

void
forge_project_store_update (ForgeProjectStore *self,
                            const char        *project_id,
                            JsonObject        *changes)
{
  ForgeProject *project;

  g_return_if_fail (FORGE_IS_PROJECT_STORE (self));

  project = forge_project_store_lookup (self, project_id);
  if (project == NULL)
    return;

  forge_project_apply_json (project, changes);
  queue_save (self);
}

typedef struct
{
  ForgeProjectStore *store;
  char              *project_id;
  JsonObject        *changes;
  GMutex             mutex;
  GCond              cond;
  gboolean           done;
} UpdateRequest;

static gboolean
update_on_main_context (gpointer user_data)
{
  UpdateRequest *request = user_data;
  g_autoptr(GError) error = NULL;

  forge_project_store_update (request->store, request->project_id, request->changes);
  if (!forge_project_store_save (request->store, &error))
    g_warning ("Could not save the project list: %s", error->message);

  g_mutex_lock (&request->mutex);
  request->done = TRUE;
  g_cond_signal (&request->cond);
  g_mutex_unlock (&request->mutex);

  return G_SOURCE_REMOVE;
}

void
forge_project_store_update_from_thread (ForgeProjectStore *self,
                                        const char        *project_id,
                                        JsonObject        *changes)
{
  UpdateRequest request = { 0 };

  g_return_if_fail (FORGE_IS_PROJECT_STORE (self));

  if (g_main_context_is_owner (self->context))
    {
      forge_project_store_update (self, project_id, changes);
      return;
    }

  request.store = self;
  request.project_id = (char *) project_id;
  request.changes = changes;
  g_mutex_init (&request.mutex);
  g_cond_init (&request.cond);

  forge_dispatch_on_context (self->context, G_PRIORITY_DEFAULT, update_on_main_context, &request, NULL);

  g_mutex_lock (&request.mutex);
  while (!request.done)
    g_cond_wait (&request.cond, &request.mutex);
  g_mutex_unlock (&request.mutex);

  g_mutex_clear (&request.mutex);
  g_cond_clear (&request.cond);
}

typedef struct
{
  ForgeProjectStore *store;
  const char        *project_id;
  JsonObject        *snapshot;
  GMutex             mutex;
  GCond              cond;
  gboolean           done;
} SnapshotRequest;

static gboolean
snapshot_on_main_context (gpointer user_data)
{
  SnapshotRequest *request = user_data;
  ForgeProject *project = forge_project_store_lookup (request->store, request->project_id);
  JsonObject *snapshot = project != NULL ? forge_project_to_json (project) : NULL;

  g_mutex_lock (&request->mutex);
  request->snapshot = snapshot;
  request->done = TRUE;
  g_cond_signal (&request->cond);
  g_mutex_unlock (&request->mutex);

  return G_SOURCE_REMOVE;
}

JsonObject *
forge_project_store_dup_json_from_thread (ForgeProjectStore *self,
                                          const char        *project_id)
{
  SnapshotRequest request = { 0 };

  g_return_val_if_fail (FORGE_IS_PROJECT_STORE (self), NULL);

  if (g_main_context_is_owner (self->context))
    {
      ForgeProject *project = forge_project_store_lookup (self, project_id);

      return project != NULL ? forge_project_to_json (project) : NULL;
    }

  request.store = self;
  request.project_id = project_id;
  g_mutex_init (&request.mutex);
  g_cond_init (&request.cond);

  forge_dispatch_on_context (self->context, G_PRIORITY_DEFAULT, snapshot_on_main_context, &request, NULL);

  g_mutex_lock (&request.mutex);
  while (!request.done)
    g_cond_wait (&request.cond, &request.mutex);
  g_mutex_unlock (&request.mutex);

  g_mutex_clear (&request.mutex);
  g_cond_clear (&request.cond);

  return request.snapshot;
}
