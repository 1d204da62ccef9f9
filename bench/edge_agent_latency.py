"""bench/edge_agent_latency.py - times DetectAnomalies of one image, RUNS
times after 5 warm-up calls each: through `vigil edge-agent` with the RGB888
bitmap in POSIX shared memory (the mask written back into shared memory),
and through `vigil serve`'s HTTP API with the JPEG (boto3).  Latency is
measured by the client, call to answer.

usage: edge_agent_latency.py SOCKET IMAGE RUNS
"""
import statistics
import sys
import time
from multiprocessing import shared_memory

import grpc
from PIL import Image

import edge_agent_pb2 as pb
import edge_agent_pb2_grpc as pb_grpc
from lfv_client import client


def timed(call, runs):
    for _ in range(5):
        call()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[len(times) // 10], times[len(times) * 9 // 10]


def main():
    socket_path, image_path, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
    image = Image.open(image_path).convert("RGB")
    rgb = image.tobytes()
    agent = pb_grpc.EdgeAgentStub(grpc.insecure_channel("unix://" + socket_path))
    agent.StartModel(pb.StartModelRequest(model_component="cookies-model"))
    while agent.DescribeModel(pb.DescribeModelRequest(
            model_component="cookies-model")).model_description.status == pb.STARTING:
        time.sleep(0.05)
    shm_in = shared_memory.SharedMemory(create=True, size=len(rgb))
    shm_mask = shared_memory.SharedMemory(create=True, size=len(rgb))
    shm_in.buf[:] = rgb
    request = pb.DetectAnomaliesRequest(
        model_component="cookies-model",
        bitmap=pb.Bitmap(width=image.width, height=image.height,
                         shared_memory_handle=pb.SharedMemoryHandle(name=shm_in.name,
                                                                    size=len(rgb))),
        anomaly_mask_params=pb.AnomalyMaskParams(shared_memory_handle=pb.SharedMemoryHandle(
            name=shm_mask.name, size=len(rgb))))
    try:
        agent_times = timed(lambda: agent.DetectAnomalies(request), runs)
    finally:
        for shm in (shm_in, shm_mask):
            shm.close()
            shm.unlink()
    jpeg = open(image_path, "rb").read()
    lfv = client()
    http_times = timed(lambda: lfv.detect_anomalies(ProjectName="cookies", ModelVersion="1",
                                                    Body=jpeg, ContentType="image/jpeg"), runs)
    print(f"{image.width}x{image.height}, {runs} runs each, one core (CPU 0):")
    for name, (median, p10, p90) in (("edge agent, RGB888 via shared memory", agent_times),
                                     ("vigil serve, JPEG over HTTP (boto3)", http_times)):
        print(f"  {name}: median {median:.1f} ms (p10 {p10:.1f}, p90 {p90:.1f})")


if __name__ == "__main__":
    main()
