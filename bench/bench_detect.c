/*
 * bench_detect.c - DetectAnomalies on one core, as the service runs it:
 * from the JPEG bytes in memory to the result and the encoded AnomalyMask.
 *
 *   bench_detect MODEL IMAGE [RUNS] [WARMUP] [THREADS]
 *
 * Prints one JSON line: median, 10th and 90th percentile milliseconds.
 */
#include "bench_util.h"

#include "vigil.h"

#include <stdio.h>
#include <string.h>

static uint8_t *read_all(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    *size = (size_t)ftell(f);
    rewind(f);
    uint8_t *data = malloc(*size);
    if (data && fread(data, 1, *size, f) != *size) {
        free(data);
        data = NULL;
    }
    fclose(f);
    return data;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench_detect MODEL IMAGE [RUNS] [WARMUP] [THREADS]\n");
        return 2;
    }
    int runs = argc > 3 ? atoi(argv[3]) : 30, warmup = argc > 4 ? atoi(argv[4]) : 5;
    int threads = argc > 5 ? atoi(argv[5]) : 1;
    vgl_error err = {0};
    vgl_model *model = NULL;
    size_t size = 0;
    uint8_t *jpeg = read_all(argv[2], &size);
    if (!jpeg || vgl_model_load(argv[1], &model, &err)) {
        fprintf(stderr, "%s\n", jpeg ? err.message : "cannot read the image");
        return 1;
    }
    double *times = malloc(sizeof(double) * (size_t)runs);
    for (int r = -warmup; r < runs; r++) {
        double t0 = bench_now_ms();
        vgl_image image;
        vgl_detection detection;
        uint8_t *png = NULL;
        size_t png_size = 0;
        if (vgl_image_decode(jpeg, size, NULL, &image, &err) ||
            vgl_model_detect(model, &image, threads, &detection, &err) ||
            (vgl_model_is_segmentation(model) &&
             vgl_detection_mask_png(model, &detection, &png, &png_size, &err))) {
            fprintf(stderr, "%s\n", err.message);
            return 1;
        }
        if (r >= 0)
            times[r] = bench_now_ms() - t0;
        free(png);
        vgl_detection_free(&detection);
        vgl_image_free(&image);
    }
    double p10 = bench_quantile(times, runs, 0.1), median = bench_quantile(times, runs, 0.5),
           p90 = bench_quantile(times, runs, 0.9);
    printf("{\"image\":\"%s\",\"threads\":%d,\"runs\":%d,\"median_ms\":%.2f,\"p10_ms\":%.2f,"
           "\"p90_ms\":%.2f}\n",
           argv[2], threads, runs, median, p10, p90);
    free(times);
    free(jpeg);
    vgl_model_free(model);
    return 0;
}
