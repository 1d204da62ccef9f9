/*
 * edge_models.cc - the edge agent's model table (edge_models.h).
 *
 * The packages folder is read again whenever a component is asked for that
 * is not known yet, so a package copied in while the agent runs is found
 * without a restart.  A folder counts as a package when it holds a
 * manifest.json of a format this build reads; its ComponentName is the
 * model's address.
 */
#include "edge_models.h"

extern "C" {
#include "package_bundle.h"
}

#include <dirent.h>
#include <jansson.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>

namespace vigil_edge {

namespace {

struct Manifest {
    std::string component, model_arn, sha256;
    int width = 0, height = 0;
};

// Reads folder/manifest.json; false when it is no package of ours.
bool read_manifest(const std::string &folder, Manifest *out, std::string *why)
{
    json_error_t error;
    std::string path = folder + "/" PACKAGE_MANIFEST_FILE;
    json_t *root = json_load_file(path.c_str(), 0, &error);
    if (!root) {
        *why = path + ": " + error.text;
        return false;
    }
    const char *component = nullptr, *arn = nullptr, *digest = nullptr;
    int format = 0;
    json_t *files = nullptr;
    bool ok = json_unpack(root, "{s:i, s:s, s:s, s:{s:i, s:i}, s:o}", "FormatVersion", &format,
                          "ComponentName", &component, "ModelArn", &arn, "Input", "Width",
                          &out->width, "Height", &out->height, "Files", &files) == 0 &&
              format == PACKAGE_FORMAT_VERSION;
    size_t i;
    json_t *file;
    json_array_foreach(ok ? files : nullptr, i, file)
    {
        const char *name = json_string_value(json_object_get(file, "Name"));
        if (name && std::string(name) == PACKAGE_MODEL_FILE)
            digest = json_string_value(json_object_get(file, "Sha256"));
    }
    if (ok && digest) {
        out->component = component;
        out->model_arn = arn;
        out->sha256 = digest;
    } else {
        *why = path + ": not a model package manifest of format " +
               std::to_string(PACKAGE_FORMAT_VERSION);
    }
    json_decref(root);
    return ok && digest;
}

bool read_file(const std::string &path, std::string *out)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return false;
    out->assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    return !in.bad();
}

} // namespace

ModelTable::ModelTable(std::string packages_dir) : packages_dir_(std::move(packages_dir))
{
    std::lock_guard<std::mutex> hold(lock_);
    rescan();
}

ModelTable::~ModelTable()
{
    std::vector<std::thread> loaders;
    {
        std::lock_guard<std::mutex> hold(lock_);
        loaders.swap(loaders_);
    }
    for (auto &t : loaders)
        t.join();
}

void ModelTable::rescan()
{
    DIR *dir = opendir(packages_dir_.c_str());
    if (!dir)
        return;
    while (struct dirent *e = readdir(dir)) {
        if (e->d_name[0] == '.')
            continue;
        std::string folder = packages_dir_ + "/" + e->d_name, why;
        Manifest m;
        if (!read_manifest(folder, &m, &why) || entries_.count(m.component))
            continue;
        Entry entry;
        entry.folder = folder;
        entry.info.component = m.component;
        entry.info.model_arn = m.model_arn;
        entry.info.message = "The model is stopped.";
        entries_.emplace(m.component, std::move(entry));
    }
    closedir(dir);
}

ModelTable::Entry *ModelTable::find(const std::string &component, Outcome *outcome)
{
    auto it = entries_.find(component);
    if (it == entries_.end()) {
        rescan();
        it = entries_.find(component);
    }
    if (it != entries_.end())
        return &it->second;
    outcome->code = component.empty() ? Code::INVALID_ARGUMENT : Code::NOT_FOUND;
    outcome->message = component.empty()
                           ? "model_component is required."
                           : "No model component " + component + " in " + packages_dir_ + ".";
    return nullptr;
}

std::vector<ModelInfo> ModelTable::list()
{
    std::lock_guard<std::mutex> hold(lock_);
    rescan();
    std::vector<ModelInfo> out;
    for (const auto &e : entries_)
        out.push_back(e.second.info);
    return out;
}

Outcome ModelTable::describe(const std::string &component, ModelInfo *out)
{
    std::lock_guard<std::mutex> hold(lock_);
    Outcome outcome;
    if (Entry *e = find(component, &outcome))
        *out = e->info;
    return outcome;
}

Outcome ModelTable::start(const std::string &component)
{
    std::lock_guard<std::mutex> hold(lock_);
    Outcome outcome;
    Entry *e = find(component, &outcome);
    if (!e)
        return outcome;
    if (e->info.state != State::STOPPED && e->info.state != State::FAILED)
        return {Code::FAILED_PRECONDITION,
                "The model " + component + " can only be started when STOPPED or FAILED."};
    e->info.state = State::STARTING;
    e->info.message = "Loading the model.";
    loaders_.emplace_back(&ModelTable::load, this, component, e->folder);
    return outcome;
}

void ModelTable::load(std::string component, std::string folder)
{
    Manifest manifest;
    std::string why, bytes;
    auto loaded = std::make_shared<LoadedModel>();
    vgl_error err = {};
    std::string path = folder + "/" PACKAGE_MODEL_FILE;
    char digest[65] = "";
    bool ok = read_manifest(folder, &manifest, &why);
    if (ok && !(ok = read_file(path, &bytes)))
        why = "cannot read " + path;
    if (ok) {
        package_sha256_hex(reinterpret_cast<const uint8_t *>(bytes.data()), bytes.size(), digest);
        if (!(ok = manifest.sha256 == digest))
            why = path + " does not match the SHA-256 of its manifest";
    }
    if (ok && !(ok = vgl_model_load(path.c_str(), &loaded->model, &err) == VGL_OK))
        why = err.message;
    if (ok) {
        vgl_model_image_size(loaded->model, &loaded->width, &loaded->height);
        if (!(ok = loaded->width == manifest.width && loaded->height == manifest.height))
            why = "the model's input size differs from its manifest's";
    }
    std::lock_guard<std::mutex> hold(lock_);
    Entry &e = entries_.at(component);
    e.info.state = ok ? State::RUNNING : State::FAILED;
    e.info.message = ok ? "The model is running." : "The model could not be loaded: " + why;
    if (ok)
        e.loaded = loaded;
}

Outcome ModelTable::stop(const std::string &component)
{
    std::shared_ptr<const LoadedModel> released;
    std::lock_guard<std::mutex> hold(lock_);
    Outcome outcome;
    Entry *e = find(component, &outcome);
    if (!e)
        return outcome;
    if (e->info.state != State::RUNNING)
        return {Code::FAILED_PRECONDITION,
                "The model " + component + " can only be stopped when RUNNING."};
    // detections under way keep their reference; the model goes with the last
    e->info.state = State::STOPPING;
    released.swap(e->loaded);
    e->info.state = State::STOPPED;
    e->info.message = "The model was stopped.";
    return outcome;
}

Outcome ModelTable::acquire(const std::string &component,
                            std::shared_ptr<const LoadedModel> *out)
{
    std::lock_guard<std::mutex> hold(lock_);
    Outcome outcome;
    Entry *e = find(component, &outcome);
    if (!e)
        return outcome;
    if (e->info.state != State::RUNNING)
        return {Code::FAILED_PRECONDITION, "The model " + component + " is not RUNNING."};
    *out = e->loaded;
    return outcome;
}

} // namespace vigil_edge
