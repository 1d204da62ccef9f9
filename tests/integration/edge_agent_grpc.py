"""tests/integration/edge_agent_grpc.py - `vigil edge-agent` driven over its
Unix socket with Debian's python3-grpcio, through stubs generated from
src/edge/edge-agent.proto by test_packaging.sh: ListModels, DescribeModel,
StartModel to RUNNING, DetectAnomalies with inline and shared-memory
bitmaps (masks inline and into shared memory, through both field numbers
of AnomalyMaskParams), StopModel, and the documented status codes.  Each
test image also goes to the server's DetectAnomalies (model 1 hosted):
IsAnomalous must be equal, Confidence and the anomaly areas within 1e-6,
the masks identical.

usage: edge_agent_grpc.py SOCKET COOKIES_DIR COMPONENT
(PYTHONPATH holds the generated stubs; VIGIL_ENDPOINT and AWS_* from lib.sh)
"""
import glob
import io
import os
import sys
import time
from multiprocessing import shared_memory

import grpc
from PIL import Image

import edge_agent_pb2 as pb
import edge_agent_pb2_grpc as pb_grpc
from lfv_client import client

TOLERANCE = 1e-6
MAX_DIFFERENCE = [0.0]  # the largest Confidence difference seen


def expect_status(code, call, request):
    try:
        call(request)
    except grpc.RpcError as e:
        assert e.code() == code, f"{call}: {e.code()} instead of {code}: {e.details()}"
        assert e.details(), f"{code} without a message"
        return
    raise AssertionError(f"{request} succeeded; expected {code}")


def describe(agent, component):
    return agent.DescribeModel(pb.DescribeModelRequest(model_component=component)).model_description


def check_lifecycle_errors(agent, component):
    models = agent.ListModels(pb.ListModelsRequest()).models
    assert [m.model_component for m in models] == [component], models
    assert models[0].status == pb.STOPPED, models
    assert models[0].lookout_vision_model_arn.endswith(":model/cookies/1"), models
    d = describe(agent, component)
    assert d.status == pb.STOPPED and d.lookout_vision_model_arn == models[0].lookout_vision_model_arn
    expect_status(grpc.StatusCode.NOT_FOUND, agent.DescribeModel,
                  pb.DescribeModelRequest(model_component="no-such-model"))
    expect_status(grpc.StatusCode.NOT_FOUND, agent.StartModel,
                  pb.StartModelRequest(model_component="no-such-model"))
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, agent.StopModel,
                  pb.StopModelRequest(model_component=component))
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, agent.DetectAnomalies,
                  pb.DetectAnomaliesRequest(model_component=component,
                                            bitmap=pb.Bitmap(width=64, height=64,
                                                             byte_data=bytes(64 * 64 * 3))))


def start(agent, component):
    r = agent.StartModel(pb.StartModelRequest(model_component=component))
    assert r.status == pb.STARTING, r
    for _ in range(200):
        d = describe(agent, component)
        if d.status != pb.STARTING:
            break
        time.sleep(0.05)
    assert d.status == pb.RUNNING, d
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, agent.StartModel,
                  pb.StartModelRequest(model_component=component))


def server_detect(lfv, image):
    png = io.BytesIO()
    image.save(png, format="PNG")
    return lfv.detect_anomalies(ProjectName="cookies", ModelVersion="1", Body=png.getvalue(),
                                ContentType="image/png")["DetectAnomalyResult"]


def compare(cloud, edge, mask_rgb, what):
    assert cloud["IsAnomalous"] == edge.is_anomalous, (what, cloud["IsAnomalous"], edge)
    difference = abs(cloud["Confidence"] - edge.confidence)
    assert difference <= TOLERANCE, (what, cloud["Confidence"], edge.confidence)
    MAX_DIFFERENCE[0] = max(MAX_DIFFERENCE[0], difference)
    cloud_anomalies = [(a["Name"], a["PixelAnomaly"]["Color"],
                        a["PixelAnomaly"]["TotalPercentageArea"]) for a in cloud["Anomalies"]]
    edge_anomalies = [(a.name, a.pixel_anomaly.hex_color, a.pixel_anomaly.total_percentage_area)
                      for a in edge.anomalies]
    assert [a[:2] for a in cloud_anomalies] == [a[:2] for a in edge_anomalies], what
    assert all(abs(c[2] - e[2]) <= TOLERANCE for c, e in zip(cloud_anomalies, edge_anomalies))
    # boto3 decodes the AnomalyMask blob: these are the PNG's bytes
    cloud_mask = Image.open(io.BytesIO(cloud["AnomalyMask"])).convert("RGB")
    assert cloud_mask.tobytes() == mask_rgb, f"{what}: the masks differ"


