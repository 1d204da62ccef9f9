/*
 * bench_backbone.c - time the forward pass of a backbone to given layers.
 *
 *   bench_backbone MODEL HEIGHT WIDTH LAYERS THREADS [RUNS] [WARMUP] [BATCH]
 *
 * The input is synthetic: timing does not depend on values.  Prints one JSON line with the
 * median, 10th and 90th percentile milliseconds per image.
 */
#include "bench_util.h"

#include "vigil.h"

#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc < 6) {
        fprintf(stderr, "usage: bench_backbone MODEL HEIGHT WIDTH LAYERS THREADS [RUNS] [WARMUP] [BATCH]\n");
        return 2;
    }
    int height = atoi(argv[2]), width = atoi(argv[3]), threads = atoi(argv[5]);
    int runs = argc > 6 ? atoi(argv[6]) : 30, warmup = argc > 7 ? atoi(argv[7]) : 5;
    int batch = argc > 8 ? atoi(argv[8]) : 1;
    char *list = strdup(argv[4]);
    const char *layers[16];
    int n_layers = 0;
    for (char *save = NULL, *t = strtok_r(list, ",", &save); t && n_layers < 16;
         t = strtok_r(NULL, ",", &save))
        layers[n_layers++] = t;
    vgl_error err = {0};
    vgl_network *net = NULL;
    if (vgl_network_load(argv[1], &net, &err)) {
        fprintf(stderr, "%s\n", err.message);
        return 1;
    }
    size_t count = (size_t)batch * height * width * 3;
    float *input = malloc(count * sizeof *input);
    for (size_t i = 0; i < count; i++)
        input[i] = (float)((i * 2654435761u) % 1000) / 1000.0f;
    double *times = malloc((size_t)runs * sizeof *times);
    vgl_tensor out[16];
    for (int r = -warmup; r < runs; r++) {
        double t0 = bench_now_ms();
        if (vgl_network_run(net, input, batch, height, width, layers, n_layers, threads, out, &err)) {
            fprintf(stderr, "%s\n", err.message);
            return 1;
        }
        double elapsed = (bench_now_ms() - t0) / batch;
        if (r >= 0)
            times[r] = elapsed;
        for (int k = 0; k < n_layers; k++)
            vgl_tensor_free(&out[k]);
    }
    double p10 = bench_quantile(times, runs, 0.1), median = bench_quantile(times, runs, 0.5),
           p90 = bench_quantile(times, runs, 0.9);
    printf("{\"model\":\"%s\",\"height\":%d,\"width\":%d,\"layers\":\"%s\",\"threads\":%d,"
           "\"batch\":%d,\"runs\":%d,\"median_ms\":%.2f,\"p10_ms\":%.2f,\"p90_ms\":%.2f}\n",
           argv[1], height, width, argv[4], threads, batch, runs, median, p10, p90);
    free(times), free(input), free(list);
    vgl_network_free(net);
    return 0;
}
