/*
 * edge_models.h - the models of `vigil edge-agent`: the packages found in
 * its packages folder (one folder per Greengrass component, as a model
 * package unpacks: manifest.json, model.vgm), their states and the loaded
 * models detections use.
 *
 * States follow the Edge Agent's documented ModelStatus: a model is
 * STOPPED until StartModel, STARTING while a thread loads it (checking the
 * file against the manifest's SHA-256), then RUNNING, or FAILED with a
 * message; StopModel goes through STOPPING back to STOPPED.  A detection
 * holds a reference to its model, so stopping never frees a model in use.
 * Safe from any thread.
 */
#ifndef VIGIL_EDGE_MODELS_H
#define VIGIL_EDGE_MODELS_H

#include "vigil.h"

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace vigil_edge {

enum class State { STOPPED = 0, STARTING = 1, RUNNING = 2, FAILED = 3, STOPPING = 4 };

// The gRPC status an operation ends with (a subset of grpc::StatusCode).
enum class Code { OK, INVALID_ARGUMENT, NOT_FOUND, FAILED_PRECONDITION, INTERNAL };

struct Outcome {
    Code code = Code::OK;
    std::string message;
};

struct ModelInfo {
    std::string component;
    std::string model_arn;
    State state = State::STOPPED;
    std::string message;
};

// A model loaded for detection; freed with its last reference.
struct LoadedModel {
    vgl_model *model = nullptr;
    int width = 0, height = 0;
    ~LoadedModel() { vgl_model_free(model); }
};

class ModelTable {
  public:
    explicit ModelTable(std::string packages_dir);
    ~ModelTable(); // waits for models still loading

    std::vector<ModelInfo> list();
    Outcome describe(const std::string &component, ModelInfo *out);
    // Starts loading (answer STARTING); from STOPPED or FAILED only.
    Outcome start(const std::string &component);
    // Synchronous; from RUNNING only.
    Outcome stop(const std::string &component);
    // The RUNNING model of the component.
    Outcome acquire(const std::string &component, std::shared_ptr<const LoadedModel> *out);

  private:
    struct Entry {
        std::string folder;
        ModelInfo info;
        std::shared_ptr<const LoadedModel> loaded;
    };
    void rescan();                        // with lock_ held
    Entry *find(const std::string &component, Outcome *outcome); // rescans once when absent
    void load(std::string component, std::string folder);

    std::string packages_dir_;
    std::mutex lock_;
    std::map<std::string, Entry> entries_;
    std::vector<std::thread> loaders_;
};

} // namespace vigil_edge

#endif
