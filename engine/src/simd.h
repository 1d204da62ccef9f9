/*
 * simd.h - VGL_HOT marks the few loops that dominate a forward pass.
 *
 * On x86-64 GCC builds them twice, for AVX2+FMA (x86-64-v3) and for the
 * baseline, and picks one when the library loads; the binary stays portable
 * while running the wide version on every machine that has it.
 */
#ifndef VGL_SIMD_H
#define VGL_SIMD_H

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define VGL_HOT __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define VGL_HOT
#endif

#endif