def check_detect(agent, lfv, component, cookies):
    images = sorted(glob.glob(os.path.join(cookies, "test-images", "*.jpg")))
    assert images
    shm_in = shm_mask = None
    compared = 0
    try:
        for index, path in enumerate(images):
            image = Image.open(path).convert("RGB")
            width, height = image.size
            rgb = image.tobytes()
            cloud = server_detect(lfv, image)
            inline = agent.DetectAnomalies(pb.DetectAnomaliesRequest(
                model_component=component,
                bitmap=pb.Bitmap(width=width, height=height, byte_data=rgb)))
            result = inline.detect_anomaly_result
            mask = result.anomaly_mask
            assert (mask.width, mask.height) == (width, height), mask
            assert len(mask.byte_data) == width * height * 3
            compare(cloud, result, mask.byte_data, f"{path} inline")
            if shm_in is None:
                offset = 4096 + 123
                shm_in = shared_memory.SharedMemory(create=True, size=offset + len(rgb))
                shm_mask = shared_memory.SharedMemory(create=True, size=offset + len(rgb))
            shm_in.buf[offset:offset + len(rgb)] = rgb
            shm_mask.buf[:] = bytes(shm_mask.size)
            handle = pb.SharedMemoryHandle(name=shm_in.name, size=len(rgb), offset=offset)
            mask_handle = pb.SharedMemoryHandle(name=shm_mask.name, size=len(rgb), offset=offset)
            # the developer guide's field 2 on even images, aws-samples' field 3 on odd ones
            params = (pb.AnomalyMaskParams(shared_memory_handle=mask_handle) if index % 2 == 0
                      else pb.AnomalyMaskParams(shared_memory_handle_field3=mask_handle))
            via_shm = agent.DetectAnomalies(pb.DetectAnomaliesRequest(
                model_component=component,
                bitmap=pb.Bitmap(width=width, height=height, shared_memory_handle=handle),
                anomaly_mask_params=params)).detect_anomaly_result
            assert via_shm.anomaly_mask.shared_memory_handle.name == shm_mask.name, via_shm
            assert not via_shm.anomaly_mask.byte_data
            written = bytes(shm_mask.buf[offset:offset + len(rgb)])
            compare(cloud, via_shm, written, f"{path} shared memory, mask field {2 + index % 2}")
            compared += 1
        check_bad_bitmaps(agent, component, width, height, shm_in)
    finally:
        for shm in (shm_in, shm_mask):
            if shm is not None:
                shm.close()
                shm.unlink()
    return compared


def check_bad_bitmaps(agent, component, width, height, shm_in):
    def detect(bitmap):
        return pb.DetectAnomaliesRequest(model_component=component, bitmap=bitmap)
    bad = [
        pb.Bitmap(width=64, height=64, byte_data=bytes(64 * 64 * 3)),
        pb.Bitmap(width=width, height=height, byte_data=bytes(width * height * 3 - 1)),
        pb.Bitmap(width=width, height=height),
        pb.Bitmap(width=width, height=height, shared_memory_handle=pb.SharedMemoryHandle(
            name="/vigil-no-such-segment", size=width * height * 3)),
        pb.Bitmap(width=width, height=height, shared_memory_handle=pb.SharedMemoryHandle(
            name=shm_in.name, size=width * height * 3, offset=shm_in.size)),
    ]
    for bitmap in bad:
        expect_status(grpc.StatusCode.INVALID_ARGUMENT, agent.DetectAnomalies, detect(bitmap))
    expect_status(grpc.StatusCode.NOT_FOUND, agent.DetectAnomalies,
                  pb.DetectAnomaliesRequest(model_component="no-such-model",
                                            bitmap=pb.Bitmap(width=width, height=height)))


def main():
    socket_path, cookies, component = sys.argv[1:4]
    channel = grpc.insecure_channel("unix://" + socket_path)
    agent = pb_grpc.EdgeAgentStub(channel)
    check_lifecycle_errors(agent, component)
    print("ok: agent: ListModels, DescribeModel, NOT_FOUND and FAILED_PRECONDITION before start")
    start(agent, component)
    print("ok: agent: StartModel STARTING, then RUNNING; a second start FAILED_PRECONDITION")
    compared = check_detect(agent, client(), component, cookies)
    print(f"ok: agent: {compared} test images inline and via shared memory (mask fields 2 and 3)"
          f" agree with the server: IsAnomalous equal, Confidence within {MAX_DIFFERENCE[0]:.2g}"
          " (at most 1e-6), areas within 1e-6, same masks;"
          " bad bitmaps INVALID_ARGUMENT, unknown model NOT_FOUND")
    r = agent.StopModel(pb.StopModelRequest(model_component=component))
    assert r.status == pb.STOPPED and describe(agent, component).status == pb.STOPPED, r
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, agent.DetectAnomalies,
                  pb.DetectAnomaliesRequest(model_component=component, bitmap=pb.Bitmap()))
    print("ok: agent: StopModel STOPPED; DetectAnomalies then FAILED_PRECONDITION")


if __name__ == "__main__":
    main()
