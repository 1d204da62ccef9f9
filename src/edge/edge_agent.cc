/*
 * edge_agent.cc - `vigil edge-agent`: the Lookout for Vision Edge Agent's
 * gRPC service (edge-agent.proto) on a Unix socket, over the models of a
 * packages folder (edge_models.h).  Detection is libvigil's, the same call
 * `vigil serve` makes for DetectAnomalies, on the caller's raw RGB888
 * pixels; the mask comes back inline or is written into the caller's
 * shared memory.  SIGINT or SIGTERM stops it cleanly.
 */
#include "edge-agent.grpc.pb.h"
#include "edge_bitmaps.h"
#include "edge_models.h"

extern "C" {
#include "commands.h"
}

#include <getopt.h>
#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>

namespace lv = AWS::LookoutVision;

namespace vigil_edge {
namespace {

const char DEFAULT_SOCKET[] = "/tmp/aws.iot.lookoutvision.EdgeAgent.sock";

grpc::Status status_of(const Outcome &o)
{
    static const grpc::StatusCode CODES[] = {
        grpc::StatusCode::OK, grpc::StatusCode::INVALID_ARGUMENT, grpc::StatusCode::NOT_FOUND,
        grpc::StatusCode::FAILED_PRECONDITION, grpc::StatusCode::INTERNAL};
    return o.code == Code::OK ? grpc::Status::OK
                              : grpc::Status(CODES[static_cast<int>(o.code)], o.message);
}

template <typename T> void fill(const ModelInfo &info, T *out)
{
    out->set_model_component(info.component);
    out->set_lookout_vision_model_arn(info.model_arn);
    out->set_status(static_cast<lv::ModelStatus>(info.state));
    out->set_status_message(info.message);
}

std::string hex_color(const uint8_t rgb[3])
{
    char text[8];
    std::snprintf(text, sizeof text, "#%02X%02X%02X", rgb[0], rgb[1], rgb[2]);
    return text;
}

// The anomalies of a segmentation model, as the cloud API lists them:
// background first, then each class that covers some pixels.
void add_anomalies(const vgl_model *model, const vgl_detection &d, lv::DetectAnomalyResult *out)
{
    static const uint8_t WHITE[3] = {255, 255, 255};
    lv::Anomaly *background = out->add_anomalies();
    background->set_name("background");
    background->mutable_pixel_anomaly()->set_total_percentage_area(
        static_cast<float>(d.class_fraction[0]));
    background->mutable_pixel_anomaly()->set_hex_color(hex_color(WHITE));
    for (int k = 1; k <= vgl_model_class_count(model); k++) {
        if (d.class_fraction[k] <= 0)
            continue;
        const vgl_class *c = vgl_model_class(model, k - 1);
        lv::Anomaly *a = out->add_anomalies();
        a->set_name(c->name);
        a->mutable_pixel_anomaly()->set_total_percentage_area(
            static_cast<float>(d.class_fraction[k]));
        a->mutable_pixel_anomaly()->set_hex_color(hex_color(c->color));
    }
}

// The mask's destination in the request: field 2, else field 3.
const lv::SharedMemoryHandle *mask_destination(const lv::DetectAnomaliesRequest &request)
{
    if (!request.has_anomaly_mask_params())
        return nullptr;
    const lv::AnomalyMaskParams &p = request.anomaly_mask_params();
    if (p.has_shared_memory_handle())
        return &p.shared_memory_handle();
    return p.has_shared_memory_handle_field3() ? &p.shared_memory_handle_field3() : nullptr;
}

Outcome write_mask(const vgl_model *model, const vgl_detection &d,
                   const lv::SharedMemoryHandle *destination, lv::Bitmap *out)
{
    size_t size = static_cast<size_t>(d.width) * d.height * 3;
    out->set_width(d.width);
    out->set_height(d.height);
    vgl_error err = {};
    if (!destination) {
        std::string *bytes = out->mutable_byte_data();
        bytes->resize(size);
        if (vgl_detection_paint_mask(model, &d, reinterpret_cast<uint8_t *>(bytes->data()), size,
                                     &err) != VGL_OK)
            return {Code::INTERNAL, err.message};
        return {};
    }
    SharedMemory shm;
    Outcome outcome = shm.map(*destination, true);
    if (outcome.code == Code::OK && shm.size() < size)
        outcome = {Code::INVALID_ARGUMENT, "The mask needs " + std::to_string(size) +
                                               " bytes of shared memory; " +
                                               std::to_string(shm.size()) + " were given."};
    if (outcome.code != Code::OK)
        return outcome;
    // painted straight into the caller's memory: no copy of 1.3 MB
    if (vgl_detection_paint_mask(model, &d, shm.data(), shm.size(), &err) != VGL_OK)
        return {Code::INTERNAL, err.message};
    *out->mutable_shared_memory_handle() = *destination;
    return {};
}

class EdgeAgentService final : public lv::EdgeAgent::Service {
  public:
    EdgeAgentService(ModelTable *models, int threads) : models_(models), threads_(threads) {}

    grpc::Status DetectAnomalies(grpc::ServerContext *, const lv::DetectAnomaliesRequest *request,
                                 lv::DetectAnomaliesResponse *response) override
    {
        std::shared_ptr<const LoadedModel> loaded;
        Outcome outcome = models_->acquire(request->model_component(), &loaded);
        if (outcome.code != Code::OK)
            return status_of(outcome);
        SharedMemory input;
        const uint8_t *pixels = nullptr;
        outcome = bitmap_pixels(request->bitmap(), loaded->width, loaded->height, &input, &pixels);
        if (outcome.code != Code::OK)
            return status_of(outcome);
        // the engine only reads the image
        vgl_image image = {loaded->width, loaded->height, const_cast<uint8_t *>(pixels)};
        vgl_detection d = {};
        vgl_error err = {};
        if (vgl_model_detect(loaded->model, &image, threads_, &d, &err) != VGL_OK)
            return status_of({Code::INTERNAL, std::string("Detection failed: ") + err.message});
        lv::DetectAnomalyResult *result = response->mutable_detect_anomaly_result();
        result->set_is_anomalous(d.is_anomalous != 0);
        result->set_confidence(static_cast<float>(d.confidence));
        if (d.class_map) {
            add_anomalies(loaded->model, d, result);
            outcome = write_mask(loaded->model, d, mask_destination(*request),
                                 result->mutable_anomaly_mask());
        }
        vgl_detection_free(&d);
        return status_of(outcome);
    }

    grpc::Status StartModel(grpc::ServerContext *, const lv::StartModelRequest *request,
                            lv::StartModelResponse *response) override
    {
        Outcome outcome = models_->start(request->model_component());
        response->set_status(lv::STARTING);
        return status_of(outcome);
    }

    grpc::Status StopModel(grpc::ServerContext *, const lv::StopModelRequest *request,
                           lv::StopModelResponse *response) override
    {
        Outcome outcome = models_->stop(request->model_component());
        response->set_status(lv::STOPPED);
        return status_of(outcome);
    }

    grpc::Status ListModels(grpc::ServerContext *, const lv::ListModelsRequest *,
                            lv::ListModelsResponse *response) override
    {
        for (const ModelInfo &info : models_->list())
            fill(info, response->add_models());
        return grpc::Status::OK;
    }

    grpc::Status DescribeModel(grpc::ServerContext *, const lv::DescribeModelRequest *request,
                               lv::DescribeModelResponse *response) override
    {
        ModelInfo info;
        Outcome outcome = models_->describe(request->model_component(), &info);
        if (outcome.code == Code::OK)
            fill(info, response->mutable_model_description());
        return status_of(outcome);
    }

  private:
    ModelTable *models_;
    int threads_;
};

void usage(FILE *to)
{
    std::fprintf(to,
                 "usage: vigil edge-agent --packages DIR [--socket PATH] [--threads N]\n\n"
                 "Serves the Lookout for Vision Edge Agent gRPC API (AWS.LookoutVision.EdgeAgent)"
                 "\non a Unix socket, for the model packages unpacked in DIR (one folder per\n"
                 "component, as StartModelPackagingJob's .tar.gz unpacks).\n\n"
                 "  --packages DIR  the folder of model packages\n"
                 "  --socket PATH   the socket (default %s)\n"
                 "  --threads N     threads per detection (default 1)\n",
                 DEFAULT_SOCKET);
}

int serve(const std::string &socket_path, const std::string &packages, int threads)
{
    struct stat st;
    if (lstat(socket_path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode))
        unlink(socket_path.c_str()); // left by an agent that was killed
    ModelTable models(packages);
    EdgeAgentService service(&models, threads);
    grpc::ServerBuilder builder;
    builder.AddListeningPort("unix:" + socket_path, grpc::InsecureServerCredentials());
    builder.RegisterService(&service);
    builder.SetMaxReceiveMessageSize(64 * 1024 * 1024); // a 4096x4096 bitmap inline is 48 MiB
    std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
    if (!server) {
        std::fprintf(stderr, "vigil edge-agent: cannot listen on %s\n", socket_path.c_str());
        return 1;
    }
    std::printf("vigil edge-agent: %zu model package(s) in %s; listening on unix:%s\n",
                models.list().size(), packages.c_str(), socket_path.c_str());
    std::fflush(stdout);
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    int received = 0;
    sigwait(&signals, &received);
    server->Shutdown();
    unlink(socket_path.c_str());
    return 0;
}

} // namespace
} // namespace vigil_edge

extern "C" int cmd_edge_agent(int argc, char **argv)
{
    static const struct option OPTIONS[] = {{"packages", required_argument, nullptr, 'p'},
                                            {"socket", required_argument, nullptr, 's'},
                                            {"threads", required_argument, nullptr, 't'},
                                            {"help", no_argument, nullptr, 'h'},
                                            {nullptr, 0, nullptr, 0}};
    std::string socket_path = vigil_edge::DEFAULT_SOCKET, packages;
    int threads = 1, c;
    while ((c = getopt_long(argc, argv, "", OPTIONS, nullptr)) != -1) {
        switch (c) {
        case 'p':
            packages = optarg;
            break;
        case 's':
            socket_path = optarg;
            break;
        case 't':
            threads = std::atoi(optarg);
            break;
        case 'h':
            vigil_edge::usage(stdout);
            return 0;
        default:
            vigil_edge::usage(stderr);
            return 2;
        }
    }
    if (packages.empty() || threads < 1 || optind != argc) {
        std::fprintf(stderr, "vigil edge-agent: %s\n",
                     packages.empty() ? "--packages is required" : "bad arguments");
        vigil_edge::usage(stderr);
        return 2;
    }
    // block the stop signals in every thread gRPC starts; serve waits for them
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    return vigil_edge::serve(socket_path, packages, threads);
}
